#!/bin/bash
# The interactive view replaying a recording of the lab (tests/fixtures):
# it follows the lab's run as the live view does (the run's ladder opens),
# and ends with status 0 and a clean terminal when the recording ends.
# A replayed run once reached the live lab's code and crashed.
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
check "it ends when the recording does" wait_for 60 test -s "$T/rc"
check "with status 0" test "$(cat "$T/rc")" = 0
check "and nothing on stderr" test ! -s "$T/err"
diag "$T/err"
done_testing
