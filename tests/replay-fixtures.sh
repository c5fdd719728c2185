#!/bin/bash
# replay-fixtures.sh: the lab's recordings in tests/fixtures (made by
# tests/fixtures/make.sh) replayed without a kernel, as fast as they go:
# `--events --ladder` and `--events` (the link's segments and both ends'
# events) compared with goldens, and the state at a moment (--once --at).
# TL_UPDATE_GOLDEN=1 rewrites the goldens (refused under CI=true).
: "${TCPLADDER:=${top_builddir:-.}/src/tcpladder}"
fx=${top_srcdir:-.}/tests/fixtures
gd=${top_srcdir:-.}/tests/golden
export TZ=UTC LANG=C.UTF-8
n=0 failed=0
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# golden NAME ARGS...: one test point
golden() {
	local name=$1
	shift
	n=$((n + 1))
	"$TCPLADDER" "$@" >"$T/out" 2>"$T/err"
	local rc=$?
	if [ -n "${TL_UPDATE_GOLDEN:-}" ]; then
		if [ "${CI:-}" = true ]; then
			echo "not ok $n - $name: goldens are not rewritten under CI=true"
			failed=$((failed + 1))
			return
		fi
		cp "$T/out" "$gd/$name.txt"
	fi
	if [ $rc = 0 ] && [ ! -s "$T/err" ] && [ -s "$T/out" ] && diff -u "$gd/$name.txt" "$T/out" >"$T/diff"; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name (exit $rc)"
		sed 's/^/# /' "$T/err" "$T/diff" 2>/dev/null | head -40
		failed=$((failed + 1))
	fi
}

golden replay-lab-full-ladder --replay "$fx/lab-full.tlr" --events --ladder --speed max
golden replay-lab-full-ladder-ascii --replay "$fx/lab-full.tlr" --events --ladder --ascii --speed max
golden replay-lab-rst-events --replay "$fx/lab-rst.tlr" --events --speed max
golden replay-lab-rst-json --replay "$fx/lab-rst.tlr" --events --json --speed 0
golden replay-lab-full-at2 --replay "$fx/lab-full.tlr" --once --json --at 2
echo "1..$n"
[ $failed = 0 ]
