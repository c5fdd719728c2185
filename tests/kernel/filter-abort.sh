#!/bin/bash
# A filter by port keeps following a connection it matched: a client that
# aborts with SO_LINGER 0 has its destroy record's peer port cleared (no
# longer matching "dport = :7070"), and that record still decides the
# ends: the client's RST out, the server's RST in.  Polling and (where
# built) exact mode; each step waits for the one before.
. "${top_srcdir:-.}/tests/kernel/lib.sh"
require_netns
require_cmd "python3 and jq" python3 jq

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export T

run() {
	M=$1 in_netns '
		out=$T/${M#--}
		"$TCPLADDER" --events --json "$M" -d 0.1 "sport = :7070 or dport = :7070" \
			>"$out.json" 2>"$out.err" &
		tl=$!
		mkfifo "$out.in"
		python3 "$top_srcdir/tests/kernel/filter-abort.py" <"$out.in" >"$out.py" 2>"$out.pyerr" &
		py=$!
		exec 7<>"$out.in"
		has() { jq -s -e "any(.[]; $1)" "$out.json" >/dev/null 2>&1; }
		# a connection made before tcpladder'"'"'s first dump is its baseline,
		# told nothing of: then another, until one is told ESTABLISHED
		# on both ends
		told() {
			wait_for 20 has ".local == \"127.0.0.1:$port\" and .to == \"ESTABLISHED\"" &&
				wait_for 20 has ".remote == \"127.0.0.1:$port\" and .to == \"ESTABLISHED\""
		}
		made() { [ "$(grep -c "^connected" "$out.py" 2>/dev/null)" -ge "$1" ]; }
		ok=0 port=
		for try in 1 2 3 4 5 6; do
			echo connect >&7
			wait_for 60 made $try || break
			port=$(sed -n "s/^connected //p" "$out.py" | tail -1)
			told && break
			port=
		done
		if [ -n "$port" ] &&
			echo go >&7 &&
			wait_for 60 grep -q "^aborted" "$out.py" &&
			wait_for 60 has ".local == \"127.0.0.1:$port\" and .to == \"CLOSED\"" &&
			wait_for 60 has ".remote == \"127.0.0.1:$port\" and .to == \"CLOSED\""
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
	check "$m: both ends closed, tcpladder ended cleanly" run_done "$n"
	port=$(cat "$T/$n.port")
	check "$m: the client sent the RST" \
		jqe -s "any(.[]; .local == \"127.0.0.1:$port\" and .to == \"CLOSED\" and .segment == \"RST\" and .dir == \"out\")" "$J"
	check "$m: the server received it" \
		jqe -s "any(.[]; .remote == \"127.0.0.1:$port\" and .to == \"CLOSED\" and .segment == \"RST\" and .dir == \"in\")" "$J"
	jq -c "select(.local == \"127.0.0.1:$port\" or .remote == \"127.0.0.1:$port\") | [.event, .local, .from, .to, .segment, .dir, .source]" "$J" | diag
	diag "$T/$n.err" "$T/$n.pyerr" 2>/dev/null
done
done_testing
