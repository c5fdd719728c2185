/* ladderlegend: what the ladder's marks mean, in the glyph set's own
 * glyphs.  Shown under every ladder (the detail pane's last rows), in the
 * help, at the top of --events --ladder and in a saved ladder. */
#ifndef TCPLADDER_LADDERLEGEND_H
#define TCPLADDER_LADDERLEGEND_H

#include <stdbool.h>

#include "tcpladder/canvas.h"
#include "tcpladder/util.h"

/* Item i (0..TL_LADDER_LEGEND_N-1) appended to out in lang (narration.h's
 * languages): "~ inferred, not seen" and so on. */
#define TL_LADDER_LEGEND_N 6
void tl_ladder_legend_item(const struct tl_glyphs *g, int i, const char *lang, struct tl_buf *out);
/* All items on one line, after "Legend: ". */
void tl_ladder_legend(const struct tl_glyphs *g, const char *lang, struct tl_buf *out);
/* The legend on the last rows of a pane of ph rows from py, its text at
 * x, w wide: beside the ladder (side) an item a row, below it the items
 * on as few lines as fit (one line cut short when room is scarce).
 * Returns the rows it took: 0 when the pane has no room for it. */
int tl_ladder_legend_draw(struct tl_canvas *c, int x, int py, int w, int ph, bool side,
			  const char *lang);

#endif
