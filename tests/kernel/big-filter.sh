#!/bin/bash
# Filters with thousands of conditions: their bytecode goes to the kernel
# in a request sized for it (up to the 64 KiB an attribute holds), bigger
# ones are evaluated in user space; --once counts what ss counts for an
# equivalent short filter, --events runs clean.  A FILTER of eleven groups
# of 200 port conditions once overflowed the 32 KiB request buffer.
. "${top_srcdir:-.}/tests/kernel/lib.sh"
require_netns

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export T

# join SEP: the lines of stdin joined by SEP.
join() { awk -v sep="$1" 'NR > 1 { printf "%s", sep } { printf "%s", $0 } END { print "" }'; }

# Each case: NAME.f the FILTER, NAME.ss ss's equivalent; the size of its bytecode.
# Eleven parenthesised groups of 200 dport conditions (35,196 bytes):
for g in $(seq 0 10); do
	seq $((18000 + 200 * g)) $((18199 + 200 * g)) | sed 's/^/dport = :/' | join ' or ' |
		sed 's/^/(/; s/$/)/'
done | join ' or ' >"$T/groups.f"
echo 'dport >= :18000 and dport <= :20199' >"$T/groups.ss"
# 1,200 IPv6 dst conditions in one flat list (38,396 bytes):
{ seq 1 1199 | awk '{ printf "dst [2001:db8::%x]\n", $1 }'; echo 'dst [::1]:21001'; } |
	join ' or ' >"$T/v6.f"
echo 'dst [::1]:21001' >"$T/v6.ss"
# 5,000 sport conditions (about 80 KB: more than an attribute holds):
seq 16000 20999 | sed 's/^/sport = :/' | join ' or ' >"$T/huge.f"
echo 'sport >= :16000 and sport <= :20999' >"$T/huge.ss"
# 3,000 alternating "and" and "or", no parentheses (42,020 bytes):
seq 17501 19000 | awk '{ printf "sport = :%d and dport = :20002\n", $1 }' | join ' or ' |
	sed 's/$/ or sport = :20002 and dport >= :32768/' >"$T/alt.f"
echo '( sport = :20002 and dport >= :32768 )' >"$T/alt.ss"
CASES="groups v6 huge alt"

inner='
set -f
n=0
start_sg() { # NAME SOCKGEN-ARGS...
	local name=$1 fd
	shift
	mkfifo "$T/$name.in"
	"$SOCKGEN" "$@" <"$T/$name.in" >"$T/$name.out" 2>"$T/$name.err" &
	exec {fd}<>"$T/$name.in"
	fds="$fds $fd"
	pids="$pids $!"
	for _ in $(seq 200); do
		grep -qx ready "$T/$name.out" 2>/dev/null && return 0
		kill -0 "$!" 2>/dev/null || break
		sleep 0.05
	done
	echo "sockgen $name did not start: $(cat "$T/$name.err")" >>"$T/err"
	return 1
}
start_sg a -p 20000 listen=2 established=2 time-wait=1 &&
start_sg b -6 -p 21000 listen=1 established=1
if [ ! -s "$T/err" ]; then
	ss -tanH >"$T/all.raw"
	for c in '"$CASES"'; do
		# shellcheck disable=SC2046
		ss -tanH $(cat "$T/$c.ss") | awk "{ print \$1 }" >"$T/$c.ssraw"
		"$TCPLADDER" --once --json --no-owners "$(cat "$T/$c.f")" >"$T/$c.json" 2>"$T/$c.err"
		echo $? >"$T/$c.rc"
		"$TCPLADDER" --events -n 2 -d 0.05 "$(cat "$T/$c.f")" >"$T/$c.ev" 2>"$T/$c.everr"
		echo $? >"$T/$c.evrc"
		"$TCPLADDER" --events --json -n 2 -d 0.05 "$(cat "$T/$c.f")" >"$T/$c.evj" 2>>"$T/$c.everr"
		echo $? >>"$T/$c.evrc"
	done
fi
for fd in $fds; do exec {fd}>&-; done
for pid in $pids; do wait "$pid"; done
'
in_netns "$inner"

if [ -s "$T/err" ]; then
	not_ok "set-up: socket generators"
	diag "$T/err"
	done_testing
	exit
fi

for c in $CASES; do
	desc="$c ($(wc -c <"$T/$c.f") bytes of FILTER)"
	check "--once, $desc: exit status 0" [ "$(cat "$T/$c.rc")" = 0 ]
	if [ -s "$T/$c.err" ]; then
		not_ok "--once, $desc: nothing on stderr"
		head -c 2000 "$T/$c.err" | diag
	else
		ok "--once, $desc: nothing on stderr"
	fi
	awk '{ s = $1; if (s == "ESTAB") s = "ESTABLISHED"; c[s]++ }
		END { for (s in c) print s, c[s] }' "$T/$c.ssraw" | LC_ALL=C sort >"$T/$c.want"
	jq -r '.tcp.states | to_entries[] | select(.value > 0) | "\(.key) \(.value)"' \
		"$T/$c.json" 2>/dev/null | LC_ALL=C sort >"$T/$c.got"
	if [ -s "$T/$c.want" ] && diff -u "$T/$c.want" "$T/$c.got" >"$T/diff"; then
		ok "--once, $desc: counts = ss $(cat "$T/$c.ss") ($(paste -sd, "$T/$c.got"))"
	else
		not_ok "--once, $desc: counts = ss $(cat "$T/$c.ss")"
		diag "$T/diff"
	fi
	check "--events -n 2, $desc: exit status 0, text and JSON" \
		[ "$(paste -sd' ' "$T/$c.evrc")" = "0 0" ]
	if [ -s "$T/$c.everr" ]; then
		not_ok "--events -n 2, $desc: nothing on stderr"
		head -c 2000 "$T/$c.everr" | diag
	else
		ok "--events -n 2, $desc: nothing on stderr"
	fi
done
# The cases cover both paths: bytecode in the kernel, and user space.
check "the sockets the cases select differ" [ "$(cat "$T"/*.want | sort -u | wc -l)" -ge 3 ]

done_testing
