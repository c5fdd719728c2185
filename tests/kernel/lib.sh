# lib.sh: TAP helpers and private-namespace plumbing for the kernel tests.
# Sourced by the test scripts (outside and inside their namespaces).

: "${TCPLADDER:=${top_builddir:-.}/src/tcpladder}"
: "${SOCKGEN:=${top_builddir:-.}/tests/kernel/sockgen}"
export TCPLADDER SOCKGEN
# The view keeps its settings under $XDG_CONFIG_HOME: each test script
# starts from none and never touches the user's (the directory is made
# only when a test changes a setting).
XDG_CONFIG_HOME=${TMPDIR:-/tmp}/tcpladder-test-config.$$
export XDG_CONFIG_HOME

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

# quiet COMMAND...: COMMAND with its output thrown away, for check.
quiet() {
	"$@" >/dev/null
}

# wait_for DEADLINE_S COMMAND...: run COMMAND every 0.05 s until it
# succeeds.  Tests wait for conditions, never for a time: a loaded machine
# makes them slower, not red.  After DEADLINE_S seconds (an integer, and
# generous: only a broken program should ever reach it) it gives up and says
# on stderr what it was waiting for.
wait_for() {
	local deadline=$1 end
	shift
	end=$((${EPOCHREALTIME/./} + deadline * 1000000))
	until "$@"; do
		if [ "${EPOCHREALTIME/./}" -ge "$end" ]; then
			echo "# wait_for: gave up after ${deadline}s waiting for: $*" >&2
			return 1
		fi
		sleep 0.05
	done
}

# gone_pid PID: the process has ended (it is no more, or a zombie).
gone_pid() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	stat=${stat##*) }
	[ "${stat%% *}" = Z ]
}

# comm_is PID NAME: the process runs the program NAME.
comm_is() {
	[ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ]
}

# end_pid SIGNAL PID: send SIGNAL to PID, a child of this shell, and reap
# it; if it has not ended 60 s later, SIGKILL.  Returns its exit status.
end_pid() {
	kill -"$1" "$2" 2>/dev/null
	wait_for 60 gone_pid "$2" || kill -KILL "$2" 2>/dev/null
	wait "$2"
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

# require_cmd WHAT CMD...: every CMD is installed; else skip, or under
# CI=true fail.  WHAT names what is missing in the message.
require_cmd() {
	local what=$1 c
	shift
	for c in "$@"; do
		command -v "$c" >/dev/null && continue
		if [ "${CI:-}" = true ]; then
			echo "not ok 1 - $what missing (CI=true: not skipping)"
			echo "1..1"
			exit 1
		fi
		echo "1..0 # SKIP $what missing"
		exit 0
	done
}

# jqe ARGS...: jq -e, quietly: true when the filter's result is.
jqe() { jq -e "$@" >/dev/null; }

# The terminal tests drive the view in tmux, on a server of their own:
# set TM to its socket arguments first (TM=(-L name) or TM=(-S path)).
# SCREEN_WAIT is how long wait_screen waits (seconds).
tm() { tmux "${TM[@]}" "$@"; }
screen() { tm capture-pane -p -t main 2>/dev/null; }
screen_has() { screen | grep -qF -- "$1"; }
# wait_screen TEXT: until the screen shows TEXT; if it never does, show
# the screen as it is.
wait_screen() {
	wait_for "${SCREEN_WAIT:-60}" screen_has "$1" && return 0
	screen | sed 's/^/#   | /'
	return 1
}

# lab ARGS...: exec tcpladder --no-owners ARGS in a namespace of its own.
# Run it in a subshell, "(lab ...)" or "(lab ...) &": the subshell becomes
# tcpladder, so $! is its PID.  The lab moves on a clock of link delays
# (0.3 s) in the same loop that samples, so nothing in that loop may stall
# it on a loaded machine:
# - the lab's namespaces get their own small TCP hash table (see
#   netns_run): a dump then costs well under a millisecond instead of tens
#   of milliseconds, which the CPU budget would turn into an interval of a
#   second or more, longer than the lab's states;
# - no owner lookups: the /proc walk runs in the loop, and under load it
#   held the relay long enough for the SYN to be sent again and the run to
#   fall apart (the owners are tcpladder itself anyway).
lab() {
	exec unshare -n sh -c 'sysctl -qw net.ipv4.tcp_child_ehash_entries=1024 2>/dev/null
		exec "$@"' sh "$TCPLADDER" --no-owners "$@"
}

# netns_run COMMAND...: COMMAND in a fresh network namespace that has its
# own small TCP hash table.  A namespace made from the host's shares the
# host's table, and every sock_diag dump walks all of it (262144 buckets on
# a machine with 24 GB: some 35 ms of CPU a dump, which tcpladder's CPU
# budget turns into a 0.7 s interval).  net.ipv4.tcp_child_ehash_entries
# is set in an intermediate namespace, never on the host; a kernel without
# it (before 6.1) just shares the table.
netns_run() {
	unshare -n sh -c 'sysctl -qw net.ipv4.tcp_child_ehash_entries=1024 2>/dev/null
		exec unshare -n "$@"' sh "$@"
}

# in_netns SCRIPT: run a bash script in a fresh private network namespace
# (netns_run) with loopback up and this library loaded.  The namespace
# dies with it.
in_netns() {
	netns_run bash -c '. "$0"; ip link set lo up || exit 1; eval "$1"' \
		"${top_srcdir:-.}/tests/kernel/lib.sh" "$1"
}

# event_modes: the modes to watch a workload in, into MODES: polling
# (--no-exact), and exact mode (--exact) where it is built and starts here
# (under CI=true it must: a failed point if not).
event_modes() {
	MODES=--no-exact
	if ! "$TCPLADDER" --version | grep -qx 'exact mode (eBPF): built'; then
		echo "# exact mode not built: polling only"
	elif in_netns '"$TCPLADDER" --events --exact -n 1 -d 0.01 >/dev/null 2>&1'; then
		MODES="$MODES --exact"
	elif [ "${CI:-}" = true ]; then
		not_ok "exact mode runs (CI=true: not skipping)"
	fi
}

# run_end OK: the end of a run inside in_netns: OK into $out.ok,
# tcpladder ($tl) interrupted and its status into $out.rc, the workload's
# input (descriptor 7) closed and the workload ($py) waited for.
run_end() {
	echo "$1" >"$out.ok"
	kill -INT "$tl"
	wait "$tl"
	echo $? >"$out.rc"
	exec 7>&-
	wait "$py"
}

# run_done NAME: the run NAME left "1" in $T/NAME.ok (every step it waited
# for came), status 0 in $T/NAME.rc and nothing in $T/NAME.err.
run_done() {
	[ "$(cat "$T/$1.ok" 2>/dev/null)" = 1 ] && [ "$(cat "$T/$1.rc")" = 0 ] && [ ! -s "$T/$1.err" ]
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
	exec 7<>"$T/sg.in"
	if wait_for 60 sockgen_settled "$SG_PID" "$T/expect" && grep -qx ready "$T/expect"; then
		return 0
	fi
	cat "$T/sockgen.err" >&2
	return 1
}

# sockgen_settled PID OUTPUT: sockgen said ready, or is no more.
sockgen_settled() {
	grep -qx ready "$2" 2>/dev/null || gone_pid "$1"
}

stop_sockgen() {
	exec 7>&-
	wait "$SG_PID"
}

# mark PORT EVENTS [SECONDS]: open a listener on PORT (held until unmark) and wait
# until tcpladder, writing --events --json to EVENTS, reports it.  A
# listener shows in a dump only, so once it is reported tcpladder has
# sampled this namespace after the call began: a condition to wait for
# instead of a time (waited for up to SECONDS, 60 by default).
mark() {
	local fd
	rm -f "$T/mark$1.in"
	mkfifo "$T/mark$1.in"
	"$SOCKGEN" -p "$1" listen=1 <"$T/mark$1.in" >"$T/mark$1.out" 2>&1 &
	MARK_PIDS="$MARK_PIDS $!"
	exec {fd}<>"$T/mark$1.in"
	MARK_FDS="$MARK_FDS $fd"
	wait_for "${3:-60}" grep -qF "\"local\":\"127.0.0.1:$1\",\"remote\":\"0.0.0.0:0\",\"event\":\"open\"" "$2"
}

# watching EVENTS: tcpladder, writing --events --json to EVENTS, watches:
# a listener opened now is reported.  One opened before its first dump is
# part of its baseline and never is, so each try takes a port of its own
# (up to six, 20 s each).  The listeners are closed again.
watching() {
	local p rc=1
	for p in 30980 30981 30982 30983 30984 30985; do
		mark $p "$1" 20 && rc=0 && break
	done
	unmark
	return $rc
}

# settled: no socket of this namespace is between states (SYN-SENT,
# SYN-RECV, FIN-WAIT-1, CLOSING, LAST-ACK) or has data not yet acknowledged.
# On loopback these pass within the kernel's own processing, which a loaded
# machine may defer.
settled() {
	ss -tanH | awk '
		$1 ~ /^(SYN-SENT|SYN-RECV|FIN-WAIT-1|CLOSING|LAST-ACK)$/ { busy = 1 }
		$1 != "LISTEN" && $3 != 0 { busy = 1 }
		END { exit busy }'
}

# unmark: close the markers' listeners.
unmark() {
	local fd pid
	for fd in $MARK_FDS; do exec {fd}>&-; done
	for pid in $MARK_PIDS; do wait "$pid"; done
	MARK_FDS= MARK_PIDS=
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

# ---- terminal tests: the view in tmux, in a private namespace ----

# tui_init: a private directory $T (exported) and tmux server ($T/sock,
# TM for tm), torn down at exit with the view that ran there (its PID in
# $T/pid).  TUI_CLEANUP, when set, is evaluated first: a test's own
# processes.
tui_init() {
	T=$(mktemp -d)
	export T
	TM=(-S "$T/sock")
	trap tui_cleanup EXIT
}

tui_cleanup() {
	local p
	[ -n "${TUI_CLEANUP:-}" ] && eval "$TUI_CLEANUP"
	p=$(cat "$T/pid" 2>/dev/null)
	[ -n "$p" ] && comm_is "$p" tcpladder && kill -KILL "$p" 2>/dev/null
	tmux -S "$T/sock" kill-server 2>/dev/null
	rm -rf "$T"
}

# tui_start COLSxROWS BEFORE AFTER ARGS...: tcpladder ARGS in a new tmux
# session of that size, in a fresh namespace, in C.UTF-8 on TERM=screen.
# The pane's shell runs BEFORE first (a command ending in ';', or
# assignments for tcpladder's environment) and AFTER once it ended.  Its
# PID lands in $T/pid, its stderr in $T/err, its exit status in $T/rc; the
# pane then says EXIT=N.
tui_start() {
	local size=$1 before=$2 after=$3
	shift 3
	tm kill-server 2>/dev/null
	rm -f "$T/pid" "$T/err" "$T/rc"
	netns_run bash -c '
		ip link set lo up
		tmux -S "$0" -f /dev/null new-session -d -s main -x "${1%x*}" -y "${1#*x}" \
			"$2 LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen \
			 sh -c '\''echo \$\$ >\"$T/pid\"; exec \"$TCPLADDER\" $4'\'' 2>\"$T/err\"
			 echo \$? >\"$T/rc\"; $3 echo EXIT=\$(cat \"$T/rc\"); sleep 600"
	' "$T/sock" "$size" "$before" "$after" "$*"
}

# tui_ended PID: the view (PID) has ended; if not after 60 s, it is killed.
tui_ended() {
	if wait_for 60 gone_pid "$1"; then
		return 0
	fi
	comm_is "$1" tcpladder && kill -KILL "$1" 2>/dev/null
	return 1
}

# tui_rc_is N: the view's exit status was N.
tui_rc_is() {
	wait_for 30 test -s "$T/rc" && [ "$(cat "$T/rc")" = "$1" ]
}
