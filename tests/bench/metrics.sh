#!/usr/bin/env bash
# tcpladder metrics benchmark, by hand (not run by "make check").
#
#   sudo tests/bench/metrics.sh
#
# In a private network namespace (unshare -n, gone when this ends) filled
# by loadgen with ~110k TCP sockets, CLOSE-WAIT held by 100 worker
# processes, runs tcpladder --metrics-listen headless and measures:
#   - a scrape: tcpladder's own CPU time per scrape (200 scrapes with a
#     1-hour interval, so no sample falls between them) and curl's wall
#     time (median of 50);
#   - a sample: the dump's CPU and wall time (tcpladder_sample_cpu_seconds,
#     tcpladder_sample_duration_seconds) and tcpladder's whole CPU time per
#     sample (dump, tracker, owners, rendering, publishing) over SAMPLES
#     samples at full budget;
#   - the steady state: its CPU share over STEADY seconds with the default
#     interval and budget;
#   - the size of the output.
#
# Environment: TCPLADDER=path (default ../../src/tcpladder), SAMPLES=10, STEADY=60,
# LOADGEN_ARGS (default 10 listeners, 35000 established pairs, 10000
# CLOSE-WAIT, 20000 TIME-WAIT, 100 workers: the fd limit may be 1024).
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TCPLADDER=${TCPLADDER:-$HERE/../../src/tcpladder}
SAMPLES=${SAMPLES:-10}
STEADY=${STEADY:-60}
LOADGEN_ARGS=${LOADGEN_ARGS:---listen 10 --established 35000 --close-wait 10000 --time-wait 20000 --workers 100 --fds-per-worker 2000}
export TCPLADDER SAMPLES STEADY LOADGEN_ARGS HERE
[[ $EUID -eq 0 ]] || { echo "metrics.sh: must run as root" >&2; exit 1; }
gcc -O2 -Wall -o "$HERE/loadgen" "$HERE/loadgen.c" || exit 1

exec unshare -n bash -c '
set -uo pipefail
ip link set lo up
sysctl -qw net.ipv4.tcp_max_tw_buckets=1000000 net.ipv4.ip_local_port_range="10000 65000" \
	net.ipv4.tcp_tw_reuse=0 net.ipv4.tcp_fin_timeout=600
T=$(mktemp -d)
mkfifo "$T/lg.in"
"$HERE/loadgen" $LOADGEN_ARGS <"$T/lg.in" >"$T/lg.out" 2>"$T/lg.err" &
LG=$!
exec 7<>"$T/lg.in"
until grep -qx ready "$T/lg.out" 2>/dev/null; do
	kill -0 $LG 2>/dev/null || { cat "$T/lg.err"; exit 1; }
	sleep 0.5
done
echo "sockets: $(ss -tanH | wc -l)"
cpu() { awk "{ print \$14 + \$15 }" "/proc/$1/stat"; } # clock ticks
tick=$(getconf CLK_TCK)
URL=http://127.0.0.1:9464/metrics
metric() { curl -s "$URL" | awk -v m="$1" "\$1 == m { print \$2 }"; }

# A scrape: a 1-hour interval, so only the first sample is taken.
"$TCPLADDER" --metrics-listen 127.0.0.1:9464 -d 3600 2>"$T/tl.err" &
TL=$!
until curl -sf "$URL" -o "$T/out.prom"; do sleep 0.2; done
echo "output: $(wc -c <"$T/out.prom") bytes, $(grep -vc "^#" "$T/out.prom") series," \
	"$(grep -c "^tcpladder_tcp_close_wait_sockets{" "$T/out.prom") CLOSE-WAIT owner series"
# What it costs with no scrape (loadgen keeps TIME-WAIT refreshed: destroy
# events arrive all the time), over 10 s, is subtracted.
i0=$(cpu $TL); sleep 10; i1=$(cpu $TL)
c0=$(cpu $TL); w0=$EPOCHREALTIME
for i in $(seq 500); do echo "url = \"$URL\""; echo "output = /dev/null"; done >"$T/curl.cfg"
curl -s -K "$T/curl.cfg"
c1=$(cpu $TL); w1=$EPOCHREALTIME
echo "idle: $((i1 - i0)) ticks in 10 s"
echo "scrape: tcpladder CPU $(awk -v a=$c0 -v b=$c1 -v i=$((i1 - i0)) -v w0=$w0 -v w1=$w1 -v t=$tick "BEGIN { printf \"%.3f\", ((b - a) - i * (w1 - w0) / 10) / t / 500 * 1000 }") ms a scrape, idle cost subtracted (500 scrapes over one keep-alive connection in $(awk -v a=$w0 -v b=$w1 "BEGIN { printf \"%.2f\", b - a }") s, $((c1 - c0)) ticks)"
c0=$(cpu $TL); w0=$EPOCHREALTIME
for i in $(seq 200); do curl -s -o /dev/null -w "%{time_total}\n" "$URL"; done >"$T/walls"
c1=$(cpu $TL); w1=$EPOCHREALTIME
echo "scrape: tcpladder CPU $(awk -v a=$c0 -v b=$c1 -v i=$((i1 - i0)) -v w0=$w0 -v w1=$w1 -v t=$tick "BEGIN { printf \"%.3f\", ((b - a) - i * (w1 - w0) / 10) / t / 200 * 1000 }") ms a scrape, idle cost subtracted (200 scrapes, a connection each, $((c1 - c0)) ticks)"
sort -n "$T/walls" | sed -n 100p |
	awk "{ printf \"scrape: wall %.3f ms (median of 200, curl, a connection each)\n\", \$1 * 1000 }"
echo "samples taken during the scrapes: $(metric tcpladder_samples_total) (1 means none)"
kill $TL; wait $TL

# A sample: at full budget, as fast as it goes.
"$TCPLADDER" --metrics-listen 127.0.0.1:9464 -d 0.01 --cpu-budget 100 2>"$T/tl.err" &
TL=$!
until curl -sf "$URL" -o /dev/null; do sleep 0.2; done
s0=$(metric tcpladder_samples_total); c0=$(cpu $TL)
until [ "$(metric tcpladder_samples_total)" -ge $((s0 + SAMPLES)) ]; do sleep 0.2; done
s1=$(metric tcpladder_samples_total); c1=$(cpu $TL)
echo "dump: CPU $(metric tcpladder_sample_cpu_seconds) s, wall $(metric tcpladder_sample_duration_seconds) s (the last)"
echo "sample: tcpladder CPU $(awk -v a=$c0 -v b=$c1 -v t=$tick -v n=$((s1 - s0)) "BEGIN { printf \"%.1f\", (b - a) / t / n * 1000 }") ms a sample, all included ($((s1 - s0)) samples)"
kill $TL; wait $TL

# The steady state: the defaults (interval and budget), no scrapes but
# the two that count the samples, over STEADY seconds after the first.
"$TCPLADDER" --metrics-listen 127.0.0.1:9464 2>"$T/tl.err" &
TL=$!
until [ "$(metric tcpladder_samples_total 2>/dev/null)" -ge 1 ] 2>/dev/null; do sleep 0.2; done
s0=$(metric tcpladder_samples_total); c0=$(cpu $TL); w0=$EPOCHREALTIME
sleep "$STEADY"
s1=$(metric tcpladder_samples_total); c1=$(cpu $TL); w1=$EPOCHREALTIME
echo "steady: tcpladder CPU $(awk -v a=$c0 -v b=$c1 -v t=$tick -v w0=$w0 -v w1=$w1 "BEGIN { printf \"%.1f%%\", 100 * (b - a) / t / (w1 - w0) }") of one core over $(awk -v a=$w0 -v b=$w1 "BEGIN { printf \"%.0f\", b - a }") s, $((s1 - s0)) samples (the default budget; the interval at the end $(metric tcpladder_sample_interval_seconds) s)"
kill $TL; wait $TL
exec 7>&-
wait $LG
rm -rf "$T"
'
