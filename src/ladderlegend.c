/* ladderlegend: what the ladder's marks mean, in the glyph set's own
 * glyphs: the items as text, on one line, and drawn on the detail
 * pane's last rows. */
#include <string.h>

#include "tcpladder/ladderlegend.h"
#include "tcpladder/narration.h"

/* The text ends with the Chinese "Legend:" (full-width colon): no
 * spaces needed after it. */
static bool ends_open(const struct tl_buf *b)
{
	static const char colon[] = "：";
	size_t n = sizeof(colon) - 1;
	return b->len >= n && !memcmp(b->data + b->len - n, colon, n);
}

void tl_ladder_legend_item(const struct tl_glyphs *g, int i, const char *lang, struct tl_buf *out)
{
	struct tl_buf m; /* the mark, in the glyph set's glyphs */
	tl_buf_init(&m);
	switch (i) {
	case 0:
		tl_narration_word(lang, TL_WORD_LEG_INFERRED, NULL, NULL, out);
		break;
	case 1:
		tl_utf8_encode(g->dash, &m);
		tl_utf8_encode(g->dash_gap, &m);
		tl_utf8_encode(g->dash, &m);
		tl_utf8_encode(g->arrow_r, &m);
		tl_narration_word(lang, TL_WORD_LEG_SEGMENT, m.data, NULL, out);
		break;
	case 2:
		tl_narration_word(lang, TL_WORD_LEG_DERIVED, NULL, NULL, out);
		break;
	case 3:
		tl_narration_word(lang, TL_WORD_LEG_WINDOW, g->ascii ? "+a..b" : "+a…b", NULL, out);
		break;
	case 5:
		tl_utf8_encode(g->shaft, &m);
		tl_utf8_encode(g->lost, &m);
		tl_narration_word(lang, TL_WORD_LEG_LOST, m.data, NULL, out);
		break;
	case 4:
		tl_narration_word(lang, TL_WORD_LEG_BOUND, g->ascii ? "<=+t" : "≤+t", NULL, out);
		break;
	}
	tl_buf_fini(&m);
}

void tl_ladder_legend(const struct tl_glyphs *g, const char *lang, struct tl_buf *out)
{
	tl_narration_word(lang, TL_WORD_LEGEND, NULL, NULL, out);
	for (int i = 0; i < TL_LADDER_LEGEND_N; i++) {
		if (i)
			tl_buf_puts(out, "  ");
		tl_ladder_legend_item(g, i, lang, out);
	}
}

int tl_ladder_legend_draw(struct tl_canvas *c, int x, int py, int w, int ph, bool side,
			  const char *lang)
{
	struct tl_buf b;
	tl_buf_init(&b);
	/* below the ladder: the items on as few lines as fit, each whole */
	int line_of[TL_LADDER_LEGEND_N], rows = 1, used = 0;
	for (int i = 0; i < TL_LADDER_LEGEND_N; i++) {
		if (side) {
			line_of[i] = i;
			continue;
		}
		tl_buf_reset(&b);
		if (i == 0)
			tl_narration_word(lang, TL_WORD_LEGEND, NULL, NULL, &b);
		tl_ladder_legend_item(c->g, i, lang, &b);
		int iw = tl_canvas_text_width(c, b.data);
		if (used && used + 2 + iw > w) {
			rows++;
			used = 0;
		}
		used += (used ? 2 : 0) + iw;
		line_of[i] = rows - 1;
	}
	if (side)
		rows = TL_LADDER_LEGEND_N;
	if (!side && ph < rows + 3) { /* little room: one line, cut short */
		rows = 1;
		memset(line_of, 0, sizeof(line_of));
	}
	if (ph < rows + 3) {
		tl_buf_fini(&b);
		return 0;
	}
	int y = py + ph - rows;
	for (int r = 0; r < rows; r++) {
		tl_buf_reset(&b);
		if (r == 0 && !side)
			tl_narration_word(lang, TL_WORD_LEGEND, NULL, NULL, &b);
		for (int i = 0; i < TL_LADDER_LEGEND_N; i++) {
			if (line_of[i] != r)
				continue;
			if (b.len && b.data[b.len - 1] != ' ' && !ends_open(&b))
				tl_buf_puts(&b, "  ");
			tl_ladder_legend_item(c->g, i, lang, &b);
		}
		tl_canvas_text(c, x, y + r, w, TL_ST_DIM, b.data);
	}
	tl_buf_fini(&b);
	return rows;
}
