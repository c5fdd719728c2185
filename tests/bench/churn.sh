#!/usr/bin/env bash
# tcpladder by-hand churn benchmark (not run by "make check").
#
#   sudo tests/bench/churn.sh
#
# For each target rate, in a fresh private network namespace (lo up, wide
# ephemeral port range, tcp_tw_reuse=0, high tcp_max_tw_buckets):
#   1. start  $TCPLADDER --events --json $TL_ARGS  (stdout and stderr kept)
#   2. run    churn --rate RATE --duration DURATION  (short loopback
#             connections, client closes first; every client port recorded)
#   3. SETTLE seconds later, read tcpladder's CPU time from /proc/PID/stat
#      and stop it with SIGINT
#   4. match the JSON events against churn's connections (by 4-tuple):
#        client end  local 127.0.0.1:CPORT, remote 127.0.0.1:LPORT: "whole"
#                    if it has an "open" event and reached TIME-WAIT (its
#                    final state within the run: TIME-WAIT lasts 60 s) or
#                    a "close" event;
#        server end  local 127.0.0.1:LPORT, remote 127.0.0.1:CPORT: "whole"
#                    if it has an "open" and a "close" event.
# and prints one table row per rate: target and achieved rate, connections,
# % seen whole on each side, tcpladder's CPU share of one core between
# churn's start and the SIGINT, and how many times tcpladder warned that
# destroy events were lost.  Nothing touches the host's own sockets.
#
# Environment:
#   RATES="10 1000 10000"  connections per second to aim for
#   DURATION=10            seconds of churn per rate
#   SETTLE=1               seconds between churn's end and the SIGINT
#   TCPLADDER=path         default: ../../src/tcpladder relative to this script,
#                          else ../../_build/src/tcpladder
#   TL_ARGS="..."          extra tcpladder options (e.g. "-d 0.1"); default none
#   CHURN_ARGS="..."       extra churn options (e.g. "--clients 2")
#   KEEP=dir               copy the raw files (events, stderr, ports) there
#   CC=gcc
#
# Needs root, gcc, iproute2 (ip) and jq.

set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RATES=${RATES:-10 1000 10000}
DURATION=${DURATION:-10}
SETTLE=${SETTLE:-1}
CC=${CC:-gcc}
if [[ -z ${TCPLADDER:-} ]]; then
	TCPLADDER=$HERE/../../src/tcpladder
	# out-of-tree build in _build/ (as in the README)
	[[ -x $TCPLADDER ]] || TCPLADDER=$HERE/../../_build/src/tcpladder
fi
TL_ARGS=${TL_ARGS:-}
CHURN_ARGS=${CHURN_ARGS:-}
KEEP=${KEEP:-}
NS=tlchurn$$
BIN=$HERE # binaries are git-ignored (tests/bench/.gitignore)
TMP=
TL_PID=
NS_MADE=

die() { echo "churn.sh: $*" >&2; exit 1; }

stop_tl() {
	[[ -n $TL_PID ]] || return 0
	kill -INT "$TL_PID" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$TL_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$TL_PID" 2>/dev/null
	wait "$TL_PID" 2>/dev/null
	TL_PID=
}

del_ns() {
	[[ -n $NS_MADE ]] || return 0
	# Anything still inside our private namespace was started by us.
	ip netns pids "$NS" 2>/dev/null | while read -r p; do
		kill -KILL "$p" 2>/dev/null
	done
	ip netns del "$NS" 2>/dev/null
	NS_MADE=
}

cleanup() {
	trap - EXIT INT TERM HUP
	stop_tl
	del_ns
	[[ -n $TMP ]] && rm -rf "$TMP"
}
trap cleanup EXIT
trap 'echo; echo "churn.sh: interrupted" >&2; exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

[[ $EUID -eq 0 ]] || die "must run as root (network namespaces)"
for t in "$CC" ip jq awk; do
	command -v "$t" >/dev/null || die "$t not found"
done
[[ $DURATION =~ ^[0-9]+([.][0-9]+)?$ ]] || die "DURATION must be a number of seconds"
[[ $SETTLE =~ ^[0-9]+([.][0-9]+)?$ ]] || die "SETTLE must be a number of seconds"
for r in $RATES; do
	[[ $r =~ ^[1-9][0-9]*$ ]] || die "RATES must be positive integers"
done
[[ -x $TCPLADDER && -f $TCPLADDER ]] || die "$TCPLADDER not found (build it first, or set TCPLADDER)"
TCPLADDER=$(cd "$(dirname "$TCPLADDER")" && pwd)/$(basename "$TCPLADDER")
[[ -z $KEEP ]] || mkdir -p "$KEEP" || die "cannot create $KEEP"

TMP=$(mktemp -d /tmp/tlchurn.XXXXXX) || die "mktemp failed"

echo "building churn in $BIN"
"$CC" -O2 -Wall -pthread -o "$BIN/churn" "$HERE/churn.c" || die "build churn failed"

nsx() { ip netns exec "$NS" "$@"; }

# utime + stime of process $1 in clock ticks
cpu_ticks() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	s=${s##*) } # past "pid (comm) "
	# shellcheck disable=SC2086
	set -- $s # state ppid pgrp ... : utime is field 12, stime 13 from here
	echo $((${12} + ${13}))
}

HZ=$(getconf CLK_TCK)
declare -a ROWS

pct() { awk -v a="$1" -v n="$2" 'BEGIN { if (n) printf "%.1f", 100 * a / n; else print "-" }'; }

for rate in $RATES; do
	echo "== rate $rate/s for $DURATION s"
	ip netns add "$NS" || die "ip netns add $NS failed"
	NS_MADE=1
	ip -n "$NS" link set lo up || die "lo up failed"
	nsx sh -c '
		echo "10000 65535" > /proc/sys/net/ipv4/ip_local_port_range &&
		echo 2000000 > /proc/sys/net/ipv4/tcp_max_tw_buckets &&
		echo 0 > /proc/sys/net/ipv4/tcp_tw_reuse &&
		echo 65535 > /proc/sys/net/core/somaxconn' ||
		die "setting sysctls in $NS failed"

	EV=$TMP/events.$rate
	ERR=$TMP/stderr.$rate
	PORTS=$TMP/ports.$rate
	CH=$TMP/churn.$rate
	# ip netns exec execs the command: $! is tcpladder itself
	# shellcheck disable=SC2086
	ip netns exec "$NS" "$TCPLADDER" --events --json $TL_ARGS >"$EV" 2>"$ERR" &
	TL_PID=$!
	sleep 1 # first dump done, destroy events subscribed
	kill -0 "$TL_PID" 2>/dev/null || die "tcpladder exited at start: $(cat "$ERR")"
	[[ $(cat "/proc/$TL_PID/comm") == tcpladder ]] || die "pid $TL_PID is not tcpladder"

	C0=$(cpu_ticks "$TL_PID") || die "cannot read /proc/$TL_PID/stat"
	W0=$EPOCHREALTIME
	# Foreground, so that Ctrl-C reaches churn and then the INT trap fires.
	# shellcheck disable=SC2086
	nsx "$BIN/churn" --rate "$rate" --duration "$DURATION" --ports "$PORTS" \
		$CHURN_ARGS >"$CH" 2>"$CH.err"
	rc=$?
	if ((rc > 128)); then # killed by a signal (Ctrl-C reaches it too)
		echo "churn.sh: interrupted" >&2
		exit "$rc"
	fi
	((rc == 0)) || die "churn failed: $(cat "$CH.err")"
	sed 's/^/    churn: /' "$CH"
	sed 's/^/    /' "$CH.err"
	sleep "$SETTLE"
	C1=$(cpu_ticks "$TL_PID") || die "tcpladder exited during the run (interrupted?): $(cat "$ERR")"
	W1=$EPOCHREALTIME
	stop_tl
	del_ns

	LOST=$(grep -c 'destroy events were lost' "$ERR")
	OTHER=$(grep -v 'destroy events were lost' "$ERR" | grep -c .)
	if ((LOST + OTHER > 0)); then
		echo "    tcpladder stderr ($LOST lost-event warnings):"
		sort "$ERR" | uniq -c | sort -rn | head -n 5 | sed 's/^/      /'
	fi
	ACH=$(sed -n 's/.*achieved_rate=\([0-9.]*\).*/\1/p' "$CH")
	CPU=$(awk -v a="$C0" -v b="$C1" -v hz="$HZ" -v w0="$W0" -v w1="$W1" \
		'BEGIN { printf "%.1f", 100 * (b - a) / hz / (w1 - w0) }')

	# one line per relevant event: event local remote to
	jq -r 'select(.event == "open" or .event == "close" or .to == "TIME-WAIT")
		| [.event, .local, .remote, .to] | @tsv' "$EV" >"$TMP/ev.tsv" ||
		die "jq could not parse tcpladder's output"
	STATS=$(awk -F'\t' '
		FNR == NR {
			split($0, p, " ")
			k = "127.0.0.1:" p[1] " 127.0.0.1:" p[2]
			if (k in cli) dup++ # tuple reused: the first one had no TIME-WAIT
			else n++
			cli[k] = 1
			srv["127.0.0.1:" p[2] " 127.0.0.1:" p[1]] = 1
			next
		}
		{
			k = $2 " " $3
			if (k in cli) {
				if ($1 == "open") co[k] = 1
				if ($1 == "close" || $4 == "TIME-WAIT") ce[k] = 1
			} else if (k in srv) {
				if ($1 == "open") so[k] = 1
				if ($1 == "close") se[k] = 1
			}
		}
		END {
			for (k in cli) {
				ca += (k in co); cb += (k in ce); cw += (k in co) && (k in ce)
			}
			for (k in srv) {
				sa += (k in so); sb += (k in se); sw += (k in so) && (k in se)
			}
			printf "%d %d %d %d %d %d %d %d\n", n, ca, cb, cw, sa, sb, sw, dup
		}' "$PORTS" "$TMP/ev.tsv")
	read -r N CO CE CW SO SE SW DUP <<<"$STATS"
	EVENTS=$(wc -l <"$EV")
	# slowest dump and longest interval tcpladder reported during the run
	IV=$(jq -r '[.interval_ms, .dump_ms] | @tsv' "$EV" | awk -F'\t' '
		$1 > i { i = $1 } $2 > d { d = $2 } END { printf "%.0f/%.0f", i, d }')
	echo "    connections $N; client end: open $CO, TIME-WAIT/close $CE, both $CW;" \
		"server end: open $SO, close $SE, both $SW"
	((DUP == 0)) || echo "    note: $DUP 4-tuples were used twice (the earlier connection" \
		"left no TIME-WAIT, e.g. it was reset); each is counted once"
	echo "    tcpladder: $EVENTS events, CPU $CPU% of one core," \
		"max interval/dump ms $IV, lost-event warnings $LOST"
	ROWS+=("$(printf '%8s %10s %12s %11s %11s %8s %6s %10s' "$rate" "${ACH:-?}" "$N" \
		"$(pct "$CW" "$N")" "$(pct "$SW" "$N")" "$CPU" "$LOST" "$IV")")
	if [[ -n $KEEP ]]; then
		cp "$EV" "$ERR" "$PORTS" "$CH" "$CH.err" "$KEEP/" ||
			echo "warning: could not copy raw files to $KEEP"
	fi
done

echo
echo "kernel $(uname -r), $(nproc) CPUs; DURATION=$DURATION s, SETTLE=$SETTLE s," \
	"tcpladder --events --json${TL_ARGS:+ $TL_ARGS}"
printf '%8s %10s %12s %11s %11s %8s %6s %10s\n' target/s achieved/s connections \
	"client %" "server %" "TL CPU%" lost "maxiv/dump"
for row in "${ROWS[@]}"; do echo "$row"; done
echo "client % / server %: share of connections whose client (server) end was seen"
echo "whole (open + TIME-WAIT or close; open + close); TL CPU%: tcpladder's CPU"
echo "time over wall time, churn start to SIGINT, one core = 100; lost: destroy-"
echo "event loss warnings on tcpladder's stderr; maxiv/dump: longest dump interval"
echo "and slowest dump, ms, as reported in the events."
