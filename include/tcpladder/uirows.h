/* uirows: the connection table's model (rows, order, selection,
 * search), shared by the view's drawing and its keys. */
#ifndef TCPLADDER_UIROWS_H
#define TCPLADDER_UIROWS_H

#include <stdbool.h>
#include <stddef.h>

#include "tcpladder/ui.h"

/* The name of a sort key, as the table's title shows it. */
const char *tl_uirows_sort_name(int sort);
/* "addr:port" of one end, IPv6 in brackets. */
void tl_uirows_fmt_addr(const struct tl_sock *s, bool local, char *out, size_t len);
/* Plain text search over what a row shows, and its owner's pid, name and
 * command line (own may be NULL). */
bool tl_uirows_has_text(const struct tl_conn *c, const char *text, const struct tl_owners *own);
void tl_uirows_order_free(struct tl_ui_order *o);
/* The next refresh sorts every row again instead of merging changes. */
void tl_uirows_forget_order(struct tl_ui *ui);
/* The selected row or one on screen no longer holds its connection. */
bool tl_uirows_moved(const struct tl_ui *ui, const struct tl_ui_input *in);
/* The rows must be rebuilt before they are drawn. */
bool tl_uirows_stale(const struct tl_ui *ui, const struct tl_ui_input *in);
/* The selected row's connection, or NULL. */
const struct tl_conn *tl_uirows_selected(const struct tl_ui *ui, const struct tl_ui_input *in);
/* The cookies of the sockets on screen (the table's visible rows, or the
 * connection in detail and its peer), at most max; returns how many. */
size_t tl_uirows_shown(const struct tl_ui *ui, const struct tl_ui_input *in, uint64_t *out,
		       size_t max);
void tl_uirows_select(struct tl_ui *ui, size_t i, const struct tl_ui_input *in);
/* Move the selection to the next row (from `from`) matching the search. */
bool tl_uirows_search_from(struct tl_ui *ui, size_t from, const struct tl_ui_input *in);

#endif
