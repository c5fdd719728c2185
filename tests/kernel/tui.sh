#!/bin/bash
# The interactive view end to end, in tmux, in a private namespace holding
# known sockets: counts on screen, help, search, filter, sort, resizes down
# to 20x6 and back, LANG=C, quitting and signals.
. "${top_srcdir:-.}/tests/kernel/lib.sh"
require_netns
require_cmd tmux tmux

T=$(mktemp -d)
S=tl$$
LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh
export T
cleanup() {
	tmux -L "$S" kill-server 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

TM=(-L "$S")
SCREEN_WAIT=30

# The pane's program: known sockets (ready before tcpladder starts), then
# tcpladder with its PID in $T/tl.pid, then its exit status.
cat >"$T/pane.sh" <<'EOF'
lib=$1 lang=$2
shift 2
. "$lib"
start_sockgen listen=2 established=3 close-wait=2 time-wait=2 || { echo SOCKGEN-FAILED; exec sleep 600; }
LANG=$lang LC_ALL=$lang TERM=screen bash -c 'echo $$ >"$T/tl.pid"; exec "$TCPLADDER" "$@"' \
	tcpladder -d 0.2 "$@"
echo "EXIT=$?"
exec sleep 600
EOF

# start LANG W H [ARGS...]: tcpladder in a fresh namespace, in tmux.
start() {
	local lang=$1 w=$2 h=$3
	shift 3
	tm kill-server 2>/dev/null
	rm -f "$T/expect" "$T/tl.pid"
	netns_run bash -c '
		ip link set lo up
		tmux -L "$0" -f /dev/null new-session -d -s main -x "$1" -y "$2" "bash \"\$T/pane.sh\" $3"
	' "$S" "$w" "$h" "$(printf '%q ' "$LIB" "$lang" "$@")"
}

# tl_pid: the PID of the tcpladder in the pane, once it has said it.
tl_pid() {
	wait_for 30 test -s "$T/tl.pid" && cat "$T/tl.pid"
}

start C.UTF-8 80 24
check "starts and shows the histogram" wait_screen "States"
check "shows all 17 sockets" wait_screen "TCP 17"
# The counts on screen are the kernel's.
for st in LISTEN ESTABLISHED FIN-WAIT-2 CLOSE-WAIT TIME-WAIT SYN-SENT; do
	want=$(awk -v s="$st" '$1 == "expect" && $2 == s { print $3 }' "$T/expect")
	got=$(screen | awk -v s="$st" '$1 == s && $2 ~ /^[0-9]+$/ { print $2; exit }')
	# a state without sockets is hidden (z shows it)
	check "$st on screen: ${got:-hidden} (sockgen: ${want:-none})" [ "${got:-0}" = "${want:-0}" ]
done
check "UTF-8 glyphs in a UTF-8 locale" wait_screen "─ States"

tm send-keys -t main F1
check "F1 shows the help" wait_screen "tcpladder help"
check "the help lists the filter key" wait_screen "an ss-style expression"
tm send-keys -t main q
check "q leaves the help" wait_screen "Connections 17"

tm send-keys -t main /
tm send-keys -t main -l "20003"
check "/ opens an incremental search" wait_screen "Search: 20003"
tm send-keys -t main Enter

tm send-keys -t main '\'
tm send-keys -t main -l "state close-wait"
tm send-keys -t main Enter
check "\\ filters with an ss expression" wait_screen "Connections 2 open  filter: state close-wait"
check "only CLOSE-WAIT rows remain" bash -c "! tmux -L $S capture-pane -p -t main | grep -q '^ ESTABLISHED  *10\|^ LISTEN  *127'"
tm send-keys -t main F4
check "F4 reopens the filter with its text" wait_screen "Filter: state close-wait"
for _ in $(seq 20); do tm send-keys -t main BSpace; done
tm send-keys -t main -l "sport = "
tm send-keys -t main Enter
check "a bad filter says where it fails" wait_screen "expected a port after 'sport =' at column 9"
tm send-keys -t main Escape
# The footer is back once the prompt has closed: only then the next key
# (an escape sequence itself) cannot run into the Esc.
check "Esc closes the prompt" wait_screen "F10Quit"
tm send-keys -t main F4
for _ in $(seq 20); do tm send-keys -t main BSpace; done
tm send-keys -t main Enter
check "an empty filter shows everything" wait_screen "Connections 17 open  sort"

tm send-keys -t main '>'
check "> sorts by the next column" wait_screen "sort LOCAL"
tm send-keys -t main '<'
check "< sorts by the previous column" wait_screen "sort STATE"

tm send-keys -t main Down Down Enter
check "Enter opens a connection's details and ladder" wait_screen "Up/Down step  m mark"
tm send-keys -t main Escape
check "Esc comes back" wait_screen "Connections 17"

# Resizes, down to 20x6 and back.
tm resize-window -t main -x 200 -y 60
check "200x60: side by side" wait_screen "│ STATE"
tm resize-window -t main -x 40 -y 12
check "40x12: still the histogram" wait_screen "─ States"
check "40x12: and the table" wait_screen "─ Connections"
tm resize-window -t main -x 20 -y 6
check "20x6: terminal too small" wait_screen "terminal too small"
tm resize-window -t main -x 80 -y 24
check "back to 80x24: histogram" wait_screen "TIME-WAIT        2"
check "back to 80x24: footer" wait_screen "F10Quit"
check "back to 80x24: no leftover of the small screen" bash -c "! tmux -L $S capture-pane -p -t main | grep -q 'too small'"

tm send-keys -t main q
check "q quits with status 0" wait_screen "EXIT=0"
check "the terminal is restored (no UI left on screen)" bash -c "! tmux -L $S capture-pane -p -t main | grep -q 'F10Quit'"

# LANG=C: ASCII only.
start C 80 24
check "LANG=C: ASCII histogram" wait_screen "- States of "
check "LANG=C: ASCII bars" wait_screen "##"
check "LANG=C: nothing outside ASCII" bash -c "! tmux -L $S capture-pane -p -t main | LC_ALL=C grep -q '[^[:print:][:space:]]'"
tm send-keys -t main F10
check "F10 quits" wait_screen "EXIT=0"

# --no-color and --ascii in UTF-8; SIGTERM restores the terminal.
start C.UTF-8 80 24 --ascii --no-color
check "--ascii in a UTF-8 locale" wait_screen "- States of "
pid=$(tl_pid)
check "the pane's PID is tcpladder's ($pid)" [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = tcpladder ]
kill -TERM "$pid"
check "SIGTERM: clean exit" wait_screen "EXIT=0"

# -n: unattended runs stop by themselves.
start C.UTF-8 80 24 -n 3
check "-n 3 stops after 3 samples" wait_screen "EXIT=0"

# Without a terminal: a clear error.
"$TCPLADDER" </dev/null >"$T/out" 2>"$T/err"
check "no terminal: exit 1" [ $? = 1 ]
check "no terminal: says to use --once or --events" grep -q -- "--once or --events" "$T/err"

done_testing
