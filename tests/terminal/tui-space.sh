#!/bin/bash
# Space at every size: with a leaking server (CLOSE-WAIT piling up) and
# TIME-WAIT churn, the histogram keeps CLOSE-WAIT and TIME-WAIT in view at
# 80x24 and at 40x12, hides empty states until z, and the events pane
# shows milliseconds.  Sockets open before tcpladder started have their
# age marked as a lower bound, with ≥ in UTF-8 and > under LANG=C.
# In tmux (a private server socket) in a private namespace.
. "${top_srcdir:-.}/tests/kernel/lib.sh"
require_netns
require_cmd tmux tmux
require_cmd python3 python3

T=$(mktemp -d)
export T
cleanup() {
	local p f
	for f in pid pid.c; do
		p=$(cat "$T/$f" 2>/dev/null)
		[ -n "$p" ] && comm_is "$p" tcpladder && kill -KILL "$p" 2>/dev/null
	done
	p=$(cat "$T/load.pid" 2>/dev/null)
	[ -n "$p" ] && comm_is "$p" python3 && kill "$p" 2>/dev/null
	tmux -S "$T/sock" kill-server 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

TM=(-S "$T/sock")

# A leaking server on 7002 (it never closes what its clients closed: one
# more CLOSE-WAIT each time) and churn on 7001 (the server closes first:
# a TIME-WAIT a connection, some 20 a second).  "ready" once both listen.
cat >"$T/load.py" <<'EOF'
import socket, sys, threading, time
def listener(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(128)
    return s
leak, churn = listener(7002), listener(7001)
held = []
def serve_leak():
    while True:
        held.append(leak.accept()[0])
def serve_churn():
    while True:
        churn.accept()[0].close()
for f in (serve_leak, serve_churn):
    threading.Thread(target=f, daemon=True).start()
print("ready", flush=True)
n = 0
while True:
    c = socket.create_connection(("127.0.0.1", 7001))
    c.recv(1)
    c.close()
    if n % 10 == 0:
        socket.create_connection(("127.0.0.1", 7002)).close()
    n += 1
    time.sleep(0.05)
EOF

# The load first (its listeners are then older than tcpladder), then two
# views of the namespace: "main" in UTF-8 at 80x24, "c" under LANG=C.
netns_run bash -c '
	ip link set lo up
	python3 "$T/load.py" </dev/null >"$T/load.out" 2>&1 &
	echo $! >"$T/load.pid"
	for i in $(seq 600); do grep -q ready "$T/load.out" && break; sleep 0.05; done
	tmux -S "$0" -f /dev/null new-session -d -s main -x 80 -y 24 \
		"LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen \
		 sh -c '\''echo \$\$ >\"$T/pid\"; exec \"$TCPLADDER\" -d 0.2'\'' 2>\"$T/err\"; sleep 600"
	tmux -S "$0" new-session -d -s c -x 80 -y 24 \
		"LANG=C LC_ALL=C TERM=screen \
		 sh -c '\''echo \$\$ >\"$T/pid.c\"; exec \"$TCPLADDER\" -d 0.2'\'' 2>\"$T/err.c\"; sleep 600"
' "$T/sock"

# count SESSION STATE: the histogram's count of STATE on screen.
count() {
	tm capture-pane -p -t "$1" 2>/dev/null |
		awk -v s="$2" '$1 == s && $2 ~ /^[0-9]+$/ { print $2; exit }'
}
# more SESSION STATE N: the histogram shows more than N in STATE.
more() {
	local n
	n=$(count "$1" "$2")
	[ -n "$n" ] && [ "$n" -gt "$3" ]
}
# both_visible SESSION: CLOSE-WAIT and TIME-WAIT rows, each with sockets.
both_visible() {
	more "$1" CLOSE-WAIT 0 && more "$1" TIME-WAIT 0
}
# redrawn_40 SESSION RULE: the header and the histogram's title drawn for
# 40 columns (the header gives way to fit, its tags last; the title is
# cut, its rule drawn with RULE)
redrawn_40() {
	local top title
	top=$(tm capture-pane -p -t "$1" 2>/dev/null | head -1)
	title=$(tm capture-pane -p -t "$1" 2>/dev/null | sed -n 2p)
	[ -n "${top// /}" ] && [ "$(printf '%s\n' "$top" | wc -L)" -le 40 ] &&
		[ "$(printf '%s\n' "$title" | wc -L)" -le 40 ] && [[ $title == "$2 States"* ]]
}
show() { tm capture-pane -p -t "$1" | sed 's/^/#   | /'; }

check "the view starts" wait_screen "States of"
check "80x24: TIME-WAIT piles up (over 40)" wait_for 90 more main TIME-WAIT 40
check "80x24: CLOSE-WAIT grows (over 3)" wait_for 90 more main CLOSE-WAIT 3
check "80x24: CLOSE-WAIT and TIME-WAIT both visible" both_visible main || show main
check "80x24: the empty states are hidden, the title says so" bash -c \
	"tmux -S '$T/sock' capture-pane -p -t main | grep -q 'empty hidden (z)' &&
	 ! tmux -S '$T/sock' capture-pane -p -t main | grep -q '^ CLOSING  *0'"
check "80x24: the bars are said to be on a log scale" screen_has "bars log scale"
check "80x24: event times with milliseconds" wait_for 30 bash -c \
	"tmux -S '$T/sock' capture-pane -p -t main | grep -qE '^ [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3} 127\.0\.0\.1:'" ||
	show main
check "80x24: the table counts open connections, and closed ones apart" bash -c \
	"tmux -S '$T/sock' capture-pane -p -t main |
	 grep -qE 'Connections [0-9]+ open( \+ [0-9]+ closed \(dim\))?  sort STATE'" || show main
# The listeners predate tcpladder: their ages are lower bounds.
tm send-keys -t main /
tm send-keys -t main -l "7002"
tm send-keys -t main Enter
check "UTF-8: a listener open at start-up has its age marked ≥" wait_for 30 bash -c \
	"tmux -S '$T/sock' capture-pane -p -t main | grep -qE '^ LISTEN .*127\.0\.0\.1:7002 .* ≥[0-9]+[smhd] '" ||
	show main

tm send-keys -t main z
check "z: every state, the empty ones too" wait_screen "z hides empty"
check "z: CLOSING shown with 0" wait_for 30 bash -c \
	"tmux -S '$T/sock' capture-pane -p -t main | grep -q '^ CLOSING  *0'"
tm send-keys -t main z
check "z again: hidden" wait_screen "empty hidden (z)"

tm resize-window -t main -x 40 -y 12
check "40x12: redrawn at 40 columns" wait_for 30 redrawn_40 main '─'
check "40x12: CLOSE-WAIT and TIME-WAIT both visible" wait_for 30 both_visible main || show main

check "LANG=C: CLOSE-WAIT and TIME-WAIT both visible" wait_for 60 both_visible c || show c
tm send-keys -t c /
tm send-keys -t c -l "7002"
tm send-keys -t c Enter
check "LANG=C: the lower bound is marked >" wait_for 30 bash -c \
	"tmux -S '$T/sock' capture-pane -p -t c | grep -qE '^ LISTEN .*127\.0\.0\.1:7002 .* >[0-9]+[smhd] '" ||
	show c
tm resize-window -t c -x 40 -y 12
check "LANG=C 40x12: redrawn at 40 columns" wait_for 30 redrawn_40 c '-'
check "LANG=C 40x12: CLOSE-WAIT and TIME-WAIT both visible" wait_for 30 both_visible c || show c
check "LANG=C: nothing outside ASCII" bash -c \
	"! tmux -S '$T/sock' capture-pane -p -t c | LC_ALL=C grep -q '[^[:print:][:space:]]'"
check "nothing on stderr" bash -c "[ ! -s '$T/err' ] && [ ! -s '$T/err.c' ]"

tm send-keys -t main q
tm send-keys -t c q
check "q quits (UTF-8)" wait_for 60 gone_pid "$(cat "$T/pid")"
check "q quits (LANG=C)" wait_for 60 gone_pid "$(cat "$T/pid.c")"
done_testing
