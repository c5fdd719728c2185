#!/usr/bin/env bash
# tcpladder by-hand benchmark for --all-netns (not run by "make check").
#
#   tests/bench/allnetns.sh            (as root)
#
# Makes NS namespaces (ip netns add, in a private mount namespace with its
# own /run/netns, so the host's named namespaces are not touched), holds
# PAIRS established connections in each (2 x PAIRS sockets) with loadgen,
# then times, over RUNS interleaved rounds (median reported):
#   (a) tcpladder --once --all-netns --json > /dev/null
#   (b) for each namespace: nsenter -t PID -n ss -tan > /dev/null
# and prints the ratio a/b.  -A also samples every other namespace on the
# machine (the host's and any other); their number is printed.
#
# Then the steady CPU of the live engine over all of them: tcpladder
# --events --all-netns for STEADY seconds (after 5 s of start-up), as a
# share of one core, and its effective interval (the CPU budget, 5% by
# default, stretches it); and the same for the interactive view
# (tcpladder -A in a detached tmux of 200x50, when tmux is installed).
#
# Environment: NS=50  PAIRS=1000  RUNS=5  STEADY=60  TCPLADDER=path  CC=gcc
#   CHILD_EHASH=N   give each namespace its own TCP hash table of N buckets
#                   (net.ipv4.tcp_child_ehash_entries, set in a private
#                   parent namespace, never on the host); without it the
#                   namespaces share the host's table and every dump, ours
#                   and ss's alike, walks all the sockets of all of them.
# Needs root, gcc, iproute2 (ip, ss), nsenter.

set -uo pipefail

if [[ -z ${TL_BENCH_PRIVATE:-} && -n ${CHILD_EHASH:-} ]]; then
	TL_BENCH_PRIVATE=1 exec unshare -m -n --propagation private bash "$0" "$@"
elif [[ -z ${TL_BENCH_PRIVATE:-} ]]; then
	TL_BENCH_PRIVATE=1 exec unshare -m --propagation private bash "$0" "$@"
fi
if [[ -n ${CHILD_EHASH:-} ]]; then
	sysctl -qw net.ipv4.tcp_child_ehash_entries="$CHILD_EHASH" ||
		{ echo "allnetns.sh: tcp_child_ehash_entries not available" >&2; exit 1; }
fi

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NS=${NS:-50}
PAIRS=${PAIRS:-1000}
RUNS=${RUNS:-5}
STEADY=${STEADY:-60}
CC=${CC:-gcc}
TCPLADDER=${TCPLADDER:-$HERE/../../src/tcpladder}
BIN=$HERE
TMP=$(mktemp -d)
PIDS=()
FDS=()

cleanup() {
	local fd pid
	for fd in "${FDS[@]}"; do eval "exec $fd>&-"; done
	for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
	for ((i = 0; i < NS; i++)); do ip netns del "tlbn$i" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT

die() { echo "allnetns.sh: $*" >&2; exit 1; }

[[ -x $TCPLADDER ]] || die "no tcpladder at $TCPLADDER (build it first)"
"$CC" -O2 -Wall -o "$BIN/loadgen" "$HERE/loadgen.c" || die "build loadgen failed"
mkdir -p /run/netns && mount -t tmpfs tl-bench /run/netns || die "cannot mount /run/netns"

echo "making $NS namespaces of $((2 * PAIRS)) sockets each"
for ((i = 0; i < NS; i++)); do
	n=tlbn$i
	ip netns add "$n" && ip netns exec "$n" ip link set lo up || die "ip netns add $n"
	mkfifo "$TMP/$n.in"
	ip netns exec "$n" "$BIN/loadgen" --established "$PAIRS" --no-refresh -q \
		<"$TMP/$n.in" >"$TMP/$n.out" 2>"$TMP/$n.err" &
	PIDS+=($!)
	exec {fd}<>"$TMP/$n.in"
	FDS+=("$fd")
done
for ((i = 0; i < NS; i++)); do
	n=tlbn$i
	for ((t = 0; t < 3000; t++)); do
		grep -qx ready "$TMP/$n.out" 2>/dev/null && break
		kill -0 "${PIDS[i]}" 2>/dev/null || die "loadgen in $n failed: $(cat "$TMP/$n.err")"
		sleep 0.1
	done
	grep -qx ready "$TMP/$n.out" || die "loadgen in $n not ready"
done

now() { echo "${EPOCHREALTIME/./}"; }
tl_run() {
	local t0
	t0=$(now)
	"$TCPLADDER" --once --all-netns --json >"$TMP/tl.json" || die "tcpladder failed"
	echo $(($(now) - t0))
}
ss_run() {
	local t0 i
	t0=$(now)
	for ((i = 0; i < NS; i++)); do
		nsenter -t "${PIDS[i]}" -n ss -tan >/dev/null || die "nsenter ss failed"
	done
	echo $(($(now) - t0))
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

tl_run >/dev/null # warm the caches once
: >"$TMP/tl.t"
: >"$TMP/ss.t"
for ((r = 0; r < RUNS; r++)); do
	tl_run >>"$TMP/tl.t"
	ss_run >>"$TMP/ss.t"
done
tl=$(median <"$TMP/tl.t")
ss=$(median <"$TMP/ss.t")
seen=$(jq length "$TMP/tl.json")
ours=$(jq '[.[] | select(.netns | startswith("tlbn"))] | length' "$TMP/tl.json")
socks=$(jq '[.[] | select(.netns | startswith("tlbn")) | .tcp.total] | add' "$TMP/tl.json")
if [[ -n ${CHILD_EHASH:-} ]]; then
	echo "hash tables: one of $CHILD_EHASH buckets per namespace"
else
	echo "hash tables: shared with the host"
fi
echo "namespaces seen by -A: $seen ($ours of ours, $socks TCP sockets in them)"
echo "tcpladder --once -A --json: median $((tl / 1000)) ms over $RUNS runs"
echo "nsenter -t PID -n ss -tan loop over $NS namespaces: median $((ss / 1000)) ms"
awk -v a="$tl" -v b="$ss" 'BEGIN { printf "ratio: %.2f\n", a / b }'

# steady CPU of the live engine (utime + stime from /proc/PID/stat)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
"$TCPLADDER" --events --all-netns --json >"$TMP/ev.json" 2>"$TMP/ev.err" &
ev=$!
sleep 5
c0=$(cpu_ticks "$ev") t0=$(now)
sleep "$STEADY"
c1=$(cpu_ticks "$ev") t1=$(now)
kill -INT "$ev"
wait "$ev"
hz=$(getconf CLK_TCK)
awk -v c="$((c1 - c0))" -v hz="$hz" -v us="$((t1 - t0))" \
	'BEGIN { printf "--events -A steady CPU: %.1f%% of a core over %.0f s\n", 100 * c / hz / (us / 1e6), us / 1e6 }'

# the interactive view's steady CPU, in a detached tmux
if command -v tmux >/dev/null; then
	tmux -L "tlbench$$" -f /dev/null new-session -d -x 200 -y 50 \
		"TERM=screen exec $TCPLADDER --all-netns"
	ui=$(tmux -L "tlbench$$" display-message -p '#{pane_pid}')
	sleep 5
	c0=$(cpu_ticks "$ui") t0=$(now)
	sleep "$STEADY"
	c1=$(cpu_ticks "$ui") t1=$(now)
	tmux -L "tlbench$$" kill-server
	awk -v c="$((c1 - c0))" -v hz="$hz" -v us="$((t1 - t0))" \
		'BEGIN { printf "the view (-A, 200x50) steady CPU: %.1f%% of a core over %.0f s\n", 100 * c / hz / (us / 1e6), us / 1e6 }'
fi
