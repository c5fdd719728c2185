#!/bin/bash
# --events --json against scripted connections (tests/kernel/scenario.c) in
# private namespaces: the event sequence of each end, which steps are
# observed and which inferred, and that every step follows from the last.
# Polling mode (--no-exact): exact mode has exact.sh.
. "${top_srcdir:-.}/tests/kernel/lib.sh"
: "${SCENARIO:=${top_builddir:-.}/tests/kernel/scenario}"
export SCENARIO
require_netns

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export T


# run [SCENARIO-ARGS...]: tcpladder watches while the scenario runs, step
# by step (scenario -s): after each step the kernel settles, tcpladder
# samples (a marker listener shows in its events), and only then the
# scenario goes on.  So each state lasts until it has been sampled, however
# loaded the machine, and however far tcpladder stretches its interval to
# keep within its CPU budget.
run() {
	local extra=$TL_EXTRA
	in_netns '
		rm -f "$T/marks" "$T/steps.err" "$T/sc.in"
		"$TCPLADDER" --events --json --no-exact -d 0.1 '"$extra"' >"$T/ev.json" 2>"$T/ev.err" &
		tl=$!
		port=30900
		# Watching: it reports a socket opened after it started.  One
		# opened before its first dump is in its baseline, never an
		# event: then the next one, on another port.
		for start in 30800 30801 30802 30803 30804; do
			mark $start "$T/ev.json" 20 && { echo start >>"$T/marks"; break; }
		done
		mkfifo "$T/sc.in"
		"$SCENARIO" -s '"$*"' <"$T/sc.in" >"$T/sc.out" 2>"$T/sc.err" &
		sc=$!
		exec 8<>"$T/sc.in"
		steps=0
		stepped() { [ "$(grep -c "^step$" "$T/sc.out")" -gt "$steps" ] || gone_pid $sc; }
		while wait_for 60 stepped && ! gone_pid $sc; do
			steps=$((steps + 1))
			port=$((port + 1))
			wait_for 60 settled && mark $port "$T/ev.json" ||
				echo "step $steps: not settled or not sampled" >>"$T/steps.err"
			echo go >&8
		done
		exec 8>&-
		wait $sc
		echo $? >"$T/sc.rc"
		# What must be told before it stops ($UNTIL: a condition on the
		# output): the kernel hands destroy events out from a worker,
		# which a loaded machine runs late, after the scenario ended.
		if [ -n "${UNTIL:-}" ]; then
			wait_for 60 eval "$UNTIL" || echo "not told: $UNTIL" >>"$T/steps.err"
		fi
		# It has seen the end: it reports two more, one after the other.
		mark $((port + 1)) "$T/ev.json" && mark $((port + 2)) "$T/ev.json" &&
			echo end >>"$T/marks"
		end_pid INT $tl
		echo $? >"$T/tl.rc"
		unmark
	'
}

# seq_of SELECTOR: "TO:o|i:SEGMENT ..." for the events jq selects.
seq_of() {
	jq -r "select($1) | \"\(.to):\(if .inferred then \"i\" else \"o\" end):\(.segment // \"-\")\"" \
		"$T/ev.json" | tr '\n' ' ' | sed 's/ $//'
}

# chains_ok: there are events, and for every connection each event starts
# where the last ended, and only the first is an open.
chains_ok() {
	jq -s -e '
		length > 0 and (group_by(.conn) | all(.[];
			. as $evs | (.[0].event == "open") and
			([range(1; length) | $evs[.].from == $evs[. - 1].to and $evs[.].event != "open"] | all)))
	' "$T/ev.json" >/dev/null
}

expect_seq() { # DESC SELECTOR WANT (an extended regular expression)
	local got
	got=$(seq_of "$2")
	if [[ "$got" =~ ^$3$ ]]; then
		ok "$1"
	else
		not_ok "$1"
		echo "#   got:  $got"
		echo "#   want: $3"
	fi
}

common() { # NAME
	check "$1: tcpladder saw the scenario from before its start to after its end" \
		[ "$(cat "$T/marks" 2>/dev/null | tr '\n' ' ')" = "start end " ]
	check "$1: it sampled after every step" [ ! -e "$T/steps.err" ]
	diag "$T/steps.err" 2>/dev/null
	check "$1: scenario ran" [ "$(cat "$T/sc.rc")" = 0 ]
	check "$1: tcpladder exits 0 on SIGINT" [ "$(cat "$T/tl.rc")" = 0 ]
	check "$1: nothing on stderr" [ ! -s "$T/ev.err" ]
	[ -s "$T/ev.err" ] && diag "$T/ev.err"
	check "$1: every line is a JSON object with the contract's fields" \
		jqe -s 'length > 0 and all(.[]; has("t") and has("netns") and has("cookie") and has("family")
			and has("local") and has("remote") and has("event") and has("from") and has("to")
			and has("inferred") and has("segment") and has("dir") and has("pid") and has("comm"))' \
		"$T/ev.json"
	check "$1: every connection's steps chain" chains_ok
	CP=$(awk '$1 == "client" { print $2; exit }' "$T/sc.out")
}

for fam in "" -6; do
	v=IPv4
	[ "$fam" = -6 ] && v=IPv6
	run $fam -d 0.4 client-close
	common "$v client closes first"
	expect_seq "$v client closes first: client" ".local | endswith(\":$CP\")" \
		"SYN-SENT:i:SYN ESTABLISHED:o:SYN\\+ACK FIN-WAIT-1:[io]:FIN FIN-WAIT-2:o:ACK TIME-WAIT:o:FIN"
	expect_seq "$v client closes first: server" ".remote | endswith(\":$CP\")" \
		"SYN-RECV:i:SYN ESTABLISHED:o:ACK CLOSE-WAIT:o:FIN LAST-ACK:[io]:FIN CLOSED:o:ACK"
	expect_seq "$v client closes first: listener" '(.local | endswith(":31000")) and (.remote | endswith(":0"))' \
		"LISTEN:o:- CLOSED:o:-"
	check "$v client closes first: A and B paired" \
		[ "$(jq -s "[.[] | select(.local | endswith(\":$CP\")) | .peer] | last" "$T/ev.json")" != null ]
done

run -d 0.4 server-close
common "server closes first"
expect_seq "server closes first: server" ".remote | endswith(\":$CP\")" \
	"SYN-RECV:i:SYN ESTABLISHED:o:ACK FIN-WAIT-1:[io]:FIN FIN-WAIT-2:o:ACK TIME-WAIT:o:FIN"
expect_seq "server closes first: client" ".local | endswith(\":$CP\")" \
	"SYN-SENT:i:SYN ESTABLISHED:o:SYN\\+ACK CLOSE-WAIT:o:FIN LAST-ACK:[io]:FIN CLOSED:o:ACK"

run -d 0.4 rst-client
common "RST from the client"
expect_seq "RST from the client: client" ".local | endswith(\":$CP\")" \
	"SYN-SENT:i:SYN ESTABLISHED:o:SYN\\+ACK CLOSED:o:RST"
expect_seq "RST from the client: server" ".remote | endswith(\":$CP\")" \
	"SYN-RECV:i:SYN ESTABLISHED:o:ACK CLOSED:o:RST"

run -d 0.4 rst-server
common "RST from the server"
expect_seq "RST from the server: client" ".local | endswith(\":$CP\")" \
	"SYN-SENT:i:SYN ESTABLISHED:o:SYN\\+ACK CLOSED:o:RST"
expect_seq "RST from the server: server" ".remote | endswith(\":$CP\")" \
	"SYN-RECV:i:SYN ESTABLISHED:o:ACK CLOSED:o:RST"

run -d 0.4 data
common "data transfer"
expect_seq "data transfer: client" ".local | endswith(\":$CP\")" \
	"SYN-SENT:i:SYN ESTABLISHED:o:SYN\\+ACK FIN-WAIT-1:[io]:FIN FIN-WAIT-2:o:ACK TIME-WAIT:o:FIN"
check "data transfer: the server's final counters (from its destroy event)" \
	jqe -s "[.[] | select(.event == \"close\" and (.remote | endswith(\":$CP\")))][0].final |
		.bytes_received >= 100000 and .bytes_acked >= 1000" "$T/ev.json"

# Connections far shorter than the sampling interval still appear whole.
# every server end's close (from its destroy event)
export UNTIL='[ "$(grep -c "\"local\":\"127.0.0.1:31000\",\"remote\":\"127.0.0.1:[0-9]*\",\"event\":\"close\"" "$T/ev.json")" -ge 20 ]'
run -d 0.3 short 20
unset UNTIL
common "20 connections shorter than the interval"
ports=$(awk '$1 == "client" { print $2 }' "$T/sc.out")
check "short: 20 client ports" [ "$(echo "$ports" | wc -l)" = 20 ]
whole=0
for p in $ports; do
	c=$(seq_of ".local | endswith(\":$p\")")
	s=$(seq_of ".remote | endswith(\":$p\")")
	case "$c" in SYN-SENT:i:SYN*TIME-WAIT:o:FIN) ;; *) echo "# client $p: $c"; continue ;; esac
	case "$s" in SYN-RECV:i:SYN*CLOSED:o:ACK) ;; *) echo "# server $p: $s"; continue ;; esac
	whole=$((whole + 1))
done
check "short: all 20 seen with open and close on both ends ($whole)" [ "$whole" = 20 ]
check "short: their handshakes are marked inferred" \
	[ "$(jq -s '[.[] | select(.to == "SYN-SENT" and .inferred == false)] | length' "$T/ev.json")" = 0 ]

# A closed pipe ends the program quietly: the reader is gone before the
# first event, then sockets open (events to write).  With nothing to read
# its output from, the test cannot tell when watching began (loading exact
# mode takes a while, and sockets from before are the baseline): a new
# listener each round until it has ended.
in_netns '
	mkfifo "$T/pipe"
	head -c 0 <"$T/pipe" &
	reader=$!
	"$TCPLADDER" --events -d 0.05 >"$T/pipe" 2>"$T/pipe.err" &
	tl=$!
	wait_for 60 gone_pid $reader
	ended() {
		start_sockgen -p $((31000 + round)) listen=1 || return 1
		round=$((round + 1))
		for _ in $(seq 20); do gone_pid $tl && break; sleep 0.05; done
		stop_sockgen
		gone_pid $tl
	}
	round=0
	wait_for 60 ended && echo ended >"$T/pipe.end"
	end_pid KILL $tl
	echo $? >"$T/pipe.rc"
'
check "events to a closed pipe: ends by itself" [ -e "$T/pipe.end" ]
check "events to a closed pipe: status 0" [ "$(cat "$T/pipe.rc" 2>/dev/null)" = 0 ]
check "events to a closed pipe: nothing on stderr" [ ! -s "$T/pipe.err" ]

# -n and --duration end the run (timeout only guards against a hang).
in_netns 'timeout -k 5 60 "$TCPLADDER" --events -d 0.05 -n 3 >/dev/null; echo $? >"$T/n.rc"'
check "-n 3 ends with status 0" [ "$(cat "$T/n.rc")" = 0 ]
in_netns 'timeout -k 5 60 "$TCPLADDER" --events --duration 0.5 >/dev/null; echo $? >"$T/d.rc"'
check "--duration 0.5 ends with status 0" [ "$(cat "$T/d.rc")" = 0 ]

done_testing
