#!/bin/bash
# The filter's pid and comm terms, applied in user space by owner: --once
# counts what ss -p attributes to the process, --events prints the events
# of that process's sockets only, and the terms are refused where owners
# are not looked up.  In private namespaces.
. "${top_srcdir:-.}/tests/kernel/lib.sh"
require_netns
require_cmd jq jq
require_cmd ss ss

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export T

# Two processes: sockgen named alpha (2 listeners, 3 connections to its
# own helper listener) and a python3 listener.
in_netns '
	python3 -c "import socket,time
s=socket.socket(); s.bind((\"127.0.0.1\", 9300)); s.listen(); time.sleep(600)" &
	py=$!
	start_sockgen -p 9100 -c alpha listen=2 established=3 || exit 1
	wait_for 30 sh -c "ss -tanH state listening | grep -q :9300"
	echo "$SG_PID" >"$T/sg.pid"
	ss -tanpH >"$T/ss.txt"
	"$TCPLADDER" --once --json "comm alpha" >"$T/alpha.json"
	"$TCPLADDER" --once --json "pid = $SG_PID" >"$T/pid.json"
	"$TCPLADDER" --once --json "comm py*" >"$T/py.json"
	"$TCPLADDER" --once --json "not comm alpha" >"$T/notalpha.json"
	"$TCPLADDER" --once --json >"$T/all.json"
	"$TCPLADDER" --once --json "comm alpha and sport = :9100" >"$T/alpha9100.json"
	"$TCPLADDER" --once --json "comm nosuch" >"$T/none.json"
	stop_sockgen
	kill $py
'
total() { jq -r '.tcp.total' "$1"; }
ss_alpha=$(grep -c '"alpha"' "$T/ss.txt")
check "ss -p sees alpha's sockets ($ss_alpha)" [ "$ss_alpha" -gt 0 ]
check "comm alpha: as many as ss -p attributes to it ($(total "$T/alpha.json"))" \
	[ "$(total "$T/alpha.json")" = "$ss_alpha" ]
check "pid = N: the same sockets" [ "$(total "$T/pid.json")" = "$ss_alpha" ]
check "comm py*: python3's one listener" [ "$(total "$T/py.json")" = 1 ]
check "not comm alpha: all the others" \
	[ "$(total "$T/notalpha.json")" = $(($(total "$T/all.json") - ss_alpha)) ]
check "comm and sport: one listener" [ "$(total "$T/alpha9100.json")" = 1 ]
check "comm nosuch: none" [ "$(total "$T/none.json")" = 0 ]

# --events: sockgen alpha and sockgen beta make connections; only
# alpha's are printed.
in_netns '
	"$TCPLADDER" --events --json --no-exact -d 0.1 "comm alpha" >"$T/ev.json" 2>"$T/ev.err" &
	tl=$!
	for round in $(seq 20); do
		rm -f "$T/expect"
		(sleep 3 | "$SOCKGEN" -p $((9400 + 10 * round)) -c beta established=1 >/dev/null 2>&1) &
		beta=$!
		start_sockgen -p $((9600 + 10 * round)) -c alpha established=1 || exit 1
		for _ in $(seq 60); do
			grep -q "127.0.0.1:96" "$T/ev.json" && break
			sleep 0.1
		done
		stop_sockgen
		wait $beta
		grep -q "127.0.0.1:96" "$T/ev.json" && break
	done
	kill -INT $tl
	wait $tl
	echo $? >"$T/ev.rc"
' 2>/dev/null
check "--events: ends cleanly" [ "$(cat "$T/ev.rc")" = 0 ]
check "--events comm alpha: alpha's connections" grep -q '"comm":"alpha"' "$T/ev.json"
check "--events comm alpha: no other process's" \
	[ -z "$(jq -r 'select(.comm != null and .comm != "alpha") | .comm' "$T/ev.json")" ]
check "--events comm alpha: none of beta's ports" [ "$(grep -c '127.0.0.1:94' "$T/ev.json")" = 0 ]
check "--events: nothing on stderr" [ ! -s "$T/ev.err" ]

# Where owners are not looked up, the terms are refused.
refused() {
	"$TCPLADDER" "$@" >"$T/out" 2>"$T/err"
	[ $? = 2 ] && [ "$(wc -l <"$T/err")" -le 2 ] && grep -q "pid and comm" "$T/err"
}
check "--no-owners with comm: usage error" refused --once --no-owners "comm x"
check "--follow with pid: usage error" refused --events --follow "pid = 1" -n 1
check "a bad pid: usage error" bash -c '"$TCPLADDER" --once "pid = x" 2>&1 >/dev/null | grep -q "invalid process id"'
done_testing
