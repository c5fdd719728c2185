/* uirows: the connection table's model: rows in the chosen order, kept
 * between refreshes with only the changed rows merged in, the selection
 * and the search. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "tcpladder/filter.h"
#include "tcpladder/fsm.h"
#include "tcpladder/tcpstate.h"
#include "tcpladder/ui.h"
#include "tcpladder/uidetail.h"
#include "tcpladder/uinetns.h"
#include "tcpladder/uirows.h"

#define SEC 1000000000ULL

static const char *const sort_names[TL_SORT_N] = {"STATE",    "LOCAL",  "REMOTE", "AGE",
						  "IN-STATE", "RECV-Q", "SEND-Q", "RTT"};

const char *tl_uirows_sort_name(int sort)
{
	return sort >= 0 && sort < TL_SORT_N ? sort_names[sort] : "?";
}

/* Sorting 100k rows after every sample must be cheap: each row gets a
 * precomputed key (three words compared in order), so the comparison
 * never chases pointers.  The last word ends with the connection id in
 * its low 32 bits: no two keys are equal, and a kept key tells which
 * connection it was made for. */
struct row_key {
	uint64_t k[3];
	uint32_t slot;
};

static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void addr_key(const struct tl_sock *s, bool local, uint64_t k[3])
{
	const uint8_t *a = local ? s->local : s->remote;
	uint16_t port = local ? s->lport : s->rport;
	if (s->family == AF_INET) {
		k[0] = (uint64_t)a[0] << 24 | (uint64_t)a[1] << 16 | (uint64_t)a[2] << 8 | a[3];
		k[1] = port;
	} else {
		k[0] = 1ULL << 63 | be64(a) >> 1;
		k[1] = (be64(a + 8) >> 1) << 16 | port;
	}
}

static void make_key(const struct tl_conn *c, int sort, struct row_key *rk)
{
	static uint8_t rank[TL_TCP_NSTATES];
	static bool ranked;
	uint64_t tie[3];

	if (!ranked) {
		memset(rank, TL_TCP_NSHOWN, sizeof(rank));
		for (int i = 0; i < TL_TCP_NSHOWN; i++)
			rank[tl_tcp_lifecycle[i]] = (uint8_t)i;
		ranked = true;
	}
	addr_key(&c->sock, true, tie);
	rk->k[1] = tie[0];
	rk->k[2] = tie[1] << 32 | c->id;
	switch (sort) {
	case TL_SORT_STATE:
		rk->k[0] = c->state < TL_TCP_NSTATES ? rank[c->state] : TL_TCP_NSHOWN;
		break;
	case TL_SORT_LOCAL:
		addr_key(&c->sock, true, rk->k);
		rk->k[2] = c->id;
		break;
	case TL_SORT_REMOTE:
		addr_key(&c->sock, false, rk->k);
		rk->k[2] = c->id;
		break;
	case TL_SORT_AGE: /* oldest first */
		rk->k[0] = c->first_seen_ns;
		break;
	case TL_SORT_INSTATE:
		rk->k[0] = c->state_since_ns;
		break;
	case TL_SORT_RECVQ: /* biggest first */
		rk->k[0] = ~(uint64_t)c->sock.rqueue;
		break;
	case TL_SORT_SENDQ:
		rk->k[0] = ~(uint64_t)c->sock.wqueue;
		break;
	case TL_SORT_RTT:
		rk->k[0] = ~(uint64_t)c->sock.info.rtt_us;
		break;
	}
}

static int key_cmp(const void *pa, const void *pb)
{
	const struct row_key *a = pa, *b = pb;
	for (int i = 0; i < 3; i++)
		if (a->k[i] != b->k[i])
			return a->k[i] < b->k[i] ? -1 : 1;
	return 0;
}

void tl_uirows_fmt_addr(const struct tl_sock *s, bool local, char *out, size_t len)
{
	tl_sock_format_addr(s->family, local ? s->local : s->remote, local ? s->lport : s->rport,
			    out, len);
}

/* Plain text search over what a row shows, and its owner's pid, name and
 * command line (own may be NULL). */
bool tl_uirows_has_text(const struct tl_conn *c, const char *text, const struct tl_owners *own)
{
	char a[64];
	if (!*text)
		return true;
	const struct tl_owner *o = own && c->sock.inode ? tl_owners_find(own, c->sock.inode) : NULL;
	if (o) {
		snprintf(a, sizeof(a), "%d", o->pid);
		if (!strcmp(a, text) || strcasestr(o->comm, text) || strcasestr(o->cmdline, text))
			return true;
	}
	tl_uirows_fmt_addr(&c->sock, true, a, sizeof(a));
	if (strstr(a, text))
		return true;
	tl_uirows_fmt_addr(&c->sock, false, a, sizeof(a));
	if (strstr(a, text))
		return true;
	return strcasestr(tl_tcp_state_name(c->state), text) != NULL;
}

/* The table's order, kept between refreshes.  A refresh computes every
 * row's key (cheap), compares it with the key the slot had, sorts only
 * the rows that changed and merges them into the kept order: O(n) plus
 * O(m log m) for m changed rows, instead of a full sort of 100k+ rows
 * after every sample.  Keys end with the connection id, so no two are
 * equal and the result is exactly what a full sort gives. */
#define NO_SLOT UINT32_MAX

struct tl_ui_order {
	int sort;
	const struct tl_filter *filter;
	bool valid;
	uint64_t built_ns;                /* in->now of the last refresh */
	struct row_key *sorted, *scratch; /* ascending; scratch: for merging */
	size_t n, cap_sorted, cap_scratch;
	size_t n_gone;           /* rows of closed connections */
	struct row_key *by_slot; /* each slot's key; .slot NO_SLOT when not a row */
	size_t n_slots, cap_slots;
	struct row_key *add; /* rows that changed, with their new keys */
	size_t cap_add;
	uint8_t *changed; /* per slot: its place in sorted goes */
	size_t cap_changed;
};

static bool key_eq(const struct row_key *a, const struct row_key *b)
{
	return a->k[0] == b->k[0] && a->k[1] == b->k[1] && a->k[2] == b->k[2];
}

/* Grow to need, or give memory back when far above it (after a burst). */
static void *fit(void *p, size_t *cap, size_t need, size_t size)
{
	if (p && need <= *cap && (*cap <= 1024 || need >= *cap / 4))
		return p;
	size_t c = need + need / 2 + 64;
	*cap = c;
	return tl_reallocarray(p, c, size);
}

void tl_uirows_forget_order(struct tl_ui *ui)
{
	if (ui->order)
		ui->order->valid = false;
}

void tl_uirows_order_free(struct tl_ui_order *o)
{
	if (!o)
		return;
	free(o->sorted);
	free(o->scratch);
	free(o->by_slot);
	free(o->add);
	free(o->changed);
	free(o);
}

/* Every row's key, all sorted. */
static void order_full(struct tl_ui_order *o, const struct tl_ui *ui, const struct tl_ui_input *in,
		       const struct tl_conn *conns, size_t n)
{
	o->sorted = fit(o->sorted, &o->cap_sorted, n, sizeof(*o->sorted));
	o->scratch = fit(o->scratch, &o->cap_scratch, n, sizeof(*o->scratch));
	o->by_slot = fit(o->by_slot, &o->cap_slots, n, sizeof(*o->by_slot));
	size_t k = 0, gone = 0;
	for (size_t i = 0; i < n; i++) {
		const struct tl_conn *c = &conns[i];
		o->by_slot[i].slot = NO_SLOT;
		if (!c->id || !tl_ui_match(ui, in, &c->sock, c->ns))
			continue;
		gone += (c->flags & TL_CONN_GONE) != 0;
		make_key(c, ui->sort, &o->by_slot[i]);
		o->by_slot[i].slot = (uint32_t)i;
		o->sorted[k++] = o->by_slot[i];
	}
	qsort(o->sorted, k, sizeof(*o->sorted), key_cmp);
	o->n = k;
	o->n_gone = gone;
	o->n_slots = n;
	o->sort = ui->sort;
	o->filter = ui->filter;
	o->valid = true;
}

/* Only what changed: re-key, sort the changed rows, merge. */
static void order_update(struct tl_ui_order *o, const struct tl_ui *ui,
			 const struct tl_ui_input *uin, const struct tl_conn *conns, size_t n)
{
	size_t m = 0, removed = 0, gone = 0;

	o->by_slot = fit(o->by_slot, &o->cap_slots, n, sizeof(*o->by_slot));
	o->changed = fit(o->changed, &o->cap_changed, n, sizeof(*o->changed));
	for (size_t i = o->n_slots; i < n; i++)
		o->by_slot[i].slot = NO_SLOT;
	memset(o->changed, 0, n);
	for (size_t i = 0; i < n; i++) {
		const struct tl_conn *c = &conns[i];
		struct row_key *old = &o->by_slot[i], nk;
		bool in = c->id && tl_ui_match(ui, uin, &c->sock, c->ns);
		if (!in && old->slot == NO_SLOT)
			continue;
		gone += in && (c->flags & TL_CONN_GONE);
		if (in) {
			make_key(c, ui->sort, &nk);
			nk.slot = (uint32_t)i;
			if (old->slot != NO_SLOT && key_eq(old, &nk))
				continue;
		}
		if (old->slot != NO_SLOT) {
			o->changed[i] = 1; /* its old place goes */
			removed++;
		}
		if (in) {
			if (m == o->cap_add) {
				o->cap_add = o->cap_add ? o->cap_add * 2 : 256;
				o->add = tl_reallocarray(o->add, o->cap_add, sizeof(*o->add));
			}
			o->add[m++] = nk;
			*old = nk;
		} else {
			old->slot = NO_SLOT;
		}
	}
	o->n_slots = n;
	o->n_gone = gone;
	if (!m && !removed)
		return;
	if (m)
		qsort(o->add, m, sizeof(*o->add), key_cmp);
	size_t total = o->n - removed + m;
	o->scratch = fit(o->scratch, &o->cap_scratch, total, sizeof(*o->scratch));
	size_t a = 0, b = 0, k = 0;
	while (a < o->n || b < m) {
		if (a < o->n && o->changed[o->sorted[a].slot]) {
			a++;
			continue;
		}
		if (b >= m || (a < o->n && key_cmp(&o->sorted[a], &o->add[b]) < 0))
			o->scratch[k++] = o->sorted[a++];
		else
			o->scratch[k++] = o->add[b++];
	}
	struct row_key *t = o->sorted;
	size_t tc = o->cap_sorted;
	o->sorted = o->scratch;
	o->cap_sorted = o->cap_scratch;
	o->scratch = t;
	o->cap_scratch = tc;
	o->n = k;
	/* after a burst, give the change list's memory back */
	if (o->cap_add > 4096 && m < o->cap_add / 8) {
		free(o->add);
		o->add = NULL;
		o->cap_add = 0;
	}
}

void tl_ui_refresh_rows(struct tl_ui *ui, const struct tl_ui_input *in)
{
	size_t n;
	const struct tl_conn *conns = tl_tracker_view(in->tracker, &n);

	tl_uinetns_sync(ui, in);
	if (!ui->order)
		ui->order = tl_calloc(1, sizeof(*ui->order));
	struct tl_ui_order *o = ui->order;
	/* A new sort column or filter, or fewer slots (their order would
	 * name slots that are gone): sort all. */
	if (!o->valid || o->sort != ui->sort || o->filter != ui->filter || n < o->n_slots)
		order_full(o, ui, in, conns, n);
	else
		order_update(o, ui, in, conns, n);
	size_t k = o->n;
	ui->rows = fit(ui->rows, &ui->cap_rows, k ? k : 1, sizeof(*ui->rows));
	for (size_t i = 0; i < k; i++)
		ui->rows[i] = o->sorted[ui->sort_desc ? k - 1 - i : i].slot;
	ui->n_rows = k;
	/* counted, and the selection found, in the order's own arrays: going
	 * through rows[] reads the connections in the table's order, one
	 * cache miss a row (most of a refresh at 200k rows) */
	ui->n_gone = o->n_gone;
	tl_uigroup_build(ui, in); /* F5: each group's rows together, in this order */
	/* Keep the selection on the same connection. */
	ui->sel = ui->n_rows ? TL_MIN(ui->sel, ui->n_rows - 1) : 0;
	if (ui->sel_id && ui->n_groups) { /* grouped: rows are not in the keys' order */
		for (size_t i = 0; i < k; i++)
			if (conns[ui->rows[i]].id == ui->sel_id) {
				ui->sel = i;
				break;
			}
	} else if (ui->sel_id) {
		for (size_t j = 0; j < k; j++)
			if ((uint32_t)o->sorted[j].k[2] == ui->sel_id) {
				ui->sel = ui->sort_desc ? k - 1 - j : j;
				break;
			}
	}
	if (ui->n_rows)
		ui->sel_id = conns[ui->rows[ui->sel]].id;
	ui->rows_dirty = false;
	ui->rows_generation = tl_tracker_generation(in->tracker);
	o->built_ns = in->now;
}

/* New data re-sorts the table at most once a second: the tracker changes
 * with every event, thousands of times a second under churn, and a
 * refresh reads every connection.  Sooner when a row on screen or the
 * selected one no longer holds the connection it was built with (its
 * slot freed or reused), so what is shown is never another connection,
 * only in an order up to a second old. */
#define ROWS_MIN_AGE SEC

static bool row_moved(const struct tl_ui *ui, const struct tl_conn *conns, size_t n, size_t i)
{
	const struct tl_ui_order *o = ui->order;
	if (i >= ui->n_rows || ui->n_rows != o->n)
		return false;
	if (ui->n_groups) { /* grouped, rows are not in the keys' order: by slot */
		uint32_t slot = ui->rows[i];
		return slot >= n || slot >= o->n_slots ||
		       conns[slot].id != (uint32_t)o->by_slot[slot].k[2];
	}
	const struct row_key *rk = &o->sorted[ui->sort_desc ? o->n - 1 - i : i];
	return rk->slot >= n || conns[rk->slot].id != (uint32_t)rk->k[2];
}

/* The selected row or one on screen no longer holds its connection. */
bool tl_uirows_moved(const struct tl_ui *ui, const struct tl_ui_input *in)
{
	if (!ui->order || !ui->order->valid)
		return ui->n_rows != 0;
	size_t n;
	const struct tl_conn *conns = tl_tracker_view(in->tracker, &n);
	if (row_moved(ui, conns, n, ui->sel))
		return true;
	size_t top = ui->top, vis = (size_t)TL_MAX(ui->table_visible, 0);
	if (ui->n_groups) { /* grouped: from the row on the first line shown */
		size_t g = 0;
		long r = tl_uigroup_row_at(ui, ui->gtop, &g);
		top = r >= 0 ? (size_t)r : g < ui->n_groups ? ui->groups[g].first : 0;
	}
	for (size_t i = top; i < top + vis && i < ui->n_rows; i++)
		if (row_moved(ui, conns, n, i))
			return true;
	return false;
}

bool tl_uirows_stale(const struct tl_ui *ui, const struct tl_ui_input *in)
{
	const struct tl_ui_order *o = ui->order;
	if (ui->rows_dirty || !o || !o->valid)
		return true;
	if (ui->rows_generation == tl_tracker_generation(in->tracker))
		return false;
	if (in->now < o->built_ns || in->now - o->built_ns >= ROWS_MIN_AGE)
		return true;
	return tl_uirows_moved(ui, in);
}

const struct tl_conn *tl_uirows_selected(const struct tl_ui *ui, const struct tl_ui_input *in)
{
	size_t n;
	const struct tl_conn *conns = tl_tracker_view(in->tracker, &n);
	if (!ui->n_rows || ui->sel >= ui->n_rows || ui->rows[ui->sel] >= n)
		return NULL;
	return &conns[ui->rows[ui->sel]];
}

void tl_uirows_select(struct tl_ui *ui, size_t i, const struct tl_ui_input *in)
{
	if (!ui->n_rows)
		return;
	ui->sel = TL_MIN(i, ui->n_rows - 1);
	const struct tl_conn *c = tl_uirows_selected(ui, in);
	ui->sel_id = c ? c->id : 0;
}

/* Move the selection to the next row (from `from`) matching the search. */
bool tl_uirows_search_from(struct tl_ui *ui, size_t from, const struct tl_ui_input *in)
{
	size_t n;
	/* the rows as they are now, not as last drawn: a search typed
	 * before the next frame must see what the table will show, even a
	 * connection that came after a refresh too recent to redo for
	 * drawing alone */
	if (ui->rows_dirty || !ui->n_rows || tl_uirows_stale(ui, in) ||
	    ui->rows_generation != tl_tracker_generation(in->tracker))
		tl_ui_refresh_rows(ui, in);
	const struct tl_conn *conns = tl_tracker_view(in->tracker, &n);
	for (size_t k = 0; k < ui->n_rows; k++) {
		size_t i = (from + k) % ui->n_rows;
		if (ui->rows[i] < n &&
		    tl_uirows_has_text(&conns[ui->rows[i]], ui->search, in->owners)) {
			tl_uirows_select(ui, i, in);
			return true;
		}
	}
	return false;
}

size_t tl_uirows_shown(const struct tl_ui *ui, const struct tl_ui_input *in, uint64_t *out,
		       size_t max)
{
	size_t n, k = 0;
	const struct tl_conn *conns = tl_tracker_view(in->tracker, &n);
	if (ui->screen == TL_SCREEN_DETAIL) {
		const struct tl_conn *p;
		bool gone;
		const struct tl_conn *c = tl_uidetail_conn(ui, in, &p, &gone);
		if (c && !gone && !(c->flags & TL_CONN_GONE) && k < max)
			out[k++] = c->sock.cookie;
		if (c && !gone && p && !(p->flags & TL_CONN_GONE) && k < max)
			out[k++] = p->sock.cookie;
		return k;
	}
	if (ui->screen != TL_SCREEN_MAIN)
		return 0;
	for (int r = 0; r < ui->table_visible && k < max; r++) {
		size_t idx = ui->top + (size_t)r;
		if (idx >= ui->n_rows || ui->rows[idx] >= n)
			break;
		const struct tl_conn *c = &conns[ui->rows[idx]];
		if (c->id && !(c->flags & TL_CONN_GONE) && c->state != TL_TCP_LISTEN)
			out[k++] = c->sock.cookie;
	}
	return k;
}
