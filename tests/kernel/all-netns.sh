#!/bin/bash
# --all-netns: several namespaces made here (named ones with `ip netns add`,
# unnamed "containers" with `unshare -n` in a cgroup named as docker names
# its scopes), each with sockets in known states; --once compared with
# `ss -N NAME` per namespace, labels, inodes, a leak found with its
# container and process; --events as namespaces appear and vanish, and
# under namespaces racing in and out of existence.
#
# Everything runs in a private mount namespace with its own /run/netns, so
# the host's named namespaces are neither listed nor touched; the host's
# own sockets are only ever counted under "host".
. "${top_srcdir:-.}/tests/kernel/lib.sh"
require_netns

if [ -z "${TL_ALLNS_PRIVATE:-}" ]; then
	TL_ALLNS_PRIVATE=1 exec unshare -m --propagation private bash "$0" "$@"
fi

T=$(mktemp -d)
export T
CG=
S=tlns$$
cleanup() {
	local fd pid
	tmux -L "$S" kill-server 2>/dev/null
	for fd in $FDS; do exec {fd}>&-; done
	for pid in $PIDS; do end_pid TERM "$pid" 2>/dev/null; done
	for n in tla tlb tlc tld; do ip netns del "$n" 2>/dev/null; done
	[ -n "$CG" ] && for d in "$CG"/*/; do rmdir "$d" 2>/dev/null; done
	[ -n "$CG" ] && rmdir "$CG" 2>/dev/null
	umount "$T/sandbox$$" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
FDS= PIDS=

mkdir -p /run/netns && mount -t tmpfs tl-netns /run/netns || {
	not_ok "a private /run/netns"
	done_testing
	exit
}

# A cgroup tree of our own for the "containers": in the unified hierarchy
# when there is one, else systemd's named one (the labels read either).
cgroot=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
[ -z "$cgroot" ] && cgroot=$(awk '$3 == "cgroup" && $4 ~ /name=systemd/ { print $2; exit }' /proc/mounts)
if [ -n "$cgroot" ] && mkdir "$cgroot/tltest-$$" 2>/dev/null; then
	CG=$cgroot/tltest-$$
else
	not_ok "a cgroup for the container (no writable cgroup hierarchy)"
fi

# hold NAME CMD...: run CMD with stdin from a FIFO held open until
# cleanup (sockgen keeps its sockets until its stdin closes); its stdout
# in $T/NAME.out.
hold() {
	local name=$1 fd
	shift
	rm -f "$T/$name.in"
	mkfifo "$T/$name.in"
	"$@" <"$T/$name.in" >"$T/$name.out" 2>"$T/$name.err" &
	PIDS="$PIDS $!"
	eval "HOLD_$name=$!"
	exec {fd}<>"$T/$name.in"
	FDS="$FDS $fd"
	eval "HOLDFD_$name=$fd"
	wait_for 60 sockgen_settled "$!" "$T/$name.out"
}

# release NAME: close what hold NAME holds, and wait for it to end.
release() {
	local fd pid
	eval "fd=\$HOLDFD_$1 pid=\$HOLD_$1"
	exec {fd}>&-
	wait_for 60 gone_pid "$pid"
	wait "$pid" 2>/dev/null
}

# container ID NAME SOCKGEN-ARGS...: sockgen in a new unnamed namespace,
# in the cgroup "docker-ID.scope"; its pid in $T/NAME.pid.
container() {
	local id=$1 name=$2 dir=$CG/docker-$1.scope
	shift 2
	mkdir -p "$dir"
	hold "$name" bash -c 'echo $$ >"$1/cgroup.procs" && echo $$ >"$T/$2.pid" || exit 1
		shift 2
		exec unshare -n sh -c "ip link set lo up && exec \"\$0\" \"\$@\"" "$@"' \
		bash "$dir" "$name" "$SOCKGEN" "$@"
}

# ss_ns NAME: "STATE N" for every state, from `ss -N NAME`.
ss_ns() {
	ss -N "$1" -tanH | awk -v states="$STATES" '
		{ s = $1; if (s == "ESTAB") s = "ESTABLISHED"; else if (s == "UNCONN") s = "CLOSED"; c[s]++ }
		END { n = split(states, a, " "); for (i = 1; i <= n; i++) print a[i], c[a[i]] + 0 }'
}

# tl_ns JSON LABEL: "STATE N" for every state of the object labelled LABEL.
tl_ns() {
	local s
	for s in $STATES; do
		echo "$s $(jq -r --arg l "$2" --arg s "$s" '.[] | select(.netns == $l) | .tcp.states[$s]' "$1")"
	done
}

# ids of our own (the pid in the short id): another run of this test on
# the machine makes containers too
ID1=3f2a$(printf '%08x' $$)$(printf '%052d' 1)
ID2=a1b2$(printf '%08x' $$)$(printf '%052d' 2)
ID3=0bad$(printf '%08x' $$)$(printf '%052d' 3)
SHORT1=${ID1:0:12} SHORT2=${ID2:0:12} SHORT3=${ID3:0:12}

setup_ok=true
for n in tla tlb tlc; do
	ip netns add "$n" && ip netns exec "$n" ip link set lo up || setup_ok=false
done
hold a ip netns exec tla "$SOCKGEN" listen=3 established=2 || setup_ok=false
hold b ip netns exec tlb "$SOCKGEN" -6 time-wait=2 listen=1 || setup_ok=false
hold c ip netns exec tlc "$SOCKGEN" close-wait=2 fin-wait-2=1 || setup_ok=false
if [ -n "$CG" ]; then
	container "$ID1" leaky -c leaky close-wait=3 || setup_ok=false
fi
# a namespace held by a bind mount alone, outside /run/netns (as a
# runtime keeps a sandbox's)
touch "$T/sandbox$$" && unshare --net="$T/sandbox$$" true || setup_ok=false
check "set-up: three named namespaces and a container with sockets" $setup_ok
$setup_ok || cat "$T"/*.err >&2

"$TCPLADDER" --once -A --json >"$T/all.json" 2>"$T/once.err"
rc=$?
# the references at once: TIME-WAIT and orphaned FIN-WAIT-2 sockets expire
# after 60 s, and a loaded machine may take that long over the checks
for n in tla tlb tlc; do ss_ns "$n" >"$T/ss.$n"; done
[ -n "$CG" ] && nsenter -t "$(cat "$T/leaky.pid")" -n ss -tanH >"$T/ss.leaky.raw"
check "--once -A --json: exit status 0" [ $rc = 0 ]
check "--once -A --json: an array" quiet jq -e 'type == "array"' "$T/all.json"
for n in tla tlb tlc; do
	tl_ns "$T/all.json" "$n" >"$T/tl.$n"
	check "$n: listed once, by its ip netns name" \
		[ "$(jq --arg l "$n" '[.[] | select(.netns == $l)] | length' "$T/all.json")" = 1 ]
	if diff -u "$T/ss.$n" "$T/tl.$n" >"$T/diff"; then
		ok "$n: every state matches ss -N $n"
	else
		not_ok "$n: every state matches ss -N $n"
		diag "$T/diff"
	fi
	check "$n: netns_inode is its namespace file's inode" \
		[ "$(jq --arg l "$n" '.[] | select(.netns == $l) | .netns_inode' "$T/all.json")" = \
		  "$(stat -L -c %i "/run/netns/$n")" ]
	check "$n: container null" \
		[ "$(jq -c --arg l "$n" '.[] | select(.netns == $l) | .container' "$T/all.json")" = null ]
done
# made SOCKGEN-OUT: "STATE N" for every state, from what sockgen made
made() {
	local s
	for s in $STATES; do
		echo "$s $(awk -v s="$s" '$1 == "expect" && $2 == s { print $3; f = 1 } END { if (!f) print 0 }' "$1")"
	done
}
for x in a:tla b:tlb c:tlc; do
	made "$T/${x%%:*}.out" >"$T/made.${x#*:}"
	check "${x#*:}: every state matches the sockets made" diff -u "$T/made.${x#*:}" "$T/tl.${x#*:}"
done
check "tlb: 2 TIME-WAIT (IPv6)" grep -qx "TIME-WAIT 2" "$T/tl.tlb"
check "tlc: CLOSE-WAIT owner is the sockgen in tlc" \
	[ "$(jq -r '.[] | select(.netns == "tlc") | .close_wait.by_process[0] | "\(.pid) \(.comm) \(.count)"' "$T/all.json")" = \
	  "$HOLD_c sockgen 3" ]
check "our own namespace is listed once, as host" \
	[ "$(jq '[.[] | select(.netns == "host")] | length' "$T/all.json")" = 1 ]
check "a namespace held by a mount alone is labelled by the mount's file name" \
	[ "$(jq --arg l "sandbox$$" '[.[] | select(.netns == $l) | .netns_inode] | .[0]' "$T/all.json")" = \
	  "$(stat -L -c %i "$T/sandbox$$")" ]
check "host's inode is ours" \
	[ "$(jq '.[] | select(.netns == "host") | .netns_inode' "$T/all.json")" = "$(stat -L -c %i /proc/self/ns/net)" ]
check "no namespace is listed twice (inodes distinct)" \
	[ "$(jq '[.[].netns_inode] | length' "$T/all.json")" = "$(jq '[.[].netns_inode] | unique | length' "$T/all.json")" ]
check "no label is listed twice" \
	[ "$(jq '[.[].netns] | length' "$T/all.json")" = "$(jq '[.[].netns] | unique | length' "$T/all.json")" ]

if [ -n "$CG" ]; then
	pid=$(cat "$T/leaky.pid")
	c=".[] | select(.netns == \"docker:$SHORT1\")"
	check "the container is labelled docker:$SHORT1" \
		[ "$(jq "[$c] | length" "$T/all.json")" = 1 ]
	check "its container fields: runtime docker, short id" \
		[ "$(jq -c "$c | .container | [.runtime, .id]" "$T/all.json")" = "[\"docker\",\"$SHORT1\"]" ]
	check "its inode is the namespace of its process" \
		[ "$(jq "$c | .netns_inode" "$T/all.json")" = "$(stat -L -c %i "/proc/$pid/ns/net")" ]
	check "its CLOSE-WAIT leak: the process and the count (leaky, 3)" \
		[ "$(jq -r "$c | .close_wait.by_process[0] | \"\(.pid) \(.comm) \(.count)\"" "$T/all.json")" = \
		  "$pid leaky 3" ]
	awk -v states="$STATES" '
		{ s = $1; if (s == "ESTAB") s = "ESTABLISHED"; c[s]++ }
		END { n = split(states, a, " "); for (i = 1; i <= n; i++) print a[i], c[a[i]] + 0 }' "$T/ss.leaky.raw" >"$T/ss.leaky"
	tl_ns "$T/all.json" "docker:$SHORT1" >"$T/tl.leaky"
	check "its states match ss in its namespace" diff -u "$T/ss.leaky" "$T/tl.leaky"
fi

"$TCPLADDER" --once -A >"$T/all.txt" 2>>"$T/once.err"
check "--once -A text: one row per namespace with its total" \
	awk -v t="$(jq '.[] | select(.netns == "tla") | .tcp.total' "$T/all.json")" \
	'$1 == "tla" && $3 == t { f = 1 } END { exit !f }' "$T/all.txt"
check "--once -A text: a header naming the states as columns" \
	grep -q '^NETNS .*INODE .*TOTAL .*LISTEN .*ESTAB .*CLOSE-WAIT .*TIME-WAIT' "$T/all.txt"
check "--once -A text: the leak named with its namespace" \
	grep -q "^CLOSE-WAIT by process (tlc)" "$T/all.txt"
check "-A with -N is a usage error" \
	sh -c '"$TCPLADDER" --once -A -N tla >/dev/null 2>&1; [ $? = 2 ]'
"$TCPLADDER" --once -A --json 'netns tl[ab] netns tlc' >"$T/some.json" 2>>"$T/once.err"
check "a netns filter chooses namespaces by name and pattern" \
	[ "$(jq -c '[.[].netns] | sort' "$T/some.json")" = '["tla","tlb","tlc"]' ]
check "...their counts unchanged (tla, whose states do not expire)" \
	[ "$(jq -c '.[] | select(.netns == "tla") | .tcp.states' "$T/some.json")" = \
	  "$(jq -c '.[] | select(.netns == "tla") | .tcp.states' "$T/all.json")" ]
[ -s "$T/once.err" ] && diag "$T/once.err"

# --events -A: namespaces appear and vanish while it runs.
# Only our namespaces are watched (a netns clause): other namespaces on
# the machine would each cost a dump, and the CPU budget would stretch
# the interval past the test's patience.
"$TCPLADDER" --events -A --json -d 0.2 'netns tl* netns docker:*' >"$T/ev.json" 2>"$T/ev.err" &
TL=$!
PIDS="$PIDS $TL"
# event_in LABEL PORT: a listener on PORT reported open in LABEL
event_in() {
	grep -F "\"netns\":\"$1\"" "$T/ev.json" | grep -qF "\"local\":\"127.0.0.1:$2\",\"remote\":\"0.0.0.0:0\",\"event\":\"open\""
}
"$TCPLADDER" --events -A --json -d 0.2 'netns tlb' >"$T/evb.json" 2>"$T/evb.err" &
TLB=$!
PIDS="$PIDS $TLB"
# mark_in NS FILE PORT...: a listener in NS, reported open in FILE.  A
# listener made before tcpladder's first dump is its baseline and never
# reported, and nothing says when that dump is done: so a new listener on
# the next port, until one is reported.
mark_in() {
	local ns=$1 file=$2 port
	shift 2
	for port; do
		hold "mk$port" ip netns exec "$ns" "$SOCKGEN" -p "$port" listen=1
		wait_for 20 grep -qF "\"local\":\"127.0.0.1:$port\",\"remote\":\"0.0.0.0:0\",\"event\":\"open\"" "$file" 2>/dev/null &&
			return 0
	done
	return 1
}
check "--events -A: an event in tla carries its label" mark_in tla "$T/ev.json" 7001 7004 7005 7006
check "...the label tla" sh -c 'grep -F "\"local\":\"127.0.0.1:700" "$T/ev.json" | grep -qF "\"netns\":\"tla\""'
check "--events -A 'netns tlb': events of tlb" mark_in tlb "$T/evb.json" 7011 7012 7013 7014
check "...and of no other namespace" \
	[ "$(jq -r .netns "$T/evb.json" | sort -u)" = tlb ]
end_pid INT $TLB
PIDS=${PIDS/ $TLB/}
if [ -n "$CG" ]; then
	# made while tcpladder is stopped, so that its listener is there
	# before tcpladder can find the namespace
	kill -STOP $TL
	container "$ID2" fresh -p 7100 listen=1
	kill -CONT $TL
	pid2=$(cat "$T/fresh.pid")
	check "a namespace made while it runs is announced once" \
		wait_for 60 grep -qF "network namespace 'docker:$SHORT2' appeared" "$T/ev.err"
	hold m2 nsenter -t "$pid2" -n "$SOCKGEN" -p 7002 listen=1
	check "its events carry its label" wait_for 60 event_in "docker:$SHORT2" 7002
	check "what was there when it was found is its baseline (no event)" \
		sh -c '! grep -qF "\"local\":\"127.0.0.1:7100\"" "$T/ev.json"'
	release m2
	release fresh
	check "the namespace vanishing is announced" \
		wait_for 60 grep -qF "network namespace 'docker:$SHORT2' vanished" "$T/ev.err"
	# another comes and is announced: later rescans have run since
	container "$ID3" third listen=1
	wait_for 60 grep -qF "network namespace 'docker:$SHORT3' appeared" "$T/ev.err"
	check "...once only" [ "$(grep -cF "'docker:$SHORT2' vanished" "$T/ev.err")" = 1 ]
fi
# Namespaces racing in and out of existence, processes exiting during the
# scans: it keeps going and keeps reporting.
racers=
for i in $(seq 1 40); do
	unshare -n true
	unshare -n sleep 0.0$((i % 10)) &
	racers="$racers $!"
done
wait $racers
hold m3 ip netns exec tla "$SOCKGEN" -p 7003 listen=1
check "namespaces racing in and out: it still reports" wait_for 60 event_in tla 7003
check "...and is still running" kill -0 $TL
ip netns add tld
check "a named namespace added while it runs is announced by its name" \
	wait_for 60 grep -qF "network namespace 'tld' appeared" "$T/ev.err"
kill -INT $TL
wait $TL
check "--events -A ends with status 0 on SIGINT" [ $? = 0 ]
PIDS=${PIDS/ $TL/}
check "no warnings" sh -c '! grep -v "^tcpladder: note: " "$T/ev.err" | grep -q .'
grep -v "^tcpladder: note: " "$T/ev.err" | diag

# The interactive view with -A, in tmux: the NETNS column, a namespace
# appearing on screen and leaving it.
if ! command -v tmux >/dev/null; then
	not_ok "tmux is missing: the interactive view is not tested"
else
	screen() { tmux -L "$S" capture-pane -p -t main; }
	# the table is beside the histogram on a wide screen
	row_of() { screen | grep -qE "(^|│) *$1 +$2 "; }
	no_row_of() { ! row_of "$@"; }
	tmux -L "$S" -f /dev/null new-session -d -s main -x 160 -y 40 \
		"TERM=screen LANG=C.UTF-8 LC_ALL=C.UTF-8 $(printf %q "$TCPLADDER") -A -d 0.2 'netns tl*'; echo EXIT=\$?; sleep 600"
	check "UI -A: the table has a NETNS column" wait_for 60 row_of STATE NETNS
	check "UI -A: rows labelled with their namespace" wait_for 60 row_of LISTEN tla
	ip netns add tle && ip netns exec tle ip link set lo up
	hold e ip netns exec tle "$SOCKGEN" -p 7200 listen=1
	check "UI -A: a namespace made while it runs shows up" wait_for 60 row_of LISTEN tle
	release e
	ip netns del tle
	check "UI -A: and leaves when it vanishes" wait_for 60 no_row_of LISTEN tle
	tmux -L "$S" send-keys -t main q
	check "UI -A: quits with status 0" wait_for 60 sh -c "tmux -L $S capture-pane -p -t main | grep -q '^EXIT=0'"
fi

done_testing
