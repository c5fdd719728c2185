#!/bin/bash
# The ladder on screen keeps both of its ends.  A loopback connection, both
# ends watched; the client closes first (its TIME-WAIT lasts a minute), the
# server's end closes at once and its tombstone would go 10 s later.  While
# the client's ladder is on screen, the server's end stays a watched end
# with its CLOSED: it never turns "~derived", nor loses its states.  (The
# window watched is 20 s: on a loaded machine the old expiry could come
# later than that, so the check can miss the defect there, never invent
# one.)
. "${top_srcdir:-.}/tests/kernel/lib.sh"
require_netns
require_cmd "tmux and python3" tmux python3
tui_init
TUI_CLEANUP='kill $(cat "$T/kp.pid" 2>/dev/null) 2>/dev/null'
event_modes

cat >"$T/kp.py" <<'EOF'
import socket, sys
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", 31000))
l.listen()
sys.stdin.readline()  # go: a connection, a byte
c = socket.create_connection(("127.0.0.1", 31000))
s, _ = l.accept()
c.send(b"x")
s.recv(1)
sys.stdin.readline()  # close: the client first, then the server
c.close()
s.recv(1)
s.close()
sys.stdin.readline()
EOF
cat >"$T/work.sh" <<'EOF'
python3 "$T/kp.py" <"$T/kp.in" >/dev/null 2>"$T/kp.err" &
echo $! >"$T/kp.pid"
EOF

# watch SECONDS: the screen, every 0.05 s for that long, into $T/seen
watch() {
	local end=$((${EPOCHREALTIME/./} + $1 * 1000000))
	: >"$T/seen"
	while [ "${EPOCHREALTIME/./}" -lt "$end" ]; do
		screen >>"$T/seen"
		sleep 0.05
	done
}

for M in $MODES; do
	rm -f "$T/kp.in"
	mkfifo "$T/kp.in"
	exec 8<>"$T/kp.in"
	tui_start 160x40 'bash "$T/work.sh";' "" -d 0.2 "$M"
	check "$M: the listener is listed" wait_screen "127.0.0.1:31000"
	echo go >&8
	tm send-keys -t main F4
	tm send-keys -t main -l "dport = :31000"
	tm send-keys -t main Enter
	check "$M: the client's end, alone in the table" wait_screen "ESTABLISHED 127.0.0.1:"
	tm send-keys -t main Enter
	check "$M: its ladder, both ends watched" wait_screen "B 127.0.0.1:31000 (server)"
	echo close >&8
	both_closed() { screen_has "TIME-WAIT" && screen | grep -q "│ CLOSED"; }
	check "$M: the client's TIME-WAIT and the server's CLOSED" wait_for 60 both_closed
	watch 20
	check "$M: 20 s on: the server's end never turned derived" \
		eval '! grep -q "(server) *~derived" "$T/seen"'
	check "$M: ... and its CLOSED stayed" eval 'screen | grep -q "│ CLOSED"'
	check "$M: ... and the client's TIME-WAIT still lasts (the window was inside it)" \
		screen_has "TIME-WAIT"
	tm send-keys -t main Escape
	check "$M: Esc: back to the table" wait_screen "F1Help"
	tm send-keys -t main q
	check "$M: quits, status 0" tui_ended "$(cat "$T/pid")"
	check "$M: nothing on stderr" [ ! -s "$T/err" ]
	echo >&8
	exec 8>&-
	kill "$(cat "$T/kp.pid")" 2>/dev/null
done
done_testing
