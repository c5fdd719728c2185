#!/bin/bash
# The lab's lessons, headless, each checked from what the kernels did (the
# events of both ends and the segments the link carried):
# - half-close: B's data crosses after A entered FIN-WAIT-2, then B's FIN.
. "${top_srcdir:-.}/tests/kernel/lib.sh"
require_netns

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

jqe() { jq -e "$@" >/dev/null; }

# lab ARGS...: exec tcpladder --no-owners ARGS in a namespace of its own
# with a small TCP hash table (see demo.sh); run it as "(lab ...) &", so
# $! is its PID.
lab() {
	exec unshare -n sh -c 'sysctl -qw net.ipv4.tcp_child_ehash_entries=1024 2>/dev/null
		exec "$@"' sh "$TCPLADDER" --no-owners "$@"
}

# run_until FILE CONDITION ARGS...: the lab with ARGS, its JSON events in
# FILE, until the jq CONDITION holds of them (slurped), then SIGINT.
run_until() {
	local file=$1 cond=$2 pid
	shift 2
	(lab "$@" --events --json) >"$file" 2>"$file.err" &
	pid=$!
	check "$(basename "$file" .json): the run shows what it should" \
		wait_for 300 jqe -s "$cond" "$file"
	end_pid INT $pid
	check "$(basename "$file" .json): exit 0 on SIGINT" [ $? = 0 ]
	check "$(basename "$file" .json): nothing on stderr" [ ! -s "$file.err" ]
	[ -s "$file.err" ] && diag "$file.err"
}

# Filters of the events, for the conditions below.
A='select(.netns == "A (client)" and (.local | endswith(":8080") | not))'
B='select(.netns == "B (server)" and (.local | endswith(":8080")))'
SEG='select(.event == "segment")'

# half-close: A's FIN-WAIT-2, A's TIME-WAIT and B's end.
run_until "$T/half.json" "
	([.[] | $A | select(.to == \"FIN-WAIT-2\")][0].t) as \$fw2 | \$fw2 != null and
	([.[] | $A | select(.to == \"TIME-WAIT\")] | length >= 1) and
	([.[] | $B | select(.to == \"CLOSED\")] | length >= 1)" \
	--demo=half-close
check "half-close: A's FIN-WAIT-2 was observed" \
	jqe -s "[.[] | $A | select(.to == \"FIN-WAIT-2\" and .inferred == false)] | length >= 1" "$T/half.json"
check "half-close: at least two data segments from B after A entered FIN-WAIT-2" \
	jqe -s "([.[] | $A | select(.to == \"FIN-WAIT-2\")][0].t) as \$fw2 |
		[.[] | $SEG | select(.from == \"B\" and (.segment | startswith(\"data\")) and .t > \$fw2)] |
		length >= 2" "$T/half.json"
check "half-close: A acknowledged them (ACKs from A while in FIN-WAIT-2)" \
	jqe -s "([.[] | $A | select(.to == \"FIN-WAIT-2\")][0].t) as \$fw2 |
		([.[] | $SEG | select(.from == \"B\" and (.segment | startswith(\"FIN\")))][0].t) as \$fin |
		[.[] | $SEG | select(.from == \"A\" and .segment == \"ACK\" and .t > \$fw2 and .t < \$fin)] |
		length >= 2" "$T/half.json"
check "half-close: B's FIN came after its data" \
	jqe -s "[.[] | $SEG | select(.from == \"B\") | .segment] |
		(map(startswith(\"data\")) | rindex(true)) < (map(startswith(\"FIN\")) | index(true))" \
	"$T/half.json"
check "half-close: B went CLOSE-WAIT, then LAST-ACK, then CLOSED" \
	jqe -s "[.[] | $B | .to] | (index(\"CLOSE-WAIT\") // 99) < (index(\"LAST-ACK\") // -1) and
		(index(\"LAST-ACK\") // 99) < (rindex(\"CLOSED\") // -1)" "$T/half.json"

done_testing
