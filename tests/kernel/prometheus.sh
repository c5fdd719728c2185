#!/bin/bash
# End to end: a real Prometheus server, started on loopback in a private
# namespace with contrib's alert rules, scrapes tcpladder's /metrics; a
# query through its HTTP API returns the CLOSE-WAIT count of a leaking
# server in that namespace, and the target is up.
. "${top_srcdir:-.}/tests/kernel/lib.sh"
require_netns
require_cmd "prometheus (Debian's prometheus package)" prometheus

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export T
cp "${top_srcdir:-.}/contrib/prometheus/tcpladder-alerts.yml" "$T/"
cat >"$T/prometheus.yml" <<'EOF2'
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - tcpladder-alerts.yml
scrape_configs:
  - job_name: tcpladder
    static_configs:
      - targets: ['127.0.0.1:9464']
EOF2

in_netns '
	start_sockgen -c leaky close-wait=5 established=2 || { echo sockgen >"$T/err"; exit 1; }
	echo "$SG_PID" >"$T/pid"
	"$TCPLADDER" --metrics-listen 127.0.0.1:9464 -d 0.2 2>"$T/tl.err" &
	TL=$!
	prometheus --config.file="$T/prometheus.yml" --storage.tsdb.path="$T/data" \
		--web.listen-address=127.0.0.1:9090 >"$T/prom.log" 2>&1 &
	PR=$!
	API=http://127.0.0.1:9090/api/v1
	q() { curl -sG --data-urlencode "query=$1" "$API/query" 2>/dev/null | jq -r ".data.result[0].value[1] // empty"; }
	cw() { [ "$(q "sum(tcpladder_tcp_close_wait_sockets{comm=\"leaky\"})")" = 5 ]; }
	wait_for 120 cw && echo yes >"$T/cw"
	q "sum(tcpladder_tcp_close_wait_sockets{comm=\"leaky\"})" >"$T/cw.value"
	q "up{job=\"tcpladder\"}" >"$T/up"
	q "sum(tcpladder_tcp_sockets{state=\"CLOSE-WAIT\"})" >"$T/state.value"
	q "tcpladder_tcp_close_wait_sockets{comm=\"leaky\"}" >/dev/null
	curl -sG --data-urlencode "query=tcpladder_tcp_close_wait_sockets{comm=\"leaky\"}" "$API/query" |
		jq -r ".data.result[0].metric.pid" >"$T/pid.label"
	curl -s "$API/rules" | jq "[.data.groups[].rules[]] | length" >"$T/rules"
	curl -s "$API/targets" | jq -r ".data.activeTargets[0].lastError" >"$T/lasterror"
	end_pid TERM "$PR"
	end_pid TERM "$TL"
	stop_sockgen
'
if [ -s "$T/err" ]; then
	not_ok "set-up"
	diag "$T/tl.err"
fi
check "Prometheus returns the leaking server's CLOSE-WAIT count (5)" [ -s "$T/cw" ]
[ -s "$T/cw" ] || { diag "$T/cw.value" "$T/lasterror"; tail -n 20 "$T/prom.log" | diag /dev/stdin; }
check "the CLOSE-WAIT state's sockets agree (5)" [ "$(cat "$T/state.value")" = 5 ]
check "its pid is a label ($(cat "$T/pid" 2>/dev/null))" [ "$(cat "$T/pid.label")" = "$(cat "$T/pid")" ]
check "the target is up" [ "$(cat "$T/up")" = 1 ]
check "the target's last scrape had no error" [ -z "$(cat "$T/lasterror")" ]
check "contrib's five alert rules are loaded" [ "$(cat "$T/rules")" = 5 ]
done_testing
