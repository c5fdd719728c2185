/* ladderend: the first pass of building a ladder (ladder.c), one end at
 * a time.  Each event of the end becomes a state change ("transition"),
 * and each change the segments it sends and receives ("actions":
 * FIN-WAIT-2 -> TIME-WAIT receives FIN and sends ACK).  An end not
 * watched is derived from the other, action by action, through the fsm
 * table. */
#include <stdlib.h>
#include <string.h>

#include "tcpladder/fsm.h"
#include "tcpladder/ladderend.h"
#include "tcpladder/tcpstate.h"
#include "tcpladder/util.h"

static struct tl_ladderend_tr *tr_add(struct tl_ladderend *s)
{
	if (s->ntr == s->cap_tr) {
		s->cap_tr = s->cap_tr ? s->cap_tr * 2 : 16;
		s->tr = tl_reallocarray(s->tr, s->cap_tr, sizeof(*s->tr));
	}
	struct tl_ladderend_tr *t = &s->tr[s->ntr++];
	memset(t, 0, sizeof(*t));
	return t;
}

static struct tl_ladderend_act *act_add(struct tl_ladderend *s, int kind, int seg, int tr,
					uint64_t t, double wall)
{
	if (s->nact == s->cap_act) {
		s->cap_act = s->cap_act ? s->cap_act * 2 : 32;
		s->act = tl_reallocarray(s->act, s->cap_act, sizeof(*s->act));
	}
	struct tl_ladderend_act *a = &s->act[s->nact++];
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

static void data_add(struct tl_ladderend *s, int kind, uint64_t t, double wall, uint64_t bytes,
		     uint32_t segs)
{
	struct tl_ladderend_act *a = act_add(s, kind, SEG_DATA, -1, t, wall);
	a->bytes = bytes;
	a->segs = segs;
}

/* The segments a state change receives and sends, in order.  The fsm
 * edge names one segment; the reply that goes with it is implied. */
static void tr_actions(struct tl_ladderend *s, int ti)
{
	const struct tl_ladderend_tr *t = &s->tr[ti];
	size_t before = s->nact;
	struct tl_ladderend_act *a;
	switch (t->seg) {
	case TL_SEG_SYN:
		if (t->dir == TL_DIR_OUT) {
			act_add(s, ACT_SEND, TL_SEG_SYN, ti, t->t, t->wall);
		} else {
			act_add(s, ACT_RECV, TL_SEG_SYN, ti, t->t, t->wall);
			/* a TIME-WAIT's ends there: the listener answers it,
			 * for a new connection */
			if (t->from != TL_TCP_TIME_WAIT)
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
	if (t->retrans) {
		/* the copy alone: no reply goes with it, no state changes */
		s->nact = before + 1;
		s->act[before].retrans = t->retrans;
		return;
	}
	s->act[before].first = true;
	for (size_t i = before; i < s->nact; i++)
		s->act[i].after = t->after;
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

static void derived_change(struct tl_ladderend *d, uint8_t *st, const struct tl_fsm_edge *e,
			   int dir, const struct tl_ladderend_act *src, int pending[])
{
	struct tl_ladderend_tr *t = tr_add(d);
	t->t = src->t;
	t->after = src->after;
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

/* Whether k's send i was sent again later (the next copy of its segment
 * is a retransmission): it or its answer was lost, so it changed nothing. */
static bool resent_later(const struct tl_ladderend *k, size_t i)
{
	for (size_t j = i + 1; j < k->nact; j++)
		if (k->act[j].kind == ACT_SEND && k->act[j].seg == k->act[i].seg)
			return k->act[j].retrans > 0;
	return false;
}

/* Whether k's SYN (action i) was answered by an RST alone: connection
 * refused, by a host with no socket there (the other end never was). */
static bool refused(const struct tl_ladderend *k, size_t i)
{
	for (size_t j = i + 1; j < k->nact; j++)
		if (k->act[j].kind == ACT_RECV)
			return k->act[j].seg == TL_SEG_RST;
	return false;
}

/* The unwatched end, from the watched one: whatever k receives, d must
 * have sent; what k sends, d receives, but that it arrived (and changed
 * d's state) is implied only by something k received afterwards.  A
 * segment k sent last may still be on its way (a SYN on a slow link):
 * it is drawn, d's state is left as it was, nothing is invented. */
void tl_ladderend_derive(struct tl_ladderend *d, const struct tl_ladderend *k)
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
		const struct tl_ladderend_act *a = &k->act[i];
		const struct tl_fsm_edge *e;
		switch (a->kind) {
		case ACT_SEND:
			if (a->seg == SEG_DATA) {
				data_add(d, ACT_RECV, a->t, a->wall, a->bytes, a->segs);
				d->act[d->nact - 1].after = a->after;
				break;
			}
			if (resent_later(k, i))
				break; /* no sign that it arrived: drawn, not received */
			if (i >= answered || (a->seg == TL_SEG_SYN && refused(k, i))) {
				act_add(d, ACT_RECV, a->seg, -1, a->t, a->wall)->after = a->after;
				break;
			}
			e = find_edge(st, a->seg, TL_DIR_IN, d->role);
			if (e && a->seg == TL_SEG_RST)
				derived_change(d, &st, e, TL_DIR_IN, a, pending);
			else if (e)
				derived_change(d, &st, e, e->dir, a, pending);
			else
				act_add(d, ACT_RECV, a->seg, -1, a->t, a->wall)->after = a->after;
			break;
		case ACT_RECV:
			if (a->seg == SEG_DATA) {
				data_add(d, ACT_SEND, a->t, a->wall, a->bytes, a->segs);
				d->act[d->nact - 1].after = a->after;
				break;
			}
			if (pending[a->seg] > 0) {
				pending[a->seg]--;
				break;
			}
			/* A SYN that ended k's TIME-WAIT came from a new
			 * connection of d's: sent, and no state of this one. */
			if (a->seg == TL_SEG_SYN && a->tr >= 0 &&
			    k->tr[a->tr].from == TL_TCP_TIME_WAIT) {
				act_add(d, ACT_SEND, a->seg, -1, a->t, a->wall)->after = a->after;
				break;
			}
			e = find_edge(st, a->seg, TL_DIR_OUT, d->role);
			if (e)
				derived_change(d, &st, e, TL_DIR_OUT, a, pending);
			else
				act_add(d, ACT_SEND, a->seg, -1, a->t, a->wall)->after = a->after;
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
void tl_ladderend_from_events(struct tl_ladderend *s, const struct tl_event *const *ev, size_t n,
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
		struct tl_ladderend_tr *t = tr_add(s);
		t->t = e->mono_ns;
		t->after = e->after_ns;
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
		if (e->kind == TL_EV_RETRANSMIT)
			t->retrans = e->retrans ? e->retrans : 1;
	}
	s->known = true;
}

/* What a tcp_info record's byte counters hold besides payload.  The
 * kernel's bytes_acked is the sum of snd_una's advances (RFC 4898
 * tcpEStatsAppHCThruOctetsAcked, tcp_snd_una_update): the active opener's
 * SYN once the SYN+ACK acknowledged it (an accepted socket starts with
 * snd_una past its SYN+ACK, tcp_create_openreq_child), and the end's own
 * FIN once acknowledged.  bytes_received is rcv_nxt's advance
 * (tcp_rcv_nxt_update): never the peer's SYN (both ends set rcv_nxt past
 * it directly), the peer's FIN once it arrived in order.  How far the
 * handshake and the close had got is the record's own state (tcpi_state:
 * a record may be older than the change it rides on); a close's record
 * says CLOSE, and the change it ends says how it got there. */
struct ctl {
	int syn;     /* the SYN in bytes_acked (and its handshake's segments) */
	int fin_out; /* the end's FIN in bytes_acked */
	int fin_in;  /* the peer's FIN in bytes_received */
};

static void ctl_of(int st, const struct tl_ladderend_tr *close, bool active, struct ctl *c)
{
	if (st == TL_TCP_CLOSE) {
		st = close->from;
		if (close->to == TL_TCP_TIME_WAIT ||
		    (close->seg != TL_SEG_RST && (st == TL_TCP_LAST_ACK || st == TL_TCP_CLOSING)))
			st = TL_TCP_TIME_WAIT; /* both FINs acknowledged */
	}
	c->syn = active && st != TL_TCP_SYN_SENT && st != TL_TCP_SYN_RECV && st != TL_TCP_CLOSE &&
		 st != TL_TCP_LISTEN && st != 0;
	c->fin_out = st == TL_TCP_FIN_WAIT2 || st == TL_TCP_TIME_WAIT;
	c->fin_in = st == TL_TCP_CLOSE_WAIT || st == TL_TCP_LAST_ACK || st == TL_TCP_CLOSING ||
		    st == TL_TCP_TIME_WAIT;
}

/* Where transition i's record was read, by its own state: in the state
 * the change left (an exact-mode event without counters of its own
 * carries the last sample's record), or read at the change itself (an
 * exact-mode record's counters, TL_INFO_AT_CHANGE), before it; in a state
 * a change entered (a sample that saw it, maybe after inferred steps),
 * after that change; a close's record (CLOSE), at the end's last change.  Returns the transition
 * the data it counted goes before; *t: read at or before, *read: after. */
static size_t rec_place(const struct tl_ladderend *s, size_t i, size_t last, uint64_t *t,
			uint64_t *read)
{
	const struct tl_ladderend_tr *tr = s->tr;
	int st = tr[i].info.state;
	if (st == TL_TCP_CLOSE) {
		*t = *read = tr[last].t;
		return last;
	}
	/* read at the change itself: before it, like a record of the state
	 * it left */
	bool at_change = (tr[i].info.have & TL_INFO_AT_CHANGE) && st == tr[i].to;
	if (st && st != tr[i].from && !at_change)
		for (size_t j = i; j < s->ntr; j++)
			if (!tr[j].retrans && tr[j].to == st) {
				*t = *read = tr[j].t;
				return j + 1;
			}
	*t = tr[i].t;
	*read = 0;
	for (size_t j = i; j-- > 0;)
		if (!tr[j].retrans) {
			*read = tr[j].t;
			break;
		}
	return i;
}

/* One record's counters as payload, and where it was read. */
struct point {
	int64_t v[2];  /* bytes sent (and acknowledged), received */
	size_t pos;    /* data counted up to it goes before transition pos */
	uint64_t read; /* it was read after this time (0: unknown) */
	uint64_t t;    /* ... and at or before this one */
};

/* The counters' segments (segs_out, segs_in) count every segment, pure
 * ACKs and window updates too: no count of data segments can be told
 * from them, so a data row from counters has its bytes only (the lab's
 * link gives the segments, ladderlink.c). */
static void data_put(struct tl_ladderend *s, int dir, size_t at, int64_t bytes, uint64_t t,
		     uint64_t after)
{
	if (bytes <= 0)
		return;
	if (s->ndata == s->cap_data) {
		s->cap_data = s->cap_data ? s->cap_data * 2 : 8;
		s->data = tl_reallocarray(s->data, s->cap_data, sizeof(*s->data));
	}
	struct tl_ladderend_data *d = &s->data[s->ndata++];
	memset(d, 0, sizeof(*d));
	d->dir = (uint8_t)dir;
	d->at = at;
	d->bytes = (uint64_t)bytes;
	d->segs = 0;
	d->t = t;
	d->after = after < t ? after : 0;
	d->wall = 0;
	for (size_t i = 0; i < s->ntr; i++)
		if (s->tr[i].t <= t)
			d->wall = s->tr[i].wall + (double)(t - s->tr[i].t) / 1e9;
}

void tl_ladderend_count(struct tl_ladderend *s)
{
	bool active = s->role == TL_ROLE_ACTIVE;
	size_t cap[2] = {s->ntr, s->ntr}; /* a FIN (or an RST) ends each way's data */
	struct point prev, cur;
	bool have = false;
	memset(&prev, 0, sizeof(prev));
	uint8_t need = TL_INFO_BYTES_ACKED | TL_INFO_BYTES_RECEIVED;
	int points = 0;

	s->ndata = 0;
	s->counted[0] = s->counted[1] = false;
	size_t last = 0;
	for (size_t i = 0; i < s->ntr; i++) {
		const struct tl_ladderend_tr *t = &s->tr[i];
		if (t->retrans)
			continue;
		last = i;
		if (t->seg == TL_SEG_RST) {
			cap[0] = TL_MIN(cap[0], i);
			cap[1] = TL_MIN(cap[1], i);
		} else if (t->seg == TL_SEG_FIN) {
			cap[t->dir == TL_DIR_OUT ? 0 : 1] =
			    TL_MIN(cap[t->dir == TL_DIR_OUT ? 0 : 1], i);
		}
	}
	if (s->ntr && !s->tr[0].retrans && s->tr[0].from == 0) {
		/* A socket's counters start at zero, at its open (an accepted
		 * socket has counted the SYN and the handshake's ACK in). */
		prev.pos = 1;
		prev.read = s->tr[0].after;
		prev.t = s->tr[0].t;
		have = true;
		points++;
	}
	for (size_t i = 0; i < s->ntr; i++) {
		const struct tl_ladderend_tr *t = &s->tr[i];
		const struct tl_tcpinfo *in = &t->info;
		struct ctl c;
		if (t->retrans || !t->has_info)
			continue;
		memset(&cur, 0, sizeof(cur));
		need &= in->have;
		ctl_of(in->state ? in->state : t->to, &s->tr[last], active, &c);
		cur.v[0] = (int64_t)in->bytes_acked - c.syn - c.fin_out;
		cur.v[1] = (int64_t)in->bytes_received - c.fin_in;
		cur.pos = rec_place(s, i, last, &cur.t, &cur.read);
		if (have)
			for (int d = 0; d < 2; d++) {
				size_t at = TL_MIN(TL_MAX(cur.pos, prev.pos), cap[d]);
				uint64_t tt = at < s->ntr ? TL_MIN(cur.t, s->tr[at].t) : cur.t;
				data_put(s, d, at, cur.v[d] - prev.v[d], tt, prev.read);
			}
		prev = cur;
		have = true;
		points++;
	}
	if (points >= 2) {
		s->counted[0] = (need & TL_INFO_BYTES_ACKED) != 0;
		s->counted[1] = (need & TL_INFO_BYTES_RECEIVED) != 0;
	}
	if (!s->counted[0] || !s->counted[1]) {
		size_t k = 0;
		for (size_t i = 0; i < s->ndata; i++)
			if (s->counted[s->data[i].dir])
				s->data[k++] = s->data[i];
		s->ndata = k;
	}
}

void tl_ladderend_actions(struct tl_ladderend *s, const bool use[2])
{
	if (s->seen)
		act_add(s, ACT_SEEN, 0, -1, s->seen_t, s->seen_wall)->after = s->seen_t;
	for (size_t i = 0; i <= s->ntr; i++) {
		if (s->gap_n && (i < s->ntr ? s->gap_tr == i : s->gap_tr >= i))
			act_add(s, ACT_GAP, 0, -1, s->gap_t, s->gap_wall);
		/* its data before the change that followed it: sent, then received */
		for (int dir = 0; dir < 2; dir++)
			for (size_t k = 0; k < s->ndata && use[dir]; k++) {
				const struct tl_ladderend_data *d = &s->data[k];
				if (d->dir != dir || d->at != i)
					continue;
				data_add(s, dir ? ACT_RECV : ACT_SEND, d->t, d->wall, d->bytes,
					 d->segs);
				s->act[s->nact - 1].after = d->after;
			}
		if (i < s->ntr)
			tr_actions(s, (int)i);
	}
}
