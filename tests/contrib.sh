#!/bin/bash
# contrib/: the alert rules pass promtool's checks and their unit tests
# (tcpladder-alerts.test.yml), and those tests can fail: each mutant of the
# expectations (an alert expected where none fires, an alert not expected
# where one does, a wrong value) must be refused.  The scrape configuration
# is valid; the systemd unit passes systemd-analyze verify.
. "${top_srcdir:-.}/tests/kernel/lib.sh"

P=${top_srcdir:-.}/contrib/prometheus
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

require_cmd "promtool (Debian's prometheus package)" promtool

check "promtool check rules" quiet promtool check rules "$P/tcpladder-alerts.yml"
cp "$P/tcpladder-alerts.yml" "$P/tcpladder-alerts.test.yml" "$P/prometheus.yml" "$T/"
check "promtool test rules" quiet promtool test rules "$T/tcpladder-alerts.test.yml"
check "promtool check config (the scrape configuration and its rules)" \
	quiet promtool check config "$T/prometheus.yml"

# mutant NAME SED-EXPRESSION: the expectations changed must fail.
mutant() {
	sed "$2" "$P/tcpladder-alerts.test.yml" >"$T/mutant.yml"
	if cmp -s "$T/mutant.yml" "$P/tcpladder-alerts.test.yml"; then
		not_ok "mutant '$1' changed nothing (the test file moved on: update the mutant)"
	elif promtool test rules "$T/mutant.yml" >"$T/out" 2>&1; then
		not_ok "mutant '$1' is refused"
		diag "$T/out"
	else
		ok "mutant '$1' is refused"
	fi
}
mutant "the leak alert expected before it fires" '0,/eval_time: 12m/s//eval_time: 10m/'
mutant "no alert expected for a growing leak" '0,/^      - eval_time: 10m$/s//      - eval_time: 30m/'
mutant "a wrong count in the description" 's/"30 CLOSE-WAIT sockets/"29 CLOSE-WAIT sockets/'
mutant "the busy server expected to fire" 's/comm: leaky/comm: busy/; s/pid: "42"/pid: "43"/; s/leaky (pid 42)/busy (pid 43)/'
mutant "TIME-WAIT below 80% expected to fire" 's/{severity: warning, instance: a}\(.*\)$/{severity: warning, instance: b}\1/'
mutant "a stalled exporter not flagged" 's/values: .0+60x5 300x15./values: "0+60x20"/'
# The rules themselves weakened: the tests must notice.
sed 's/> 600/> 6000/' "$P/tcpladder-alerts.yml" >"$T/tcpladder-alerts.yml"
if promtool test rules "$T/tcpladder-alerts.test.yml" >/dev/null 2>&1; then
	not_ok "a weakened rule (CLOSE-WAIT age 6000 s) is caught"
else
	ok "a weakened rule (CLOSE-WAIT age 6000 s) is caught"
fi
cp "$P/tcpladder-alerts.yml" "$T/"

if command -v systemd-analyze >/dev/null; then
	sed -e "s|/usr/local/bin/tcpladder|${TCPLADDER:-/bin/true}|" -e '/^Documentation=/d' \
		"${top_srcdir:-.}/contrib/systemd/tcpladder-exporter.service" >"$T/tcpladder-exporter.service"
	systemd-analyze verify "$T/tcpladder-exporter.service" >"$T/verify" 2>&1
	if [ ! -s "$T/verify" ]; then
		ok "systemd-analyze verify: the unit"
	else
		not_ok "systemd-analyze verify: the unit"
		diag "$T/verify"
	fi
elif [ "${CI:-}" = true ]; then
	not_ok "systemd-analyze missing (CI=true: not skipping)"
else
	ok "# SKIP systemd-analyze missing"
fi
done_testing
