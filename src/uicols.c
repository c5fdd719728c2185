/* uicols: the table's columns, shown or hidden, in the user's order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcpladder/uicols.h"

/* In enum tl_col's order, which is also the default order. */
static const char *const names[TL_COL_N] = {
    "state", "netns", "local", "remote", "age", "in-state", "recv-q", "send-q", "rtt", "owner",
};
static const char *const heads[TL_COL_N] = {
    "STATE", "NETNS", "LOCAL", "REMOTE", "AGE", "IN-ST", "RECV-Q", "SEND-Q", "RTT ms", "OWNER",
};

void tl_cols_init(struct tl_cols *c)
{
	for (int i = 0; i < TL_COL_N; i++) {
		c->order[i] = (uint8_t)i;
		c->hidden[i] = false;
	}
}

const char *tl_cols_name(int col)
{
	return col >= 0 && col < TL_COL_N ? names[col] : NULL;
}

const char *tl_cols_head(int col)
{
	return col >= 0 && col < TL_COL_N ? heads[col] : "?";
}

bool tl_cols_toggle(struct tl_cols *c, int pos)
{
	if (pos < 0 || pos >= TL_COL_N)
		return false;
	int col = c->order[pos], shown = 0;
	for (int i = 0; i < TL_COL_N; i++)
		shown += !c->hidden[i];
	if (!c->hidden[col] && shown == 1)
		return false; /* a table of no columns shows nothing at all */
	c->hidden[col] = !c->hidden[col];
	return true;
}

int tl_cols_move(struct tl_cols *c, int pos, int dir)
{
	int to = pos + (dir < 0 ? -1 : 1);
	if (pos < 0 || pos >= TL_COL_N || to < 0 || to >= TL_COL_N)
		return pos;
	uint8_t t = c->order[pos];
	c->order[pos] = c->order[to];
	c->order[to] = t;
	return to;
}

void tl_cols_format(const struct tl_cols *c, struct tl_buf *out)
{
	for (int i = 0; i < TL_COL_N; i++)
		tl_buf_printf(out, "%s%s%s", i ? "," : "", c->hidden[c->order[i]] ? "-" : "",
			      names[c->order[i]]);
}

const char *tl_cols_parse(const char *text, struct tl_cols *c)
{
	struct tl_cols r;
	bool seen[TL_COL_N] = {false};
	int n = 0, shown = 0;
	char *copy = tl_strdup(text), *save = NULL;
	const char *why = NULL;
	for (char *w = strtok_r(copy, ", ", &save); w && !why; w = strtok_r(NULL, ", ", &save)) {
		bool hide = *w == '-';
		int col = -1;
		for (int i = 0; i < TL_COL_N; i++)
			if (!strcmp(w + hide, names[i]))
				col = i;
		if (col < 0)
			why = "unknown column (state netns local remote age in-state recv-q send-q "
			      "rtt owner, '-' before a hidden one)";
		else if (seen[col])
			why = "a column named twice";
		else {
			seen[col] = true;
			r.order[n++] = (uint8_t)col;
			r.hidden[col] = hide;
			shown += !hide;
		}
	}
	free(copy);
	if (why)
		return why;
	if (!shown)
		return "no column shown";
	for (int i = 0; i < TL_COL_N; i++)
		if (!seen[i]) { /* a column added since the file was written */
			r.order[n++] = (uint8_t)i;
			r.hidden[i] = true;
		}
	*c = r;
	return NULL;
}
