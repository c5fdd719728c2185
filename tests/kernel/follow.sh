#!/bin/bash
# --follow is bounded by the CPU budget: with thousands of matching
# connections it cannot look each one up at 100 Hz (that took a whole
# core), so it looks them up in turn, less often, and says so.  No timing
# is asserted: the notice and its numbers are.
. "${top_srcdir:-.}/tests/kernel/lib.sh"
require_netns

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export T

PAIRS=2000 # 4000 ESTABLISHED sockets, about 4000 descriptors in sockgen

in_netns '
	start_sockgen established='"$PAIRS"' || exit 1
	"$TCPLADDER" --events --json -d 0.2 -n 5 --follow "state established" \
		>"$T/many.json" 2>"$T/many.err"
	echo $? >"$T/many.rc"
	"$TCPLADDER" --events --json -d 0.2 -n 5 --cpu-budget 100 \
		--follow "state established and sport = :1" >"$T/few.json" 2>"$T/few.err"
	echo $? >"$T/few.rc"
	stop_sockgen
'

check "sockgen made $PAIRS established pairs" grep -qx "expect ESTABLISHED $((PAIRS * 2))" "$T/expect"
check "following $((PAIRS * 2)) connections: exit 0" [ "$(cat "$T/many.rc")" = 0 ]
notice=$(grep "following [0-9]* connections: each is looked up every" "$T/many.err" | head -1)
check "it says that following them is slowed down" [ -n "$notice" ]
echo "#   $notice"
n=$(sed -n 's/.*following \([0-9]*\) connections.*/\1/p' <<<"$notice")
check "it counts the $((PAIRS * 2)) followed connections (says $n)" [ "${n:-0}" = $((PAIRS * 2)) ]
every=$(sed -n 's/.*looked up every \([0-9.]*\) s.*/\1/p' <<<"$notice")
# 256 a step at most, steps at most every 10 ms: 16 steps, 0.16 s at least.
check "each is looked up at most every 0.16 s or less often (says ${every:-?} s)" \
	awk -v e="${every:-0}" 'BEGIN { exit !(e >= 0.16) }'
check "the notice names the budget" grep -q "CPU budget (5%)" "$T/many.err"
check "no other warning" bash -c "! grep -v 'following [0-9]* connections' '$T/many.err' | grep -q ."
diag "$T/many.err"

check "following none: exit 0" [ "$(cat "$T/few.rc")" = 0 ]
check "following none: no notice" bash -c "! grep -q 'following' '$T/few.err'"

done_testing
