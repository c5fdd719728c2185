#!/bin/bash
# sizes.sh: keep the house's rooms small (docs/architecture.md, "Sizes"):
# no source file over 800 lines, no function over 120.  A function is
# counted from its head (a line at column 0 that opens a parameter list)
# to its closing brace at column 0.
#
#   sizes.sh            check src/, then check that an oversized file and
#                       function planted in a copy are found (so the
#                       check can fail)
#   sizes.sh --dir DIR  check DIR/*.c only; exit 1 on any violation
set -u
MAX_FILE=800
MAX_FUNC=120

# check_dir DIR: one line per violation; 1 if any.
check_dir() {
	awk -v max_file="$MAX_FILE" -v max_func="$MAX_FUNC" '
	FNR == 1 { if (prev != "" && lines > max_file) bad(prev, lines " lines (at most " max_file ")")
		   prev = FILENAME; lines = 0; head = 0 }
	{ lines = FNR }
	/^[A-Za-z_].*\(/ && !/;[ \t]*$/ { head = FNR; name = $0 }
	/^}/ && head { n = FNR - head + 1
		       if (n > max_func) bad(FILENAME ":" head, "function of " n " lines (at most " max_func "): " name)
		       head = 0 }
	function bad(where, what) { print where ": " what; nbad++ }
	END { if (prev != "" && lines > max_file) bad(prev, lines " lines (at most " max_file ")")
	      exit nbad > 0 }' "$1"/*.c
}

if [ "${1:-}" = --dir ]; then
	check_dir "$2"
	exit $?
fi

src=${top_srcdir:-.}/src
n=0
fail=0
n=$((n + 1))
if out=$(check_dir "$src"); then
	echo "ok $n - every file of src/ within $MAX_FILE lines, every function within $MAX_FUNC"
else
	echo "not ok $n - sizes over the limits:"
	printf '%s\n' "$out" | sed 's/^/#   /'
	fail=1
fi

# The check can fail: a copy with a long file and a long function.
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
{
	echo "static int big(void)"
	echo "{"
	for ((i = 0; i < MAX_FUNC; i++)); do echo "	(void)$i;"; done
	echo "	return 0;"
	echo "}"
	for ((i = 0; i < MAX_FILE; i++)); do echo "/* filler */"; done
} >"$T/planted.c"
n=$((n + 1))
out=$(check_dir "$T")
if [ $? != 0 ] && grep -q "planted.c: [0-9]* lines" <<<"$out" &&
	grep -q "planted.c:1: function of $((MAX_FUNC + 4)) lines" <<<"$out"; then
	echo "ok $n - a planted long file and long function are found"
else
	echo "not ok $n - a planted long file and long function are not both found:"
	printf '%s\n' "$out" | sed 's/^/#   /'
	fail=1
fi
echo "1..$n"
exit $fail
