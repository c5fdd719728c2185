#!/bin/bash
# The SVG ladders of the golden files (tests/golden/ladderexport-*-svg.txt,
# written by tests/unit/test-ladderexport) are valid XML (xmllint) and a
# real renderer (rsvg-convert, from librsvg) draws them: the picture's
# size, its white ground, the lifelines, a seen arrow solid and blue, an
# inferred arrow and a derived lifeline dashed (grey, then a gap).
. "${top_srcdir:-.}/tests/kernel/lib.sh"
require_cmd "rsvg-convert (librsvg2-bin), xmllint (libxml2-utils) or python3" \
	rsvg-convert xmllint python3

G=${top_srcdir:-.}/tests/golden
PNGCHECK=${top_srcdir:-.}/tests/render/pngcheck.py
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# px FILE X,Y: "R G B A" of a pixel of the rendered FILE.
px() { python3 "$PNGCHECK" "$T/$1.png" "$2" | sed -n '2s/^[0-9]*,[0-9]* //p'; }
white() { [ "$(px "$1" "$2")" = "255 255 255 255" ]; }
# blue: the seen arrows' colour (#1f4e9c) ; grey: inferred (#8a8a8a) ;
# dark: a watched side's lifeline (#333333)
colour_is() { [ "$(px "$1" "$2")" = "$3" ]; }
blue="31 78 156 255"
grey="138 138 138 255"
dark="51 51 51 255"

for name in full one-end escape; do
	svg=$G/ladderexport-$name-svg.txt
	check "$name: valid XML" xmllint --noout "$svg"
	check "$name: rsvg-convert renders it" rsvg-convert -o "$T/$name.png" "$svg"
	check "$name: the PNG's size is the SVG's" bash -c \
		"[ \"\$(python3 '$PNGCHECK' '$T/$name.png' | head -1)\" = \
		   \"size \$(sed -n 's/.*<svg [^>]*width=\"\([0-9]*\)\" height=\"\([0-9]*\)\".*/\1 \2/p' '$svg')\" ]"
done
check "full: 920 by 412 pixels (seven steps)" \
	bash -c "[ \"\$(python3 '$PNGCHECK' '$T/full.png' | head -1)\" = 'size 920 412' ]"
check "full: a white ground" white full 5,5
check "full: A's lifeline, dark" colour_is full 240,200 "$dark"
check "full: B's lifeline, dark and whole" bash -c \
	"[ \"\$(python3 '$PNGCHECK' '$T/full.png' 519,33 519,38 | tail -2 | cut -d' ' -f2- | sort -u)\" = '$dark' ]"
check "full: the SYN, a solid blue arrow" colour_is full 370,94 "$blue"
check "full: ... with no gap" colour_is full 248,94 "$blue"
check "full: ... and its head" colour_is full 512,94 "$blue"
check "full: beside it, the ground" white full 370,80
check "one-end: the inferred SYN, grey" colour_is one-end 242,94 "$grey"
check "one-end: ... and dashed (a gap)" white one-end 248,94
check "one-end: the SYN+ACK B sent, seen: solid blue" colour_is one-end 370,138 "$blue"
check "one-end: B's lifeline (derived), grey" colour_is one-end 519,33 "$grey"
check "one-end: ... and dashed (a gap)" white one-end 519,38
done_testing
