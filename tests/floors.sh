#!/bin/bash
# floors.sh: keep the floors sealed (docs/architecture.md, "Floors").
#
# The floor table in docs/architecture.md is the rule: every module is on
# one floor, and a file may include only headers of modules on its own
# floor or below.  The pure core (utilities and core floors) also may not
# reach for the terminal, the clock or sockets, and the libraries in
# Makefile.am must hold exactly their floors' modules.
#
#   floors.sh            check this tree, then check that a tree with a
#                        violation planted in it fails (so the check can fail)
#   floors.sh --tree DIR check DIR only; exit 1 on any violation
set -u

# check_tree DIR: print one line per violation, return 1 if any.
check_tree() {
	local dir=$1
	awk -v dir="$dir" '
	function floor_of(m) { return (m in floor) ? floor[m] : -1 }
	BEGIN {
		arch = dir "/docs/architecture.md"
		while ((getline line < arch) > 0) {
			if (line ~ /^## Floors/) { in_floors = 1; continue }
			if (in_floors && line ~ /^## /) break
			if (!in_floors || line !~ /^\| /) continue
			split(line, col, "|")
			name = col[2]; gsub(/^ +| +$/, "", name)
			if (name == "floor" || name ~ /^-+$/) continue
			nfloor++
			floorname[nfloor] = name
			mods = col[3]
			while (match(mods, /`[a-z_0-9]+`/)) {
				m = substr(mods, RSTART + 1, RLENGTH - 2)
				if (m in floor)
					bad[++nbad] = "module " m " is on two floors"
				floor[m] = nfloor
				mods = substr(mods, RSTART + RLENGTH)
			}
		}
		if (nfloor < 3) {
			print "no floor table found in " arch
			exit 2
		}
		# the two lowest floors are the pure core
		pure_top = 2
		cmd = "cd \"" dir "\" && ls src/*.c include/tcpladder/*.h"
		while ((cmd | getline f) > 0) {
			m = f; sub(/^.*\//, "", m); sub(/\.[ch]$/, "", m)
			if (floor_of(m) < 0) {
				bad[++nbad] = f ": module " m " is on no floor of the table"
				continue
			}
			path = dir "/" f
			n = 0
			while ((getline line < path) > 0) {
				n++
				if (match(line, /^#[ \t]*include[ \t]*"tcpladder\/[a-z_0-9]+\.h"/)) {
					h = line; sub(/^[^"]*"tcpladder\//, "", h); sub(/\.h".*$/, "", h)
					if (floor_of(h) < 0)
						bad[++nbad] = f ":" n ": includes " h ".h, on no floor"
					else if (floor_of(h) > floor_of(m))
						bad[++nbad] = f ":" n ": " m " (" floorname[floor_of(m)] \
							") includes " h ".h (" floorname[floor_of(h)] ")"
				}
				if (floor_of(m) <= pure_top &&
				    (line ~ /#[ \t]*include[ \t]*<n?curses\.h>/ ||
				     line ~ /clock_gettime|gettimeofday|signalfd|mnl_socket_|[^a-z_]socket\(/))
					bad[++nbad] = f ":" n ": the pure core reaches for the terminal, " \
						"the clock or a socket: " line
			}
			close(path)
		}
		close(cmd)
		# the libraries hold their floors
		mk = dir "/Makefile.am"
		lib = ""
		while ((getline line < mk) > 0) {
			if (line ~ /^libtlcore_a_SOURCES/) lib = "core"
			else if (line ~ /^libtlshell_a_SOURCES/) lib = "shell"
			else if (line !~ /^\t/) lib = ""
			if (lib == "") continue
			rest = line
			while (match(rest, /src\/[a-z_0-9]+\.c/)) {
				m = substr(rest, RSTART + 4, RLENGTH - 6)
				fl = floor_of(m)
				if (lib == "core" && (fl < 0 || fl > pure_top))
					bad[++nbad] = "Makefile.am: " m ".c is in libtlcore.a but not on a core floor"
				if (lib == "shell" && fl <= pure_top)
					bad[++nbad] = "Makefile.am: " m ".c is in libtlshell.a but on a core floor"
				rest = substr(rest, RSTART + RLENGTH)
			}
			if (line !~ /\\$/) lib = ""
		}
		for (i = 1; i <= nbad; i++)
			print bad[i]
		exit nbad > 0
	}'
}

if [ "${1:-}" = --tree ]; then
	check_tree "$2"
	exit $?
fi

top=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
n=0
fail=0
t() { # DESC STATUS
	n=$((n + 1))
	if [ "$2" = 0 ]; then echo "ok $n - $1"; else echo "not ok $n - $1"; fail=1; fi
}

out=$(check_tree "$top")
rc=$?
t "the floors are sealed (docs/architecture.md)" $rc
[ $rc = 0 ] || printf '%s\n' "$out" | sed 's/^/#   /'

# The check itself must be able to fail: plant a violation in a copy.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src" "$tmp/include/tcpladder" "$tmp/docs"
cp "$top/docs/architecture.md" "$top/Makefile.am" "$tmp/" 2>/dev/null
mv "$tmp/architecture.md" "$tmp/docs/"
cp "$top"/src/*.c "$tmp/src/"
cp "$top"/include/tcpladder/*.h "$tmp/include/tcpladder/"
check_tree "$tmp" >/dev/null
t "the untouched copy passes" $?
printf '#include "tcpladder/engine.h"\n' >>"$tmp/src/tcpstate.c"
out=$(check_tree "$tmp")
rc=$?
t "a core module including a shell header fails" $([ $rc != 0 ] && echo 0 || echo 1)
printf '%s\n' "$out" | grep -q 'tcpstate.c:.*includes engine.h' 
t "and the violation is named" $?
cp "$top/src/tcpstate.c" "$tmp/src/tcpstate.c"
printf 'static void x(void) { clock_gettime(0, 0); }\n' >>"$tmp/src/histogram.c"
check_tree "$tmp" >/dev/null
t "the core reading the clock fails" $([ $? != 0 ] && echo 0 || echo 1)
cp "$top/src/histogram.c" "$tmp/src/histogram.c"
: >"$tmp/src/unplaced.c"
check_tree "$tmp" >/dev/null
t "a module on no floor fails" $([ $? != 0 ] && echo 0 || echo 1)
echo "1..$n"
exit $fail
