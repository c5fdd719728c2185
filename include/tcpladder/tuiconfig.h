/* tuiconfig: the interactive view's settings file, read before the
 * terminal is taken and written whenever the settings change.  The text
 * itself (what a line says) is config.h's; this is the file around it:
 * where it lives, reading it, and replacing it whole. */
#ifndef TCPLADDER_TUICONFIG_H
#define TCPLADDER_TUICONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "tcpladder/config.h"

struct tl_ui;

struct tl_tuiconfig {
	char path[4096];        /* the file; "" when there is no place for one */
	struct tl_config saved; /* what it holds (as read, or as last written) */
	bool said;              /* a failure to save, said once */
};

/* $XDG_CONFIG_HOME/tcpladder/config, or ~/.config/tcpladder/config.
 * True when the file held settings: the sort, the collapsed panes, the
 * columns, the colour scheme and the grouping are then set in ui, and c->saved holds them (its
 * interval for the caller to apply).  A malformed file is ignored with one line on stderr, so call
 * it before curses has the terminal. */
bool tl_tuiconfig_load(struct tl_tuiconfig *c, struct tl_ui *ui);
/* Write ui's settings (sort, panes, columns, colours, grouping) and
 * interval_ns (0: not set) when they differ from what was saved: to a new file renamed over the
 * old, so a crash never leaves half of one.  A failure is said once in ui's footer. */
void tl_tuiconfig_save(struct tl_tuiconfig *c, struct tl_ui *ui, uint64_t interval_ns);

#endif
