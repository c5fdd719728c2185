#!/bin/bash
# The interactive view ends by itself: when its terminal goes away even
# with SIGHUP ignored (it used to spin on the dead terminal forever), and
# after --duration.  Each run in tmux (a private server socket) in a
# private namespace.
. "${top_srcdir:-.}/tests/kernel/lib.sh"
require_netns
require_cmd tmux tmux

T=$(mktemp -d)
export T
cleanup() {
	local p
	p=$(cat "$T/pid" 2>/dev/null)
	[ -n "$p" ] && comm_is "$p" tcpladder && kill -KILL "$p" 2>/dev/null
	tmux -S "$T/sock" kill-server 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

TM=(-S "$T/sock")

# rc_is N: tcpladder's exit status was N.
rc_is() {
	wait_for 30 test -s "$T/rc" && [ "$(cat "$T/rc")" = "$1" ]
}

# start SHELL-PREFIX ARGS...: tcpladder in tmux, in a fresh namespace; its
# PID lands in $T/pid, its stderr in $T/err, its exit status in $T/rc.
start() {
	local prefix=$1
	shift
	tm kill-server 2>/dev/null
	rm -f "$T/pid" "$T/err" "$T/rc"
	netns_run bash -c '
		ip link set lo up
		tmux -S "$0" -f /dev/null new-session -d -s main -x 80 -y 24 \
			"$1 LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen \
			 sh -c '\''echo \$\$ >\"$T/pid\"; exec \"$TCPLADDER\" -d 0.2 $2'\'' 2>\"$T/err\"
			 echo \$? >\"$T/rc\"; echo EXIT=\$(cat \"$T/rc\"); sleep 600"
	' "$T/sock" "$prefix" "$*"
}

# ended PID: the view (PID) has ended; if not after 60 s, it is killed.
ended() {
	if wait_for 60 gone_pid "$1"; then
		return 0
	fi
	comm_is "$1" tcpladder && kill -KILL "$1" 2>/dev/null
	return 1
}

# 1. The terminal goes away while SIGHUP is ignored.
start "trap '' HUP;"
check "SIGHUP ignored: the view starts" wait_screen "States"
pid=$(cat "$T/pid")
check "its PID is known ($pid)" [ -n "$pid" ]
ign=$(awk '/^SigIgn:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
# SIGHUP is signal 1: the lowest bit of the mask.
check "SIGHUP is ignored in it (SigIgn $ign)" [ $((0x${ign:-0} & 1)) = 1 ]
tm kill-server
check "the terminal killed: tcpladder exits by itself" ended "$pid"
check "it exits with status 1" rc_is 1
check "and says why on stderr" grep -qx "tcpladder: the terminal went away" "$T/err"
check "in one line" [ "$(wc -l <"$T/err")" = 1 ]
diag "$T/err"

# 2. The same with SIGHUP at its default: the signal ends it.
start ""
check "SIGHUP default: the view starts" wait_screen "States"
pid=$(cat "$T/pid")
tm kill-server
check "the terminal killed: tcpladder exits" ended "$pid"

# 3. --duration ends the view by itself, with status 0.
start "" --duration 1.5
check "--duration: the view starts" wait_screen "States"
check "--duration 1.5 ends the view with status 0" wait_screen "EXIT=0"
check "the terminal is restored" bash -c "! tmux -S '$T/sock' capture-pane -p -t main | grep -q 'F10Quit'"
tm kill-server

done_testing
