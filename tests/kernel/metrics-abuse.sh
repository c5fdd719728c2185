#!/bin/bash
# Bad clients of --metrics-listen cost nothing that stays: many slow or
# half-open connections, huge headers, POST bodies never read, thousands
# of requests.  The exporter's resident memory and open descriptors, read
# from /proc/PID/status and /proc/PID/fd, go back to what they were once
# the clients are gone, and do not grow from one round of abuse to the
# next; sampling goes on while the connections are held.
. "${top_srcdir:-.}/tests/kernel/lib.sh"
require_netns
require_cmd curl curl

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export T

cat >"$T/inner.sh" <<'EOF'
URL=http://127.0.0.1:9480/metrics
# The sanitizers' allocator keeps freed memory in a quarantine, which
# would read as growth.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0:thread_local_quarantine_size_kb=0
# It watches a namespace of its own (a child's, holding nothing), so that
# the clients' connections are not among the sockets it tracks.
unshare -n sleep 100000 &
NS_PID=$!
wait_for 60 eval '[ "$(readlink /proc/$NS_PID/ns/net)" != "$(readlink /proc/self/ns/net)" ]'
"$TCPLADDER" --pid "$NS_PID" --metrics-listen 127.0.0.1:9480 --metrics-textfile "$T/m.prom" \
	-d 0.1 2>"$T/tl.err" &
TL=$!
rss() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$TL/status"; }
fds() { ls "/proc/$TL/fd" | wc -l; }
samples() { awk '$1 == "tcpladder_samples_total" { print $2 }' "$T/m.prom" 2>/dev/null; }
up() { curl -sf "$URL" -o /dev/null; }
wait_for 60 up || echo "no first scrape" >>"$T/err"

head -c 4000000 /dev/zero | tr '\0' x >"$T/body"
{ printf 'X-Big: '; head -c 200000 /dev/zero | tr '\0' h; echo; } >"$T/hdr"

# One round of abuse.
abuse() {
	local i fd held= before
	# 60 connections held open, each with half a request sent: the
	# server takes 32 at once and drops the rest.
	for i in $(seq 60); do
		exec {fd}<>/dev/tcp/127.0.0.1/9480 || break
		printf 'GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ' >&$fd 2>/dev/null
		held="$held $fd"
	done
	# sampling goes on while they are held
	before=$(samples)
	rose() { [ "$(samples)" -ge $((before + 3)) ]; }
	wait_for 60 rose || echo "sampling stalled with slow clients held" >>"$T/err"
	for fd in $held; do exec {fd}>&-; done
	# huge headers: refused (431), nothing kept
	for i in $(seq 4); do
		curl -s -o /dev/null -H @"$T/hdr" "$URL"
	done
	# POST bodies of 4 MB: 405, the body never read
	for i in $(seq 5); do
		curl -s -o /dev/null -X POST --data-binary @"$T/body" "$URL"
	done
	# 1000 requests, each on a connection of its own
	curl -s -o /dev/null -H 'Connection: close' "$URL?r=[1-1000]"
	# the scrapes still answered
	curl -s -o /dev/null -w '%{http_code}\n' "$URL" >>"$T/codes"
}

# The picture at rest: after a warm-up round of ordinary scrapes.
curl -s -o /dev/null "$URL?w=[1-200]"
fds0=$(fds)
rss0=$(rss)
echo "$fds0 $rss0" >"$T/rest"
back() { [ "$(fds)" -le "$fds0" ]; }
for round in 1 2 3; do
	abuse
	wait_for 60 back || echo "round $round: $(fds) descriptors, $fds0 at rest" >>"$T/err"
	echo "$round $(fds) $(rss)" >>"$T/rounds"
done
kill -0 "$TL" && echo yes >"$T/alive"
end_pid TERM "$TL"
echo $? >"$T/tl.rc"
end_pid TERM "$NS_PID"
EOF

in_netns '. "$T/inner.sh"'
if [ -s "$T/err" ]; then
	not_ok "no stall, descriptors back to rest"
	diag "$T/err" "$T/tl.err"
else
	ok "no stall, descriptors back to rest"
fi
read -r fds0 rss0 <"$T/rest"
diag "$T/rest" "$T/rounds"
rss1=$(awk '$1 == 1 { print $3 }' "$T/rounds")
rss3=$(awk '$1 == 3 { print $3 }' "$T/rounds")
fdsmax=$(awk '{ if ($2 > m) m = $2 } END { print m + 0 }' "$T/rounds")
check "descriptors after each round: no more than at rest ($fds0)" [ "$fdsmax" -le "$fds0" ]
# 800 kB of headers and 20 MB of bodies a round: one kept would show.
check "resident memory after three rounds within 8 MB of rest (${rss0} kB -> ${rss3} kB)" \
	[ "$rss3" -le $((rss0 + 8192)) ]
check "resident memory: the third round no higher than the first plus 2 MB (${rss1} kB -> ${rss3} kB)" \
	[ "$rss3" -le $((rss1 + 2048)) ]
check "a scrape answered after each round" [ "$(tr '\n' ' ' <"$T/codes")" = "200 200 200 " ]
check "the exporter still running, and SIGTERM: exit 0" \
	[ -s "$T/alive" -a "$(cat "$T/tl.rc")" = 0 ]
done_testing
