#!/bin/bash
# ui.sh: the interactive view's costs (issue 4), run by hand as root.
#  1. frame: building one 200x60 frame with 100k sockets tracked, and the
#     table re-sort after a sample (tests/bench/frame.c, no terminal).
#  2. idle: tcpladder's CPU share of one core, default settings, in tmux,
#     in a private namespace holding about 1000 sockets.
# Env: TCPLADDER (default ../../_build/src/tcpladder), BUILD (the build dir
# with libtlcore.a and config.h), IDLE_SECONDS (default 30).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD:-$here/../../_build}
TCPLADDER=${TCPLADDER:-$BUILD/src/tcpladder}
SOCKGEN=${SOCKGEN:-$BUILD/tests/kernel/sockgen}
IDLE_SECONDS=${IDLE_SECONDS:-30}
tmp=$(mktemp -d)
sock=tlbench$$
trap 'tmux -L $sock kill-server 2>/dev/null; rm -rf "$tmp"' EXIT

gcc -O2 -I"$here/../../include" -include "$BUILD/config.h" -o "$tmp/frame" "$here/frame.c" \
	"$BUILD/libtlcore.a" -lmnl
echo "== frame cost"
"$tmp/frame" 100000 200 60

echo "== idle CPU, ~1000 sockets, default settings, ${IDLE_SECONDS}s"
unshare -n bash -c '
	ip link set lo up
	tmux -L "$0" -f /dev/null new-session -d -s main -x 200 -y 60 \
		"(sleep 3600) | \"$1\" established=500 >\"$2/sg\" 2>&1 &
		 for i in \$(seq 50); do grep -q ready \"$2/sg\" && break; sleep 0.1; done
		 LANG=C.UTF-8 \"$3\"; sleep 3600"
' "$sock" "$SOCKGEN" "$tmp" "$TCPLADDER"
sleep 3
pid=$(pgrep -n -f "^$TCPLADDER\$")
ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
t0=$(ticks)
s0=$(date +%s%N)
sleep "$IDLE_SECONDS"
t1=$(ticks)
s1=$(date +%s%N)
tmux -L "$sock" capture-pane -p -t main | head -1
awk -v t="$((t1 - t0))" -v hz="$hz" -v ns="$((s1 - s0))" \
	'BEGIN { printf "tcpladder CPU: %.2f%% of one core (%d ticks in %.1f s)\n", 100 * t / hz / (ns / 1e9), t, ns / 1e9 }'
