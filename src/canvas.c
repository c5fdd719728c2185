/* canvas: cells, the two glyph sets, text (wide glyphs included), and a
 * text dump for golden tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcpladder/canvas.h"

/* The only code points in the program's drawing: every view takes its
 * glyphs from one of these two sets. */
const struct tl_glyphs tl_glyphs_utf8 = {
    .hline = 0x2500,
    .vline = 0x2502,
    .bar_full = 0x2588,
    .ellipsis = 0x2026,
    .dot = 0x00b7,
    .up = 0x25b2,
    .down = 0x25bc,
    .spark = {0x2581, 0x2582, 0x2583, 0x2584, 0x2585, 0x2586, 0x2587, 0x2588},
    .bar_part = {0x258f, 0x258e, 0x258d, 0x258c, 0x258b, 0x258a, 0x2589, 0x2588},
    .lifeline = 0x2502,
    .shaft = 0x2500,
    .dash = 0x254c,
    .dash_gap = 0x254c, /* drawn dashed */
    .arrow_r = 0x25b6,
    .arrow_l = 0x25c0,
    .no_dir = '?',
    .lost = 0x2717, /* ✗ */
    .mark = '*',
    .to = "\u2192",
    .to_narrow = "\u2192",
    .at_least = "\u2265",
    .ascii = false,
};

const struct tl_glyphs tl_glyphs_ascii = {
    .hline = '-',
    .vline = '|',
    .bar_full = '#',
    .ellipsis = '~',
    .dot = '.',
    .up = '^',
    .down = 'v',
    .spark = {'_', '.', ',', '-', '=', '+', '*', '#'},
    .bar_part = {' ', ' ', ' ', ' ', '#', '#', '#', '#'},
    .lifeline = '|',
    .shaft = '-',
    .dash = '-',
    .dash_gap = ' ',
    .arrow_r = '>',
    .arrow_l = '<',
    .no_dir = '?',
    .lost = 'X',
    .mark = '*',
    .to = "->",
    .to_narrow = ">",
    .at_least = ">",
    .ascii = true,
};

void tl_canvas_init(struct tl_canvas *c, int w, int h, const struct tl_glyphs *g)
{
	c->w = c->h = 0;
	c->cells = NULL;
	c->g = g;
	tl_canvas_resize(c, w, h);
}

void tl_canvas_fini(struct tl_canvas *c)
{
	free(c->cells);
	c->cells = NULL;
}

void tl_canvas_resize(struct tl_canvas *c, int w, int h)
{
	if (w < 0)
		w = 0;
	if (h < 0)
		h = 0;
	free(c->cells);
	c->w = w;
	c->h = h;
	c->cells = tl_calloc((size_t)w * (size_t)h + 1, sizeof(*c->cells));
	tl_canvas_clear(c);
}

void tl_canvas_clear(struct tl_canvas *c)
{
	for (int i = 0; i < c->w * c->h; i++) {
		c->cells[i].ch = ' ';
		c->cells[i].style = TL_ST_NORMAL;
	}
}

void tl_canvas_put(struct tl_canvas *c, int x, int y, uint32_t ch, int style)
{
	if (x < 0 || y < 0 || x >= c->w || y >= c->h)
		return;
	if (c->g->ascii && ch > 0x7e)
		ch = '?';
	if (ch < 0x20 || ch == 0x7f)
		ch = '?';
	c->cells[y * c->w + x].ch = ch;
	c->cells[y * c->w + x].style = (uint8_t)style;
}

int tl_utf8_decode(const char *s, uint32_t *cp)
{
	const unsigned char *p = (const unsigned char *)s;
	int n;
	uint32_t v;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	} else if ((p[0] & 0xe0) == 0xc0) {
		n = 2;
		v = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		n = 3;
		v = p[0] & 0x0f;
	} else if ((p[0] & 0xf8) == 0xf0) {
		n = 4;
		v = p[0] & 0x07;
	} else {
		*cp = 0xfffd;
		return 1;
	}
	for (int i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			*cp = 0xfffd;
			return 1;
		}
		v = v << 6 | (p[i] & 0x3f);
	}
	*cp = v;
	return n;
}

int tl_utf8_write(uint32_t cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

void tl_utf8_encode(uint32_t cp, struct tl_buf *out)
{
	char b[4];
	tl_buf_add(out, b, (size_t)tl_utf8_write(cp, b));
}

/* East Asian wide and fullwidth ranges (Hangul, CJK, fullwidth forms). */
static bool is_wide(uint32_t cp)
{
	return (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf && cp != 0x303f) ||
	       (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
	       (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
	       (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x20000 && cp <= 0x3fffd);
}

static int glyph_width(const struct tl_canvas *c, uint32_t cp)
{
	return !c->g->ascii && is_wide(cp) ? 2 : 1;
}

static int width_n(const struct tl_canvas *c, const char *s, size_t len)
{
	int w = 0;
	const char *end = s + len;
	while (s < end && *s) {
		uint32_t cp;
		s += tl_utf8_decode(s, &cp);
		w += glyph_width(c, cp);
	}
	return w;
}

int tl_canvas_text_width(const struct tl_canvas *c, const char *s)
{
	return width_n(c, s, strlen(s));
}

int tl_canvas_textn(struct tl_canvas *c, int x, int y, int maxw, int style, const char *s,
		    size_t len)
{
	const char *end = s + len;
	int col = 0;
	if (maxw <= 0)
		return 0;
	while (s < end && *s) {
		uint32_t cp;
		int n = tl_utf8_decode(s, &cp), cw = glyph_width(c, cp);
		/* At the edge: when the rest does not fit, the last column is an
		 * ellipsis (measured only here, so short text is read once). */
		if (col + cw > maxw - 1 && col + width_n(c, s, (size_t)(end - s)) > maxw) {
			tl_canvas_put(c, x + col, y, c->g->ellipsis, style);
			return col + 1;
		}
		tl_canvas_put(c, x + col, y, cp, style);
		if (cw == 2 && x + col + 1 >= 0 && x + col + 1 < c->w && y >= 0 && y < c->h) {
			struct tl_cell *cell = &c->cells[y * c->w + x + col + 1];
			cell->ch = TL_CANVAS_WIDE_CONT;
			cell->style = (uint8_t)style;
		}
		col += cw;
		s += n;
	}
	return col;
}

int tl_canvas_text(struct tl_canvas *c, int x, int y, int maxw, int style, const char *s)
{
	return tl_canvas_textn(c, x, y, maxw, style, s, strlen(s));
}

/* CJK punctuation that never starts a line (it closes what is before it):
 * a break before a wide character is allowed, but not before these. */
static bool closing_punct(uint32_t cp)
{
	static const uint32_t list[] = {0x3001, 0x3002, 0xff0c, 0xff0e, 0xff1a, 0xff1b, 0xff1f,
					0xff01, 0xff09, 0x300d, 0x300f, 0x3011, 0x300b, 0x3009};
	for (size_t i = 0; i < TL_ARRAY_SIZE(list); i++)
		if (cp == list[i])
			return true;
	return false;
}

int tl_canvas_wrap(struct tl_canvas *c, int x, int y, int w, int maxrows, int style, const char *s)
{
	int rows = 0;
	while (*s && rows < maxrows && w > 0) {
		int col = 0;
		const char *q = s, *brk = NULL, *next = NULL;
		while (*q && *q != '\n') {
			uint32_t cp;
			int n = tl_utf8_decode(q, &cp), cw = glyph_width(c, cp);
			if (cw == 2 && q > s && !closing_punct(cp)) {
				brk = q;
				next = q;
			}
			if (col + cw > w)
				break;
			if (cp == ' ') {
				brk = q;
				next = q + 1;
			}
			col += cw;
			q += n;
		}
		const char *end = q;
		if (*q && *q != '\n' && brk && brk > s) {
			end = brk;
			q = next;
		}
		int used = tl_canvas_textn(c, x, y + rows, w, style, s, (size_t)(end - s));
		if (rows == maxrows - 1 && *q) /* more than fits: say so */
			tl_canvas_put(c, x + TL_MIN(used, w - 1), y + rows, c->g->ellipsis, style);
		rows++;
		s = q;
		if (*s == '\n')
			s++;
		while (*s == ' ')
			s++;
	}
	return rows;
}

int tl_canvas_printf(struct tl_canvas *c, int x, int y, int maxw, int style, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return tl_canvas_text(c, x, y, maxw, style, buf);
}

void tl_canvas_fill(struct tl_canvas *c, int x, int y, int w, int h, uint32_t ch, int style)
{
	for (int j = y; j < y + h; j++)
		for (int i = x; i < x + w; i++)
			tl_canvas_put(c, i, j, ch, style);
}

void tl_canvas_style(struct tl_canvas *c, int x, int y, int w, int style)
{
	if (y < 0 || y >= c->h)
		return;
	for (int i = TL_MAX(x, 0); i < x + w && i < c->w; i++)
		c->cells[y * c->w + i].style = (uint8_t)style;
}

void tl_canvas_dump(const struct tl_canvas *c, struct tl_buf *out)
{
	for (int y = 0; y < c->h; y++) {
		int end = c->w;
		while (end > 0 && c->cells[y * c->w + end - 1].ch == ' ')
			end--;
		for (int x = 0; x < end; x++)
			if (c->cells[y * c->w + x].ch != TL_CANVAS_WIDE_CONT)
				tl_utf8_encode(c->cells[y * c->w + x].ch, out);
		tl_buf_putc(out, '\n');
	}
}
