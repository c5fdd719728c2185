#!/bin/bash
# --events with nowhere to write: stdout /dev/full, or a file on a full
# filesystem (a small tmpfs, in a private mount namespace).  Each ends with
# one line naming the write error and status 1, at the first event, and
# does not spin.  (A closed pipe ends quietly with status 0: events.sh.)
# Then a normal user (nobody): --once and --events work on what it can
# see, and what it cannot see is said once.
. "${top_srcdir:-.}/tests/kernel/lib.sh"
require_netns
require_cmd setpriv setpriv

T=$(mktemp -d)
chmod 755 "$T"
export T
cleanup() {
	umount "$T/small" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

# nowhere OUT NAME: tcpladder --events >OUT in a namespace; a new listener
# each round until it has ended (what was open before its first dump is
# its baseline, not an event).  Its status lands in $T/NAME.rc, stderr in
# $T/NAME.err, its CPU time in $T/NAME.cpu.
nowhere() {
	in_netns '
		"$TCPLADDER" --events --no-exact -d 0.1 >"'"$1"'" 2>"$T/'"$2"'.err" &
		tl=$!
		ended() {
			start_sockgen -p $((31000 + round)) listen=1 || return 1
			round=$((round + 1))
			for _ in $(seq 20); do gone_pid $tl && break; sleep 0.05; done
			stop_sockgen
			gone_pid $tl
		}
		round=0
		wait_for 120 ended
		end_pid KILL $tl
		echo $? >"$T/'"$2"'.rc"
	'
}

nowhere /dev/full full
check "/dev/full: status 1" [ "$(cat "$T/full.rc")" = 1 ]
check "/dev/full: one line" [ "$(wc -l <"$T/full.err")" = 1 ]
check "/dev/full: naming the error" grep -qx "tcpladder: write error: No space left on device" "$T/full.err"
diag "$T/full.err"

mkdir "$T/small"
mount -t tmpfs -o size=16k tmpfs "$T/small"
head -c 1M /dev/zero >"$T/small/filler" 2>/dev/null
nowhere "$T/small/events" fs
check "full filesystem: status 1" [ "$(cat "$T/fs.rc")" = 1 ]
check "full filesystem: one line" [ "$(wc -l <"$T/fs.err")" = 1 ]
check "full filesystem: naming the error" grep -qx "tcpladder: write error: No space left on device" "$T/fs.err"
diag "$T/fs.err"
umount "$T/small"

# A normal user.  The listener belongs to root: its owner cannot be read.
in_netns '
	start_sockgen -p 31500 listen=1 established=1 || exit 1
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		"$TCPLADDER" --once --json >"$T/user.json" 2>"$T/user.err"
	echo $? >"$T/user.rc"
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		"$TCPLADDER" --once >"$T/usertext" 2>"$T/usertext.err"
	echo $? >"$T/usertext.rc"
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		"$TCPLADDER" --events --json -d 0.1 -n 5 >"$T/userev.json" 2>"$T/userev.err"
	echo $? >"$T/userev.rc"
	stop_sockgen
'
check "nobody: --once works (status $(cat "$T/user.rc"))" [ "$(cat "$T/user.rc")" = 0 ]
check "nobody: the listener and the established pair are counted" \
	jqe '.tcp.states.LISTEN >= 1 and .tcp.states.ESTABLISHED >= 2' "$T/user.json"
check "nobody: --once text works" [ "$(cat "$T/usertext.rc")" = 0 ]
check "nobody: --events works" [ "$(cat "$T/userev.rc")" = 0 ]
check "nobody: exact mode's absence is said at most once" \
	[ "$(grep -c "exact" "$T/userev.err")" -le 1 ]
check "nobody: nothing said twice" [ -z "$(sort "$T/userev.err" | uniq -d)" ]
diag "$T/user.err" "$T/usertext.err" "$T/userev.err"

done_testing
