#!/bin/bash
# The lab's lessons, headless, each checked from what the kernels did (the
# events of both ends and the segments the link carried):
# - half-close: B's data crosses after A entered FIN-WAIT-2, then B's FIN;
# - dup-syn: the link's stale copy of A's SYN makes a request socket at B
#   that ends without ESTABLISHED, and an RST crosses the link;
# - step mode: segments wait mid-link until released, one at a time; the
#   sender's kernel sends a held segment again; g lets everything go.
. "${top_srcdir:-.}/tests/kernel/lib.sh"
require_netns

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT



# run_until FILE CONDITION ARGS...: the lab with ARGS, its JSON events in
# FILE, until the jq CONDITION holds of them (slurped), then SIGINT.
run_until() {
	local file=$1 cond=$2 pid
	shift 2
	(lab "$@" --events --json) >"$file" 2>"$file.err" &
	pid=$!
	check "$(basename "$file" .json): the run shows what it should" \
		wait_for 300 jqe -s "$cond" "$file"
	end_pid INT $pid
	check "$(basename "$file" .json): exit 0 on SIGINT" [ $? = 0 ]
	check "$(basename "$file" .json): nothing on stderr" [ ! -s "$file.err" ]
	[ -s "$file.err" ] && diag "$file.err"
}

# Filters of the events, for the conditions below.
A='select(.netns == "A (client)" and (.local | endswith(":8080") | not))'
B='select(.netns == "B (server)" and (.local | endswith(":8080")))'
SEG='select(.event == "segment")'

# half-close: A's FIN-WAIT-2, A's TIME-WAIT and B's end.
run_until "$T/half.json" "
	([.[] | $A | select(.to == \"FIN-WAIT-2\")][0].t) as \$fw2 | \$fw2 != null and
	([.[] | $A | select(.to == \"TIME-WAIT\")] | length >= 1) and
	([.[] | $B | select(.to == \"CLOSED\")] | length >= 1)" \
	--demo=half-close
check "half-close: A's FIN-WAIT-2 was observed" \
	jqe -s "[.[] | $A | select(.to == \"FIN-WAIT-2\" and .inferred == false)] | length >= 1" "$T/half.json"
check "half-close: at least two data segments from B after A entered FIN-WAIT-2" \
	jqe -s "([.[] | $A | select(.to == \"FIN-WAIT-2\")][0].t) as \$fw2 |
		[.[] | $SEG | select(.from == \"B\" and (.segment | startswith(\"data\")) and .t > \$fw2)] |
		length >= 2" "$T/half.json"
check "half-close: A acknowledged them (ACKs from A while in FIN-WAIT-2)" \
	jqe -s "([.[] | $A | select(.to == \"FIN-WAIT-2\")][0].t) as \$fw2 |
		([.[] | $SEG | select(.from == \"B\" and (.segment | startswith(\"FIN\")))][0].t) as \$fin |
		[.[] | $SEG | select(.from == \"A\" and .segment == \"ACK\" and .t > \$fw2 and .t < \$fin)] |
		length >= 2" "$T/half.json"
check "half-close: B's FIN came after its data" \
	jqe -s "[.[] | $SEG | select(.from == \"B\") | .segment] |
		(map(startswith(\"data\")) | rindex(true)) < (map(startswith(\"FIN\")) | index(true))" \
	"$T/half.json"
check "half-close: B went CLOSE-WAIT, then LAST-ACK, then CLOSED" \
	jqe -s "[.[] | $B | .to] | (index(\"CLOSE-WAIT\") // 99) < (index(\"LAST-ACK\") // -1) and
		(index(\"LAST-ACK\") // 99) < (rindex(\"CLOSED\") // -1)" "$T/half.json"

# dup-syn: after the stale SYN, a request socket at B that ends.
STALE='([.[] | select(.event == "segment" and .stale_s != null)][0].t) as $st'
# B's connections opened after the stale SYN, each as its events
AFTER="$STALE | [.[] | $B | select(.t >= \$st)] | group_by(.conn)"
run_until "$T/dup.json" "$STALE | \$st != null and
	([.[] | $B | select(.t >= \$st and .to == \"CLOSED\")] | length >= 1)" --demo=dup-syn
check "dup-syn: the link kept a copy of A's first SYN" \
	jqe -s "[.[] | $SEG | select(.kept)] | length >= 1 and .[0].segment == \"SYN\" and .[0].from == \"A\"" \
	"$T/dup.json"
check "dup-syn: and sent it to B later, marked with its age" \
	jqe -s "[.[] | $SEG | select(.stale_s != null)][0] | .from == \"A\" and .segment == \"SYN\" and .stale_s > 1" \
	"$T/dup.json"
check "dup-syn: it was a copy (the same sequence number as the kept SYN)" \
	jqe -s "([.[] | $SEG | select(.kept)][0].seq) == ([.[] | $SEG | select(.stale_s != null)][0].seq)" \
	"$T/dup.json"
check "dup-syn: B's kernel made a request socket for it (SYN-RECV, SYN in)" \
	jqe -s "$AFTER | map(select(.[0].event == \"open\" and .[0].to == \"SYN-RECV\")) | length >= 1" \
	"$T/dup.json"
check "dup-syn: the request socket ended without ESTABLISHED" \
	jqe -s "$AFTER | map(select(.[0].to == \"SYN-RECV\")) | .[0] |
		(map(.to) | index(\"ESTABLISHED\") == null) and (map(.to) | index(\"CLOSED\") != null)" \
	"$T/dup.json"
check "dup-syn: B answered SYN+ACK, and an RST crossed the link" \
	jqe -s "$STALE | [.[] | $SEG | select(.t > \$st) | \"\\(.from)\\(.segment)\"] |
		(index(\"BSYN+ACK\") // 99) < (map(endswith(\"RST\")) | index(true) // -1)" "$T/dup.json"
diag_segments() { # what the kernels sent after the stale SYN, for the log
	jq -r -s "$STALE | .[] | select(.event == \"segment\" and .t >= \$st) | \"# \\(.from) -> \\(.to) \\(.segment)\"" "$1"
}
diag_segments "$T/dup.json" | head -8

# step mode, driven through stdin.
mkfifo "$T/keys"
(lab --demo --step --events --json <"$T/keys") >"$T/step.json" 2>"$T/step.err" &
pid=$!
exec 7<>"$T/keys"
count() { # JQ-FILTER: how many events match it
	jq -s "[.[] | $1] | length" "$T/step.json" 2>/dev/null
}
has() { [ "$(count "$1")" -ge "${2:-1}" ]; }
check "step: A's SYN held mid-link" wait_for 120 has "$SEG | select(.from == \"A\" and .segment == \"SYN\" and .held)"
check "step: held long enough, A's kernel sent its SYN again (marked resent)" \
	wait_for 120 has "$SEG | select(.from == \"A\" and .segment == \"SYN\" and .resent and .held)"
check "step: nothing reached B: B sent nothing" [ "$(count "$SEG | select(.from == \"B\")")" = 0 ]
echo " " >&7 # a space and a newline: two releases
check "step: two releases" wait_for 120 has 'select(.event == "release")' 2
check "step: the first released is A's first SYN" \
	jqe -s '[.[] | select(.event == "release")][0] | .from == "A" and .segment == "SYN"' "$T/step.json"
check "step: B answered the SYN with a SYN+ACK, held in turn" \
	wait_for 120 has "$SEG | select(.from == \"B\" and .segment == \"SYN+ACK\" and .held)"
check "step: B's request socket (SYN-RECV, observed)" \
	wait_for 120 has "$B | select(.to == \"SYN-RECV\" and .inferred == false)"
check "step: A is still in SYN-SENT: the SYN+ACK is held" \
	[ "$(count "$A | select(.to == \"ESTABLISHED\")")" = 0 ]
check "step: exactly two released so far" [ "$(count 'select(.event == "release")')" = 2 ]
echo g >&7
check "step: g releases all; the run goes on to its close" \
	wait_for 300 has "$B | select(.to == \"CLOSED\")"
check "step: g released the rest, and later segments are not held" \
	jqe -s "([.[] | select(.event == \"release\")] | last.t) as \$g |
		[.[] | $SEG | select(.t > \$g and .held)] | length == 0" "$T/step.json"
exec 7>&-
end_pid INT $pid
check "step: exit 0" [ $? = 0 ]
check "step: nothing on stderr" [ ! -s "$T/step.err" ]

# Step mode in the interactive view (tmux): S, Space, G.
if command -v tmux >/dev/null || [ "${CI:-}" = true ]; then
	S=lessons-$$
	TM=(-L "$S")
	printf '%s\n' "exec unshare -n sh -c 'sysctl -qw net.ipv4.tcp_child_ehash_entries=1024 2>/dev/null
		exec \"\$@\"' sh \"$TCPLADDER\" --no-owners --demo" >"$T/view.sh"
	tm -f /dev/null new-session -d -s main -x 130 -y 36 "bash $T/view.sh"
	shows() { tm capture-pane -p -t main | grep -q -- "$1"; }
	check "view: the lab's first run on its ladder" wait_for 120 shows "w why"
	tm send-keys -t main S
	check "view: S turns step mode on" wait_for 60 shows "step mode: [0-9]* held, 0 released"
	check "view: segments held mid-link, and counted" wait_for 120 shows "step mode: [1-9][0-9]* held"
	tm send-keys -t main Space
	check "view: Space releases one" wait_for 60 shows "step mode: [0-9]* held, 1 released"
	tm send-keys -t main G
	check "view: G releases all and leaves step mode" wait_for 60 shows "step mode off"
	tm send-keys -t main q
	tm kill-server 2>/dev/null
	# the old server gone before a new one starts on its socket (a new
	# session sent to the dying server went with it)
	wait_for 30 eval '! tm has-session 2>/dev/null'
	# late-fin's clocks, read from the sockets' timers
	sed -i 's/--demo$/--demo=late-fin/' "$T/view.sh"
	tm -f /dev/null new-session -d -s main -x 130 -y 36 "bash $T/view.sh"
	desc="view: late-fin says how long A's TIME-WAIT has left, and B's next FIN"
	if wait_for 300 shows "A's TIME-WAIT: [0-9]* s left .*; B sends its FIN again in [0-9]* s"; then
		ok "$desc"
	else
		not_ok "$desc"
		tm capture-pane -p -t main | sed 's/^/#   /'
	fi
	tm send-keys -t main q
	tm kill-server 2>/dev/null
	wait_for 30 eval '! tm has-session 2>/dev/null'

	# The lab in Chinese (a UTF-8 locale): no English left of what it
	# says (the protocol's names, addresses and the namespaces' labels
	# stay); and the key line and the ladder at 80x24, 200x60 and 40x12.
	# Each view in a session of its own, side by side.
	view() { # SESSION COLSxROWS ARGS...: the lab in a new session
		local s=$1 size=$2
		shift 2
		printf '%s\n' "exec unshare -n sh -c 'sysctl -qw net.ipv4.tcp_child_ehash_entries=1024 2>/dev/null
			exec \"\$@\"' sh \"$TCPLADDER\" --no-owners $*" >"$T/view-$s.sh"
		tm -f /dev/null new-session -d -s "$s" -x "${size%x*}" -y "${size#*x}" \
			"LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen bash $T/view-$s.sh"
	}
	on() { tm capture-pane -p -t "$1" 2>/dev/null | grep -q -- "$2"; }
	# on_check DESC SESSION PATTERN: wait for it; if it never shows, the screen
	on_check() {
		if wait_for 120 on "$2" "$3"; then
			ok "$1"
		else
			not_ok "$1"
			tm capture-pane -p -t "$2" | sed 's/^/#   | /'
		fi
	}
	# english SESSION: the English the Chinese lab must not show, found
	english() {
		tm capture-pane -p -t "$1" | grep -o -E 'step mode|released|Legend|on the link|first seen|role |next scenario|observed|inferred|lost:|sent again|held mid-link|Step [0-9]|state change|not shown|data [0-9]|s left|duplicate|stale|[0-9] \((client|server)\)|[0-9] (above|below)|exactly|between|(Up/Down|Esc) [a-z]{2}'
	}
	no_english() { # DESC SESSION
		local left
		left=$(english "$2" | sort -u | paste -sd, -)
		if [ -z "$left" ]; then
			ok "$1"
		else
			not_ok "$1 (found: $left)"
			tm capture-pane -p -t "$2" | sed 's/^/#   | /'
		fi
	}
	view zh 130x36 --demo --lang zh
	view zhdup 130x36 --demo=dup-syn --lang zh
	view zhfin 130x36 --demo=late-fin --lang zh
	on_check "zh: the lab's run, its caption and keys in Chinese" zh "（w：原因，N：下一个场景）"
	on_check "zh: its ladder, the heads and the legend in Chinese" zh "(服务器).*第 [0-9]*/[0-9]* 步"
	no_english "zh: no English on the lab's ladder" zh
	tm send-keys -t zh S
	on_check "zh: step mode in Chinese" zh "单步模式：扣住 [0-9]* 个，已放行 0 个"
	no_english "zh: no English in step mode" zh
	tm send-keys -t zh G
	on_check "zh: step mode off, in Chinese" zh "单步模式关闭"
	on_check "zh: dup-syn's stale SYN in Chinese" zhdup "秒前发出的 SYN 的重复副本"
	no_english "zh: no English on dup-syn's ladder" zhdup
	on_check "zh: late-fin's clocks in Chinese" zhfin "A 的 TIME-WAIT：还剩 [0-9]* 秒"
	no_english "zh: no English on late-fin's ladder" zhfin
	for s in zh zhdup zhfin; do tm send-keys -t $s q; done
	tm kill-server 2>/dev/null
	wait_for 30 eval '! tm has-session 2>/dev/null'

	view s80 80x24 --demo
	view s200 200x60 --demo
	view s40 40x12 --demo
	# the bottom row's last cell is never drawn: the keys end before it
	keys() { tm capture-pane -p -t "$1" | tail -n 1 | sed 's/ *$//'; }
	on_check "80x24: the lab's ladder" s80 "Step [0-9]*/[0-9]*"
	k=$(keys s80)
	check "80x24: the keys fit in 79 columns and end in an ellipsis ($k)" \
		eval '[ "$(printf %s "$k" | wc -m)" -le 79 ] && [ "${k%…}" != "$k" ] && [ "${k#*Esc back}" != "$k" ]'
	on_check "200x60: the lab's ladder" s200 "Step [0-9]*/[0-9]*"
	k=$(keys s200)
	check "200x60: every key, no ellipsis ($k)" eval '[ "${k%  x save}" != "$k" ]'
	on_check "40x12: the ladder, not the note that it has no room" s40 "Step [0-9]*/[0-9]*"
	check "40x12: no 'ladder needs'" eval '! on s40 "ladder needs"'
	for s in s80 s200 s40; do tm send-keys -t $s q; done
	tm kill-server 2>/dev/null
elif [ "${CI:-}" = true ]; then
	not_ok "view: tmux is missing (CI=true: not skipping)"
fi

done_testing
