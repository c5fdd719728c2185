#!/bin/bash
# F5 groups the connection table (as htop's tree): by process, by local
# port, by remote host and back to none.  Real sockets in a private
# namespace: one python3 process holds a listener on 9100 and both ends of
# three connections to it (7 sockets), another a listener on 9300.  Each
# group's head has its count and its mix of states; the title says how the
# table is grouped; Down and Enter work on the members; the grouping is
# saved and read back at the next start.  At 120x40, 200x60, 80x24 and
# 40x12, in UTF-8, under LANG=C and with --lang zh.  In tmux (a private
# server socket).
. "${top_srcdir:-.}/tests/kernel/lib.sh"
require_netns
require_cmd tmux tmux
require_cmd python3 python3

TUI_CLEANUP='for f in py1.pid py2.pid; do
		p=$(cat "$T/$f" 2>/dev/null)
		[ -n "$p" ] && comm_is "$p" python3 && kill "$p" 2>/dev/null
	done'
tui_init
XDG_CONFIG_HOME=$T/cfg
export XDG_CONFIG_HOME
CFG=$T/cfg/tcpladder/config

cat >"$T/pair.py" <<'PY'
import socket, sys, time
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", int(sys.argv[1])))
srv.listen(8)
held = []
for i in range(int(sys.argv[2])):
    held.append(socket.create_connection(("127.0.0.1", int(sys.argv[1]))))
    held.append(srv.accept()[0])
print("ready", flush=True)
time.sleep(600)
PY

# start SIZE LANG ARGS...: the two processes, then the view, in a fresh
# namespace, in the locale LANG.
start() {
	local size=$1 lang=$2
	shift 2
	tm kill-server 2>/dev/null
	eval "$TUI_CLEANUP"
	rm -f "$T/pid" "$T/err" "$T/py1.out"
	netns_run bash -c '
		ip link set lo up
		python3 "$T/pair.py" 9100 3 </dev/null >"$T/py1.out" 2>&1 &
		echo $! >"$T/py1.pid"
		python3 "$T/pair.py" 9300 0 </dev/null >/dev/null 2>&1 &
		echo $! >"$T/py2.pid"
		for i in $(seq 600); do grep -q ready "$T/py1.out" && break; sleep 0.05; done
		tmux -S "$0" -f /dev/null new-session -d -s main -x "${1%x*}" -y "${1#*x}" \
			"XDG_CONFIG_HOME=$XDG_CONFIG_HOME LANG=$2 LC_ALL=$2 TERM=screen \
			 sh -c '\''echo \$\$ >\"$T/pid\"; exec \"$TCPLADDER\" -d 0.2 $3'\'' 2>\"$T/err\"; sleep 600"
	' "$T/sock" "$size" "$lang" "$*"
}
quit() {
	local pid
	pid=$(cat "$T/pid")
	tm send-keys -t main q
	wait_for 60 gone_pid "$pid"
}

start 120x40 C.UTF-8
check "the view starts with the 8 sockets" wait_screen "Connections 8 open"
p1=$(cat "$T/py1.pid")
p2=$(cat "$T/py2.pid")
tm send-keys -t main F5
check "F5: grouped by process, says the title" wait_screen "grouped by process (2)"
check "the first process: 7 sockets, 6 established and its listener" \
	wait_screen "$p1/python3 (7)  ESTABLISHED 6, LISTEN 1"
check "the second: its listener" wait_screen "$p2/python3 (1)  LISTEN 1"
check "the members indented under their head" screen_has "   ESTABLISHED 127.0.0.1:"
check "saved" wait_for 30 grep -qx "group = process" "$CFG"
tm send-keys -t main F5
check "F5 again: by local port" wait_screen "grouped by local port (5)"
check ":9100 holds the listener and the 3 accepted" wait_screen ":9100 (4)  ESTABLISHED 3, LISTEN 1"
check ":9300 its listener" screen_has ":9300 (1)  LISTEN 1"
# Home, Down: the first member of :9100 (its listener, sorted by state)
tm send-keys -t main Home Down
tm send-keys -t main Enter
check "Enter on a member: its ladder" wait_screen "Esc back"
tm send-keys -t main Escape
check "Esc: back, still grouped" wait_screen "grouped by local port"
tm send-keys -t main F5
check "F5 again: by remote host" wait_screen "grouped by remote host (2)"
check "127.0.0.1: the 6 established" wait_screen "127.0.0.1 (6)  ESTABLISHED 6"
check "the listeners together" screen_has "* (listening) (2)  LISTEN 2"
tm send-keys -t main F5 F5
check "F5 twice: by process again" wait_screen "grouped by process"
check "saved" wait_for 30 grep -qx "group = process" "$CFG"
check "q quits" quit
check "nothing on stderr" [ ! -s "$T/err" ]

# Read back at the next start, at every size and language.
for run in "200x60 C.UTF-8" "80x24 C" "80x24 C.UTF-8 --lang zh" "40x12 C --lang zh"; do
	set -- $run
	start "$@"
	p1=$(cat "$T/py1.pid")
	check "$run: started grouped by process (saved)" wait_screen "$p1/python3 (7)"
	tm send-keys -t main F5
	check "$run: F5: by local port" wait_screen ":9100 (4)"
	tm send-keys -t main F5 F5 F5
	check "$run: back to by process" wait_screen "$p1/python3 (7)"
	check "$run: q quits" quit
	check "$run: nothing on stderr but the locale's note" \
		bash -c "! grep -v 'UTF-8\|locale' '$T/err' | grep -q ."
done
done_testing
