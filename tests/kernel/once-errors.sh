#!/bin/bash
# Options, namespaces and errors of --once: exit statuses and one-line messages.
. "${top_srcdir:-.}/tests/kernel/lib.sh"
require_netns

T=$(mktemp -d)
holders=()
cleanup() {
	exec 8>&-
	for p in "${holders[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

# run ARGS...: status in $rc, stdout in $T/out, stderr in $T/err
run() {
	"$TCPLADDER" "$@" >"$T/out" 2>"$T/err"
	rc=$?
}

one_line() { [ "$(wc -l <"$T/err")" = 1 ] && grep -q '^tcpladder: ' "$T/err"; }
short_line() { one_line && [ "$(wc -c <"$T/err")" -lt 400 ]; }
usage_says() { [ "$rc" = 2 ] && grep -q -- "$1" "$T/err"; }
no_control() { ! LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$1"; }

run --help
check "--help exits 0" [ "$rc" = 0 ]
check "--help writes usage to stdout" grep -q '^Usage: tcpladder' "$T/out"
check "--help documents --once and --netns" grep -q -- '--netns' "$T/out"

run --version
check "--version exits 0" [ "$rc" = 0 ]
check "--version first line is 'tcpladder VERSION'" grep -qE '^tcpladder [0-9]+\.[0-9]+' "$T/out"

run --frobnicate
check "unknown option: exit 2" [ "$rc" = 2 ]
check "unknown option: names it and hints at --help" \
	grep -q "unrecognized option '--frobnicate'" "$T/err"
check "unknown option: hint line" grep -q "Try 'tcpladder --help'" "$T/err"
check "unknown option: nothing on stdout" [ ! -s "$T/out" ]

run --once --pid notapid
check "bad --pid: exit 2" [ "$rc" = 2 ]

run --once -N tl-no-such-namespace-$$
check "unknown namespace: exit 1" [ "$rc" = 1 ]
check "unknown namespace: one clear line" one_line
check "unknown namespace: says not found" grep -q "not found" "$T/err"
check "unknown namespace: nothing on stdout" [ ! -s "$T/out" ]

run --once --pid 2147483646
check "no such process: exit 1" [ "$rc" = 1 ]
check "no such process: one line" one_line
check "no such process: says the process does not exist" \
	grep -q "process 2147483646 does not exist" "$T/err"

# A FIFO named as a namespace: refused at once, never opened (an open
# would block for ever); timeout turns a regression into a failure.
mkfifo "$T/fifo"
timeout -k 5 20 "$TCPLADDER" --once -N "$T/fifo" >"$T/out" 2>"$T/err"
rc=$?
check "a FIFO as a namespace: exit 1, no hang" [ "$rc" = 1 ]
check "a FIFO as a namespace: one line saying so" one_line
check "a FIFO as a namespace: not a network namespace (a FIFO)" \
	grep -q "is not a network namespace (a FIFO)" "$T/err"
timeout -k 5 20 "$TCPLADDER" --events -n 1 -N "$T/fifo" >"$T/out" 2>"$T/err"
rc=$?
check "a FIFO with --events: exit 1, no hang" [ "$rc" = 1 ]
run --once -N /tmp
check "a directory as a namespace: exit 1" [ "$rc" = 1 ]
check "a directory as a namespace: says so" grep -q "not a network namespace (a directory)" "$T/err"
run --once -N /proc/self/ns/uts
check "another kind of namespace: exit 1" [ "$rc" = 1 ]
check "another kind of namespace: says so" grep -q "not a network namespace" "$T/err"

# Long echoes are cut, control bytes escaped.
big=$(head -c 100000 /dev/zero | tr '\0' x)
run --once -N "$big"
check "a 100 KB namespace name: exit 1" [ "$rc" = 1 ]
check "a 100 KB namespace name: one short line" short_line
run --once -N $'\e]2;PWN\a\e[2J'
check "a namespace name with escapes: exit 1" [ "$rc" = 1 ]
check "a namespace name with escapes: shown escaped" grep -qF '\x1b]2;PWN\x07\x1b[2J' "$T/err"
check "a namespace name with escapes: no control byte on stderr" no_control "$T/err"

# A long option given an argument: named, without a stray byte.
for opt in --once=1 --json=x --events=1; do
	run --once "$opt"
	[ "$opt" = --once=1 ] && run "$opt"
	name=${opt%%=*}
	check "$opt: exit 2" [ "$rc" = 2 ]
	check "$opt: names $name" grep -q "^tcpladder: option '$name' does not take an argument$" "$T/err"
	check "$opt: printable text only" bash -c '! LC_ALL=C grep -q "[^[:print:]]" "$1"' _ "$T/err"
done
run --netns
check "--netns without its argument: names it" \
	grep -q "^tcpladder: option '--netns' requires an argument$" "$T/err"

# Options that do not combine: exit 2 naming both, in either order.
for args in "--once --events" "--events --once" "--events --demo --once" "--once --demo"; do
	run $args
	check "$args: exit 2" [ "$rc" = 2 ]
	check "$args: names both" grep -q -- "--once and --\(events\|demo\) cannot be used together" "$T/err"
	check "$args: nothing on stdout" [ ! -s "$T/out" ]
done
run --events --ladder --json
check "--ladder --json: exit 2 naming both" usage_says "--ladder and --json cannot be used together"
run --events --ladder --ladder-format=png
check "--ladder-format=png: exit 2 naming the formats" \
	usage_says "unknown ladder format 'png' (text, svg or mermaid)"
check "... on one line and a hint" bash -c "[ \$(wc -l <'$T/err') = 2 ] && [ ! -s '$T/out' ]"
run --events --ladder-format=svg
check "--ladder-format without --ladder: exit 2" usage_says "--ladder-format needs --ladder"
run --link-delay 0.1 --events
check "--link-delay without --demo: exit 2 naming both" usage_says "--link-delay needs --demo"
run --events --check
check "--check without --once: exit 2 naming both" usage_says "--check needs --once"

# --help and --version on a full disk: exit 1 with one line.
for opt in --help --version; do
	"$TCPLADDER" "$opt" >/dev/full 2>"$T/err"
	rc=$?
	check "$opt >/dev/full: exit 1" [ "$rc" = 1 ]
	check "$opt >/dev/full: one line naming the write error" \
		grep -qx "tcpladder: write error: No space left on device" "$T/err"
	check "$opt >/dev/full: nothing else" one_line
done

run --once -N /etc/hostname
check "a file that is not a namespace: exit 1" [ "$rc" = 1 ]
check "a file that is not a namespace: says so" grep -q "not a network namespace" "$T/err"

# Two namespaces of our own, held by sleeping processes.
unshare -n sh -c 'ip link set lo up; exec sleep 300' &
holders+=($!)
unshare -n sh -c 'ip link set lo up; exec sleep 300' &
holders+=($!)
# holding PID: it is the sleep by now, in a namespace that is not ours.
holding() {
	[ "$(cat "/proc/$1/comm" 2>/dev/null)" = sleep ] &&
		[ "$(readlink "/proc/$1/ns/net")" != "$(readlink /proc/self/ns/net)" ]
}
check "holder namespaces started" wait_for 60 eval 'holding ${holders[0]} && holding ${holders[1]}'
# Two listeners in the second namespace only.
mkfifo "$T/sg1.in"
nsenter -t "${holders[1]}" -n "$SOCKGEN" listen=2 <"$T/sg1.in" >"$T/sg1" 2>&1 &
holders+=($!)
exec 8<>"$T/sg1.in"
check "listeners in the second namespace" wait_for 60 grep -qx ready "$T/sg1"

run --once --json --pid "${holders[0]}" -N "/proc/${holders[1]}/ns/net"
check "two namespaces: exit 0" [ "$rc" = 0 ]
check "two namespaces: a JSON array of two" [ "$(jq 'length' "$T/out")" = 2 ]
check "two namespaces: named by their paths" \
	[ "$(jq -r '.[0].netns' "$T/out")" = "/proc/${holders[0]}/ns/net" ]
check "two namespaces: each its own sockets" \
	[ "$(jq -r '"\(.[0].tcp.states.LISTEN) \(.[1].tcp.states.LISTEN)"' "$T/out")" = "0 2" ]
run --once --pid "${holders[0]}" --pid "${holders[1]}"
check "two namespaces as text: a column each" \
	grep -q "/proc/${holders[0]}/ns/net  */proc/${holders[1]}/ns/net" "$T/out"

# Permission: an unprivileged user cannot enter another namespace.
if command -v setpriv >/dev/null; then
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$TCPLADDER" --once -N "/proc/${holders[0]}/ns/net" >"$T/out" 2>"$T/err"
	rc=$?
	check "unprivileged: exit 1" [ "$rc" = 1 ]
	check "unprivileged: one line naming the problem" one_line
	check "unprivileged: says permission" grep -qi "permission denied" "$T/err"
	# ... but its own namespace needs no privilege.
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$TCPLADDER" --once --json >"$T/out" 2>"$T/err"
	rc=$?
	check "unprivileged, own namespace: exit 0" [ "$rc" = 0 ]
	check "unprivileged, own namespace: a report" quiet jq -e '.tcp' "$T/out"
else
	not_ok "setpriv missing (util-linux)"
fi

done_testing
