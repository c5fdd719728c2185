#!/bin/bash
# A connection whose peer stops answering, in a private namespace, polling
# and (where built) exact mode: everything the server sends is dropped
# (nft), the client's data is retransmitted unanswered, and its
# TCP_USER_TIMEOUT (3 s) ends it: the kernel gives up (ETIMEDOUT) and no
# RST is sent.  tcpladder tells that end as timed out, no segment; not as
# an RST.  Each step waits for the one before (timeout.py).
. "${top_srcdir:-.}/tests/kernel/lib.sh"
require_netns
require_cmd "python3, jq and nft" python3 jq nft

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export T

# run MODE: the connection watched by tcpladder --events --json MODE.
run() {
	M=$1 in_netns '
		out=$T/${M#--}
		"$TCPLADDER" --events --json "$M" -d 0.1 >"$out.json" 2>"$out.err" &
		tl=$!
		watching "$out.json" || echo "not watching" >>"$out.err"
		mkfifo "$out.in"
		python3 "$top_srcdir/tests/kernel/timeout.py" <"$out.in" >"$out.py" 2>"$out.pyerr" &
		py=$!
		exec 7<>"$out.in"
		has() { jq -s -e "any(.[]; $1)" "$out.json" >/dev/null 2>&1; }
		ok=0
		if wait_for 60 grep -q "^connected" "$out.py" &&
			port=$(sed -n "s/^connected //p" "$out.py") &&
			wait_for 60 has ".local == \"127.0.0.1:$port\" and .to == \"ESTABLISHED\"" &&
			nft "add table inet tl" && nft "add chain inet tl out { type filter hook output priority 0; }" &&
			nft "add rule inet tl out tcp sport 8080 drop" &&
			echo drop >&7 &&
			wait_for 60 grep -q "^timedout 110" "$out.py" &&
			wait_for 60 has ".local == \"127.0.0.1:$port\" and .to == \"CLOSED\""
		then
			ok=1
		fi >/dev/null
		echo "$port" >"$out.port"
		run_end $ok
	'
}

event_modes

for m in $MODES; do
	run "$m"
	n=${m#--}
	J=$T/$n.json
	check "$m: the connection timed out (ETIMEDOUT), tcpladder ended cleanly" run_done "$n"
	if ! run_done "$n"; then
		diag "$T/$n.err" "$T/$n.pyerr" 2>/dev/null
		continue
	fi
	port=$(cat "$T/$n.port")
	end=$(jq -c --arg l "127.0.0.1:$port" 'select(.local == $l and .to == "CLOSED") |
		[.from, .segment, .dir, .why]' "$J")
	check "$m: the client's end: timed out from ESTABLISHED, no segment, once" \
		[ "$end" = '["ESTABLISHED",null,null,"no answer to its retransmissions or keepalive probes: timed out (tcp_retries2, TCP_USER_TIMEOUT, keepalive)"]' ]
	[ "$end" = '["ESTABLISHED",null,null,"no answer to its retransmissions or keepalive probes: timed out (tcp_retries2, TCP_USER_TIMEOUT, keepalive)"]' ] ||
		echo "$end" | diag
	check "$m: no RST told of the client" \
		[ "$(jq -s --arg l "127.0.0.1:$port" '[.[] | select(.local == $l and .segment == "RST")] | length' "$J")" = 0 ]
done

done_testing
