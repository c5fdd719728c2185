#!/bin/bash
# Exact mode (the eBPF source) against scripted loopback connections in
# private namespaces: every step of the handshake and the close observed on
# both ends with "source":"ebpf", RSTs with their direction (SO_LINGER 0,
# unread data), the cookies a later dump shows, a full ring buffer counted
# and reported once, and the errors of --exact.
. "${top_srcdir:-.}/tests/kernel/lib.sh"
: "${SCENARIO:=${top_builddir:-.}/tests/kernel/scenario}"
export SCENARIO
require_netns

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export T

# A build without exact mode (configure --disable-ebpf, or no libbpf): it
# says so, --exact fails with one line, the rest runs as ever.
if ! "$TCPLADDER" --version | grep -qx 'exact mode (eBPF): built'; then
	check "--version says exact mode is not built" grep -qx 'exact mode (eBPF): not built' \
		<("$TCPLADDER" --version)
	in_netns '"$TCPLADDER" --events --exact -n 1 >/dev/null 2>"$T/nb.err"; echo $? >"$T/nb.rc"
		"$TCPLADDER" --events --json -n 2 -d 0.05 >/dev/null 2>"$T/nb2.err"; echo $? >"$T/nb2.rc"'
	check "--exact: status 1" [ "$(cat "$T/nb.rc")" = 1 ]
	check "--exact: one line saying why" \
		eval '[ "$(wc -l <"$T/nb.err")" = 1 ] && grep -q "this build has no exact mode" "$T/nb.err"'
	check "the default runs without it, quietly" eval '[ "$(cat "$T/nb2.rc")" = 0 ] && [ ! -s "$T/nb2.err" ]'
	done_testing
	exit $?
fi

# Can it start here?  Under CI=true it must (root, BTF: the CI machine has them).
if ! in_netns '"$TCPLADDER" --events --exact -n 1 -d 0.01 >/dev/null 2>"$T/start.err"'; then
	if [ "${CI:-}" = true ]; then
		echo "not ok 1 - exact mode starts (CI=true: not skipping): $(cat "$T/start.err")"
		echo "1..1"
		exit 1
	fi
	echo "1..0 # SKIP exact mode cannot start here: $(cat "$T/start.err")"
	exit 0
fi

# wait_for SECONDS COMMAND...: poll a condition (a loaded machine is slow,
# never wrong).
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -ge $deadline ] && return 1
		sleep 0.05
	done
}
export -f wait_for

# run [ENV=VALUE...] -- SCENARIO-ARGS...: tcpladder --exact watches a
# namespace while the scenario runs there.  Ready once a refused connect()
# to port 9 shows in its output (the probe is attached and the baseline
# taken); done once the listener's close does.
run() {
	local envs=
	while [ "$1" != -- ]; do envs="$envs $1"; shift; done
	shift
	# The last run's output goes first: the background redirection
	# truncates it only when the child gets to it, and the readiness check
	# would find the last run's probe in it.
	rm -f "$T/ev.json" "$T/ev.err" "$T/sc.out" "$T/sc.err" "$T/sc.rc" "$T/tl.rc"
	in_netns '
		env '"$envs"' "$TCPLADDER" --events --json --exact -d 0.1 >"$T/ev.json" 2>"$T/ev.err" &
		tl=$!
		ready() { (exec 3<>/dev/tcp/127.0.0.1/9) 2>/dev/null; grep -q "\"remote\":\"127.0.0.1:9\"" "$T/ev.json"; }
		wait_for 30 ready || echo "not ready" >>"$T/ev.err"
		"$SCENARIO" '"$*"' >"$T/sc.out" 2>"$T/sc.err"
		echo $? >"$T/sc.rc"
		ended() { grep -q "\"local\":\"[^\"]*:31000\",\"remote\":\"[^\"]*:0\",\"event\":\"close\"" "$T/ev.json"; }
		wait_for 30 ended || echo "the listener never closed" >>"$T/ev.err"
		kill -INT $tl
		wait $tl
		echo $? >"$T/tl.rc"
	'
}


# seq_of SELECTOR: "TO:o|i:SEGMENT:DIR:SOURCE ..." for the events selected.
seq_of() {
	jq -r "select($1) | \"\(.to):\(if .inferred then \"i\" else \"o\" end):\(.segment // \"-\"):\(.dir // \"-\"):\(.source)\"" \
		"$T/ev.json" | tr '\n' ' ' | sed 's/ $//'
}

expect_seq() { # DESC SELECTOR WANT (an extended regular expression)
	local got
	got=$(seq_of "$2")
	if [[ "$got" =~ ^$3$ ]]; then
		ok "$1"
	else
		not_ok "$1"
		echo "#   got:  $got"
		echo "#   want: $3"
	fi
}

# Each connection's steps chain, and its times never go back; when one
# does not, its events are shown.  Each opens, but the readiness probe's
# connects (to port 9) begin while tcpladder starts: one its first dump saw
# in SYN-SENT (a loaded machine can hold the refusal back that long) was
# there before, and its first event is its close.
chains_ok() {
	local bad
	bad=$(jq -s -c '
		group_by(.conn) | map(select(
			. as $evs | ((.[0].event == "open" or (.[0].remote | endswith(":9"))) and
			([range(1; length) | $evs[.].from == $evs[. - 1].to and $evs[.].event != "open"
				and $evs[.].t >= $evs[. - 1].t] | all)) | not))
		| .[] | map([.t, .conn, .event, .from, .to, .source, .local, .remote])
	' "$T/ev.json") || return 1
	[ -z "$bad" ] && return 0
	printf '%s\n' "$bad" | head -5 | sed 's/^/#   /'
	return 1
}

common() { # NAME
	check "$1: scenario ran" [ "$(cat "$T/sc.rc")" = 0 ]
	check "$1: tcpladder exits 0 on SIGINT" [ "$(cat "$T/tl.rc")" = 0 ]
	check "$1: nothing on stderr" [ ! -s "$T/ev.err" ]
	[ -s "$T/ev.err" ] && diag "$T/ev.err"
	check "$1: every event says its source" \
		jqe -s 'length > 0 and all(.[]; .source == "ebpf" or .source == "sock_diag")' "$T/ev.json"
	check "$1: every connection's steps chain, in time order" chains_ok
	CP=$(awk '$1 == "client" { print $2; exit }' "$T/sc.out")
	# (not the refused connect() of the readiness probe, which may have
	# had the same port number)
	CL="(.local | endswith(\":$CP\")) and (.remote | endswith(\":9\") | not)"
	SV=".remote | endswith(\":$CP\")"
}

E=ebpf
HS_C="SYN-SENT:o:SYN:out:$E ESTABLISHED:o:SYN\\+ACK:in:$E"
HS_S="SYN-RECV:o:SYN:in:$E ESTABLISHED:o:ACK:in:$E"
# Without fentry (refused on some kernels) no tracepoint reports an orphaned
# FIN-WAIT-2 mini-socket's FIN: its TIME-WAIT is then observed by a lookup.
TW_ORPHAN="TIME-WAIT:o:FIN:in:(ebpf|sock_diag)"

for fam in "" -6; do
	v=IPv4
	[ "$fam" = -6 ] && v=IPv6
	run -- $fam -d 0.2 client-shutdown
	common "$v shutdown() first"
	expect_seq "$v shutdown() first: client, every step observed by eBPF" "$CL" \
		"$HS_C FIN-WAIT-1:o:FIN:out:$E FIN-WAIT-2:o:ACK:in:$E TIME-WAIT:o:FIN:in:$E"
	expect_seq "$v shutdown() first: server, every step observed by eBPF" "$SV" \
		"$HS_S CLOSE-WAIT:o:FIN:in:$E LAST-ACK:o:FIN:out:$E CLOSED:o:ACK:in:$E"
	check "$v shutdown() first: both ends paired" \
		[ "$(jq -s "[.[] | select($CL) | .peer] | last" "$T/ev.json")" != null ]
	check "$v shutdown() first: the family" \
		jqe -s --arg f "$([ "$fam" = -6 ] && echo inet6 || echo inet)" \
		"[.[] | select($CL)] | all(.family == \$f)" "$T/ev.json"
done

run -- -d 0.2 client-close
common "client closes first"
expect_seq "client closes first: client" "$CL" \
	"$HS_C FIN-WAIT-1:o:FIN:out:$E FIN-WAIT-2:o:ACK:in:$E $TW_ORPHAN"
expect_seq "client closes first: server" "$SV" \
	"$HS_S CLOSE-WAIT:o:FIN:in:$E LAST-ACK:o:FIN:out:$E CLOSED:o:ACK:in:$E"
expect_seq "client closes first: listener" '(.local | endswith(":31000")) and (.remote | endswith(":0"))' \
	"LISTEN:o:-:-:$E CLOSED:o:-:-:$E"

run -- -d 0.2 server-close
common "server closes first"
expect_seq "server closes first: server" "$SV" \
	"$HS_S FIN-WAIT-1:o:FIN:out:$E FIN-WAIT-2:o:ACK:in:$E $TW_ORPHAN"
expect_seq "server closes first: client" "$CL" \
	"$HS_C CLOSE-WAIT:o:FIN:in:$E LAST-ACK:o:FIN:out:$E CLOSED:o:ACK:in:$E"

run -- -d 0.2 rst-client
common "SO_LINGER 0 on the client"
expect_seq "SO_LINGER 0 on the client: its RST goes out" "$CL" "$HS_C CLOSED:o:RST:out:$E"
expect_seq "SO_LINGER 0 on the client: the server's comes in" "$SV" "$HS_S CLOSED:o:RST:in:$E"

run -- -d 0.2 rst-server
common "SO_LINGER 0 on the server"
expect_seq "SO_LINGER 0 on the server: its RST goes out" "$SV" "$HS_S CLOSED:o:RST:out:$E"
expect_seq "SO_LINGER 0 on the server: the client's comes in" "$CL" "$HS_C CLOSED:o:RST:in:$E"

run -- -d 0.2 unread
common "close() with unread data"
expect_seq "unread data: the server sends an RST, not a FIN" "$SV" "$HS_S CLOSED:o:RST:out:$E"
expect_seq "unread data: the client receives it" "$CL" "$HS_C CLOSED:o:RST:in:$E"

run -- -d 0.2 unread-cw
common "close() in CLOSE-WAIT with unread data"
expect_seq "unread data in CLOSE-WAIT: the server's RST" "$SV" \
	"$HS_S CLOSE-WAIT:o:FIN:in:$E CLOSED:o:RST:out:$E"
expect_seq "unread data in CLOSE-WAIT: it ends the client's FIN-WAIT-2" "$CL" \
	"$HS_C FIN-WAIT-1:o:FIN:out:$E FIN-WAIT-2:o:ACK:in:$E CLOSED:[io]:RST:in:$E"

# Many connections shorter than any sampling interval: all whole, observed.
run -- -d 0.2 short 20
common "20 short connections"
whole=0
for p in $(awk '$1 == "client" { print $2 }' "$T/sc.out"); do
	c=$(seq_of ".local | endswith(\":$p\")")
	s=$(seq_of ".remote | endswith(\":$p\")")
	[[ "$c" =~ ^$HS_C\ FIN-WAIT-1:o:FIN:out:$E\ FIN-WAIT-2:o:ACK:in:$E\ $TW_ORPHAN$ ]] &&
		[[ "$s" =~ ^$HS_S\ CLOSE-WAIT:o:FIN:in:$E\ LAST-ACK:o:FIN:out:$E\ CLOSED:o:ACK:in:$E$ ]] &&
		whole=$((whole + 1))
done
check "short: all 20 observed whole on both ends ($whole)" [ "$whole" = 20 ]
# Owners of connections gone before any /proc walk: the process that
# connect()s and close()s, as the probe saw it; none for a TIME-WAIT.
SCPID=$(jq -s -r '[.[] | select(.to == "LISTEN" and (.local | endswith(":31000")))][0].pid' "$T/ev.json")
check "short: the listener's owner is the scenario ($SCPID)" \
	jqe -s '[.[] | select(.to == "LISTEN" and (.local | endswith(":31000")))][0].comm == "scenario"' "$T/ev.json"
check "short: each client names it from its connect() to its close()" \
	jqe -s --argjson p "$SCPID" '[.[] | select((.remote | endswith(":31000")) and
		(.to == "SYN-SENT" or .to == "ESTABLISHED" or .to == "FIN-WAIT-1"))] |
		length == 60 and all(.pid == $p and .comm == "scenario")' "$T/ev.json"
check "short: each server end names it at its close()" \
	jqe -s --argjson p "$SCPID" '[.[] | select((.local | endswith(":31000")) and .to == "LAST-ACK")] |
		length == 20 and all(.pid == $p and .comm == "scenario")' "$T/ev.json"
check "short: a TIME-WAIT belongs to no process" \
	jqe -s '[.[] | select(.to == "TIME-WAIT")] | length > 0 and all(.pid == null and .comm == null)' \
	"$T/ev.json"

# Cookies: sockets no dump had seen get from the probe the cookies that a
# later dump (ss -e) shows.  A long interval keeps tcpladder's own dumps
# away; "leak 1" leaves the client's FIN-WAIT-2 and the server's CLOSE-WAIT.
in_netns '
	"$TCPLADDER" --events --json --exact -d 60 >"$T/ck.json" 2>"$T/ck.err" &
	tl=$!
	ready() { (exec 3<>/dev/tcp/127.0.0.1/9) 2>/dev/null; grep -q "\"remote\":\"127.0.0.1:9\"" "$T/ck.json"; }
	wait_for 30 ready
	"$SCENARIO" -d 0.2 leak 1 >"$T/ck.out" 2>/dev/null &
	sc=$!
	seen() { grep -q "\"to\":\"CLOSE-WAIT\"" "$T/ck.json" && grep -q "\"to\":\"FIN-WAIT-2\"" "$T/ck.json"; }
	wait_for 30 seen
	ss -tanHe state fin-wait-2 state close-wait >"$T/ck.ss"
	kill $sc
	kill -INT $tl
	wait $tl
'
ss_cookies=$(grep -o 'sk:[0-9a-f]*' "$T/ck.ss" | sed 's/sk:/0x/' | sort | tr '\n' ' ')
tl_cookies=$(jq -r 'select(.to == "CLOSE-WAIT" or .to == "FIN-WAIT-2") | .cookie' "$T/ck.json" | sort -u | tr '\n' ' ')
check "cookies: the probe's equal the dump's ($tl_cookies= $ss_cookies)" \
	eval '[ -n "$ss_cookies" ] && [ "$ss_cookies" = "$tl_cookies" ]'

# A full ring: records are lost while tcpladder is stopped; the loss is
# counted, reported once, and a full dump puts the picture right.
in_netns '
	TCPLADDER_EXACT_RING=4096 "$TCPLADDER" --events --json --exact -d 0.1 >"$T/ov.json" 2>"$T/ov.err" &
	tl=$!
	ready() { (exec 3<>/dev/tcp/127.0.0.1/9) 2>/dev/null; grep -q "\"remote\":\"127.0.0.1:9\"" "$T/ov.json"; }
	wait_for 30 ready
	kill -STOP $tl
	"$SCENARIO" -p 31001 -d 0.01 short 100 >/dev/null 2>&1
	kill -CONT $tl
	lost() { grep -q "exact mode lost" "$T/ov.err"; }
	wait_for 30 lost
	"$SCENARIO" -p 31002 -d 0.2 client-shutdown >"$T/ov.sc" 2>&1
	ended() { grep -q "\"local\":\"[^\"]*:31002\",\"remote\":\"[^\"]*:0\",\"event\":\"close\"" "$T/ov.json"; }
	wait_for 30 ended
	kill -INT $tl
	wait $tl
'
check "full ring: one notice" [ "$(grep -c 'exact mode lost [0-9]* records' "$T/ov.err")" = 1 ]
diag "$T/ov.err"
n_lost=$(grep -o 'lost [0-9]*' "$T/ov.err" | head -1 | awk '{ print $2 }')
check "full ring: records were lost (${n_lost:-none})" [ "${n_lost:-0}" -gt 0 ]
check "full ring: the events count them" \
	jqe -s --argjson n "${n_lost:-0}" '[.[] | .exact_lost] | max >= $n and min == 0' "$T/ov.json"
CP=$(awk '$1 == "client" { print $2; exit }' "$T/ov.sc")
check "full ring: afterwards a connection is observed whole again" \
	jqe -s "[.[] | select(.local | endswith(\":$CP\")) | select(.source == \"ebpf\" and (.inferred | not))] | length == 5" \
	"$T/ov.json"

# --exact where it cannot be had: one clear line, status 1.
in_netns 'setpriv --reuid=65534 --regid=65534 --clear-groups "$TCPLADDER" --events --exact -n 1 \
	>/dev/null 2>"$T/np.err"; echo $? >"$T/np.rc"'
check "--exact without privilege: status 1" [ "$(cat "$T/np.rc")" = 1 ]
check "--exact without privilege: one line saying so" \
	eval '[ "$(wc -l <"$T/np.err")" = 1 ] && grep -q "exact mode needs root" "$T/np.err"'
diag "$T/np.err"
in_netns 'setpriv --reuid=65534 --regid=65534 --clear-groups "$TCPLADDER" --events --json -n 2 -d 0.05 \
	>"$T/auto.json" 2>"$T/auto.err"; echo $? >"$T/auto.rc"
	(exec 3<>/dev/tcp/127.0.0.1/9) 2>/dev/null; true'
check "without privilege the default falls back quietly" \
	eval '[ "$(cat "$T/auto.rc")" = 0 ] && [ ! -s "$T/auto.err" ]'
# (polling sees no refused connect: connections until one is seen)
in_netns '"$TCPLADDER" --events --json --no-exact -d 0.05 >"$T/no.json" 2>/dev/null &
	tl=$!
	seen() { "$SCENARIO" -p 31003 -d 0.3 client-close >/dev/null 2>&1; grep -q ":31003" "$T/no.json"; }
	wait_for 60 seen
	kill -INT $tl; wait $tl'
check "--no-exact: events from sock_diag only" \
	jqe -s 'length > 0 and all(.[]; .source == "sock_diag")' "$T/no.json"
check "--version says exact mode is built" grep -qx 'exact mode (eBPF): built' \
	<("$TCPLADDER" --version)

done_testing
