/* ladder: a connection's events as the steps of a sequence diagram.
 *
 * Building is three passes.  Each side's events become state changes
 * ("transitions"), and each change becomes the segments it sends and
 * receives ("actions": FIN-WAIT-2 -> TIME-WAIT receives FIN and sends
 * ACK).  A side not watched is derived from the other, action by action,
 * through the fsm table (that pass is ladderend.c).  Sends of one side are then matched in order
 * with receives of the same segment on the other, and the two action
 * lists are merged causally (a segment is sent before it lands), which
 * gives the steps.  Words (narration.c) and layout (ladderview.c) are
 * read from the steps. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcpladder/fsm.h"
#include "tcpladder/ladder.h"
#include "tcpladder/ladderend.h"
#include "tcpladder/tcpstate.h"
#include "tcpladder/util.h"

struct tl_ladder {
	struct tl_ladderend s[2];
	struct tl_ladder_step *st;
	uint8_t *hint; /* per step: what an ACK acknowledges */
	size_t n, cap;
	char addr[2][64];
	int newest;
};

/* ---- building ---- */

struct tl_ladder *tl_ladder_new(void)
{
	struct tl_ladder *l = tl_calloc(1, sizeof(*l));
	l->newest = -1;
	return l;
}

void tl_ladder_free(struct tl_ladder *l)
{
	if (!l)
		return;
	for (int i = 0; i < 2; i++) {
		free(l->s[i].tr);
		free(l->s[i].act);
	}
	free(l->st);
	free(l->hint);
	free(l);
}

static void reset(struct tl_ladder *l)
{
	for (int i = 0; i < 2; i++) {
		struct tl_ladderend *s = &l->s[i];
		s->ntr = s->nact = 0;
		s->known = s->have_sock = s->seen = false;
		s->gap_n = 0;
		s->role = i == 0 ? TL_ROLE_ACTIVE : TL_ROLE_PASSIVE;
		s->init = 0;
		snprintf(l->addr[i], sizeof(l->addr[i]), "?");
	}
	l->n = 0;
	l->newest = -1;
}

/* Whether b, on the other side, is the unmatched end of a: the receive of
 * a sent segment, or any RST for an RST of unknown direction. */
static bool answers(const struct tl_ladderend_act *a, const struct tl_ladderend_act *b)
{
	if (b->peer >= 0)
		return false;
	if (a->kind == ACT_SEND)
		return b->kind == ACT_RECV && b->seg == a->seg;
	return b->seg == TL_SEG_RST && b->kind != ACT_STATE;
}

/* Of send i and the copies of it sent again right after, the last one
 * sent no later than the other side received the segment: the one that
 * arrived (exact mode, where both sides' times are the kernel's). */
static size_t arrived_copy(const struct tl_ladderend *s, size_t i, uint64_t recv_t)
{
	size_t best = i;
	for (size_t j = i + 1; j < s->nact; j++) {
		const struct tl_ladderend_act *c = &s->act[j];
		if (c->kind != ACT_SEND || c->seg != s->act[i].seg)
			continue;
		if (!c->retrans || c->t > recv_t || c->peer >= 0)
			break;
		best = j;
	}
	return best;
}

static void pair_kind(struct tl_ladder *l, int kind)
{
	for (int x = 0; x < 2; x++) {
		struct tl_ladderend *sx = &l->s[x], *sy = &l->s[!x];
		for (size_t i = 0; i < sx->nact; i++) {
			struct tl_ladderend_act *a = &sx->act[i];
			if (a->kind != kind || a->peer >= 0)
				continue;
			for (size_t j = 0; j < sy->nact; j++) {
				struct tl_ladderend_act *b = &sy->act[j];
				if (!answers(a, b))
					continue;
				if (kind == ACT_SEND)
					a = &sx->act[arrived_copy(sx, i, b->t)];
				a->peer = (int)j;
				b->peer = (int)(a - sx->act);
				/* an RST's direction: the other side's, where known */
				if (kind == ACT_RSTU && b->kind == ACT_SEND)
					a->kind = ACT_RECV;
				else if (kind == ACT_RSTU && b->kind == ACT_RECV)
					a->kind = ACT_SEND;
				break;
			}
		}
	}
}

/* Sends of one side with receives of the same segment on the other, in
 * order; then an RST of unknown direction with any RST of the other. */
static void match(struct tl_ladder *l)
{
	pair_kind(l, ACT_SEND);
	pair_kind(l, ACT_RSTU);
}

static int step_new(struct tl_ladder *l, int kind, int seg, int from, uint64_t t, double wall)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 32;
		l->st = tl_reallocarray(l->st, l->cap, sizeof(*l->st));
		l->hint = tl_reallocarray(l->hint, l->cap, sizeof(*l->hint));
	}
	struct tl_ladder_step *s = &l->st[l->n];
	memset(s, 0, sizeof(*s));
	s->kind = (uint8_t)kind;
	s->segment = (uint8_t)seg;
	s->from = (int8_t)from;
	s->inferred = kind != TL_LADDER_DATA;
	s->mono_ns = t;
	s->wall = wall;
	l->hint[l->n] = HINT_NONE;
	return (int)l->n++;
}

/* The side's state change lands on a row no earlier than its last one,
 * so each lifeline reads top to bottom; a row already holding a change
 * for that side gets a row of its own. */
static void apply(struct tl_ladder *l, int x, const struct tl_ladderend_act *a, int row,
		  bool landing, int last_row[2])
{
	const struct tl_ladderend *s = &l->s[x];
	if (a->tr < 0)
		return;
	const struct tl_ladderend_tr *t = &s->tr[a->tr];
	if (!t->inferred && s->known && l->st[row].kind != TL_LADDER_STATE)
		l->st[row].inferred = false;
	if (!a->first)
		return;
	int target = TL_MAX(row, last_row[x]);
	if (l->st[target].side[x].change) {
		target = step_new(l, TL_LADDER_STATE, 0, x, t->t, t->wall);
		l->st[target].after_ns = t->after;
		l->st[target].inferred = t->inferred || !s->known;
		landing = false;
	}
	struct tl_ladder_side *sd = &l->st[target].side[x];
	sd->change = t->to;
	sd->inferred = t->inferred || !s->known;
	sd->landing = landing;
	sd->why = t->why;
	sd->has_info = t->has_info;
	sd->info = t->info;
	last_row[x] = target;
}

static void merge(struct tl_ladder *l)
{
	size_t cur[2] = {0, 0};
	int last_row[2] = {-1, -1};
	for (;;) {
		int pick = -1;
		bool pick_land = false;
		for (int x = 0; x < 2; x++) {
			struct tl_ladderend *s = &l->s[x];
			if (cur[x] >= s->nact)
				continue;
			const struct tl_ladderend_act *a = &s->act[cur[x]];
			const struct tl_ladderend_act *p =
			    a->peer >= 0 ? &l->s[!x].act[a->peer] : NULL;
			bool land = p && p->step >= 0;
			bool blocked = a->kind == ACT_RECV && p && p->step < 0;
			if (blocked)
				continue;
			if (land) {
				if (!pick_land) {
					pick = x;
					pick_land = true;
				}
				continue;
			}
			if (pick_land)
				continue;
			if (pick < 0 || a->t < l->s[pick].act[cur[pick]].t)
				pick = x;
		}
		if (pick < 0) {
			/* Both wait on each other: the earliest wait gives up its sender. */
			int x = -1;
			for (int i = 0; i < 2; i++)
				if (cur[i] < l->s[i].nact &&
				    (x < 0 || l->s[i].act[cur[i]].t < l->s[x].act[cur[x]].t))
					x = i;
			if (x < 0)
				break;
			struct tl_ladderend_act *a = &l->s[x].act[cur[x]];
			l->s[!x].act[a->peer].peer = -1;
			a->peer = -1;
			continue;
		}
		struct tl_ladderend_act *a = &l->s[pick].act[cur[pick]];
		cur[pick]++;
		if (pick_land) {
			const struct tl_ladderend_act *p = &l->s[!pick].act[a->peer];
			a->step = p->step;
			if (l->hint[a->step] == HINT_NONE)
				l->hint[a->step] = a->hint;
			apply(l, pick, a, a->step, true, last_row);
			continue;
		}
		int row;
		switch (a->kind) {
		case ACT_STATE:
			row = step_new(l, TL_LADDER_STATE, 0, pick, a->t, a->wall);
			l->st[row].inferred =
			    a->tr < 0 || l->s[pick].tr[a->tr].inferred || !l->s[pick].known;
			break;
		case ACT_SEND:
			row = step_new(l, a->seg == SEG_DATA ? TL_LADDER_DATA : TL_LADDER_ARROW,
				       a->seg == SEG_DATA ? 0 : a->seg, pick, a->t, a->wall);
			l->st[row].retrans = a->retrans;
			break;
		case ACT_RECV:
			row = step_new(l, a->seg == SEG_DATA ? TL_LADDER_DATA : TL_LADDER_ARROW,
				       a->seg == SEG_DATA ? 0 : a->seg, !pick, a->t, a->wall);
			break;
		case ACT_SEEN:
			row = step_new(l, TL_LADDER_SEEN, 0, pick, a->t, a->wall);
			l->st[row].inferred = false;
			l->st[row].state = l->s[pick].seen_state;
			break;
		case ACT_GAP:
			row = step_new(l, TL_LADDER_GAP, 0, pick, a->t, a->wall);
			l->st[row].inferred = false;
			l->st[row].hidden = l->s[pick].gap_n;
			break;
		default: /* an RST of unknown direction */
			row = step_new(l, TL_LADDER_ARROW, TL_SEG_RST, -1, a->t, a->wall);
			break;
		}
		a->step = row;
		l->st[row].after_ns = a->after;
		l->hint[row] = a->hint;
		l->st[row].bytes = a->bytes;
		l->st[row].segs = a->segs;
		apply(l, pick, a, row, a->kind == ACT_RECV, last_row);
		if (a->kind != ACT_RECV)
			last_row[pick] = TL_MAX(last_row[pick], row);
	}
}

/* The line an arrow speaks: the handshake's three hellos, the close's
 * four goodbyes (who sent the first FIN decides which), a reset. */
static uint8_t line_of(const struct tl_ladder_step *s, uint8_t hint, int *first_fin)
{
	if (s->retrans)
		return TL_LINE_NONE; /* said already */
	switch (s->segment) {
	case TL_SEG_SYN:
		return TL_LINE_HELLO1;
	case TL_SEG_SYNACK:
		return TL_LINE_HELLO2;
	case TL_SEG_ACK:
		if (hint == HINT_HS)
			return TL_LINE_HELLO3;
		if (hint == HINT_FIN && *first_fin >= 0)
			return s->from != *first_fin ? TL_LINE_BYE2 : TL_LINE_BYE4;
		return TL_LINE_NONE;
	case TL_SEG_FIN:
		if (*first_fin >= 0)
			return TL_LINE_BYE3;
		*first_fin = s->from;
		return TL_LINE_BYE1;
	case TL_SEG_RST:
		return TL_LINE_RESET;
	default:
		return TL_LINE_NONE;
	}
}

static void finish(struct tl_ladder *l)
{
	uint8_t st[2] = {l->s[0].init, l->s[1].init};
	bool have[2] = {false, false};
	struct tl_tcpinfo info[2];
	int first_fin = -1;
	uint64_t latest = 0, latest_after = 0;
	double latest_wall = 0;
	memset(info, 0, sizeof(info));
	l->newest = -1;
	for (size_t i = 0; i < l->n; i++) {
		struct tl_ladder_step *s = &l->st[i];
		/* Rows are in causal order; a row's time is when the change that
		 * implied it was seen, so a later row may carry an earlier time.
		 * Times never go backwards down the ladder: such a row happened
		 * no earlier than the row above it. */
		if (s->mono_ns < latest) {
			s->mono_ns = latest;
			s->wall = latest_wall;
		}
		/* ... and no earlier than the earliest the row above may have */
		if (s->after_ns && s->after_ns < latest_after)
			s->after_ns = latest_after;
		if (s->after_ns > s->mono_ns)
			s->after_ns = s->mono_ns;
		latest = s->mono_ns;
		latest_wall = s->wall;
		if (s->after_ns)
			latest_after = s->after_ns;
		for (int x = 0; x < 2; x++) {
			struct tl_ladder_side *sd = &s->side[x];
			sd->before = st[x];
			if (sd->change)
				st[x] = sd->change;
			sd->after = st[x];
			if (sd->has_info) {
				have[x] = true;
				info[x] = sd->info;
			} else if (have[x]) {
				sd->has_info = true;
				sd->info = info[x];
			}
		}
		if (s->kind == TL_LADDER_ARROW || s->kind == TL_LADDER_DATA)
			l->newest = (int)i;
		if (s->kind == TL_LADDER_ARROW && s->from >= 0)
			s->line = line_of(s, l->hint[i], &first_fin);
	}
}

/* Steps not kept, per connection: where they belong and how many. */
struct gaps {
	size_t at[2];
	uint64_t hidden[2];
};

static void build(struct tl_ladder *l, const struct tl_event *ev, size_t n, uint32_t conn_a,
		  uint32_t conn_b, const struct gaps *gp)
{
	const struct tl_event **pa = NULL, **pb = NULL;
	size_t na = 0, nb = 0;
	int role_a = TL_ROLE_UNKNOWN;

	reset(l);
	if (n) {
		pa = tl_calloc(n, sizeof(*pa));
		pb = tl_calloc(n, sizeof(*pb));
	}
	for (size_t i = 0; i < n; i++) {
		if (conn_a && ev[i].conn == conn_a) {
			pa[na++] = &ev[i];
			if (ev[i].role != TL_ROLE_UNKNOWN)
				role_a = ev[i].role;
		} else if (conn_b && ev[i].conn == conn_b) {
			pb[nb++] = &ev[i];
		}
	}
	/* A is the active opener: swap when conn_a is the passive end. */
	int ia = role_a == TL_ROLE_PASSIVE ? 1 : 0;
	if (na)
		tl_ladderend_from_events(&l->s[ia], pa, na, gp ? gp->at[0] : 0,
					 gp ? gp->hidden[0] : 0);
	if (nb)
		tl_ladderend_from_events(&l->s[!ia], pb, nb, gp ? gp->at[1] : 0,
					 gp ? gp->hidden[1] : 0);
	l->s[0].role = TL_ROLE_ACTIVE;
	l->s[1].role = TL_ROLE_PASSIVE;

	struct tl_ladderend_flow f[2];
	uint64_t bytes[2] = {0, 0};
	uint32_t segs[2] = {0, 0};
	for (int x = 0; x < 2; x++)
		tl_ladderend_flow(&l->s[x], &f[x]);
	for (int x = 0; x < 2; x++) {
		/* x's sending: its own count, else what the other received */
		if (f[x].ok) {
			bytes[x] = f[x].out_bytes;
			segs[x] = f[x].out_segs;
		} else if (f[!x].ok) {
			bytes[x] = f[!x].in_bytes;
			segs[x] = f[!x].in_segs;
		}
	}
	for (int x = 0; x < 2; x++)
		if (l->s[x].known)
			tl_ladderend_actions(&l->s[x], &f[x], bytes, segs, x);
	if (l->s[0].known != l->s[1].known) {
		int k = l->s[0].known ? 0 : 1;
		tl_ladderend_derive(&l->s[!k], &l->s[k]);
	}
	match(l);
	merge(l);
	finish(l);

	/* Addresses: a side's own, else its peer's remote. */
	for (int x = 0; x < 2; x++) {
		const struct tl_ladderend *s = &l->s[x], *o = &l->s[!x];
		if (s->have_sock)
			tl_sock_format_addr(s->sock.family, s->sock.local, s->sock.lport,
					    l->addr[x], sizeof(l->addr[x]));
		else if (o->have_sock)
			tl_sock_format_addr(o->sock.family, o->sock.remote, o->sock.rport,
					    l->addr[x], sizeof(l->addr[x]));
	}
	free(pa);
	free(pb);
}

void tl_ladder_build_events(struct tl_ladder *l, const struct tl_event *ev, size_t n,
			    uint32_t conn_a, uint32_t conn_b)
{
	build(l, ev, n, conn_a, conn_b, NULL);
}

/* ---- the lab's link ---- */

/* How late the link may read a segment after the change that sent it
 * was seen (its loop runs between the samples). */
#define LINK_SLACK_NS 100000000ULL

/* What a segment is, as the ladder names it; -1 for data. */
static int link_kind(const struct tl_pkt *p)
{
	if (p->flags & 4)
		return TL_SEG_RST;
	if (p->flags & 2)
		return p->flags & 16 ? TL_SEG_SYNACK : TL_SEG_SYN;
	if (p->flags & 1)
		return TL_SEG_FIN;
	return p->payload ? -1 : TL_SEG_ACK;
}

static void link_mark(struct tl_ladder_step *st, const struct tl_link_seg *g, const uint32_t isn[2],
		      const bool have_isn[2])
{
	st->link = true;
	st->inferred = false; /* the link saw it */
	st->mono_ns = st->after_ns = g->mono_ns;
	st->wall = g->wall;
	st->from = g->from;
	st->lost = g->dropped;
	st->held = g->held;
	st->resent = g->resent;
	st->stale_ns = g->stale_ns;
	if (have_isn[g->from] && have_isn[!g->from]) {
		st->has_seq = true;
		st->seq = g->pkt.seq - isn[g->from];
		st->ack = (g->pkt.flags & 16) ? g->pkt.ack - isn[!g->from] : 0;
	}
}

/* Whether unmatched segment j is worth a row: anything lost, a stale
 * copy, a control segment, or an ACK answering the other side's SYN+ACK
 * or FIN (the first from its side after it); not plain ACKs of data. */
static bool link_worth(const struct tl_link_seg *g, size_t j)
{
	const struct tl_link_seg *x = &g[j];
	int k = link_kind(&x->pkt);
	if (x->released || k < 0)
		return x->dropped && !x->released;
	if (x->dropped || x->stale_ns || k != TL_SEG_ACK)
		return true;
	for (size_t i = j; i-- > 0;) {
		int ki = link_kind(&g[i].pkt);
		if (g[i].released || ki < 0)
			continue;
		if (g[i].from == x->from)
			return false; /* not the first answer */
		return ki == TL_SEG_SYNACK || ki == TL_SEG_FIN;
	}
	return false;
}

static void row_swap(struct tl_ladder *l, size_t i, size_t j)
{
	struct tl_ladder_step t = l->st[i];
	uint8_t h = l->hint[i];
	l->st[i] = l->st[j];
	l->hint[i] = l->hint[j];
	l->st[j] = t;
	l->hint[j] = h;
}

/* A segment the link lost changed nothing where it was going: the
 * change its arrow carried lands with the next copy that arrived. */
static void link_landings(struct tl_ladder *l)
{
	for (size_t i = 0; i < l->n; i++) {
		struct tl_ladder_step *s = &l->st[i];
		if (!s->lost || s->from < 0 || !s->side[!s->from].change)
			continue;
		for (size_t j = i + 1; j < l->n; j++) {
			struct tl_ladder_step *t = &l->st[j];
			if (!t->link || t->lost || t->from != s->from || t->segment != s->segment ||
			    t->side[!s->from].change)
				continue;
			t->side[!s->from] = s->side[!s->from];
			memset(&s->side[!s->from], 0, sizeof(s->side[0]));
			if (l->hint[j] == HINT_NONE)
				l->hint[j] = l->hint[i];
			break;
		}
	}
}

/* A stale copy opened it: no socket of the other end sent that SYN, so
 * an end derived from it is an invention.  Its changes go, and the
 * arrows only it implied (none the link carried). */
static void link_stale(struct tl_ladder *l)
{
	int x = -1;
	for (size_t i = 0; i < l->n; i++)
		if (l->st[i].stale_ns && l->st[i].from >= 0 && !l->s[l->st[i].from].known)
			x = l->st[i].from;
	if (x < 0)
		return;
	l->s[x].init = 0;
	size_t k = 0;
	for (size_t i = 0; i < l->n; i++) {
		struct tl_ladder_step *s = &l->st[i];
		memset(&s->side[x], 0, sizeof(s->side[x]));
		if (s->kind == TL_LADDER_ARROW && !s->link && !s->side[!x].change)
			continue;
		l->st[k] = *s;
		l->hint[k++] = l->hint[i];
	}
	l->n = k;
}

/* Draw what the link carried (see ladder.h). */
static void link_join(struct tl_ladder *l, const struct tl_link_seg *g, size_t n)
{
	uint32_t isn[2] = {0, 0};
	bool have_isn[2] = {false, false};
	bool *used = tl_calloc(n ? n : 1, sizeof(*used));
	for (size_t j = 0; j < n; j++) {
		int k = link_kind(&g[j].pkt);
		if ((k == TL_SEG_SYN || k == TL_SEG_SYNACK) && !have_isn[g[j].from] &&
		    !g[j].stale_ns) {
			isn[g[j].from] = g[j].pkt.seq;
			have_isn[g[j].from] = true;
		}
	}
	/* the same segment again (a FIN, a SYN): a retransmission */
	bool *again = tl_calloc(n ? n : 1, sizeof(*again));
	for (size_t j = 0; j < n; j++)
		for (size_t i = 0; i < j && !g[j].released && !g[j].stale_ns; i++)
			if (!g[i].released && g[i].from == g[j].from &&
			    g[i].pkt.seq == g[j].pkt.seq && g[i].pkt.flags == g[j].pkt.flags &&
			    g[i].pkt.payload == g[j].pkt.payload &&
			    link_kind(&g[j].pkt) != TL_SEG_ACK)
				again[j] = true;
	/* the state changes' arrows, in order, each with its segment */
	uint64_t floor = 0;
	size_t rows = l->n;
	for (size_t i = 0; i < rows; i++) {
		struct tl_ladder_step *st = &l->st[i];
		if (st->kind != TL_LADDER_ARROW)
			continue;
		int pick = -1;
		/* a sender watched: sent after the sample before its change;
		 * else only the receiver's change dates it, a delay later */
		bool sender_seen = st->from >= 0 && l->s[st->from].known;
		for (size_t j = 0; j < n; j++) {
			const struct tl_link_seg *x = &g[j];
			/* the link reads a segment a moment after the kernel sent
			 * it, maybe after a sample saw the change that sent it */
			if (used[j] || x->released || x->mono_ns < floor ||
			    x->mono_ns > st->mono_ns + LINK_SLACK_NS ||
			    (sender_seen && x->mono_ns + LINK_SLACK_NS < st->after_ns) ||
			    link_kind(&x->pkt) != st->segment ||
			    (st->from >= 0 && x->from != st->from))
				continue;
			pick = (int)j;
			/* an ACK: the last one before the change was seen (the
			 * ones before it acknowledged data) */
			if (st->segment != TL_SEG_ACK)
				break;
		}
		if (pick < 0)
			continue;
		used[pick] = true;
		floor = g[pick].mono_ns;
		link_mark(st, &g[pick], isn, have_isn);
		st->resent |= again[pick];
	}
	/* the rest worth telling, as arrows of their own */
	for (size_t j = 0; j < n; j++) {
		if (used[j] || !link_worth(g, j))
			continue;
		int k = link_kind(&g[j].pkt);
		int row = step_new(l, TL_LADDER_ARROW, k < 0 ? TL_SEG_NONE : k, g[j].from,
				   g[j].mono_ns, g[j].wall);
		link_mark(&l->st[row], &g[j], isn, have_isn);
		l->st[row].resent |= again[j];
		l->hint[row] = HINT_NONE;
	}
	free(used);
	free(again);
	/* in time order (stable; at one time the link's row first): the
	 * link's times are exact */
	for (size_t i = 1; i < l->n; i++)
		for (size_t j = i; j > 0; j--) {
			const struct tl_ladder_step *p = &l->st[j - 1], *q = &l->st[j];
			if (p->mono_ns < q->mono_ns ||
			    (p->mono_ns == q->mono_ns && (p->link || !q->link)))
				break;
			row_swap(l, j - 1, j);
		}
	link_landings(l);
	link_stale(l);
	finish(l);
}

/* Each end's ports: A's (the client's) and B's. */
static bool link_ports(const struct tl_ladder *l, uint16_t *pa, uint16_t *pb)
{
	const struct tl_ladderend *a = &l->s[0], *b = &l->s[1];
	if (a->have_sock) {
		*pa = a->sock.lport;
		*pb = a->sock.rport;
	} else if (b->have_sock) {
		*pa = b->sock.rport;
		*pb = b->sock.lport;
	} else {
		return false;
	}
	return *pa && *pb;
}

void tl_ladder_build_steps(struct tl_ladder *l, const struct tl_steps *s, uint32_t conn_a,
			   uint32_t conn_b)
{
	struct tl_event *ev = tl_calloc(2 * TL_STEPS_MAX, sizeof(*ev));
	struct gaps gp;
	size_t na =
	    conn_a ? tl_steps_get(s, conn_a, ev, TL_STEPS_MAX, &gp.at[0], &gp.hidden[0]) : 0;
	size_t nb = 0;
	gp.at[1] = 0;
	gp.hidden[1] = 0;
	if (conn_b && conn_b != conn_a)
		nb = tl_steps_get(s, conn_b, ev + na, TL_STEPS_MAX, &gp.at[1], &gp.hidden[1]);
	build(l, ev, na + nb, conn_a, conn_b, &gp);
	uint16_t pa, pb;
	if (!l->n || !link_ports(l, &pa, &pb)) {
		free(ev);
		return;
	}
	/* The connection's segments begin with its SYN: the last one sent
	 * before its first step was seen (an earlier connection of the same
	 * ports may have gone before). */
	uint64_t first = l->st[0].after_ns ? l->st[0].after_ns : l->st[0].mono_ns;
	uint64_t since = first > 2000000000ULL ? first - 2000000000ULL : 0;
	size_t n = tl_steps_links(s, pa, pb, since, NULL, TL_STEPS_LINK), from = 0;
	if (!n) {
		free(ev);
		return; /* not the lab, or none of its segments */
	}
	/* The link draws every copy it carried, at its time: exact mode's
	 * retransmission events would draw them twice, and move the state
	 * changes the link's copies carry.  (Kept when steps were left out
	 * between head and tail: the gap's place counts events.) */
	size_t k = 0;
	for (size_t i = 0; i < na + nb; i++)
		if (ev[i].kind != TL_EV_RETRANSMIT)
			ev[k++] = ev[i];
	if (k != na + nb && !gp.hidden[0] && !gp.hidden[1]) {
		build(l, ev, k, conn_a, conn_b, NULL);
		if (!l->n) {
			free(ev);
			return;
		}
	}
	free(ev);
	struct tl_link_seg *g = tl_calloc(n, sizeof(*g));
	n = tl_steps_links(s, pa, pb, since, g, n);
	for (size_t j = 0; j < n && g[j].mono_ns <= l->st[0].mono_ns; j++)
		if (link_kind(&g[j].pkt) == TL_SEG_SYN && !g[j].released)
			from = j;
	link_join(l, g + from, n - from);
	free(g);
}

struct tl_event *tl_ladder_steps_events(const struct tl_steps *s, uint32_t conn_a, uint32_t conn_b,
					size_t *n)
{
	struct tl_event *ev = tl_calloc(2 * TL_STEPS_MAX, sizeof(*ev));
	struct tl_event *out = tl_calloc(2 * TL_STEPS_MAX, sizeof(*out));
	size_t at, na = 0, nb = 0;
	uint64_t hidden;
	if (conn_a)
		na = tl_steps_get(s, conn_a, ev, TL_STEPS_MAX, &at, &hidden);
	if (conn_b && conn_b != conn_a)
		nb = tl_steps_get(s, conn_b, ev + na, TL_STEPS_MAX, &at, &hidden);
	/* each end's events are in order: merge them by time, A first on a tie */
	size_t i = 0, j = na, k = 0;
	while (i < na || j < na + nb)
		out[k++] =
		    j >= na + nb || (i < na && ev[i].mono_ns <= ev[j].mono_ns) ? ev[i++] : ev[j++];
	free(ev);
	*n = k;
	if (!k) {
		free(out);
		return NULL;
	}
	return out;
}

void tl_ladder_build(struct tl_ladder *l, const struct tl_evlog *log, uint32_t conn_a,
		     uint32_t conn_b)
{
	struct tl_event *ev = NULL;
	size_t n = 0;
	if (log && log->n) {
		ev = tl_calloc(log->n, sizeof(*ev));
		for (size_t i = 0; i < log->n; i++) {
			const struct tl_event *e = tl_evlog_at(log, i);
			if (e->conn && (e->conn == conn_a || e->conn == conn_b))
				ev[n++] = *e;
		}
	}
	tl_ladder_build_events(l, ev, n, conn_a, conn_b);
	free(ev);
}

size_t tl_ladder_steps(const struct tl_ladder *l)
{
	return l->n;
}

const struct tl_ladder_step *tl_ladder_step(const struct tl_ladder *l, size_t i)
{
	return i < l->n ? &l->st[i] : NULL;
}

int tl_ladder_newest(const struct tl_ladder *l)
{
	return l->newest;
}

bool tl_ladder_known(const struct tl_ladder *l, int side)
{
	return side >= 0 && side < 2 && l->s[side].known;
}

const char *tl_ladder_addr(const struct tl_ladder *l, int side)
{
	return side >= 0 && side < 2 ? l->addr[side] : "?";
}

int tl_ladder_first_state(const struct tl_ladder *l, int side)
{
	return side >= 0 && side < 2 ? l->s[side].init : 0;
}

int tl_ladder_final_state(const struct tl_ladder *l, int side)
{
	if (side < 0 || side > 1)
		return 0;
	return l->n ? l->st[l->n - 1].side[side].after : l->s[side].init;
}

bool tl_ladder_last(const struct tl_ladder *l, int side, struct tl_ladder_last *out)
{
	if (side < 0 || side > 1 || !l->s[side].known)
		return false;
	size_t i = l->s[side].ntr;
	while (i > 0 && l->s[side].tr[i - 1].retrans)
		i--; /* a segment sent again changed no state */
	if (!i)
		return false;
	const struct tl_ladderend_tr *t = &l->s[side].tr[i - 1];
	out->state = t->to;
	out->mono_ns = t->t;
	out->timer = t->timer;
	out->expires_ms = t->expires_ms;
	return true;
}

/* Times are told from the earliest the first step may have happened. */
static uint64_t origin(const struct tl_ladder *l)
{
	return l->st[0].after_ns ? l->st[0].after_ns : l->st[0].mono_ns;
}

uint64_t tl_ladder_elapsed(const struct tl_ladder *l, size_t i)
{
	if (i >= l->n)
		return 0;
	uint64_t o = origin(l);
	return l->st[i].mono_ns > o ? l->st[i].mono_ns - o : 0;
}

int tl_ladder_window(const struct tl_ladder *l, size_t i, uint64_t *lo, uint64_t *hi)
{
	*lo = *hi = 0;
	if (i >= l->n)
		return -1;
	const struct tl_ladder_step *s = &l->st[i];
	uint64_t o = origin(l);
	*hi = s->mono_ns > o ? s->mono_ns - o : 0;
	if (!s->after_ns)
		return -1;
	*lo = s->after_ns > o ? s->after_ns - o : 0;
	return s->after_ns >= s->mono_ns ? 1 : 0;
}
