#!/bin/sh
# tcpladder by-hand benchmark (not run by "make check"): how fast a
# recording grows.  In a private namespace, loadgen holds about 110k
# sockets (35k established pairs, 10k CLOSE-WAIT with their FIN-WAIT-2
# peers, 20k TIME-WAIT) while churn opens and closes RATE connections a
# second; `tcpladder --events --json --record FILE $TL_ARGS` watches.
# After WARMUP seconds the file's size is read, again SECONDS_RUN seconds
# later, and the growth is printed per second and per hour, with the
# number of samples in between (a key frame of every socket every ten
# minutes, changes between).  KEEP=PATH keeps the recording there (and the live
# and replayed events beside it, PATH.live.json and PATH.replay.json).
#
#   sudo RATE=1000 WARMUP=30 SECONDS_RUN=120 TL_ARGS=--no-exact tests/bench/record.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD:-$here/../../_build}
TCPLADDER=${TCPLADDER:-$BUILD/src/tcpladder}
RATE=${RATE:-1000}
WARMUP=${WARMUP:-30}
SECONDS_RUN=${SECONDS_RUN:-120}
LOADGEN_ARGS=${LOADGEN_ARGS:---listen 10 --established 35000 --close-wait 10000 --time-wait 20000}
TL_ARGS=${TL_ARGS:-}
KEEP=${KEEP:-}
CC=${CC:-gcc}
[ "$(id -u)" = 0 ] || { echo "record.sh: needs root (a private namespace)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$CC" -O2 -Wall -o "$tmp/loadgen" "$here/loadgen.c"
"$CC" -O2 -Wall -pthread -o "$tmp/churn" "$here/churn.c"
export TCPLADDER RATE WARMUP SECONDS_RUN LOADGEN_ARGS TL_ARGS KEEP tmp

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
	exec 7<>"$tmp/lg.in"
	for _ in $(seq 3000); do grep -qx ready "$tmp/lg.out" && break; sleep 0.1; done
	grep -qx ready "$tmp/lg.out" || { cat "$tmp/lg.err"; exit 1; }
	echo "loadgen: $(ss -tanH | wc -l) sockets"
	$TCPLADDER --events --json --record "$tmp/rec.tlr" $TL_ARGS >"$tmp/ev.json" 2>"$tmp/tl.err" 7>&- &
	tl=$!
	"$tmp/churn" --rate "$RATE" --duration $((WARMUP + SECONDS_RUN + 5)) >"$tmp/churn.out" 2>&1 7>&- &
	ch=$!
	sleep "$WARMUP"
	s0=$(stat -c %s "$tmp/rec.tlr"); e0=$(wc -l <"$tmp/ev.json")
	sleep "$SECONDS_RUN"
	s1=$(stat -c %s "$tmp/rec.tlr"); e1=$(wc -l <"$tmp/ev.json")
	echo "sockets at the end: $(ss -tanH | wc -l)"
	kill -INT $tl; wait $tl || true
	wait $ch || true
	exec 7>&-
	echo "events in the window: $((e1 - e0)) ($(((e1 - e0) / SECONDS_RUN))/s)"
	echo "recording grew $((s1 - s0)) bytes in $SECONDS_RUN s:" \
		"$(((s1 - s0) / SECONDS_RUN)) B/s, $(((s1 - s0) * 3600 / SECONDS_RUN / 1000000)) MB/h"
	echo "whole file: $(stat -c %s "$tmp/rec.tlr") bytes"
	"$TCPLADDER" --replay "$tmp/rec.tlr" --events --json --speed max >"$tmp/rep.json" 2>"$tmp/rep.err" || true
	cmp -s "$tmp/ev.json" "$tmp/rep.json" && echo "replay: the same events" ||
		echo "replay: differs ($(wc -l <"$tmp/rep.json") lines; $(cat "$tmp/rep.err"))"
	[ -z "$KEEP" ] || { cp "$tmp/rec.tlr" "$KEEP"; cp "$tmp/ev.json" "$KEEP.live.json"
		cp "$tmp/rep.json" "$KEEP.replay.json"; }
	echo "churn: $(tail -n 3 "$tmp/churn.out" | tr "\n" " ")"
	cat "$tmp/tl.err"
'
