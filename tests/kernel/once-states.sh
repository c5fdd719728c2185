#!/bin/bash
# --once --json against ss and against the sockets we made, state by state,
# in a private namespace per case, over IPv4 and IPv6.
. "${top_srcdir:-.}/tests/kernel/lib.sh"
require_netns

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export T

run_case() { # FAMILYFLAG DESCRIPTION SOCKGEN-ARGS...
	local fam=$1 desc=$2
	shift 2
	in_netns '
		start_sockgen '"$fam"' '"$*"' || { echo "sockgen failed" >"$T/err"; exit 1; }
		"$TCPLADDER" --once --json >"$T/tl.json" 2>"$T/tl.err"; echo $? >"$T/tl.rc"
		ss_counts >"$T/ss.counts"
		"$TCPLADDER" --once --json >"$T/tl2.json" 2>>"$T/tl.err"
		ss -uaH | wc -l >"$T/ss.udp"; ss -xaH | wc -l >"$T/ss.unix"; ss -waH | wc -l >"$T/ss.raw"
		stop_sockgen
	'
	if [ -s "$T/err" ]; then
		not_ok "$desc: set-up"
		diag "$T/err" "$T/sockgen.err"
		rm -f "$T/err"
		return
	fi
	check "$desc: exit status 0" [ "$(cat "$T/tl.rc")" = 0 ]
	tl_counts "$T/tl.json" >"$T/tl.counts"
	expect_counts >"$T/want.counts"
	if diff -u "$T/ss.counts" "$T/tl.counts" >"$T/diff"; then
		ok "$desc: every state matches ss"
	else
		not_ok "$desc: every state matches ss"
		diag "$T/diff" "$T/tl.err"
	fi
	if diff -u "$T/want.counts" "$T/tl.counts" >"$T/diff"; then
		ok "$desc: every state matches the sockets made"
	else
		not_ok "$desc: every state matches the sockets made"
		diag "$T/diff"
	fi
	check "$desc: total is the sum of the states" \
		[ "$(jq '.tcp.total' "$T/tl.json")" = "$(jq '[.tcp.states[]] | add' "$T/tl.json")" ]
	check "$desc: close_wait.total equals CLOSE-WAIT" \
		[ "$(jq '.close_wait.total' "$T/tl.json")" = "$(jq '.tcp.states["CLOSE-WAIT"]' "$T/tl.json")" ]
	check "$desc: UDP, UNIX and RAW counts match ss" \
		[ "$(jq -r '"\(.other.udp) \(.other.unix) \(.other.raw)"' "$T/tl.json")" = \
		  "$(cat "$T/ss.udp") $(cat "$T/ss.unix") $(cat "$T/ss.raw")" ]
	check "$desc: UDP and RAW counts match the sockets made" \
		[ "$(jq -r '"\(.other.udp) \(.other.raw)"' "$T/tl.json")" = \
		  "$(awk '$2 == "UDP" { u = $3 } $2 == "RAW" { r = $3 } END { print u + 0, r + 0 }' "$T/expect")" ]
}

for fam in "" -6; do
	name=IPv4
	[ "$fam" = -6 ] && name=IPv6
	run_case "$fam" "$name LISTEN" listen=3
	run_case "$fam" "$name ESTABLISHED" established=4
	run_case "$fam" "$name CLOSE-WAIT" close-wait=3
	run_case "$fam" "$name FIN-WAIT-2 (full socket)" fin-wait-2=2
	run_case "$fam" "$name FIN-WAIT-2 (orphan mini-socket)" fin-wait-2-orphan=2
	run_case "$fam" "$name TIME-WAIT" time-wait=5
	run_case "$fam" "$name SYN-RECV (request sockets)" syn-recv=2
	run_case "$fam" "$name SYN-SENT (full accept queue)" syn-sent=2
	run_case "$fam" "$name FIN-WAIT-1" fin-wait-1=2
	run_case "$fam" "$name CLOSING" closing=2
	run_case "$fam" "$name LAST-ACK" last-ack=2
	run_case "$fam" "$name mixed, with UDP and RAW" listen=1 established=5 close-wait=2 \
		time-wait=3 syn-recv=1 last-ack=1 udp=3 raw=2
done

# An empty namespace: every state present and zero.
in_netns '"$TCPLADDER" --once --json' >"$T/empty.json"
check "empty namespace: all eleven states present" \
	[ "$(jq '.tcp.states | length' "$T/empty.json")" = 11 ]
check "empty namespace: total 0" [ "$(jq '.tcp.total' "$T/empty.json")" = 0 ]
check "empty namespace: by_process is an array" \
	[ "$(jq '.close_wait.by_process | type' "$T/empty.json")" = '"array"' ]
check "empty namespace: version 1 and netns self" \
	[ "$(jq -r '"\(.version) \(.netns)"' "$T/empty.json")" = "1 self" ]

done_testing
