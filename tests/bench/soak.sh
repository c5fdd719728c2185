#!/bin/bash
# soak.sh: tcpladder run for a long time under churn, with its RSS, file
# descriptors and CPU printed over time (run by hand as root; not part of
# "make check").
#
#   sudo tests/bench/soak.sh [SECONDS]        (default 3600)
#
# In a private network namespace:
#   1. tcpladder starts with no sockets to watch: its RSS then is the base;
#   2. loadgen holds about 100k sockets (35k established pairs, 10k
#      CLOSE-WAIT with their FIN-WAIT-2 orphans, 20k TIME-WAIT kept
#      refreshed, 10 listeners; its workers are processes, each under the
#      per-process open-file limit); once tcpladder has sampled them, its
#      RSS over the base divided by the sockets is the cost of a socket
#      that is only counted and tracked;
#   3. churn opens and closes RATE loopback connections a second (client
#      first: each leaves a TIME-WAIT for 60 s, so about RATE x 60 more
#      sockets, each a tracked connection with its events, history and
#      tombstone) for SECONDS;
#   4. every SAMPLE seconds one line: elapsed time, TCP sockets in the
#      namespace (/proc/net/sockstat: in use + TIME-WAIT), tcpladder's RSS
#      and peak RSS, its open descriptors, its CPU share of one core over
#      the last SAMPLE seconds, and the MB per 1k sockets;
#   5. at the end the first and last quarter of the churn (after WARMUP)
#      are compared: RSS, fds and CPU must stay flat (the growth is
#      printed; "FLAT" or "GROWING" on the last line).
#
# MODE=ui (default) runs the interactive view in tmux (200x60), so the event
# log, the per-connection steps, the history and the owner lookups all
# work; MODE=events runs --events --json into /dev/null.
#
# Env: TCPLADDER (default ../../_build/src/tcpladder), RATE (2000), SAMPLE
# (60), WARMUP (120 s of churn before the comparison starts), LOADGEN_ARGS,
# TL_ARGS, MODE, CC (gcc), OUT (also write the samples there, tab-separated).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD:-$here/../../_build}
TCPLADDER=${TCPLADDER:-$BUILD/src/tcpladder}
SECONDS_RUN=${1:-3600}
RATE=${RATE:-2000}
SAMPLE=${SAMPLE:-60}
WARMUP=${WARMUP:-120}
LOADGEN_ARGS=${LOADGEN_ARGS:---listen 10 --established 35000 --close-wait 10000 --time-wait 20000}
TL_ARGS=${TL_ARGS:-}
MODE=${MODE:-ui}
CC=${CC:-gcc}
OUT=${OUT:-}
die() { echo "soak.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (a private namespace)"
case $SECONDS_RUN in '' | *[!0-9]*) die "SECONDS must be a whole number" ;; esac
case $MODE in ui | events) ;; *) die "MODE must be ui or events" ;; esac
[ -x "$TCPLADDER" ] || die "$TCPLADDER not found (build it, or set TCPLADDER)"
TCPLADDER=$(cd "$(dirname "$TCPLADDER")" && pwd)/$(basename "$TCPLADDER")
tmp=$(mktemp -d)
trap 'tmux -S "$tmp/sock" kill-server 2>/dev/null; rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP
"$CC" -O2 -Wall -o "$tmp/loadgen" "$here/loadgen.c"
"$CC" -O2 -Wall -pthread -o "$tmp/churn" "$here/churn.c"
export TCPLADDER SECONDS_RUN RATE SAMPLE WARMUP LOADGEN_ARGS TL_ARGS MODE OUT tmp

unshare -n bash -c '
	set -eu
	# whatever ends this, nothing of it is left behind
	trap "kill \$(cat $tmp/pid 2>/dev/null) \${ch:-} \${lg:-} 2>/dev/null; tmux -S $tmp/sock kill-server 2>/dev/null" EXIT
	trap "exit 130" INT TERM HUP
	ip link set lo up
	echo "10000 65535" >/proc/sys/net/ipv4/ip_local_port_range
	echo 2000000 >/proc/sys/net/ipv4/tcp_max_tw_buckets
	echo 0 >/proc/sys/net/ipv4/tcp_tw_reuse
	echo 86400 >/proc/sys/net/ipv4/tcp_fin_timeout
	echo 65535 >/proc/sys/net/core/somaxconn
	if [ "$MODE" = events ]; then
		sh -c "echo \$\$ >$tmp/pid; exec $TCPLADDER --events --json $TL_ARGS >/dev/null 2>$tmp/tl.err" &
	else
		tmux -S "$tmp/sock" -f /dev/null new-session -d -s main -x 200 -y 60 \
			"LANG=C.UTF-8 TERM=screen sh -c '\''echo \$\$ >$tmp/pid; exec $TCPLADDER $TL_ARGS 2>$tmp/tl.err'\''; sleep 100000"
	fi
	for _ in $(seq 100); do [ -s "$tmp/pid" ] && break; sleep 0.1; done
	pid=$(cat "$tmp/pid")
	hz=$(getconf CLK_TCK)
	rss() { awk "/^VmRSS/ { print \$2 }" /proc/$pid/status; }
	hwm() { awk "/^VmHWM/ { print \$2 }" /proc/$pid/status; }
	fds() { ls /proc/$pid/fd | wc -l; }
	ticks() { awk "{ print \$14 + \$15 }" /proc/$pid/stat; }
	socks() { awk "/^TCP:/ { print \$3 + \$7 }" /proc/net/sockstat; }
	sleep 10
	base=$(rss)
	echo "tcpladder ($MODE) with no sockets: RSS $((base / 1024)) MB, $(fds) fds"

	mkfifo "$tmp/lg.in"
	"$tmp/loadgen" $LOADGEN_ARGS <"$tmp/lg.in" >"$tmp/lg.out" 2>"$tmp/lg.err" &
	lg=$!
	exec 7<>"$tmp/lg.in"
	for _ in $(seq 6000); do grep -qx ready "$tmp/lg.out" && break; sleep 0.1; done
	grep -qx ready "$tmp/lg.out" || { cat "$tmp/lg.err"; exit 1; }
	sleep 20 # several samples of the settled sockets
	n=$(socks); r=$(rss)
	echo "loadgen: $n sockets; tcpladder RSS $((r / 1024)) MB:" \
		"$(((r - base) * 1024 / n)) bytes a socket over the base"

	"$tmp/churn" --rate "$RATE" --duration "$SECONDS_RUN" >"$tmp/churn.out" 2>&1 &
	ch=$!
	start=$(date +%s)
	printf "%8s %9s %9s %9s %5s %6s %10s\n" elapsed_s sockets rss_MB peak_MB fds cpu% MB/1ksock
	[ -z "$OUT" ] || printf "elapsed_s\tsockets\trss_kB\tpeak_kB\tfds\tcpu_pct\n" >"$OUT"
	t0=$(ticks); w0=$(date +%s%N)
	: >"$tmp/samples"
	while kill -0 $ch 2>/dev/null; do
		sleep "$SAMPLE"
		kill -0 $pid 2>/dev/null || { echo "tcpladder exited:"; cat "$tmp/tl.err"; exit 1; }
		t1=$(ticks); w1=$(date +%s%N)
		cpu=$(awk -v t=$((t1 - t0)) -v hz=$hz -v ns=$((w1 - w0)) \
			"BEGIN { printf \"%.1f\", 100 * t / hz / (ns / 1e9) }")
		t0=$t1; w0=$w1
		e=$(($(date +%s) - start)); n=$(socks); r=$(rss); h=$(hwm); f=$(fds)
		printf "%8d %9d %9.1f %9.1f %5d %6s %10.2f\n" $e $n $(echo "$r / 1024" | bc -l) \
			$(echo "$h / 1024" | bc -l) $f $cpu $(echo "$r / 1024 * 1000 / $n" | bc -l)
		printf "%d\t%d\t%d\t%d\t%d\t%s\n" $e $n $r $h $f $cpu >>"$tmp/samples"
		[ -z "$OUT" ] || printf "%d\t%d\t%d\t%d\t%d\t%s\n" $e $n $r $h $f $cpu >>"$OUT"
	done
	wait $ch || true
	sed "s/^/churn: /" "$tmp/churn.out"
	n=$(awk -v w=$WARMUP "\$1 > w" "$tmp/samples" | wc -l)
	if [ "$n" -ge 4 ]; then
		awk -v w=$WARMUP -v n=$n "
			\$1 <= w { next }
			{ i++ }
			i <= n / 4 { r0 += \$3; f0 += \$5; c0 += \$6; s0 += \$2; k0++ }
			i > n - n / 4 { r1 += \$3; f1 += \$5; c1 += \$6; s1 += \$2; k1++ }
			END {
				r0 /= k0; r1 /= k1; f0 /= k0; f1 /= k1; c0 /= k0; c1 /= k1; s0 /= k0; s1 /= k1
				printf \"first quarter after warm-up: %.0f sockets, RSS %.1f MB, %.0f fds, CPU %.1f%%\n\", s0, r0 / 1024, f0, c0
				printf \"last quarter:                %.0f sockets, RSS %.1f MB, %.0f fds, CPU %.1f%%\n\", s1, r1 / 1024, f1, c1
				g = (r1 - r0) / r0 * 100
				printf \"RSS change %+.1f%%, fds %+.0f: %s\n\", g, f1 - f0, (g < 5 && g > -50 && f1 - f0 < 3) ? \"FLAT\" : \"GROWING\"
			}" "$tmp/samples"
	else
		echo "too short to compare (fewer than 4 samples after the warm-up)"
	fi
	[ ! -s "$tmp/tl.err" ] || { echo "tcpladder stderr:"; sort "$tmp/tl.err" | uniq -c | head; }
	kill -TERM $pid
	[ "$MODE" = events ] && wait $pid || true
	tmux -S "$tmp/sock" kill-server 2>/dev/null || true
	exec 7>&-
	wait $lg || true
'
