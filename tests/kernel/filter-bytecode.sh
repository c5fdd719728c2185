#!/bin/bash
# The filter's inet_diag bytecode run by the real kernel, compared with ss.
#
# In a private namespace holding varied sockets (several sockgen instances
# at once: IPv4 and IPv6, different base ports, many states), each filter
# expression below is given to
#   bcdump EXPR      our states mask + bytecode, filtered by the kernel
#   bcdump -u EXPR   every socket, filtered by tl_filter_match()
#   ss -tanH EXPR    the reference
# and the three socket lists must be equal.  The expressions use syntax
# both parsers accept (ss wants state clauses first and IPv6 prefixes
# inside the brackets).
. "${top_srcdir:-.}/tests/kernel/lib.sh"
require_netns

: "${BCDUMP:=${top_builddir:-.}/tests/kernel/bcdump}"
export BCDUMP

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export T

cat >"$T/exprs" <<'EOF'
sport = :20000
dport = :20002
sport >= :21000
sport < :1024
sport > :20001 and sport <= :21002
dport != :0
dport gt :30000 or dport lt :1000
dst 127.0.0.1
src 127.0.0.0/8
src 127.0.0.2
src [::1]
dst [::1]:21002
src [::/0]
src 0.0.0.0/0
src 127.0.0.1:443
dst *:444
not src 127.0.0.1
sport = :20000 or sport = :21000 or dport = :443
( sport = :443 or dport = :443 ) and not dst [::1]
sport = :20000 or sport = :20001 and dport = :0
sport = :20002 or sport = :20000 and dport != :0
! sport ge :1024
src [::1/128] and sport > :21000
dst 127.0.0.1:20000 or dst [::1]:21000 or src [::1]:80
not ( sport = :20000 or sport = :20001 ) and src 127.0.0.1
dst 127.0.0.0/8 or dst [::1/128] and not dport < :20000
state established
state listening src [::1]
state time-wait
state fin-wait-2
state bucket
state connected exclude established
exclude listening exclude established
state syn-recv state close-wait sport >= :20000
state established dst 127.0.0.1 or dst [::1]
state all exclude time-wait src [::1]
state synchronized dport <= :1024
state big ( dport = :80 or sport = :80 )
state last-ack state closing state fin-wait-1 state syn-sent
EOF

# ss's lines as "STATE local remote", like bcdump's.  ss writes the IPv6
# wildcard as "*" or "[::]" depending on IPV6_V6ONLY, which bcdump cannot
# see: both become "*".  When a filter selects one state ss leaves the
# state column out; it is then taken from the full listing (first file).
cat >"$T/norm.awk" <<'EOF'
function name(s) {
	if (s == "ESTAB") return "ESTABLISHED"
	if (s == "UNCONN") return "CLOSED"
	return s
}
{ gsub(/\[::\]/, "*") }
NR == FNR { state[$4 " " $5] = name($1); next }
NF == 4 { print state[$3 " " $4], $3, $4; next }
{ print name($1), $4, $5 }
EOF

# Runs in the namespace: start the socket generators, run every
# expression three ways, stop the generators.
inner='
set -f
n_sg=0
start_sg() { # NAME SOCKGEN-ARGS...
	local name=$1 fd
	shift
	mkfifo "$T/$name.in"
	"$SOCKGEN" "$@" <"$T/$name.in" >"$T/$name.out" 2>"$T/$name.err" &
	exec {fd}<>"$T/$name.in"
	fds="$fds $fd"
	pids="$pids $!"
	wait_for 60 sockgen_settled "$!" "$T/$name.out" && grep -qx ready "$T/$name.out" && return 0
	echo "sockgen $name did not start: $(cat "$T/$name.err")" >>"$T/err"
	return 1
}
start_sg a -p 20000 listen=2 established=2 close-wait=1 time-wait=2 syn-recv=1 &&
start_sg b -6 -p 21000 listen=2 established=2 fin-wait-2=1 time-wait=1 last-ack=1 &&
start_sg c -p 443 listen=1 established=1 &&
start_sg d -6 -p 80 established=1 closing=1 &&
start_sg e -p 30000 fin-wait-1=1 syn-sent=1 fin-wait-2-orphan=1
if [ ! -s "$T/err" ]; then
	ss -tanH >"$T/all.first" # what the generators made, for the checks below
	i=0
	while IFS= read -r expr; do
		i=$((i + 1))
		# The four views are taken one after the other: should a socket
		# change meanwhile (the orphan FIN-WAIT-2 ends after
		# tcp_fin_timeout, which a slow machine reaches), take them again.
		for try in 1 2 3 4 5; do
			ss -tanH >"$T/all.raw"
			# shellcheck disable=SC2086
			ss -tanH $expr 2>"$T/$i.sserr" |
				awk -f "$T/norm.awk" "$T/all.raw" - |
				LC_ALL=C sort >"$T/$i.ss"
			"$BCDUMP" "$expr" 2>"$T/$i.bcerr" | LC_ALL=C sort >"$T/$i.bc"
			echo "${PIPESTATUS[0]}" >"$T/$i.bcrc"
			"$BCDUMP" -u "$expr" 2>>"$T/$i.bcerr" | LC_ALL=C sort >"$T/$i.us"
			echo "${PIPESTATUS[0]}" >"$T/$i.usrc"
			# and the tool itself: FILTER on the command line
			# shellcheck disable=SC2086
			"$TCPLADDER" --once --json --no-owners $expr >"$T/$i.tl" 2>"$T/$i.tlerr"
			echo $? >"$T/$i.tlrc"
			ss -tanH >"$T/all.after"
			cmp -s "$T/all.raw" "$T/all.after" && break
			echo "# the sockets changed during expression $i (try $try): again"
		done
	done <"$T/exprs"
fi
for fd in $fds; do exec {fd}>&-; done
for pid in $pids; do wait "$pid"; done
'
in_netns "$inner"

if [ -s "$T/err" ]; then
	not_ok "set-up: socket generators"
	diag "$T/err"
	done_testing
	exit
fi
total=$(wc -l <"$T/all.first")
check "the namespace holds varied sockets ($total)" [ "$total" -ge 30 ]
check "IPv4 sockets are there" grep -q ' 127\.0\.0\.1:' "$T/all.first"
check "IPv6 sockets are there" grep -q ' \[::1\]:' "$T/all.first"
for st in LISTEN ESTAB TIME-WAIT SYN-RECV CLOSE-WAIT FIN-WAIT-2 LAST-ACK CLOSING FIN-WAIT-1 SYN-SENT; do
	check "a $st socket is there" grep -q "^$st " "$T/all.first"
done

i=0
distinct=$T/distinct
: >"$distinct"
while IFS= read -r expr; do
	i=$((i + 1))
	if [ -s "$T/$i.sserr" ]; then
		not_ok "ss accepts: $expr"
		diag "$T/$i.sserr"
		continue
	fi
	if [ "$(cat "$T/$i.bcrc")" = 0 ] && diff -u "$T/$i.ss" "$T/$i.bc" >"$T/diff"; then
		ok "kernel bytecode = ss: $expr ($(wc -l <"$T/$i.bc") sockets)"
	else
		not_ok "kernel bytecode = ss: $expr"
		diag "$T/$i.bcerr" "$T/diff"
	fi
	if [ "$(cat "$T/$i.usrc")" = 0 ] && diff -u "$T/$i.ss" "$T/$i.us" >"$T/diff"; then
		ok "tl_filter_match = ss: $expr"
	else
		not_ok "tl_filter_match = ss: $expr"
		diag "$T/$i.bcerr" "$T/diff"
	fi
	# tcpladder --once --json FILTER: its per-state counts are ss's
	awk '{ c[$1]++ } END { for (s in c) print s, c[s] }' "$T/$i.ss" | LC_ALL=C sort >"$T/$i.sscount"
	jq -r '.tcp.states | to_entries[] | select(.value > 0) | "\(.key) \(.value)"' "$T/$i.tl" 2>/dev/null |
		LC_ALL=C sort >"$T/$i.tlcount"
	if [ "$(cat "$T/$i.tlrc")" = 0 ] && diff -u "$T/$i.sscount" "$T/$i.tlcount" >"$T/diff"; then
		ok "tcpladder --once FILTER = ss, state by state: $expr"
	else
		not_ok "tcpladder --once FILTER = ss, state by state: $expr"
		diag "$T/$i.tlerr" "$T/diff"
	fi
	md5sum <"$T/$i.ss" >>"$distinct"
done <"$T/exprs"
# Filters that all returned the same list would prove little.
n=$(sort -u "$distinct" | wc -l)
check "the filters select $n different socket sets" [ "$n" -ge 20 ]

done_testing
