#!/bin/bash
# --metrics-listen and --metrics-textfile: a private namespace holds known
# sockets (a child namespace, so that the scrapes' own connections are not
# among them); tcpladder watches it and serves /metrics from the outer one.
# The scrape and the textfile are compared with ss and with the sockets
# made; HTTP methods and paths; scrapes never cause a dump; the textfile is
# never seen half-written; idle clients do not stall sampling; bad
# addresses, a port in use and an unwritable directory are one line and
# exit 2 or 1.
. "${top_srcdir:-.}/tests/kernel/lib.sh"
require_netns

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export T

cat >"$T/inner.sh" <<'EOF'
# The watched namespace: a child of this one, holding sockgen's sockets.
rm -f "$T/sg.in"
mkfifo "$T/sg.in"
unshare -n sh -c 'ip link set lo up && exec "$0" -c leaky "$@"' "$SOCKGEN" \
	listen=2 established=3 close-wait=4 time-wait=2 <"$T/sg.in" >"$T/expect" 2>"$T/sockgen.err" &
SG_PID=$!
exec 7<>"$T/sg.in"
wait_for 60 sockgen_settled "$SG_PID" "$T/expect" && grep -qx ready "$T/expect" ||
	{ echo "sockgen did not start" >"$T/err"; cat "$T/sockgen.err" >>"$T/err"; exit 1; }
echo "$SG_PID" >"$T/pid"
nsenter --net="/proc/$SG_PID/ns/net" ss -tanH >"$T/ss.out"

URL=http://127.0.0.1:9464/metrics
"$TCPLADDER" --pid "$SG_PID" --metrics-listen 127.0.0.1:9464 --metrics-textfile "$T/m.prom" \
	-d 0.1 2>"$T/tl.err" &
TL=$!
# The first sample is published once the leak picture has its owners.
has_cw() { curl -sf "$URL" 2>/dev/null | grep -q '^tcpladder_tcp_close_wait_sockets{comm="leaky"'; }
wait_for 60 has_cw || echo "no scrape with the CLOSE-WAIT owner" >"$T/err"
curl -s -D "$T/get.head" "$URL" >"$T/scrape.txt"
curl -s -I "$URL" >"$T/head.head"
exec {h}<>/dev/tcp/127.0.0.1/9464
printf 'HEAD /metrics HTTP/1.0\r\n\r\n' >&$h
cat <&$h | tr -d '\r' | sed '1,/^$/d' >"$T/head.body"
exec {h}>&-
curl -s -o /dev/null -w '%{http_code}\n' http://127.0.0.1:9464/ >"$T/codes"
curl -s -o /dev/null -w '%{http_code}\n' http://127.0.0.1:9464/metricsx >>"$T/codes"
curl -s -D "$T/post.head" -o /dev/null -w '%{http_code}\n' -X POST -d x=1 "$URL" >>"$T/codes"
curl -s -o /dev/null -w '%{http_code}\n' -X PUT -d x=1 "$URL" >>"$T/codes"
curl -s -o /dev/null -w '%{http_code}\n' -X DELETE "$URL" >>"$T/codes"
curl -s -o /dev/null -w '%{http_code}\n' "$URL?$(head -c 40000 /dev/zero | tr '\0' a)" >>"$T/codes"
curl -s -o /dev/null -w '%{http_code}\n' "$URL" >>"$T/codes"
cp "$T/m.prom" "$T/textfile.txt"
stat -c %a "$T/m.prom" >"$T/mode"

# The textfile is rewritten every 0.1 s: read it 300 times; every read
# must be a whole file (it ends with the last series written).
: >"$T/torn"
for i in $(seq 300); do
	tail -n 1 "$T/m.prom" | grep -q '^tcpladder_destroy_event_overruns_total ' || echo "read $i" >>"$T/torn"
done
ls -a "$T" | grep -c '^\.m\.prom\.tmp' >"$T/temps"

# 40 idle connections (more than the server takes at once): sampling goes
# on (the textfile's sample count keeps rising), and once they are closed
# a scrape is answered again.
samples() { awk '$1 == "tcpladder_samples_total" { print $2 }' "$T/m.prom"; }
fds=
for i in $(seq 40); do
	exec {fd}<>/dev/tcp/127.0.0.1/9464 && fds="$fds $fd"
done
before=$(samples)
rose() { [ "$(samples)" -ge $((before + 3)) ]; }
wait_for 60 rose && echo yes >"$T/rose"
for fd in $fds; do exec {fd}>&-; done
scrape_ok() { [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL")" = 200 ]; }
wait_for 60 scrape_ok && echo yes >"$T/after"
kill -0 "$TL" && echo yes >"$T/alive"

# A port in use: one line, exit 1.
"$TCPLADDER" --pid "$SG_PID" --metrics-listen 127.0.0.1:9464 -n 1 2>"$T/inuse.err"
echo $? >"$T/inuse.rc"
end_pid TERM "$TL"
echo $? >"$T/tl.rc"
ls -a "$T" | grep -c '^\.m\.prom\.tmp' >"$T/temps.end"

# Scrapes never cause a dump: with a 1-hour interval, 20 scrapes later
# still one sample.
"$TCPLADDER" --pid "$SG_PID" --metrics-listen 127.0.0.1:9465 -d 3600 2>/dev/null &
TL=$!
first() { curl -sf http://127.0.0.1:9465/metrics >"$T/s1.txt" 2>/dev/null; }
wait_for 60 first
for i in $(seq 20); do curl -s http://127.0.0.1:9465/metrics >"$T/s20.txt"; done
end_pid TERM "$TL"
stop_sockgen
EOF

in_netns '. "$T/inner.sh"'
if [ -s "$T/err" ]; then
	not_ok "set-up"
	diag "$T/err" "$T/tl.err"
fi
pid=$(cat "$T/pid")

# "STATE N" for every state, from a scrape (both families summed).
metric_counts() {
	awk -v states="$STATES" '
		/^tcpladder_tcp_sockets\{/ { match($0, /state="[^"]*"/); s = substr($0, RSTART + 7, RLENGTH - 8); c[s] += $2 }
		END { n = split(states, a, " "); for (i = 1; i <= n; i++) print a[i], c[a[i]] + 0 }' "$1"
}
ss_counts_of() {
	awk -v states="$STATES" '
		{ s = $1; if (s == "ESTAB") s = "ESTABLISHED"; else if (s == "UNCONN") s = "CLOSED"; c[s]++ }
		END { n = split(states, a, " "); for (i = 1; i <= n; i++) print a[i], c[a[i]] + 0 }' "$1"
}
ss_counts_of "$T/ss.out" >"$T/ss.counts"
metric_counts "$T/scrape.txt" >"$T/scrape.counts"
metric_counts "$T/textfile.txt" >"$T/textfile.counts"
expect_counts >"$T/want.counts"
if diff -u "$T/ss.counts" "$T/scrape.counts" >"$T/diff"; then
	ok "scrape: every state matches ss"
else
	not_ok "scrape: every state matches ss"
	diag "$T/diff"
fi
if diff -u "$T/want.counts" "$T/scrape.counts" >"$T/diff"; then
	ok "scrape: every state matches the sockets made"
else
	not_ok "scrape: every state matches the sockets made"
	diag "$T/diff"
fi
if diff -u "$T/ss.counts" "$T/textfile.counts" >"$T/diff"; then
	ok "textfile: every state matches ss"
else
	not_ok "textfile: every state matches ss"
	diag "$T/diff"
fi
check "scrape: CLOSE-WAIT by process names leaky (pid $pid) with 4" \
	grep -qx "tcpladder_tcp_close_wait_sockets{comm=\"leaky\",pid=\"$pid\"} 4" "$T/scrape.txt"
check "scrape: the listeners' ports carry their ESTABLISHED and CLOSE-WAIT" \
	[ "$(awk '/^tcpladder_tcp_port_sockets\{port="[0-9]+",state="(ESTABLISHED|CLOSE-WAIT)"\}/ { n += $2 } END { print n + 0 }' "$T/scrape.txt")" -ge 4 ]
check "GET: 200 with the exposition format's content type" \
	grep -qi '^content-type: text/plain; version=0.0.4' "$T/get.head"
check "HEAD: 200 and a length" grep -qi '^content-length: [1-9]' "$T/head.head"
check "HEAD: no body" [ ! -s "$T/head.body" ]
check "/ and /metricsx: 404" [ "$(sed -n 1,2p "$T/codes" | tr '\n' ' ')" = "404 404 " ]
check "POST, PUT, DELETE: 405" [ "$(sed -n 3,5p "$T/codes" | tr '\n' ' ')" = "405 405 405 " ]
check "405 says what is allowed" grep -qi '^allow: GET, HEAD' "$T/post.head"
check "a 40 KB URL is refused (414), and the next scrape answered" \
	[ "$(sed -n 6,7p "$T/codes" | tr '\n' ' ')" = "414 200 " ]
check "textfile: mode 644" [ "$(cat "$T/mode")" = 644 ]
check "textfile: never seen half-written in 300 reads" [ ! -s "$T/torn" ]
# While running, a listing can fall between a write's open and its
# rename (one file at most); after the end, none is left.
check "textfile: no temporary file left behind, running or after" \
	eval '[ "$(cat "$T/temps")" -le 1 ] && [ "$(cat "$T/temps.end")" = 0 ]'
check "40 idle connections: sampling goes on" [ -s "$T/rose" ]
check "40 idle connections closed: scrapes answered again" [ -s "$T/after" ]
check "the exporter is still running after all that" [ -s "$T/alive" ]
check "SIGTERM: exit 0" [ "$(cat "$T/tl.rc")" = 0 ]
check "port in use: exit 1" [ "$(cat "$T/inuse.rc")" = 1 ]
check "port in use: one line that says so" \
	[ "$(wc -l <"$T/inuse.err")" = 1 -a "$(grep -c 'Address already in use' "$T/inuse.err")" = 1 ]
check "scrapes never cause a dump: one sample after 21 scrapes" \
	[ "$(awk '$1 == "tcpladder_samples_total" { print $2 }' "$T/s20.txt")" = 1 ]

if command -v promtool >/dev/null; then
	check "promtool check metrics: the scrape" quiet promtool check metrics <"$T/scrape.txt"
	check "promtool check metrics: the textfile" quiet promtool check metrics <"$T/textfile.txt"
elif [ "${CI:-}" = true ]; then
	not_ok "promtool missing (CI=true: not skipping)"
else
	ok "# SKIP promtool missing"
fi

# Beside --events: the event stream goes on, and a scrape is answered (its
# own connection is among the events).
in_netns '
	"$TCPLADDER" --events --json --metrics-listen 127.0.0.1:9466 -d 0.1 >"$T/ev.json" 2>/dev/null &
	TL=$!
	up() { curl -sf http://127.0.0.1:9466/metrics -o "$T/ev.prom" 2>/dev/null; }
	wait_for 60 up
	# A scrape made before the first dump is before the baseline, not an
	# event: scrape again until one is.
	seen() {
		grep -q "\"local\":\"127.0.0.1:9466\",\"remote\":\"127.0.0.1:[0-9]*\",\"event\":\"open\"" "$T/ev.json" ||
			{ curl -sf http://127.0.0.1:9466/metrics -o /dev/null; return 1; }
	}
	wait_for 60 seen
	end_pid TERM "$TL"
	echo $? >"$T/ev.rc"
'
check "beside --events: a scrape answered" grep -q '^tcpladder_samples_total [1-9]' "$T/ev.prom"
check "beside --events: the scrape's connection is an event" \
	grep -q '"local":"127.0.0.1:9466","remote":"127.0.0.1:[0-9]*","event":"open"' "$T/ev.json"
check "beside --events: SIGTERM, exit 0" [ "$(cat "$T/ev.rc")" = 0 ]

# The textfile's directory removed while running: one warning, however
# many samples fail; sampling and serving go on; written again once the
# directory is back.
mkdir "$T/d"
in_netns '
	"$TCPLADDER" --metrics-textfile "$T/d/m.prom" --metrics-listen 127.0.0.1:9467 -d 0.1 \
		>/dev/null 2>"$T/w.err" &
	TL=$!
	wait_for 60 test -s "$T/d/m.prom"
	# moved away in one step (rm -rf races the next temporary file)
	mv "$T/d" "$T/d.gone"
	samples() { curl -s http://127.0.0.1:9467/metrics | awk "\$1 == \"tcpladder_samples_total\" { print \$2 }"; }
	wait_for 60 grep -q warning "$T/w.err"
	n0=$(samples)
	more() { [ "$(samples)" -ge $((n0 + 10)) ]; }
	wait_for 60 more && echo yes >"$T/w.more"
	mkdir "$T/d"
	wait_for 60 test -s "$T/d/m.prom" && echo yes >"$T/w.back"
	end_pid TERM "$TL"
'
check "textfile directory gone: one warning line for ten and more failed samples" \
	[ "$(wc -l <"$T/w.err")" = 1 -a "$(grep -c "^tcpladder: warning: cannot write the metrics textfile in $T/d: No such file or directory\$" "$T/w.err")" = 1 ]
check "textfile directory gone: sampling and serving go on" [ -s "$T/w.more" ]
check "textfile directory back: written again" [ -s "$T/w.back" ]

# Usage and runtime errors, each one line.
for a in 127.0.0.1 127.0.0.1:0 127.0.0.1:65536 ::1:9464 '[::1]9464' host:9464 '' 1.2.3:80; do
	"$TCPLADDER" --metrics-listen "$a" -n 1 >/dev/null 2>"$T/e"
	rc=$?
	check "--metrics-listen '$a': exit 2, one line and a hint" \
		[ "$rc" = 2 -a "$(grep -c 'invalid --metrics-listen' "$T/e")" = 1 -a "$(wc -l <"$T/e")" = 2 ]
done
check "--metrics-listen with --once: exit 2" \
	eval '"$TCPLADDER" --once --metrics-listen 127.0.0.1:1 >/dev/null 2>&1; [ $? = 2 ]'
check "--metrics-top without a metrics output: exit 2" \
	eval '"$TCPLADDER" --metrics-top 3 -n 1 >/dev/null 2>&1; [ $? = 2 ]'
mkdir "$T/ro"
chmod 711 "$T"
chmod 555 "$T/ro"
in_netns 'setpriv --reuid=65534 --regid=65534 --clear-groups "$TCPLADDER" --metrics-textfile "$T/ro/m.prom" -n 1 2>"$T/ro.err"; echo $? >"$T/ro.rc"'
check "an unwritable textfile directory: exit 1" [ "$(cat "$T/ro.rc")" = 1 ]
check "an unwritable textfile directory: one line naming it" \
	[ "$(wc -l <"$T/ro.err")" = 1 -a "$(grep -c "cannot write the metrics textfile in $T/ro: Permission denied" "$T/ro.err")" = 1 ]
in_netns '"$TCPLADDER" --metrics-textfile "$T/missing/m.prom" -n 1 2>"$T/mi.err"; echo $? >"$T/mi.rc"'
check "a missing textfile directory: exit 1, one line" \
	[ "$(cat "$T/mi.rc")" = 1 -a "$(wc -l <"$T/mi.err")" = 1 ]
in_netns '"$TCPLADDER" --metrics-textfile "$T" -n 1 2>"$T/dir.err"; echo $? >"$T/dir.rc"'
check "a directory as the textfile: exit 1, one line" \
	[ "$(cat "$T/dir.rc")" = 1 -a "$(grep -c 'is a directory' "$T/dir.err")" = 1 ]
in_netns '"$TCPLADDER" --metrics-textfile "$T/once.prom" -n 1 2>/dev/null; echo $? >"$T/once.rc"'

# How the textfile is written, seen by strace: never opened for writing
# under its own name, and each of the 3 samples renamed into place from
# a temporary file beside it.  (The 300 reads above would see a torn
# file only if they fell in the instant of a rewrite; this is certain.)
if command -v strace >/dev/null; then
	in_netns 'strace -f -e trace=openat,rename,renameat,renameat2 -o "$T/strace" \
		"$TCPLADDER" --metrics-textfile "$T/st.prom" -n 3 -d 0.1 2>/dev/null'
	check "strace: the textfile is never opened for writing under its name" \
		[ "$(grep -c "openat(.*\"$T/st.prom\".*O_\(WRONLY\|RDWR\|CREAT\|TRUNC\)" "$T/strace")" = 0 ]
	check "strace: three renames from a temporary file beside it into place" \
		[ "$(grep -c "rename.*\"$T/\.st\.prom\.tmp\.[A-Za-z0-9]*\".*\"$T/st\.prom\") = 0" "$T/strace")" = 3 ]
elif [ "${CI:-}" = true ]; then
	not_ok "strace missing (CI=true: not skipping)"
else
	ok "# SKIP strace missing"
fi
check "-n 1: one sample written, exit 0" \
	[ "$(cat "$T/once.rc")" = 0 -a "$(awk '$1 == "tcpladder_samples_total" { print $2 }' "$T/once.prom")" = 1 ]

done_testing
