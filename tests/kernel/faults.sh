#!/bin/bash
# Faults: what tcpladder does when its world misbehaves.  Each case in its
# own private namespace.
#  - destroy events flooded while it is stopped (the queue overflows:
#    ENOBUFS): it says once that it resynchronised and goes on, also while
#    connections keep coming faster than it took them in before;
#  - --events to /dev/full and to a file on a full filesystem: one line,
#    status 1, no spin;
#  - a dump that fails midway, and EINTR from every call, injected (strace);
#  - a normal user: what is visible works, what is not is said once;
#  - a watched namespace whose last process exits, and a named one deleted
#    while watched;
#  - 50 namespaces at once; two labs at once.
. "${top_srcdir:-.}/tests/kernel/lib.sh"
require_netns
require_cmd python3 python3
require_cmd strace strace
require_cmd jq jq

# A private mount namespace with its own /run/netns: the named namespace
# made here is never the host's.
if [ -z "${TL_FAULTS_PRIVATE:-}" ]; then
	TL_FAULTS_PRIVATE=1 exec unshare -m --propagation private bash "$0" "$@"
fi
mkdir -p /run/netns && mount -t tmpfs tl-faults /run/netns || {
	not_ok "a private /run/netns"
	done_testing
	exit
}

T=$(mktemp -d)
chmod 755 "$T"
export T
PIDS=
cleanup() {
	local p
	for p in $PIDS; do
		comm_is "$p" tcpladder && kill -KILL "$p" 2>/dev/null
	done
	[ -s "$T/churn.pid" ] && kill "$(cat "$T/churn.pid")" 2>/dev/null
	umount "$T/small" 2>/dev/null
	for n in $(cat "$T/netns" 2>/dev/null); do ip netns del "$n" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

# A churner: loopback connections opened and closed (client first) as
# fast as one process can, counted in $T/churned, until killed.
cat >"$T/churn.py" <<'EOF'
import socket, sys, os
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 7100))
srv.listen(4096)
n = 0
while True:
    c = socket.socket()
    c.connect(("127.0.0.1", 7100))
    a, _ = srv.accept()
    c.close()
    a.close()
    n += 1
    if n % 1000 == 0:
        with open(sys.argv[1] + ".tmp", "w") as f:
            f.write(str(n))
        os.rename(sys.argv[1] + ".tmp", sys.argv[1])
EOF

# 1. Destroy events flooded while tcpladder is stopped: the queue (16 MB)
# overflows; on SIGCONT it reads ENOBUFS, says so once, resyncs and goes
# on.  (Under churn that goes on, see tests/bench/soak.sh.)
in_netns "$(cat <<'EOS'
# nl_drops PID: a sock_diag socket of PID has dropped messages (its queue
# overflowed): the Drops column of /proc/net/netlink, by socket inode.
nl_drops() {
	local inodes
	inodes=$(ls -l /proc/$1/fd 2>/dev/null | sed -n "s/.*socket:\[\([0-9]*\)\]$/\1/p" | tr "\n" " ")
	awk -v want=" $inodes" '$2 == 4 && $9 > 0 && index(want, " " $10 " ") { f = 1 }
		END { exit !f }' /proc/net/netlink
}
# started EVENTS: tcpladder, writing --events --json to EVENTS, has made
# its baseline: a listener opened now is reported (one port after another
# until one is; those opened before the first dump are the baseline).
started() {
	local port
	for port in $(seq 7150 7199); do
		mark $port "$1" 5 && return 0
	done
	return 1
}

EOS
)"'
	echo "10000 65535" >/proc/sys/net/ipv4/ip_local_port_range
	echo 0 >/proc/sys/net/ipv4/tcp_tw_reuse
	"$TCPLADDER" --events --json -d 0.2 >"$T/flood.json" 2>"$T/flood.err" &
	tl=$!
	echo $tl >"$T/flood.pid"
	started "$T/flood.json" || echo "no first mark" >>"$T/flood.fail"
	kill -STOP $tl
	python3 "$T/churn.py" "$T/churned" &
	echo $! >"$T/churn.pid"
	# until its destroy-event socket has dropped some (the kernel hands
	# them out from a worker, which a loaded machine runs late: a number
	# of connections alone does not make the queue overflow)
	wait_for 600 nl_drops $tl || echo "no destroy event dropped" >>"$T/flood.fail"
	kill "$(cat "$T/churn.pid")"; wait "$(cat "$T/churn.pid")" 2>/dev/null; : >"$T/churn.pid"
	kill -CONT $tl
	mark 7203 "$T/flood.json" 240 || echo "no mark after the flood" >>"$T/flood.fail"
	unmark
	end_pid INT $tl
	echo $? >"$T/flood.rc"
'
check "flood: tcpladder samples before and after the flood" [ ! -s "$T/flood.fail" ]
[ -s "$T/flood.fail" ] && diag "$T/flood.fail"
nlost=$(grep -c "destroy events were lost" "$T/flood.err")
check "flood: the loss is said ($nlost lines)" [ "$nlost" -ge 1 ]
check "flood: once" [ "$nlost" = 1 ]
check "flood: and that it resynchronised" grep -q "resynchronised with a full dump" "$T/flood.err"
check "flood: nothing else on stderr" [ "$(grep -vc "destroy events were lost" "$T/flood.err")" = 0 ]
check "flood: status 0 on SIGINT" [ "$(cat "$T/flood.rc")" = 0 ]
diag "$T/flood.err"

# Under strace, LeakSanitizer (a sanitizer build of the suite) cannot run
# (it traces the process itself): off for those runs only.
UNDER_STRACE="env ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export UNDER_STRACE

# Helpers for this file's cases, defined here and in the scripts run in a
# namespace (in_netns runs a fresh shell).
HELPERS=$(cat <<'EOS'
# listeners N PORT: N listeners from PORT on, held by python (its pid in
# $T/ls.pid) until it is killed; waits until ss shows them.
listeners() {
	python3 -c 'import socket, sys, time
ls = []
for p in range(int(sys.argv[2]), int(sys.argv[2]) + int(sys.argv[1])):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", p)); s.listen(); ls.append(s)
time.sleep(3600)' "$1" "$2" &
	echo $! >"$T/ls.pid"
	wait_for 60 eval '[ "$(ss -tlnH | wc -l)" -ge '"$1"' ]'
}

# tracee PID: the process strace (PID) runs, once it runs tcpladder.
# strace forks test children of its own first (to probe what ptrace can
# do) that exit at once: signalled instead of tcpladder, the run never
# ended.
tracee() {
	local c
	traced() {
		c=$(cat "/proc/$1/task/$1/children" 2>/dev/null)
		c=${c%% *}
		[ -n "$c" ] && comm_is "$c" tcpladder
	}
	wait_for 60 traced "$1"
	echo "$c"
}

# injected FILE N: strace's FILE shows at least N failures it injected.
injected() {
	[ "$(grep -c INJECTED "$1" 2>/dev/null)" -ge "$2" ]
}

# sampled PREFIX PORT EVENTS: tcpladder (writing --events --json to
# EVENTS) has taken its baseline of the namespace PREFIX enters (a command
# prefix such as "nsenter --net=..."; empty: this one): a connection to
# the listener on PORT, made again until one shows as an open (those made
# before the baseline never do).
sampled() {
	local i
	for i in $(seq 120); do
		$1 python3 -c 'import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1]))).close()' "$2" 2>/dev/null
		grep -q '"remote":"127.0.0.1:'"$2"'","event":"open"' "$3" && return 0
		sleep 0.5 # the pace of the attempts, not a wait for anything
	done
	return 1
}
EOS
)
eval "$HELPERS"

# 2. A dump that fails midway (its second datagram read fails, injected
# with strace): --once says so in one line and exits 1; --events keeps the
# last whole picture, says it once, says when listing works again, and
# goes on; a dump failing every time is said once, not once a sample.
in_netns "$HELPERS"'
	listeners 400 9000 || echo "no listeners" >>"$T/mid.fail"
	$UNDER_STRACE strace -f -o /dev/null -e trace=recvmsg -e inject=recvmsg:error=EIO:when=2 \
		"$TCPLADDER" --once --json >"$T/mid.json" 2>"$T/mid.err"
	echo $? >"$T/mid.rc"
	$UNDER_STRACE strace -f -o /dev/null -e trace=recvmsg -e inject=recvmsg:error=EIO:when=2 \
		"$TCPLADDER" --events --json --no-exact -d 0.2 >"$T/mid-ev.json" 2>"$T/mid-ev.err" &
	st=$!
	tl=$(tracee $st)
	sampled "" 9000 "$T/mid-ev.json" || echo "no event after the failed dump" >>"$T/mid.fail"
	kill -INT $tl
	wait $st
	echo $? >"$T/mid-ev.rc"
	$UNDER_STRACE strace -f -o "$T/mid-all.trace" -e trace=recvmsg -e inject=recvmsg:error=EIO:when=2+ \
		"$TCPLADDER" --events --json --no-exact -d 0.05 >/dev/null 2>"$T/mid-all.err" &
	st=$!
	tl=$(tracee $st)
	wait_for 120 injected "$T/mid-all.trace" 20 || echo "not twenty failed dumps" >>"$T/mid.fail"
	kill -INT $tl
	wait $st
	kill "$(cat "$T/ls.pid")"
'
check "dump failing midway: the harness ran" [ ! -s "$T/mid.fail" ]
[ -s "$T/mid.fail" ] && diag "$T/mid.fail"
check "dump failing midway: --once exits 1" [ "$(cat "$T/mid.rc")" = 1 ]
check "dump failing midway: --once prints nothing on stdout" [ ! -s "$T/mid.json" ]
check "dump failing midway: --once says why, in one line" \
	eval '[ "$(wc -l <"$T/mid.err")" = 1 ] && grep -q "Input/output error" "$T/mid.err"'
check "dump failing midway: --events says it once" \
	eval '[ "$(grep -c "failed: Input/output error" "$T/mid-ev.err")" = 1 ]'
check "dump failing midway: and that listing works again" \
	grep -q "works again (1 sample failed)" "$T/mid-ev.err"
check "dump failing midway: --events goes on, status 0 on SIGINT" [ "$(cat "$T/mid-ev.rc")" = 0 ]
check "every dump failing: said once, not once a sample" \
	eval '[ "$(grep -c "failed: Input/output error" "$T/mid-all.err")" = 1 ]'
diag "$T/mid-ev.err"

# 3. EINTR from the calls tcpladder makes (the first eight of each kind
# interrupted, injected with strace): the same output, status 0, nothing
# on stderr.
in_netns "$HELPERS"'
	listeners 40 9000 || exit 1
	"$TCPLADDER" --once --json | jq -c .tcp >"$T/eintr-ref"
	for sc in recvmsg sendto write; do
		$UNDER_STRACE strace -f -o "$T/eintr-$sc.trace" -e trace=$sc -e inject=$sc:error=EINTR:when=1..8 \
			"$TCPLADDER" --once --json >"$T/eintr-$sc.json" 2>"$T/eintr-$sc.err"
		echo $? >"$T/eintr-$sc.rc"
	done
	kill "$(cat "$T/ls.pid")"
'
for sc in recvmsg sendto write; do
	check "EINTR from $sc: injected" grep -q "EINTR.*INJECTED" "$T/eintr-$sc.trace"
	check "EINTR from $sc: status 0, nothing on stderr" \
		eval '[ "$(cat "$T/eintr-'"$sc"'.rc")" = 0 ] && [ ! -s "$T/eintr-'"$sc"'.err" ]'
	check "EINTR from $sc: the same sockets" \
		eval '[ "$(jq -c .tcp "$T/eintr-'"$sc"'.json")" = "$(cat "$T/eintr-ref")" ] &&
			[ "$(jq .total "$T/eintr-ref")" = 40 ]'
done

# 3b. EINTR from recvmmsg, which reads destroy events and the answers to
# lookups in batches: every other call interrupted while 20 connections
# tcpladder has seen open are reset (a destroy event each, and a lookup
# of each peer); --events tells each one's close, status 0, nothing on
# stderr.
in_netns "$HELPERS"'
	listeners 1 9000 || echo "no listener" >>"$T/mm.fail"
	$UNDER_STRACE strace -f -o "$T/mm.trace" -e trace=recvmmsg -e inject=recvmmsg:error=EINTR:when=1+2 \
		"$TCPLADDER" --events --json --no-exact -d 0.2 >"$T/mm.json" 2>"$T/mm.err" &
	st=$!
	tl=$(tracee $st)
	sampled "" 9000 "$T/mm.json" || echo "not sampled" >>"$T/mm.fail"
	python3 -c "import os, socket, struct, sys, time
cs = [socket.create_connection((\"127.0.0.1\", 9000)) for _ in range(20)]
with open(sys.argv[1], \"w\") as f:
    f.write(\"\".join(\"%d\\n\" % c.getsockname()[1] for c in cs))
while not os.path.exists(sys.argv[2]):
    time.sleep(0.05)
for c in cs:
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack(\"ii\", 1, 0))
    c.close()" "$T/mm.ports" "$T/mm.go" &
	py=$!
	# mm_told EVENT: each of the 20 client ports has an EVENT line.
	mm_told() {
		local p
		[ -s "$T/mm.ports" ] && [ "$(wc -l <"$T/mm.ports")" = 20 ] || return 1
		for p in $(cat "$T/mm.ports"); do
			grep -q "\"local\":\"[^\"]*:$p\",\"remote\":\"[^\"]*\",\"event\":\"$1\"" \
				"$T/mm.json" || return 1
		done
	}
	wait_for 120 mm_told open || echo "not every connection seen open" >>"$T/mm.fail"
	: >"$T/mm.go"
	wait $py
	wait_for 120 mm_told close || echo "not every reset connection told" >>"$T/mm.fail"
	kill -INT $tl
	wait $st
	echo $? >"$T/mm.rc"
	kill "$(cat "$T/ls.pid")"
'
check "EINTR from recvmmsg: every connection told, open and reset" [ ! -s "$T/mm.fail" ]
[ -s "$T/mm.fail" ] && diag "$T/mm.fail"
# How many reads there are depends on how the events batch (up to 8 a
# call), so the check is that reads were interrupted and retried: at
# least two injected, and a read after one of them that got messages.
check "EINTR from recvmmsg: injected ($(grep -c INJECTED "$T/mm.trace") times) and retried" \
	eval '[ "$(grep -c "EINTR.*INJECTED" "$T/mm.trace")" -ge 2 ] &&
		awk "/INJECTED/ { i = 1; next } i && /recvmmsg.*= [1-9]/ { ok = 1 } END { exit !ok }" "$T/mm.trace"'
check "EINTR from recvmmsg: status 0, nothing on stderr" \
	eval '[ "$(cat "$T/mm.rc")" = 0 ] && [ ! -s "$T/mm.err" ]'
diag "$T/mm.err"

# 4. The watched namespace's last process exits (--pid): its sockets'
# ends are reported, sampling goes on, SIGINT ends it cleanly.
unshare -n sh -c 'ip link set lo up; exec python3 -c "import socket, time
s = socket.socket(); s.bind((\"127.0.0.1\", 9100)); s.listen(16); time.sleep(3600)"' &
last=$!
wait_for 60 eval 'nsenter --net=/proc/$last/ns/net ss -tlnH | grep -q :9100'
"$TCPLADDER" --events --json --no-exact -d 0.2 --pid $last >"$T/last.json" 2>"$T/last.err" &
tl=$!
PIDS="$PIDS $tl"
check "last process: watched" sampled "nsenter --net=/proc/$last/ns/net" 9100 "$T/last.json"
kill $last
wait $last 2>/dev/null
lclosed() { grep -q '"local":"127.0.0.1:9100","remote":"0.0.0.0:0","event":"close"' "$T/last.json"; }
check "last process gone: its listener's close is reported" wait_for 60 lclosed
check "last process gone: tcpladder goes on" eval '! gone_pid $tl'
end_pid INT $tl
check "last process gone: status 0 on SIGINT" [ $? = 0 ]
check "last process gone: nothing on stderr" [ ! -s "$T/last.err" ]

# 5. A named namespace deleted while watched (-N): the name goes, the
# namespace lives on with its processes, and tcpladder goes on watching it.
NS=tlfault$$
echo $NS >>"$T/netns"
ip netns add $NS && ip -n $NS link set lo up
mkfifo "$T/named.in"
ip netns exec $NS python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 9200)); s.listen(16)
sys.stdin.readline()
t = socket.socket(); t.bind(("127.0.0.1", 9201)); t.listen()
time.sleep(3600)' <"$T/named.in" &
named=$!
exec {nfd}<>"$T/named.in"
wait_for 60 eval 'ip netns exec '$NS' ss -tlnH | grep -q :9200'
"$TCPLADDER" --events --json --no-exact -d 0.2 -N $NS >"$T/named.json" 2>"$T/named.err" &
tl=$!
PIDS="$PIDS $tl"
check "named namespace: watched" sampled "ip netns exec $NS" 9200 "$T/named.json"
ip netns del $NS
check "named namespace deleted: gone from ip netns" eval '! ip netns list | grep -qw '$NS
echo >&$nfd
check "named namespace deleted: a listener opened there after is reported" \
	wait_for 60 grep -q '"local":"127.0.0.1:9201","remote":"0.0.0.0:0","event":"open"' "$T/named.json"
end_pid INT $tl
check "named namespace deleted: status 0 on SIGINT" [ $? = 0 ]
check "named namespace deleted: nothing on stderr" [ ! -s "$T/named.err" ]
kill $named 2>/dev/null
exec {nfd}>&-

# 8. Interrupted while stopped: what the kernel told meanwhile (destroy
# events queued, eBPF records in the ring) is read and printed before it
# ends, in polling mode and in exact mode where it is built.
modes=--no-exact
"$TCPLADDER" --version | grep -qx 'exact mode (eBPF): built' && modes="$modes --exact"
for mode in $modes; do
	in_netns "$HELPERS"'
		listeners 1 9400 || exit 1
		"$TCPLADDER" --events --json '$mode' -d 0.2 >"$T/stopped'$mode'.json" 2>"$T/stopped'$mode'.err" &
		tl=$!
		sampled "" 9400 "$T/stopped'$mode'.json" || echo "not sampled" >>"$T/stopped.fail"
		kill -STOP $tl
		for port in 41001 41002 41003; do
			python3 -c "import socket, sys
c = socket.socket(); c.bind((\"127.0.0.1\", int(sys.argv[1])))
c.connect((\"127.0.0.1\", 9400)); c.close()" $port
		done
		kill -INT $tl
		kill -CONT $tl
		wait $tl
		echo $? >"$T/stopped'$mode'.rc"
		kill "$(cat "$T/ls.pid")"
	'
	check "stopped, then interrupted ($mode): the harness ran" [ ! -s "$T/stopped.fail" ]
	check "stopped, then interrupted ($mode): status 0" [ "$(cat "$T/stopped$mode.rc")" = 0 ]
	told() {
		local p
		for p in 41001 41002 41003; do
			grep -q "\"local\":\"127.0.0.1:$p\"" "$T/stopped$mode.json" || return 1
		done
	}
	check "stopped, then interrupted ($mode): the connections made meanwhile are told" told
	check "stopped, then interrupted ($mode): nothing on stderr" [ ! -s "$T/stopped$mode.err" ]
done

# 6. 50 namespaces at once, each with a listener: --once -A lists every
# one of them with it.
mkfifo "$T/fifty.in"
fifty=
for i in $(seq 50); do
	unshare -n sh -c 'ip link set lo up && exec "$0" -p 9300 listen=1' "$SOCKGEN" \
		<"$T/fifty.in" >"$T/fifty.$i" 2>&1 &
	fifty="$fifty $!"
done
# opened after they started, so that none of them holds a writer's end:
# closing it is the end of their input
exec {ffd}<>"$T/fifty.in"
all_ready() { [ "$(cat "$T"/fifty.[0-9]* | grep -cx ready)" = 50 ]; }
check "50 namespaces: made" wait_for 120 all_ready
"$TCPLADDER" --once -A --json >"$T/fifty.json" 2>"$T/fifty.err"
check "50 namespaces: --once -A exits 0" [ $? = 0 ]
found=0
for p in $fifty; do
	ino=$(stat -L -c %i "/proc/$p/ns/net")
	jq -e --argjson i "$ino" 'any(.[]; .netns_inode == $i and .tcp.states.LISTEN == 1)' \
		"$T/fifty.json" >/dev/null && found=$((found + 1))
done
check "50 namespaces: each listed with its listener ($found)" [ $found = 50 ]
check "50 namespaces: nothing on stderr" [ ! -s "$T/fifty.err" ]
exec {ffd}>&-
for p in $fifty; do wait $p; done

# 7. Two labs at once: each runs its own connection through its own link,
# whole, and ends cleanly.
for l in 1 2; do
	(lab --demo --events --json) >"$T/lab$l.json" 2>"$T/lab$l.err" &
	eval "lab$l=\$!"
	PIDS="$PIDS $!"
done
whole() {
	jqe -s 'any(.[]; .netns == "A (client)" and .to == "TIME-WAIT") and
		any(.[]; .netns == "B (server)" and .to == "CLOSED")' "$1"
}
for l in 1 2; do
	check "two labs at once: lab $l tells a whole connection" wait_for 120 whole "$T/lab$l.json"
done
for l in 1 2; do
	eval "end_pid INT \$lab$l"
	check "two labs at once: lab $l exits 0 on SIGINT" [ $? = 0 ]
	check "two labs at once: lab $l says nothing on stderr" [ ! -s "$T/lab$l.err" ]
	[ ! -s "$T/lab$l.err" ] || diag "$T/lab$l.err"
done

done_testing
