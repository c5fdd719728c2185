#!/bin/bash
# The interactive view end to end, in tmux, in a private namespace holding
# known sockets: counts on screen, help, search, filter, sort, resizes down
# to 20x6 and back, LANG=C, quitting and signals.
. "${top_srcdir:-.}/tests/kernel/lib.sh"
require_netns
if ! command -v tmux >/dev/null; then
	if [ "${CI:-}" = true ]; then
		echo "not ok 1 - tmux is missing (CI=true: not skipping)"
		echo "1..1"
		exit 1
	fi
	echo "1..0 # SKIP tmux is not installed"
	exit 0
fi

T=$(mktemp -d)
S=tl$$
export T
cleanup() {
	tmux -L "$S" kill-server 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

tm() { tmux -L "$S" "$@"; }
screen() { tm capture-pane -p -t main; }

# wait_for TEXT [SECONDS]: until the screen shows TEXT.
wait_for() {
	local i
	for i in $(seq $((${2:-5} * 10))); do
		screen | grep -qF -- "$1" && return 0
		sleep 0.1
	done
	screen | sed 's/^/#   | /'
	return 1
}

# start LANG W H [ARGS...]: tcpladder in a fresh namespace, in tmux.
start() {
	local lang=$1 w=$2 h=$3
	shift 3
	tm kill-server 2>/dev/null
	rm -f "$T/expect"
	unshare -n bash -c '
		ip link set lo up
		tmux -L "$0" -f /dev/null new-session -d -s main -x "$1" -y "$2" \
			"(sleep 600) | \"$SOCKGEN\" listen=2 established=3 close-wait=2 time-wait=2 >\"$T/expect\" 2>&1 &
			 for i in \$(seq 50); do grep -q ready \"$T/expect\" && break; sleep 0.1; done
			 LANG=$3 LC_ALL=$3 TERM=screen \"$TCPLADDER\" -d 0.2 $4; echo EXIT=\$?; sleep 600"
	' "$S" "$w" "$h" "$lang" "$*"
}

start C.UTF-8 80 24
check "starts and shows the histogram" wait_for "States"
check "shows all 17 sockets" wait_for "TCP 17"
# The counts on screen are the kernel's.
for st in LISTEN ESTABLISHED FIN-WAIT-2 CLOSE-WAIT TIME-WAIT SYN-SENT; do
	want=$(awk -v s="$st" '$1 == "expect" && $2 == s { print $3 }' "$T/expect")
	got=$(screen | awk -v s="$st" '$1 == s && $2 ~ /^[0-9]+$/ { print $2; exit }')
	check "$st on screen: $got (sockgen: $want)" [ "$got" = "$want" ]
done
check "UTF-8 glyphs in a UTF-8 locale" wait_for "─ States"

tm send-keys -t main F1
check "F1 shows the help" wait_for "tcpladder help"
check "the help lists the filter key" wait_for "F4"
tm send-keys -t main q
check "q leaves the help" wait_for "Connections 17"

tm send-keys -t main /
tm send-keys -t main -l "20003"
check "/ opens an incremental search" wait_for "Search: 20003"
tm send-keys -t main Enter

tm send-keys -t main '\'
tm send-keys -t main -l "state close-wait"
tm send-keys -t main Enter
check "\\ filters with an ss expression" wait_for "Connections 2  filter: state close-wait"
check "only CLOSE-WAIT rows remain" bash -c "! tmux -L $S capture-pane -p -t main | grep -q '^ ESTABLISHED  *10\|^ LISTEN  *127'"
tm send-keys -t main F4
check "F4 reopens the filter with its text" wait_for "Filter: state close-wait"
for _ in $(seq 20); do tm send-keys -t main BSpace; done
tm send-keys -t main -l "sport = "
tm send-keys -t main Enter
check "a bad filter says where it fails" wait_for "expected a port after 'sport =' at column 9"
tm send-keys -t main Escape
tm send-keys -t main F4
for _ in $(seq 20); do tm send-keys -t main BSpace; done
tm send-keys -t main Enter
check "an empty filter shows everything" wait_for "Connections 17  sort"

tm send-keys -t main '>'
check "> sorts by the next column" wait_for "sort LOCAL"
tm send-keys -t main '<'
check "< sorts by the previous column" wait_for "sort STATE"

tm send-keys -t main Down Down Enter
check "Enter opens a connection's details and ladder" wait_for "Up/Down step  m mark"
tm send-keys -t main Escape
check "Esc comes back" wait_for "Connections 17"

# Resizes, down to 20x6 and back.
tm resize-window -t main -x 200 -y 60
check "200x60: side by side" wait_for "│ STATE"
tm resize-window -t main -x 40 -y 12
check "40x12: still the histogram" wait_for "─ States"
check "40x12: and the table" wait_for "─ Connections"
tm resize-window -t main -x 20 -y 6
check "20x6: terminal too small" wait_for "terminal too small"
tm resize-window -t main -x 80 -y 24
check "back to 80x24: histogram" wait_for "CLOSED           0"
check "back to 80x24: footer" wait_for "F10Quit"
check "back to 80x24: no leftover of the small screen" bash -c "! tmux -L $S capture-pane -p -t main | grep -q 'too small'"

tm send-keys -t main q
check "q quits with status 0" wait_for "EXIT=0"
check "the terminal is restored (no UI left on screen)" bash -c "! tmux -L $S capture-pane -p -t main | grep -q 'F10Quit'"

# LANG=C: ASCII only.
start C 80 24
check "LANG=C: ASCII histogram" wait_for "- States ---"
check "LANG=C: ASCII bars" wait_for "##"
check "LANG=C: nothing outside ASCII" bash -c "! tmux -L $S capture-pane -p -t main | LC_ALL=C grep -q '[^[:print:][:space:]]'"
tm send-keys -t main F10
check "F10 quits" wait_for "EXIT=0"

# --no-color and --ascii in UTF-8; SIGTERM restores the terminal.
start C.UTF-8 80 24 --ascii --no-color
check "--ascii in a UTF-8 locale" wait_for "- States ---"
pkill -TERM -f "tcpladder -d 0.2 --ascii" 
check "SIGTERM: clean exit" wait_for "EXIT=0"

# -n: unattended runs stop by themselves.
start C.UTF-8 80 24 -n 3
check "-n 3 stops after 3 samples" wait_for "EXIT=0" 10

# Without a terminal: a clear error.
"$TCPLADDER" </dev/null >"$T/out" 2>"$T/err"
check "no terminal: exit 1" [ $? = 1 ]
check "no terminal: says to use --once or --events" grep -q -- "--once or --events" "$T/err"

done_testing
