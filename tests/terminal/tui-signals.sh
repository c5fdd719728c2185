#!/bin/bash
# The terminal is always given back: the view ended by SIGHUP, SIGTERM and
# SIGINT (sent to it, and Ctrl-C typed) leaves the terminal's settings as
# they were before it started (stty -g before and after); SIGTSTP gives
# the terminal back while the view is stopped (its settings and the shell's
# screen), and SIGCONT brings the view back, redrawn.  Each run in tmux (a
# private server socket) in a private namespace.
. "${top_srcdir:-.}/tests/kernel/lib.sh"
require_netns
require_cmd tmux tmux

tui_init

# start ARGS...: tcpladder -d 0.2 ARGS at 100x30 (tui_start); the pane's
# shell writes the terminal's settings before ($T/before) and after
# ($T/after) the run.
start() {
	rm -f "$T/before" "$T/after"
	tui_start 100x30 'stty -g >"$T/before";' 'stty -g >"$T/after";' -d 0.2 "$@"
}

restored() {
	wait_for 30 test -s "$T/after" && cmp -s "$T/before" "$T/after"
}

# state PID S: the process is in state S (T: stopped).
state_is() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	s=${s##*) }
	[ "${s%% *}" = "$2" ]
}


for how in HUP TERM INT key; do
	start
	check "$how: the view starts" wait_screen "States"
	pid=$(cat "$T/pid")
	check "$how: the terminal is raw while the view runs" \
		bash -c "[ \"\$(stty -g -F \"\$(tmux -S '$T/sock' display -p -t main '#{pane_tty}')\")\" != \"\$(cat '$T/before')\" ]"
	if [ "$how" = key ]; then
		tm send-keys -t main C-c
	else
		kill -"$how" "$pid"
	fi
	check "$how: tcpladder ends" tui_ended "$pid"
	check "$how: the terminal's settings are as before" restored
	check "$how: status 0" [ "$(cat "$T/rc" 2>/dev/null)" = 0 ]
	check "$how: nothing on stderr" [ ! -s "$T/err" ]
	check "$how: the shell's screen is back" wait_screen "EXIT=0"
	check "$how: no trace of the view on it" bash -c "! tmux -S '$T/sock' capture-pane -p -t main | grep -q 'F10Quit'"
	diag "$T/err"
done

# SIGTSTP and SIGCONT, as a shell with job control does them: Ctrl-Z (and
# a SIGTSTP sent from elsewhere) stops the view and gives the screen back
# to the shell; fg continues it, redrawn and still sampling.  (Without job
# control the process group is orphaned and the kernel discards a stop
# signal: the shell above does not run it that way.)
tm kill-server 2>/dev/null
rm -f "$T/pid" "$T/err" "$T/rc" "$T/before" "$T/after"
netns_run bash -c '
	ip link set lo up
	tmux -S "$0" -f /dev/null new-session -d -s main -x 100 -y 30 \
		"env -i PATH=\"$PATH\" HOME=/ PS1=READY\\$\\  TERM=screen bash --norc --noprofile -i"
' "$T/sock"
check "TSTP: the shell is ready" wait_screen 'READY$'
tm send-keys -t main "stty -g >$T/before" Enter
# the job: tcpladder itself, the child of the pane's shell
tm send-keys -t main "LANG=C.UTF-8 LC_ALL=C.UTF-8 $TCPLADDER -d 0.2 2>$T/err" Enter
check "TSTP: the view starts" wait_screen "States"
pid=$(pgrep -P "$(tm display -p -t main '#{pane_pid}')")
echo "$pid" >"$T/pid"
check "TSTP: its PID is known ($pid)" comm_is "$pid" tcpladder
for round in 1 2 3 4 5 6; do
	if [ $round = 1 ]; then
		tm send-keys -t main C-z
	else
		kill -TSTP "$pid"
	fi
	check "TSTP $round: tcpladder stops" wait_for 60 state_is "$pid" T
	check "TSTP $round: the shell's screen is back, the job stopped" \
		wait_for 60 bash -c "[ \$(tmux -S '$T/sock' capture-pane -p -S - -t main | grep -c Stopped) = $round ]"
	check "TSTP $round: the view is off the screen" \
		bash -c "! tmux -S '$T/sock' capture-pane -p -t main | grep -q 'F10Quit'"
	tm send-keys -t main "fg" Enter
	check "CONT $round: tcpladder runs again" wait_for 60 bash -c "! grep -q '^[^)]*) T' /proc/$pid/stat"
	check "CONT $round: the view is redrawn" wait_screen "F10Quit"
	check "CONT $round: no shell text left on it" \
		bash -c "! tmux -S '$T/sock' capture-pane -p -t main | grep -q 'Stopped'"
	check "CONT $round: the terminal is raw again" \
		bash -c "[ \"\$(stty -g -F \"\$(tmux -S '$T/sock' display -p -t main '#{pane_tty}')\")\" != \"\$(cat '$T/before')\" ]"
done
# still live: a listener opened now shows up
nsenter -t "$pid" -n python3 -c '
import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 7345)); s.listen(1)
time.sleep(120)' &
lpid=$!
check "after CONT: new sockets are still seen" wait_screen "127.0.0.1:7345"
kill "$lpid" 2>/dev/null
wait "$lpid" 2>/dev/null
tm send-keys -t main q
check "TSTP: q ends it" tui_ended "$pid"
tm send-keys -t main "echo EXIT=\$?; stty -g >$T/after" Enter
check "TSTP: status 0" wait_screen "EXIT=0"
check "TSTP: the terminal's settings are as before" restored
check "TSTP: nothing on stderr" [ ! -s "$T/err" ]
diag "$T/err"

done_testing
