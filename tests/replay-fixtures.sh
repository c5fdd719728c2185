#!/bin/bash
# replay-fixtures.sh: the recordings in tests/fixtures (made by
# tests/fixtures/make.sh) replayed without a kernel, as fast as they go:
# the lab's `--events --ladder` and `--events` (the link's segments and
# both ends' events) and real traffic's (web.tlr: a web server, a server
# that leaks CLOSE-WAIT, an abort, a refused connect) compared with
# goldens, the state at a moment (--once --at), and the interactive view
# (in tmux, 80x24) stopped at a moment of the recording.
# TL_UPDATE_GOLDEN=1 rewrites the goldens (refused under CI=true).
: "${TCPLADDER:=${top_builddir:-.}/src/tcpladder}"
fx=${top_srcdir:-.}/tests/fixtures
gd=${top_srcdir:-.}/tests/golden
export TZ=UTC LANG=C.UTF-8
n=0 failed=0
T=$(mktemp -d)
S=tlfx$$
trap 'tmux -L $S kill-server 2>/dev/null; rm -rf "$T"' EXIT
export XDG_CONFIG_HOME=$T/config # the view's settings: none saved

# golden NAME ARGS...: one test point
golden() {
	local name=$1
	shift
	n=$((n + 1))
	"$TCPLADDER" "$@" >"$T/out" 2>"$T/err"
	local rc=$?
	if [ -n "${TL_UPDATE_GOLDEN:-}" ]; then
		if [ "${CI:-}" = true ]; then
			echo "not ok $n - $name: goldens are not rewritten under CI=true"
			failed=$((failed + 1))
			return
		fi
		cp "$T/out" "$gd/$name.txt"
	fi
	if [ $rc = 0 ] && [ ! -s "$T/err" ] && [ -s "$T/out" ] && diff -u "$gd/$name.txt" "$T/out" >"$T/diff"; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name (exit $rc)"
		sed 's/^/# /' "$T/err" "$T/diff" 2>/dev/null | head -40
		failed=$((failed + 1))
	fi
}

golden replay-lab-full-ladder --replay "$fx/lab-full.tlr" --events --ladder --speed max
golden replay-lab-full-ladder-ascii --replay "$fx/lab-full.tlr" --events --ladder --ascii --speed max
golden replay-lab-rst-events --replay "$fx/lab-rst.tlr" --events --speed max
golden replay-lab-rst-json --replay "$fx/lab-rst.tlr" --events --json --speed 0
golden replay-lab-full-at2 --replay "$fx/lab-full.tlr" --once --json --at 2
golden replay-web-events --replay "$fx/web.tlr" --events --speed max
golden replay-web-json --replay "$fx/web.tlr" --events --json --speed 0
golden replay-web-ladder --replay "$fx/web.tlr" --events --ladder --speed max
golden replay-web-at5 --replay "$fx/web.tlr" --once --at 5

# check NAME CMD...: one test point
check() {
	local name=$1
	shift
	n=$((n + 1))
	if "$@"; then echo "ok $n - $name"; else
		echo "not ok $n - $name"
		failed=$((failed + 1))
	fi
}
# What the real traffic's ladders must keep true (the goldens hold them,
# these say why): a refused connect draws no SYN-RECV or SYN+ACK for the
# host that had no socket; exact-mode records time the handshake exactly;
# the data rows say bytes, not a count of segments the counters cannot
# tell, and come before the FIN that ends them.
lad=$gd/replay-web-ladder.txt
check "web: the refused connect is a SYN and an RST, nothing invented for B" \
	sh -c "grep -A7 '7070 (server)' '$lad' | grep -q 'RST' &&
		! grep -A7 '7070 (server)' '$lad' | grep -q 'SYN+ACK\|SYN-RECV'"
check "web: the handshakes exactly timed (eBPF records), no window" \
	sh -c "! grep -B1 'SYN-SENT │' '$lad' | grep -q '…'"
check "web: data rows in bytes, without a segment count" \
	sh -c "grep -q 'data 18 B' '$lad' && grep -q 'data 43 B' '$lad' && ! grep -q 'data [0-9]* segs\?,' '$lad'"
check "web: the request and the response before the server's FIN" \
	sh -c "awk '/8080 \\(server\\)/ { n++ } n == 1' '$lad' |
		awk '/data 18 B/ { d = NR } /data 43 B/ { r = NR } /B: A, I.m done sending/ { f = NR }
			END { exit !(d && r && d < r && r < f) }'"

# The interactive view, stopped 5 s into the recording (--at): its main
# screen and its leak screen, against goldens.
if ! command -v tmux >/dev/null; then
	if [ "${CI:-}" = true ]; then
		n=$((n + 1))
		echo "not ok $n - tmux is installed (CI=true: not skipping)"
		failed=$((failed + 1))
	else
		echo "# SKIP the interactive view: no tmux"
	fi
else
	screen() { tmux -L $S capture-pane -p -t main; }
	# settled TEXT: the screen shows TEXT and stays the same for a moment
	settled() {
		local i prev= cur
		for i in $(seq 600); do
			cur=$(screen)
			if [ "$cur" = "$prev" ] && printf '%s' "$cur" | grep -qF -- "$1"; then
				printf '%s\n' "$cur" >"$T/screen"
				return 0
			fi
			prev=$cur
			sleep 0.1
		done
		printf '%s\n' "$cur" >"$T/screen"
		return 1
	}
	# screen_golden NAME: the settled screen against the golden NAME
	screen_golden() {
		n=$((n + 1))
		if [ -n "${TL_UPDATE_GOLDEN:-}" ] && [ "${CI:-}" != true ]; then
			cp "$T/screen" "$gd/$1.txt"
		fi
		if diff -u "$gd/$1.txt" "$T/screen" >"$T/diff"; then echo "ok $n - $1"; else
			echo "not ok $n - $1"
			sed 's/^/# /' "$T/diff" | head -40
			failed=$((failed + 1))
		fi
	}
	tmux -L $S -f /dev/null new-session -d -s main -x 80 -y 24 \
		"TERM=screen '$TCPLADDER' --replay '$fx/web.tlr' --speed max --at 5 2>'$T/tui.err'; echo EXIT=\$?; sleep 600"
	check "the view plays the recording to --at and stays" settled "REPLAY ENDED web.tlr"
	screen_golden replay-web-tui-80x24
	tmux -L $S send-keys -t main L
	check "L: the leak screen" settled "CLOSE-WAIT by process"
	screen_golden replay-web-tui-leaks-80x24
	tmux -L $S send-keys -t main Escape q
	check "q quits, status 0, nothing on stderr" settled "EXIT=0"
	check "... and nothing on stderr" test ! -s "$T/tui.err"
fi
echo "1..$n"
[ $failed = 0 ]
