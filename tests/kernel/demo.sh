#!/bin/bash
# The slow-motion lab, headless: the default scenario shows every state of
# the handshake and the close as observed, on the right side, with the
# right segments; the lost-ACK scenario shows the FIN sent again; nothing
# of the lab remains after the tool exits, or after SIGKILL.
. "${top_srcdir:-.}/tests/kernel/lib.sh"
require_netns

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT



# --demo=list: every scenario with its caption, in either language; no
# privilege needed, no lab made.
"$TCPLADDER" --demo=list >"$T/list" 2>"$T/list.err"
check "--demo=list: exit 0, nothing on stderr" [ $? = 0 -a ! -s "$T/list.err" ]
"$TCPLADDER" --demo=lists >/dev/null 2>"$T/list.err"
check "an unknown scenario is a usage error naming them" \
	[ $? = 2 -a "$(grep -c "unknown demo scenario 'lists' (full, " "$T/list.err")" = 1 ]
check "--demo=list: the scenario names, one a line, as the usage error names them" \
	[ "($(cut -d' ' -f1 "$T/list" | paste -sd, | sed 's/,/, /g'))" = "$(grep -o '(.*)' "$T/list.err")" ]
check "--demo=list: each with its caption" grep -q "^lost-ack  *The last ACK is lost" "$T/list"
LC_ALL=C.UTF-8 "$TCPLADDER" --demo=list --lang=zh >"$T/list.zh"
check "--demo=list --lang=zh: the captions in Chinese" grep -q "^lost-ack  *最后的 ACK 丢失" "$T/list.zh"
# Chinese needs UTF-8: in the C locale, or with --ascii, English and a note
# saying why (as the view and --events --ladder do)
for how in "C" "C.UTF-8 --ascii"; do
	# shellcheck disable=SC2086 # the locale and the option, split
	set -- $how
	LC_ALL=$1 "$TCPLADDER" --demo=list --lang=zh ${2:-} >"$T/list.c" 2>"$T/list.c.err"
	check "--demo=list --lang=zh ($how): exit 0, the captions in English" \
		[ $? = 0 -a "$(grep -c "^lost-ack  *The last ACK is lost" "$T/list.c")" = 1 ]
	check "--demo=list --lang=zh ($how): nothing but ASCII" \
		[ "$(LC_ALL=C grep -c '[^ -~]' "$T/list.c")" = 0 ]
	check "--demo=list --lang=zh ($how): one note on stderr says why" \
		[ "$(grep -c "^tcpladder: note: .*needs a UTF-8 terminal" "$T/list.c.err")" = 1 -a \
			"$(wc -l <"$T/list.c.err")" = 1 ]
done

(lab --demo --events --json --duration 10) >"$T/full.json" 2>"$T/full.err"
check "default scenario: exit 0" [ $? = 0 ]
check "default scenario: nothing on stderr" [ ! -s "$T/full.err" ]

# observed STATE SIDE SEGMENT DIR: that step, observed, on that side.
observed() {
	jq -e -s --arg st "$1" --arg side "$2" --arg seg "$3" --arg dir "$4" '
		[.[] | select(.event != "segment" and .netns == $side and .to == $st
			and .inferred == false and (.local | endswith(":8080") | not) == ($side == "A (client)")
			and (.segment // "-") == $seg and (.dir // "-") == $dir)] | length >= 1' \
		"$T/full.json" >/dev/null
}
for spec in "SYN-SENT A SYN out" "ESTABLISHED A SYN+ACK in" "FIN-WAIT-1 A FIN out" \
	"FIN-WAIT-2 A ACK in" "TIME-WAIT A FIN in" \
	"SYN-RECV B SYN in" "ESTABLISHED B ACK in" "CLOSE-WAIT B FIN in" \
	"LAST-ACK B FIN out" "CLOSED B ACK in"; do
	set -- $spec
	side="A (client)"
	[ "$2" = B ] && side="B (server)"
	check "observed on $2: $1 ($3 $4)" observed "$1" "$side" "$3" "$4"
done
check "the link carried SYN, SYN+ACK, FIN+ACK both ways" \
	jqe -s '[.[] | select(.event == "segment") | "\(.from)\(.segment)"] |
		(index("ASYN") != null) and (index("BSYN+ACK") != null) and
		(index("AFIN+ACK") != null) and (index("BFIN+ACK") != null)' "$T/full.json"

(lab --demo=lost-ack --events --json --duration 14) >"$T/lost.json" 2>"$T/lost.err"
check "lost-ack: exit 0" [ $? = 0 ]
check "lost-ack: the link dropped A's last ACK" \
	jqe -s '[.[] | select(.event == "segment" and .dropped and .from == "A" and .segment == "ACK")] | length == 1' \
	"$T/lost.json"
check "lost-ack: B sent its FIN again" \
	jqe -s '[.[] | select(.event == "segment" and .from == "B" and (.segment | startswith("FIN")))] | length >= 2' \
	"$T/lost.json"
check "lost-ack: TIME-WAIT answered it, and B closed" \
	jqe -s '[.[] | select(.event == "segment" and .from == "A" and .segment == "ACK" and (.dropped | not))] | length >= 3' \
	"$T/lost.json"
check "lost-ack: B still reached CLOSED" \
	jqe -s '[.[] | select(.netns == "B (server)" and .to == "CLOSED" and (.local | endswith(":8080")))] | length >= 1' \
	"$T/lost.json"

# A machine too busy to finish the handshake before the timeline's accept:
# the tool is stopped while A's SYN is on the link, past the accept's time
# and past A's data.  The timeline waits for the handshake, then plays the
# rest at its pace, so B still answers, closes and reaches LAST-ACK.
(lab --demo --events --json --link-delay 0.5 --duration 25) >"$T/held.json" 2>"$T/held.err" &
pid=$!
syn_sent() {
	jqe -s '[.[] | select(.event == "segment" and .from == "A" and .segment == "SYN")] | length >= 1' \
		"$T/held.json" 2>/dev/null
}
check "stalled run: A's SYN on the link" wait_for 60 syn_sent
kill -STOP $pid
sleep 4 # the stall itself: past the accept (2 s) and A's data (2.5 s)
kill -CONT $pid
wait $pid
check "stalled run: exit 0" [ $? = 0 ]
# The first connection B saw (the lab starts its next run only after this
# one's end) is the stalled one.
check "stalled run: B accepted, answered and its first connection reached LAST-ACK" \
	jqe -s '[.[] | select(.netns == "B (server)" and (.local | endswith(":8080")))] as $b |
		($b | map(select(.event == "open")) | .[0].conn) as $c | $c != null and
		([$b[] | select(.conn == $c and .to == "LAST-ACK")] | length >= 1)' "$T/held.json"

# The lab's namespaces are held by the tool's descriptors only (no process
# lives in them): once nothing refers to them, the kernel frees them.
# The kernel hands a freed namespace's inode number to the next namespace
# made (a lab or a private namespace of a test running beside this one),
# at once: only a process that was there before the tool ended can still
# hold the tool's.  $before: every process (PID:START, START in clock ticks
# since boot) just before the tool is told to end.  A clock read after the
# end would not do: under load a newcomer can start in between, or in the
# same tick.
start_of() { # PID: its start, in clock ticks since boot
	local line rest
	read -r line <"/proc/$1/stat" 2>/dev/null || return 1
	rest=${line##*) }
	# shellcheck disable=SC2086
	set -- $rest
	echo "${20}"
}
procs_now() {
	local d st
	for d in /proc/[0-9]*; do
		st=$(start_of "${d#/proc/}") && echo "${d#/proc/}:$st"
	done
}
older() { # PID: there before the tool ended (in $before, the same process)
	local st
	st=$(start_of "$1") || return 1
	grep -qx "$1:$st" <<<"$before"
}
referenced() { # INODE: does a process there before the tool ended refer to net:[INODE]?
	local p
	for p in $(find /proc/[0-9]*/fd /proc/[0-9]*/ns -lname "net:\[$1\]" 2>/dev/null |
		cut -d/ -f3 | sort -u); do
		older "$p" && return 0
	done
	return 1
}
# lab_of PID: the namespaces the tool holds besides its own.
lab_of() {
	local self
	self=$(readlink /proc/$1/ns/net | tr -dc 0-9)
	for f in /proc/$1/fd/*; do readlink "$f"; done | sed -n 's/^net:\[\([0-9]*\)\]$/\1/p' |
		sort -u | grep -vx "$self"
}
gone() { # INODES: none is referred to any more
	local ino
	for ino in "$@"; do referenced "$ino" && return 1; done
	return 0
}
# has_lab PID: the tool holds its two lab namespaces; they land in $lab.
has_lab() {
	lab=$(lab_of "$1")
	[ "$(echo "$lab" | grep -c .)" = 2 ]
}
# released: the two namespaces of $lab (found before) are referred to by
# nobody.  Never true of an empty list: what was not found cannot be gone.
released() {
	[ "$(echo "$lab" | grep -c .)" = 2 ] && gone $lab
}

(lab --demo --events) >/dev/null 2>&1 &
pid=$!
lab=
check "the PID is tcpladder's" wait_for 60 comm_is $pid tcpladder
check "while running: the lab's two namespaces exist" wait_for 60 has_lab $pid
echo "# lab namespaces: $(echo $lab)"
before=$(procs_now)
end_pid INT $pid
check "SIGINT: exit 0" [ $? = 0 ]
check "after a normal exit: nothing refers to them" wait_for 60 released

(lab --demo --events) >/dev/null 2>&1 &
pid=$!
lab=
check "while running again: the lab's two namespaces exist" wait_for 60 has_lab $pid
before=$(procs_now)
end_pid KILL $pid 2>/dev/null
check "after SIGKILL: nothing refers to the lab's namespaces" wait_for 60 released
check "after SIGKILL: no process remains" gone_pid $pid

# Without the privilege: loopback, with a note.
setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$TCPLADDER" --demo --events --json --duration 3 >"$T/lo.json" 2>"$T/lo.err"
check "unprivileged: runs on loopback (exit 0)" [ $? = 0 ]
check "unprivileged: says the quick steps are inferred" grep -q "inferred" "$T/lo.err"
check "unprivileged: the connection is still seen" \
	jqe -s '[.[] | select(.event == "open" and .netns == "self (loopback)")] | length >= 2' "$T/lo.json"

done_testing
