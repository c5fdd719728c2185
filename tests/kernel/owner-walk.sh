#!/bin/bash
# Owners found by the kernel's walk of every process's open files (a BPF
# task-file iterator) agree with /proc/PID/fd and with ss -p: a parent and
# its child share 30 CLOSE-WAIT sockets and the child holds 20 of its own.
# Without eBPF in the build, or as a normal user, /proc is read and the
# JSON says so.
. "${top_srcdir:-.}/tests/kernel/lib.sh"
require_netns
require_cmd "python3, jq, ss" python3 jq ss

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export T
# A copy at a short path: the command line is shown cut to a width, and a
# deep source tree (make distcheck) would push the arguments past it.
PY=$T/owner-walk.py
cp "${top_srcdir:-.}/tests/kernel/owner-walk.py" "$PY"
export PY
if "$TCPLADDER" --version | grep -q "exact mode (eBPF): built"; then
	WALK=ebpf
else
	WALK=proc
fi

in_netns '
	mkfifo "$T/in"
	python3 "$PY" 30 20 <"$T/in" >"$T/ready" 2>"$T/py.err" &
	exec 7<>"$T/in"
	wait_for 120 grep -q "^ready" "$T/ready" || exit 1
	"$TCPLADDER" --once --json state close-wait >"$T/walk.json" 2>"$T/walk.err"
	"$TCPLADDER" --once --json --no-exact state close-wait >"$T/proc.json" 2>"$T/proc.err"
	if command -v setpriv >/dev/null; then
		setpriv --reuid=65534 --regid=65534 --clear-groups \
			"$TCPLADDER" --once --json state close-wait >"$T/user.json" 2>"$T/user.err"
	fi
	ss -tanpH state close-wait >"$T/ss.txt"
	exec 7>&-
	wait
'
read -r _ PARENT CHILD <"$T/ready"
echo "parent $PARENT, child $CHILD" | diag

check "the holder is ready" [ -n "$CHILD" ]
check "50 CLOSE-WAIT sockets" jqe '.close_wait.total == 50' "$T/walk.json"
check "default: the owners come from $WALK" jqe --arg w "$WALK" '.close_wait.owners_from == $w' "$T/walk.json"
check "--no-exact: from /proc" jqe '.close_wait.owners_from == "proc"' "$T/proc.json"
for f in walk proc; do
	check "$f: every socket has one owner (counts sum to 50)" \
		jqe '[.close_wait.by_process[].count] | add == 50' "$T/$f.json"
	check "$f: only the two processes own them" \
		jqe --argjson p "$PARENT" --argjson c "$CHILD" \
		'[.close_wait.by_process[].pid] - [$p, $c] == []' "$T/$f.json"
	check "$f: the child's own 20 are the child's" \
		jqe --argjson c "$CHILD" \
		'[.close_wait.by_process[] | select(.pid == $c) | .count] | add >= 20' "$T/$f.json"
	check "$f: named as ss names them" \
		jqe '[.close_wait.by_process[].comm] | unique == ["python3"]' "$T/$f.json"
	check "$f: the command line" \
		jqe '.close_wait.by_process[0].cmdline | test("owner-walk.py 30 20")' "$T/$f.json"
done
# ss lists every process holding each socket: the shared ones name both.
check "ss agrees: 50 sockets, each held by the parent or the child" \
	[ "$(grep -c -E "pid=($PARENT|$CHILD)," "$T/ss.txt")" = 50 ]
check "ss agrees: 30 are shared" [ "$(grep -c "pid=$PARENT,.*pid=$CHILD,\|pid=$CHILD,.*pid=$PARENT," "$T/ss.txt")" = 30 ]
if command -v setpriv >/dev/null; then
	check "a normal user: /proc, the only way it has" jqe '.close_wait.owners_from == "proc"' "$T/user.json"
	check "a normal user: nothing on stderr" [ ! -s "$T/user.err" ]
else
	not_ok "setpriv missing (util-linux)"
fi
check "nothing on stderr" [ ! -s "$T/walk.err" -a ! -s "$T/proc.err" ]

done_testing
