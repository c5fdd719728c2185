#!/bin/bash
# burst.sh: tcpladder's memory before, during and after a burst of short
# connections (issue 11, item 10), run by hand as root.
#
# In a private namespace: loadgen holds the steady sockets (LOADGEN_ARGS,
# as run.sh; LOADGEN_ARGS= for none), tcpladder --events --json runs
# (output discarded), and its RSS is read every second.  After SETTLE
# seconds, churn opens and closes RATE connections a second for BURST
# seconds; then the script waits until the TIME-WAIT sockets the burst
# left are gone (60 s) and AFTER seconds more (tombstones last 10 s).
# Prints the RSS before (median of the last 5 s of the settle), the peak
# during the burst, and after (median of the last 5 s), and how often
# tcpladder said destroy events were lost (each a resync).
#
# Env: TCPLADDER (default ../../_build/src/tcpladder), RATE (32000), BURST
# (36), CLIENTS (churn threads, 2), SETTLE (20), AFTER (40), LOADGEN_ARGS,
# TL_ARGS (extra options), KEEP (a directory to copy the RSS samples and
# tcpladder's stderr to), CC (gcc).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD:-$here/../../_build}
TCPLADDER=${TCPLADDER:-$BUILD/src/tcpladder}
RATE=${RATE:-32000}
BURST=${BURST:-36}
CLIENTS=${CLIENTS:-2}
SETTLE=${SETTLE:-20}
AFTER=${AFTER:-40}
LOADGEN_ARGS=${LOADGEN_ARGS---listen 10 --established 35000 --close-wait 10000 --time-wait 20000}
TL_ARGS=${TL_ARGS:-}
KEEP=${KEEP:-}
CC=${CC:-gcc}
[ "$(id -u)" = 0 ] || { echo "burst.sh: needs root (a private namespace)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$CC" -O2 -Wall -o "$tmp/loadgen" "$here/loadgen.c"
"$CC" -O2 -Wall -pthread -o "$tmp/churn" "$here/churn.c"
export TCPLADDER RATE BURST CLIENTS SETTLE AFTER LOADGEN_ARGS TL_ARGS KEEP tmp

unshare -n bash -c '
	set -eu
	ip link set lo up
	echo "10000 65535" >/proc/sys/net/ipv4/ip_local_port_range
	echo 2000000 >/proc/sys/net/ipv4/tcp_max_tw_buckets
	echo 0 >/proc/sys/net/ipv4/tcp_tw_reuse
	echo 86400 >/proc/sys/net/ipv4/tcp_fin_timeout
	echo 65535 >/proc/sys/net/core/somaxconn
	lg=
	if [ -n "$LOADGEN_ARGS" ]; then
		mkfifo "$tmp/lg.in"
		"$tmp/loadgen" $LOADGEN_ARGS <"$tmp/lg.in" >"$tmp/lg.out" 2>"$tmp/lg.err" &
		lg=$!
		exec 7<>"$tmp/lg.in"
		for _ in $(seq 3000); do grep -qx ready "$tmp/lg.out" && break; sleep 0.1; done
		grep -qx ready "$tmp/lg.out" || { cat "$tmp/lg.err"; exit 1; }
	fi
	tw() { ss -tanH state time-wait | wc -l; }
	tw0=$(tw)
	echo "steady: $(ss -tanH | wc -l) sockets, $tw0 in TIME-WAIT"
	"$TCPLADDER" --events --json $TL_ARGS >/dev/null 2>"$tmp/tl.err" &
	tl=$!
	( while kill -0 $tl 2>/dev/null; do
		awk -v t="$(date +%s)" "/^VmRSS/ { print t, \$2 }" /proc/$tl/status 2>/dev/null
		sleep 1
	  done ) >"$tmp/rss" &
	mark() { echo "$1 $(date +%s)" >>"$tmp/marks"; }
	sleep "$SETTLE"
	mark burst
	"$tmp/churn" --rate "$RATE" --duration "$BURST" --clients "$CLIENTS" >"$tmp/churn.out" 2>&1 || true
	mark quiet
	cat "$tmp/churn.out"
	echo "after the burst: $(ss -tanH | wc -l) sockets, $(tw) in TIME-WAIT"
	for _ in $(seq 180); do
		[ "$(tw)" -le $((tw0 + 100)) ] && break
		sleep 1
	done
	mark drained
	echo "TIME-WAIT drained: $(ss -tanH | wc -l) sockets, $(tw) in TIME-WAIT"
	sleep "$AFTER"
	mark end
	kill -INT $tl
	wait $tl || true
	[ -n "$lg" ] && { exec 7>&-; wait $lg || true; }
	awk "{ m[\$1] = \$2 } END { for (k in m) print k, m[k] }" "$tmp/marks" >"$tmp/m"
	b=$(awk "\$1 == \"burst\" { print \$2 }" "$tmp/m")
	q=$(awk "\$1 == \"quiet\" { print \$2 }" "$tmp/m")
	e=$(awk "\$1 == \"end\" { print \$2 }" "$tmp/m")
	med() { sort -n | awk "{ a[NR] = \$1 } END { print a[int((NR + 1) / 2)] }"; }
	before=$(awk -v b=$b "\$1 >= b - 5 && \$1 < b { print \$2 }" "$tmp/rss" | med)
	peak=$(awk -v b=$b -v q=$q "\$1 >= b && \$1 <= q + 60 && \$2 > m { m = \$2 } END { print m }" "$tmp/rss")
	after=$(awk -v e=$e "\$1 >= e - 5 && \$1 <= e { print \$2 }" "$tmp/rss" | med)
	awk -v a=$before -v p=$peak -v f=$after "BEGIN {
		printf \"RSS before %.1f MB, peak %.1f MB, after %.1f MB (%.2fx before)\n\",
			a / 1024, p / 1024, f / 1024, f / a }"
	echo "lost-event warnings (resyncs): $(grep -c "destroy events were lost" "$tmp/tl.err" || true)"
	if [ -n "$KEEP" ]; then cp "$tmp/rss" "$tmp/tl.err" "$tmp/marks" "$KEEP/"; fi
'
