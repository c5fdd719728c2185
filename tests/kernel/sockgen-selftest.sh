#!/bin/bash
# sockgen-selftest.sh - check that sockgen's "expect" lines match what the
# kernel really shows (ss -tanH), for IPv4 and IPv6, one fresh network
# namespace per run.  Output is TAP.  Needs root (unshare -n), ip, ss.
#
# Usage: sockgen-selftest.sh [path/to/sockgen]
#        (default: ./sockgen next to this script, built from sockgen.c
#         into a temp dir if missing)

set -u
here=$(cd "$(dirname "$0")" && pwd)
SOCKGEN=${1:-${SOCKGEN:-$here/sockgen}}
tmpdir=$(mktemp -d)
trap 'rm -rf "$tmpdir"' EXIT

if [ ! -x "$SOCKGEN" ]; then
	SOCKGEN=$tmpdir/sockgen
	gcc -Wall -Wextra -Werror -O2 -o "$SOCKGEN" "$here/sockgen.c" ||
		{ echo "not ok 1 - cannot build sockgen"; echo "1..1"; exit 1; }
fi
if [ "$(id -u)" != 0 ] || ! unshare -n true 2>/dev/null; then
	if [ "${CI:-}" = true ]; then
		echo "not ok 1 - needs root and unshare -n (CI=true: not skipping)"
		echo "1..1"
		exit 1
	fi
	echo "1..0 # SKIP needs root and unshare -n"
	exit 0
fi

STATES="LISTEN SYN-SENT SYN-RECV ESTABLISHED FIN-WAIT-1 FIN-WAIT-2 CLOSE-WAIT CLOSING LAST-ACK TIME-WAIT CLOSED"

# Runs inside the namespace: start sockgen as a coprocess, collect its
# expect lines, tally ss while the sockets are held, stop it.
# Prints "STATE expected actual" lines, then "EXIT rc".
inner='
STATES=$1; shift
ip link set lo up || { echo "ERROR ip link set lo up failed"; exit 0; }
coproc SG { exec "$@" 2>&1; }
sgpid=$SG_PID
declare -A exp got
ready=
while IFS=" " read -r -t 30 -u "${SG[0]}" w st n; do
	case $w in
	expect) exp[$st]=$n ;;
	ready) ready=1; break ;;
	*) echo "DIAG $w $st $n" ;;
	esac
done
if [ -z "$ready" ]; then
	wait "$sgpid"; echo "ERROR sockgen did not become ready (exit $?)"
	exit 0
fi
while read -r st; do
	case $st in ESTAB) st=ESTABLISHED ;; UNCONN) st=CLOSED ;; esac
	got[$st]=$(( ${got[$st]:-0} + 1 ))
done < <(ss -tanH | awk "{print \$1}")
for st in $STATES; do
	echo "$st ${exp[$st]:-missing} ${got[$st]:-0}"
	unset "got[$st]"
done
for st in "${!got[@]}"; do echo "$st 0 ${got[$st]}"; done
kill -TERM "$sgpid"
wait "$sgpid"
echo "EXIT $?"
'

n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $1"; }

# check DESC SOCKGEN-ARGS...
check() {
	local desc=$1; shift
	local out bad=0 line st e g
	out=$(unshare -n bash -c "$inner" inner "$STATES" "$SOCKGEN" "$@" 2>&1)
	while read -r st e g; do
		case $st in
		ERROR|DIAG) bad=1; echo "# $st $e $g" ;;
		EXIT) [ "$e" = 0 ] || { bad=1; echo "# sockgen exit status $e"; } ;;
		*) [ "$e" = "$g" ] ||
			{ bad=1; echo "# $st: expected $e, ss shows $g"; } ;;
		esac
	done <<<"$out"
	grep -q '^EXIT ' <<<"$out" || bad=1
	if [ $bad = 0 ]; then ok "$desc"; else notok "$desc"; fi
}

# status DESC WANTED-RC SOCKGEN-ARGS...: exit status with stdin at EOF
status() {
	local desc=$1 want=$2; shift 2
	unshare -n bash -c 'ip link set lo up; exec "$@" </dev/null >/dev/null 2>&1' \
		x "$SOCKGEN" "$@"
	local rc=$?
	if [ "$rc" = "$want" ]; then ok "$desc"; else
		notok "$desc"; echo "# exit status $rc, wanted $want"
	fi
}

echo "1..31"
for fam in 4 6; do
	flag=; [ $fam = 6 ] && flag=-6
	for s in listen established close-wait fin-wait-2 fin-wait-2-orphan \
	    time-wait syn-recv syn-sent fin-wait-1 closing last-ack; do
		check "IPv$fam $s=5" $flag "$s=5"
	done
	check "IPv$fam all states mixed" $flag -p 30000 listen=2 \
		established=3 close-wait=4 fin-wait-2=5 fin-wait-2-orphan=6 \
		time-wait=7 syn-recv=8 syn-sent=9 fin-wait-1=10 closing=11 \
		last-ack=12
	check "IPv$fam large counts" $flag established=1500 time-wait=2000 \
		syn-recv=1500 syn-sent=1500 close-wait=1000 last-ack=500
done
status "usage error: no arguments -> 2" 2
status "usage error: unknown state -> 2" 2 bogus=1
status "usage error: bad count -> 2" 2 listen=x
status "stdin EOF -> exit 0" 0 established=1
# a listener already on the base port makes sockgen fail cleanly
out=$(unshare -n bash -c 'ip link set lo up
	coproc A { exec "$@" listen=1 2>&1; }; read -r -u "${A[0]}" _
	"$@" listen=1 </dev/null 2>&1; echo "rc=$?"; kill "$A_PID"' \
	x "$SOCKGEN")
if grep -q '^rc=1$' <<<"$out" && grep -q '^sockgen: bind' <<<"$out"; then
	ok "port in use -> exit 1 with message"
else
	notok "port in use -> exit 1 with message"; sed 's/^/# /' <<<"$out"
fi
echo "# $fail failed"
exit 0
