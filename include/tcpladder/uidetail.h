/* uidetail: the detail screen of one connection. */
#ifndef TCPLADDER_UIDETAIL_H
#define TCPLADDER_UIDETAIL_H

#include <stdbool.h>
#include <stddef.h>

#include "tcpladder/ui.h"

struct tl_canvas;

/* Moves the detail screen on to `in->now` for a w x h screen: builds the
 * selected connection's ladder, advances a replay and an arrow's flight,
 * keeps the selected step in view.  Drawing then changes nothing. */
/* The connection in detail: the tracker's, else the copy the screen kept
 * (*gone set); NULL when there is neither.  *peer: its peer or NULL. */
const struct tl_conn *tl_uidetail_conn(const struct tl_ui *ui, const struct tl_ui_input *in,
				       const struct tl_conn **peer, bool *gone);
/* The end of the connection in detail whose tombstone the tracker should
 * keep (tl_tracker_keep) while the ladder is on screen: one that closed,
 * the peer first, else the peer; 0 for none.  An end let go while the
 * other lives would turn the ladder's watched end into a derived one. */
uint32_t tl_uidetail_keep(const struct tl_ui *ui, const struct tl_ui_input *in);
void tl_uidetail_tick(struct tl_ui *ui, const struct tl_ui_input *in, int w, int h);
/* The selected connection's summary and its ladder (ui->detail_id). */
void tl_uidetail_draw(struct tl_canvas *c, const struct tl_ui *ui, const struct tl_ui_input *in);

#endif
