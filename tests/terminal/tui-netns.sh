#!/bin/bash
# The namespace screen (N) in tmux: two private namespaces watched with
# --pid, one with a leaking process; the screen lists both with their
# counts and the leak; Enter narrows every pane to the selected one, and
# the row for all of them widens it again.
. "${top_srcdir:-.}/tests/kernel/lib.sh"
require_netns
require_cmd tmux tmux

T=$(mktemp -d)
S=tln$$
export T
cleanup() {
	tmux -L "$S" kill-server 2>/dev/null
	# read-write: opening a fifo so never waits for a reader that is gone
	for f in "$T"/*.in; do [ -p "$f" ] && exec {fd}<>"$f" && exec {fd}>&-; done 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

TM=(-L "$S")
SCREEN_WAIT=60

# gen NAME ARGS...: sockgen as NAME in a namespace of its own; its pid in
# $T/NAME.pid, its sockets held until its fifo is closed.
gen() {
	local name=$1
	shift
	mkfifo "$T/$name.in"
	# netns_run's two namespaces (a small hash table of their own), by
	# exec all the way, so that $! is sockgen in the inner one
	unshare -n sh -c 'sysctl -qw net.ipv4.tcp_child_ehash_entries=1024 2>/dev/null
		exec unshare -n sh -c "ip link set lo up && exec \"\$0\" \"\$@\"" "$@"' \
		sh "$SOCKGEN" -c "$name" "$@" <"$T/$name.in" >"$T/$name.out" 2>&1 &
	echo $! >"$T/$name.pid"
	# read-write: never waits for the reader (should sockgen not start,
	# the wait for "ready" below says so instead of hanging)
	exec {fd}<>"$T/$name.in"
	eval "fd_$name=$fd"
	wait_for 60 grep -qx ready "$T/$name.out"
}
gen leaky listen=1 close-wait=4 || { not_ok "sockgen leaky"; cat "$T/leaky.out"; }
gen tidy listen=2 established=3 || { not_ok "sockgen tidy"; cat "$T/tidy.out"; }
A=$(cat "$T/leaky.pid") B=$(cat "$T/tidy.pid")
check "each sockgen in a namespace of its own" \
	[ "$(readlink "/proc/$A/ns/net")" != "$(readlink /proc/self/ns/net)" -a \
	  "$(readlink "/proc/$B/ns/net")" != "$(readlink /proc/self/ns/net)" -a \
	  "$(cat "/proc/$A/comm") $(cat "/proc/$B/comm")" = "leaky tidy" ]
na=/proc/$A/ns/net nb=/proc/$B/ns/net

tmux -L "$S" -f /dev/null new-session -d -s main -x 120 -y 30 \
	"LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen $(printf '%q' "$TCPLADDER") -d 0.2 \
	 --leak-count 3 --pid $A --pid $B; echo EXIT=\$?; sleep 600"
check "the view starts" wait_screen "States"
tm send-keys -t main N
check "N: the namespace screen" wait_screen "Namespaces: 2 watched"
# row NETNS: that namespace's row on the screen, its fields split
row() { screen | awk -v n="$1" '$1 == n'; }
# fields: NETNS SOCKETS LISTEN ESTAB CLOSE-WAIT TIME-WAIT CHURN/s [LEAK COUNT]
leaky_row() { [ "$(row "$na" | awk '{ print $5, $8, $9 }')" = "4 leaky 4" ]; }
check "leaky's namespace: 4 CLOSE-WAIT, the leak named with its count" wait_for 60 leaky_row
tidy_row() { [ "$(row "$nb" | awk '{ print $5, NF, ($4 >= 3) }')" = "0 7 1" ]; }
check "tidy's namespace: ESTABLISHED, no CLOSE-WAIT, no leak" wait_for 60 tidy_row
na_n=$(row "$na" | awk '{ print $2 }') nb_n=$(row "$nb" | awk '{ print $2 }')
check "the row for all of them: $na_n + $nb_n sockets" \
	eval '[ "$(row "(all)" | awk "{ print \$2 }")" = $((na_n + nb_n)) ]'

# sorted by CLOSE-WAIT (s twice), leaky's namespace is the first after (all)
tm send-keys -t main s s
check "sorted by CLOSE-WAIT" wait_screen "sorted by CLOSE-WAIT"
tm send-keys -t main Down Enter
check "Enter: the filter is that namespace" wait_screen "filter: netns $na"
check "the table shows leaky's $na_n connections only" wait_screen "Connections $na_n "
check "and the histogram counts them: 4 CLOSE-WAIT" \
	wait_for 60 eval 'screen | awk '\''$1 == "CLOSE-WAIT" && $2 == 4 { f = 1 } END { exit !f }'\'''
# (the header names every watched namespace: below it)
check "no socket of tidy's namespace in the table" \
	eval '! screen | sed 1d | grep -q "$nb"'
tm send-keys -t main N Home Enter
check "(all): every namespace again" wait_screen "Connections $((na_n + nb_n)) "
tm send-keys -t main q
check "q ends the view with status 0" wait_screen "EXIT=0"

# The tmux server holds copies of the fifos' write ends (it was started
# after they were opened): end it first, or sockgen never sees the end of
# its input.
tmux -L "$S" kill-server 2>/dev/null
for fd in $fd_leaky $fd_tidy; do exec {fd}>&-; done
wait
done_testing
