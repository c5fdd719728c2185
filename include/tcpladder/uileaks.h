/* uileaks: the leak screen. */
#ifndef TCPLADDER_UILEAKS_H
#define TCPLADDER_UILEAKS_H

#include <stdbool.h>
#include <stddef.h>

#include "tcpladder/ui.h"

struct tl_canvas;

/* CLOSE-WAIT by process, each owner's trend, and the thresholds. */
void tl_uileaks_draw(struct tl_canvas *c, const struct tl_ui_input *in);

#endif
