#!/bin/bash
# Space freezes the interactive view while sampling goes on: with
# connections opening and closing all the while, the screen below the
# header stays as it was, the header's count of new events grows, the
# arrow keys scroll the frozen events, and Space again shows live data.
# In tmux (a private server socket) in a private namespace.
. "${top_srcdir:-.}/tests/kernel/lib.sh"
require_netns
for tool in tmux python3; do
	if ! command -v $tool >/dev/null; then
		if [ "${CI:-}" = true ]; then
			echo "not ok 1 - $tool is missing (CI=true: not skipping)"
			echo "1..1"
			exit 1
		fi
		echo "1..0 # SKIP $tool is not installed"
		exit 0
	fi
done

T=$(mktemp -d)
export T
cleanup() {
	local p
	p=$(cat "$T/pid" 2>/dev/null)
	[ -n "$p" ] && comm_is "$p" tcpladder && kill -KILL "$p" 2>/dev/null
	p=$(cat "$T/churn.pid" 2>/dev/null)
	[ -n "$p" ] && comm_is "$p" python3 && kill "$p" 2>/dev/null
	tmux -S "$T/sock" kill-server 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

tm() { tmux -S "$T/sock" "$@"; }
screen() { tm capture-pane -p -t main 2>/dev/null; }
screen_has() { screen | grep -qF -- "$1"; }
wait_screen() {
	wait_for 60 screen_has "$1" && return 0
	screen | sed 's/^/#   | /'
	return 1
}

# Connections to a loopback server, one every 50 ms, for as long as the
# namespace lives: each one a handful of events.
cat >"$T/churn.py" <<'EOF'
import socket, threading, time
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 7001))
srv.listen(64)
def serve():
    while True:
        c, _ = srv.accept()
        c.close()
threading.Thread(target=serve, daemon=True).start()
while True:
    c = socket.create_connection(("127.0.0.1", 7001))
    time.sleep(0.02)
    c.close()
    time.sleep(0.03)
EOF

tm kill-server 2>/dev/null
netns_run bash -c '
	ip link set lo up
	python3 "$T/churn.py" </dev/null >/dev/null 2>&1 &
	echo $! >"$T/churn.pid"
	tmux -S "$0" -f /dev/null new-session -d -s main -x 100 -y 30 \
		"LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen \
		 sh -c '\''echo \$\$ >\"$T/pid\"; exec \"$TCPLADDER\" -d 0.2'\'' 2>\"$T/err\"; sleep 600"
' "$T/sock"

# events_total: the number in the event pane's title.
events_total() { screen | grep -o 'Events [0-9]*' | head -1 | grep -o '[0-9]*'; }
# new_events: the header's count of events since the freeze.
new_events() { screen | head -1 | grep -o 'FROZEN +[0-9]*' | grep -o '[0-9]*$'; }
more_events_than() { local n; n=$(events_total); [ -n "$n" ] && [ "$n" -gt "$1" ]; }
more_new_than() { local n; n=$(new_events); [ -n "$n" ] && [ "$n" -gt "$1" ]; }
body() { screen | tail -n +2; }

check "the view starts" wait_screen "States"
check "events keep coming" wait_for 60 more_events_than 20
tm send-keys -t main Space
check "Space: the header says FROZEN" wait_screen "FROZEN +"
frozen_total=$(events_total)
body >"$T/frozen"
n0=$(new_events)
check "the count of new events grows while frozen (from ${n0:-?})" wait_for 60 more_new_than $((${n0:-0} + 20))
body >"$T/later"
check "the screen below the header has not changed" cmp -s "$T/frozen" "$T/later"
cmp -s "$T/frozen" "$T/later" || diff "$T/frozen" "$T/later" | sed 's/^/#   /'
check "the event pane's title still shows $frozen_total" [ "$(events_total)" = "$frozen_total" ]

# Scrolling the frozen events: Up goes older (the title says where),
# End back to the newest.
tm send-keys -t main Up
check "Up scrolls the frozen events (the title says where)" wait_screen "of $frozen_total kept"
tm send-keys -t main End
check "End: back to the newest, still frozen" wait_for 30 bash -c \
	"tmux -S '$T/sock' capture-pane -p -t main | tail -n +2 | cmp -s - '$T/frozen'"
check "still frozen" screen_has "FROZEN +"

tm send-keys -t main Space
check "Space again: live (no FROZEN)" wait_for 30 bash -c \
	"! tmux -S '$T/sock' capture-pane -p -t main | grep -q FROZEN"
check "live: the event count is past the frozen one" wait_for 30 more_events_than "$frozen_total"
check "nothing on stderr" [ ! -s "$T/err" ]

tm send-keys -t main q
pid=$(cat "$T/pid")
check "q quits" wait_for 60 gone_pid "$pid"
done_testing
