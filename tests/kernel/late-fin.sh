#!/bin/bash
# The lab's late-fin lesson, headless: the link loses every ACK A sends
# after B's FIN, so B (in LAST-ACK) sends its FIN again with a growing
# backoff; A answers each from TIME-WAIT, each of those FINs starting its
# TIME-WAIT over; once B waits longer than TIME-WAIT lasts (60 s on Linux,
# TCP_TIMEWAIT_LEN; no sysctl changes it, per namespace or not), A's
# TIME-WAIT ends and the next FIN is answered with an RST, which closes B.
# Nothing here shortens a kernel timer: the test takes about four minutes,
# and runs on its own so that it can run beside the others.
. "${top_srcdir:-.}/tests/kernel/lib.sh"
require_netns

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT



A='select(.netns == "A (client)" and (.local | endswith(":8080") | not))'
B='select(.netns == "B (server)" and (.local | endswith(":8080")))'
SEG='select(.event == "segment")'
# the first run only: everything before the second caption's connection
FIRST='(([.[] | select(.event == "open" and .netns == "A (client)")] | .[1].t) // 1e18) as $stop |
	[.[] | select(.t < $stop)]'

(lab --demo=late-fin --events --json) >"$T/late.json" 2>"$T/late.err" &
pid=$!
b_closed() {
	jqe -s "$FIRST | [.[] | $B | select(.to == \"CLOSED\")] | length >= 1" "$T/late.json"
}
check "late-fin: B's connection ends (minutes: real TIME-WAIT)" wait_for 900 b_closed
end_pid INT $pid
check "late-fin: exit 0 on SIGINT" [ $? = 0 ]
check "late-fin: nothing on stderr" [ ! -s "$T/late.err" ]
[ -s "$T/late.err" ] && diag "$T/late.err"

q() { jq -s "$FIRST | $1" "$T/late.json"; }
jq -r -s "$FIRST | .[] | select(.event == \"segment\" and ((.segment | test(\"FIN|RST\")) or .dropped)) |
	\"# \\(.t) \\(.from) -> \\(.to) \\(.segment)\\(if .dropped then \" (dropped)\" else \"\" end)\"" \
	"$T/late.json" | tail -n +2
check "late-fin: B sent its FIN at least four times" \
	[ "$(q "[.[] | $SEG | select(.from == \"B\" and (.segment | startswith(\"FIN\")))] | length")" -ge 4 ]
check "late-fin: with a growing backoff (the last wait over 4x the first)" \
	jqe -s "$FIRST | [.[] | $SEG | select(.from == \"B\" and (.segment | startswith(\"FIN\"))) | .t] |
		[range(1; length) as \$i | .[\$i] - .[\$i - 1]] | .[-1] > 4 * .[0]" "$T/late.json"
check "late-fin: A answered B's FINs from TIME-WAIT with ACKs, which the link lost" \
	jqe -s "$FIRST | ([.[] | $A | select(.to == \"TIME-WAIT\")][0].t) as \$tw | \$tw != null and
		([.[] | $SEG | select(.from == \"A\" and .segment == \"ACK\" and .dropped and .t >= \$tw)] |
		length >= 3)" "$T/late.json"
# B's FIN often leaves about when A's TIME-WAIT ends (its backoff reaches
# 60 s): it may be sent before the sample that sees TIME-WAIT gone and
# arrive after.  A's answer tells: an RST, not an ACK, means no socket.
check "late-fin: A's TIME-WAIT ended, and A answered B's next FIN with an RST" \
	jqe -s "$FIRST | ([.[] | $A | select(.from == \"TIME-WAIT\" and .to == \"CLOSED\")] | length == 1) and
		([.[] | $SEG | select(.from == \"A\" or (.segment | startswith(\"FIN\")))] |
		map(\"\\(.from)\\(.segment)\") | index(\"ARST\") as \$i |
		\$i != null and \$i > 0 and .[\$i - 1] == \"BFIN+ACK\")" "$T/late.json"
check "late-fin: no ACK from A after its TIME-WAIT ended" \
	jqe -s "$FIRST | ([.[] | $A | select(.from == \"TIME-WAIT\" and .to == \"CLOSED\")][0].t) as \$stop |
		[.[] | $SEG | select(.t > \$stop and .from == \"A\" and .segment == \"ACK\")] | length == 0" \
	"$T/late.json"
check "late-fin: B's RST came in and closed it from LAST-ACK" \
	jqe -s "$FIRST | [.[] | $B | select(.from == \"LAST-ACK\" and .to == \"CLOSED\" and .segment == \"RST\")] |
		length == 1" "$T/late.json"
# TIME-WAIT as this kernel keeps it: from the last FIN A answered to its end.
tw=$(q "([.[] | $A | select(.from == \"TIME-WAIT\" and .to == \"CLOSED\")][0].t) as \$stop |
	([.[] | $SEG | select(.from == \"A\" and .segment == \"ACK\" and .dropped and .t < \$stop)] | last.t) as \$last |
	\$stop - \$last")
echo "# A's TIME-WAIT after the last FIN it answered: ${tw} s"
check "late-fin: each FIN restarted TIME-WAIT: it lasted at least 55 s after the last one" \
	jqe -n "$tw >= 55"

done_testing
