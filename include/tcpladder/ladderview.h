/* ladderview: the ladder (ladder.h) laid out and drawn into a canvas: the
 * detail screen's diagram and pane, and the headless text of
 * --events --ladder.  Pure: the time for the clocks comes in the view.
 *
 *   A 10.0.0.1:45000 (client)           B 10.0.0.2:80 (server)| Step 6/9: FIN A->B
 *                       A                  B                  | at +5.000s, observed
 *                       |       SYN        | A: Hello, I'm A  | A: B, I'm done sending
 *   +0.000s    SYN-SENT |----------------->| SYN-RECV         | A: ESTABLISHED ->
 *                       |     SYN+ACK      | B: Hello A, I'm B| FIN-WAIT-1
 *   +0.310s       ESTAB |<-----------------|                  |    close() or shutdown()
 *                       |       ~ACK       | A: Hello B       | B: ESTABLISHED ->
 *   +0.612s             |- - - - - - - - ->| ~ESTAB           | CLOSE-WAIT (derived)
 *   *                   |       FIN        | A: B, I'm done...| A counters: rtt 0.30 ms,
 *   +5.000s  FIN-WAIT-1 |----------------->| ~CLOSE-WAIT      | sent 4.1 KB, ...
 *                       |                  |                  | A TIME-WAIT 50s left
 *              50s left |     3 below      |                  |
 *   \_____/  \_________/ \________________/ \________________/ \______________________/
 *    time     A's state   label row and      B's state and     the selected step, or the
 *    since    on entering arrow row of each  the dialogue       connection; below the
 *    the      it; its     step; '*' marks                      diagram when narrower
 *    first    clock last  the compared one                     than 100 columns
 *    step
 *
 * Each step takes two rows: its label (and dialogue) above, its arrow,
 * time and state changes below.  An inferred arrow is dashed and its
 * label and states marked '~'; an arrow in flight is drawn up to its head
 * and the receiver's new state waits for it to land.  Times count from
 * the earliest the first step may have happened: exact ("+0.310s": a
 * destroy event, an eBPF record, a link segment), a window between the
 * two samples around a sampled step ("+0.100…0.310s"), or, with no
 * earlier sample, a bound ("≤+0.310s": at or before).  A first
 * sighting ("first seen in STATE", its time of day below) and the steps
 * not kept ("k steps not shown") are notes beside the lifeline they are
 * about.  The footer holds the clocks of a lingering TIME-WAIT or
 * CLOSE-WAIT and how many steps are scrolled away; the pane's last rows
 * hold the legend.  Glyphs come from the canvas's glyph set. */
#ifndef TCPLADDER_LADDERVIEW_H
#define TCPLADDER_LADDERVIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "tcpladder/canvas.h"
#include "tcpladder/ladder.h"
#include "tcpladder/ladderlegend.h" /* the legend, for its callers */
#include "tcpladder/util.h"

/* Below this the ladder draws a one-line note instead. */
#define TL_LADDER_MIN_W 40
#define TL_LADDER_MIN_H 12

struct tl_ladder_view {
	int selected;     /* step index, -1 none */
	int mark;         /* step index, -1 none */
	int scroll;       /* first step shown (kept so the selection is visible) */
	double anim;      /* progress 0..1 of the newest arrow's flight; 1 = landed */
	const char *lang; /* "en" or "zh" (NULL: "en"; an ASCII canvas shows English) */
	bool explain;     /* explain the selected step's state in the pane */
	uint64_t now;     /* monotonic ns, for the clocks; 0 hides them */
};

/* Draw into the rectangle; a side pane with the selected step's details
 * when w >= 100, else below the ladder. */
void tl_ladder_draw(const struct tl_ladder *l, struct tl_canvas *c, int x, int y, int w, int h,
		    const struct tl_ladder_view *v);
/* The scroll the drawing uses for this view and size: v->scroll clamped,
 * moved so the selected step is visible.  For the caller's key handling. */
int tl_ladder_fit_scroll(const struct tl_ladder *l, int w, int h, const struct tl_ladder_view *v);

/* Headless: the whole ladder as text lines (width w), for --events
 * --ladder; appended to out. */
void tl_ladder_text(const struct tl_ladder *l, int w, const char *lang, bool ascii,
		    struct tl_buf *out);

#endif
