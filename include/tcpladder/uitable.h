/* uitable: the connection table pane of the main screen. */
#ifndef TCPLADDER_UITABLE_H
#define TCPLADDER_UITABLE_H

#include "tcpladder/ui.h"

struct tl_canvas;

/* The table in r: its title, column heads (kept in ui for a click to
 * sort) and the rows shown, scrolled so the selection is in view (the
 * rows are refreshed first when the connections kept moved). */
void tl_uitable_draw(struct tl_canvas *c, const struct tl_rect *r, struct tl_ui *ui,
		     const struct tl_ui_input *in);

#endif
