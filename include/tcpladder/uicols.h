/* uicols: the connection table's columns as the user arranges them in
 * the setup screen (F2): which are shown, and in what order.  Pure: a
 * small model, its names as the settings file writes them, parsed back. */
#ifndef TCPLADDER_UICOLS_H
#define TCPLADDER_UICOLS_H

#include <stdbool.h>
#include <stdint.h>

#include "tcpladder/util.h"

/* What a column shows. */
enum tl_col {
	TL_COL_STATE,
	TL_COL_NETNS, /* drawn only when several namespaces are watched */
	TL_COL_LOCAL,
	TL_COL_REMOTE,
	TL_COL_AGE,
	TL_COL_INSTATE,
	TL_COL_RECVQ,
	TL_COL_SENDQ,
	TL_COL_RTT,
	TL_COL_OWNER,
	TL_COL_N
};

/* Every column once, in the order drawn from the left; the hidden ones
 * keep their place, so showing one again puts it back where it was. */
struct tl_cols {
	uint8_t order[TL_COL_N];
	bool hidden[TL_COL_N]; /* by enum tl_col */
};

/* All shown, in the default order. */
void tl_cols_init(struct tl_cols *c);
/* "state", "in-state", ... as the settings file writes them; NULL when
 * out of range. */
const char *tl_cols_name(int col);
/* The column's head in the table ("STATE", "IN-ST", ...). */
const char *tl_cols_head(int col);
/* Show or hide the column at position pos; the last one shown stays
 * (false then). */
bool tl_cols_toggle(struct tl_cols *c, int pos);
/* Move the column at pos one place (dir -1 left, +1 right); returns its
 * new position (pos when it is already at that end). */
int tl_cols_move(struct tl_cols *c, int pos, int dir);
/* "state,local,-netns,...": every column in order, hidden ones with '-'. */
void tl_cols_format(const struct tl_cols *c, struct tl_buf *out);
/* Parse what tl_cols_format writes: names separated by commas or spaces,
 * a '-' before a hidden one; columns not named go at the end, hidden.
 * NULL, or what is wrong. */
const char *tl_cols_parse(const char *text, struct tl_cols *c);

#endif
