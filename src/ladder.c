/* ladder: a connection's events as the steps of a sequence diagram.
 *
 * Building is three passes.  Each side's events become state changes
 * ("transitions"), and each change becomes the segments it sends and
 * receives ("actions": FIN-WAIT-2 -> TIME-WAIT receives FIN and sends
 * ACK).  A side not watched is derived from the other, action by action,
 * through the fsm table.  Sends of one side are then matched in order
 * with receives of the same segment on the other, and the two action
 * lists are merged causally (a segment is sent before it lands), which
 * gives the steps.  Words (narration.c) and layout (ladderview.c) are
 * read from the steps. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcpladder/fsm.h"
#include "tcpladder/ladder.h"
#include "tcpladder/tcpstate.h"
#include "tcpladder/util.h"

#define SEG_DATA 16 /* an action carrying data (not a TCP flag) */

enum { ACT_SEND, ACT_RECV, ACT_RSTU, ACT_STATE, ACT_SEEN, ACT_GAP };
enum { HINT_NONE, HINT_HS, HINT_FIN };

struct tr {
	uint64_t t;
	double wall;
	uint8_t from, to, seg, dir;
	bool inferred;
	const char *why;
	bool has_info;
	struct tl_tcpinfo info;
	uint8_t timer;
	uint32_t expires_ms;
};

struct act {
	uint8_t kind, seg, hint;
	bool first; /* the first action of its transition: the state changes here */
	int tr;	    /* transition on its side, -1 for none */
	int peer;   /* the matched action on the other side, -1 for none */
	int step;   /* the step it made or landed on, -1 before */
	uint64_t t;
	double wall;
	uint64_t bytes;
	uint32_t segs;
};

struct side {
	bool known;
	int role;
	uint8_t init; /* state before the first transition, 0 unknown */
	struct tr *tr;
	size_t ntr, cap_tr;
	struct act *act;
	size_t nact, cap_act;
	bool have_sock;
	struct tl_sock sock;
	/* first seen in mid-life: in which state, when */
	bool seen;
	uint8_t seen_state;
	uint64_t seen_t;
	double seen_wall;
	/* steps not kept (steps.h): how many, before which transition, when */
	uint64_t gap_n;
	size_t gap_tr;
	uint64_t gap_t;
	double gap_wall;
};

struct tl_ladder {
	struct side s[2];
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
		struct side *s = &l->s[i];
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

static struct tr *tr_add(struct side *s)
{
	if (s->ntr == s->cap_tr) {
		s->cap_tr = s->cap_tr ? s->cap_tr * 2 : 16;
		s->tr = tl_reallocarray(s->tr, s->cap_tr, sizeof(*s->tr));
	}
	struct tr *t = &s->tr[s->ntr++];
	memset(t, 0, sizeof(*t));
	return t;
}

static struct act *act_add(struct side *s, int kind, int seg, int tr, uint64_t t, double wall)
{
	if (s->nact == s->cap_act) {
		s->cap_act = s->cap_act ? s->cap_act * 2 : 32;
		s->act = tl_reallocarray(s->act, s->cap_act, sizeof(*s->act));
	}
	struct act *a = &s->act[s->nact++];
	memset(a, 0, sizeof(*a));
	a->kind = (uint8_t)kind;
	a->seg = (uint8_t)seg;
	a->tr = tr;
	a->peer = -1;
	a->step = -1;
	a->t = t;
	a->wall = wall;
	return a;
}

static void data_add(struct side *s, int kind, uint64_t t, double wall, uint64_t bytes,
		     uint32_t segs)
{
	struct act *a = act_add(s, kind, SEG_DATA, -1, t, wall);
	a->bytes = bytes;
	a->segs = segs;
}

/* The segments a state change receives and sends, in order.  The fsm
 * edge names one segment; the reply that goes with it is implied. */
static void tr_actions(struct side *s, int ti)
{
	const struct tr *t = &s->tr[ti];
	size_t before = s->nact;
	struct act *a;
	switch (t->seg) {
	case TL_SEG_SYN:
		if (t->dir == TL_DIR_OUT) {
			act_add(s, ACT_SEND, TL_SEG_SYN, ti, t->t, t->wall);
		} else {
			act_add(s, ACT_RECV, TL_SEG_SYN, ti, t->t, t->wall);
			act_add(s, ACT_SEND, TL_SEG_SYNACK, ti, t->t, t->wall);
		}
		break;
	case TL_SEG_SYNACK:
		if (t->dir == TL_DIR_IN) {
			act_add(s, ACT_RECV, TL_SEG_SYNACK, ti, t->t, t->wall);
			a = act_add(s, ACT_SEND, TL_SEG_ACK, ti, t->t, t->wall);
			a->hint = HINT_HS;
		} else {
			act_add(s, ACT_SEND, TL_SEG_SYNACK, ti, t->t, t->wall);
		}
		break;
	case TL_SEG_ACK:
		a = act_add(s, t->dir == TL_DIR_OUT ? ACT_SEND : ACT_RECV, TL_SEG_ACK, ti, t->t,
			    t->wall);
		a->hint = t->from == TL_TCP_SYN_RECV ? HINT_HS : HINT_FIN;
		break;
	case TL_SEG_FIN:
		if (t->dir == TL_DIR_OUT) {
			act_add(s, ACT_SEND, TL_SEG_FIN, ti, t->t, t->wall);
		} else {
			act_add(s, ACT_RECV, TL_SEG_FIN, ti, t->t, t->wall);
			a = act_add(s, ACT_SEND, TL_SEG_ACK, ti, t->t, t->wall);
			a->hint = HINT_FIN;
		}
		break;
	case TL_SEG_RST:
		act_add(s,
			t->dir == TL_DIR_OUT  ? ACT_SEND
			: t->dir == TL_DIR_IN ? ACT_RECV
					      : ACT_RSTU,
			TL_SEG_RST, ti, t->t, t->wall);
		break;
	default:
		act_add(s, ACT_STATE, 0, ti, t->t, t->wall);
		break;
	}
	s->act[before].first = true;
}

static bool role_allows(const struct tl_fsm_edge *e, int role)
{
	if ((e->flags & TL_EDGE_ACTIVE) && role == TL_ROLE_PASSIVE)
		return false;
	if ((e->flags & TL_EDGE_PASSIVE) && role == TL_ROLE_ACTIVE)
		return false;
	return true;
}

/* The cheapest edge out of `from` that receives (dir IN) or sends (OUT)
 * seg.  RST edges have no direction in the table: any fits. */
static const struct tl_fsm_edge *find_edge(int from, int seg, int dir, int role)
{
	const struct tl_fsm_edge *best = NULL;
	if (from == 0)
		from = dir == TL_DIR_IN ? TL_TCP_LISTEN : TL_TCP_CLOSE;
	for (unsigned i = 0; i < tl_fsm_nedges; i++) {
		const struct tl_fsm_edge *e = &tl_fsm_edges[i];
		if (e->from != from || e->segment != seg || !role_allows(e, role))
			continue;
		if (seg == TL_SEG_RST ? e->dir != TL_DIR_NONE && e->dir != dir : e->dir != dir)
			continue;
		if (!best || e->cost < best->cost)
			best = e;
	}
	return best;
}

/* The state the other end is in when this end is first seen in `st`. */
static uint8_t mirror_state(int st)
{
	switch (st) {
	case TL_TCP_SYN_RECV:
		return TL_TCP_SYN_SENT;
	case TL_TCP_ESTABLISHED:
		return TL_TCP_ESTABLISHED;
	case TL_TCP_FIN_WAIT1:
	case TL_TCP_FIN_WAIT2:
		return TL_TCP_CLOSE_WAIT;
	case TL_TCP_CLOSE_WAIT:
		return TL_TCP_FIN_WAIT2;
	case TL_TCP_LAST_ACK:
		return TL_TCP_FIN_WAIT2;
	case TL_TCP_CLOSING:
		return TL_TCP_CLOSING;
	default:
		return 0;
	}
}

static void derived_change(struct side *d, uint8_t *st, const struct tl_fsm_edge *e, int dir,
			   const struct act *src, int pending[])
{
	struct tr *t = tr_add(d);
	t->t = src->t;
	t->wall = src->wall;
	t->from = *st;
	t->to = e->to;
	t->seg = e->segment;
	t->dir = (uint8_t)dir;
	t->inferred = true;
	t->why = e->why;
	*st = e->to;
	size_t first = d->nact;
	tr_actions(d, (int)d->ntr - 1);
	for (size_t i = first; i < d->nact; i++)
		if (d->act[i].kind == ACT_SEND && !(i == first && dir == TL_DIR_OUT))
			pending[d->act[i].seg]++;
}

/* The unwatched end, from the watched one: whatever k receives, d must
 * have sent; what k sends, d receives, but that it arrived (and changed
 * d's state) is implied only by something k received afterwards.  A
 * segment k sent last may still be on its way (a SYN on a slow link):
 * it is drawn, d's state is left as it was, nothing is invented. */
static void derive(struct side *d, const struct side *k)
{
	int pending[SEG_DATA + 1] = {0};
	uint8_t st = mirror_state(k->init);
	size_t answered = 0; /* k's actions before this one were answered */
	for (size_t i = k->nact; i-- > 0;)
		if (k->act[i].kind == ACT_RECV) {
			answered = i + 1;
			break;
		}
	d->init = st;
	for (size_t i = 0; i < k->nact; i++) {
		const struct act *a = &k->act[i];
		const struct tl_fsm_edge *e;
		switch (a->kind) {
		case ACT_SEND:
			if (a->seg == SEG_DATA) {
				data_add(d, ACT_RECV, a->t, a->wall, a->bytes, a->segs);
				break;
			}
			if (i >= answered) {
				act_add(d, ACT_RECV, a->seg, -1, a->t, a->wall);
				break;
			}
			e = find_edge(st, a->seg, TL_DIR_IN, d->role);
			if (e && a->seg == TL_SEG_RST)
				derived_change(d, &st, e, TL_DIR_IN, a, pending);
			else if (e)
				derived_change(d, &st, e, e->dir, a, pending);
			else
				act_add(d, ACT_RECV, a->seg, -1, a->t, a->wall);
			break;
		case ACT_RECV:
			if (a->seg == SEG_DATA) {
				data_add(d, ACT_SEND, a->t, a->wall, a->bytes, a->segs);
				break;
			}
			if (pending[a->seg] > 0) {
				pending[a->seg]--;
				break;
			}
			e = find_edge(st, a->seg, TL_DIR_OUT, d->role);
			if (e)
				derived_change(d, &st, e, TL_DIR_OUT, a, pending);
			else
				act_add(d, ACT_SEND, a->seg, -1, a->t, a->wall);
			break;
		case ACT_RSTU:
			if (i >= answered)
				break;
			e = find_edge(st, TL_SEG_RST, TL_DIR_NONE, d->role);
			if (e)
				derived_change(d, &st, e, TL_DIR_NONE, a, pending);
			break;
		default:
			break;
		}
	}
}

/* gap_at: where hidden steps not kept belong among ev (0 hidden: none). */
static void side_from_events(struct side *s, const struct tl_event *const *ev, size_t n,
			     size_t gap_at, uint64_t hidden)
{
	if (hidden && n) {
		const struct tl_event *g = ev[TL_MIN(gap_at, n - 1)];
		s->gap_n = hidden;
		s->gap_tr = 0;
		s->gap_t = g->mono_ns;
		s->gap_wall = g->wall;
	}
	for (size_t i = 0; i < n; i++) {
		const struct tl_event *e = ev[i];
		if (s->gap_n && i == gap_at)
			s->gap_tr = s->ntr;
		if (e->role != TL_ROLE_UNKNOWN)
			s->role = e->role;
		s->sock = e->sock;
		s->have_sock = true;
		if (i == 0)
			s->init = e->kind == TL_EV_OPEN ? 0 : e->from;
		/* First seen in mid-life with no path to explain it: a start
		 * state, and (unless a listener's) a row that says so. */
		if (e->kind == TL_EV_OPEN && e->segment == TL_SEG_NONE) {
			if (s->ntr == 0) {
				s->init = e->to;
				if (!e->why && e->to != TL_TCP_LISTEN && !s->seen) {
					s->seen = true;
					s->seen_state = (uint8_t)tl_tcp_state_shown(e->to);
					s->seen_t = e->mono_ns;
					s->seen_wall = e->wall;
				}
			}
			continue;
		}
		struct tr *t = tr_add(s);
		t->t = e->mono_ns;
		t->wall = e->wall;
		t->from = e->kind == TL_EV_OPEN ? 0 : e->from;
		t->to = (uint8_t)tl_tcp_state_shown(e->to);
		t->seg = e->segment;
		t->dir = e->dir;
		t->inferred = e->inferred;
		t->why = e->why;
		t->has_info = (e->sock.flags & TL_SOCK_HAS_INFO) != 0;
		t->info = e->sock.info;
		t->timer = e->sock.timer;
		t->expires_ms = e->sock.expires_ms;
	}
	s->known = true;
}

/* Data while ESTABLISHED, from the counters at entering and at leaving it. */
struct flow {
	bool ok;
	uint64_t out_bytes, in_bytes;
	uint32_t out_segs, in_segs;
	int leave; /* transition that leaves ESTABLISHED */
	uint64_t since; /* when it entered ESTABLISHED */
	double since_wall;
};

static void side_flow(const struct side *s, struct flow *f)
{
	int enter = -1;
	memset(f, 0, sizeof(*f));
	f->leave = -1;
	for (size_t i = 0; i < s->ntr; i++) {
		if (s->tr[i].to == TL_TCP_ESTABLISHED && enter < 0)
			enter = (int)i;
		else if (s->tr[i].from == TL_TCP_ESTABLISHED && enter >= 0 && f->leave < 0)
			f->leave = (int)i;
	}
	if (enter < 0 || f->leave < 0)
		return;
	const struct tr *a = &s->tr[enter], *b = &s->tr[f->leave];
	f->since = a->t;
	f->since_wall = a->wall;
	if (!a->has_info || !b->has_info)
		return;
	const struct tl_tcpinfo *x = &a->info, *y = &b->info;
	f->ok = true;
	if ((y->have & TL_INFO_BYTES_ACKED) && y->bytes_acked > x->bytes_acked)
		f->out_bytes = y->bytes_acked - x->bytes_acked;
	if ((y->have & TL_INFO_BYTES_RECEIVED) && y->bytes_received > x->bytes_received)
		f->in_bytes = y->bytes_received - x->bytes_received;
	if (y->have & TL_INFO_SEGS) {
		f->out_segs = y->segs_out > x->segs_out ? y->segs_out - x->segs_out : 0;
		f->in_segs = y->segs_in > x->segs_in ? y->segs_in - x->segs_in : 0;
	}
	/* A FIN takes one sequence number, which the byte counters include
	 * once it is acknowledged (ours) or received (the peer's): it is not
	 * data.  tcpi_state of the later record says how far the close got. */
	int st = y->state;
	if (f->out_bytes && (st == TL_TCP_FIN_WAIT2 || st == TL_TCP_TIME_WAIT || st == TL_TCP_CLOSING ||
			     st == TL_TCP_CLOSE))
		f->out_bytes--;
	if (f->in_bytes && (st == TL_TCP_CLOSE_WAIT || st == TL_TCP_LAST_ACK ||
			    st == TL_TCP_TIME_WAIT || st == TL_TCP_CLOSING || st == TL_TCP_CLOSE))
		f->in_bytes--;
}

static void side_actions(struct side *s, const struct flow *f, const uint64_t bytes[2],
			 const uint32_t segs[2], int me)
{
	if (s->seen)
		act_add(s, ACT_SEEN, 0, -1, s->seen_t, s->seen_wall);
	for (size_t i = 0; i < s->ntr; i++) {
		if (s->gap_n && s->gap_tr == i)
			act_add(s, ACT_GAP, 0, -1, s->gap_t, s->gap_wall);
		if ((int)i == f->leave) {
			/* mine out, then theirs in; dated from the start of ESTABLISHED */
			if (bytes[me])
				data_add(s, ACT_SEND, f->since, f->since_wall, bytes[me], segs[me]);
			if (bytes[!me])
				data_add(s, ACT_RECV, f->since, f->since_wall, bytes[!me], segs[!me]);
		}
		tr_actions(s, (int)i);
	}
	if (s->gap_n && s->gap_tr >= s->ntr)
		act_add(s, ACT_GAP, 0, -1, s->gap_t, s->gap_wall);
}

/* Whether b, on the other side, is the unmatched end of a: the receive of
 * a sent segment, or any RST for an RST of unknown direction. */
static bool answers(const struct act *a, const struct act *b)
{
	if (b->peer >= 0)
		return false;
	if (a->kind == ACT_SEND)
		return b->kind == ACT_RECV && b->seg == a->seg;
	return b->seg == TL_SEG_RST && b->kind != ACT_STATE;
}

static void pair_kind(struct tl_ladder *l, int kind)
{
	for (int x = 0; x < 2; x++) {
		struct side *sx = &l->s[x], *sy = &l->s[!x];
		for (size_t i = 0; i < sx->nact; i++) {
			struct act *a = &sx->act[i];
			if (a->kind != kind || a->peer >= 0)
				continue;
			for (size_t j = 0; j < sy->nact; j++) {
				struct act *b = &sy->act[j];
				if (!answers(a, b))
					continue;
				a->peer = (int)j;
				b->peer = (int)i;
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
static void apply(struct tl_ladder *l, int x, const struct act *a, int row, bool landing,
		  int last_row[2])
{
	const struct side *s = &l->s[x];
	if (a->tr < 0)
		return;
	const struct tr *t = &s->tr[a->tr];
	if (!t->inferred && s->known && l->st[row].kind != TL_LADDER_STATE)
		l->st[row].inferred = false;
	if (!a->first)
		return;
	int target = TL_MAX(row, last_row[x]);
	if (l->st[target].side[x].change) {
		target = step_new(l, TL_LADDER_STATE, 0, x, t->t, t->wall);
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
			struct side *s = &l->s[x];
			if (cur[x] >= s->nact)
				continue;
			const struct act *a = &s->act[cur[x]];
			const struct act *p = a->peer >= 0 ? &l->s[!x].act[a->peer] : NULL;
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
			struct act *a = &l->s[x].act[cur[x]];
			l->s[!x].act[a->peer].peer = -1;
			a->peer = -1;
			continue;
		}
		struct act *a = &l->s[pick].act[cur[pick]];
		cur[pick]++;
		if (pick_land) {
			const struct act *p = &l->s[!pick].act[a->peer];
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
			l->st[row].inferred = a->tr < 0 || l->s[pick].tr[a->tr].inferred ||
					      !l->s[pick].known;
			break;
		case ACT_SEND:
			row = step_new(l, a->seg == SEG_DATA ? TL_LADDER_DATA : TL_LADDER_ARROW,
				       a->seg == SEG_DATA ? 0 : a->seg, pick, a->t, a->wall);
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
	uint64_t latest = 0;
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
		latest = s->mono_ns;
		latest_wall = s->wall;
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
		side_from_events(&l->s[ia], pa, na, gp ? gp->at[0] : 0, gp ? gp->hidden[0] : 0);
	if (nb)
		side_from_events(&l->s[!ia], pb, nb, gp ? gp->at[1] : 0, gp ? gp->hidden[1] : 0);
	l->s[0].role = TL_ROLE_ACTIVE;
	l->s[1].role = TL_ROLE_PASSIVE;

	struct flow f[2];
	uint64_t bytes[2] = {0, 0};
	uint32_t segs[2] = {0, 0};
	for (int x = 0; x < 2; x++)
		side_flow(&l->s[x], &f[x]);
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
			side_actions(&l->s[x], &f[x], bytes, segs, x);
	if (l->s[0].known != l->s[1].known) {
		int k = l->s[0].known ? 0 : 1;
		derive(&l->s[!k], &l->s[k]);
	}
	match(l);
	merge(l);
	finish(l);

	/* Addresses: a side's own, else its peer's remote. */
	for (int x = 0; x < 2; x++) {
		const struct side *s = &l->s[x], *o = &l->s[!x];
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

void tl_ladder_build_steps(struct tl_ladder *l, const struct tl_steps *s, uint32_t conn_a,
			   uint32_t conn_b)
{
	struct tl_event *ev = tl_calloc(2 * TL_STEPS_MAX, sizeof(*ev));
	struct gaps gp;
	size_t na = conn_a ? tl_steps_get(s, conn_a, ev, TL_STEPS_MAX, &gp.at[0], &gp.hidden[0]) : 0;
	size_t nb = 0;
	gp.at[1] = 0;
	gp.hidden[1] = 0;
	if (conn_b && conn_b != conn_a)
		nb = tl_steps_get(s, conn_b, ev + na, TL_STEPS_MAX, &gp.at[1], &gp.hidden[1]);
	build(l, ev, na + nb, conn_a, conn_b, &gp);
	free(ev);
}

struct tl_event *tl_ladder_steps_events(const struct tl_steps *s, uint32_t conn_a,
					uint32_t conn_b, size_t *n)
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
		out[k++] = j >= na + nb || (i < na && ev[i].mono_ns <= ev[j].mono_ns) ? ev[i++]
										  : ev[j++];
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
	if (side < 0 || side > 1 || !l->s[side].known || !l->s[side].ntr)
		return false;
	const struct tr *t = &l->s[side].tr[l->s[side].ntr - 1];
	out->state = t->to;
	out->mono_ns = t->t;
	out->timer = t->timer;
	out->expires_ms = t->expires_ms;
	return true;
}

uint64_t tl_ladder_elapsed(const struct tl_ladder *l, size_t i)
{
	if (i >= l->n)
		return 0;
	return l->st[i].mono_ns > l->st[0].mono_ns ? l->st[i].mono_ns - l->st[0].mono_ns : 0;
}
