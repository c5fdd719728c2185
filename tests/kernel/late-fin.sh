#!/bin/bash
# The lab's late-fin lesson, headless: the link loses every ACK A sends
# after B's FIN, so B (in LAST-ACK) sends its FIN again with a growing
# backoff; A answers each from TIME-WAIT, each of those FINs starting its
# TIME-WAIT over; once B waits longer than TIME-WAIT lasts (60 s on Linux,
# TCP_TIMEWAIT_LEN; no sysctl changes it, per namespace or not), A's
# TIME-WAIT ends and the next FIN is answered with an RST, which closes B.
# Nothing here shortens a kernel timer: the test takes about four minutes,
# and runs on its own so that it can run beside the others.  Three runs go
# side by side: the events as JSON, the ladder as text (--events
# --ladder), and the interactive view in tmux, whose ladder keeps A's
# TIME-WAIT clock with the kernel's timer and shows the lesson to its end.
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
(lab --demo=late-fin --events --ladder) >"$T/ladder.txt" 2>"$T/ladder.err" &
lpid=$!
view=false
if command -v tmux >/dev/null || [ "${CI:-}" = true ]; then
	view=true
	TM=(-L "late-fin-$$")
	trap 'tm kill-server 2>/dev/null; rm -rf "$T"' EXIT
	printf '%s\n' "exec unshare -n sh -c 'sysctl -qw net.ipv4.tcp_child_ehash_entries=1024 2>/dev/null
		exec \"\$@\"' sh \"$TCPLADDER\" --no-owners --demo=late-fin" >"$T/view.sh"
	tm -f /dev/null new-session -d -s main -x 130 -y 40 "bash $T/view.sh"
fi

# The view, while the runs go on.
if $view; then
	# A's TIME-WAIT clock on the ladder (its pane and footer: "41s left")
	# and the kernel's timer as the last sample read it ("TIME-WAIT ends
	# in 41.3 s"), once TIME-WAIT has lasted over a minute: only restarts
	# keep it going that long.  They agree within the sampling bound (the
	# sample's age, and the clock's rounding up to a second).
	tw_agrees() {
		local s k l
		s=$(screen)
		grep -q 'state TIME-WAIT for \(at least \)\?[1-9][0-9]*m' <<<"$s" || return 1
		k=$(grep -o 'TIME-WAIT ends in [0-9.]*' <<<"$s" | grep -o '[0-9.]*$')
		l=$(grep -o '[0-9][0-9]*s left' <<<"$s" | head -1 | tr -dc 0-9)
		[ -n "$k" ] && [ -n "$l" ] || return 1
		echo "$k $l" >>"$T/clocks"
		awk -v k="$k" -v l="$l" 'BEGIN { d = l - k; exit !(k >= 5 && d >= -1 && d <= 3) }'
	}
	if wait_for 300 tw_agrees; then
		ok "view: after a minute of TIME-WAIT the ladder's clock restarted with B's FINs, as the kernel's timer ($(tail -1 "$T/clocks" | awk '{ print "kernel " $1 " s, ladder " $2 " s" }'))"
	else
		not_ok "view: after a minute of TIME-WAIT the ladder's clock restarted with B's FINs, as the kernel's timer"
		tail -3 "$T/clocks" 2>/dev/null | sed 's/^/#   kernel, ladder: /'
		screen | sed 's/^/#   | /'
	fi
	# f: no timer is hurried; what comes next, and when
	tm send-keys -t main f
	check "view: f says no kernel timer is hurried, and what comes next" \
		wait_for 60 eval 'screen | grep -q "no skipping: the kernels. timers run in real time.*next:"'
	# N: its note stays while samples come (they used to replace it with
	# the clocks at once): shown after a sample that read another time
	before=$(screen | grep -o 'TIME-WAIT ends in [0-9.]*')
	tm send-keys -t main N
	n_kept() {
		local s
		s=$(screen)
		grep -q 'the next run plays the next scenario' <<<"$s" &&
			grep -q 'TIME-WAIT ends in' <<<"$s" &&
			[ "$(grep -o 'TIME-WAIT ends in [0-9.]*' <<<"$s")" != "$before" ]
	}
	check "view: N's note is still shown after the next sample" wait_for 60 n_kept
	# the lesson's end on the ladder being watched: the FIN after
	# TIME-WAIT, A's RST and B's CLOSED, with the connection still shown
	the_end() {
		local s
		s=$(screen)
		grep -q '│ *RST\( \+seq=[0-9]\+\( ack=[0-9]\+\)\?\)\? *│' <<<"$s" && grep -q 'CLOSED *│' <<<"$s" &&
			! grep -q 'no longer tracked' <<<"$s"
	}
	if wait_for 900 the_end; then
		ok "view: the lesson's connection stays on its ladder to the end: A's RST, B's CLOSED"
	else
		not_ok "view: the lesson's connection stays on its ladder to the end: A's RST, B's CLOSED"
		screen | sed 's/^/#   | /'
	fi
	tm send-keys -t main q
elif [ "${CI:-}" = true ]; then
	not_ok "view: tmux is missing (CI=true: not skipping)"
fi
b_closed() {
	jqe -s "$FIRST | [.[] | $B | select(.to == \"CLOSED\")] | length >= 1" "$T/late.json"
}
check "late-fin: B's connection ends (minutes: real TIME-WAIT)" wait_for 900 b_closed
end_pid INT $pid
check "late-fin: exit 0 on SIGINT" [ $? = 0 ]
# nothing on stderr but the CPU budget's notices (the lab's lookups of
# its connections slowed down and back, as under a sanitizer on a busy
# machine)
errors() { grep -v 'warning: following [0-9]* connections' "$1"; }
check "late-fin: nothing on stderr" eval '! errors "$T/late.err" >/dev/null'
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

# The ladder as text, drawn when B's end came: what the link carried.
# The first run's ladder is the first one printed (a blank line ends it).
first_ladder() { awk '/^A .*\(client\)/ { on = 1 } on && /^$/ { exit } on' "$T/ladder.txt"; }
check "ladder: the first run's ladder printed" wait_for 300 eval '[ -n "$(first_ladder)" ]'
end_pid INT $lpid
check "ladder: exit 0 on SIGINT" [ $? = 0 ]
check "ladder: nothing on stderr" eval '! errors "$T/ladder.err" >/dev/null'
[ -s "$T/ladder.err" ] && diag "$T/ladder.err"
first_ladder >"$T/first.txt"
check "ladder: A's end is drawn as watched (kept to the end), not derived" \
	eval '! grep -q "~derived" "$T/first.txt"'
# every ACK A sent after B's FIN was dropped: none is drawn but as lost
after_fin() { awk '/FIN/ && /B: Then I.m done too/ { on = 1 } on' "$T/first.txt"; }
if check "ladder: no ACK from A after B's FIN but the link's, each drawn lost" \
	eval '[ "$(after_fin | grep -c "│ *~\?ACK\( \+seq=[0-9]\+\( ack=[0-9]\+\)\?\)\? *│")" = 0 ] && [ "$(after_fin | grep -c "ACK lost")" -ge 3 ]'; then
	:
else
	sed 's/^/#   | /' "$T/first.txt"
fi
check "ladder: one RST, A's, and it closes B" \
	eval '[ "$(grep -c "│ *RST\( \+seq=[0-9]\+\( ack=[0-9]\+\)\?\)\? *│" "$T/first.txt")" = 1 ] && grep -A1 "│ *RST\( \+seq=[0-9]\+\( ack=[0-9]\+\)\?\)\? *│" "$T/first.txt" | grep -q "CLOSED"'

done_testing
