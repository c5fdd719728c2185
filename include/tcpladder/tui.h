/* tui: the terminal shell of the interactive view.  It alone talks to
 * curses: set-up and teardown (on quit, error and signals), keys and
 * mouse, blitting the canvas that the ui module draws. */
#ifndef TCPLADDER_TUI_H
#define TCPLADDER_TUI_H

#include <stdbool.h>

#include "tcpladder/options.h"

struct tl_filter;
struct tl_demo;

/* Runs until quit; returns an exit status.  Errors are printed after the
 * terminal is restored. */
int tl_tui_run(const struct tl_options *o, const struct tl_filter *filter,
	       const struct tl_filter *follow, struct tl_demo *demo);
/* The locale's name for messages: LC_ALL, LC_MESSAGES or LANG, the first
 * set and not empty; NULL when none is. */
const char *tl_tui_locale_name(void);
/* The language of the lab's and the ladders' words on this terminal:
 * --lang (asked, or NULL), else the locale's; Chinese only where the
 * locale's character set is UTF-8 and not ascii, or where the output is
 * UTF-8 whatever the terminal (utf8_out: an SVG).  Otherwise English, and
 * *why (static) says why; else *why is NULL.  Sets LC_CTYPE from the
 * environment. */
const char *tl_tui_lang(const char *asked, bool ascii, bool utf8_out, const char **why);

#endif
