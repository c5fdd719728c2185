#!/bin/bash
# ui-churn.sh: the interactive view's CPU share with about 230k sockets and
# 2000 new connections a second (issue 11, item 9), run by hand as root.
#
# In a private namespace: loadgen holds 110k sockets (its defaults as in
# run.sh); churn opens and closes RATE connections a second for WARMUP +
# SECONDS_RUN seconds, so TIME-WAIT sockets pile up to about RATE x 60;
# tcpladder's interactive view runs in tmux (200x60, default settings).
# Its CPU time over the last SECONDS_RUN seconds of the churn is read from
# /proc/PID/stat, and its RSS is printed.  With PERF=1 a perf profile of
# that window is summarised.
#
# With TCPLADDER_B, a second view runs beside the first on the same
# namespace and the same churn (the way to compare two builds on a shared
# machine: both see the same load); both CPU shares are printed.
#
# Env: TCPLADDER (default ../../_build/src/tcpladder), TCPLADDER_B, RATE (2000), WARMUP
# (60), SECONDS_RUN (30), LOADGEN_ARGS (as run.sh), TL_ARGS (extra options),
# PERF (0), CC (gcc).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD:-$here/../../_build}
TCPLADDER=${TCPLADDER:-$BUILD/src/tcpladder}
RATE=${RATE:-2000}
WARMUP=${WARMUP:-60}
SECONDS_RUN=${SECONDS_RUN:-30}
LOADGEN_ARGS=${LOADGEN_ARGS:---listen 10 --established 35000 --close-wait 10000 --time-wait 20000}
TL_ARGS=${TL_ARGS:-}
TCPLADDER_B=${TCPLADDER_B:-}
MODE=${MODE:-ui}
PERF=${PERF:-0}
CC=${CC:-gcc}
[ "$(id -u)" = 0 ] || { echo "ui-churn.sh: needs root (a private namespace)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'tmux -S "$tmp/sock" kill-server 2>/dev/null; rm -rf "$tmp"' EXIT
"$CC" -O2 -Wall -o "$tmp/loadgen" "$here/loadgen.c"
"$CC" -O2 -Wall -pthread -o "$tmp/churn" "$here/churn.c"
export TCPLADDER TCPLADDER_B RATE WARMUP SECONDS_RUN LOADGEN_ARGS TL_ARGS MODE PERF tmp

unshare -n bash -c '
	set -eu
	ip link set lo up
	echo "10000 65535" >/proc/sys/net/ipv4/ip_local_port_range
	echo 2000000 >/proc/sys/net/ipv4/tcp_max_tw_buckets
	echo 0 >/proc/sys/net/ipv4/tcp_tw_reuse
	echo 86400 >/proc/sys/net/ipv4/tcp_fin_timeout
	echo 65535 >/proc/sys/net/core/somaxconn
	mkfifo "$tmp/lg.in"
	"$tmp/loadgen" $LOADGEN_ARGS <"$tmp/lg.in" >"$tmp/lg.out" 2>"$tmp/lg.err" &
	lg=$!
	exec 7<>"$tmp/lg.in"
	for _ in $(seq 3000); do grep -qx ready "$tmp/lg.out" && break; sleep 0.1; done
	grep -qx ready "$tmp/lg.out" || { cat "$tmp/lg.err"; exit 1; }
	echo "loadgen: $(ss -tanH | wc -l) sockets"
	if [ "$MODE" = events ]; then
		sh -c "echo \$\$ >$tmp/pid; exec $TCPLADDER --events --json $TL_ARGS >/dev/null" 7>&- &
	else
		tmux -S "$tmp/sock" -f /dev/null new-session -d -s main -x 200 -y 60 \
			"LANG=C.UTF-8 TERM=screen sh -c '\''echo \$\$ >$tmp/pid; exec $TCPLADDER $TL_ARGS'\''; sleep 3600" 7>&-
		[ -z "$TCPLADDER_B" ] || tmux -S "$tmp/sock" new-session -d -s b -x 200 -y 60 \
			"LANG=C.UTF-8 TERM=screen sh -c '\''echo \$\$ >$tmp/pidb; exec $TCPLADDER_B $TL_ARGS'\''; sleep 3600" 7>&-
	fi
	for _ in $(seq 100); do [ -s "$tmp/pid" ] && break; sleep 0.1; done
	pid=$(cat "$tmp/pid")
	pidb=
	if [ -n "$TCPLADDER_B" ] && [ "$MODE" != events ]; then
		for _ in $(seq 100); do [ -s "$tmp/pidb" ] && break; sleep 0.1; done
		pidb=$(cat "$tmp/pidb")
	fi
	sleep 5
	"$tmp/churn" --rate "$RATE" --duration $((WARMUP + SECONDS_RUN + 5)) >"$tmp/churn.out" 2>&1 &
	ch=$!
	sleep "$WARMUP"
	hz=$(getconf CLK_TCK)
	ticks() { awk "{ print \$14 + \$15 }" "/proc/${1:-$pid}/stat"; }
	if [ "$PERF" = 1 ]; then
		perf record -g -o "$tmp/perf.data" -p "$pid" -- sleep ${PERF_SECONDS:-10} >/dev/null 2>&1 &
		perf_pid=$!
	fi
	t0=$(ticks); [ -z "$pidb" ] || b0=$(ticks "$pidb"); w0=$(date +%s%N)
	sleep "$SECONDS_RUN"
	t1=$(ticks); [ -z "$pidb" ] || b1=$(ticks "$pidb"); w1=$(date +%s%N)
	echo "sockets at the end: $(ss -tanH | wc -l)"
	[ "$MODE" = events ] || tmux -S "$tmp/sock" capture-pane -p -t main | head -1
	awk -v t=$((t1 - t0)) -v hz=$hz -v ns=$((w1 - w0)) \
		"BEGIN { printf \"tcpladder ($MODE) CPU: %.1f%% of one core over %.0f s\n\", 100 * t / hz / (ns / 1e9), ns / 1e9 }"
	[ -z "$pidb" ] || awk -v t=$((b1 - b0)) -v a=$((t1 - t0)) -v hz=$hz -v ns=$((w1 - w0)) \
		"BEGIN { printf \"TCPLADDER_B ($MODE) CPU: %.1f%% of one core (B/A %.2f)\n\", 100 * t / hz / (ns / 1e9), a ? t / a : 0 }"
	echo "tcpladder RSS: $(awk "/^VmRSS/ { print \$2 / 1024 \" MB\" }" /proc/$pid/status)," \
		"peak $(awk "/^VmHWM/ { print \$2 / 1024 \" MB\" }" /proc/$pid/status)"
	wait $ch || true
	cat "$tmp/churn.out"
	if [ "$PERF" = 1 ]; then
		wait $perf_pid || true
		echo "perf, self:"
		perf report -i "$tmp/perf.data" --no-children --percent-limit 2 --stdio 2>/dev/null |
			grep -E "^ +[0-9.]+%" | head -25
		echo "perf, with callees:"
		perf report -i "$tmp/perf.data" --children --percent-limit 3 --stdio 2>/dev/null |
			grep -E "^ +[0-9.]+%" | grep -v "\[k\]" | head -40
	fi
	kill -TERM $pid $pidb
	[ "$MODE" = events ] && wait $pid || true
	tmux -S "$tmp/sock" kill-server 2>/dev/null || true
	exec 7>&-
	wait $lg || true
'
