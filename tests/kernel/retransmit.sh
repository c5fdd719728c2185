#!/bin/bash
# Exact mode sees retransmissions: in a private namespace an nftables rule
# drops the SYNs sent to a listening port, so connect() sends its SYN
# again; --events reports each copy as a "retransmit" event with its
# number (text and JSON), --events --ladder draws them as
# "SYN (retransmit #N)", and once the rule goes the next copy gets through
# and the connection completes and closes as ever.
. "${top_srcdir:-.}/tests/kernel/lib.sh"
require_netns

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export T

built=false
"$TCPLADDER" --version | grep -qx 'exact mode (eBPF): built' && built=true
for tool in nft python3 jq; do
	if ! command -v $tool >/dev/null; then
		if [ "${CI:-}" = true ]; then
			echo "not ok 1 - $tool is installed (CI=true: not skipping)"
			echo "1..1"
			exit 1
		fi
		echo "1..0 # SKIP no $tool"
		exit 0
	fi
done
if $built && ! in_netns '"$TCPLADDER" --events --exact -n 1 -d 0.01 >/dev/null 2>"$T/start.err"'; then
	if [ "${CI:-}" = true ]; then
		echo "not ok 1 - exact mode starts (CI=true: not skipping): $(cat "$T/start.err")"
		echo "1..1"
		exit 1
	fi
	echo "1..0 # SKIP exact mode cannot start here: $(cat "$T/start.err")"
	exit 0
fi

# The server accepts one connection and holds it until its client closes;
# the client connects (blocking: the kernel resends the SYN while it is
# dropped), says its port, and closes when $T/close appears.
cat >"$T/peers.py" <<'EOF'
import os, socket, sys, time
T = os.environ["T"]
if sys.argv[1] == "server":
    l = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l.bind(("127.0.0.1", 31000))
    l.listen(8)
    open(T + "/listening", "w").close()
    c, _ = l.accept()
    while c.recv(4096):
        pass
    c.close()
    l.close()
else:
    c = socket.create_connection(("127.0.0.1", 31000))
    with open(T + "/client", "w") as f:
        f.write("%d\n" % c.getsockname()[1])
    while not os.path.exists(T + "/close"):
        time.sleep(0.05)
    c.close()
EOF

# through_dropped_syns CONDITION WHY: inside a namespace, the client's SYNs
# dropped (nftables) until CONDITION holds (else WHY goes to ev.err), then
# let through; the client connects, closes once told; statuses in
# cli.rc and srv.rc, its port in $port.
SCENE=$(cat <<'EOS'
through_dropped_syns() {
	nft add table inet tltest &&
		nft add chain inet tltest input "{ type filter hook input priority 0; }" &&
		nft add rule inet tltest input tcp dport 31000 "tcp flags & (syn | ack) == syn" counter drop ||
		echo "nft failed" >>"$T/ev.err"
	python3 "$T/peers.py" server 2>"$T/server.err" &
	local srv=$!
	wait_for 60 test -e "$T/listening"
	python3 "$T/peers.py" client 2>"$T/client.err" &
	local cli=$!
	wait_for 120 "$1" || echo "$2" >>"$T/ev.err"
	nft list ruleset >"$T/nft.txt"
	nft delete table inet tltest
	wait_for 120 test -s "$T/client" || echo "the client never connected" >>"$T/ev.err"
	touch "$T/close"
	wait $cli
	echo $? >"$T/cli.rc"
	wait $srv
	echo $? >"$T/srv.rc"
	port=$(cat "$T/client")
}
EOS
)

# A build without exact mode cannot see a retransmission: polling sees the
# client wait in SYN-SENT, then the connection, and must invent nothing.
if ! $built; then
	in_netns "$SCENE"'
		"$TCPLADDER" --events --json -d 0.2 >"$T/ev.json" 2>"$T/ev.err" &
		tj=$!
		# sampling: a listener opened now is reported (one port after
		# another until one is: those before the first dump are its baseline)
		for p in 30990 30991 30992 30993; do mark $p "$T/ev.json" 20 && break; done ||
			echo "not ready" >>"$T/ev.err"
		unmark
		syn_sent() { grep -q "\"remote\":\"127.0.0.1:31000\",\"event\":\"open\"" "$T/ev.json"; }
		through_dropped_syns syn_sent "the client never seen in SYN-SENT"
		closed() { grep -q "\"local\":\"127.0.0.1:31000\",\"remote\":\"127.0.0.1:$port\",\"event\":\"close\"" "$T/ev.json"; }
		wait_for 60 closed || echo "the server end never closed" >>"$T/ev.err"
		kill -INT $tj
		wait $tj || echo "tcpladder: status $?" >>"$T/ev.err"
	'
	CP=$(cat "$T/client" 2>/dev/null)
	check "polling: the client connected once the drop was lifted" eval '[ "$(cat "$T/cli.rc")" = 0 ] && [ -n "$CP" ]'
	check "polling: the rule dropped SYNs" grep -q "counter packets [1-9]" "$T/nft.txt"
	check "polling: nothing on stderr" [ ! -s "$T/ev.err" ]
	[ -s "$T/ev.err" ] && diag "$T/ev.err"
	check "polling: the client seen in SYN-SENT, then ESTABLISHED" \
		jqe -s --arg l "127.0.0.1:$CP" '[.[] | select(.local == $l) | .to] |
			index("SYN-SENT") < index("ESTABLISHED")' "$T/ev.json"
	check "polling: no retransmission invented (it cannot see one)" \
		jqe -s 'all(.[]; .event != "retransmit")' "$T/ev.json"
	done_testing
	exit $?
fi

# Both outputs of one run: JSON lines and the ladders.  Ready once a
# refused connect() to port 9 shows in each (the probe attached, the
# baseline taken).
in_netns "$SCENE"'
	"$TCPLADDER" --events --json --exact -d 0.2 >"$T/ev.json" 2>"$T/ev.err" &
	tj=$!
	"$TCPLADDER" --events --exact -d 0.2 >"$T/ev.txt" 2>"$T/txt.err" &
	tt=$!
	"$TCPLADDER" --events --ladder --ascii --exact -d 0.2 >"$T/ladder.txt" 2>"$T/ladder.err" &
	tl=$!
	ready() {
		(exec 3<>/dev/tcp/127.0.0.1/9) 2>/dev/null
		grep -q "\"remote\":\"127.0.0.1:9\"" "$T/ev.json" && grep -q "127.0.0.1:9" "$T/ev.txt" &&
			grep -q "127.0.0.1:9" "$T/ladder.txt"
	}
	wait_for 60 ready || echo "not ready" >>"$T/ev.err"
	resent() { grep -q "\"event\":\"retransmit\".*\"retransmit\":2" "$T/ev.json"; }
	through_dropped_syns resent "no second retransmission seen"
	closed() {
		grep -q "\"local\":\"127.0.0.1:31000\",\"remote\":\"127.0.0.1:$port\",\"event\":\"close\"" "$T/ev.json" &&
			grep -q "127.0.0.1:$port" "$T/ladder.txt" &&
			grep -q "127.0.0.1:31000 -> 127.0.0.1:$port .*(closed)" "$T/ev.txt"
	}
	wait_for 60 closed || echo "the server end never closed" >>"$T/ev.err"
	for p in $tj $tt $tl; do kill -INT $p; done
	for p in $tj $tt $tl; do wait $p || echo "tcpladder $p: status $?" >>"$T/ev.err"; done
'
CP=$(cat "$T/client" 2>/dev/null)
check "the client connected once the drop was lifted" eval '[ "$(cat "$T/cli.rc")" = 0 ] && [ -n "$CP" ]'
check "the server served it" [ "$(cat "$T/srv.rc")" = 0 ]
check "the rule dropped SYNs" grep -q "counter packets [1-9]" "$T/nft.txt"
check "nothing on stderr" eval '[ ! -s "$T/ev.err" ] && [ ! -s "$T/txt.err" ] && [ ! -s "$T/ladder.err" ]'
for f in ev.err txt.err ladder.err server.err client.err; do [ -s "$T/$f" ] && diag "$T/$f"; done

CL=".local == \"127.0.0.1:$CP\""
SV=".local == \"127.0.0.1:31000\" and .remote == \"127.0.0.1:$CP\""
seq_of() {
	jq -r "select($1) | \"\(.event):\(.to):\(.segment // \"-\"):\(.dir // \"-\"):\(.retransmit // \"-\"):\(.source)\"" \
		"$T/ev.json" | tr '\n' ' ' | sed 's/ $//'
}
got=$(seq_of "$CL")
want='open:SYN-SENT:SYN:out:-:ebpf (retransmit:SYN-SENT:SYN:out:[0-9]+:ebpf )+transition:ESTABLISHED:SYN\+ACK:in:-:ebpf transition:FIN-WAIT-1:FIN:out:-:ebpf .*'
if [[ "$got" =~ ^$want$ ]]; then
	ok "JSON: the client's SYN, its retransmissions, then the handshake and the close"
else
	not_ok "JSON: the client's SYN, its retransmissions, then the handshake and the close"
	echo "#   got:  $got"
fi
check "JSON: the retransmissions are numbered 1, 2, ... in order" \
	jqe -s "[.[] | select($CL and .event == \"retransmit\") | .retransmit] as \$n |
		(\$n | length) >= 2 and \$n == [range(1; (\$n | length) + 1)]" "$T/ev.json"
check "JSON: a retransmission changes no state and is observed" \
	jqe -s "[.[] | select(.event == \"retransmit\")] | length > 0 and
		all(.from == \"SYN-SENT\" and .to == \"SYN-SENT\" and (.inferred | not) and .segment == \"SYN\")" \
	"$T/ev.json"
check "JSON: only the client's SYN was sent again" \
	jqe -s "[.[] | select(.event == \"retransmit\") | .local] | unique == [\"127.0.0.1:$CP\"]" \
	"$T/ev.json"
check "JSON: the retransmissions come after the SYN-SENT and before ESTABLISHED, in time" \
	jqe -s "[.[] | select($CL)] as \$c | (\$c | map(.t)) == (\$c | map(.t) | sort)" "$T/ev.json"
check "JSON: the server's end is whole" \
	jqe -s "[.[] | select($SV) | .to] == [\"SYN-RECV\", \"ESTABLISHED\", \"CLOSE-WAIT\", \"LAST-ACK\", \"CLOSED\"]" \
	"$T/ev.json"
n=$(jq -s "[.[] | select($CL and .event == \"retransmit\")] | length" "$T/ev.json")
check "text: a line per retransmission, numbered ($n)" \
	[ "$(grep -cE "127.0.0.1:$CP -> 127.0.0.1:31000  SYN-SENT  SYN out \(retransmit #[0-9]+\)( |$)" "$T/ev.txt")" = "$n" ]
check "text: retransmission #2" grep -q "SYN-SENT  SYN out (retransmit #2)" "$T/ev.txt"
# The ladder: the first SYN, each copy sent again, the handshake's
# SYN+ACK landing after the last copy.
ladder=$(awk -v p="127.0.0.1:$CP" 'index($0, p) { on = 1 } on' "$T/ladder.txt")
check "ladder: the copies drawn as such" grep -q "SYN (retransmit #2)" <<<"$ladder"
check "ladder: each copy once" \
	[ "$(grep -cE "SYN \(retransmit #[0-9]+\)" <<<"$ladder")" = "$n" ]
check "ladder: the SYN+ACK after the last copy" \
	awk -v n="$n" '/SYN \(retransmit #/ { last = NR } /SYN\+ACK/ && !sa { sa = NR } END { exit !(last && sa > last) }' <<<"$ladder"
if [ "$tap_failed" -gt 0 ]; then
	diag "$T/ev.json"
	diag "$T/ev.txt"
	diag "$T/ladder.txt"
fi
done_testing
