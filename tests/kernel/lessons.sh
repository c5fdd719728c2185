#!/bin/bash
# The lab's lessons, headless, each checked from what the kernels did (the
# events of both ends and the segments the link carried):
# - half-close: B's data crosses after A entered FIN-WAIT-2, then B's FIN;
# - dup-syn: the link's stale copy of A's SYN makes a request socket at B
#   that ends without ESTABLISHED, and an RST crosses the link.
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

# dup-syn: after the stale SYN, a request socket at B that ends.
STALE='([.[] | select(.event == "segment" and .stale_s != null)][0].t) as $st'
# B's connections opened after the stale SYN, each as its events
AFTER="$STALE | [.[] | $B | select(.t >= \$st)] | group_by(.conn)"
run_until "$T/dup.json" "$STALE | \$st != null and
	([.[] | $B | select(.t >= \$st and .to == \"CLOSED\")] | length >= 1)" --demo=dup-syn
check "dup-syn: the link kept a copy of A's first SYN" \
	jqe -s "[.[] | $SEG | select(.kept)] | length >= 1 and .[0].segment == \"SYN\" and .[0].from == \"A\"" \
	"$T/dup.json"
check "dup-syn: and sent it to B later, marked with its age" \
	jqe -s "[.[] | $SEG | select(.stale_s != null)][0] | .from == \"A\" and .segment == \"SYN\" and .stale_s > 1" \
	"$T/dup.json"
check "dup-syn: it was a copy (the same sequence number as the kept SYN)" \
	jqe -s "([.[] | $SEG | select(.kept)][0].seq) == ([.[] | $SEG | select(.stale_s != null)][0].seq)" \
	"$T/dup.json"
check "dup-syn: B's kernel made a request socket for it (SYN-RECV, SYN in)" \
	jqe -s "$AFTER | map(select(.[0].event == \"open\" and .[0].to == \"SYN-RECV\")) | length >= 1" \
	"$T/dup.json"
check "dup-syn: the request socket ended without ESTABLISHED" \
	jqe -s "$AFTER | map(select(.[0].to == \"SYN-RECV\")) | .[0] |
		(map(.to) | index(\"ESTABLISHED\") == null) and (map(.to) | index(\"CLOSED\") != null)" \
	"$T/dup.json"
check "dup-syn: B answered SYN+ACK, and an RST crossed the link" \
	jqe -s "$STALE | [.[] | $SEG | select(.t > \$st) | \"\\(.from)\\(.segment)\"] |
		(index(\"BSYN+ACK\") // 99) < (map(endswith(\"RST\")) | index(true) // -1)" "$T/dup.json"
diag_segments() { # what the kernels sent after the stale SYN, for the log
	jq -r -s "$STALE | .[] | select(.event == \"segment\" and .t >= \$st) | \"# \\(.from) -> \\(.to) \\(.segment)\"" "$1"
}
diag_segments "$T/dup.json" | head -8

done_testing
