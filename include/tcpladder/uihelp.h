/* uihelp: the help screen. */
#ifndef TCPLADDER_UIHELP_H
#define TCPLADDER_UIHELP_H

#include "tcpladder/ui.h"

struct tl_canvas;

/* The help from its row ui->help_top (clamped here, where the number of
 * rows at this width is known). */
void tl_uihelp_draw(struct tl_ui *ui, struct tl_canvas *c);

#endif
