/* ladder: a connection's events as a sequence diagram.
 *
 * Building is three passes.  Each side's events become state changes
 * ("transitions"), and each change becomes the segments it sends and
 * receives ("actions": FIN-WAIT-2 -> TIME-WAIT receives FIN and sends
 * ACK).  A side not watched is derived from the other, action by action,
 * through the fsm table.  Sends of one side are then matched in order
 * with receives of the same segment on the other, and the two action
 * lists are merged causally (a segment is sent before it lands), which
 * gives the steps.  Layout is a separate pass over the steps. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcpladder/fsm.h"
#include "tcpladder/ladder.h"
#include "tcpladder/tcpstate.h"

#define SEG_DATA 16 /* an action carrying data (not a TCP flag) */

enum { ACT_SEND, ACT_RECV, ACT_RSTU, ACT_STATE };
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
		s->known = s->have_sock = false;
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

/* The unwatched end, from the watched one: whatever k sends, d receives,
 * and whatever k receives, d must have sent. */
static void derive(struct side *d, const struct side *k)
{
	int pending[SEG_DATA + 1] = {0};
	uint8_t st = mirror_state(k->init);
	d->init = st;
	for (size_t i = 0; i < k->nact; i++) {
		const struct act *a = &k->act[i];
		const struct tl_fsm_edge *e;
		struct act *n;
		switch (a->kind) {
		case ACT_SEND:
			if (a->seg == SEG_DATA) {
				n = act_add(d, ACT_RECV, SEG_DATA, -1, a->t, a->wall);
				n->bytes = a->bytes;
				n->segs = a->segs;
				break;
			}
			e = find_edge(st, a->seg, TL_DIR_IN, d->role);
			if (e && a->seg == TL_SEG_RST)
				derived_change(d, &st, e, TL_DIR_IN, a, pending);
			else if (e)
				derived_change(d, &st, e, e->dir, a, pending);
			else
				n = act_add(d, ACT_RECV, a->seg, -1, a->t, a->wall);
			break;
		case ACT_RECV:
			if (a->seg == SEG_DATA) {
				n = act_add(d, ACT_SEND, SEG_DATA, -1, a->t, a->wall);
				n->bytes = a->bytes;
				n->segs = a->segs;
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
			e = find_edge(st, TL_SEG_RST, TL_DIR_NONE, d->role);
			if (e)
				derived_change(d, &st, e, TL_DIR_NONE, a, pending);
			break;
		default:
			break;
		}
	}
}

static void side_from_events(struct side *s, const struct tl_event *const *ev, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct tl_event *e = ev[i];
		if (e->role != TL_ROLE_UNKNOWN)
			s->role = e->role;
		s->sock = e->sock;
		s->have_sock = true;
		if (i == 0)
			s->init = e->kind == TL_EV_OPEN ? 0 : e->from;
		/* First seen in mid-life with no path to explain it: a start state. */
		if (e->kind == TL_EV_OPEN && e->segment == TL_SEG_NONE) {
			if (s->ntr == 0)
				s->init = e->to;
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
	for (size_t i = 0; i < s->ntr; i++) {
		if ((int)i == f->leave) {
			/* mine out, then theirs in; dated from the start of ESTABLISHED */
			if (bytes[me]) {
				struct act *a = act_add(s, ACT_SEND, SEG_DATA, -1, f->since, f->since_wall);
				a->bytes = bytes[me];
				a->segs = segs[me];
			}
			if (bytes[!me]) {
				struct act *a = act_add(s, ACT_RECV, SEG_DATA, -1, f->since, f->since_wall);
				a->bytes = bytes[!me];
				a->segs = segs[!me];
			}
		}
		tr_actions(s, (int)i);
	}
}

static bool rst_kind(const struct act *a)
{
	return a->seg == TL_SEG_RST && a->kind != ACT_STATE;
}

/* Sends of one side with receives of the same segment on the other, in
 * order; an RST of unknown direction pairs with any RST of the other. */
static void match(struct tl_ladder *l)
{
	for (int x = 0; x < 2; x++) {
		struct side *sx = &l->s[x], *sy = &l->s[!x];
		for (size_t i = 0; i < sx->nact; i++) {
			struct act *a = &sx->act[i];
			if (a->kind != ACT_SEND || a->peer >= 0)
				continue;
			for (size_t j = 0; j < sy->nact; j++) {
				struct act *b = &sy->act[j];
				if (b->peer < 0 && b->kind == ACT_RECV && b->seg == a->seg) {
					a->peer = (int)j;
					b->peer = (int)i;
					break;
				}
			}
		}
	}
	for (int x = 0; x < 2; x++) {
		struct side *sx = &l->s[x], *sy = &l->s[!x];
		for (size_t i = 0; i < sx->nact; i++) {
			struct act *a = &sx->act[i];
			if (a->kind != ACT_RSTU || a->peer >= 0)
				continue;
			for (size_t j = 0; j < sy->nact; j++) {
				struct act *b = &sy->act[j];
				if (b->peer < 0 && rst_kind(b)) {
					a->peer = (int)j;
					b->peer = (int)i;
					/* the other side's known direction decides */
					if (b->kind == ACT_SEND)
						a->kind = ACT_RECV;
					else if (b->kind == ACT_RECV)
						a->kind = ACT_SEND;
					break;
				}
			}
		}
	}
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

static void finish(struct tl_ladder *l)
{
	uint8_t st[2] = {l->s[0].init, l->s[1].init};
	bool have[2] = {false, false};
	struct tl_tcpinfo info[2];
	int first_fin = -1;
	memset(info, 0, sizeof(info));
	l->newest = -1;
	for (size_t i = 0; i < l->n; i++) {
		struct tl_ladder_step *s = &l->st[i];
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
		if (s->kind != TL_LADDER_STATE)
			l->newest = (int)i;
		if (s->kind != TL_LADDER_ARROW || s->from < 0)
			continue;
		switch (s->segment) {
		case TL_SEG_SYN:
			s->line = TL_LINE_HELLO1;
			break;
		case TL_SEG_SYNACK:
			s->line = TL_LINE_HELLO2;
			break;
		case TL_SEG_ACK:
			if (l->hint[i] == HINT_HS)
				s->line = TL_LINE_HELLO3;
			else if (l->hint[i] == HINT_FIN && first_fin >= 0)
				s->line = s->from != first_fin ? TL_LINE_BYE2 : TL_LINE_BYE4;
			break;
		case TL_SEG_FIN:
			if (first_fin < 0) {
				first_fin = s->from;
				s->line = TL_LINE_BYE1;
			} else {
				s->line = TL_LINE_BYE3;
			}
			break;
		case TL_SEG_RST:
			s->line = TL_LINE_RESET;
			break;
		default:
			break;
		}
	}
}

void tl_ladder_build_events(struct tl_ladder *l, const struct tl_event *ev, size_t n,
			    uint32_t conn_a, uint32_t conn_b)
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
		side_from_events(&l->s[ia], pa, na);
	if (nb)
		side_from_events(&l->s[!ia], pb, nb);
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

/* ---- words ---- */

static uint64_t rel_ns(const struct tl_ladder *l, const struct tl_ladder_step *s)
{
	return s->mono_ns > l->st[0].mono_ns ? s->mono_ns - l->st[0].mono_ns : 0;
}

static bool is_zh(const char *lang)
{
	return lang && !strcmp(lang, "zh");
}

static void fmt_bytes(uint64_t b, char *out, size_t len)
{
	if (b < 1024)
		snprintf(out, len, "%llu B", (unsigned long long)b);
	else if (b < 1024 * 1024)
		snprintf(out, len, "%.1f KB", (double)b / 1024);
	else if (b < 1024ULL * 1024 * 1024)
		snprintf(out, len, "%.1f MB", (double)b / (1024 * 1024));
	else
		snprintf(out, len, "%.1f GB", (double)b / (1024.0 * 1024 * 1024));
}

static void fmt_rel(uint64_t ns, char *out, size_t len)
{
	double s = (double)ns / 1e9;
	if (s < 100)
		snprintf(out, len, "+%.3fs", s);
	else if (s < 10000)
		snprintf(out, len, "+%.1fs", s);
	else
		snprintf(out, len, "+%.0fs", s);
}

static void fmt_dur(uint64_t ms, char *out, size_t len)
{
	uint64_t s = ms / 1000;
	if (s < 60)
		snprintf(out, len, "%llus", (unsigned long long)s);
	else if (s < 3600)
		snprintf(out, len, "%llum%02llus", (unsigned long long)(s / 60),
			 (unsigned long long)(s % 60));
	else
		snprintf(out, len, "%lluh%02llum", (unsigned long long)(s / 3600),
			 (unsigned long long)(s / 60 % 60));
}

static const char *state_name(int st, bool abbrev)
{
	if (!st)
		return "";
	if (abbrev && st == TL_TCP_ESTABLISHED)
		return "ESTAB";
	return tl_tcp_state_name(st);
}

void tl_ladder_label(const struct tl_ladder *l, size_t i, struct tl_buf *out)
{
	const struct tl_ladder_step *s = tl_ladder_step(l, i);
	char b[32];
	if (!s)
		return;
	switch (s->kind) {
	case TL_LADDER_DATA:
		fmt_bytes(s->bytes, b, sizeof(b));
		if (s->segs)
			tl_buf_printf(out, "data %u segs, %s", s->segs, b);
		else
			tl_buf_printf(out, "data %s", b);
		break;
	case TL_LADDER_STATE: {
		int x = s->from < 0 ? 0 : s->from;
		tl_buf_puts(out, s->side[x].why ? s->side[x].why : "state change");
		break;
	}
	default:
		tl_buf_puts(out, tl_segment_name(s->segment) ? tl_segment_name(s->segment) : "?");
		if (s->from < 0)
			tl_buf_puts(out, " (direction unknown)");
		break;
	}
}

/* '@' is the speaker, '#' the other side. */
static const char *const lines_en[] = {
	[TL_LINE_HELLO1] = "Hello, I'm @",
	[TL_LINE_HELLO2] = "Hello #, I'm @",
	[TL_LINE_HELLO3] = "Hello #",
	[TL_LINE_BYE1] = "#, I'm done sending",
	[TL_LINE_BYE2] = "Oh, you're done. Got it",
	[TL_LINE_BYE3] = "Then I'm done too. Bye",
	[TL_LINE_BYE4] = "OK, bye",
	[TL_LINE_RESET] = "Reset! Drop it all",
};
static const char *const lines_zh[] = {
	[TL_LINE_HELLO1] = "你好，我是 @",
	[TL_LINE_HELLO2] = "# 你好，我是 @",
	[TL_LINE_HELLO3] = "# 你好",
	[TL_LINE_BYE1] = "#，我这边发完了",
	[TL_LINE_BYE2] = "哦，你发完了。收到",
	[TL_LINE_BYE3] = "那我也发完了。再见",
	[TL_LINE_BYE4] = "好的，再见",
	[TL_LINE_RESET] = "重置！这个连接作废",
};

void tl_ladder_dialogue(const struct tl_ladder *l, size_t i, const char *lang, struct tl_buf *out)
{
	const struct tl_ladder_step *s = tl_ladder_step(l, i);
	if (!s || s->line == TL_LINE_NONE || s->line >= TL_ARRAY_SIZE(lines_en) || s->from < 0)
		return;
	bool zh = is_zh(lang);
	char me = s->from ? 'B' : 'A', other = s->from ? 'A' : 'B';
	tl_buf_putc(out, me);
	tl_buf_puts(out, zh ? "：" : ": ");
	for (const char *p = zh ? lines_zh[s->line] : lines_en[s->line]; *p; p++)
		tl_buf_putc(out, *p == '@' ? me : *p == '#' ? other : *p);
}

enum { TOPIC_NONE, TOPIC_HANDSHAKE, TOPIC_DATA, TOPIC_CLOSE, TOPIC_TIME_WAIT, TOPIC_CLOSE_WAIT,
       TOPIC_RST };

static const char *state_en(int st)
{
	switch (st) {
	case TL_TCP_SYN_SENT:
		return "SYN-SENT: connect() sent a SYN and waits for the answer.";
	case TL_TCP_SYN_RECV:
		return "SYN-RECV: a SYN arrived and SYN+ACK went back; waiting for the last ACK of "
		       "the handshake (the request sits in the listener's queue, not yet accepted).";
	case TL_TCP_ESTABLISHED:
		return "ESTABLISHED: both directions are open; data can flow either way.";
	case TL_TCP_FIN_WAIT1:
		return "FIN-WAIT-1: this side called close() or shutdown() and sent FIN; waiting "
		       "for it to be acknowledged.";
	case TL_TCP_FIN_WAIT2:
		return "FIN-WAIT-2: our FIN is acknowledged; this side sends no more but can still "
		       "receive, until the peer's FIN comes.";
	case TL_TCP_CLOSE_WAIT:
		return "CLOSE-WAIT: the peer is done sending; this side may still send, and waits "
		       "for its application to call close().";
	case TL_TCP_LAST_ACK:
		return "LAST-ACK: this side sent its own FIN after the peer's; waiting for the "
		       "last ACK.";
	case TL_TCP_CLOSING:
		return "CLOSING: both sides sent FIN at about the same time; waiting for the ACK "
		       "of ours.";
	case TL_TCP_TIME_WAIT:
		return "TIME-WAIT: the side that closed first waits 2 MSL before forgetting the "
		       "connection.";
	case TL_TCP_CLOSE:
		return "CLOSED: the connection is gone on this side.";
	default:
		return NULL;
	}
}

static const char *state_zh(int st)
{
	switch (st) {
	case TL_TCP_SYN_SENT:
		return "SYN-SENT：connect() 已发出 SYN，正在等对方回应。";
	case TL_TCP_SYN_RECV:
		return "SYN-RECV：收到了 SYN 并回了 SYN+ACK，正在等握手的最后一个 ACK（这个请求还在"
		       "监听套接字的队列里，尚未被 accept）。";
	case TL_TCP_ESTABLISHED:
		return "ESTABLISHED：两个方向都已打开，数据可以双向流动。";
	case TL_TCP_FIN_WAIT1:
		return "FIN-WAIT-1：这一端调用了 close() 或 shutdown() 并发出 FIN，正在等对方确认。";
	case TL_TCP_FIN_WAIT2:
		return "FIN-WAIT-2：我方的 FIN 已被确认；这一端不再发送，但仍可接收，直到对方发来 "
		       "FIN。";
	case TL_TCP_CLOSE_WAIT:
		return "CLOSE-WAIT：对方已发送完毕；这一端还可以继续发送，正在等自己的应用调用 "
		       "close()。";
	case TL_TCP_LAST_ACK:
		return "LAST-ACK：这一端在对方之后也发出了 FIN，正在等最后一个 ACK。";
	case TL_TCP_CLOSING:
		return "CLOSING：双方几乎同时发出 FIN，正在等对方确认我方的 FIN。";
	case TL_TCP_TIME_WAIT:
		return "TIME-WAIT：先关闭的一方要等待 2 MSL，才彻底忘掉这个连接。";
	case TL_TCP_CLOSE:
		return "CLOSED：这一端的连接已不存在。";
	default:
		return NULL;
	}
}

static const char *const topic_en[] = {
	[TOPIC_HANDSHAKE] =
		"The three-way handshake: A sends SYN with its initial sequence number; B "
		"answers SYN+ACK, acknowledging A's number and giving its own; A acknowledges "
		"B's. Why not two segments? A delayed duplicate SYN from an old connection "
		"would then open a connection nobody asked for: the third segment lets A confirm "
		"that the SYN really was its own (a stale one it refuses with RST). Why not "
		"four? B's ACK and B's SYN travel together, and after three segments both sides "
		"know that both directions work.",
	[TOPIC_DATA] = "Data in both directions while ESTABLISHED, counted from the kernel's "
		       "tcp_info: bytes the peer acknowledged, bytes received, and the segments "
		       "that carried them.",
	[TOPIC_CLOSE] =
		"Why four segments to close? Each direction is shut separately: a FIN only says "
		"\"I will send no more\". The side that received a FIN may still have data to "
		"send, so its ACK goes at once and its own FIN later, when its application calls "
		"close(); only when it has nothing left to say do the two travel together.",
	[TOPIC_TIME_WAIT] =
		"Why TIME-WAIT? The last ACK may be lost; the peer then retransmits its FIN, and "
		"this side must still be there to ACK it again rather than answer with RST. "
		"Waiting 2 MSL (a segment's maximum lifetime, there and back) also lets stray old "
		"segments die before the same addresses and ports are used again. Linux waits "
		"60 s.",
	[TOPIC_CLOSE_WAIT] =
		"A long CLOSE-WAIT means the application has not called close(): the peer said "
		"goodbye and the kernel acknowledged it, but the program still holds the socket. "
		"Often a leak (a close() missing on an error path).",
	[TOPIC_RST] =
		"RST resets the connection at once: no goodbye, no waiting; data not yet sent "
		"or not yet read is thrown away. It is sent when nothing listens on the port "
		"(connection refused), on close() with unread data, with SO_LINGER set to zero, "
		"or when a segment arrives for a connection this side does not know (after a "
		"crash or a restart).",
};

static const char *const topic_zh[] = {
	[TOPIC_HANDSHAKE] =
		"三次握手：A 发出带初始序号的 SYN；B 回 SYN+ACK，确认 A 的序号并给出自己的序号；A "
		"再确认 B 的序号。为什么不是两次？网络里迟到的旧 SYN 副本会凭空建立一个谁也没请求的"
		"连接；第三个报文让 A 确认这个 SYN 确实是自己发的（过时的用 RST 拒绝）。为什么不是"
		"四次？B 的 ACK 和 B 的 SYN 合在同一个报文里；三个报文之后，双方都已知道两个方向都"
		"是通的。",
	[TOPIC_DATA] = "ESTABLISHED 期间双向传输的数据，取自内核的 tcp_info：对方已确认的字节数、"
		       "已收到的字节数，以及承载它们的报文段数。",
	[TOPIC_CLOSE] =
		"为什么关闭要四个报文？两个方向是分别关闭的：FIN 只表示「我不再发送了」。收到 FIN "
		"的一方可能还有数据要发，所以它先立刻回 ACK，等自己的应用调用 close() 时再发 FIN；"
		"只有当它已无话可说时，ACK 和 FIN 才会一起发出。",
	[TOPIC_TIME_WAIT] =
		"为什么要 TIME-WAIT？最后一个 ACK 可能丢失，对方会重传 FIN，这一端必须还在，才能再"
		"回一次 ACK，而不是回 RST。等待 2 MSL（报文最长存活时间的一个来回）也让网络里迷途的"
		"旧报文在相同的地址和端口被重用之前消失。Linux 等待 60 秒。",
	[TOPIC_CLOSE_WAIT] =
		"CLOSE-WAIT 持续很久，说明应用没有调用 close()：对方已经道别，内核也已确认，但程序"
		"仍握着这个套接字。常常是泄漏（比如出错路径上漏了 close()）。",
	[TOPIC_RST] =
		"RST 立即重置连接：不挥手，不等待，未发送和未读取的数据都被丢弃。常见于端口上没有"
		"进程监听（连接被拒绝）、带着未读数据调用 close()、SO_LINGER 设为零，或收到一个本端"
		"不认识的连接的报文（比如在崩溃或重启之后）。",
};

/* The state a step is about: what the receiver entered, else the sender. */
static int key_state(const struct tl_ladder_step *s)
{
	int rx = s->from < 0 ? 1 : !s->from, tx = s->from < 0 ? 0 : s->from;
	if (s->kind == TL_LADDER_STATE)
		return s->side[tx].change ? s->side[tx].change : s->side[tx].after;
	if (s->side[rx].change)
		return s->side[rx].change;
	if (s->side[tx].change)
		return s->side[tx].change;
	return s->side[tx].after;
}

static int topic_of(const struct tl_ladder_step *s, int st)
{
	if (s->kind == TL_LADDER_DATA)
		return TOPIC_DATA;
	if (s->segment == TL_SEG_RST)
		return TOPIC_RST;
	if (s->kind == TL_LADDER_STATE && s->side[s->from < 0 ? 0 : s->from].before ==
						  TL_TCP_TIME_WAIT)
		return TOPIC_TIME_WAIT;
	switch (st) {
	case TL_TCP_SYN_SENT:
	case TL_TCP_SYN_RECV:
		return TOPIC_HANDSHAKE;
	case TL_TCP_ESTABLISHED:
		return s->segment == TL_SEG_SYN || s->segment == TL_SEG_SYNACK ||
				       s->segment == TL_SEG_ACK
			       ? TOPIC_HANDSHAKE
			       : TOPIC_NONE;
	case TL_TCP_TIME_WAIT:
		return TOPIC_TIME_WAIT;
	case TL_TCP_CLOSE_WAIT:
		return TOPIC_CLOSE_WAIT;
	case TL_TCP_FIN_WAIT1:
	case TL_TCP_FIN_WAIT2:
	case TL_TCP_LAST_ACK:
	case TL_TCP_CLOSING:
	case TL_TCP_CLOSE:
		return TOPIC_CLOSE;
	default:
		return s->segment == TL_SEG_FIN ? TOPIC_CLOSE : TOPIC_NONE;
	}
}

void tl_ladder_explain(const struct tl_ladder *l, size_t i, const char *lang, struct tl_buf *out)
{
	const struct tl_ladder_step *s = tl_ladder_step(l, i);
	if (!s)
		return;
	bool zh = is_zh(lang);
	int st = key_state(s), topic = topic_of(s, st);
	const char *a = s->kind == TL_LADDER_DATA ? NULL : zh ? state_zh(st) : state_en(st);
	if (a)
		tl_buf_puts(out, a);
	if (topic != TOPIC_NONE) {
		if (a)
			tl_buf_puts(out, "\n");
		tl_buf_puts(out, zh ? topic_zh[topic] : topic_en[topic]);
	}
	/* a long CLOSE-WAIT is about closing too */
	if (topic == TOPIC_CLOSE_WAIT) {
		tl_buf_puts(out, "\n");
		tl_buf_puts(out, zh ? topic_zh[TOPIC_CLOSE] : topic_en[TOPIC_CLOSE]);
	}
}

/* ---- text in cells ---- */

static bool is_wide(uint32_t cp)
{
	return (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf && cp != 0x303f) ||
	       (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
	       (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
	       (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x20000 && cp <= 0x3fffd);
}

static int cp_width(const struct tl_canvas *c, uint32_t cp)
{
	return !c->g->ascii && is_wide(cp) ? 2 : 1;
}

static int text_width(const struct tl_canvas *c, const char *s, size_t len)
{
	int w = 0;
	const char *end = s + len;
	while (s < end && *s) {
		uint32_t cp;
		s += tl_utf8_decode(s, &cp);
		w += cp_width(c, cp);
	}
	return w;
}

/* Like tl_canvas_text, for len bytes, with wide glyphs taking two cells. */
static int put_textn(struct tl_canvas *c, int x, int y, int maxw, int style, const char *s,
		     size_t len)
{
	int col = 0;
	const char *end = s + len;
	if (maxw <= 0)
		return 0;
	bool fits = text_width(c, s, len) <= maxw;
	while (s < end && *s) {
		uint32_t cp;
		int n = tl_utf8_decode(s, &cp), cw = cp_width(c, cp);
		if (!fits && col + cw > maxw - 1) {
			tl_canvas_put(c, x + col, y, c->g->ellipsis, style);
			return col + 1;
		}
		tl_canvas_put(c, x + col, y, cp, style);
		if (cw == 2 && x + col + 1 >= 0 && x + col + 1 < c->w && y >= 0 && y < c->h) {
			struct tl_cell *cell = &c->cells[y * c->w + x + col + 1];
			cell->ch = TL_LADDER_WIDE_CONT;
			cell->style = (uint8_t)style;
		}
		col += cw;
		s += n;
	}
	return col;
}

static int put_text(struct tl_canvas *c, int x, int y, int maxw, int style, const char *s)
{
	return put_textn(c, x, y, maxw, style, s, strlen(s));
}

/* Wrapped at spaces (and anywhere between wide glyphs); returns rows used. */
static int put_wrapped(struct tl_canvas *c, int x, int y, int w, int maxrows, int style,
		       const char *s)
{
	int rows = 0;
	while (*s && rows < maxrows && w > 0) {
		int col = 0;
		const char *q = s, *brk = NULL, *next = NULL;
		while (*q && *q != '\n') {
			uint32_t cp;
			int n = tl_utf8_decode(q, &cp), cw = cp_width(c, cp);
			if (cw == 2 && q > s) {
				brk = q;
				next = q;
			}
			if (col + cw > w)
				break;
			if (cp == ' ') {
				brk = q;
				next = q + 1;
			}
			col += cw;
			q += n;
		}
		const char *end = q;
		if (*q && *q != '\n' && brk && brk > s) {
			end = brk;
			q = next;
		}
		int used = put_textn(c, x, y + rows, w, style, s, (size_t)(end - s));
		if (rows == maxrows - 1 && *q) /* more than fits: say so */
			tl_canvas_put(c, x + TL_MIN(used, w - 1), y + rows, c->g->ellipsis, style);
		rows++;
		s = q;
		if (*s == '\n')
			s++;
		while (*s == ' ')
			s++;
	}
	return rows;
}

void tl_ladder_dump(const struct tl_canvas *c, struct tl_buf *out)
{
	for (int y = 0; y < c->h; y++) {
		int end = c->w;
		while (end > 0 && c->cells[y * c->w + end - 1].ch == ' ')
			end--;
		for (int x = 0; x < end; x++)
			if (c->cells[y * c->w + x].ch != TL_LADDER_WIDE_CONT)
				tl_utf8_encode(c->cells[y * c->w + x].ch, out);
		tl_buf_putc(out, '\n');
	}
}

/* ---- layout ---- */

struct geo {
	int x, y, w, h; /* the ladder's own area */
	int m;		/* time margin */
	int s;		/* state label width */
	bool abbrev;
	int xa, xb;
	int narr_x, narr_w;
	int hdr;       /* rows above the first step */
	int bhdr_x, bhdr_y;
	int steps_y;   /* first step row */
	int visible;   /* steps that fit */
	int footer_y;
	/* the detail pane */
	bool side;
	int px, py, pw, ph;
};

static void header_text(const struct tl_ladder *l, int x, char *out, size_t len)
{
	snprintf(out, len, "%c %s (%s)%s", x ? 'B' : 'A', l->addr[x], x ? "server" : "client",
		 l->s[x].known ? "" : " ~derived");
}

static void layout(const struct tl_ladder *l, int x, int y, int w, int h, bool pane,
		   struct geo *g)
{
	char buf[96];
	memset(g, 0, sizeof(*g));
	g->x = x;
	g->y = y;
	g->w = w;
	g->h = h;
	if (pane && w >= 100) {
		g->side = true;
		g->pw = TL_MIN(TL_MAX(w / 3, 32), 48);
		g->w = w - g->pw;
		g->px = x + g->w;
		g->py = y;
		g->ph = h;
	} else if (pane) {
		g->ph = h >= 20 ? 8 : 4;
		g->h = h - g->ph;
		g->px = x;
		g->py = y + g->h;
		g->pw = w;
	}
	g->m = 8;
	for (size_t i = 0; i < l->n; i++) {
		fmt_rel(rel_ns(l, &l->st[i]), buf, sizeof(buf));
		g->m = TL_MAX(g->m, (int)strlen(buf) + 1);
	}
	g->abbrev = g->w < 70;
	g->s = g->abbrev ? 11 : 12; /* "~ESTABLISHED" */
	g->xa = x + g->m + g->s + 1;
	int rest = g->w - (g->m + g->s + 1) - 2 - g->s - 1;
	/* the arrows get what the dialogue (about 26 columns) leaves */
	int span = rest >= 40 ? TL_MIN(TL_MAX(rest - 22, 18), 40) : rest;
	span = TL_MAX(span, 4);
	g->xb = g->xa + span + 1;
	g->narr_x = g->xb + 2;
	g->narr_w = x + g->w - g->narr_x;
	if (g->narr_w < 14)
		g->narr_w = 0;
	/* headers: A at the left, B at its lifeline if there is room */
	header_text(l, 0, buf, sizeof(buf));
	int la = (int)strlen(buf);
	header_text(l, 1, buf, sizeof(buf));
	int lb = (int)strlen(buf);
	g->bhdr_y = y;
	if (g->xb - 1 >= x + la + 2 && g->xb - 1 + lb <= x + g->w)
		g->bhdr_x = g->xb - 1;
	else if (x + la + 2 + lb <= x + g->w)
		g->bhdr_x = x + g->w - lb;
	else {
		g->bhdr_x = x + TL_MAX(g->w - lb, 0);
		g->bhdr_y = y + 1;
	}
	g->hdr = g->bhdr_y - y + 2;
	g->steps_y = y + g->hdr;
	g->footer_y = y + g->h - 1;
	g->visible = TL_MAX((g->footer_y - g->steps_y) / 2, 0);
}

static int fit(const struct tl_ladder *l, const struct geo *g, const struct tl_ladder_view *v)
{
	int n = (int)l->n, top = v->scroll;
	if (v->selected >= 0 && v->selected < n && g->visible > 0) {
		if (v->selected < top)
			top = v->selected;
		if (v->selected >= top + g->visible)
			top = v->selected - g->visible + 1;
	}
	top = TL_MIN(top, n - g->visible);
	return TL_MAX(top, 0);
}

int tl_ladder_fit_scroll(const struct tl_ladder *l, int w, int h, const struct tl_ladder_view *v)
{
	struct geo g;
	layout(l, 0, 0, w, h, true, &g);
	return fit(l, &g, v);
}

static void vput(struct tl_canvas *c, int x, int y, int style)
{
	tl_canvas_put(c, x, y, c->g->vline, style);
}

static int line_style(const struct tl_ladder *l, int x)
{
	return l->s[x].known ? TL_ST_DIM : TL_ST_INFERRED;
}

static void draw_arrow(const struct tl_ladder *l, struct tl_canvas *c, const struct geo *g,
		       const struct tl_ladder_step *s, int y, double anim)
{
	int style = s->inferred ? TL_ST_INFERRED : TL_ST_NORMAL;
	if (s->from < 0) {
		for (int i = g->xa + 1; i < g->xb; i++)
			tl_canvas_put(c, i, y, c->g->hline, style);
		tl_canvas_put(c, (g->xa + g->xb) / 2, y, '?', style);
		return;
	}
	int sx = s->from ? g->xb : g->xa, rx = s->from ? g->xa : g->xb;
	int d = rx > sx ? 1 : -1, len = (rx - sx) * d - 1; /* cells between the lifelines */
	int head = len - 1;
	if (anim < 1)
		head = (int)(anim < 0 ? 0 : anim * (len - 1) + 0.5);
	(void)l;
	for (int i = 0; i < head; i++) {
		uint32_t ch = c->g->hline;
		if (s->inferred)
			ch = c->g->ascii ? (i % 2 ? ' ' : '-') : 0x254c;
		tl_canvas_put(c, sx + d * (1 + i), y, ch, style);
	}
	tl_canvas_put(c, sx + d * (1 + head), y, d > 0 ? c->g->arrow_r : c->g->arrow_l, style);
}

static void draw_step(const struct tl_ladder *l, struct tl_canvas *c, const struct geo *g,
		      size_t i, int y, const struct tl_ladder_view *v, bool zh)
{
	const struct tl_ladder_step *s = &l->st[i];
	bool flying = (int)i == l->newest && v->anim < 1;
	char buf[64];
	struct tl_buf b;

	for (int x = 0; x < 2; x++) {
		vput(c, x ? g->xb : g->xa, y, line_style(l, x));
		vput(c, x ? g->xb : g->xa, y + 1, line_style(l, x));
	}
	/* the label row: the arrow's label and the dialogue */
	tl_buf_init(&b);
	if (s->inferred && s->kind != TL_LADDER_STATE)
		tl_buf_puts(&b, "~");
	tl_ladder_label(l, i, &b);
	int span = g->xb - g->xa - 1;
	int lw = TL_MIN(text_width(c, b.data, b.len), span);
	int st = s->kind == TL_LADDER_STATE ? TL_ST_DIM
		 : s->inferred		    ? TL_ST_INFERRED
					    : TL_ST_BOLD;
	put_text(c, g->xa + 1 + (span - lw) / 2, y, span, st, b.data);
	tl_buf_reset(&b);
	if (g->narr_w) {
		tl_ladder_dialogue(l, i, zh ? "zh" : "en", &b);
		if (b.len)
			put_text(c, g->narr_x, y, g->narr_w, TL_ST_NORMAL, b.data);
	}
	tl_buf_fini(&b);
	/* the arrow row: time, states, the arrow */
	fmt_rel(rel_ns(l, s), buf, sizeof(buf));
	put_text(c, g->x + g->m - 1 - (int)strlen(buf), y + 1, g->m - 1, TL_ST_DIM, buf);
	if (s->kind != TL_LADDER_STATE)
		draw_arrow(l, c, g, s, y + 1, flying ? v->anim : 1);
	for (int x = 0; x < 2; x++) {
		const struct tl_ladder_side *sd = &s->side[x];
		if (!sd->change || (flying && sd->landing))
			continue;
		/* an inferred change is marked, not only styled: text has no styles */
		snprintf(buf, sizeof(buf), "%s%s", sd->inferred ? "~" : "",
			 state_name(sd->change, g->abbrev));
		const char *name = buf;
		int n = (int)strlen(name);
		int sty = sd->inferred ? TL_ST_INFERRED : TL_ST_NORMAL;
		if (x == 0)
			put_text(c, g->xa - 1 - n, y + 1, n, sty, name);
		else
			put_text(c, g->xb + 2, y + 1, g->s, sty, name);
	}
	if ((int)i == v->mark)
		tl_canvas_put(c, g->x, y, '*', TL_ST_KEY);
	if ((int)i == v->selected) {
		tl_canvas_style(c, g->x, y, g->w, TL_ST_SELECTED);
		tl_canvas_style(c, g->x, y + 1, g->w, TL_ST_SELECTED);
	}
}

/* The last transition of side x, for the clocks. */
static const struct tr *last_tr(const struct tl_ladder *l, int x)
{
	const struct side *s = &l->s[x];
	return s->ntr ? &s->tr[s->ntr - 1] : NULL;
}

/* "41s left" for a TIME-WAIT, "for 2m10s" for a CLOSE-WAIT; false if none. */
static bool clock_text(const struct tl_ladder *l, int x, uint64_t now, bool zh, char *out,
		       size_t len)
{
	const struct tr *t = last_tr(l, x);
	char d[32];
	if (!t || !now || !l->s[x].known || now < t->t)
		return false;
	uint64_t el_ms = (now - t->t) / 1000000;
	if (t->to == TL_TCP_TIME_WAIT && t->timer == 3) {
		fmt_dur(t->expires_ms > el_ms ? t->expires_ms - el_ms + 999 : 0, d, sizeof(d));
		snprintf(out, len, zh ? "剩 %s" : "%s left", d);
		return true;
	}
	if (t->to == TL_TCP_CLOSE_WAIT) {
		fmt_dur(el_ms, d, sizeof(d));
		snprintf(out, len, zh ? "已 %s" : "for %s", d);
		return true;
	}
	return false;
}

static void draw_ladder(const struct tl_ladder *l, struct tl_canvas *c, const struct geo *g,
			const struct tl_ladder_view *v, int top, bool zh)
{
	char buf[96];
	for (int x = 0; x < 2; x++) {
		header_text(l, x, buf, sizeof(buf));
		int hx = x ? g->bhdr_x : g->x, hy = x ? g->bhdr_y : g->y;
		put_text(c, hx, hy, g->x + g->w - hx, l->s[x].known ? TL_ST_TITLE : TL_ST_INFERRED,
			 buf);
	}
	/* the lifelines' heads, with the states they start in */
	int hy = g->steps_y - 1;
	tl_canvas_put(c, g->xa, hy, 'A', TL_ST_TITLE);
	tl_canvas_put(c, g->xb, hy, 'B', TL_ST_TITLE);
	for (int x = 0; x < 2; x++) {
		int st = l->n ? l->st[0].side[x].before : l->s[x].init;
		if (!st)
			continue;
		const char *name = state_name(st, g->abbrev);
		int n = (int)strlen(name), sty = l->s[x].known ? TL_ST_DIM : TL_ST_INFERRED;
		if (x == 0)
			put_text(c, g->xa - 1 - n, hy, n, sty, name);
		else
			put_text(c, g->xb + 2, hy, g->s, sty, name);
	}
	int shown = 0;
	for (size_t i = (size_t)top; i < l->n && shown < g->visible; i++, shown++) {
		/* Steps after a segment still in flight have not happened yet. */
		if (v->anim < 1 && l->newest >= 0 && (int)i > l->newest)
			break;
		draw_step(l, c, g, i, g->steps_y + 2 * shown, v, zh);
	}
	for (int yy = g->steps_y + 2 * shown; yy <= g->footer_y; yy++)
		for (int x = 0; x < 2; x++)
			vput(c, x ? g->xb : g->xa, yy, line_style(l, x));
	/* footer: clocks and what is scrolled away */
	int fy = g->footer_y;
	for (int x = 0; x < 2; x++) {
		if (v->anim < 1 || !clock_text(l, x, v->now, zh, buf, sizeof(buf)))
			continue;
		int n = text_width(c, buf, strlen(buf));
		int sty = last_tr(l, x)->to == TL_TCP_CLOSE_WAIT ? TL_ST_WARN : TL_ST_BAR_TW;
		if (x == 0)
			put_text(c, TL_MAX(g->xa - 1 - n, g->x), fy, g->s + g->m, sty, buf);
		else
			put_text(c, g->xb + 2, fy, g->x + g->w - g->xb - 2, sty, buf);
	}
	int below = (int)l->n - top - shown;
	if (top > 0 || below > 0) {
		if (top > 0 && below > 0)
			snprintf(buf, sizeof(buf), "%d above, %d below", top, below);
		else if (top > 0)
			snprintf(buf, sizeof(buf), "%d above", top);
		else
			snprintf(buf, sizeof(buf), "%d below", below);
		int span = g->xb - g->xa - 1, n = (int)strlen(buf);
		put_text(c, g->xa + 1 + TL_MAX((span - n) / 2, 0), fy, span, TL_ST_DIM, buf);
	}
}

/* ---- the detail pane ---- */

static void side_line(const struct tl_ladder *l, const struct tl_ladder_step *s, int x,
		      const struct tl_canvas *c, struct tl_buf *b)
{
	const struct tl_ladder_side *sd = &s->side[x];
	tl_buf_printf(b, "%c: ", x ? 'B' : 'A');
	if (sd->change && sd->before && sd->before != sd->change)
		tl_buf_printf(b, "%s %s %s", tl_tcp_state_name(sd->before),
			      c->g->ascii ? "->" : "\xe2\x86\x92", tl_tcp_state_name(sd->change));
	else if (sd->change)
		tl_buf_printf(b, "%s %s", c->g->ascii ? "->" : "\xe2\x86\x92",
			      tl_tcp_state_name(sd->change));
	else if (sd->after)
		tl_buf_printf(b, "%s", tl_tcp_state_name(sd->after));
	else
		tl_buf_puts(b, "(not yet)");
	if (sd->change && sd->inferred)
		tl_buf_puts(b, l->s[x].known ? " (inferred)" : " (derived)");
}

static void draw_pane(const struct tl_ladder *l, struct tl_canvas *c, const struct geo *g,
		      const struct tl_ladder_view *v, bool zh)
{
	int x0, y0, w, rows;
	struct tl_buf b;
	char t[48];
	if (g->side) {
		for (int yy = g->py; yy < g->py + g->ph; yy++)
			vput(c, g->px, yy, TL_ST_DIM);
		x0 = g->px + 2;
		y0 = g->py;
		w = g->pw - 3;
		rows = g->ph;
	} else {
		tl_canvas_fill(c, g->px, g->py, g->pw, 1, c->g->hline, TL_ST_DIM);
		x0 = g->px + 1;
		y0 = g->py;
		w = g->pw - 2;
		rows = g->ph;
	}
	int y = y0, end = y0 + rows;
	tl_buf_init(&b);
	int sel = v->selected;
	if (sel < 0 || sel >= (int)l->n) {
		put_text(c, x0, y++, w, TL_ST_TITLE, g->side ? "Connection" : " Connection ");
		for (int x = 0; x < 2 && y < end; x++) {
			tl_buf_reset(&b);
			int st = l->n ? l->st[l->n - 1].side[x].after : l->s[x].init;
			tl_buf_printf(&b, "%c: %s%s", x ? 'B' : 'A', st ? tl_tcp_state_name(st) : "?",
				      l->s[x].known ? "" : " (derived)");
			put_text(c, x0, y++, w, TL_ST_NORMAL, b.data);
		}
		if (y < end) {
			tl_buf_reset(&b);
			tl_buf_printf(&b, "%zu steps; select one for its details", l->n);
			y += put_wrapped(c, x0, y, w, end - y, TL_ST_DIM, b.data);
		}
		tl_buf_fini(&b);
		return;
	}
	const struct tl_ladder_step *s = &l->st[sel];
	tl_buf_printf(&b, g->side ? "Step %d/%zu: " : " Step %d/%zu: ", sel + 1, l->n);
	tl_ladder_label(l, (size_t)sel, &b);
	if (s->kind != TL_LADDER_STATE && s->from >= 0)
		tl_buf_printf(&b, " %c%s%c", s->from ? 'B' : 'A', c->g->ascii ? "->" : "\xe2\x86\x92",
			      s->from ? 'A' : 'B');
	if (!g->side)
		tl_buf_puts(&b, " ");
	put_text(c, x0, y++, w, TL_ST_TITLE, b.data);
	if (v->explain) {
		tl_buf_reset(&b);
		tl_ladder_explain(l, (size_t)sel, zh ? "zh" : "en", &b);
		put_wrapped(c, x0, y, w, end - y, TL_ST_NORMAL, b.data);
		tl_buf_fini(&b);
		return;
	}
	/* when and how we know */
	tl_buf_reset(&b);
	fmt_rel(rel_ns(l, s), t, sizeof(t));
	tl_buf_printf(&b, "at %s, %s", t, s->inferred ? "inferred" : "observed");
	y += put_wrapped(c, x0, y, w, end - y, s->inferred ? TL_ST_INFERRED : TL_ST_NORMAL, b.data);
	if (v->mark >= 0 && v->mark < (int)l->n && v->mark != sel && y < end) {
		uint64_t a = l->st[v->mark].mono_ns, z = s->mono_ns;
		tl_buf_reset(&b);
		tl_buf_printf(&b, "%.3f s %s the mark (step %d)", (double)(a > z ? a - z : z - a) / 1e9,
			      z >= a ? "after" : "before", v->mark + 1);
		y += put_wrapped(c, x0, y, w, end - y, TL_ST_KEY, b.data);
	}
	if (y < end) {
		tl_buf_reset(&b);
		tl_ladder_dialogue(l, (size_t)sel, zh ? "zh" : "en", &b);
		if (b.len)
			y += put_wrapped(c, x0, y, w, end - y, TL_ST_DIM, b.data);
	}
	for (int x = 0; x < 2 && y < end; x++) {
		const struct tl_ladder_side *sd = &s->side[x];
		tl_buf_reset(&b);
		side_line(l, s, x, c, &b);
		y += put_wrapped(c, x0, y, w, end - y, sd->inferred ? TL_ST_INFERRED : TL_ST_NORMAL,
				 b.data);
		if (sd->change && sd->why && y < end) {
			y += put_wrapped(c, x0 + 3, y, w - 3, end - y, TL_ST_DIM, sd->why);
		}
	}
	if (s->kind == TL_LADDER_DATA && y < end) {
		char by[32];
		tl_buf_reset(&b);
		fmt_bytes(s->bytes, by, sizeof(by));
		tl_buf_printf(&b, "carried %llu bytes (%s) in %u segments",
			      (unsigned long long)s->bytes, by, s->segs);
		y += put_wrapped(c, x0, y, w, end - y, TL_ST_NORMAL, b.data);
	}
	for (int x = 0; x < 2 && y < end; x++) {
		const struct tl_ladder_side *sd = &s->side[x];
		if (!sd->has_info)
			continue;
		char ba[32], br[32];
		tl_buf_reset(&b);
		fmt_bytes(sd->info.bytes_acked, ba, sizeof(ba));
		fmt_bytes(sd->info.bytes_received, br, sizeof(br));
		tl_buf_printf(&b, "%c counters:", x ? 'B' : 'A');
		if (sd->info.have & TL_INFO_RTT)
			tl_buf_printf(&b, " rtt %.2f ms", sd->info.rtt_us / 1000.0);
		if (sd->info.have & TL_INFO_BYTES_ACKED)
			tl_buf_printf(&b, ", sent %s", ba);
		if (sd->info.have & TL_INFO_BYTES_RECEIVED)
			tl_buf_printf(&b, ", received %s", br);
		if (sd->info.have & TL_INFO_SEGS)
			tl_buf_printf(&b, ", segs %u out %u in", sd->info.segs_out,
				      sd->info.segs_in);
		y += put_wrapped(c, x0, y, w, end - y, TL_ST_NORMAL, b.data);
	}
	for (int x = 0; x < 2 && y < end; x++) {
		if (!clock_text(l, x, v->now, zh, t, sizeof(t)))
			continue;
		tl_buf_reset(&b);
		tl_buf_printf(&b, "%c %s %s", x ? 'B' : 'A', tl_tcp_state_name(last_tr(l, x)->to),
			      t);
		y += put_wrapped(c, x0, y, w, end - y, TL_ST_WARN, b.data);
	}
	tl_buf_fini(&b);
}

void tl_ladder_draw(const struct tl_ladder *l, struct tl_canvas *c, int x, int y, int w, int h,
		    const struct tl_ladder_view *v)
{
	struct geo g;
	bool zh = is_zh(v->lang) && !c->g->ascii;
	tl_canvas_fill(c, x, y, w, h, ' ', TL_ST_NORMAL);
	if (w < TL_LADDER_MIN_W || h < TL_LADDER_MIN_H) {
		char note[64];
		snprintf(note, sizeof(note), "ladder: too small (need %dx%d)", TL_LADDER_MIN_W,
			 TL_LADDER_MIN_H);
		put_text(c, x, y, w, TL_ST_DIM, note);
		return;
	}
	layout(l, x, y, w, h, true, &g);
	draw_ladder(l, c, &g, v, fit(l, &g, v), zh);
	draw_pane(l, c, &g, v, zh);
}

void tl_ladder_text(const struct tl_ladder *l, int w, const char *lang, bool ascii,
		    struct tl_buf *out)
{
	struct tl_canvas c;
	struct geo g;
	struct tl_ladder_view v = {.selected = -1, .mark = -1, .anim = 1, .lang = lang};
	w = TL_MAX(w, TL_LADDER_MIN_W);
	tl_canvas_init(&c, w, 4, ascii ? &tl_glyphs_ascii : &tl_glyphs_utf8);
	layout(l, 0, 0, w, 4, false, &g);
	int h = g.hdr + 2 * (int)l->n + 1;
	tl_canvas_resize(&c, w, h);
	layout(l, 0, 0, w, h, false, &g);
	draw_ladder(l, &c, &g, &v, 0, is_zh(lang) && !ascii);
	tl_ladder_dump(&c, out);
	tl_canvas_fini(&c);
}
