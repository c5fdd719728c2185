#!/bin/bash
# Exact mode with nothing happening: the records tell every change of
# state, so the dumps slow to a tenth of the CPU budget and the header
# says "still"; the first record brings the busy pace back.  A socket that
# ends by its timer alone (a TIME-WAIT: no record tells of its end) keeps
# the busy pace while it lasts.  Polling never slows: its dumps are its
# only source.
. "${top_srcdir:-.}/tests/kernel/lib.sh"
require_netns
require_cmd "tmux and python3" tmux python3
tui_init
SCREEN_WAIT=120
TUI_CLEANUP='kill $(cat "$T/hold.pid" 2>/dev/null) $busy_pid $still_pid 2>/dev/null'
busy_pid= still_pid=
event_modes

# The namespace's sockets: 200 established pairs held by sockgen (its
# stdin held open by a sleep: killing that ends it).
cat >"$T/work.sh" <<'EOF'
rm -f "$T/sg.in" "$T/sg.out"
mkfifo "$T/sg.in"
sleep 3600 >"$T/sg.in" &
echo $! >"$T/hold.pid"
"$SOCKGEN" -p 30600 established=200 <"$T/sg.in" >"$T/sg.out" 2>"$T/sg.err" &
i=0
until grep -qx ready "$T/sg.out" 2>/dev/null || [ $i -ge 2400 ]; do
	sleep 0.05
	i=$((i + 1))
done
EOF
export SOCKGEN

header() { screen | head -1; }
# interval: the seconds between dumps the header shows.
interval() { header | sed -n 's/.* every \([0-9.]*\)s.*/\1/p'; }
is_still() { header | grep -q 'still (dump'; }
is_busy() { header | grep -qE 'every [0-9.]+s \(dump'; }
# in_ns COMMAND...: in the view's namespace.
in_ns() { nsenter -t "$(cat "$T/pid")" -n "$@"; }
# dumps N FILE [SECONDS]: the header, each time it changed, into FILE,
# until it has shown N new dumps (its "dump X ms" changed N times; a dump
# that cost the same as the last one goes uncounted, so there were at
# least N); false if not within SECONDS (120).
dumps() {
	local n=0 last="" h d
	: >"$2"
	for _ in $(seq $((${3:-120} * 20))); do
		h=$(header)
		d=$(sed -n 's/.*(dump \([0-9.]*\) ms).*/\1/p' <<<"$h")
		if [ -n "$d" ] && [ "$d" != "$last" ]; then
			echo "$h" >>"$2"
			last=$d
			n=$((n + 1))
			[ $n -gt "$1" ] && return 0
		fi
		sleep 0.05
	done
	return 1
}
tw_30700() { in_ns ss -Htan state time-wait "( sport = :30700 or dport = :30700 )" | grep -q .; }

for M in $MODES; do
	tui_start 160x30 'bash "$T/work.sh";' "" --cpu-budget 0.5 -d 0.05 "$M"
	check "$M: the view starts with the namespace's sockets" wait_screen "TCP 401"
	if [ "$M" = --no-exact ]; then
		# more dumps than exact mode needs to say still (three quiet ones)
		check "$M: 12 dumps seen" dumps 12 "$T/headers"
		check "$M: polling never says still" eval '! grep -q "still (dump" "$T/headers"'
		diag "$T/headers"
	else
		check "$M: nothing happening: the header says still" wait_screen "still (dump"
		slow=$(interval)
		# A connection opened and held: records, and the busy pace.
		rm -f "$T/go"
		mkfifo "$T/go"
		in_ns python3 -c '
import socket
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", 30700)); l.listen()
c = socket.create_connection(("127.0.0.1", 30700)); s, _ = l.accept()
open("'"$T"'/go").read()   # held until told
c.close(); s.close(); l.close()   # the client closed first: its TIME-WAIT
' 2>"$T/py.err" &
		py=$!
		exec 8<>"$T/go"
		check "$M: a connection opened: the header no longer says still" wait_for 60 is_busy
		check "$M: it is listed" wait_screen "127.0.0.1:30700"
		busy=$(interval)
		check "$M: still, the dumps were at least twice as far apart ($slow s against $busy s)" \
			awk -v s="$slow" -v b="$busy" 'BEGIN { exit !(s != "" && b != "" && s >= 2 * b) }'
		echo >&8
		exec 8>&-
		wait $py
		check "$M: the client's TIME-WAIT is made" tw_30700
		# While it lasts (60 s) the pace stays busy; once it is gone, still
		# comes back.  The moment still is shown, it is gone.
		check "$M: 12 dumps seen while the TIME-WAIT lasts" dumps 12 "$T/headers"
		check "$M: ... it lasts" tw_30700
		check "$M: ... and none said still" eval '! grep -q "still (dump" "$T/headers"'
		check "$M: still again after it" wait_screen "still (dump"
		check "$M: ... and only once it is gone" eval '! tw_30700'
		diag <(header)
	fi
	tm send-keys -t main q
	check "$M: quits, status 0" tui_ended "$(cat "$T/pid")"
	check "$M: nothing on stderr" [ ! -s "$T/err" ]
	kill "$(cat "$T/hold.pid")" 2>/dev/null
	rm -f "$T/sg.in"
done

# An interval of a minute, lowered: the dumps come at the short interval
# at once, not when the minute ends.
tui_start 160x30 'bash "$T/work.sh";' "" -d 60 --no-exact
check "-d 60: the view starts with the namespace's sockets" wait_screen "TCP 401"
check "-d 60: every minute" wait_screen "every 60.00s"
for _ in $(seq 40); do tm send-keys -t main -- -; done
check "- lowers it" wait_for 60 eval 'header | grep -qE "every 0\.[0-9]+s"'
check "... and the dumps go on at once (3 within 30 s, not when the minute ends)" dumps 3 "$T/h2" 30
tm send-keys -t main q
check "-d 60: quits, status 0" tui_ended "$(cat "$T/pid")"
kill "$(cat "$T/hold.pid")" 2>/dev/null
rm -f "$T/sg.in"

# What the view shows stays current while still: the rows on screen are
# looked up at the interval, the rest waits for the slow dumps.  A server
# end receives bytes it never reads, three times; the recording tells
# whether a dump or a lookup first saw each receive queue (a dump can come
# first by chance, right after a send: one of three must be a lookup;
# without the lookups, none is).
if [[ " $MODES " == *" --exact "* ]]; then
	cat >"$T/rq.py" <<'EOF'
import socket, sys
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", 30900))
l.listen()
c = socket.create_connection(("127.0.0.1", 30900))
s, _ = l.accept()
for line in sys.stdin:  # each line: that many more bytes; s never reads
    c.sendall(b"x" * int(line))
EOF
	rm -f "$T/rq.in"
	mkfifo "$T/rq.in"
	cat >"$T/work2.sh" <<'EOF'
bash "$T/work.sh"
python3 "$T/rq.py" <"$T/rq.in" 2>"$T/rq.err" &
echo $! >"$T/rq.pid"
EOF
	TUI_CLEANUP="$TUI_CLEANUP"'; kill $(cat "$T/rq.pid" 2>/dev/null) 2>/dev/null'
	exec 8<>"$T/rq.in"
	tui_start 160x30 'bash "$T/work2.sh";' "" --cpu-budget 0.1 -d 0.05 --exact --record "$T/rq.tlr"
	# until still, the last busy interval shown (the first dumps are busy:
	# still needs three quiet ones)
	: >"$T/busy"
	busy_then_still() {
		local h
		h=$(header)
		grep -q 'still (dump' <<<"$h" && return 0
		sed -n 's/.* every \([0-9.]*\)s (dump.*/\1/p' <<<"$h" | grep . >"$T/busy.new" &&
			mv "$T/busy.new" "$T/busy"
		return 1
	}
	check "shown: busy, then still" wait_for 120 busy_then_still
	check "shown: the view has the connection" wait_screen "TCP 404"
	tm send-keys -t main F4
	tm send-keys -t main -l "sport = :30900"
	tm send-keys -t main Enter
	check "shown: filtered to it" wait_screen "FILTER (F4)"
	check "shown: still" wait_screen "still (dump"
	# at the smallest budget too, still is slower than busy (a share of
	# the budget scales the dumps' cost; the budget's floor stays the user's)
	busy=$(cat "$T/busy")
	slow=$(interval)
	check "shown: --cpu-budget 0.1, still dumps at least twice as far apart ($slow s against ${busy:-(not read busy)} s)" \
		awk -v s="$slow" -v b="$busy" 'BEGIN { exit !(s != "" && b != "" && s >= 2 * b) }'
	total=0
	for more in 1234 1111 1111; do
		total=$((total + more))
		echo "$more" >&8
		check "shown: its receive queue shows $total bytes" wait_for 60 \
			eval 'screen | grep -qE "ESTABLISHED +127\.0\.0\.1:30900 .* $total( |$)"'
		wait_screen "still (dump" >/dev/null
	done
	tm send-keys -t main q
	check "shown: quits, status 0" tui_ended "$(cat "$T/pid")"
	exec 8>&-
	kill "$(cat "$T/hold.pid")" 2>/dev/null
	: >"$T/rq.first"
	for n in 1234 2345 3456; do
		echo "$n $("$RECOPS" -r $n "$T/rq.tlr" | grep -m1 -E '^(sample|lookup)$')" >>"$T/rq.first"
	done
	check "shown: a lookup, not a dump, saw a queue first ($(tr '\n' ' ' <"$T/rq.first"))" \
		grep -q ' lookup$' "$T/rq.first"
	diag "$T/rq.first"
fi

# Two namespaces, one busy and one still: the still one is dumped only as
# often as a tenth of the budget allows for its own dumps, the busy one at
# the busy pace (a recording counts each one's dumps).
if [[ " $MODES " == *" --exact "* ]]; then
	cat >"$T/busy.py" <<'EOF'
import socket, time
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", 30800))
l.listen(128)
print("ready", flush=True)
while True:  # a connection every 20 ms, until killed
    c = socket.create_connection(("127.0.0.1", 30800))
    s, _ = l.accept()
    c.close()
    s.close()
    time.sleep(0.02)
EOF
	rm -f "$T/still.ready" "$T/busy.pid" "$T/still.pid" "$T/sg.in"
	# (each writes its own PID: the namespace's process, not a subshell's)
	netns_run bash -c 'echo $$ >"$T/busy.pid"; ip link set lo up; exec python3 "$T/busy.py"' \
		>"$T/busy.out" 2>"$T/busy.err" &
	netns_run bash -c 'echo $$ >"$T/still.pid"; ip link set lo up; bash "$T/work.sh"
		echo >"$T/still.ready"; exec sleep 3600' >/dev/null 2>&1 &
	wait_for 60 grep -q ready "$T/busy.out"
	wait_for 60 test -e "$T/still.ready"
	busy_pid=$(cat "$T/busy.pid") still_pid=$(cat "$T/still.pid")
	"$TCPLADDER" --events --json --exact --record "$T/two.tlr" -d 0.05 --cpu-budget 0.5 \
		-N "/proc/$busy_pid/ns/net" -N "/proc/$still_pid/ns/net" >"$T/two.json" 2>"$T/two.err" &
	tl=$!
	closes() { [ "$(grep -c '"event":"close"' "$T/two.json")" -ge 300 ]; }
	check "two namespaces: the busy one's connections are told" wait_for 120 closes
	end_pid INT $tl
	echo $? >"$T/two.rc"
	echo 1 >"$T/two.ok"
	"$RECOPS" -n "$T/two.tlr" >"$T/two.ops"
	a=$(awk '$1 == "sample" && $2 == 0 { print $3 }' "$T/two.ops")
	b=$(awk '$1 == "sample" && $2 == 1 { print $3 }' "$T/two.ops")
	check "two namespaces: the still one dumped at most half as often (${b:-no} dumps against ${a:-no})" \
		awk -v a="$a" -v b="$b" 'BEGIN { exit !(a != "" && b != "" && 2 * b <= a) }'
	check "two namespaces: ... but dumped again since its baseline" [ "${b:-0}" -ge 2 ]
	check "two namespaces: status 0, nothing on stderr" run_done two
	diag "$T/two.ops" "$T/two.err"
	kill $busy_pid $still_pid "$(cat "$T/hold.pid")" 2>/dev/null
fi
done_testing
