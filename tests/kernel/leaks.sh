#!/bin/bash
# CLOSE-WAIT leaks and TIME-WAIT pressure, in private namespaces: owners,
# exact counts, ages that grow, --check, no /proc walk without CLOSE-WAIT,
# the bucket limit, and the interactive view flagging a leaking server but
# not a tidy one under the same load.
. "${top_srcdir:-.}/tests/kernel/lib.sh"
: "${SCENARIO:=${top_builddir:-.}/tests/kernel/scenario}"
export SCENARIO
require_netns

T=$(mktemp -d)
S=tlleak$$
trap 'tmux -L $S kill-server 2>/dev/null; rm -rf "$T"' EXIT
export T

in_netns '
	start_sockgen close-wait=7 established=2 || exit 1
	"$TCPLADDER" --once --json >"$T/a.json"
	sleep 2 # time that must pass (no condition to wait for): the ages grow by it
	"$TCPLADDER" --once --json >"$T/b.json"
	"$TCPLADDER" --once >"$T/text"
	"$TCPLADDER" --once --check --leak-count 5 >/dev/null; echo $? >"$T/rc.check5"
	"$TCPLADDER" --once --check >/dev/null; echo $? >"$T/rc.check"
	echo "$SG_PID" >"$T/pid"
	stop_sockgen
'
pid=$(head -1 "$T/pid")
check "by_process names the process that holds them (sockgen, pid $pid)" \
	[ "$(jq -r '.close_wait.by_process[0] | "\(.pid) \(.comm)"' "$T/a.json")" = "$pid sockgen" ]
check "its exact CLOSE-WAIT count (7)" [ "$(jq '.close_wait.by_process[0].count' "$T/a.json")" = 7 ]
check "the total agrees" [ "$(jq '.close_wait.total' "$T/a.json")" = 7 ]
check "by_port groups them on their local port" \
	[ "$(jq '.close_wait.by_port[0].count' "$T/a.json")" = 7 ]
older() {
	jq -e -n --slurpfile a "$T/a.json" --slurpfile b "$T/b.json" \
		'$b[0].close_wait.by_process[0].oldest_s - $a[0].close_wait.by_process[0].oldest_s >= 1.5' \
		>/dev/null
}
check "ages grow: 2 s later the oldest is older" older
check "the text lists the process" grep -q "sockgen *7" "$T/text"
check "--check with --leak-count 5: exit 3" [ "$(cat "$T/rc.check5")" = 3 ]
check "--check with the defaults: exit 0 (7 young sockets are no leak)" [ "$(cat "$T/rc.check")" = 0 ]

# No CLOSE-WAIT: not a single /proc/PID/fd directory is read.
if command -v strace >/dev/null; then
	in_netns '
		start_sockgen established=3 time-wait=2 || exit 1
		strace -f -e trace=openat -o "$T/strace" "$TCPLADDER" --once --json >/dev/null
		stop_sockgen
	'
	in_netns '
		start_sockgen close-wait=2 || exit 1
		strace -f -e trace=openat -o "$T/strace.cw" "$TCPLADDER" --once --json --no-exact >/dev/null
		strace -f -e trace=openat,bpf -o "$T/strace.walk" "$TCPLADDER" --once --json >"$T/walk.json"
		stop_sockgen
	'
	# The same trace with CLOSE-WAIT sockets shows the reads this looks for.
	check "with CLOSE-WAIT, --no-exact: fd directories are read (the trace sees them)" \
		[ "$(grep -c '/fd"' "$T/strace.cw" 2>/dev/null)" -gt 0 ]
	if "$TCPLADDER" --version | grep -q "exact mode (eBPF): built"; then
		check "with CLOSE-WAIT, eBPF: the kernel's walk, no fd directory read" \
			[ "$(grep -c '/fd"' "$T/strace.walk")" = 0 -a "$(grep -c 'BPF_ITER_CREATE' "$T/strace.walk")" = 1 ]
		check "with CLOSE-WAIT, eBPF: the owner found" \
			jqe '.close_wait.owners_from == "ebpf" and .close_wait.by_process[0].pid > 0' "$T/walk.json"
	fi
	check "no CLOSE-WAIT: no fd directory read" [ "$(grep -c '/fd"' "$T/strace")" = 0 ]
else
	not_ok "strace missing"
fi

# TIME-WAIT pressure against a lowered bucket limit.
in_netns '
	sysctl -qw net.ipv4.tcp_max_tw_buckets=10
	start_sockgen time-wait=9 || exit 1
	"$TCPLADDER" --once --json >"$T/tw.json"
	"$TCPLADDER" --once --check >"$T/tw.txt"; echo $? >"$T/rc.tw"
	stop_sockgen
'
check "TIME-WAIT: 9 of 10 buckets" \
	[ "$(jq -r '.time_wait | "\(.total) \(.max_buckets)"' "$T/tw.json")" = "9 10" ]
check "TIME-WAIT: pressure flagged" [ "$(jq '.time_wait.pressure' "$T/tw.json")" = true ]
check "TIME-WAIT: --check exits 3" [ "$(cat "$T/rc.tw")" = 3 ]
check "TIME-WAIT: the text says PRESSURE" grep -q "PRESSURE" "$T/tw.txt"

# The interactive view: a leaking server is flagged as its CLOSE-WAIT
# grows; a tidy one under the same load is not.
TM=(-L "$S")
# screen_has ERE: the screen has a line matching ERE; every screen looked
# at is kept in $T/screens.
screen_has() {
	screen >"$T/screen"
	cat "$T/screen" >>"$T/screens"
	grep -qE -- "$1" "$T/screen"
}
wait_screen() { # ERE
	wait_for 60 screen_has "$1" && return 0
	sed 's/^/#   | /' "$T/screen"
	return 1
}
ui_start() { # SCENARIO-NAME COUNT
	tm kill-server 2>/dev/null
	rm -f "$T/screens" "$T/sc.out"
	netns_run bash -c '
		ip link set lo up
		tmux -L "$0" -f /dev/null new-session -d -s main -x 100 -y 30 \
			"\"\$SCENARIO\" -d 0.3 $1 $2 >\"\$T/sc.out\" & LANG=C.UTF-8 \"\$TCPLADDER\" -d 0.25 --leak-window 5; sleep 600"
	' "$S" "$1" "$2"
}
scenario_done() { grep -qx done "$T/sc.out" 2>/dev/null; }

# The leak grows for as long as the test looks (one more CLOSE-WAIT every
# 0.3 s, for minutes): the flag does not depend on when the screen is read.
ui_start leak 500
check "UI: the leaking server raises the LEAK flag" wait_screen "LEAK\?"
tm send-keys -t main L
check "UI: the leak screen names it, growing" wait_screen "^ [ >] *[0-9]+ scenario .*keeps growing"
tm kill-server 2>/dev/null

# The tidy server runs to its end; every screen on the way is looked at.
ui_start tidy 25
watched_to_end() { screen_has . && scenario_done; }
check "UI: the tidy scenario ran to its end" wait_for 120 watched_to_end
if ! wait_screen "^ TIME-WAIT +24 "; then
	not_ok "UI: the screen shows its end (24 TIME-WAIT)"
	# the histogram's TIME-WAIT counts the screens showed, in order
	grep -a "^ TIME-WAIT" "$T/screens" | awk '$2 ~ /^[0-9]+$/ { print $2 }' | uniq -c |
		tr '\n' ' ' | sed 's/^/# TIME-WAIT shown (screens, count): /'
	echo
else
	ok "UI: the screen shows its end (24 TIME-WAIT)"
fi
check "UI: the tidy server is never flagged ($(grep -c States "$T/screens") screens looked at)" \
	bash -c "! grep -q 'LEAK?' '$T/screens'"
tm send-keys -t main L
check "UI: the tidy server's leak screen shows" wait_screen "CLOSE-WAIT by process"
# Its owner is looked up lazily (within the CPU budget): wait for the row.
check "UI: its leak screen lists it" wait_screen "^ [ >] *[0-9]+ scenario "
check "UI: and not as a suspect" \
	bash -c "! grep -qE '^ +[0-9]+ .*(keeps growing|many|old)$' '$T/screen'"
tm kill-server 2>/dev/null

done_testing
