#!/bin/bash
# Each connection keeps its own steps: a connection older than the event
# pane's ring (5,000 events) still shows its whole ladder in the
# interactive view, and one found already open starts with "first seen
# in STATE at ..." (in the view and in --events --ladder), never with
# invented steps; a server-first close on loopback labels both columns;
# in the lab a replay is not cut off by the next run.
. "${top_srcdir:-.}/tests/kernel/lib.sh"
require_netns
require_cmd "tmux or python3" tmux python3

T=$(mktemp -d)
S=tls$$
WORK=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/steps-work.py
export T WORK
cleanup() {
	[ -p "$T/work.in" ] && timeout 5 sh -c 'echo quit >"$T/work.in"' 2>/dev/null
	tmux -L "$S" kill-server 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

TM=(-L "$S")
SCREEN_WAIT=120
# cmd WORD: tell the workload, and wait until it has done it.
cmd() {
	echo "$1" >"$T/work.in"
	wait_for 60 grep -qx "done $1" "$T/work.out"
	sed -i "/^done $1\$/d" "$T/work.out"
}
# events_over N: the event pane has counted more than N events.
events_over() {
	local n
	n=$(screen | grep -oE 'Events [0-9]+' | head -1 | awk '{ print $2 }')
	[ -n "$n" ] && [ "$n" -gt "$1" ]
}

# ---- the interactive view ----
mkfifo "$T/work.in"
cat >"$T/pane.sh" <<'EOF'
. "$1"
python3 "$WORK" "$T" 2>"$T/work.err" &
wait_for 60 test -e "$T/ready" || { echo WORKLOAD-FAILED; exec sleep 600; }
LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen "$TCPLADDER" -d 0.2
echo "EXIT=$?"
exec sleep 600
EOF
netns_run bash -c '
	ip link set lo up
	tmux -L "$0" -f /dev/null new-session -d -s main -x 120 -y 40 "bash \"\$T/pane.sh\" \"$1\""
' "$S" "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

check "starts and shows the old connection" wait_screen "127.0.0.1:41000"
cmd young
check "a young connection opens" wait_screen "127.0.0.1:42000"
# Enough short connections to turn the 5,000-event ring over.
cmd churn
check "the ring turns over (over 6000 events)" wait_for 300 events_over 6000
touch "$T/stop"
wait_for 60 grep -q '^churned' "$T/work.out"
diag "$T/work.out"

tm send-keys -t main /
tm send-keys -t main -l "42000"
check "search finds the young connection" wait_screen "Search: 42000"
tm send-keys -t main Enter
tm send-keys -t main Enter
check "its details open" wait_screen "Up/Down step"
check "its ladder is whole: the handshake" wait_screen "SYN+ACK"
check "not 'no segment seen yet'" bash -c "! tmux -L $S capture-pane -p -t main | grep -qF 'no segment seen yet'"
tm send-keys -t main Escape
check "back to the table" wait_screen "F10Quit"

tm send-keys -t main /
tm send-keys -t main -l "41000"
check "search finds the old connection" wait_screen "Search: 41000"
tm send-keys -t main Enter
tm send-keys -t main Enter
check "the old connection's ladder says where it starts" wait_screen "first seen in ESTABLISHED"
check "... with the time" bash -c "tmux -L $S capture-pane -p -t main | grep -qE ' at [0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}'"
check "no handshake invented for it" bash -c "! tmux -L $S capture-pane -p -t main | grep -qF 'SYN'"
tm send-keys -t main F10
check "quits" wait_screen "EXIT=0"
echo quit >"$T/work.in"
tm kill-server 2>/dev/null
rm -f "$T/work.out" "$T/ready" "$T/stop"

# ---- --events --ladder: a connection found open says so ----
cat >"$T/events.sh" <<'EOF'
. "$1"
python3 "$WORK" "$T" 2>"$T/work.err" &
wp=$!
wait_for 60 test -e "$T/ready" || exit 1
"$TCPLADDER" --events --ladder -d 0.1 >"$T/ladders" 2>"$T/err" &
tp=$!
# tcpladder has sampled once a probe's ladder is printed
probed() { echo probe >"$T/work.in"; grep -q '127.0.0.1:7000' "$T/ladders"; }
wait_for 120 probed || exit 1
echo close-old >"$T/work.in"
wait_for 120 grep -q '41000' "$T/ladders"
echo server-first >"$T/work.in"
wait_for 120 grep -q ':43000 (client)' "$T/ladders"
end_pid INT "$tp"
echo "status $?" >>"$T/err"
echo quit >"$T/work.in"
wait "$wp"
EOF
in_netns "bash \"\$T/events.sh\" \"${top_srcdir:-.}/tests/kernel/lib.sh\""
check "--events --ladder: the old connection's ladder" grep -q '41000' "$T/ladders"
check "the legend comes first" bash -c "head -1 '$T/ladders' | grep -q '^Legend: ~ inferred, not seen'"
awk '/41000/ { p = 1 } p && /^$/ { exit } p' "$T/ladders" >"$T/old"
check "its first row: first seen in ESTABLISHED" grep -q 'first seen in ESTABLISHED' "$T/old"
check "no handshake invented" bash -c "! grep -q 'SYN' '$T/old'"
check "it closed first: FIN-WAIT-1" grep -q 'FIN-WAIT-1' "$T/old"
check "ends cleanly" grep -qx 'status 0' "$T/err"
diag "$T/old"
# A server-first close on loopback: the client's column has its states.
awk '/:43000 \(client\)/ { p = 1 } p && /^$/ { exit } p' "$T/ladders" >"$T/sf"
for st in CLOSE-WAIT LAST-ACK; do
	check "server first: the client's $st" grep -qE "$st [│|]" "$T/sf"
done
# Polling may miss the client's whole life (it can all happen between two
# dumps); its column is then derived from the server's, and the final
# ACK, which nothing the server received afterwards answers, is drawn on
# its way: the client stays in ~LAST-ACK, no CLOSED invented.
if head -1 "$T/sf" | grep -q '(client) ~derived'; then
	check "server first, client not seen: no CLOSED invented" \
		bash -c "! grep -qE 'CLOSED [│|]' '$T/sf'"
else
	check "server first: the client's CLOSED" grep -qE "CLOSED [│|]" "$T/sf"
fi
check "server first: the server's TIME-WAIT" grep -qE "[│|] ~?TIME-WAIT" "$T/sf"
diag "$T/sf"
diag "$T/err"

# ---- the lab: a replay is not cut off by the next run ----
cat >"$T/lab.sh" <<'EOF2'
echo $$ >"$T/lab.pid"
LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen exec "$TCPLADDER" --demo=full
EOF2
rm -f "$T/lab.pid"
tm -f /dev/null new-session -d -s main -x 120 -y 40 "bash \"$T/lab.sh\"; echo EXIT=\$?; sleep 600"
check "the lab's ladder, its caption above" wait_screen "N: next scenario)"
check "the run's connection in the header" wait_screen "10.77.0.1:"
# A replay of a run just begun catches up at once (its one step shown, it
# goes live): replay a run with some history, from the handshake's end on.
grown() { screen | grep -qE 'Step ([4-9]|[1-9][0-9])/'; }
check "the run's ladder grows" wait_for 60 grown
first=$(screen | head -1 | grep -oE '10\.77\.0\.1:[0-9]+' | head -1)
tm send-keys -t main r
tm send-keys -t main p
lab_pid=$(cat "$T/lab.pid")
# the lab's client ends, from its own namespaces (held by descriptors)
lab_clients() {
	local fd
	for fd in /proc/"$lab_pid"/fd/*; do
		case $(readlink "$fd") in net:*) nsenter --net="$fd" ss -tanH 2>/dev/null ;; esac
	done | awk '{ print $1, $4 }' | grep ' 10\.77\.0\.1:'
}
# the next run is well under way: its client is closing
next_run_closing() {
	lab_clients | grep -E '^(FIN-WAIT|TIME-WAIT)' | grep -vq " $first\$"
}
check "the next run begins while the replay is paused" wait_for 120 next_run_closing
check "the paused replay stays on its run ($first)" bash -c "tmux -L $S capture-pane -p -t main | head -1 | grep -qF '$first '"
tm send-keys -t main p
next_shown() { ! screen | head -1 | grep -qF "$first "; }
check "once the replay ends, the next run's ladder" wait_for 120 next_shown
tm kill-server 2>/dev/null
wait_for 30 eval '! tm has-session 2>/dev/null'

# ---- the lab: a replay draws what the link carried ----
# lost-ack's ladder has rows only the link saw (the ACK it dropped, B's
# FIN sent again).  Replayed a row at a time (r, then p and "." steps),
# the lost ACK shows while the rows after it are still to come; a replay
# built from the state changes alone never drew it.
# the arrow's label (the caption says "FIN again" too)
fin_again() { screen | grep -qE "│ *FIN again( +seq=[0-9]+( ack=[0-9]+)?)? *│"; }
rm -f "$T/lab.pid"
tm -f /dev/null new-session -d -s main -x 120 -y 40 \
	"LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen $TCPLADDER --demo=lost-ack; sleep 600"
run_port() { screen | head -1 | grep -oE '10\.77\.0\.1:[0-9]+' | head -1; }
# The lab starts a new run (and opens its ladder) every few seconds: the
# replay must be of a run that got as far as the FIN sent again.
replaying=
for _ in 1 2 3; do
	wait_for 120 fin_again || break
	port=$(run_port)
	tm send-keys -t main r
	tm send-keys -t main p
	if wait_for 30 eval '! screen_has "ACK lost"' && [ "$(run_port)" = "$port" ]; then
		replaying=$port
		break
	fi
	tm send-keys -t main p # another run's: let it go live, and try again
done
check "lost-ack: a run with the lost ACK and the FIN sent again, replayed from its start" \
	[ -n "$replaying" ]
for _ in $(seq 60); do
	tm send-keys -t main .
	wait_for 2 screen_has "ACK lost" && break
done
screen >"$T/replay.txt"
check "stepping the replay, the lost ACK is drawn" grep -q "ACK lost" "$T/replay.txt"
check "still the same run ($replaying)" grep -qF "$replaying " "$T/replay.txt"
check "while the FIN sent again is still to come" eval '! grep -qE "│ *FIN again( +seq=[0-9]+( ack=[0-9]+)?)? *│" "$T/replay.txt"'
diag "$T/replay.txt"
tm kill-server 2>/dev/null

done_testing
