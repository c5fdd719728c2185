/* ladder: a connection's events as the steps of a sequence diagram.
 *
 * Building is three passes.  Each side's events become state changes
 * ("transitions"), and each change becomes the segments it sends and
 * receives ("actions": FIN-WAIT-2 -> TIME-WAIT receives FIN and sends
 * ACK).  A side not watched is derived from the other, action by action,
 * through the fsm table (that pass is ladderend.c).  Sends of one side are then matched in order
 * with receives of the same segment on the other, and the two action
 * lists are merged causally (a segment is sent before it lands), which
 * gives the steps.  In the lab the link's own segments are then joined
 * in (ladderlink.c).  Words (narration.c) and layout (ladderview.c) are
 * read from the steps. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcpladder/fsm.h"
#include "tcpladder/ladderint.h"
#include "tcpladder/tcpstate.h"
#include "tcpladder/util.h"

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
		free(l->s[i].data);
	}
	free(l->st);
	free(l->hint);
	free(l);
}

static void reset(struct tl_ladder *l)
{
	for (int i = 0; i < 2; i++) {
		struct tl_ladderend *s = &l->s[i];
		s->ntr = s->nact = s->ndata = 0;
		s->counted[0] = s->counted[1] = false;
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

int tl_lad_step_new(struct tl_ladder *l, int kind, int seg, int from, uint64_t t, double wall)
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
		target = tl_lad_step_new(l, TL_LADDER_STATE, 0, x, t->t, t->wall);
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

/* When an action may have happened: a data row's counters give a window,
 * and the data may have crossed as early as its start. */
static uint64_t act_key(const struct tl_ladderend_act *a)
{
	return a->seg == SEG_DATA && a->after ? a->after : a->t;
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
			if (pick < 0 || act_key(a) < act_key(&l->s[pick].act[cur[pick]]))
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
			row = tl_lad_step_new(l, TL_LADDER_STATE, 0, pick, a->t, a->wall);
			l->st[row].inferred =
			    a->tr < 0 || l->s[pick].tr[a->tr].inferred || !l->s[pick].known;
			break;
		case ACT_SEND:
			row = tl_lad_step_new(l,
					      a->seg == SEG_DATA ? TL_LADDER_DATA : TL_LADDER_ARROW,
					      a->seg == SEG_DATA ? 0 : a->seg, pick, a->t, a->wall);
			l->st[row].retrans = a->retrans;
			break;
		case ACT_RECV:
			row = tl_lad_step_new(
			    l, a->seg == SEG_DATA ? TL_LADDER_DATA : TL_LADDER_ARROW,
			    a->seg == SEG_DATA ? 0 : a->seg, !pick, a->t, a->wall);
			break;
		case ACT_SEEN:
			row = tl_lad_step_new(l, TL_LADDER_SEEN, 0, pick, a->t, a->wall);
			l->st[row].inferred = false;
			l->st[row].state = l->s[pick].seen_state;
			break;
		case ACT_GAP:
			row = tl_lad_step_new(l, TL_LADDER_GAP, 0, pick, a->t, a->wall);
			l->st[row].inferred = false;
			l->st[row].hidden = l->s[pick].gap_n;
			break;
		default: /* an RST of unknown direction */
			row = tl_lad_step_new(l, TL_LADDER_ARROW, TL_SEG_RST, -1, a->t, a->wall);
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
 * four goodbyes (who sent the first FIN decides which), a reset: an abort
 * when it ends its sender's connection, else a refusal (no connection of
 * the sender's expects what it answers: after TIME-WAIT, or a stale
 * SYN's SYN+ACK); TIME-WAIT's ACK of a SYN+ACK it never asked for; and a
 * SYN into TIME-WAIT, a new connection's.
 * other: the last segment the other side sent. */
static uint8_t line_of(const struct tl_ladder_step *s, uint8_t hint, int *first_fin, int other)
{
	if (s->retrans || s->released)
		return TL_LINE_NONE; /* said already */
	if (s->stale_ns)
		return TL_LINE_NONE; /* the link's copy: its sender says nothing now */
	switch (s->segment) {
	case TL_SEG_SYN:
		return s->from >= 0 && s->side[!s->from].before == TL_TCP_TIME_WAIT
			   ? TL_LINE_NEW_SYN
			   : TL_LINE_HELLO1;
	case TL_SEG_SYNACK:
		return TL_LINE_HELLO2;
	case TL_SEG_ACK:
		if (hint == HINT_HS)
			return TL_LINE_HELLO3;
		if (hint == HINT_FIN && *first_fin >= 0)
			return s->from != *first_fin ? TL_LINE_BYE2 : TL_LINE_BYE4;
		if (other == TL_SEG_SYNACK && s->side[s->from].before == TL_TCP_TIME_WAIT)
			return TL_LINE_OLD_ACK;
		return TL_LINE_NONE;
	case TL_SEG_FIN:
		if (*first_fin >= 0)
			return TL_LINE_BYE3;
		*first_fin = s->from;
		return TL_LINE_BYE1;
	case TL_SEG_RST:
		return s->side[s->from].change ? TL_LINE_RESET : TL_LINE_REFUSE;
	default:
		return TL_LINE_NONE;
	}
}

void tl_lad_finish(struct tl_ladder *l)
{
	uint8_t st[2] = {l->s[0].init, l->s[1].init};
	bool have[2] = {false, false};
	struct tl_tcpinfo info[2];
	int first_fin = -1, sent[2] = {-1, -1};
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
		/* A data row's window is its counters' own, wider than the
		 * rows around it: it causes nothing, so it moves no row below. */
		if (s->kind != TL_LADDER_DATA) {
			latest = s->mono_ns;
			latest_wall = s->wall;
			if (s->after_ns)
				latest_after = s->after_ns;
		}
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
		if (s->kind == TL_LADDER_ARROW && s->from >= 0) {
			s->line = line_of(s, l->hint[i], &first_fin, sent[!s->from]);
			if (!s->lost)
				sent[s->from] = s->segment;
		}
	}
}

void tl_lad_build(struct tl_ladder *l, const struct tl_event *ev, size_t n, uint32_t conn_a,
		  uint32_t conn_b, const struct tl_lad_gaps *gp)
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

	/* Each way's data as one end counted it: the sender's count, else the
	 * receiver's (a derived end's is the watched end's, mirrored). */
	for (int x = 0; x < 2; x++)
		tl_ladderend_count(&l->s[x]);
	for (int x = 0; x < 2; x++) {
		bool use[2] = {l->s[x].counted[0], l->s[x].counted[1] && !l->s[!x].counted[0]};
		if (l->s[x].known)
			tl_ladderend_actions(&l->s[x], use);
	}
	if (l->s[0].known != l->s[1].known) {
		int k = l->s[0].known ? 0 : 1;
		tl_ladderend_derive(&l->s[!k], &l->s[k]);
	}
	match(l);
	merge(l);
	tl_lad_finish(l);

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
	tl_lad_build(l, ev, n, conn_a, conn_b, NULL);
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

void tl_ladder_truncate(struct tl_ladder *l, size_t n)
{
	if (n >= l->n)
		return;
	l->n = n;
	l->newest = -1;
	for (size_t i = 0; i < n; i++)
		if (l->st[i].kind == TL_LADDER_ARROW || l->st[i].kind == TL_LADDER_DATA)
			l->newest = (int)i;
	uint64_t last = n ? l->st[n - 1].mono_ns : 0;
	for (int x = 0; x < 2; x++)
		while (l->s[x].ntr && (!n || l->s[x].tr[l->s[x].ntr - 1].t > last))
			l->s[x].ntr--;
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

/* In TIME-WAIT since `since`, the last time the link saw side x answer a
 * FIN of the other side's with an ACK: the kernel restarts the TIME-WAIT
 * timer (TCP_TIMEWAIT_LEN) as it answers, so the link's time of that ACK
 * (exact, a moment after it was sent) is the restart's.  0 for none. */
static uint64_t tw_restart(const struct tl_ladder *l, int x, uint64_t since)
{
	uint64_t fin = 0, last = 0;
	for (size_t i = 0; i < l->n; i++) {
		const struct tl_ladder_step *s = &l->st[i];
		if (s->kind != TL_LADDER_ARROW || !s->link)
			continue;
		if (s->from == !x && s->segment == TL_SEG_FIN && !s->lost)
			fin = s->mono_ns;
		else if (s->from == x && s->segment == TL_SEG_ACK && fin && fin <= s->mono_ns &&
			 s->mono_ns >= since)
			last = s->mono_ns;
	}
	return last;
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
	uint64_t restart = tw_restart(l, side, t->after ? t->after : t->t);
	if (t->to == TL_TCP_TIME_WAIT && restart > t->t) {
		out->mono_ns = restart;
		out->timer = 3;
		out->expires_ms = TL_TCP_TIMEWAIT_MS;
	}
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
