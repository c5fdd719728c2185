/* canvas: a grid of cells (a glyph and a semantic style) that views draw
 * into.  The curses back end blits it; tests print it as text.  Glyphs
 * are single-width code points; the glyph set (UTF-8 or ASCII) is chosen
 * once, by whoever creates the canvas. */
#ifndef TCPLADDER_CANVAS_H
#define TCPLADDER_CANVAS_H

#include <stdbool.h>
#include <stdint.h>

#include "tcpladder/util.h"

/* Semantic styles; the back end maps them to colours and attributes
 * (or to plain bold/reverse without colour). */
enum tl_style {
	TL_ST_NORMAL,
	TL_ST_DIM,
	TL_ST_BOLD,
	TL_ST_HEADER,	/* the top line */
	TL_ST_TITLE,	/* pane titles */
	TL_ST_TITLE_FOCUS,
	TL_ST_COLHEAD,	/* table column heads */
	TL_ST_SELECTED, /* the selected row */
	TL_ST_BAR,	/* histogram bars */
	TL_ST_BAR_WARN, /* CLOSE-WAIT growing */
	TL_ST_BAR_TW,	/* TIME-WAIT */
	TL_ST_GOOD,
	TL_ST_WARN,
	TL_ST_BAD,
	TL_ST_INFERRED,
	TL_ST_KEY,	/* key names in the footer */
	TL_ST_MATCH,	/* search matches */
	TL_ST_N
};

struct tl_glyphs {
	uint32_t hline, vline, bar_full, arrow_r, arrow_l, ellipsis, dot, up, down;
	uint32_t spark[8]; /* eight levels, lowest first */
	uint32_t bar_part[8]; /* partial bar: 1/8 .. 8/8 */
	bool ascii;
};

extern const struct tl_glyphs tl_glyphs_utf8;
extern const struct tl_glyphs tl_glyphs_ascii;

struct tl_cell {
	uint32_t ch;
	uint8_t style;
};

struct tl_canvas {
	int w, h;
	struct tl_cell *cells;
	const struct tl_glyphs *g;
};

void tl_canvas_init(struct tl_canvas *c, int w, int h, const struct tl_glyphs *g);
void tl_canvas_fini(struct tl_canvas *c);
void tl_canvas_resize(struct tl_canvas *c, int w, int h);
void tl_canvas_clear(struct tl_canvas *c);
void tl_canvas_put(struct tl_canvas *c, int x, int y, uint32_t ch, int style);
/* Draw UTF-8 text clipped to [x, x + maxw) on row y; returns columns used.
 * Text that does not fit ends in an ellipsis.  In ASCII mode non-ASCII
 * code points become '?'. */
int tl_canvas_text(struct tl_canvas *c, int x, int y, int maxw, int style, const char *s);
int tl_canvas_printf(struct tl_canvas *c, int x, int y, int maxw, int style, const char *fmt, ...)
	TL_PRINTF(6, 7);
void tl_canvas_fill(struct tl_canvas *c, int x, int y, int w, int h, uint32_t ch, int style);
/* Restyle a run of cells, keeping their glyphs. */
void tl_canvas_style(struct tl_canvas *c, int x, int y, int w, int style);
/* The canvas as UTF-8 text, one line per row, trailing blanks trimmed. */
void tl_canvas_dump(const struct tl_canvas *c, struct tl_buf *out);

/* Decode one UTF-8 code point; returns bytes used (1 for bad bytes,
 * giving U+FFFD). */
int tl_utf8_decode(const char *s, uint32_t *cp);
void tl_utf8_encode(uint32_t cp, struct tl_buf *out);

#endif
