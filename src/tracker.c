/* tracker: snapshots, destroy events and lookups into connection events.
 * This part keeps the connection table and takes in dumps, destroy events
 * and lookups; how a connection ended is decided in trackend.c, exact
 * mode's records are taken in by trackexact.c, and trackstore.c keeps the
 * storage small (trackerint.h holds what they share). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tcpladder/trackerint.h"
#include "tcpladder/util.h"

/* Storage kept through quiet times: events (184 bytes each) and pending
 * lookups arrays up to these sizes; above, they shrink when mostly
 * unused. */
#define EVENTS_KEEP 16384
#define PENDING_KEEP 16384

struct tl_tracker *tl_tracker_new(unsigned n_ns)
{
	struct tl_tracker *t = tl_calloc(1, sizeof(*t));
	t->n_ns = n_ns; /* 0: namespaces join later (tl_tracker_add_ns) */
	t->n_live = t->n_ns;
	t->ns = tl_calloc(n_ns ? n_ns : 1, sizeof(*t->ns));
	t->next_id = 1;
	t->tombstone_ns = 10ULL * 1000000000ULL;
	tl_map_init(&t->by_cookie);
	tl_map_init(&t->by_tuple);
	tl_map_init(&t->closed);
	t->closed_ring = tl_calloc(CLOSED_RING, sizeof(*t->closed_ring));
	return t;
}

void tl_tracker_free(struct tl_tracker *t)
{
	if (!t)
		return;
	tl_map_fini(&t->by_cookie);
	tl_map_fini(&t->by_tuple);
	tl_map_fini(&t->closed);
	tl_trk_exact_free(t->x);
	free(t->closed_ring);
	free(t->conns);
	free(t->free_slots);
	free(t->tombs);
	free(t->ns);
	free(t->events);
	free(t->pending);
	free(t->ending);
	free(t->cleared);
	free(t->born);
	free(t->died);
	free(t);
}

void tl_tracker_set_tombstone(struct tl_tracker *t, uint64_t ns)
{
	t->tombstone_ns = ns;
}

struct tl_conn *tl_tracker_conns(struct tl_tracker *t, size_t *n)
{
	*n = t->n;
	return t->conns;
}

const struct tl_conn *tl_tracker_view(const struct tl_tracker *t, size_t *n)
{
	*n = t->n;
	return t->conns;
}

const struct tl_conn *tl_tracker_peer(const struct tl_tracker *t, const struct tl_conn *c)
{
	return c->peer ? &t->conns[c->peer - 1] : NULL;
}

struct tl_conn *tl_tracker_find(struct tl_tracker *t, uint64_t cookie)
{
	uint32_t slot;
	return tl_map_get(&t->by_cookie, cookie, &slot) ? &t->conns[slot] : NULL;
}

const struct tl_event *tl_tracker_events(struct tl_tracker *t, size_t *n)
{
	*n = t->n_events;
	return t->events;
}

void tl_tracker_clear_events(struct tl_tracker *t)
{
	/* A resync can close a hundred thousand connections in one step:
	 * the array it needed goes once the steps are small again. */
	if (t->cap_events > EVENTS_KEEP && t->n_events < t->cap_events / 8) {
		free(t->events);
		t->events = NULL;
		t->cap_events = 0;
	}
	t->n_events = 0;
}

/* ---- keys ---- */

uint64_t tl_trk_tuple_key(unsigned ns, int family, const uint8_t *local, uint16_t lport,
			  const uint8_t *remote, uint16_t rport)
{
	struct {
		uint8_t local[16], remote[16];
		uint16_t lport, rport;
		uint16_t ns;
		uint8_t family, pad;
	} k;
	memset(&k, 0, sizeof(k));
	memcpy(k.local, local, 16);
	memcpy(k.remote, remote, 16);
	k.lport = lport;
	k.rport = rport;
	k.ns = (uint16_t)ns;
	k.family = (uint8_t)family;
	return tl_hash64(&k, sizeof(k), 0x7475706c65ULL);
}

uint64_t tl_trk_conn_tuple_key(const struct tl_conn *c)
{
	return tl_trk_tuple_key(c->ns, c->sock.family, c->sock.local, c->sock.lport, c->sock.remote,
				c->sock.rport);
}

bool tl_trk_listening(const struct tl_tracker *t, unsigned ns, uint16_t port)
{
	return t->ns[ns].listen[port / 64] >> (port % 64) & 1;
}

/* ---- events ---- */

void tl_trk_emit(struct tl_tracker *t, const struct tl_conn *c, enum tl_event_kind kind, int from,
		 int to, const struct tl_fsm_edge *e, bool inferred, uint64_t now, double wall)
{
	if (t->n_events == t->cap_events) {
		t->cap_events = t->cap_events ? t->cap_events * 2 : 64;
		t->events = tl_reallocarray(t->events, t->cap_events, sizeof(*t->events));
	}
	struct tl_event *ev = &t->events[t->n_events++];
	memset(ev, 0, sizeof(*ev));
	ev->mono_ns = now;
	ev->after_ns = t->win ? TL_MIN(t->win_from, now) : now;
	ev->wall = wall;
	ev->cookie = c->sock.cookie;
	ev->conn = c->id;
	ev->peer = c->peer ? t->conns[c->peer - 1].id : 0;
	ev->ns = c->ns;
	ev->kind = (uint8_t)kind;
	ev->from = (uint8_t)from;
	ev->to = (uint8_t)to;
	ev->role = c->role;
	ev->inferred = inferred;
	if (e) {
		ev->segment = e->segment;
		ev->dir = e->dir;
		ev->why = e->why;
	}
	ev->sock = c->sock;
}

/* Walk from the connection's state to `to` along the cheapest path,
 * emitting one event per edge; the last step is observed unless
 * last_inferred.  With no path the change is reported as seen. */
void tl_trk_walk(struct tl_tracker *t, struct tl_conn *c, int to, unsigned flags,
		 bool last_inferred, bool closing, uint64_t now, double wall)
{
	const struct tl_fsm_edge *path[16];
	int n = tl_fsm_path(c->state, to, (enum tl_role)c->role, flags, path, 16);

	if (n < 0) {
		tl_trk_emit(t, c, closing ? TL_EV_CLOSE : TL_EV_TRANSITION, c->state, to, NULL,
			    last_inferred, now, wall);
		c->state = (uint8_t)to;
		return;
	}
	for (int i = 0; i < n; i++) {
		bool last = i == n - 1;
		tl_trk_emit(t, c, last && closing ? TL_EV_CLOSE : TL_EV_TRANSITION, path[i]->from,
			    path[i]->to, path[i], last ? last_inferred : true, now, wall);
		c->state = path[i]->to;
	}
}

/* ---- connections ---- */

static struct tl_conn *slot_new(struct tl_tracker *t, uint32_t *slot_out)
{
	uint32_t slot;
	if (t->n_free) {
		slot = t->free_slots[--t->n_free];
	} else {
		if (t->n == t->cap) {
			t->cap = t->cap ? t->cap * 2 : 256;
			t->conns = tl_reallocarray(t->conns, t->cap, sizeof(*t->conns));
		}
		slot = (uint32_t)t->n++;
	}
	struct tl_conn *c = &t->conns[slot];
	memset(c, 0, sizeof(*c));
	c->id = t->next_id++;
	t->generation++;
	if (t->journal)
		tl_trk_journal_push(t, &t->born, &t->n_born, &t->cap_born, slot);
	*slot_out = slot;
	return c;
}

uint32_t tl_trk_slot_of(const struct tl_tracker *t, const struct tl_conn *c)
{
	return (uint32_t)(c - t->conns);
}

static int opposite(int role)
{
	return role == TL_ROLE_ACTIVE ? TL_ROLE_PASSIVE : TL_ROLE_ACTIVE;
}

/* Evidence of the role: it replaces a guess, on both ends. */
void tl_trk_set_role(struct tl_tracker *t, struct tl_conn *c, int role)
{
	if (role == TL_ROLE_UNKNOWN)
		return;
	if (c->role != TL_ROLE_UNKNOWN && !(c->flags & TL_CONN_ROLE_GUESSED))
		return;
	c->role = (uint8_t)role;
	c->flags &= (uint8_t)~TL_CONN_ROLE_GUESSED;
	if (c->peer) {
		struct tl_conn *p = &t->conns[c->peer - 1];
		if (p->role == TL_ROLE_UNKNOWN || (p->flags & TL_CONN_ROLE_GUESSED)) {
			p->role = (uint8_t)opposite(role);
			p->flags &= (uint8_t)~TL_CONN_ROLE_GUESSED;
		}
	}
}

/* Link with the other end if it lives in a watched namespace. */
void tl_trk_pair(struct tl_tracker *t, struct tl_conn *c)
{
	if (c->peer || c->state == TL_TCP_LISTEN)
		return;
	for (unsigned ns = 0; ns < t->n_ns; ns++) {
		uint32_t slot;
		uint64_t k = tl_trk_tuple_key(ns, c->sock.family, c->sock.remote, c->sock.rport,
					      c->sock.local, c->sock.lport);
		if (!tl_map_get(&t->by_tuple, k, &slot))
			continue;
		struct tl_conn *p = &t->conns[slot];
		if (p == c || p->peer || p->state == TL_TCP_LISTEN)
			continue;
		c->peer = slot + 1;
		p->peer = tl_trk_slot_of(t, c) + 1;
		bool c_sure = c->role != TL_ROLE_UNKNOWN && !(c->flags & TL_CONN_ROLE_GUESSED);
		bool p_sure = p->role != TL_ROLE_UNKNOWN && !(p->flags & TL_CONN_ROLE_GUESSED);
		struct tl_conn *guessed = c_sure && !p_sure ? p : p_sure && !c_sure ? c : NULL;
		if (guessed) {
			guessed->role = (uint8_t)opposite(guessed == p ? c->role : p->role);
			guessed->flags &= (uint8_t)~TL_CONN_ROLE_GUESSED;
		}
		return;
	}
}

/* What a record says about who opened the connection. */
static int role_of(const struct tl_tracker *t, unsigned ns, const struct tl_sock *r)
{
	switch (tl_tcp_state_shown(r->state)) {
	case TL_TCP_SYN_SENT:
		return TL_ROLE_ACTIVE;
	case TL_TCP_SYN_RECV:
	case TL_TCP_LISTEN:
		return TL_ROLE_PASSIVE;
	default:
		return tl_trk_listening(t, ns, r->lport) ? TL_ROLE_PASSIVE : TL_ROLE_UNKNOWN;
	}
}

/* No evidence: the end with the lower port is taken for the server (the
 * passive opener), and the guess is marked so evidence can replace it. */
static void guess_role(struct tl_conn *c)
{
	if (c->role != TL_ROLE_UNKNOWN)
		return;
	c->role = c->sock.lport < c->sock.rport ? TL_ROLE_PASSIVE : TL_ROLE_ACTIVE;
	c->flags |= TL_CONN_ROLE_GUESSED;
}

void tl_trk_pend(struct tl_tracker *t, struct tl_conn *c)
{
	if (c->flags & TL_CONN_QUEUED)
		return;
	c->flags |= TL_CONN_QUEUED;
	if (t->n_pending == t->cap_pending) {
		t->cap_pending = t->cap_pending ? t->cap_pending * 2 : 64;
		t->pending = tl_reallocarray(t->pending, t->cap_pending, sizeof(*t->pending));
	}
	t->pending[t->n_pending++] = tl_trk_slot_of(t, c);
}

/* What a record seen in a table says about how the connection may end. */
static void note_state(struct tl_conn *c, const struct tl_sock *r, int st, uint64_t now)
{
	bool mini_fw2 = st == TL_TCP_FIN_WAIT2 && r->inode == 0;

	c->evidence &= (uint8_t)~TL_EVID_GUESSED;
	switch (st) {
	case TL_TCP_TIME_WAIT:
		c->evidence |= TL_EVID_TIME_WAIT | TL_EVID_FIN_IN | TL_EVID_FIN_OUT;
		break;
	case TL_TCP_CLOSING:
	case TL_TCP_LAST_ACK:
		c->evidence |= TL_EVID_FIN_IN | TL_EVID_FIN_OUT;
		break;
	case TL_TCP_FIN_WAIT1:
	case TL_TCP_FIN_WAIT2:
		c->evidence |= TL_EVID_FIN_OUT;
		break;
	case TL_TCP_CLOSE_WAIT:
		c->evidence |= TL_EVID_FIN_IN;
		break;
	}
	/* Without an inode, a socket past its FIN belongs to no process: its
	 * owner closed it, so it cannot be the one to abort on close. */
	if (r->inode)
		c->evidence &= (uint8_t)~TL_EVID_ORPHAN;
	else if (st != TL_TCP_SYN_RECV && st != TL_TCP_LISTEN && st != TL_TCP_ESTABLISHED &&
		 st != TL_TCP_CLOSE_WAIT && st != TL_TCP_SYN_SENT)
		c->evidence |= TL_EVID_ORPHAN;
	/* A mini-socket (an orphaned FIN-WAIT-2, a TIME-WAIT) lives until its
	 * timer runs out, unless something ends it sooner.  A timer listed
	 * with 0 ms left is due (the kernel's timer wheel fires late, up to
	 * its slack: the table lists such sockets for a while); only no timer
	 * at all leaves the end unknown. */
	bool mini = mini_fw2 || st == TL_TCP_TIME_WAIT;
	c->mini_end_ns =
	    mini && (r->expires_ms || r->timer) ? now + (uint64_t)r->expires_ms * 1000000ULL : 0;
}

/* A new connection.  Unless it is part of the baseline, its birth is told
 * as the path from its opener's start (CLOSED for an active opener, the
 * listener's SYN for a passive one) to `state`; `seen` says whether that
 * state was observed (a dump or lookup) or is itself a guess. */
struct tl_conn *tl_trk_conn_new(struct tl_tracker *t, unsigned ns, const struct tl_sock *r,
				int state, bool baseline, bool seen, uint64_t now, double wall)
{
	uint32_t slot;
	struct tl_conn *c = slot_new(t, &slot);

	c->sock = *r;
	c->ns = (uint16_t)ns;
	c->first_seen_ns = c->state_since_ns = c->last_seen_ns = now;
	c->first_seen_wall = wall;
	c->role = (uint8_t)role_of(t, ns, r);
	c->flags = baseline ? TL_CONN_BASELINE : TL_CONN_EXACT;
	c->state = (uint8_t)state;
	if (seen)
		note_state(c, r, state, now);
	else
		c->evidence |= TL_EVID_GUESSED;
	tl_map_put(&t->by_cookie, r->cookie, slot);
	if (state != TL_TCP_LISTEN)
		tl_map_put(&t->by_tuple, tl_trk_conn_tuple_key(c), slot);
	tl_trk_pair(t, c);
	guess_role(c);
	if (baseline)
		return c;
	/* Born since the namespace's last dump (0 before any: unbounded),
	 * unless an exact-mode record saw the start.  A record read after a
	 * dump but stamped before it (it waited in the ring) is of a
	 * connection that dump did not list: gone by then, born after the
	 * dump before, which is the first one at least; stamped before the
	 * first, it may be older than the run (unbounded). */
	bool win = t->win;
	uint64_t win_from = t->win_from;
	const struct ns_state *nss = &t->ns[ns];
	t->win = !t->birth_exact;
	t->win_from = now >= nss->last_ns       ? nss->last_ns
		      : now >= nss->baseline_ns ? nss->baseline_ns
						: 0;
	if (state == TL_TCP_LISTEN) {
		c->state = TL_TCP_LISTEN;
		tl_trk_emit(t, c, TL_EV_OPEN, 0, TL_TCP_LISTEN,
			    tl_fsm_edge(TL_TCP_CLOSE, TL_TCP_LISTEN, TL_ROLE_PASSIVE), !seen, now,
			    wall);
		t->win = win;
		t->win_from = win_from;
		return c;
	}
	c->state = c->role == TL_ROLE_PASSIVE ? TL_TCP_LISTEN : TL_TCP_CLOSE;
	const struct tl_fsm_edge *path[16];
	int n = tl_fsm_path(c->state, state, (enum tl_role)c->role, 0, path, 16);
	if (n <= 0) {
		c->state = (uint8_t)state;
		tl_trk_emit(t, c, TL_EV_OPEN, 0, state, NULL, !seen, now, wall);
		t->win = win;
		t->win_from = win_from;
		return c;
	}
	for (int i = 0; i < n; i++) {
		bool last = i == n - 1;
		tl_trk_emit(t, c, i == 0 ? TL_EV_OPEN : TL_EV_TRANSITION,
			    i == 0 ? 0 : path[i]->from, path[i]->to, path[i], last ? !seen : true,
			    now, wall);
		c->state = path[i]->to;
	}
	t->win = win;
	t->win_from = win_from;
	return c;
}

/* A record of a known connection: report the state change, if any. */
static void observe(struct tl_tracker *t, struct tl_conn *c, const struct tl_sock *r, uint64_t now,
		    double wall)
{
	int st = tl_tcp_state_shown(r->state);
	bool tuple_changed = memcmp(c->sock.local, r->local, 16) ||
			     memcmp(c->sock.remote, r->remote, 16) || c->sock.lport != r->lport ||
			     c->sock.rport != r->rport;

	if (tuple_changed && c->state != TL_TCP_LISTEN)
		tl_map_del(&t->by_tuple, tl_trk_conn_tuple_key(c));
	c->sock = *r;
	if (tuple_changed && st != TL_TCP_LISTEN)
		tl_map_put(&t->by_tuple, tl_trk_conn_tuple_key(c), tl_trk_slot_of(t, c));
	uint64_t prev_seen = c->last_seen_ns;
	c->last_seen_ns = now;
	c->missing = 0;
	c->flags &= (uint8_t) ~(TL_CONN_MISSING | TL_CONN_QUEUED);
	c->evidence &= (uint8_t)~TL_EVID_PENDING; /* taken for gone too soon: it is back */
	note_state(c, r, st, now);
	/* A mini-socket after a destroy event is the hand-over, not the end. */
	if (st == TL_TCP_TIME_WAIT || (st == TL_TCP_FIN_WAIT2 && r->inode == 0))
		c->flags &= (uint8_t)~TL_CONN_DESTROYED;
	if (st == TL_TCP_SYN_SENT)
		tl_trk_set_role(t, c, TL_ROLE_ACTIVE);
	else if (st == TL_TCP_SYN_RECV)
		tl_trk_set_role(t, c, TL_ROLE_PASSIVE);
	if (st == c->state)
		return;
	t->generation++;
	/* It changed since it was last seen: somewhere in between. */
	t->win = true;
	t->win_from = prev_seen;
	tl_trk_walk(t, c, st, 0, false, false, now, wall);
	t->win = false;
	c->state_since_ns = now;
	c->flags |= TL_CONN_EXACT;
}

/* A record whose cookie is unknown may still be a known connection whose
 * cookie changed at a hand-over; accept that for a connection that has
 * just vanished and a state that can follow its own.  The kernel copies a
 * request socket's cookie to its child, and a full socket's to its
 * mini-socket, but only one made before the copy: the dump that first
 * listed the connection made its cookie, and if the copy came at that
 * moment the successor turns up with a cookie of its own in the very next
 * dump (GEN), the one that no longer holds the connection.  Accept that
 * hand-over too, before the connection is known to have vanished, but
 * only then: a connection listed by earlier dumps had its cookie copied
 * (the successor is another connection on a reused port), and in exact
 * mode the probe makes every cookie long before. */
static struct tl_conn *stitch(struct tl_tracker *t, unsigned ns, const struct tl_sock *r,
			      uint32_t gen)
{
	uint32_t slot;
	if (!tl_map_get(&t->by_tuple,
			tl_trk_tuple_key(ns, r->family, r->local, r->lport, r->remote, r->rport),
			&slot))
		return NULL;
	struct tl_conn *c = &t->conns[slot];
	int st = tl_tcp_state_shown(r->state);
	bool mini = st == TL_TCP_TIME_WAIT || (st == TL_TCP_FIN_WAIT2 && r->inode == 0);
	bool handover = !t->x && c->seen_gen != gen && c->first_seen_ns == t->ns[ns].last_ns &&
			c->state != TL_TCP_TIME_WAIT &&
			((c->state == TL_TCP_SYN_RECV && st != TL_TCP_SYN_RECV) || mini);
	if (!(c->flags & (TL_CONN_MISSING | TL_CONN_DESTROYED)) &&
	    !(c->evidence & TL_EVID_PENDING) && !handover)
		return NULL;
	if ((c->flags & TL_CONN_GONE) || c->state == TL_TCP_CLOSE)
		return NULL;
	const struct tl_fsm_edge *tmp[16];
	if (st != c->state &&
	    tl_fsm_path(c->state, st, (enum tl_role)c->role, TL_PATH_NO_ABORT, tmp, 16) < 0)
		return NULL;
	tl_map_del(&t->by_cookie, c->sock.cookie);
	c->sock.cookie = r->cookie;
	tl_map_put(&t->by_cookie, r->cookie, slot);
	return c;
}

static void rebuild_listeners(struct tl_tracker *t, unsigned ns, const struct tl_snapshot *s)
{
	memset(t->ns[ns].listen, 0, sizeof(t->ns[ns].listen));
	for (size_t i = 0; i < s->n; i++)
		if (s->socks[i].state == TL_TCP_LISTEN)
			t->ns[ns].listen[s->socks[i].lport / 64] |= 1ULL
								    << (s->socks[i].lport % 64);
}

int tl_tracker_sample(struct tl_tracker *t, unsigned ns, const struct tl_snapshot *snap,
		      uint64_t now, double wall)
{
	if (ns >= t->n_ns)
		return -EINVAL;
	if (!snap->complete)
		return -EAGAIN;
	struct ns_state *nss = &t->ns[ns];
	bool baseline = !nss->have_baseline;
	uint32_t gen = ++nss->gen;

	t->samples++;
	rebuild_listeners(t, ns, snap);
	for (size_t i = 0; i < snap->n; i++) {
		const struct tl_sock *r = &snap->socks[i];
		struct tl_conn *c = tl_tracker_find(t, r->cookie);
		if (c && c->ns != ns)
			continue; /* the same socket seen through two specs of one namespace */
		if (t->x && tl_trk_exact_skip(t, c, r, baseline, ns, gen, now)) {
			if (c)
				c->seen_gen = gen;
			continue;
		}
		if (!c && !baseline)
			c = stitch(t, ns, r, gen);
		if (c)
			observe(t, c, r, now, wall);
		else
			c = tl_trk_conn_new(t, ns, r, tl_tcp_state_shown(r->state), baseline, true,
					    now, wall);
		c->seen_gen = gen;
	}
	for (size_t i = 0; i < t->n; i++) {
		struct tl_conn *c = &t->conns[i];
		if (!c->id || c->ns != ns || (c->flags & TL_CONN_GONE) || c->seen_gen == gen ||
		    (c->evidence & TL_EVID_PENDING))
			continue;
		if (t->x && tl_trk_exact_newer(t, c, snap->mono_ns))
			continue; /* a record after the dump began knows better */
		c->missing++;
		/* Confirmed by a destroy event, or by a second dump. */
		if ((c->flags & TL_CONN_DESTROYED) || c->missing >= 2) {
			tl_trk_conn_gone(t, c, now, wall);
		} else {
			c->flags |= TL_CONN_MISSING;
			tl_trk_pend(t, c);
		}
	}
	if (t->x)
		tl_trk_exact_dumped(t, ns, gen);
	if (!nss->have_baseline)
		nss->baseline_ns = now;
	nss->have_baseline = true;
	nss->last_ns = now;
	tl_trk_settle(t);
	return 0;
}

unsigned tl_tracker_add_ns(struct tl_tracker *t)
{
	t->ns = tl_reallocarray(t->ns, t->n_ns + 1, sizeof(*t->ns));
	memset(&t->ns[t->n_ns], 0, sizeof(t->ns[t->n_ns]));
	t->n_live++;
	return t->n_ns++;
}

void tl_tracker_drop_ns(struct tl_tracker *t, unsigned ns)
{
	if (ns >= t->n_ns || t->ns[ns].dropped)
		return;
	t->ns[ns].dropped = true;
	t->n_live--;
	for (size_t i = 0; i < t->n; i++) {
		struct tl_conn *c = &t->conns[i];
		if (!c->id || c->ns != ns)
			continue;
		/* gone with its namespace: expired at once, told nothing */
		c->flags |= TL_CONN_GONE;
		c->gone_ns = 0;
		tl_trk_tomb(t, c);
		c->evidence &= ~TL_EVID_PENDING;
		t->generation++;
	}
	for (size_t i = 0; i < t->n_cleared;) {
		if (t->cleared[i].ns == ns)
			t->cleared[i] = t->cleared[--t->n_cleared];
		else
			i++;
	}
}

/* Did the handshake complete?  A socket that never got an RTT sample
 * never heard a SYN+ACK or the ACK of one. */
static bool handshake_done(const struct tl_sock *r)
{
	return (r->flags & TL_SOCK_HAS_INFO) && (r->info.have & TL_INFO_RTT) && r->info.rtt_us > 0;
}

/* A destroy event of a socket not known: a connection born and freed
 * between two dumps, NULL when there is none to tell now. */
static struct tl_conn *destroyed_unknown(struct tl_tracker *t, unsigned ns,
					 const struct tl_sock *rec, uint32_t seq, bool cleared,
					 uint64_t now, double wall)
{
	if (rec->rport == 0) {
		/* Never connected: no connection to tell.  Cleared by an
		 * abort: told with its peer, once that turns up. */
		if (cleared && tl_tcp_state_shown(rec->state) != TL_TCP_LISTEN)
			tl_trk_cleared_add(t, ns, rec, seq, now, wall);
		return NULL;
	}
	/* A dump may have seen the TIME-WAIT successor (under a cookie
	 * of its own) before this event was read: then the event is
	 * that connection's hand-over, already told. */
	uint32_t slot;
	uint64_t key =
	    tl_trk_tuple_key(ns, rec->family, rec->local, rec->lport, rec->remote, rec->rport);
	if (tl_map_get(&t->by_tuple, key, &slot)) {
		struct tl_conn *succ = &t->conns[slot];
		if (succ->state == TL_TCP_TIME_WAIT ||
		    (succ->state == TL_TCP_FIN_WAIT2 && succ->sock.inode == 0)) {
			if (rec->flags & TL_SOCK_HAS_INFO) {
				succ->sock.info = rec->info;
				succ->sock.flags |= TL_SOCK_HAS_INFO;
			}
			return NULL;
		}
	}
	/* Born and freed between two dumps: tell what must have
	 * happened, all of it inferred. */
	int role = role_of(t, ns, rec);
	int st = handshake_done(rec)       ? TL_TCP_ESTABLISHED
		 : role == TL_ROLE_PASSIVE ? TL_TCP_SYN_RECV
					   : TL_TCP_SYN_SENT;
	if (tl_tcp_state_shown(rec->state) == TL_TCP_LISTEN)
		st = TL_TCP_LISTEN;
	struct tl_conn *c = tl_trk_conn_new(t, ns, rec, st, false, false, now, wall);
	c->sock.state = (uint8_t)st;
	return c;
}

void tl_tracker_destroyed(struct tl_tracker *t, unsigned ns, const struct tl_sock *rec,
			  uint64_t now, double wall)
{
	if (ns >= t->n_ns)
		return;
	/* Freed before watching began (the subscription opens before the
	 * baseline dump, and loading exact mode can take a while): what is
	 * left of it, a TIME-WAIT or FIN-WAIT-2 successor, is in the baseline. */
	if (!t->ns[ns].have_baseline)
		return;
	uint32_t dummy;
	if (tl_map_get(&t->closed, rec->cookie, &dummy))
		return; /* already reported closed: its owner let go of it now */
	uint32_t seq = ++t->destroy_seq;
	t->at_destroy = true; /* `now` is when the socket was freed */
	/* An abort by SO_LINGER 0 (tcp_disconnect) clears the peer's port,
	 * and the local address unless it was bound. */
	bool cleared = rec->rport == 0 && rec->lport != 0 && !tl_trk_addr_zero(rec->remote);
	struct tl_conn *c = tl_tracker_find(t, rec->cookie);
	if (!c) {
		c = destroyed_unknown(t, ns, rec, seq, cleared, now, wall);
		if (!c) {
			t->at_destroy = false;
			return;
		}
	} else {
		if (c->flags & TL_CONN_GONE) {
			t->at_destroy = false;
			return;
		}
		/* The freed full socket may already have been replaced by its
		 * TIME-WAIT mini-socket in our view. */
		if (c->state == TL_TCP_TIME_WAIT ||
		    (c->state == TL_TCP_FIN_WAIT2 && c->sock.inode == 0)) {
			t->at_destroy = false;
			return;
		}
		/* Keep what we knew of the socket (a reset clears the peer's
		 * address); take the final counters. */
		if (rec->flags & TL_SOCK_HAS_INFO) {
			c->sock.info = rec->info;
			c->sock.flags |= TL_SOCK_HAS_INFO;
		}
		/* Last seen in the handshake, freed with an RTT measured: the
		 * handshake completed between the dumps (inferred), and the end
		 * is decided from ESTABLISHED. */
		if ((c->state == TL_TCP_SYN_SENT || c->state == TL_TCP_SYN_RECV) &&
		    handshake_done(rec)) {
			t->generation++;
			t->win = true;
			t->win_from = c->last_seen_ns;
			tl_trk_walk(t, c, TL_TCP_ESTABLISHED, 0, true, false, now, wall);
			t->win = false;
			c->state_since_ns = now;
		}
	}
	c->flags |= TL_CONN_DESTROYED;
	c->flags &= (uint8_t)~TL_CONN_QUEUED;
	c->destroy_seq = seq;
	c->rq_end = rec->rqueue;
	c->wq_end = rec->wqueue;
	if (cleared)
		c->evidence |= TL_EVID_CLEARED;
	else if (tl_trk_sent_fin(c, rec))
		c->evidence |= TL_EVID_FIN_OUT;
	if (c->evidence & TL_EVID_PENDING) {
		tl_trk_conn_gone(t, c, now, wall); /* evidence it waited for, maybe */
		t->at_destroy = false;
		return;
	}
	/* No TIME-WAIT can follow a passive close or an abort: when the socket
	 * was in CLOSE-WAIT or LAST-ACK, or cleared by its abort, or its peer
	 * already sent the first FIN and got as far as FIN-WAIT-2 or
	 * TIME-WAIT, the destroy event is the end, and no lookup is needed. */
	const struct tl_conn *p = tl_tracker_peer(t, c);
	if (c->state == TL_TCP_CLOSE_WAIT || c->state == TL_TCP_LAST_ACK || cleared ||
	    (p && (p->state == TL_TCP_FIN_WAIT2 || p->state == TL_TCP_TIME_WAIT))) {
		tl_trk_conn_gone(t, c, now, wall);
		t->at_destroy = false;
		return;
	}
	t->at_destroy = false;
	tl_trk_pend(t, c);
}

void tl_tracker_lookup_result(struct tl_tracker *t, unsigned ns, uint64_t cookie,
			      const struct tl_sock *rec, uint64_t now, double wall)
{
	struct tl_conn *c = tl_tracker_find(t, cookie);
	if (!c || c->ns != ns || (c->flags & TL_CONN_GONE) || (c->evidence & TL_EVID_PENDING))
		return;
	c->flags &= (uint8_t)~TL_CONN_QUEUED;
	if (rec && rec->cookie != cookie) {
		int st = tl_tcp_state_shown(rec->state);
		bool successor =
		    st == TL_TCP_TIME_WAIT || (st == TL_TCP_FIN_WAIT2 && rec->inode == 0);
		if (!successor || tl_tracker_find(t, rec->cookie)) {
			rec = NULL; /* the tuple belongs to another socket now */
		} else {
			/* The TIME-WAIT mini-socket got a cookie of its own: the
			 * full socket's was first read by its destroy event. */
			uint32_t slot = tl_trk_slot_of(t, c);
			tl_map_del(&t->by_cookie, cookie);
			tl_map_put(&t->by_cookie, rec->cookie, slot);
		}
	}
	if (!rec) {
		tl_trk_conn_gone(t, c, now, wall);
		return;
	}
	observe(t, c, rec, now, wall);
	/* This end turned out to be the active closer: a destroyed peer
	 * waiting for its own lookup has ended, and needs none. */
	struct tl_conn *p = c->peer ? &t->conns[c->peer - 1] : NULL;
	if (p && (p->flags & TL_CONN_DESTROYED) && !(p->flags & TL_CONN_GONE) &&
	    (c->state == TL_TCP_TIME_WAIT || c->state == TL_TCP_FIN_WAIT2))
		tl_trk_conn_gone(t, p, now, wall);
}

size_t tl_tracker_pending(struct tl_tracker *t, struct tl_lookup *out, size_t max)
{
	size_t n = 0, keep = 0;
	for (size_t i = 0; i < t->n_pending; i++) {
		struct tl_conn *c = &t->conns[t->pending[i]];
		if (!c->id || (c->flags & TL_CONN_GONE) || !(c->flags & TL_CONN_QUEUED))
			continue;
		if (n < max) {
			out[n].ns = c->ns;
			out[n].any_cookie = (c->flags & TL_CONN_DESTROYED) != 0;
			out[n].sock = c->sock;
			n++;
		} else {
			t->pending[keep++] = t->pending[i];
		}
	}
	t->n_pending = keep;
	if (t->cap_pending > PENDING_KEEP && keep < t->cap_pending / 8) {
		t->cap_pending = TL_MAX(keep * 2, (size_t)64);
		t->pending = tl_reallocarray(t->pending, t->cap_pending, sizeof(*t->pending));
	}
	return n;
}

uint64_t tl_tracker_generation(const struct tl_tracker *t)
{
	return t->generation;
}
