/* The canvas: each symbol's glyph in both glyph sets, text with wide
 * glyphs (measured, clipped, wrapped), UTF-8 in and out, the dump. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcpladder/canvas.h"
#include "tap.h"

/* The canvas as text, in a static buffer. */
static const char *dump(const struct tl_canvas *c)
{
	static struct tl_buf b;
	if (!b.data)
		tl_buf_init(&b);
	tl_buf_reset(&b);
	tl_canvas_dump(c, &b);
	return b.data ? b.data : "";
}

struct sym {
	const char *name;
	uint32_t utf8, ascii;
};

static void test_symbols(void)
{
	const struct tl_glyphs *u = &tl_glyphs_utf8, *a = &tl_glyphs_ascii;
	const struct sym want[] = {
		{"lifeline", 0x2502, '|'}, {"shaft", 0x2500, '-'},   {"dash", 0x254c, '-'},
		{"dash gap", 0x254c, ' '}, {"arrow r", 0x25b6, '>'}, {"arrow l", 0x25c0, '<'},
		{"no dir", '?', '?'},	   {"lost", 0x2717, 'X'}, {"mark", '*', '*'},	     {"hline", 0x2500, '-'},
		{"vline", 0x2502, '|'},	   {"ellipsis", 0x2026, '~'}, {"bar", 0x2588, '#'},
		{"up", 0x25b2, '^'},	   {"down", 0x25bc, 'v'},    {"dot", 0x00b7, '.'},
	};
	const uint32_t got[][2] = {
		{u->lifeline, a->lifeline}, {u->shaft, a->shaft},     {u->dash, a->dash},
		{u->dash_gap, a->dash_gap}, {u->arrow_r, a->arrow_r}, {u->arrow_l, a->arrow_l},
		{u->no_dir, a->no_dir},	    {u->lost, a->lost},	    {u->mark, a->mark},	      {u->hline, a->hline},
		{u->vline, a->vline},	    {u->ellipsis, a->ellipsis}, {u->bar_full, a->bar_full},
		{u->up, a->up},		    {u->down, a->down},	      {u->dot, a->dot},
	};
	for (size_t i = 0; i < TL_ARRAY_SIZE(want); i++) {
		ok(got[i][0] == want[i].utf8, "UTF-8 %s is U+%04X", want[i].name,
		   (unsigned)want[i].utf8);
		ok(got[i][1] == want[i].ascii, "ASCII %s is '%c'", want[i].name, (int)want[i].ascii);
		ok(got[i][1] >= 0x20 && got[i][1] < 0x7f, "ASCII %s is printable ASCII",
		   want[i].name);
	}
	for (int i = 0; i < 8; i++)
		ok(a->spark[i] < 0x7f && a->bar_part[i] < 0x7f && u->spark[i] == 0x2581u + (unsigned)i,
		   "spark and bar level %d in both sets", i);
	is_str(u->to, "\xe2\x86\x92", "UTF-8 'to' is U+2192");
	is_str(u->to_narrow, "\xe2\x86\x92", "UTF-8 narrow 'to' is U+2192");
	is_str(a->to, "->", "ASCII 'to' is ->");
	is_str(a->to_narrow, ">", "ASCII narrow 'to' is >");
	ok(!u->ascii && a->ascii, "the ASCII set says so");

	/* An inferred arrow reads differently from an observed one in both. */
	for (int k = 0; k < 2; k++) {
		const struct tl_glyphs *g = k ? a : u;
		ok(g->dash != g->shaft || g->dash_gap != g->shaft, "%s: dashed is not solid",
		   k ? "ASCII" : "UTF-8");
	}
	struct tl_canvas c;
	tl_canvas_init(&c, 8, 2, a);
	for (int i = 0; i < 6; i++) {
		tl_canvas_put(&c, i, 0, a->shaft, TL_ST_NORMAL);
		tl_canvas_put(&c, i, 1, i % 2 ? a->dash_gap : a->dash, TL_ST_NORMAL);
	}
	tl_canvas_put(&c, 6, 0, a->arrow_r, TL_ST_NORMAL);
	tl_canvas_put(&c, 6, 1, a->arrow_r, TL_ST_NORMAL);
	is_str(dump(&c), "------>\n- - - >\n", "ASCII arrows: solid and dashed");
	tl_canvas_fini(&c);
	tl_canvas_init(&c, 8, 1, u);
	for (int i = 0; i < 3; i++)
		tl_canvas_put(&c, i, 0, i % 2 ? u->dash_gap : u->dash, TL_ST_NORMAL);
	tl_canvas_put(&c, 3, 0, u->arrow_r, TL_ST_NORMAL);
	is_str(dump(&c), "\xe2\x95\x8c\xe2\x95\x8c\xe2\x95\x8c\xe2\x96\xb6\n", "UTF-8 dashed arrow");
	tl_canvas_fini(&c);
}

static void test_utf8(void)
{
	const uint32_t cps[] = {'A', 0xe9, 0x4e2d, 0x1f600};
	const char *enc[] = {"A", "\xc3\xa9", "\xe4\xb8\xad", "\xf0\x9f\x98\x80"};
	for (size_t i = 0; i < TL_ARRAY_SIZE(cps); i++) {
		char b[4];
		int n = tl_utf8_write(cps[i], b);
		ok(n == (int)strlen(enc[i]) && !memcmp(b, enc[i], (size_t)n), "U+%04X encodes in %d",
		   (unsigned)cps[i], n);
		uint32_t back;
		ok(tl_utf8_decode(enc[i], &back) == n && back == cps[i], "U+%04X decodes back",
		   (unsigned)cps[i]);
	}
	struct tl_buf b;
	tl_buf_init(&b);
	tl_utf8_encode(0x4e2d, &b);
	tl_utf8_encode('x', &b);
	is_str(b.data, "\xe4\xb8\xadx", "tl_utf8_encode appends");
	tl_buf_fini(&b);
	uint32_t cp;
	ok(tl_utf8_decode("\xe4x", &cp) == 1 && cp == 0xfffd, "a broken sequence is U+FFFD");
}

static void test_text(void)
{
	struct tl_canvas c;
	tl_canvas_init(&c, 10, 1, &tl_glyphs_utf8);
	is_int(tl_canvas_text(&c, 0, 0, 10, TL_ST_NORMAL, "\xe4\xb8\xad\xe6\x96\x87" "ab"), 6,
	       "two wide glyphs and two narrow take 6 columns");
	ok(c.cells[1].ch == TL_CANVAS_WIDE_CONT && c.cells[3].ch == TL_CANVAS_WIDE_CONT &&
		   c.cells[4].ch == 'a',
	   "each wide glyph is followed by a continuation cell");
	is_str(dump(&c), "\xe4\xb8\xad\xe6\x96\x87" "ab\n", "the dump skips continuation cells");
	is_int(tl_canvas_text_width(&c, "\xe4\xb8\xad" "a"), 3, "width: wide 2, narrow 1");

	tl_canvas_clear(&c);
	is_int(tl_canvas_text(&c, 0, 0, 4, TL_ST_NORMAL, "abcdef"), 4, "clipped to 4");
	is_str(dump(&c), "abc\xe2\x80\xa6\n", "cut text ends in an ellipsis");
	tl_canvas_clear(&c);
	is_int(tl_canvas_text(&c, 0, 0, 4, TL_ST_NORMAL, "abcd"), 4, "exactly 4 fits");
	is_str(dump(&c), "abcd\n", "text that fits has no ellipsis");
	tl_canvas_clear(&c);
	is_int(tl_canvas_text(&c, 0, 0, 3, TL_ST_NORMAL, "\xe4\xb8\xad\xe4\xb8\xad"), 3,
	       "a wide glyph that would cross the edge");
	is_str(dump(&c), "\xe4\xb8\xad\xe2\x80\xa6\n", "gives way to the ellipsis");
	tl_canvas_clear(&c);
	is_int(tl_canvas_textn(&c, 0, 0, 10, TL_ST_NORMAL, "abcdef", 3), 3, "textn: 3 bytes");
	is_str(dump(&c), "abc\n", "textn draws only its bytes");
	is_int(tl_canvas_text(&c, 0, 0, 0, TL_ST_NORMAL, "x"), 0, "no room: nothing");
	tl_canvas_fini(&c);

	tl_canvas_init(&c, 10, 1, &tl_glyphs_ascii);
	is_int(tl_canvas_text(&c, 0, 0, 10, TL_ST_NORMAL, "\xe4\xb8\xad" "ab"), 3,
	       "ASCII: a wide glyph is one column");
	is_str(dump(&c), "?ab\n", "ASCII: non-ASCII shows as ?");
	is_int(tl_canvas_text_width(&c, "\xe4\xb8\xad" "a"), 2, "ASCII width");
	tl_canvas_clear(&c);
	tl_canvas_text(&c, 0, 0, 4, TL_ST_NORMAL, "abcdef");
	is_str(dump(&c), "abc~\n", "ASCII ellipsis");
	tl_canvas_fini(&c);
}

static void test_wrap(void)
{
	struct tl_canvas c;
	tl_canvas_init(&c, 9, 4, &tl_glyphs_utf8);
	is_int(tl_canvas_wrap(&c, 0, 0, 8, 4, TL_ST_NORMAL, "one two three\nfour"), 3,
	       "wrapped at spaces and newlines");
	is_str(dump(&c), "one two\nthree\nfour\n\n", "the rows");
	tl_canvas_clear(&c);
	is_int(tl_canvas_wrap(&c, 0, 0, 8, 2, TL_ST_NORMAL, "one two three four"), 2,
	       "at most maxrows");
	is_str(dump(&c), "one two\nthree\xe2\x80\xa6\n\n\n", "more than fits: an ellipsis");
	tl_canvas_clear(&c);
	is_int(tl_canvas_wrap(&c, 1, 0, 5, 4, TL_ST_NORMAL,
			      "\xe4\xb8\x80\xe4\xba\x8c\xe4\xb8\x89\xe5\x9b\x9b\xe4\xba\x94"),
	       3, "wide glyphs wrap between any two");
	is_str(dump(&c),
	       " \xe4\xb8\x80\xe4\xba\x8c\n \xe4\xb8\x89\xe5\x9b\x9b\n \xe4\xba\x94\n\n",
	       "two wide glyphs a row in 5 columns, at x = 1");
	is_int(tl_canvas_wrap(&c, 0, 0, 5, 0, TL_ST_NORMAL, "x"), 0, "no rows: nothing");
	/* a closing punctuation mark never starts a row: the break goes
	 * before the character it closes */
	tl_canvas_clear(&c);
	tl_canvas_wrap(&c, 0, 0, 4, 4, TL_ST_NORMAL, "一二。三四");
	is_str(dump(&c), "一\n二。\n三四\n\n", "'。' stays with the character before it");
	tl_canvas_clear(&c);
	tl_canvas_wrap(&c, 0, 0, 4, 4, TL_ST_NORMAL, "收到，好");
	is_str(dump(&c), "收\n到，\n好\n\n", "so does '，'");
	tl_canvas_fini(&c);
}

int main(void)
{
	test_symbols();
	test_utf8();
	test_text();
	test_wrap();
	return tap_done();
}
