#!/bin/bash
# F2, the setup screen: a column hidden there leaves the table at once;
# the colour scheme, the interval and the columns are written to
# $XDG_CONFIG_HOME/tcpladder/config and are there at the next start; F1
# shows its keys; Esc, q and F10 leave it.  A malformed columns line is
# ignored with one line on stderr.  The screen at 200x60, 40x12, under
# LANG=C and with --lang zh.  In tmux (a private server socket) in a
# private namespace.
. "${top_srcdir:-.}/tests/kernel/lib.sh"
require_netns
require_cmd tmux tmux

tui_init
XDG_CONFIG_HOME=$T/cfg
export XDG_CONFIG_HOME
CFG=$T/cfg/tcpladder/config

# start SIZE LANG ARGS...: the view in tmux, in a fresh namespace, in the
# locale LANG (the default interval: 1 s).
start() {
	local size=$1 lang=$2
	shift 2
	tm kill-server 2>/dev/null
	rm -f "$T/pid" "$T/err"
	netns_run bash -c '
		ip link set lo up
		tmux -S "$0" -f /dev/null new-session -d -s main -x "${1%x*}" -y "${1#*x}" \
			"XDG_CONFIG_HOME=$XDG_CONFIG_HOME LANG=$2 LC_ALL=$2 TERM=screen \
			 sh -c '\''echo \$\$ >\"$T/pid\"; exec \"$TCPLADDER\" $3'\'' 2>\"$T/err\"; sleep 600"
	' "$T/sock" "$size" "$lang" "$*"
}
quit() {
	local pid
	pid=$(cat "$T/pid")
	tm send-keys -t main q
	wait_for 60 gone_pid "$pid"
}
# heads: the table's column heads line.
heads() { screen | grep -E '^ +STATE ' | head -1; }
no_local_head() { heads | grep -q REMOTE && ! heads | grep -q LOCAL; }
# colour: the screen, with its attributes, uses a foreground colour.
colour() { tm capture-pane -p -e -t main | grep -qE $'\e\\[([0-9;]*;)?3[1-7](;[0-9;]*)?m'; }
no_colour() { tm capture-pane -p -e -t main | grep -q $'\e\\[' && ! colour; }

start 100x30 C.UTF-8
check "the view starts" wait_screen "States of"
check "the table has LOCAL" wait_for 30 bash -c "tmux -S '$T/sock' capture-pane -p -t main | grep -E '^ +STATE ' | grep -q LOCAL"
check "the default scheme has colour" wait_for 30 colour
tm send-keys -t main F2
check "F2: the setup screen" wait_screen "Setup: changes apply at once"
check "it lists the columns" screen_has "[x] LOCAL"
check "the colours" screen_has "< default >"
check "the panes" screen_has "[x] connections"
tm send-keys -t main F1
check "F1: its keys" wait_screen "Setup keys"
tm send-keys -t main x
check "any key: back to the list" wait_screen "[x] LOCAL"
tm send-keys -t main Down Down Space
check "Down Down Space: LOCAL hidden" wait_screen "[ ] LOCAL"
check "the setting is written at once" wait_for 30 grep -qx \
	"columns = state,netns,-local,remote,age,in-state,recv-q,send-q,rtt,owner" "$CFG"
tm send-keys -t main ]
check "] moves it down" wait_for 30 grep -qx \
	"columns = state,netns,remote,-local,age,in-state,recv-q,send-q,rtt,owner" "$CFG"
# the colour scheme: Down to it (past the columns), Right
tm send-keys -t main Down Down Down Down Down Down Down Right
check "Right on the colours: monochrome" wait_screen "< monochrome >"
check "written" wait_for 30 grep -qx "colors = monochrome" "$CFG"
tm send-keys -t main Down Right
check "Right on the interval: longer" wait_for 30 grep -qx "interval = 1.5" "$CFG"
tm send-keys -t main Escape
check "Esc: back to the view" wait_screen "F2Setup"
check "the table has no LOCAL column now" wait_for 30 no_local_head
check "and no colour" wait_for 30 no_colour
check "the interval in the header" wait_screen "every 1.50s"
tm send-keys -t main F2
check "F2 again" wait_screen "Setup: changes"
tm send-keys -t main F10
check "F10 leaves the setup, not the view" wait_screen "F2Setup"
check "q quits" quit

start 100x30 C.UTF-8
check "restarted: still no LOCAL column" wait_for 60 no_local_head
check "still monochrome" wait_for 30 no_colour
check "the saved interval" wait_screen "every 1.50s"
tm send-keys -t main F2
check "the setup shows LOCAL hidden" wait_screen "[ ] LOCAL"
check "nothing on stderr" [ ! -s "$T/err" ]
tm send-keys -t main q
check "q leaves the setup" wait_screen "F2Setup"
check "q quits" quit

# Every size and language: the setup screen and its keys fit.
for run in "200x60 C.UTF-8" "40x12 C.UTF-8" "80x24 C" "80x24 C.UTF-8 --lang zh" "40x12 C --lang zh"; do
	set -- $run
	start "$@"
	check "$run: the view starts" wait_screen "States"
	tm send-keys -t main F2
	check "$run: F2 shows the setup" wait_screen "Setup: changes"
	check "$run: with its columns" screen_has "] STATE"
	tm send-keys -t main End
	check "$run: End: the grouping, scrolled into view" wait_screen "< none >"
	tm send-keys -t main F1
	check "$run: F1: its keys" wait_screen "Setup keys"
	tm send-keys -t main Escape
	check "$run: Esc leaves" wait_screen "States"
	check "$run: q quits" quit
	check "$run: nothing on stderr but the locale's note" \
		bash -c "! grep -v 'UTF-8\|locale' '$T/err' | grep -q ."
done

printf 'columns = state,bogus\n' >"$CFG"
start 100x30 C.UTF-8
check "a malformed columns line: the view starts" wait_screen "States of"
check "with every column" wait_for 30 bash -c "tmux -S '$T/sock' capture-pane -p -t main | grep -E '^ +STATE ' | grep -q LOCAL"
check "q quits" quit
check "one line on stderr says which file and line" \
	[ "$(grep -c "warning: ignoring $CFG: line 1: unknown column" "$T/err")" = 1 ]
check "and nothing else" [ "$(wc -l <"$T/err")" = 1 ]
check "the file is left as it was" grep -qx "columns = state,bogus" "$CFG"
done_testing
