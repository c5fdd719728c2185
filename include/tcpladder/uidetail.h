/* uidetail: the detail screen of one connection. */
#ifndef TCPLADDER_UIDETAIL_H
#define TCPLADDER_UIDETAIL_H

#include <stdbool.h>
#include <stddef.h>

#include "tcpladder/ui.h"

struct tl_canvas;

/* The selected connection's summary and its ladder (ui->detail_id). */
void tl_uidetail_draw(struct tl_canvas *c, const struct tl_ui *ui, const struct tl_ui_input *in);

#endif
