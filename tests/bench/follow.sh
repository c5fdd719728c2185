#!/bin/bash
# follow.sh: the cost of --follow (issue 11, item 4d), run by hand as root.
# In a private namespace holding PAIRS established connection pairs (made by
# sockgen), tcpladder --events --json runs for SECONDS without --follow and
# with --follow 'state established' (every connection matches), and its CPU
# share of one core is read from /proc/PID/stat; the ratio is printed.
# Env: TCPLADDER, SOCKGEN (default: the build in ../../_build), PAIRS (default
# 4995: 9990 followed sockets, as in the issue), SECONDS_RUN (default 20),
# ROUNDS (default 3, interleaved; the median is printed), TL_ARGS (extra
# options for both runs).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD:-$here/../../_build}
TCPLADDER=${TCPLADDER:-$BUILD/src/tcpladder}
SOCKGEN=${SOCKGEN:-$BUILD/tests/kernel/sockgen}
PAIRS=${PAIRS:-4995}
SECONDS_RUN=${SECONDS_RUN:-20}
ROUNDS=${ROUNDS:-3}
TL_ARGS=${TL_ARGS:-}
[ "$(id -u)" = 0 ] || { echo "follow.sh: needs root (a private namespace)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export TCPLADDER SOCKGEN PAIRS SECONDS_RUN ROUNDS TL_ARGS tmp

unshare -n bash -c '
	set -eu
	ip link set lo up
	mkfifo "$tmp/sg.in"
	"$SOCKGEN" established="$PAIRS" <"$tmp/sg.in" >"$tmp/expect" 2>"$tmp/sg.err" &
	sg=$!
	exec 7<>"$tmp/sg.in"
	for _ in $(seq 600); do grep -qx ready "$tmp/expect" && break; sleep 0.1; done
	grep -qx ready "$tmp/expect" || { cat "$tmp/sg.err"; exit 1; }
	echo "sockets: $(ss -tanH | wc -l) TCP, $(grep "^expect ESTABLISHED" "$tmp/expect")"
	hz=$(getconf CLK_TCK)
	ticks() { awk "{ print \$14 + \$15 }" "/proc/$1/stat"; }
	# run NAME ARGS...: CPU % of one core over SECONDS_RUN, after a 2 s start
	run() {
		local name=$1 pid t0 t1 w0 w1
		shift
		"$TCPLADDER" --events --json $TL_ARGS "$@" >/dev/null 2>"$tmp/$name.err" &
		pid=$!
		sleep 2
		t0=$(ticks $pid); w0=$(date +%s%N)
		sleep "$SECONDS_RUN"
		t1=$(ticks $pid); w1=$(date +%s%N)
		kill -INT $pid
		wait $pid || true
		awk -v t=$((t1 - t0)) -v hz=$hz -v ns=$((w1 - w0)) \
			"BEGIN { printf \"%.2f\n\", 100 * t / hz / (ns / 1e9) }" >>"$tmp/$name.cpu"
	}
	for r in $(seq "$ROUNDS"); do
		run plain
		run follow --follow "state established"
	done
	exec 7>&-
	wait $sg
	med() { sort -n "$1" | awk "{ a[NR] = \$1 } END { print a[int((NR + 1) / 2)] }"; }
	p=$(med "$tmp/plain.cpu")
	f=$(med "$tmp/follow.cpu")
	echo "without --follow: $p% of one core (runs: $(tr "\n" " " <"$tmp/plain.cpu"))"
	echo "with --follow:    $f% of one core (runs: $(tr "\n" " " <"$tmp/follow.cpu"))"
	awk -v p="$p" -v f="$f" "BEGIN { if (p > 0) printf \"ratio: %.1fx\n\", f / p }"
	echo "notices:"
	sort -u "$tmp/follow.err" | sed "s/^/  /"
'
