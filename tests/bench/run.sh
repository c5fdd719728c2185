#!/usr/bin/env bash
# tcpladder by-hand benchmark (not run by "make check").
#
#   sudo tests/bench/run.sh
#
# Creates a private network namespace, fills it with ~110k TCP sockets
# using loadgen, then compares the median wall time of
#   (a) ss -tan > /dev/null
#   (b) floor          (minimal libmnl sock_diag dump, see floor.c)
#   (c) $TCPLADDER --once --json > /dev/null   (skipped if not built yet)
# over $RUNS interleaved rounds, and the peak RSS of tcpladder --no-owners in the loaded
# namespace versus an empty one.  Nothing touches the host's own sockets.
#
# Environment:
#   RUNS=11            timed rounds (median is reported)
#   TCPLADDER=path     default: ../../src/tcpladder relative to this script
#   LOADGEN_ARGS="..." default: --listen 10 --established 35000
#                               --close-wait 10000 --time-wait 20000
#                      = 10 + 70000 + (10000 + 10000 orphans) + 20000
#                      = 110010 sockets
#   MEM_RUNS=3         runs for the peak-RSS measurement (max is taken)
#   CC=gcc
#
# Needs root, gcc, libmnl headers, iproute2 (ip, ss) and /usr/bin/time.

set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RUNS=${RUNS:-11}
MEM_RUNS=${MEM_RUNS:-3}
CC=${CC:-gcc}
TCPLADDER=${TCPLADDER:-$HERE/../../src/tcpladder}
LOADGEN_ARGS=${LOADGEN_ARGS:---listen 10 --established 35000 --close-wait 10000 --time-wait 20000}
NS=tlbench$$
NS_EMPTY=tlbench$$e
BIN=$HERE # binaries are git-ignored (tests/bench/.gitignore)
TMP=
LOADGEN_PID=
LOADGEN_IN=
NS_MADE=
NSE_MADE=

die() { echo "run.sh: $*" >&2; exit 1; }

cleanup() {
	local i
	trap - EXIT INT TERM HUP
	if [[ -n $LOADGEN_PID ]]; then
		# EOF on loadgen's stdin, then SIGTERM, then SIGKILL (by pid)
		[[ -n $LOADGEN_IN ]] && eval "exec $LOADGEN_IN>&-"
		kill -TERM "$LOADGEN_PID" 2>/dev/null
		for i in $(seq 50); do
			kill -0 "$LOADGEN_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$LOADGEN_PID" 2>/dev/null
		wait "$LOADGEN_PID" 2>/dev/null
	fi
	# Anything still inside our private namespaces was started by us.
	for i in ${NS_MADE:+$NS} ${NSE_MADE:+$NS_EMPTY}; do
		ip netns pids "$i" 2>/dev/null | while read -r p; do
			kill -KILL "$p" 2>/dev/null
		done
		ip netns del "$i" 2>/dev/null
	done
	[[ -n $TMP ]] && rm -rf "$TMP"
}
trap cleanup EXIT
trap 'echo; echo "run.sh: interrupted" >&2; exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

[[ $EUID -eq 0 ]] || die "must run as root (network namespaces)"
for t in "$CC" ip ss /usr/bin/time; do
	command -v "$t" >/dev/null || die "$t not found"
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer"
[[ $MEM_RUNS =~ ^[1-9][0-9]*$ ]] || die "MEM_RUNS must be a positive integer"

TMP=$(mktemp -d /tmp/tlbench.XXXXXX) || die "mktemp failed"

# ---- build ---------------------------------------------------------------
echo "building loadgen, floor, timeit in $BIN"
"$CC" -O2 -Wall -o "$BIN/loadgen" "$HERE/loadgen.c" || die "build loadgen failed"
"$CC" -O2 -Wall -o "$BIN/floor" "$HERE/floor.c" -lmnl || die "build floor failed (libmnl-dev?)"
"$CC" -O2 -Wall -o "$BIN/timeit" "$HERE/timeit.c" || die "build timeit failed"

HAVE_TL=
if [[ -x $TCPLADDER && -f $TCPLADDER ]]; then
	HAVE_TL=1
	TCPLADDER=$(cd "$(dirname "$TCPLADDER")" && pwd)/$(basename "$TCPLADDER")
else
	echo "note: $TCPLADDER not found (not built yet?): skipping tcpladder"
fi

nsx() { ip netns exec "$NS" "$@"; }

# peak RSS (kB) of one tcpladder run in namespace $1, max over MEM_RUNS;
# without owners: in the loaded namespace (10000 CLOSE-WAIT) their walk
# would load the kernel's BTF, a fixed cost the empty one never pays (the
# table's maxRSS column shows it), and this is the cost per socket
peak_rss() {
	local ns=$1 i v max=0
	for ((i = 0; i < MEM_RUNS; i++)); do
		ip netns exec "$ns" /usr/bin/time -f %M -o "$TMP/rss" \
			"$TCPLADDER" --once --json --no-owners >/dev/null || return 1
		v=$(tail -n 1 "$TMP/rss")
		[[ $v =~ ^[0-9]+$ ]] || return 1
		((v > max)) && max=$v
	done
	echo "$max"
}

median() {
	sort -n | awk '{ a[NR] = $1 }
		END { if (NR == 0) print "nan";
		      else if (NR % 2) print a[(NR + 1) / 2];
		      else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# ---- empty namespace: baseline RSS of tcpladder --------------------------
PEAK_EMPTY=
if [[ -n $HAVE_TL ]]; then
	ip netns add "$NS_EMPTY" || die "ip netns add $NS_EMPTY failed"
	NSE_MADE=1
	ip -n "$NS_EMPTY" link set lo up
	if PEAK_EMPTY=$(peak_rss "$NS_EMPTY"); then
		:
	else
		echo "note: tcpladder --once --json failed in the empty namespace; skipping it"
		HAVE_TL=
		PEAK_EMPTY=
	fi
	ip netns del "$NS_EMPTY"
	NSE_MADE=
fi

# ---- loaded namespace ----------------------------------------------------
ip netns add "$NS" || die "ip netns add $NS failed"
NS_MADE=1
ip -n "$NS" link set lo up || die "lo up failed"
nsx sh -c '
	echo "10000 65535" > /proc/sys/net/ipv4/ip_local_port_range &&
	echo 2000000 > /proc/sys/net/ipv4/tcp_max_tw_buckets &&
	echo 0 > /proc/sys/net/ipv4/tcp_tw_reuse &&
	echo 86400 > /proc/sys/net/ipv4/tcp_fin_timeout' ||
	die "setting sysctls in $NS failed"

echo "starting loadgen $LOADGEN_ARGS"
T0=$EPOCHREALTIME
# shellcheck disable=SC2086
coproc LG { exec ip netns exec "$NS" "$BIN/loadgen" $LOADGEN_ARGS; }
# bash unsets LG/LG_PID once the coprocess is reaped: keep copies
LOADGEN_PID=$LG_PID
LOADGEN_IN=${LG[1]}
LOADGEN_OUT=${LG[0]}
line=
read -r -t 300 line <&"$LOADGEN_OUT" || die "loadgen failed to start"
[[ $line == ready ]] || die "loadgen did not become ready"
echo "loadgen ready after $(awk -v a="$T0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s"

SOCKETS=$(nsx ss -tanH | wc -l)
echo "sockets in namespace (ss -tanH | wc -l): $SOCKETS"
nsx "$BIN/floor" -v 2>&1 >/dev/null | sed 's/^/    /'

# ---- timing --------------------------------------------------------------
NAMES=("ss -tan" "floor")
CMDS=("ss -tan" "$BIN/floor")
if [[ -n $HAVE_TL ]]; then
	NAMES+=("tcpladder --once --json")
	CMDS+=("$TCPLADDER --once --json")
	# the dump alone, without looking for CLOSE-WAIT owners in /proc
	NAMES+=("tl --once -j --no-owners")
	CMDS+=("$TCPLADDER --once --json --no-owners")
fi
# The CLOSE-WAIT questions (issues 7 and 8): with owners, and filtered.
# EXTRA=0 leaves them out.
if [[ ${EXTRA:-1} != 0 ]]; then
	NAMES+=("ss -tanp state close-wait" "ss -tan state close-wait")
	CMDS+=("ss -tanp state close-wait" "ss -tan state close-wait")
	if [[ -n $HAVE_TL ]]; then
		NAMES+=("tl --once -j state close-wait")
		CMDS+=("$TCPLADDER --once --json state close-wait")
		NAMES+=("tl ... close-wait --no-owners")
		CMDS+=("$TCPLADDER --once --json --no-owners state close-wait")
		# owners from /proc/PID/fd instead of the kernel's walk
		NAMES+=("tl ... close-wait --no-exact")
		CMDS+=("$TCPLADDER --once --json --no-exact state close-wait")
		NAMES+=("tl --once -j --no-exact")
		CMDS+=("$TCPLADDER --once --json --no-exact")
	fi
fi
N=${#CMDS[@]}
declare -a TFILE RSSMAX FAILED
for ((c = 0; c < N; c++)); do
	TFILE[c]=$TMP/times.$c
	: >"${TFILE[c]}"
	RSSMAX[c]=0
	FAILED[c]=
done
FLOOR_MIN=
FLOOR_MAX=

# one timed run of command $1 (index); round $2 (-1 = warm-up)
run_one() {
	local c=$1 r=$2 out=/dev/null ns rss rc n
	[[ ${CMDS[c]} == "$BIN/floor" ]] && out=$TMP/floor.out
	# Foreground (not a process substitution) so that Ctrl-C reaches it
	# with default SIGINT handling and the INT trap fires.
	# shellcheck disable=SC2086
	nsx "$BIN/timeit" "$out" ${CMDS[c]} >"$TMP/timeit.res"
	read -r ns rss rc <"$TMP/timeit.res"
	if [[ -z ${ns:-} || ${rc:-1} -ne 0 ]]; then
		[[ -z ${FAILED[c]} ]] && echo "warning: '${NAMES[c]}' failed (exit ${rc:-?})"
		FAILED[c]=1
		return
	fi
	((r < 0)) && return
	echo "$ns" >>"${TFILE[c]}"
	((rss > RSSMAX[c])) && RSSMAX[c]=$rss
	if [[ $out != /dev/null ]]; then
		n=$(cat "$out")
		[[ -z $FLOOR_MIN ]] || ((n < FLOOR_MIN)) && FLOOR_MIN=$n
		[[ -z $FLOOR_MAX ]] || ((n > FLOOR_MAX)) && FLOOR_MAX=$n
	fi
}

echo "timing $N commands x $RUNS rounds (interleaved, order rotated each round)"
for ((c = 0; c < N; c++)); do run_one "$c" -1; done # warm-up
for ((r = 0; r < RUNS; r++)); do
	for ((k = 0; k < N; k++)); do
		run_one $(((r + k) % N)) "$r"
	done
done
T_END=$EPOCHREALTIME

# ---- memory --------------------------------------------------------------
PEAK_LOADED=
if [[ -n $HAVE_TL && -z ${FAILED[2]} ]]; then
	PEAK_LOADED=$(peak_rss "$NS") || PEAK_LOADED=
fi
SOCKETS_AFTER=$(nsx ss -tanH | wc -l)

# ---- report --------------------------------------------------------------
declare -a MED
for ((c = 0; c < N; c++)); do
	if [[ -n ${FAILED[c]} ]]; then
		MED[c]=nan
	else
		MED[c]=$(median <"${TFILE[c]}")
	fi
done

echo
echo "kernel $(uname -r), $(nproc) CPUs; $RUNS rounds; sockets: $SOCKETS before, $SOCKETS_AFTER after (floor saw ${FLOOR_MIN:-?}..${FLOOR_MAX:-?})"
printf '%-26s %10s %10s %10s %8s %9s %11s\n' command "median ms" "min ms" "max ms" "vs ss" "vs floor" "maxRSS kB"
for ((c = 0; c < N; c++)); do
	if [[ -n ${FAILED[c]} ]]; then
		printf '%-26s %10s\n' "${NAMES[c]}" FAILED
		continue
	fi
	mn=$(sort -n "${TFILE[c]}" | head -n 1)
	mx=$(sort -n "${TFILE[c]}" | tail -n 1)
	awk -v name="${NAMES[c]}" -v m="${MED[c]}" -v s="${MED[0]}" \
		-v f="${MED[1]}" -v mn="$mn" -v mx="$mx" -v rss="${RSSMAX[c]}" 'BEGIN {
		vs = (s == "nan") ? "-" : sprintf("%.2fx", m / s);
		vf = (f == "nan") ? "-" : sprintf("%.2fx", m / f);
		printf "%-26s %10.2f %10.2f %10.2f %8s %9s %11d\n",
			name, m / 1e6, mn / 1e6, mx / 1e6, vs, vf, rss }'
done
if [[ -z $HAVE_TL ]]; then
	echo "tcpladder: skipped ($TCPLADDER not available)"
elif [[ -n $PEAK_LOADED && -n $PEAK_EMPTY ]]; then
	awk -v l="$PEAK_LOADED" -v e="$PEAK_EMPTY" -v s="$SOCKETS" 'BEGIN {
		printf "memory: tcpladder --once --json --no-owners peak RSS %d kB loaded, %d kB empty namespace -> %.1f bytes/socket (%d sockets)\n",
			l, e, (l - e) * 1024 / s, s }'
else
	echo "memory: tcpladder peak RSS could not be measured"
fi
if ((SOCKETS_AFTER * 100 < SOCKETS * 98)); then
	echo "warning: socket count dropped during the run (TIME-WAIT refresh dip?); consider fewer RUNS"
fi
if awk -v a="$T0" -v b="$T_END" 'BEGIN { exit !(b - a > 55) }'; then
	echo "note: timing ended >55 s after loadgen start: TIME-WAIT refreshes (brief dips) may have overlapped it"
fi
