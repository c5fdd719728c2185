#!/bin/bash
# The interactive view replaying a recording of the lab (tests/fixtures):
# it follows the lab's run as the live view does (the run's ladder opens);
# at the recording's end the view stays (REPLAY ENDED), and q ends it with
# status 0 and a clean terminal.  A replayed run once reached the live
# lab's code and crashed.
. "${top_srcdir:-.}/tests/kernel/lib.sh"
require_cmd tmux tmux

T=$(mktemp -d)
export T
trap 'tmux -S "$T/sock" kill-server 2>/dev/null; rm -rf "$T"' EXIT
TM=(-S "$T/sock")
fx=${top_srcdir:-.}/tests/fixtures

tmux -S "$T/sock" -f /dev/null new-session -d -s main -x 100 -y 30 \
	"LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen $TCPLADDER --replay $fx/lab-full.tlr --speed 4 \
	 2>$T/err; echo \$? >$T/rc; echo EXIT=\$(cat $T/rc); sleep 600"
check "the run's ladder is shown" wait_screen "TIME-WAIT"
check "the header says it is a replay, and of which file" wait_screen "REPLAY lab-full.tlr"
check "at the recording's end the view stays, and says so" wait_screen "REPLAY ENDED lab-full.tlr"
check "... still running" test ! -e "$T/rc"
tm send-keys -t main Escape # from the ladder back to the table
check "Escape: the table, its header saying the same" wait_screen "REPLAY ENDED lab-full.tlr  netns"
tm send-keys -t main q
check "q ends it" wait_for 60 test -s "$T/rc"
check "with status 0" test "$(cat "$T/rc")" = 0
check "and nothing on stderr" test ! -s "$T/err"
diag "$T/err"

# Ages are measured on the recording's clock: the connections of a run
# that lasted seconds are seconds old in the table, however long ago (or
# on whichever machine) it was recorded.  They were measured to the real
# clock, which gave hours (this machine's uptime against the recording's).
tm kill-server
wait_for 30 eval '! tm has-session 2>/dev/null'
rm -f "$T/rc"
tmux -S "$T/sock" -f /dev/null new-session -d -s main -x 100 -y 30 \
	"LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen $TCPLADDER --replay $fx/lab-full.tlr --speed 0.1 \
	 2>$T/err; echo \$? >$T/rc; sleep 600"
check "slowly: the run's ladder opens" wait_screen "A: Hello, I'm A"
tm send-keys -t main Escape
check "slowly: back on the table, the client's end established" wait_screen "ESTABLISHED A (client)"
rows=$(screen | grep -E '^ [A-Z-]+ +[AB] \((client|server)\) ')
echo "$rows" | sed 's/^/#   | /'
check "the ages in the table are seconds, on the recording's clock" \
	eval '[ -n "$rows" ] && ! grep -qE " ≥?[0-9]+[mhd] " <<<"$rows" && grep -qE " ≥?[0-9]+s " <<<"$rows"'
done_testing
