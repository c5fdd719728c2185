/* canvas: a grid of cells (a glyph and a semantic style) that views draw
 * into.  The curses back end blits it; tests print it as text.
 *
 * Glyphs come from a glyph set (UTF-8 or ASCII), chosen once by whoever
 * creates the canvas.  Views draw symbols, named by what they mean
 * (g->lifeline, g->dash, g->arrow_r); only the two sets in canvas.c name
 * code points, so no view writes a glyph or a UTF-8 byte string of its
 * own and ASCII terminals get a picture that still reads.
 *
 * Text is UTF-8.  A wide glyph (CJK) takes two cells: the glyph, then
 * TL_CANVAS_WIDE_CONT in the cell to its right, which back ends skip.  In
 * an ASCII set every glyph is one cell and non-ASCII text shows as '?'.
 *
 * The canvas owns its cells; the glyph set is static and shared. */
#ifndef TCPLADDER_CANVAS_H
#define TCPLADDER_CANVAS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpladder/util.h"

#define TL_CANVAS_WIDE_CONT 0u /* the right half of a wide glyph */

/* Semantic styles; the back end maps them to colours and attributes
 * (or to plain bold/reverse without colour). */
enum tl_style {
	TL_ST_NORMAL,
	TL_ST_DIM,
	TL_ST_BOLD,
	TL_ST_HEADER, /* the top line */
	TL_ST_TITLE,  /* pane titles */
	TL_ST_TITLE_FOCUS,
	TL_ST_COLHEAD,  /* table column heads */
	TL_ST_SELECTED, /* the selected row */
	TL_ST_BAR,      /* histogram bars */
	TL_ST_BAR_WARN, /* CLOSE-WAIT growing */
	TL_ST_BAR_TW,   /* TIME-WAIT */
	TL_ST_GOOD,
	TL_ST_WARN,
	TL_ST_BAD,
	TL_ST_INFERRED,
	TL_ST_KEY,   /* key names in the footer */
	TL_ST_MATCH, /* search matches */
	TL_ST_N
};

/* A glyph set: the glyph of every symbol a view draws. */
struct tl_glyphs {
	/* frames and meters */
	uint32_t hline, vline, bar_full, ellipsis, dot, up, down;
	uint32_t spark[8];    /* eight levels, lowest first */
	uint32_t bar_part[8]; /* partial bar: 1/8 .. 8/8 */
	/* sequence diagrams */
	uint32_t lifeline;
	uint32_t shaft;            /* an observed arrow's shaft */
	uint32_t dash, dash_gap;   /* an inferred arrow's shaft: the two alternate */
	uint32_t arrow_r, arrow_l; /* arrow heads */
	uint32_t no_dir;           /* mid-shaft of an arrow whose direction is unknown */
	uint32_t lost;             /* where a segment the link dropped ends */
	uint32_t mark;             /* the step marked to compare times with */
	/* inside text, as UTF-8 strings (ASCII may need more columns) */
	const char *to;        /* "A -> B", "SYN-SENT -> ESTABLISHED" */
	const char *to_narrow; /* the same in one column */
	const char *at_least;  /* before a lower bound: "≥5s", ASCII ">5s" */
	bool ascii;            /* ASCII only: no wide glyphs, no Chinese */
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
 * Text that does not fit ends in an ellipsis. */
int tl_canvas_text(struct tl_canvas *c, int x, int y, int maxw, int style, const char *s);
/* The same for the first len bytes of s. */
int tl_canvas_textn(struct tl_canvas *c, int x, int y, int maxw, int style, const char *s,
		    size_t len);
int tl_canvas_printf(struct tl_canvas *c, int x, int y, int maxw, int style, const char *fmt, ...)
    TL_PRINTF(6, 7);
/* Text wrapped into w columns at spaces (anywhere between wide glyphs) and
 * at newlines, on at most maxrows rows; an ellipsis says when more did not
 * fit.  Returns the rows used. */
int tl_canvas_wrap(struct tl_canvas *c, int x, int y, int w, int maxrows, int style, const char *s);
/* Columns the text takes on this canvas. */
int tl_canvas_text_width(const struct tl_canvas *c, const char *s);
void tl_canvas_fill(struct tl_canvas *c, int x, int y, int w, int h, uint32_t ch, int style);
/* Restyle a run of cells, keeping their glyphs. */
void tl_canvas_style(struct tl_canvas *c, int x, int y, int w, int style);
/* The canvas as UTF-8 text, one line per row, trailing blanks trimmed. */
void tl_canvas_dump(const struct tl_canvas *c, struct tl_buf *out);

/* Decode one UTF-8 code point; returns bytes used (1 for bad bytes,
 * giving U+FFFD). */
int tl_utf8_decode(const char *s, uint32_t *cp);
/* Encode one code point into out; returns the bytes written (1 to 4). */
int tl_utf8_write(uint32_t cp, char out[4]);
/* The same, appended to a buffer. */
void tl_utf8_encode(uint32_t cp, struct tl_buf *out);

#endif
