/* config: the view's settings as they persist between runs, in
 * $XDG_CONFIG_HOME/tcpladder/config (~/.config/tcpladder/config), as
 * text: one "key = value" a line, '#' comments.  Pure: parsing and
 * writing text; the terminal shell (tuiconfig.c) reads and writes the file.
 *
 *   sort = age           state local remote age in-state recv-q send-q rtt
 *   reverse = yes        the sort's order reversed (yes or no)
 *   collapsed = events   panes collapsed: histogram table events, or none
 *   interval = 0.5       seconds between samples, when -d is not given
 *   columns = state,-netns,local,...   the table's columns in order, '-'
 *                        before a hidden one (state netns local remote age
 *                        in-state recv-q send-q rtt owner)
 *   colors = monochrome  the colour scheme: default or monochrome
 *   group = process      the table grouped: none process local-port
 *                        remote-host
 */
#ifndef TCPLADDER_CONFIG_H
#define TCPLADDER_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "tcpladder/uicols.h"
#include "tcpladder/util.h"

struct tl_config {
	int sort; /* enum tl_sort */
	bool reverse;
	bool collapsed[3];    /* enum tl_pane */
	uint64_t interval_ns; /* 0: not set */
	struct tl_cols cols;
	int scheme; /* enum tl_scheme */
	int group;  /* enum tl_group */
};

/* The defaults: sort by state, nothing collapsed, no interval, every
 * column in the default order, the default colours, no grouping. */
void tl_config_init(struct tl_config *c);
/* Parse text into c (starting from the defaults).  0, or -EINVAL with
 * *cause a heap string naming the line and the problem ("line 3: unknown
 * sort 'size'"); c is then the defaults. */
int tl_config_parse(const char *text, struct tl_config *c, char **cause);
/* The same settings (field by field: no padding compared). */
bool tl_config_equal(const struct tl_config *a, const struct tl_config *b);
/* c as text that parses back to c. */
void tl_config_format(const struct tl_config *c, struct tl_buf *out);

#endif
