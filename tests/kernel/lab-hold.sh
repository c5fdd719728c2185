#!/bin/bash
# Step mode in a lesson with a schedule of its own (dup-syn), headless,
# driven through stdin, each check from what the kernels and the link did:
# - the lesson's schedule stands still while a segment is held: A's FIN
#   is held until A's kernel sends it again (its timer keeps running), and
#   B still closes only after that FIN reached it (CLOSE-WAIT, LAST-ACK),
#   never first; the stale copy of the SYN comes after B's close;
# - a SYN+ACK that B sends again because a second copy of A's SYN was
#   released to it is an answer to that SYN, not B's timer.
# (How the ladder draws held and released segments: test-ladder.)
. "${top_srcdir:-.}/tests/kernel/lib.sh"
require_netns
require_cmd jq jq

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

mkfifo "$T/keys"
(lab --demo=dup-syn --step --events --json --record "$T/rec.tlr" <"$T/keys") >"$T/out" 2>"$T/err" &
pid=$!
exec 7<>"$T/keys"

json() { grep '^{' "$T/out"; }
count() { # JQ-FILTER: how many events match it
	json | jq -s "[.[] | $1] | length" 2>/dev/null
}
has() { [ "$(count "$1")" -ge "${2:-1}" ]; }
SEG='select(.event == "segment")'
A='select(.netns == "A (client)" and (.local | endswith(":8080") | not))'
B='select(.netns == "B (server)" and (.local | endswith(":8080")))'
# held: the segments held and not yet released, oldest first (the relay
# releases in that order), as "FROM SEGMENT"
front() {
	json | jq -r -s '([.[] | select(.event == "release")] | length) as $r |
		[.[] | select(.event == "segment" and .held)] | .[$r:] | .[0] |
		if . == null then "" else "\(.from) \(.segment)" end' 2>/dev/null
}
# release_until WHAT: release held segments one at a time until the first
# held one is WHAT ("A FIN+ACK"), waiting for each to be held
release_until() {
	local f deadline=$((SECONDS + 300))
	while [ $SECONDS -lt $deadline ]; do
		f=$(front)
		[ "$f" = "$1" ] && return 0
		if [ -n "$f" ]; then
			local n
			n=$(count 'select(.event == "release")')
			printf ' ' >&7
			wait_for 60 has 'select(.event == "release")' $((n + 1)) || return 1
		else
			sleep 0.1
		fi
	done
	return 1
}

check "A's SYN held" wait_for 120 has "$SEG | select(.from == \"A\" and .segment == \"SYN\" and .held)"
check "held long enough, A's kernel sent its SYN again (held too)" \
	wait_for 120 has "$SEG | select(.from == \"A\" and .segment == \"SYN\" and .resent and .held)"
check "A's FIN is the first held, once the rest went on" release_until "A FIN+ACK"
check "the SYN's second copy reached B, and B sent its SYN+ACK again as an answer, not by its timer" \
	jqe -s "[.[] | $SEG | select(.from == \"B\" and .segment == \"SYN+ACK\" and .resent and .answer)] |
		length >= 1" <(json)
check "held long enough, A's kernel sent its FIN again (its timer runs)" \
	wait_for 120 has "$SEG | select(.from == \"A\" and (.segment | startswith(\"FIN\")) and .resent)"
check "meanwhile B has not closed: the lesson waits for the held FIN" \
	[ "$(count "$B | select(.to == \"LAST-ACK\" or .to == \"FIN-WAIT-1\" or .to == \"CLOSE-WAIT\")")" = 0 ]
echo g >&7
check "released, the lesson goes on to the stale SYN and B's request ends" \
	wait_for 300 has "$SEG | select(.stale_s != null)"
check "B's request socket for it ends" \
	wait_for 120 has "$B | select(.to == \"CLOSED\" and .from == \"SYN-RECV\")"
check "B closed after A's FIN reached it: CLOSE-WAIT, then LAST-ACK, never FIN-WAIT-1" \
	jqe -s "[.[] | $B | .to] | (index(\"CLOSE-WAIT\") // 99) < (index(\"LAST-ACK\") // -1) and
		index(\"FIN-WAIT-1\") == null" <(json)
check "the stale SYN came after B's close" \
	jqe -s "([.[] | $B | select(.to == \"CLOSED\")][0].t) as \$c |
		([.[] | $SEG | select(.stale_s != null)][0].t) > \$c" <(json)
exec 7>&-
end_pid INT $pid
check "exit 0" [ $? = 0 ]
check "nothing on stderr" [ ! -s "$T/err" ]
[ -s "$T/err" ] && diag "$T/err"
# the recording keeps what each segment was: replayed, the same answer
"$TCPLADDER" --replay "$T/rec.tlr" --events --json --speed max >"$T/replay" 2>"$T/replay.err"
answers() { grep '^{' "$1" | jq -c "select(.event == \"segment\" and .answer) | [.from, .segment, .t]"; }
check "replayed, the SYN+ACK sent as an answer is still an answer, not its timer" \
	eval '[ -n "$(answers "$T/out")" ] && [ "$(answers "$T/out")" = "$(answers "$T/replay")" ]'
if [ $tap_failed -gt 0 ]; then
	json | jq -r '"\(.t) \(.netns) \(.event) \(.from // "") \(.to // "") \(.segment // "") \(if .held then "held" else "" end) \(if .resent then "resent" else "" end) \(if .answer then "answer" else "" end)"' | diag
fi
done_testing
