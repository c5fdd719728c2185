/* ladderlink: the lab's link joined into a ladder.  The link saw every
 * segment it carried, at its time: each arrow the state changes imply
 * takes the segment the link carried for it (exact times, relative
 * sequence numbers), and the segments no arrow stands for (lost, stale,
 * retransmitted, an ACK answering a SYN+ACK or a FIN) become rows of
 * their own (see ladder.h, tl_ladder_build_steps). */
#include <stdlib.h>
#include <string.h>

#include "tcpladder/ladderint.h"
#include "tcpladder/tcpstate.h"
#include "tcpladder/util.h"

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
	st->answer = g->answer;
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

/* Step mode: the link's release of held segment j (the same segment
 * from the same side released after it, the first not taken by an
 * earlier copy: the relay releases the oldest held first), or -1. */
static int link_release_of(const struct tl_link_seg *g, size_t n, size_t j, bool *taken)
{
	for (size_t r = j + 1; r < n; r++)
		if (g[r].released && !taken[r] && g[r].from == g[j].from &&
		    g[r].pkt.flags == g[j].pkt.flags && g[r].pkt.seq == g[j].pkt.seq &&
		    g[r].pkt.payload == g[j].pkt.payload) {
			taken[r] = true;
			return (int)r;
		}
	return -1;
}

/* A held segment arrived only when released: its row stops mid-link at
 * the time it was sent, and a row of its own at the release carries what
 * the arrival changed at the receiver.  (A held row is the segment the
 * link carried at its time: link_mark.) */
static void link_releases(struct tl_ladder *l, const struct tl_link_seg *g, size_t n)
{
	bool *taken = tl_calloc(n ? n : 1, sizeof(*taken));
	size_t rows = l->n;
	for (size_t i = 0; i < rows; i++) {
		const struct tl_ladder_step *h = &l->st[i];
		int r = -1;
		if (h->kind != TL_LADDER_ARROW || !h->link || !h->held || h->released)
			continue;
		for (size_t j = 0; j < n && r < 0; j++)
			if (g[j].held && !g[j].released && g[j].mono_ns == h->mono_ns &&
			    g[j].from == h->from && link_kind(&g[j].pkt) == h->segment)
				r = link_release_of(g, n, j, taken);
		if (r < 0)
			continue;
		int row = tl_lad_step_new(l, TL_LADDER_ARROW, h->segment, h->from, g[r].mono_ns,
					  g[r].wall);
		struct tl_ladder_step *t = &l->st[row];
		h = &l->st[i]; /* the rows may have moved */
		t->link = t->released = true;
		t->inferred = false;
		t->after_ns = t->mono_ns;
		t->resent = h->resent;
		t->answer = h->answer;
		t->has_seq = h->has_seq;
		t->seq = h->seq;
		t->ack = h->ack;
		int rx = !h->from;
		t->side[rx] = h->side[rx];
		memset(&l->st[i].side[rx], 0, sizeof(t->side[rx]));
		l->hint[row] = l->hint[i];
	}
	free(taken);
}

/* The rows in time order (stable; at one time the link's row first): the
 * link's times are exact.  A step found by sampling (its time a bound,
 * "at or before") stays after a link's row it follows in causal order
 * when the two are within the slack: the link reads a segment a moment
 * after the kernel sent it, so the bound does not say the step came
 * first (a client's data before the handshake's last ACK). */
static void link_order(struct tl_ladder *l)
{
	for (size_t i = 1; i < l->n; i++)
		for (size_t j = i; j > 0; j--) {
			const struct tl_ladder_step *p = &l->st[j - 1], *q = &l->st[j];
			bool bound = !q->link && q->after_ns != q->mono_ns;
			if (p->mono_ns < q->mono_ns ||
			    (p->mono_ns == q->mono_ns && (p->link || !q->link)) ||
			    (p->link && bound && p->mono_ns - q->mono_ns <= LINK_SLACK_NS))
				break;
			row_swap(l, j - 1, j);
		}
}

/* The other end's own socket of the ports, when a stale copy of its SYN
 * opened the connection (tl_ladder_build_steps). */
struct link_stale_end {
	bool have;
	uint8_t init;        /* its state when the copy came */
	struct tl_sock sock; /* its socket */
	struct tl_event *ev; /* its events after that */
	size_t n;
};

/* A stale copy opened it: no socket of the other end sent that SYN, so
 * an end derived from it is an invention.  Its changes go, and the
 * arrows only it implied (none the link carried).  The end's state is
 * its own socket's of those ports (se: in TIME-WAIT, say), whose changes
 * land with the segments that made them; without one it had no
 * connection (CLOSED). */
static void link_stale(struct tl_ladder *l, const struct link_stale_end *se)
{
	int x = -1;
	for (size_t i = 0; i < l->n; i++)
		if (l->st[i].stale_ns && l->st[i].from >= 0 && !l->s[l->st[i].from].known)
			x = l->st[i].from;
	if (x < 0)
		return;
	l->s[x].init = se && se->have ? se->init : TL_TCP_CLOSE;
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
	if (!se || !se->have)
		return;
	struct tl_ladderend *e = &l->s[x];
	e->known = e->have_sock = true;
	e->sock = se->sock;
	tl_sock_format_addr(e->sock.family, e->sock.local, e->sock.lport, l->addr[x],
			    sizeof(l->addr[x]));
	for (size_t j = 0; j < se->n; j++) {
		const struct tl_event *ev = &se->ev[j];
		int row = -1;
		/* a change by a segment received: the last such segment the
		 * link carried to it before the change was seen */
		for (size_t i = 0; i < l->n && ev->segment != TL_SEG_NONE && ev->dir == TL_DIR_IN;
		     i++) {
			const struct tl_ladder_step *s = &l->st[i];
			if (s->kind == TL_LADDER_ARROW && s->link && s->from == !x && !s->lost &&
			    s->segment == ev->segment && !s->side[x].change &&
			    s->mono_ns <= ev->mono_ns + LINK_SLACK_NS)
				row = (int)i;
		}
		if (row < 0) {
			row = tl_lad_step_new(l, TL_LADDER_STATE, 0, x, ev->mono_ns, ev->wall);
			l->st[row].after_ns = ev->after_ns;
			l->st[row].inferred = ev->inferred;
		}
		struct tl_ladder_side *sd = &l->st[row].side[x];
		sd->change = ev->kind == TL_EV_CLOSE && ev->to != TL_TCP_TIME_WAIT
				 ? TL_TCP_CLOSE
				 : (uint8_t)tl_tcp_state_shown(ev->to);
		sd->inferred = ev->inferred;
		sd->landing = l->st[row].kind == TL_LADDER_ARROW;
		sd->why = ev->why;
	}
	link_order(l);
}

/* An inferred arrow that no segment on the link stands for, sent while
 * the link was carrying the connection's segments, was never sent: the
 * link saw every one (a derived end's ACK that the link saw, and lost,
 * later).  Rows that carry a state change stay (the change was seen or
 * follows from one); the others of the first `rows` go. */
static void link_unbacked(struct tl_ladder *l, size_t rows, const struct tl_link_seg *g, size_t n)
{
	if (!n)
		return;
	size_t k = 0;
	for (size_t i = 0; i < l->n; i++) {
		const struct tl_ladder_step *s = &l->st[i];
		if (i < rows && s->kind == TL_LADDER_ARROW && !s->link && s->inferred &&
		    !s->side[0].change && !s->side[1].change && s->mono_ns >= g[0].mono_ns &&
		    s->mono_ns <= g[n - 1].mono_ns)
			continue;
		l->st[k] = *s;
		l->hint[k++] = l->hint[i];
	}
	l->n = k;
}

/* Draw what the link carried (see ladder.h). */
static void link_join(struct tl_ladder *l, const struct tl_link_seg *g, size_t n,
		      const struct link_stale_end *se)
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
	/* the same segment again (a FIN, a SYN): a retransmission; never an
	 * ACK or an RST, which no timer sends again (alike ones answer
	 * segments of their own) */
	bool *again = tl_calloc(n ? n : 1, sizeof(*again));
	for (size_t j = 0; j < n; j++)
		for (size_t i = 0; i < j && !g[j].released && !g[j].stale_ns; i++)
			if (!g[i].released && g[i].from == g[j].from &&
			    g[i].pkt.seq == g[j].pkt.seq && g[i].pkt.flags == g[j].pkt.flags &&
			    g[i].pkt.payload == g[j].pkt.payload &&
			    link_kind(&g[j].pkt) != TL_SEG_ACK &&
			    link_kind(&g[j].pkt) != TL_SEG_RST)
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
		 * else only the receiver's change dates it, a delay later (so
		 * too an RST that changed nothing at its sender: one answering
		 * a segment that found no socket, as after TIME-WAIT) */
		bool sender_seen = st->from >= 0 && l->s[st->from].known &&
				   (st->segment != TL_SEG_RST || st->side[st->from].change);
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
	/* each data row: its sender's data segments the link carried, in
	 * order, as many as carry the row's bytes; when the link and the
	 * counters agree, the row is drawn from the link (its segments, the
	 * window from the first to the last), else it keeps the counters' */
	size_t next[2] = {0, 0};
	for (size_t i = 0; i < rows; i++) {
		struct tl_ladder_step *st = &l->st[i];
		if (st->kind != TL_LADDER_DATA || st->from < 0 || !st->bytes)
			continue;
		int x = st->from;
		uint64_t sum = 0;
		uint32_t segs = 0;
		size_t first = n, last = n, j;
		for (j = next[x]; j < n && sum < st->bytes; j++) {
			const struct tl_link_seg *d = &g[j];
			if (d->from != x || !d->pkt.payload || d->released || d->stale_ns ||
			    again[j])
				continue;
			if (first == n)
				first = j;
			last = j;
			sum += d->pkt.payload;
			segs++;
		}
		if (sum != st->bytes)
			continue;
		next[x] = j;
		link_mark(st, &g[first], isn, have_isn);
		st->mono_ns = g[last].mono_ns;
		st->wall = g[last].wall;
		st->segs = segs;
	}
	link_unbacked(l, rows, g, n);
	/* the rest worth telling, as arrows of their own */
	for (size_t j = 0; j < n; j++) {
		if (used[j] || !link_worth(g, j))
			continue;
		int k = link_kind(&g[j].pkt);
		int row = tl_lad_step_new(l, TL_LADDER_ARROW, k < 0 ? TL_SEG_NONE : k, g[j].from,
					  g[j].mono_ns, g[j].wall);
		link_mark(&l->st[row], &g[j], isn, have_isn);
		l->st[row].resent |= again[j];
		l->hint[row] = HINT_NONE;
	}
	link_releases(l, g, n);
	free(used);
	free(again);
	link_order(l);
	link_landings(l);
	link_stale(l, se);
	tl_lad_finish(l);
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

/* A stale copy of side x's SYN opened the ladder's connection, and x's
 * end is not the connection's own: x's socket of the same ports (an
 * earlier connection's, in TIME-WAIT, or none) when the copy came, and
 * what became of it after: its events from then on, in se (the caller
 * frees se->ev).  False when no such socket is kept. */
static bool stale_end(const struct tl_steps *s, uint32_t conn, int x, uint16_t pa, uint16_t pb,
		      uint64_t at, struct link_stale_end *se)
{
	uint32_t id = tl_steps_by_ports(s, x ? pb : pa, x ? pa : pb, at, conn);
	if (!id)
		return false;
	struct tl_event *mine = tl_calloc(TL_STEPS_MAX, sizeof(*mine));
	size_t gap, m, k = 0;
	uint64_t hidden;
	m = tl_steps_get(s, id, mine, TL_STEPS_MAX, &gap, &hidden);
	const struct tl_event *then = NULL;
	for (size_t i = 0; i < m; i++)
		if (mine[i].mono_ns <= at)
			then = &mine[i];
	if (!then) {
		free(mine);
		return false;
	}
	se->have = true;
	se->init = then->kind == TL_EV_CLOSE ? TL_TCP_CLOSE : (uint8_t)tl_tcp_state_shown(then->to);
	se->sock = then->sock;
	for (size_t i = 0; i < m; i++)
		if (mine[i].mono_ns > at && mine[i].kind != TL_EV_RETRANSMIT &&
		    mine[i].kind != TL_EV_OPEN)
			mine[k++] = mine[i];
	se->ev = mine;
	se->n = k;
	return true;
}

void tl_ladder_build_steps(struct tl_ladder *l, const struct tl_steps *s, uint32_t conn_a,
			   uint32_t conn_b)
{
	struct tl_event *ev = tl_calloc(2 * TL_STEPS_MAX, sizeof(*ev));
	struct tl_lad_gaps gp;
	size_t na =
	    conn_a ? tl_steps_get(s, conn_a, ev, TL_STEPS_MAX, &gp.at[0], &gp.hidden[0]) : 0;
	size_t nb = 0;
	gp.at[1] = 0;
	gp.hidden[1] = 0;
	if (conn_b && conn_b != conn_a)
		nb = tl_steps_get(s, conn_b, ev + na, TL_STEPS_MAX, &gp.at[1], &gp.hidden[1]);
	tl_lad_build(l, ev, na + nb, conn_a, conn_b, &gp);
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
		tl_lad_build(l, ev, k, conn_a, conn_b, NULL);
		if (!l->n) {
			free(ev);
			return;
		}
	}
	struct tl_link_seg *g = tl_calloc(n, sizeof(*g));
	n = tl_steps_links(s, pa, pb, since, g, n);
	for (size_t j = 0; j < n && g[j].mono_ns <= l->st[0].mono_ns; j++)
		if (link_kind(&g[j].pkt) == TL_SEG_SYN && !g[j].released)
			from = j;
	free(ev);
	/* one end alone, opened by a stale copy of the other's SYN: that
	 * other end's own socket of these ports, if watched */
	struct link_stale_end se = {0};
	int x = l->s[0].known == l->s[1].known ? -1 : !l->s[0].known ? 0 : 1;
	if (x >= 0 && from < n && g[from].stale_ns && g[from].from == x)
		stale_end(s, conn_a ? conn_a : conn_b, x, pa, pb, g[from].mono_ns, &se);
	link_join(l, g + from, n - from, &se);
	free(se.ev);
	free(g);
}
