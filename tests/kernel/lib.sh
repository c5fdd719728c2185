# lib.sh: TAP helpers and private-namespace plumbing for the kernel tests.
# Sourced by the test scripts (outside and inside their namespaces).

: "${TCPLADDER:=${top_builddir:-.}/src/tcpladder}"
: "${SOCKGEN:=${top_builddir:-.}/tests/kernel/sockgen}"
export TCPLADDER SOCKGEN

tap_n=0
tap_failed=0

ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $*"
}

not_ok() {
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $*"
}

# check DESCRIPTION COMMAND...: one test point from a command's status.
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# diag FILE: show a file as TAP diagnostics.
diag() {
	sed 's/^/#   /' "$@"
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}

# Kernel tests need root and namespaces.  Outside CI a machine without them
# skips; under CI=true that is a failure, never a skip.
require_netns() {
	if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
		return 0
	fi
	if [ "${CI:-}" = true ]; then
		echo "not ok 1 - needs root and network namespaces (CI=true: not skipping)"
		echo "1..1"
		exit 1
	fi
	echo "1..0 # SKIP needs root and network namespaces"
	exit 0
}

# in_netns SCRIPT: run a bash script in a fresh private network namespace
# with loopback up and this library loaded.  The namespace dies with it.
in_netns() {
	unshare -n bash -c '. "$0"; ip link set lo up || exit 1; eval "$1"' \
		"${top_srcdir:-.}/tests/kernel/lib.sh" "$1"
}

# start_sockgen ARGS...: start the socket generator holding sockets until
# stop_sockgen; its "expect STATE N" lines land in $T/expect.
start_sockgen() {
	# Remove the last run's output first: the background redirection below
	# truncates it only when the child gets to it.
	rm -f "$T/sg.in" "$T/expect"
	mkfifo "$T/sg.in"
	"$SOCKGEN" "$@" <"$T/sg.in" >"$T/expect" 2>"$T/sockgen.err" &
	SG_PID=$!
	exec 7>"$T/sg.in"
	for _ in $(seq 200); do
		grep -qx ready "$T/expect" 2>/dev/null && return 0
		kill -0 "$SG_PID" 2>/dev/null || break
		sleep 0.05
	done
	cat "$T/sockgen.err" >&2
	return 1
}

stop_sockgen() {
	exec 7>&-
	wait "$SG_PID"
}

STATES="LISTEN SYN-SENT SYN-RECV ESTABLISHED FIN-WAIT-1 FIN-WAIT-2 CLOSE-WAIT CLOSING LAST-ACK TIME-WAIT CLOSED"

# ss_counts: "STATE N" for every state, from ss (the reference).
ss_counts() {
	ss -tanH | awk -v states="$STATES" '
		{ s = $1; if (s == "ESTAB") s = "ESTABLISHED"; else if (s == "UNCONN") s = "CLOSED"; c[s]++ }
		END { n = split(states, a, " "); for (i = 1; i <= n; i++) print a[i], c[a[i]] + 0 }'
}

# tl_counts JSONFILE: "STATE N" for every state, from tcpladder's JSON.
tl_counts() {
	local s
	for s in $STATES; do
		echo "$s $(jq -r --arg s "$s" '.tcp.states[$s]' "$1")"
	done
}

# expect_counts: "STATE N" for every state, from sockgen's expectations.
expect_counts() {
	local s
	for s in $STATES; do
		echo "$s $(awk -v s="$s" '$1 == "expect" && $2 == s { print $3; f = 1 } END { if (!f) print 0 }' "$T/expect")"
	done
}
