/* ladderlegend: what the ladder's marks mean, in the glyph set's own
 * glyphs: the items as text, on one line, and drawn on the detail
 * pane's last rows. */
#include <string.h>

#include "tcpladder/ladderlegend.h"

void tl_ladder_legend_item(const struct tl_glyphs *g, int i, struct tl_buf *out)
{
	switch (i) {
	case 0:
		tl_buf_puts(out, "~ inferred, not seen");
		break;
	case 1:
		tl_utf8_encode(g->dash, out);
		tl_utf8_encode(g->dash_gap, out);
		tl_utf8_encode(g->dash, out);
		tl_utf8_encode(g->arrow_r, out);
		tl_buf_puts(out, " inferred segment");
		break;
	case 2:
		tl_buf_puts(out, "~derived: end not watched");
		break;
	case 3:
		tl_buf_puts(out,
			    g->ascii ? "+a..b between two samples" : "+a…b between two samples");
		break;
	case 5:
		tl_utf8_encode(g->shaft, out);
		tl_utf8_encode(g->lost, out);
		tl_buf_puts(out, " lost by the link");
		break;
	case 4:
		tl_buf_puts(out, g->ascii ? "<=+t at or before, +t exact"
					  : "≤+t at or before, +t exact");
		break;
	}
}

void tl_ladder_legend(const struct tl_glyphs *g, struct tl_buf *out)
{
	tl_buf_puts(out, "Legend: ");
	for (int i = 0; i < TL_LADDER_LEGEND_N; i++) {
		if (i)
			tl_buf_puts(out, "  ");
		tl_ladder_legend_item(g, i, out);
	}
}

int tl_ladder_legend_draw(struct tl_canvas *c, int x, int py, int w, int ph, bool side)
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
			tl_buf_puts(&b, "Legend: ");
		tl_ladder_legend_item(c->g, i, &b);
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
			tl_buf_puts(&b, "Legend: ");
		for (int i = 0; i < TL_LADDER_LEGEND_N; i++) {
			if (line_of[i] != r)
				continue;
			if (b.len && b.data[b.len - 1] != ' ')
				tl_buf_puts(&b, "  ");
			tl_ladder_legend_item(c->g, i, &b);
		}
		tl_canvas_text(c, x, y + r, w, TL_ST_DIM, b.data);
	}
	tl_buf_fini(&b);
	return rows;
}
