#!/bin/bash
# --events --ladder --ladder-format=svg|mermaid on real connections in a
# private namespace: each finished connection's ladder is a whole SVG
# document that xmllint accepts (and rsvg-convert draws), or a Mermaid
# sequenceDiagram whose every line is a statement of the grammar (no
# Mermaid parser is packaged in Debian: mermaid-cli is not, so the
# structure is checked here line by line).  Then the ladder screen's x
# key, in tmux: it writes the ladder shown in the three formats.
. "${top_srcdir:-.}/tests/kernel/lib.sh"
require_netns
require_cmd "xmllint (libxml2-utils), rsvg-convert (librsvg2-bin), python3 or tmux" \
	xmllint rsvg-convert python3 tmux

T=$(mktemp -d)
export T
cleanup() {
	touch "$T/stop"
	tmux -S "$T/sock" kill-server 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

# Short connections to 127.0.0.1:7000 until $T/stop exists: connect, send,
# the client closes first (TIME-WAIT), the server then closes.
cat >"$T/work.py" <<'PY'
import os, socket, sys, threading, time
T = sys.argv[1]
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 7000))
srv.listen(16)
def serve():
    while True:
        c, _ = srv.accept()
        while c.recv(4096):
            pass
        c.close()
threading.Thread(target=serve, daemon=True).start()
open(os.path.join(T, "ready"), "w").close()
while not os.path.exists(os.path.join(T, "stop")):
    c = socket.create_connection(("127.0.0.1", 7000))
    c.sendall(b"hello")
    c.close()
    time.sleep(0.3)
PY

# run FORMAT END: tcpladder writes ladders in FORMAT to $T/FORMAT until
# one ends (END seen), while the workload makes connections.
run() {
	rm -f "$T/stop" "$T/ready"
	in_netns '
		python3 "$T/work.py" "$T" 2>"$T/work.err" &
		wp=$!
		wait_for 60 test -e "$T/ready" || exit 1
		LC_ALL=C "$TCPLADDER" --events --ladder --ladder-format='"$1"' -d 0.1 \
			>"$T/'"$1"'" 2>"$T/'"$1"'.err" &
		tp=$!
		wait_for 120 grep -q -- "'"$2"'" "$T/'"$1"'"
		r=$?
		end_pid INT $tp
		echo $? >"$T/'"$1"'.rc"
		touch "$T/stop"
		wait $wp
		exit $r
	'
}

# ---- SVG ----
check "svg: a connection's ladder is written" run svg '</svg>'
check "svg: exit 0 on SIGINT" [ "$(cat "$T/svg.rc")" = 0 ]
check "svg: nothing on stderr" [ ! -s "$T/svg.err" ]
[ -s "$T/svg.err" ] && diag "$T/svg.err"
awk '/^<\?xml / { p = 1 } p { print } /^<\/svg>$/ { exit }' "$T/svg" >"$T/one.svg"
check "svg: the first document is valid XML" xmllint --noout "$T/one.svg"
X() { xmllint --xpath "$1" "$T/one.svg" 2>/dev/null; }
check "svg: the SVG namespace" [ "$(X 'namespace-uri(/*)')" = http://www.w3.org/2000/svg ]
check "svg: two lifelines" [ "$(X 'count(//*[local-name()="line"][starts-with(@class,"life")])')" = 2 ]
check "svg: the server's address heads B" \
	[ "$(X 'count(//*[local-name()="text"][.="B 127.0.0.1:7000 (server)"])')" = 1 ]
check "svg: the SYN, the FINs and the ACKs are arrows" bash -c "
	[ \"\$(xmllint --xpath 'count(//*[local-name()=\"text\"][contains(@class,\"label\")])' '$T/one.svg')\" -ge 7 ] &&
	grep -qE '>~?SYN</text>' '$T/one.svg' && grep -qE '>~?FIN</text>' '$T/one.svg'"
check "svg: the client ends in TIME-WAIT" grep -qE '>~?TIME-WAIT</text>' "$T/one.svg"
check "svg: every document is whole" \
	[ "$(grep -c '^<?xml ' "$T/svg")" = "$(grep -c '^</svg>$' "$T/svg")" ]
check "svg: rsvg-convert draws it" rsvg-convert -o "$T/one.png" "$T/one.svg"
check "svg: at the SVG's size" bash -c "
	[ \"\$(python3 '${top_srcdir:-.}/tests/render/pngcheck.py' '$T/one.png' | head -1)\" = \
	  \"size \$(xmllint --xpath 'concat(/*/@width, \" \", /*/@height)' '$T/one.svg')\" ]"

# ---- Mermaid ----
check "mermaid: a connection's diagram is written" run mermaid 'A: OK, bye'
check "mermaid: exit 0 on SIGINT" [ "$(cat "$T/mermaid.rc")" = 0 ]
check "mermaid: nothing on stderr" [ ! -s "$T/mermaid.err" ]
awk '/^sequenceDiagram$/ { p = 1 } p && /^$/ { exit } p' "$T/mermaid" >"$T/one.mmd"
diag "$T/one.mmd"
check "mermaid: starts with sequenceDiagram" [ "$(head -1 "$T/one.mmd")" = sequenceDiagram ]
check "mermaid: A and B are declared before use" bash -c "
	head -4 '$T/one.mmd' | grep -c '^    participant [AB] as ' | grep -qx 2"
check "mermaid: every line a statement of the grammar" bash -c "
	tail -n +2 '$T/one.mmd' | grep -Ev '^    (%%|participant [AB] as .|[AB]-?->>[AB]: .|Note (left of A|right of B|over A,B): .|title .)' |
	{ ! grep -q .; }"
check "mermaid: no raw ';' or '#' in a statement's text" bash -c "
	tail -n +2 '$T/one.mmd' | grep -v '^    %%' | sed 's/#[0-9]*;//g' | { ! grep -q '[;#]'; }"
check "mermaid: the handshake's SYN" grep -qE '^    A-?->>B: ~?SYN ' "$T/one.mmd"
check "mermaid: the client's FIN" grep -qE '^    A-?->>B: ~?FIN ' "$T/one.mmd"

# ---- the ladder screen: x saves the ladder shown ----
# One connection held open, from port 41000 to 7000, until $T/stop.
cat >"$T/hold.py" <<'PY'
import os, socket, sys, time
T = sys.argv[1]
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 7000))
srv.listen(4)
# the connection only once the view has sampled (its table shows the
# listener): then its handshake is seen, not found in the first sample
while not os.path.exists(os.path.join(T, "go")):
    time.sleep(0.05)
c = socket.socket()
c.bind(("127.0.0.1", 41000))
c.connect(("127.0.0.1", 7000))
s, _ = srv.accept()
while os.path.isdir(T) and not os.path.exists(os.path.join(T, "stop")):
    time.sleep(0.1)
PY
rm -f "$T/stop" "$T/go"
mkdir "$T/save"
TM=(-S "$T/sock")
netns_run bash -c '
	ip link set lo up
	tmux -S "$0" -f /dev/null new-session -d -s main -x 120 -y 40 \
		"cd \"$T/save\" && { python3 \"$T/hold.py\" \"$T\" 2>\"$T/hold.err\" & }
		 LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen \"$TCPLADDER\" -d 0.2 2>\"$T/ui.err\"
		 echo EXIT=\$?; sleep 600"
' "$T/sock"
check "ui: the view samples the listener" wait_screen "127.0.0.1:7000"
touch "$T/go"
check "ui: the held connection is in the table" wait_screen "127.0.0.1:41000"
tm send-keys -t main /
tm send-keys -t main -l 41000
check "ui: search finds it" wait_screen "Search: 41000"
tm send-keys -t main Enter
prompt_closed() { ! screen_has "Search: 41000"; }
check "ui: Enter closes the search" wait_for 60 prompt_closed
tm send-keys -t main Enter
check "ui: its ladder, x among the keys" wait_screen "x save"
check "ui: the handshake is drawn" wait_screen "SYN+ACK"
tm send-keys -t main x
check "ui: x says where the ladder went" wait_screen "ladder saved: ./tcpladder-ladder-0x"
saved() { ls "$T/save"/tcpladder-ladder-0x*."$1" 2>/dev/null | head -1; }
check "ui: three files, text, SVG and Mermaid" bash -c "
	[ \$(ls '$T/save' | grep -cE '^tcpladder-ladder-0x[0-9a-f]+\.(txt|svg|mmd)$') = 3 ]"
check "ui: the file named on screen" bash -c "
	tmux -S '$T/sock' capture-pane -p -t main | grep -qF \"\$(basename '$(saved svg)' .svg).txt .svg .mmd\""
check "ui: the SVG is valid XML" xmllint --noout "$(saved svg)"
check "ui: ... captioned with the connection's namespace" grep -q '>tcpladder: cookie 0x[0-9a-f]*, netns ' "$(saved svg)"
check "ui: ... and holds the handshake" grep -qE '>~?SYN\+ACK</text>' "$(saved svg)"
check "ui: the text has the legend and the ladder" bash -c "
	grep -q '^Legend: ' '$(saved txt)' && grep -q '127.0.0.1:41000 (client)' '$(saved txt)'"
check "ui: the Mermaid diagram" bash -c "head -1 '$(saved mmd)' | grep -qx sequenceDiagram"
tm send-keys -t main q
check "ui: back to the table" wait_screen "─ Events "
tm kill-server

# ---- --lang zh on the ladder screen; a Chinese locale without UTF-8 ----
# ui LOCALE-ENV ARGS: the view in tmux (a fresh namespace, the held
# connection) with the locale's variables given.
ui() {
	local env=$1
	shift
	tm kill-server 2>/dev/null
	netns_run bash -c '
		ip link set lo up
		tmux -S "$0" -f /dev/null new-session -d -s main -x 120 -y 40 \
			"cd \"$T/save\" && { python3 \"$T/hold.py\" \"$T\" 2>\"$T/hold.err\" & }
			 env -u LC_ALL -u LC_MESSAGES -u LANG $1 TERM=screen \"$TCPLADDER\" -d 0.2 $2
			 echo EXIT=\$?; sleep 600"
	' "$T/sock" "$env" "$*"
}
ui "LC_ALL=C.UTF-8" --lang zh
check "zh: the view starts" wait_screen "127.0.0.1:41000"
tm send-keys -t main /
tm send-keys -t main -l 41000
tm send-keys -t main Enter
tm send-keys -t main Enter
check "zh: the ladder screen's keys in Chinese" wait_screen "m 标记"
check "zh: the step in Chinese" wait_screen "步："
check "zh: no row starts with '。' or '，'" bash -c "
	! tmux -S '$T/sock' capture-pane -p -t main | grep -qE '(^|│ *)[。，]'"
ui "LANG=zh_CN.GB18030"
check "a Chinese locale without UTF-8: says why the ladder is English" \
	wait_screen "the ladder is in English: its Chinese needs a UTF-8"
tm kill-server
done_testing
