#!/bin/bash
# The interactive view ends by itself: when its terminal goes away even
# with SIGHUP ignored (it used to spin on the dead terminal forever), and
# after --duration.  Each run in tmux (a private server socket) in a
# private namespace.
. "${top_srcdir:-.}/tests/kernel/lib.sh"
require_netns
require_cmd tmux tmux

tui_init

# start SHELL-PREFIX ARGS...: tcpladder -d 0.2 ARGS at 80x24 (tui_start).
start() {
	local prefix=$1
	shift
	tui_start 80x24 "$prefix" "" -d 0.2 "$@"
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
check "the terminal killed: tcpladder exits by itself" tui_ended "$pid"
check "it exits with status 1" tui_rc_is 1
check "and says why on stderr" grep -qx "tcpladder: the terminal went away" "$T/err"
check "in one line" [ "$(wc -l <"$T/err")" = 1 ]
diag "$T/err"

# 2. The same with SIGHUP at its default: the signal ends it.
start ""
check "SIGHUP default: the view starts" wait_screen "States"
pid=$(cat "$T/pid")
tm kill-server
check "the terminal killed: tcpladder exits" tui_ended "$pid"

# 3. --duration ends the view by itself, with status 0.
start "" --duration 1.5
check "--duration: the view starts" wait_screen "States"
check "--duration 1.5 ends the view with status 0" wait_screen "EXIT=0"
check "the terminal is restored" bash -c "! tmux -S '$T/sock' capture-pane -p -t main | grep -q 'F10Quit'"
tm kill-server

done_testing
