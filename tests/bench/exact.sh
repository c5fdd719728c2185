#!/usr/bin/env bash
# exact.sh: exact mode against polling, by hand as root (not run by
# "make check").
#
#   sudo tests/bench/exact.sh
#
# Two loads, each in a fresh private namespace, the two modes interleaved
# round by round (ROUNDS), so that both see the same machine:
#   idle   ~1000 sockets held by sockgen (500 established pairs), nothing
#          moving, IDLE seconds; with LOADGEN_ARGS, the sockets loadgen
#          holds instead (for 110,010 sockets and no TIME-WAIT:
#          LOADGEN_ARGS="--established 50000 --close-wait 5000 --listen 10");
#   churn  churn --rate RATE (short loopback connections, the client closes
#          first), CHURN seconds.
# For each, tcpladder --events --json, with --exact or --no-exact:
#   - its own CPU time (user + system, /proc/PID/stat);
#   - in exact mode also the time the kernel spent in its BPF programs
#     (run_time_ns from bpftool, with kernel.bpf_stats_enabled set for the
#     run and restored after), charged to whatever process made the TCP
#     work, so that nothing is hidden;
#   - the share of churn's connections seen whole on both ends (open and
#     TIME-WAIT or close on the client end, open and close on the server's)
#     and how many of their steps were observed.
# Prints the medians and the ratios exact/polling.
#
# Environment: TCPLADDER (default ../../_build/src/tcpladder), SOCKGEN,
# ROUNDS=3, IDLE=20, CHURN=10, RATE=1000, CC=gcc, LOADGEN_ARGS, SETTLE=2
# (seconds between tcpladder's start and the measurement), LOADS="idle churn".
# Needs root, gcc, bpftool, jq.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD=${BUILD:-$HERE/../../_build}
export TCPLADDER=${TCPLADDER:-$BUILD/src/tcpladder}
export SOCKGEN=${SOCKGEN:-$BUILD/tests/kernel/sockgen}
export IDLE=${IDLE:-20} CHURN=${CHURN:-10} RATE=${RATE:-1000}
ROUNDS=${ROUNDS:-3}
CC=${CC:-gcc}
HZ=$(getconf CLK_TCK)
TL_PID=

die() { echo "exact.sh: $*" >&2; exit 1; }

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# BPF run time (ns) of the programs the process holds (their ids from
# its descriptors: other tools' programs, even of the same name, are not
# counted).
bpf_ns() {
	local id sum=0 ns
	for id in $(grep -h '^prog_id:' /proc/"$1"/fdinfo/* 2>/dev/null | awk '{ print $2 }' | sort -u); do
		ns=$(bpftool prog show id "$id" -j 2>/dev/null | jq '.run_time_ns // 0')
		sum=$((sum + ${ns:-0}))
	done
	echo "$sum"
}

# one MODE LOAD: prints "cpu% bpf% whole% observed%" for one run, inside a
# fresh namespace (this script re-entered under unshare -n).
one() {
	local mode=$1 load=$2
	unshare -n "$0" --inner "$mode" "$load"
}

inner() {
	local mode=$1 load=$2 secs
	ip link set lo up
	echo "10000 65535" >/proc/sys/net/ipv4/ip_local_port_range
	echo 2000000 >/proc/sys/net/ipv4/tcp_max_tw_buckets
	echo 0 >/proc/sys/net/ipv4/tcp_tw_reuse # a tuple names one connection
	echo 65535 >/proc/sys/net/core/somaxconn
	rm -f "$TMP/ports" "$TMP/sg.in"
	if [[ $load == idle ]]; then
		secs=$IDLE
		mkfifo "$TMP/sg.in"
		if [[ -n ${LOADGEN_ARGS:-} ]]; then
			echo 3600 >/proc/sys/net/ipv4/tcp_fin_timeout # the orphans stay
			# shellcheck disable=SC2086 # the arguments are words
			"$TMP/loadgen" $LOADGEN_ARGS -q <"$TMP/sg.in" >"$TMP/sg" 2>&1 &
		else
			"$SOCKGEN" established=500 <"$TMP/sg.in" >"$TMP/sg" 2>&1 &
		fi
		exec 7<>"$TMP/sg.in" # it holds its sockets until this closes
		for _ in $(seq 3000); do grep -q ready "$TMP/sg" && break; sleep 0.1; done
	else
		secs=$CHURN
	fi
	"$TCPLADDER" --events --json "$mode" >"$TMP/ev" 2>"$TMP/err" &
	TL_PID=$!
	sleep "${SETTLE:-2}" # started, baseline taken
	local c0 b0 w0 c1 b1 w1
	c0=$(ticks $TL_PID)
	b0=$(bpf_ns $TL_PID)
	w0=$EPOCHREALTIME
	if [[ $load == idle ]]; then
		sleep "$secs"
	else
		"$TMP/churn" --rate "$RATE" --duration "$secs" --ports "$TMP/ports" >/dev/null 2>&1
		sleep 1
	fi
	c1=$(ticks $TL_PID)
	b1=$(bpf_ns $TL_PID)
	w1=$EPOCHREALTIME
	# time to write out the last connections (a loaded machine lags)
	[[ $load == churn ]] && sleep 2
	kill -INT $TL_PID
	wait $TL_PID
	TL_PID=
	[[ $load == idle ]] && exec 7>&-
	local whole=- observed=-
	if [[ $load == churn ]]; then
		read -r whole observed < <(jq -r 'select(.event == "open" or .event == "close" or
			.to == "TIME-WAIT") | [.event, .local, .remote, .to] | @tsv' "$TMP/ev" |
			awk -F'\t' -v obs="$(jq -s '[.[] | select(.inferred | not)] | length' "$TMP/ev")" \
				-v all="$(wc -l <"$TMP/ev")" '
			FNR == NR { split($0, p, " ")
				    k = "127.0.0.1:" p[1] " 127.0.0.1:" p[2]
				    if (!(k in cli)) n++
				    cli[k] = 1
				    srv["127.0.0.1:" p[2] " 127.0.0.1:" p[1]] = 1; next }
			{ k = $2 " " $3
			  if ($1 == "open") o[k] = 1
			  if ($1 == "close" || $4 == "TIME-WAIT") e[k] = 1 }
			END { for (k in cli) w += (k in o) && (k in e)
			      for (k in srv) w += (k in o) && (k in e)
			      printf "%.1f %.1f\n", n ? 50 * w / n : 0, all ? 100 * obs / all : 0 }' \
				"$TMP/ports" -)
	fi
	awk -v c="$((c1 - c0))" -v hz="$HZ" -v b="$((b1 - b0))" -v w0="$w0" -v w1="$w1" \
		-v whole="$whole" -v obs="$observed" 'BEGIN {
			w = w1 - w0
			printf "%.2f %.2f %s %s\n", 100 * c / hz / w, 100 * b / 1e9 / w, whole, obs }'
	grep -v '^$' "$TMP/err" | sed 's/^/# /' >&2
}

if [[ ${1:-} == --inner ]]; then
	inner "$2" "$3"
	wait
	exit
fi

export TMP=$(mktemp -d /tmp/tlexact.XXXXXX)
STATS0=$(cat /proc/sys/kernel/bpf_stats_enabled 2>/dev/null || echo 0)
cleanup() {
	echo "$STATS0" >/proc/sys/kernel/bpf_stats_enabled 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
[[ $EUID -eq 0 ]] || die "must run as root"
for t in "$CC" bpftool jq unshare; do command -v "$t" >/dev/null || die "$t not found"; done
[[ -x $TCPLADDER ]] || die "$TCPLADDER not found (set TCPLADDER)"
[[ -x $SOCKGEN ]] || die "$SOCKGEN not found (make check builds it; set SOCKGEN)"
"$TCPLADDER" --version | grep -qx 'exact mode (eBPF): built' || die "exact mode is not built in"
"$CC" -O2 -Wall -pthread -o "$TMP/churn" "$HERE/churn.c" || die "building churn failed"
"$CC" -O2 -Wall -o "$TMP/loadgen" "$HERE/loadgen.c" || die "building loadgen failed"
echo 1 >/proc/sys/kernel/bpf_stats_enabled || die "cannot enable BPF run-time statistics"

median() { sort -n | awk '{ a[NR] = $1 } END { print NR ? a[int((NR + 1) / 2)] : "-" }'; }

for load in ${LOADS:-idle churn}; do
	for r in $(seq "$ROUNDS"); do
		for mode in --exact --no-exact; do
			line=$(one "$mode" "$load")
			echo "$load round $r $mode: CPU% BPF% whole% observed% = $line"
			echo "$line" >>"$TMP/$load$mode"
		done
	done
done

echo
echo "kernel $(uname -r), $(nproc) CPUs; ROUNDS=$ROUNDS IDLE=${IDLE}s CHURN=${CHURN}s at $RATE/s"
printf '%-6s %-10s %9s %9s %9s %9s %9s\n' load mode "tl CPU%" "BPF %" "total %" whole% observed%
for load in ${LOADS:-idle churn}; do
	for mode in --exact --no-exact; do
		f=$TMP/$load$mode
		cpu=$(awk '{ print $1 }' "$f" | median)
		bpf=$(awk '{ print $2 }' "$f" | median)
		tot=$(awk '{ print $1 + $2 }' "$f" | median)
		wh=$(awk '{ print $3 }' "$f" | median)
		ob=$(awk '{ print $4 }' "$f" | median)
		printf '%-6s %-10s %9s %9s %9s %9s %9s\n' "$load" "$mode" "$cpu" "$bpf" "$tot" "$wh" "$ob"
		echo "$tot" >"$TMP/tot$load$mode"
	done
	awk -v a="$(cat "$TMP/tot$load--exact")" -v b="$(cat "$TMP/tot$load--no-exact")" -v l="$load" \
		'BEGIN { if (b > 0) printf "%-6s exact/polling, total CPU: %.2fx\n", l, a / b }'
done
echo "tl CPU%: tcpladder's own CPU time (user + system) over wall time, one core = 100;"
echo "BPF %: the kernel's time in its BPF programs; total: the two; whole%: churn's"
echo "connection ends seen with open and close (or TIME-WAIT); observed%: events not inferred."
