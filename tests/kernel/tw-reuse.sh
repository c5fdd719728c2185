#!/bin/bash
# A TIME-WAIT taken over by a new connection on its ports, in a private
# namespace, polling and (where built) exact mode: the server's, ended by
# the client's SYN from the same port (the listener answers it), and the
# client's, ended by its own connect() from the same port (tcp_tw_reuse,
# on for loopback by default).  Neither is an RST: none is sent.  Each
# step waits for tcpladder to report the one before, and the first for it
# to watch (tw-reuse.py makes the connections on command).
. "${top_srcdir:-.}/tests/kernel/lib.sh"
require_netns
require_cmd "python3 and jq" python3 jq

T=$(mktemp -d)
[ -n "${TW_KEEP:-}" ] && echo "# kept in $T" || trap 'rm -rf "$T"' EXIT
export T

# run MODE: the workload watched by tcpladder --events --json MODE, into
# $T/MODE.json; "ok" in $T/MODE.ok when every step was reported in time.
run() {
	M=$1 in_netns '
		out=$T/${M#--}
		"$TCPLADDER" --events --json "$M" -d 0.1 >"$out.json" 2>"$out.err" &
		tl=$!
		watching "$out.json" || echo "not watching" >>"$out.err"
		mkfifo "$out.in"
		python3 "$top_srcdir/tests/kernel/tw-reuse.py" <"$out.in" >"$out.py" 2>"$out.pyerr" &
		py=$!
		exec 7<>"$out.in"
		said() { grep -qx "$1" "$out.py"; }
		# has CONDITION: an event so far meets the jq CONDITION
		has() { jq -s -e "any(.[]; $1)" "$out.json" >/dev/null 2>&1; }
		step() {
			echo "$1" >&7
			wait_for 60 said "$2"
		}
		ok=0
		if wait_for 60 said ready &&
			wait_for 60 grep -q "\"local\":\"127.0.0.1:8080\",\"remote\":\"0.0.0.0:0\",\"event\":\"open\"" "$out.json" &&
			step "close server 43000" "closed 43000" &&
			wait_for 60 has ".local == \"127.0.0.1:8080\" and .remote == \"127.0.0.1:43000\" and .to == \"TIME-WAIT\"" &&
			step "again 43000" "again 43000" &&
			wait_for 60 has ".local == \"127.0.0.1:8080\" and .remote == \"127.0.0.1:43000\" and .from == \"TIME-WAIT\" and .to == \"CLOSED\"" &&
			step "close client 43001" "closed 43001" &&
			wait_for 60 has ".local == \"127.0.0.1:43001\" and .to == \"TIME-WAIT\"" &&
			step "again 43001" "again 43001" &&
			wait_for 60 has ".local == \"127.0.0.1:43001\" and .from == \"TIME-WAIT\" and .to == \"CLOSED\""
		then
			ok=1
		fi >/dev/null
		run_end $ok
	'
}

event_modes

for m in $MODES; do
	run "$m"
	n=${m#--}
	J=$T/$n.json
	echo "$tap_failed" >"$T/fails"
	check "$m: every step reported, tcpladder ended cleanly" run_done "$n"
	if ! run_done "$n"; then
		diag "$T/$n.err" "$T/$n.pyerr" 2>/dev/null
		continue
	fi
	# the server's TIME-WAIT: closed by the client's SYN
	srv=$(jq -c 'select(.local == "127.0.0.1:8080" and .remote == "127.0.0.1:43000" and .from == "TIME-WAIT")' "$J")
	check "$m: the server's TIME-WAIT ended by a SYN received, once" \
		[ "$(jq -s -c 'map([.to, .segment, .dir, .why])' <<<"$srv")" = \
		  '[["CLOSED","SYN","in","receive SYN of a new connection on the same ports: TIME-WAIT ends"]]' ]
	# the client's: by its own connect()
	cli=$(jq -c 'select(.local == "127.0.0.1:43001" and .from == "TIME-WAIT")' "$J")
	check "$m: the client's TIME-WAIT ended by connect() reusing the port, once" \
		[ "$(jq -s -c 'map([.to, .segment, .dir, .why])' <<<"$cli")" = \
		  '[["CLOSED",null,null,"connect() from the same port: TIME-WAIT ends (tcp_tw_reuse)"]]' ]
	check "$m: no RST anywhere" [ "$(jq -s '[.[] | select(.segment == "RST")] | length' "$J")" = 0 ]
	# the new connections in their place: connections of their own
	# (another cookie), not the old one brought back
	new_own() {
		jq -s -e --arg l "$1" --arg r "$2" '
			([.[] | select(.local == $l and .remote == $r and .from == "TIME-WAIT")] | .[0].cookie) as $old |
			([.[] | select(.local == $l and .remote == $r and .to == "ESTABLISHED")] | last.cookie) as $new |
			$old != null and $new != null and $new != $old' "$J" >/dev/null
	}
	check "$m: the server's new connection ESTABLISHED, a connection of its own" new_own 127.0.0.1:8080 127.0.0.1:43000
	check "$m: the client's new connection ESTABLISHED, a connection of its own" new_own 127.0.0.1:43001 127.0.0.1:8080
	# what was said instead: the steps of the two tuples from TIME-WAIT on
	if [ "$(cat "$T/fails")" != "$tap_failed" ]; then
		jq -c 'select((.local | test(":4300[01]$")) or (.remote | test(":4300[01]$"))) |
			[.t, .cookie, .local, .remote, .event, .from, .to, .segment, .dir, .why]' "$J" | diag
	fi
done

done_testing
