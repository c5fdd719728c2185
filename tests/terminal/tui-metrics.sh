#!/bin/bash
# --ui beside --metrics-listen: the view runs in tmux, in a private
# namespace holding a leaking process, while /metrics is scraped from the
# same namespace.  Both show the same sockets; scrapes are answered while
# the view runs and keeps answering keys; the server writes nothing on the
# screen; quitting the view ends the server too.
. "${top_srcdir:-.}/tests/kernel/lib.sh"
require_netns
require_cmd tmux tmux
require_cmd curl curl

T=$(mktemp -d)
S=tlm$$
LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")/../kernel" && pwd)/lib.sh
export T
cleanup() {
	tmux -L "$S" kill-server 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

TM=(-L "$S")
SCREEN_WAIT=60

cat >"$T/pane.sh" <<'EOF'
. "$1"
start_sockgen -c leaky listen=1 close-wait=3 || { echo SOCKGEN-FAILED; exec sleep 600; }
LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen bash -c 'echo $$ >"$T/tl.pid"; exec "$TCPLADDER" "$@"' \
	tcpladder --ui --metrics-listen 127.0.0.1:9490 -d 0.2
echo "EXIT=$?"
exec sleep 600
EOF
netns_run bash -c '
	ip link set lo up
	tmux -L "$0" -f /dev/null new-session -d -s main -x 100 -y 30 "bash \"\$T/pane.sh\" $1"
' "$S" "$(printf '%q' "$LIB")"

check "the view starts" wait_screen "States"
wait_for 60 test -s "$T/tl.pid"
pid=$(cat "$T/tl.pid")
# in_view CMD...: CMD in the view's namespace.
in_view() { nsenter --net="/proc/$pid/ns/net" "$@"; }
URL=http://127.0.0.1:9490/metrics
scrape() { in_view curl -sf "$URL" -o "$T/$1" 2>/dev/null; }
samples() { awk '$1 == "tcpladder_samples_total" { print $2 }' "$T/$1"; }
cw_owner() { scrape s.txt && grep -qx "tcpladder_tcp_close_wait_sockets{comm=\"leaky\",pid=\"[0-9]*\"} 3" "$T/s.txt"; }

check "a scrape while the view runs: leaky's 3 CLOSE-WAIT" wait_for 60 cw_owner
cw=$(awk '/^tcpladder_tcp_sockets\{.*state="CLOSE-WAIT"/ { n += $2 } END { print n + 0 }' "$T/s.txt")
check "the scrape's CLOSE-WAIT count is sockgen's ($cw)" [ "$cw" = 3 ]
check "the view shows the same CLOSE-WAIT count" \
	wait_for 60 eval 'screen | awk '\''$1 == "CLOSE-WAIT" && $2 == 3 { f = 1 } END { exit !f }'\'''
n0=$(samples s.txt)
more() { scrape s2.txt && [ "$(samples s2.txt)" -ge $((n0 + 5)) ]; }
check "samples go on while the view runs, and scrapes follow them" wait_for 60 more

# The view answers keys between scrapes: the leak screen names leaky.
tm send-keys -t main L
check "the leak screen, between scrapes, names leaky" wait_screen "leaky"
check "a scrape with the leak screen up" scrape s3.txt
tm send-keys -t main q
check "back to the main screen" wait_screen "States"
code=$(in_view curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:9490/nothing)
# (404 as a word: ports, inodes and cookies on the screen may hold the digits)
check "a 404 answered ($code) and nothing of it on the screen" \
	[ "$code" = 404 -a "$(screen | grep -ciE '(^|[^0-9a-fx:.])404([^0-9a-f]|$)|not found|microhttpd|/nothing')" = 0 ]

tm send-keys -t main q
check "q ends the view with status 0" wait_screen "EXIT=0"
gone() { ! in_view curl -s -o /dev/null "$URL" 2>/dev/null; }
check "and the metrics server with it" gone
check "the terminal is restored" bash -c "! tmux -L '$S' capture-pane -p -t main | grep -q 'States'"
done_testing
