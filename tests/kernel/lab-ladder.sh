#!/bin/bash
# The lab's ladders draw what its link carried, headless (--events
# --ladder): the lost ACK of lost-ack as lost, B's FIN sent again and B's
# CLOSED on the ACK that arrived; the stale SYN of dup-syn with its age;
# in step mode, the segments held mid-link.  Every arrow the link carried
# is drawn at its exact time (no window, no bound).
. "${top_srcdir:-.}/tests/kernel/lib.sh"
require_netns

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# run_until FILE PATTERN ARGS...: the lab with ARGS printing its ladders
# into FILE, until a line matches the extended PATTERN, then SIGINT.
run_until() {
	local file=$1 pat=$2 pid
	shift 2
	(lab "$@" --events --ladder) >"$file" 2>"$file.err" &
	pid=$!
	check "$(basename "$file" .txt): the ladder shows what it should" \
		wait_for 300 grep -Eq "$pat" "$file"
	end_pid INT $pid
	check "$(basename "$file" .txt): exit 0 on SIGINT" [ $? = 0 ]
	check "$(basename "$file" .txt): nothing on stderr" [ ! -s "$file.err" ]
	[ -s "$file.err" ] && diag "$file.err"
}

# first_ladder FILE: the first run's ladder (from its header to the blank
# line that ends it).
first_ladder() {
	awk '/^A .*\(client\)/ { on = 1 } on { print } on && /^$/ { exit }' "$1"
}

# arrow_after FILE LABEL: the arrow row under the first label row that
# matches LABEL.
arrow_after() {
	grep -E -A1 -m1 "$2" "$1" | tail -1
}

# lost-ack: the whole lesson of TIME-WAIT, as the link carried it.
run_until "$T/lost.txt" 'A: OK, bye' --demo=lost-ack
first_ladder "$T/lost.txt" >"$T/lost1.txt"
diag "$T/lost1.txt"
check "lost-ack: the ACK the link dropped is drawn lost, and says so" \
	grep -Eq 'ACK lost.*lost: the link dropped it' "$T/lost1.txt"
check "lost-ack: its arrow ends half way in a cross" \
	bash -c "arrow_after() { grep -E -A1 -m1 \"\$2\" \"\$1\" | tail -1; }
		arrow_after '$T/lost1.txt' 'ACK lost' | grep -q '✗'"
check "lost-ack: B's FIN is drawn sent again, after the lost ACK" \
	awk '/ACK lost/ { l = NR } /FIN again/ && l { f = 1 } END { exit !f }' "$T/lost1.txt"
check "lost-ack: B closes on the ACK that arrived, after the FIN sent again" \
	awk '/FIN again/ { f = NR } f && NR > f + 1 && /CLOSED/ { c = 1 } END { exit !c }' \
	"$T/lost1.txt"
check "lost-ack: no CLOSED drawn on the lost ACK" \
	bash -c "grep -A1 -m1 'ACK lost' '$T/lost1.txt' | tail -1 | grep -vq CLOSED"
check "lost-ack: the link's arrows at exact times (the SYN's row has no window)" \
	bash -c "grep -A1 -m1 ' SYN  ' '$T/lost1.txt' | tail -1 | grep -Eq '^ *\+[0-9]+\.[0-9]{3}s '"
check "lost-ack: the legend names the cross" \
	bash -c "head -1 '$T/lost.txt' | grep -q 'lost by the link'"

# dup-syn: B's request socket for the stale SYN, the SYN drawn with its age.
run_until "$T/dup.txt" 'duplicate of a SYN sent [0-9.]+ s ago' --demo=dup-syn
diag "$T/dup.txt"
age=$(grep -Eo 'duplicate of a SYN sent [0-9.]+ s ago' "$T/dup.txt" | head -1 | grep -Eo '[0-9]+\.[0-9]')
check "dup-syn: the stale SYN is labelled as such" grep -q 'stale SYN' "$T/dup.txt"
check "dup-syn: its age is the time since the original SYN (over a second: $age s)" \
	awk -v a="$age" 'BEGIN { exit !(a + 0 > 1) }'
check "dup-syn: B answered it with a SYN+ACK, drawn in the same ladder" \
	bash -c "awk '/stale SYN/ { s = 1 } s && /SYN\\+ACK/ { f = 1 } END { exit !f }' '$T/dup.txt'"
check "dup-syn: and an RST crossed the link there" \
	bash -c "awk '/stale SYN/ { s = 1 } s && / RST / { f = 1 } END { exit !f }' '$T/dup.txt'"
check "dup-syn: no SYN-SENT invented for A on the stale SYN's row" \
	bash -c "grep -A1 -m1 'stale SYN' '$T/dup.txt' | tail -1 | grep -vq 'SYN-SENT'"

# half-close: B's data after A's FIN is drawn between A's FIN-WAIT-2 and
# B's FIN, and the ladder's data each way is what the link carried: its
# bytes (payload only: neither A's SYN nor a FIN) and its segments.  The
# link's segments are read back from the run's recording.  In exact mode
# (where it runs) and in polling mode: their tcp_info records differ.
# ladder_data FILE DIR: "BYTES SEGS" of the data rows of the ladder in
# FILE, A to B (DIR ▶) or B to A (DIR ◀); a row's label may end in
# the link's relative numbers.
ladder_data() {
	awk -v d="$2" '/│ *data [0-9]+ segs?, [0-9]+ B( +seq=[0-9]+( ack=[0-9]+)?)? *│/ {
			match($0, /data [0-9]+ segs?, [0-9]+ B/); split(substr($0, RSTART, RLENGTH), w, /[ ,]+/)
			segs = w[2]; bytes = w[4]; getline
			if (index($0, d)) { b += bytes; s += segs }
		}
		END { print b + 0, s + 0 }' "$1"
}
# link_data FILE FROM: "BYTES SEGS" of the data segments of the first run
# in the replayed events in FILE from FROM ("A -> B" or "B -> A").
link_data() {
	awk -v f="$2" '/^== / { n++ } n == 1 && index($0, "link " f "  data ") {
			b += $(NF - 1); s++
		}
		END { print b + 0, s + 0 }' "$1"
}
for mode in exact polling; do
	opt=
	[ $mode = polling ] && opt=--no-exact
	run_until "$T/half-$mode.txt" 'A: OK, bye' --demo=half-close --record="$T/half-$mode.tlr" $opt
	first_ladder "$T/half-$mode.txt" >"$T/half1-$mode.txt"
	diag "$T/half1-$mode.txt"
	"$TCPLADDER" --replay "$T/half-$mode.tlr" --events --speed max >"$T/half-$mode.ev" 2>&1
	check "half-close ($mode): the recording replays" grep -q 'link B -> A  data' "$T/half-$mode.ev"
	check "half-close ($mode): B's data drawn after A's FIN-WAIT-2, before B's FIN" \
		awk '/FIN-WAIT-2/ && !w { w = NR } w && /◀/ && prev ~ /data [0-9]/ { d = NR }
			/Then I.m done too/ && d { f = 1 } { prev = $0 } END { exit !f }' \
		"$T/half1-$mode.txt"
	for way in "A -> B:▶" "B -> A:◀"; do
		read -r lb ls < <(ladder_data "$T/half1-$mode.txt" "${way#*:}")
		read -r kb ks < <(link_data "$T/half-$mode.ev" "${way%:*}")
		check "half-close ($mode): ${way%:*} the ladder's data is the link's ($lb B in $ls, link $kb B in $ks)" \
			[ "$kb" -gt 0 -a "$lb" = "$kb" -a "$ls" = "$ks" ]
	done
done

# ... and the view's ladder of the lab (tmux) draws B's data there too.
# half_view: the screen shows A's FIN-WAIT-2, then a data arrow from B,
# then B's FIN.
half_view() {
	tm capture-pane -p -t main >"$T/view.txt" 2>/dev/null &&
		awk '/FIN-WAIT-2/ && !w { w = NR } w && /◀/ && prev ~ /data [0-9]+ segs?, [0-9]+ B/ { d = NR }
			/Then I.m done too/ && d { f = 1 } { prev = $0 } END { exit !f }' "$T/view.txt"
}
if command -v tmux >/dev/null || [ "${CI:-}" = true ]; then
	TM=(-L lab-ladder-$$)
	printf '%s\n' "exec unshare -n sh -c 'sysctl -qw net.ipv4.tcp_child_ehash_entries=1024 2>/dev/null
		exec \"\$@\"' sh \"$TCPLADDER\" --no-owners --demo=half-close" >"$T/view.sh"
	tm -f /dev/null new-session -d -s main -x 130 -y 40 "LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen bash $T/view.sh"
	if wait_for 300 half_view; then
		ok "half-close view: B's data arrow between A's FIN-WAIT-2 and B's FIN"
	else
		not_ok "half-close view: B's data arrow between A's FIN-WAIT-2 and B's FIN"
		sed 's/^/#   /' "$T/view.txt"
	fi
	tm send-keys -t main q
	tm kill-server 2>/dev/null
elif [ "${CI:-}" = true ]; then
	not_ok "half-close view: tmux is missing (CI=true: not skipping)"
fi

# step mode: a space a second releases one held segment; the held ones
# are drawn as held (or, held too long, as sent again).
mkfifo "$T/keys"
(lab --demo --step --events --ladder <"$T/keys") >"$T/step.txt" 2>"$T/step.err" &
pid=$!
exec 7<>"$T/keys"
(while kill -0 $pid 2>/dev/null; do
	echo " " >&7 || break
	sleep 1 # the pace of a user pressing Space, not a wait for anything
done) 2>/dev/null &
feeder=$!
check "step: the ladder is printed" wait_for 600 grep -q 'A: OK, bye\|CLOSED' "$T/step.txt"
kill $feeder 2>/dev/null
exec 7>&-
end_pid INT $pid
check "step: exit 0 on SIGINT" [ $? = 0 ]
diag "$T/step.txt"
check "step: held segments are drawn held" grep -Eq 'held mid-link until released|sent again' \
	"$T/step.txt"
check "step: a held SYN is in the ladder" grep -Eq 'SYN (held|again)' "$T/step.txt"

done_testing
