#!/bin/bash
# Settings persist: the sort, a collapsed pane and the interval changed in
# the view are written to $XDG_CONFIG_HOME/tcpladder/config and are there
# at the next start; a malformed file is ignored with one line on stderr.
# In tmux (a private server socket) in a private namespace.
. "${top_srcdir:-.}/tests/kernel/lib.sh"
require_netns
require_cmd tmux tmux

tui_init
XDG_CONFIG_HOME=$T/cfg
export XDG_CONFIG_HOME
CFG=$T/cfg/tcpladder/config

# start: the view at 100x30 (tui_start), with this test's settings.
start() {
	tui_start 100x30 "XDG_CONFIG_HOME=$XDG_CONFIG_HOME" ""
}
quit() {
	local pid
	tm send-keys -t main q
	pid=$(cat "$T/pid")
	wait_for 60 gone_pid "$pid"
}

start
check "the view starts, sorted by state" wait_screen "sort STATE"
check "no settings file before a change" [ ! -e "$CFG" ]
tm send-keys -t main '>'
check "> sorts by LOCAL" wait_screen "sort LOCAL"
tm send-keys -t main 1
check "1 collapses the histogram" wait_screen "(1 to expand)"
tm send-keys -t main + +
check "+ + : a longer interval" wait_screen "sampling every 2.25 s"
check "the settings are written" wait_for 30 grep -qx "interval = 2.25" "$CFG"
check "with the sort" grep -qx "sort = local" "$CFG"
check "and the collapsed pane" grep -qx "collapsed = histogram" "$CFG"
check "q quits" quit

start
check "restarted: sorted by LOCAL as saved" wait_screen "sort LOCAL"
check "the histogram still collapsed" wait_screen "(1 to expand)"
check "the saved interval in the header" wait_screen "every 2.25s"
check "nothing on stderr" [ ! -s "$T/err" ]
check "q quits" quit

printf 'sort = local\nsort = sideways\n' >"$CFG"
start
check "a malformed file: the view starts with the defaults" wait_screen "sort STATE"
check "q quits" quit
check "one line on stderr says which file and line" \
	[ "$(grep -c "warning: ignoring $CFG: line 2: unknown sort 'sort = sideways'" "$T/err")" = 1 ]
check "and nothing else" [ "$(wc -l <"$T/err")" = 1 ]
check "the file is left as it was" grep -qx "sort = sideways" "$CFG"
done_testing
