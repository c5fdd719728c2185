/* tracker: snapshots, destroy events and lookups into connection events. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tcpladder/tracker.h"
#include "tcpladder/util.h"

struct ns_state {
	uint32_t gen;
	bool have_baseline;
	bool dropped;
	uint64_t listen[65536 / 64]; /* bitmap of listening local ports */
};

struct tl_tracker {
	struct tl_conn *conns;
	size_t n; /* slots in use or free, up to n */
	size_t cap;
	uint32_t *free_slots;
	size_t n_free, cap_free;
	uint32_t next_id;
	struct tl_map by_cookie; /* cookie -> slot (live connections) */
	struct tl_map by_tuple;	 /* hash(ns, tuple) -> slot (live connections) */
	struct ns_state *ns;
	unsigned n_ns;
	unsigned n_live; /* namespaces still sampled (dropped ones are not) */
	struct tl_event *events;
	size_t n_events, cap_events;
	uint32_t *pending; /* slots */
	size_t n_pending, cap_pending;
	uint64_t tombstone_ns;
	uint64_t generation; /* bumped whenever a connection appears, changes state or goes */
	/* Cookies of connections already closed, remembered longer than the
	 * tombstones: a socket reset by its peer is freed (and its destroy
	 * event sent) only when its owner closes it, maybe much later. */
	struct tl_map closed;
	struct closed_entry {
		uint64_t cookie;
		uint64_t when;
	} *closed_ring;
	size_t closed_head, closed_n;
	uint32_t samples;     /* dumps taken in, all namespaces */
	uint32_t destroy_seq; /* destroy events taken in */
	uint32_t *ending;     /* slots of connections gone, their end undecided */
	size_t n_ending, cap_ending;
	/* Destroy records of unknown sockets whose abort cleared the peer's
	 * port: told once the other end turns up, or alone after a while. */
	struct cleared {
		struct tl_sock rec;
		uint64_t mono_ns;
		double wall;
		uint32_t seq, sample;
		uint16_t ns;
		bool weak; /* its port is a listener's: shared by many connections */
	} *cleared;
	size_t n_cleared, cap_cleared;
	uint64_t compactions;
	struct tracker_exact *x; /* exact mode's state, once a record came */
};

struct tracker_exact;
static bool exact_skip(struct tl_tracker *t, const struct tl_conn *c, const struct tl_sock *r,
		       bool baseline);
static bool exact_newer(const struct tl_tracker *t, const struct tl_conn *c, uint64_t since);
static void exact_free(struct tracker_exact *x);

/* Closed cookies are remembered for 10 minutes, at most 65536 of them
 * (the oldest forgotten first): 1.5 MB at most with their map. */
#define CLOSED_RING 65536
#define CLOSED_KEEP_NS (600ULL * 1000000000ULL)
/* Storage kept through quiet times: events (184 bytes each) and pending
 * lookups arrays up to these sizes; above, they shrink when mostly
 * unused.  Slots are compacted when fewer than half hold a connection
 * (and there are more than COMPACT_MIN); afterwards the array is 1.5x
 * the connections, so it takes as many again to compact again. */
#define EVENTS_KEEP 16384
#define PENDING_KEEP 16384
#define COMPACT_MIN 1024

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
	exact_free(t->x);
	free(t->closed_ring);
	free(t->conns);
	free(t->free_slots);
	free(t->ns);
	free(t->events);
	free(t->pending);
	free(t->ending);
	free(t->cleared);
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

static uint64_t tuple_key(unsigned ns, int family, const uint8_t *local, uint16_t lport,
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

static uint64_t conn_tuple_key(const struct tl_conn *c)
{
	return tuple_key(c->ns, c->sock.family, c->sock.local, c->sock.lport, c->sock.remote,
			 c->sock.rport);
}

static bool is_listening_port(const struct tl_tracker *t, unsigned ns, uint16_t port)
{
	return t->ns[ns].listen[port / 64] >> (port % 64) & 1;
}

/* ---- events ---- */

static void emit(struct tl_tracker *t, const struct tl_conn *c, enum tl_event_kind kind, int from,
		 int to, const struct tl_fsm_edge *e, bool inferred, uint64_t now, double wall)
{
	if (t->n_events == t->cap_events) {
		t->cap_events = t->cap_events ? t->cap_events * 2 : 64;
		t->events = tl_reallocarray(t->events, t->cap_events, sizeof(*t->events));
	}
	struct tl_event *ev = &t->events[t->n_events++];
	memset(ev, 0, sizeof(*ev));
	ev->mono_ns = now;
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
static void walk(struct tl_tracker *t, struct tl_conn *c, int to, unsigned flags,
		 bool last_inferred, bool closing, uint64_t now, double wall)
{
	const struct tl_fsm_edge *path[16];
	int n = tl_fsm_path(c->state, to, (enum tl_role)c->role, flags, path, 16);

	if (n < 0) {
		emit(t, c, closing ? TL_EV_CLOSE : TL_EV_TRANSITION, c->state, to, NULL,
		     last_inferred, now, wall);
		c->state = (uint8_t)to;
		return;
	}
	for (int i = 0; i < n; i++) {
		bool last = i == n - 1;
		emit(t, c, last && closing ? TL_EV_CLOSE : TL_EV_TRANSITION, path[i]->from,
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
	*slot_out = slot;
	return c;
}

static uint32_t slot_of(const struct tl_tracker *t, const struct tl_conn *c)
{
	return (uint32_t)(c - t->conns);
}

static int opposite(int role)
{
	return role == TL_ROLE_ACTIVE ? TL_ROLE_PASSIVE : TL_ROLE_ACTIVE;
}

/* Evidence of the role: it replaces a guess, on both ends. */
static void set_role(struct tl_tracker *t, struct tl_conn *c, int role)
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
static void pair(struct tl_tracker *t, struct tl_conn *c)
{
	if (c->peer || c->state == TL_TCP_LISTEN)
		return;
	for (unsigned ns = 0; ns < t->n_ns; ns++) {
		uint32_t slot;
		uint64_t k = tuple_key(ns, c->sock.family, c->sock.remote, c->sock.rport,
				       c->sock.local, c->sock.lport);
		if (!tl_map_get(&t->by_tuple, k, &slot))
			continue;
		struct tl_conn *p = &t->conns[slot];
		if (p == c || p->peer || p->state == TL_TCP_LISTEN)
			continue;
		c->peer = slot + 1;
		p->peer = slot_of(t, c) + 1;
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
		return is_listening_port(t, ns, r->lport) ? TL_ROLE_PASSIVE : TL_ROLE_UNKNOWN;
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

static void pend(struct tl_tracker *t, struct tl_conn *c)
{
	if (c->flags & TL_CONN_QUEUED)
		return;
	c->flags |= TL_CONN_QUEUED;
	if (t->n_pending == t->cap_pending) {
		t->cap_pending = t->cap_pending ? t->cap_pending * 2 : 64;
		t->pending = tl_reallocarray(t->pending, t->cap_pending, sizeof(*t->pending));
	}
	t->pending[t->n_pending++] = slot_of(t, c);
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
	/* An orphaned FIN-WAIT-2 mini-socket lives until its timer runs out. */
	c->fw2_end_ns = mini_fw2 && r->expires_ms ? now + (uint64_t)r->expires_ms * 1000000ULL : 0;
}

/* A new connection.  Unless it is part of the baseline, its birth is told
 * as the path from its opener's start (CLOSED for an active opener, the
 * listener's SYN for a passive one) to `state`; `seen` says whether that
 * state was observed (a dump or lookup) or is itself a guess. */
static struct tl_conn *conn_new(struct tl_tracker *t, unsigned ns, const struct tl_sock *r,
				int state, bool baseline, bool seen, uint64_t now, double wall)
{
	uint32_t slot;
	struct tl_conn *c = slot_new(t, &slot);

	c->sock = *r;
	c->ns = (uint16_t)ns;
	c->first_seen_ns = c->state_since_ns = c->last_seen_ns = now;
	c->first_seen_wall = wall;
	c->role = (uint8_t)role_of(t, ns, r);
	c->flags = baseline ? 0 : TL_CONN_EXACT;
	c->state = (uint8_t)state;
	if (seen)
		note_state(c, r, state, now);
	else
		c->evidence |= TL_EVID_GUESSED;
	tl_map_put(&t->by_cookie, r->cookie, slot);
	if (state != TL_TCP_LISTEN)
		tl_map_put(&t->by_tuple, conn_tuple_key(c), slot);
	pair(t, c);
	guess_role(c);
	if (baseline)
		return c;
	if (state == TL_TCP_LISTEN) {
		c->state = TL_TCP_LISTEN;
		emit(t, c, TL_EV_OPEN, 0, TL_TCP_LISTEN,
		     tl_fsm_edge(TL_TCP_CLOSE, TL_TCP_LISTEN, TL_ROLE_PASSIVE), !seen, now, wall);
		return c;
	}
	c->state = c->role == TL_ROLE_PASSIVE ? TL_TCP_LISTEN : TL_TCP_CLOSE;
	const struct tl_fsm_edge *path[16];
	int n = tl_fsm_path(c->state, state, (enum tl_role)c->role, 0, path, 16);
	if (n <= 0) {
		c->state = (uint8_t)state;
		emit(t, c, TL_EV_OPEN, 0, state, NULL, !seen, now, wall);
		return c;
	}
	for (int i = 0; i < n; i++) {
		bool last = i == n - 1;
		emit(t, c, i == 0 ? TL_EV_OPEN : TL_EV_TRANSITION, i == 0 ? 0 : path[i]->from,
		     path[i]->to, path[i], last ? !seen : true, now, wall);
		c->state = path[i]->to;
	}
	return c;
}

/* A record of a known connection: report the state change, if any. */
static void observe(struct tl_tracker *t, struct tl_conn *c, const struct tl_sock *r,
		    uint64_t now, double wall)
{
	int st = tl_tcp_state_shown(r->state);
	bool tuple_changed = memcmp(c->sock.local, r->local, 16) || memcmp(c->sock.remote, r->remote, 16) ||
			     c->sock.lport != r->lport || c->sock.rport != r->rport;

	if (tuple_changed && c->state != TL_TCP_LISTEN)
		tl_map_del(&t->by_tuple, conn_tuple_key(c));
	c->sock = *r;
	if (tuple_changed && st != TL_TCP_LISTEN)
		tl_map_put(&t->by_tuple, conn_tuple_key(c), slot_of(t, c));
	c->last_seen_ns = now;
	c->missing = 0;
	c->flags &= (uint8_t)~(TL_CONN_MISSING | TL_CONN_QUEUED);
	c->evidence &= (uint8_t)~TL_EVID_PENDING; /* taken for gone too soon: it is back */
	note_state(c, r, st, now);
	/* A mini-socket after a destroy event is the hand-over, not the end. */
	if (st == TL_TCP_TIME_WAIT || (st == TL_TCP_FIN_WAIT2 && r->inode == 0))
		c->flags &= (uint8_t)~TL_CONN_DESTROYED;
	if (st == TL_TCP_SYN_SENT)
		set_role(t, c, TL_ROLE_ACTIVE);
	else if (st == TL_TCP_SYN_RECV)
		set_role(t, c, TL_ROLE_PASSIVE);
	if (st == c->state)
		return;
	t->generation++;
	walk(t, c, st, 0, false, false, now, wall);
	c->state_since_ns = now;
	c->flags |= TL_CONN_EXACT;
}

static void remember_closed(struct tl_tracker *t, uint64_t cookie, uint64_t now)
{
	if (t->closed_n == CLOSED_RING) {
		tl_map_del(&t->closed, t->closed_ring[t->closed_head].cookie);
		t->closed_head = (t->closed_head + 1) % CLOSED_RING;
		t->closed_n--;
	}
	size_t i = (t->closed_head + t->closed_n) % CLOSED_RING;
	t->closed_ring[i].cookie = cookie;
	t->closed_ring[i].when = now;
	t->closed_n++;
	tl_map_put(&t->closed, cookie, 1);
}

static void forget_closed(struct tl_tracker *t, uint64_t now)
{
	while (t->closed_n && now - t->closed_ring[t->closed_head].when > CLOSED_KEEP_NS) {
		tl_map_del(&t->closed, t->closed_ring[t->closed_head].cookie);
		t->closed_head = (t->closed_head + 1) % CLOSED_RING;
		t->closed_n--;
	}
}

/* ---- how it ended ----
 *
 * A connection found gone with no TIME-WAIT successor ended one of a few
 * ways, and the kernel leaves evidence of which:
 *   - an abort by SO_LINGER 0 clears the peer's port in the destroy record
 *     (tcp_disconnect): it sent an RST;
 *   - close() with data unread sends an RST, not a FIN (RFC 2525,
 *     tcp_close); the destroy record's Recv-Q counts the unread bytes, plus
 *     one for a FIN received;
 *   - a socket that takes an RST drops out of the tables at once but is
 *     freed (its destroy event) only when its owner closes it; the aborting
 *     end is freed at its close();
 *   - an end whose owner had closed it (no inode, past its FIN) cannot
 *     abort on close: if it vanishes without a TIME-WAIT, an RST came in,
 *     unless its FIN-WAIT-2 timer ran out;
 *   - the other end, when watched: its TIME-WAIT means an orderly close,
 *     its own abort means this end was reset, its FIN means this end got
 *     one.
 * What the evidence does not settle yet waits for the next dump of every
 * namespace (the peer's TIME-WAIT, a late destroy event); what it never
 * settles falls back on the state machine's cheapest path, its RST without
 * a direction. */

enum end_kind {
	END_DEFAULT, /* the cheapest path, with the peer's orderly close as a constraint */
	END_ORDERLY, /* no RST: through the passive close if the peer closed first */
	END_RESET,   /* an RST, in the direction decided */
	END_TIMEOUT, /* an orphaned FIN-WAIT-2 timed out */
};

struct ending {
	enum end_kind kind;
	int dir;	 /* of the RST */
	unsigned flags;	 /* tl_fsm_path flags */
	const char *why; /* of the RST step */
	struct cleared *peer_rec; /* the peer's cleared destroy record, to tell too */
};

#define WHY_LINGER "close() with SO_LINGER 0: send RST"
#define WHY_UNREAD "close() with unread data: send RST, not FIN (RFC 2525)"
#define WHY_RST_OUT "send RST: aborted"
#define WHY_RST_IN "receive RST: the peer aborted"

/* Rounds of dumps a cleared record waits for its peer before it is told
 * alone (its peer's port then unknown). */
#define CLEARED_WAIT 8
/* At most this many wait (an abort storm tells the oldest at once). */
#define CLEARED_MAX 4096

static bool synchronized(int st)
{
	return st == TL_TCP_ESTABLISHED || st == TL_TCP_CLOSE_WAIT || st == TL_TCP_FIN_WAIT1 ||
	       st == TL_TCP_FIN_WAIT2 || st == TL_TCP_CLOSING || st == TL_TCP_LAST_ACK;
}

static bool addr_zero(const uint8_t *a)
{
	static const uint8_t zero[16];
	return !memcmp(a, zero, 16);
}

static struct tl_conn *peer_of(struct tl_tracker *t, const struct tl_conn *c)
{
	return c->peer ? &t->conns[c->peer - 1] : NULL;
}

static bool has_ended(const struct tl_conn *c)
{
	return (c->flags & (TL_CONN_GONE | TL_CONN_DESTROYED | TL_CONN_MISSING)) ||
	       (c->evidence & TL_EVID_PENDING);
}

static bool fin_in(struct tl_tracker *t, const struct tl_conn *c)
{
	const struct tl_conn *p = peer_of(t, c);
	return (c->evidence & TL_EVID_FIN_IN) || (p && (p->evidence & TL_EVID_FIN_OUT));
}

static bool fin_out(struct tl_tracker *t, const struct tl_conn *c)
{
	const struct tl_conn *p = peer_of(t, c);
	return (c->evidence & TL_EVID_FIN_OUT) || (p && (p->evidence & TL_EVID_FIN_IN));
}

/* Data left unread when it was freed: more than the FIN's one. */
static bool unread_sure(const struct tl_conn *c)
{
	return c->destroy_seq && c->rq_end >= 2;
}

/* One unread: data, unless a FIN came (which the peer's fate may show). */
static bool unread_maybe(struct tl_tracker *t, const struct tl_conn *c)
{
	return c->destroy_seq && c->rq_end == 1 && !fin_in(t, c);
}

/* Left the tables without being freed: reset under its owner. */
static bool held(const struct tl_conn *c)
{
	return !(c->flags & TL_CONN_DESTROYED) &&
	       !(c->evidence & (TL_EVID_GUESSED | TL_EVID_ORPHAN | TL_EVID_TIME_WAIT));
}

static bool loopback(int family, const uint8_t *a)
{
	static const uint8_t v6lo[16] = {[15] = 1};
	return family == AF_INET ? a[0] == 127 : !memcmp(a, v6lo, 16);
}

/* Could the cleared record k be c's other end?  Its own address may be
 * cleared too; loopback addresses match in one namespace only. */
static bool cleared_matches(const struct cleared *k, const struct tl_conn *c)
{
	if (loopback(c->sock.family, c->sock.local) && k->ns != c->ns)
		return false;
	return k->rec.family == c->sock.family && k->rec.lport == c->sock.rport &&
	       !memcmp(k->rec.remote, c->sock.local, 16) &&
	       (addr_zero(k->rec.local) || !memcmp(k->rec.local, c->sock.remote, 16));
}

/* The oldest cleared record that can be this connection's other end.  A
 * client's record names its own port, which no other connection to that
 * server shares: a strong match.  A server's names the listener's port,
 * shared by all its clients: weak, taken only when nothing else decides
 * (strong false: weak records only). */
static struct cleared *cleared_find(struct tl_tracker *t, const struct tl_conn *c, bool strong)
{
	if (!c->sock.rport)
		return NULL;
	for (size_t i = 0; i < t->n_cleared; i++) {
		struct cleared *k = &t->cleared[i];
		if (k->weak != !strong || !cleared_matches(k, c))
			continue;
		return k;
	}
	return NULL;
}

static void reset(struct ending *d, int dir, const char *why)
{
	d->kind = END_RESET;
	d->dir = dir;
	d->why = why;
}

/* Decide how c ended; false when the evidence may still come (final:
 * it will not, decide anyway). */
static bool decide(struct tl_tracker *t, struct tl_conn *c, bool final, struct ending *d)
{
	struct tl_conn *p = peer_of(t, c);
	int st = c->state;

	memset(d, 0, sizeof(*d));
	/* The other end closing in order says this end did too; if it got as
	 * far as FIN-WAIT-2 or TIME-WAIT, it sent the first FIN. */
	if (p && (p->state == TL_TCP_FIN_WAIT1 || p->state == TL_TCP_CLOSING))
		d->flags |= TL_PATH_NO_ABORT;
	if (p && (p->state == TL_TCP_FIN_WAIT2 || p->state == TL_TCP_TIME_WAIT))
		d->flags |= TL_PATH_NO_ABORT | TL_PATH_PEER_CLOSED_FIRST;
	if (!synchronized(st))
		return true;
	if (st == TL_TCP_FIN_WAIT2 && c->fw2_end_ns && c->end_ns + 1000000000ULL >= c->fw2_end_ns) {
		d->kind = END_TIMEOUT;
		return true;
	}
	if (c->evidence & TL_EVID_CLEARED) {
		reset(d, TL_DIR_OUT, WHY_LINGER);
		return true;
	}
	if (p && (p->evidence & TL_EVID_CLEARED)) {
		reset(d, TL_DIR_IN, WHY_RST_IN);
		return true;
	}
	if (!p && (d->peer_rec = cleared_find(t, c, true))) {
		reset(d, TL_DIR_IN, WHY_RST_IN);
		return true;
	}
	/* The peer's TIME-WAIT: it closed first (both would have one after a
	 * simultaneous close), in order. */
	if (p && (p->evidence & TL_EVID_TIME_WAIT)) {
		d->kind = END_ORDERLY;
		d->flags = TL_PATH_NO_ABORT;
		if (!(c->evidence & TL_EVID_TIME_WAIT))
			d->flags |= TL_PATH_PEER_CLOSED_FIRST;
		return true;
	}
	/* Unread data at its own close; when both ends had some, the first
	 * freed closed first. */
	bool cu = unread_sure(c), pu = p && unread_sure(p);
	if (cu && !(c->evidence & TL_EVID_ORPHAN) && !(pu && p->destroy_seq < c->destroy_seq)) {
		reset(d, TL_DIR_OUT, WHY_UNREAD);
		return true;
	}
	if (pu && !(p->evidence & TL_EVID_ORPHAN)) {
		reset(d, TL_DIR_IN, WHY_RST_IN);
		return true;
	}
	/* Freed in LAST-ACK: by the ACK of its FIN (nothing left unacked), or
	 * by an RST (its FIN still counted in the Send-Q). */
	if (st == TL_TCP_LAST_ACK && c->destroy_seq) {
		if (c->wq_end == 0)
			d->kind = END_ORDERLY;
		else
			reset(d, TL_DIR_IN, WHY_RST_IN);
		return true;
	}
	/* Freed from CLOSE-WAIT with nothing unread and not aborted: its
	 * close() sent a FIN. */
	if (st == TL_TCP_CLOSE_WAIT && (c->evidence & TL_EVID_FIN_IN) && c->destroy_seq &&
	    c->rq_end <= 1) {
		d->kind = END_ORDERLY;
		return true;
	}
	/* The peer, seen after this end was found gone, still waits for our
	 * FIN's answer: this end closed in order (an RST would have ended it).
	 * Seen in the same dump proves nothing: a dump is not atomic. */
	if (p && !has_ended(p) && p->last_seen_ns > c->end_ns &&
	    (p->state == TL_TCP_FIN_WAIT1 || p->state == TL_TCP_FIN_WAIT2 ||
	     p->state == TL_TCP_CLOSING)) {
		d->kind = END_ORDERLY;
		return true;
	}
	if (!final)
		return false;
	bool cm = unread_maybe(t, c), pm = p && unread_maybe(t, p);
	if (cm && !pm && !(c->evidence & TL_EVID_ORPHAN)) {
		reset(d, TL_DIR_OUT, WHY_UNREAD);
		return true;
	}
	if (!p && (d->peer_rec = cleared_find(t, c, false))) {
		reset(d, TL_DIR_IN, WHY_RST_IN);
		return true;
	}
	if (held(c) && (!p || has_ended(p))) {
		reset(d, TL_DIR_IN, WHY_RST_IN);
		return true;
	}
	if (p && has_ended(p) && held(p) && synchronized(p->state)) {
		reset(d, TL_DIR_OUT, WHY_RST_OUT);
		return true;
	}
	if (pm && !cm && !(p->evidence & TL_EVID_ORPHAN)) {
		reset(d, TL_DIR_IN, WHY_RST_IN);
		return true;
	}
	/* Its owner had closed it: it could not abort, the RST came in. */
	if ((c->evidence & TL_EVID_ORPHAN) && st != TL_TCP_LAST_ACK) {
		reset(d, TL_DIR_IN, WHY_RST_IN);
		return true;
	}
	if (p && has_ended(p) && (p->evidence & TL_EVID_ORPHAN) &&
	    !(p->evidence & TL_EVID_TIME_WAIT) && p->state != TL_TCP_LAST_ACK) {
		reset(d, TL_DIR_OUT, WHY_RST_OUT);
		return true;
	}
	/* Both freed: the aborting end is freed at its close(), the other
	 * when its owner notices. */
	if (p && c->destroy_seq && p->destroy_seq && st != TL_TCP_LAST_ACK) {
		if (c->destroy_seq < p->destroy_seq)
			reset(d, TL_DIR_OUT, WHY_RST_OUT);
		else
			reset(d, TL_DIR_IN, WHY_RST_IN);
		return true;
	}
	return true;
}

static void remove_from_maps(struct tl_tracker *t, struct tl_conn *c)
{
	uint32_t slot;
	if (tl_map_get(&t->by_cookie, c->sock.cookie, &slot) && slot == slot_of(t, c))
		tl_map_del(&t->by_cookie, c->sock.cookie);
	if (tl_map_get(&t->by_tuple, conn_tuple_key(c), &slot) && slot == slot_of(t, c))
		tl_map_del(&t->by_tuple, conn_tuple_key(c));
}

/* An RST ends the path: first what its receipt or sending implies went
 * before it (a FIN each way, as the evidence shows), then the RST. */
static void walk_reset(struct tl_tracker *t, struct tl_conn *c, const struct ending *d,
		       uint64_t now, double wall)
{
	const struct tl_conn *p = peer_of(t, c);
	int via = c->state;
	if (c->state == TL_TCP_ESTABLISHED && d->dir == TL_DIR_OUT && fin_in(t, c))
		via = TL_TCP_CLOSE_WAIT;
	else if ((c->state == TL_TCP_ESTABLISHED || c->state == TL_TCP_FIN_WAIT1) &&
		 d->dir == TL_DIR_IN && fin_out(t, c))
		/* Was its FIN acked?  A destroy record's Send-Q counts a FIN
		 * still unacked (the peer delays the ACK of a FIN, and an RST
		 * may come first); without one, the peer's CLOSE-WAIT says. */
		via = (c->destroy_seq ? c->wq_end == 0 : p && (p->evidence & TL_EVID_FIN_IN))
			      ? TL_TCP_FIN_WAIT2
			      : TL_TCP_FIN_WAIT1;
	if (via != c->state)
		walk(t, c, via, TL_PATH_NO_ABORT, true, false, now, wall);
	const struct tl_fsm_edge *e = tl_fsm_abort_edge(c->state);
	emit(t, c, TL_EV_CLOSE, c->state, TL_TCP_CLOSE, e, false, now, wall);
	struct tl_event *ev = &t->events[t->n_events - 1];
	ev->dir = (uint8_t)d->dir;
	if (d->why)
		ev->why = d->why;
}

static void conn_gone(struct tl_tracker *t, struct tl_conn *c, uint64_t now, double wall);

/* Tell the end of c as decided: its path to CLOSED, then a tombstone.  A
 * tombstone stays in the tuple map, so a peer seen only later (by its
 * destroy event) still finds it for evidence. */
static void conn_finish(struct tl_tracker *t, struct tl_conn *c, const struct ending *d)
{
	uint64_t now = c->end_ns;
	double wall = c->end_wall;

	t->generation++;
	c->evidence &= (uint8_t)~TL_EVID_PENDING;
	if (c->state != TL_TCP_CLOSE) {
		if (d->kind == END_RESET && tl_fsm_abort_edge(c->state)) {
			walk_reset(t, c, d, now, wall);
		} else if (d->kind == END_TIMEOUT) {
			emit(t, c, TL_EV_CLOSE, c->state, TL_TCP_CLOSE,
			     tl_fsm_edge(c->state, TL_TCP_CLOSE, (enum tl_role)c->role), false, now,
			     wall);
		} else {
			unsigned flags = d->flags;
			if (d->kind == END_ORDERLY)
				flags |= TL_PATH_NO_ABORT;
			walk(t, c, TL_TCP_CLOSE, flags, false, true, now, wall);
		}
	}
	c->state = TL_TCP_CLOSE;
	c->flags = (uint8_t)((c->flags | TL_CONN_GONE) & ~(TL_CONN_MISSING | TL_CONN_FOLLOW));
	c->gone_ns = now;
	c->state_since_ns = now;
	remember_closed(t, c->sock.cookie, now);
	uint32_t slot;
	if (tl_map_get(&t->by_cookie, c->sock.cookie, &slot) && slot == slot_of(t, c))
		tl_map_del(&t->by_cookie, c->sock.cookie);
}

/* A cleared record's socket, told with its peer found (or alone). */
static void cleared_tell(struct tl_tracker *t, struct cleared *k, struct tl_conn *peer)
{
	struct cleared rec = *k;
	/* drop it from the list first (kept oldest first): telling may grow
	 * the tracker */
	size_t i = (size_t)(k - t->cleared);
	memmove(k, k + 1, (t->n_cleared - i - 1) * sizeof(*k));
	t->n_cleared--;
	if (tl_tracker_find(t, rec.rec.cookie))
		return;
	if (peer) {
		rec.rec.rport = peer->sock.lport;
		if (addr_zero(rec.rec.local))
			memcpy(rec.rec.local, peer->sock.remote, 16);
	}
	rec.rec.state = TL_TCP_CLOSE;
	uint32_t pslot = peer ? slot_of(t, peer) : 0;
	struct tl_conn *c = conn_new(t, rec.ns, &rec.rec, TL_TCP_ESTABLISHED, false, false,
				     rec.mono_ns, rec.wall);
	if (peer) {
		peer = &t->conns[pslot];
		if (!c->peer && !peer->peer) {
			c->peer = pslot + 1;
			peer->peer = slot_of(t, c) + 1;
		}
	}
	c->sock.state = TL_TCP_ESTABLISHED;
	c->flags |= TL_CONN_DESTROYED;
	c->evidence |= TL_EVID_CLEARED | TL_EVID_GUESSED;
	c->destroy_seq = rec.seq;
	c->end_ns = rec.mono_ns;
	c->end_wall = rec.wall;
	c->end_sample = t->samples;
	struct ending d;
	decide(t, c, true, &d);
	conn_finish(t, c, &d);
}

static void end_with(struct tl_tracker *t, struct tl_conn *c, struct ending *d)
{
	struct cleared *k = d->peer_rec;
	uint32_t slot = slot_of(t, c);
	if (k) {
		cleared_tell(t, k, c);
		c = &t->conns[slot];
	}
	conn_finish(t, c, d);
	/* Its end may be what the other end's was waiting for. */
	struct tl_conn *p = peer_of(t, c);
	if (p && (p->evidence & TL_EVID_PENDING)) {
		struct ending pd;
		if (decide(t, p, false, &pd))
			end_with(t, p, &pd);
	}
}

/* The connection is confirmed gone (no successor): tell how it ended when
 * the evidence says, else wait for the next dump of every namespace. */
static void conn_gone(struct tl_tracker *t, struct tl_conn *c, uint64_t now, double wall)
{
	struct ending d;

	if (c->flags & TL_CONN_GONE)
		return;
	c->flags &= (uint8_t)~(TL_CONN_MISSING | TL_CONN_QUEUED);
	if (!(c->evidence & TL_EVID_PENDING)) {
		c->end_ns = now;
		c->end_wall = wall;
		c->end_sample = t->samples;
	}
	if (decide(t, c, false, &d)) {
		end_with(t, c, &d);
		return;
	}
	if (c->evidence & TL_EVID_PENDING)
		return;
	c->evidence |= TL_EVID_PENDING;
	if (t->n_ending == t->cap_ending) {
		t->cap_ending = t->cap_ending ? t->cap_ending * 2 : 64;
		t->ending = tl_reallocarray(t->ending, t->cap_ending, sizeof(*t->ending));
	}
	t->ending[t->n_ending++] = slot_of(t, c);
}

/* A close the eBPF source observed (its path to CLOSED already told):
 * the tombstone, and what its end tells a peer still waiting for
 * evidence. */
static void conn_close(struct tl_tracker *t, struct tl_conn *c, uint64_t now, double wall)
{
	struct ending d;

	if (c->flags & TL_CONN_GONE)
		return;
	c->end_ns = now;
	c->end_wall = wall;
	c->end_sample = t->samples;
	decide(t, c, true, &d);
	end_with(t, c, &d);
}

/* After a dump: decide what has waited a full round, and tell cleared
 * records whose peer never turned up. */
static void settle(struct tl_tracker *t)
{
	size_t keep = 0;
	for (size_t i = 0; i < t->n_ending; i++) {
		struct tl_conn *c = &t->conns[t->ending[i]];
		if (!c->id || !(c->evidence & TL_EVID_PENDING) || (c->flags & TL_CONN_GONE))
			continue;
		if (t->samples - c->end_sample < TL_MAX(t->n_live, 1u)) {
			t->ending[keep++] = t->ending[i];
			continue;
		}
		struct ending d;
		decide(t, c, true, &d);
		end_with(t, c, &d);
	}
	t->n_ending = keep;
	for (size_t i = 0; i < t->n_cleared;) {
		if (t->samples - t->cleared[i].sample >= CLEARED_WAIT * TL_MAX(t->n_live, 1u))
			cleared_tell(t, &t->cleared[i], NULL);
		else
			i++;
	}
}

/* A record whose cookie is unknown may still be a known connection whose
 * cookie changed at a hand-over; accept that only for a connection that
 * has just vanished and a state that can follow its own. */
static struct tl_conn *stitch(struct tl_tracker *t, unsigned ns, const struct tl_sock *r)
{
	uint32_t slot;
	if (!tl_map_get(&t->by_tuple, tuple_key(ns, r->family, r->local, r->lport, r->remote,
						 r->rport),
			&slot))
		return NULL;
	struct tl_conn *c = &t->conns[slot];
	if (!(c->flags & (TL_CONN_MISSING | TL_CONN_DESTROYED)) && !(c->evidence & TL_EVID_PENDING))
		return NULL;
	if (c->flags & TL_CONN_GONE)
		return NULL;
	int st = tl_tcp_state_shown(r->state);
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
			t->ns[ns].listen[s->socks[i].lport / 64] |= 1ULL << (s->socks[i].lport % 64);
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
		if (t->x && exact_skip(t, c, r, baseline)) {
			if (c)
				c->seen_gen = gen;
			continue;
		}
		if (!c && !baseline)
			c = stitch(t, ns, r);
		if (c)
			observe(t, c, r, now, wall);
		else
			c = conn_new(t, ns, r, tl_tcp_state_shown(r->state), baseline, true, now,
				     wall);
		c->seen_gen = gen;
	}
	for (size_t i = 0; i < t->n; i++) {
		struct tl_conn *c = &t->conns[i];
		if (!c->id || c->ns != ns || (c->flags & TL_CONN_GONE) || c->seen_gen == gen ||
		    (c->evidence & TL_EVID_PENDING))
			continue;
		if (t->x && exact_newer(t, c, snap->mono_ns))
			continue; /* a record after the dump began knows better */
		c->missing++;
		/* Confirmed by a destroy event, or by a second dump. */
		if ((c->flags & TL_CONN_DESTROYED) || c->missing >= 2) {
			conn_gone(t, c, now, wall);
		} else {
			c->flags |= TL_CONN_MISSING;
			pend(t, c);
		}
	}
	nss->have_baseline = true;
	settle(t);
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

void tl_tracker_flush(struct tl_tracker *t)
{
	for (size_t i = 0; i < t->n_ending; i++) {
		struct tl_conn *c = &t->conns[t->ending[i]];
		if (!c->id || !(c->evidence & TL_EVID_PENDING) || (c->flags & TL_CONN_GONE))
			continue;
		struct ending d;
		decide(t, c, true, &d);
		end_with(t, c, &d);
	}
	t->n_ending = 0;
	while (t->n_cleared)
		cleared_tell(t, &t->cleared[0], NULL);
}

/* Did the handshake complete?  A socket that never got an RTT sample
 * never heard a SYN+ACK or the ACK of one. */
static bool handshake_done(const struct tl_sock *r)
{
	return (r->flags & TL_SOCK_HAS_INFO) && (r->info.have & TL_INFO_RTT) && r->info.rtt_us > 0;
}

/* A cleared record has come: an end gone and waiting for evidence may be
 * its peer.  (A live end it reset is missing from the next dump, and finds
 * the record then.) */
static void tell_cleared_peer(struct tl_tracker *t, struct cleared *k)
{
	if (k->weak)
		return; /* matched only when nothing else decides, at the next dump */
	for (size_t i = 0; i < t->n_ending; i++) {
		struct tl_conn *c = &t->conns[t->ending[i]];
		if (!c->id || !(c->evidence & TL_EVID_PENDING) || (c->flags & TL_CONN_GONE) ||
		    c->peer || !cleared_matches(k, c))
			continue;
		struct ending d;
		if (decide(t, c, false, &d))
			end_with(t, c, &d);
		return;
	}
}

/* Did the socket send a FIN?  Its final counters say: what it had acked
 * plus what was still unacked (the Send-Q), less its data, is its SYN (an
 * active opener's only) and its FIN.  (An abort by SO_LINGER 0 zeroes
 * them.) */
static bool sent_fin(const struct tl_conn *c, const struct tl_sock *rec)
{
	const unsigned need = TL_INFO_BYTES_ACKED | TL_INFO_BYTES_SENT;
	if (!(rec->flags & TL_SOCK_HAS_INFO) || (rec->info.have & need) != need ||
	    rec->info.bytes_retrans > rec->info.bytes_sent)
		return false;
	int64_t ctl = (int64_t)(rec->info.bytes_acked + rec->wqueue) -
		      (int64_t)(rec->info.bytes_sent - rec->info.bytes_retrans);
	if (c->role == TL_ROLE_UNKNOWN || (c->flags & TL_CONN_ROLE_GUESSED))
		return ctl == 2; /* a SYN and a FIN: no doubt whatever the role */
	return ctl - (c->role == TL_ROLE_ACTIVE) == 1;
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
	/* An abort by SO_LINGER 0 (tcp_disconnect) clears the peer's port,
	 * and the local address unless it was bound. */
	bool cleared = rec->rport == 0 && rec->lport != 0 && !addr_zero(rec->remote);
	struct tl_conn *c = tl_tracker_find(t, rec->cookie);
	if (!c) {
		if (rec->rport == 0) {
			/* Never connected: no connection to tell.  Cleared by an
			 * abort: told with its peer, once that turns up. */
			if (cleared && tl_tcp_state_shown(rec->state) != TL_TCP_LISTEN) {
				if (t->n_cleared == CLEARED_MAX)
					cleared_tell(t, &t->cleared[0], NULL);
				if (t->n_cleared == t->cap_cleared) {
					t->cap_cleared = t->cap_cleared ? t->cap_cleared * 2 : 16;
					t->cleared = tl_reallocarray(t->cleared, t->cap_cleared,
								     sizeof(*t->cleared));
				}
				struct cleared *k = &t->cleared[t->n_cleared++];
				k->rec = *rec;
				k->mono_ns = now;
				k->wall = wall;
				k->seq = seq;
				k->sample = t->samples;
				k->ns = (uint16_t)ns;
				k->weak = is_listening_port(t, ns, rec->lport);
				tell_cleared_peer(t, k);
			}
			return;
		}
		/* A dump may have seen the TIME-WAIT successor (under a cookie
		 * of its own) before this event was read: then the event is
		 * that connection's hand-over, already told. */
		uint32_t slot;
		if (tl_map_get(&t->by_tuple,
			       tuple_key(ns, rec->family, rec->local, rec->lport, rec->remote, rec->rport),
			       &slot)) {
			struct tl_conn *succ = &t->conns[slot];
			if (succ->state == TL_TCP_TIME_WAIT ||
			    (succ->state == TL_TCP_FIN_WAIT2 && succ->sock.inode == 0)) {
				if (rec->flags & TL_SOCK_HAS_INFO) {
					succ->sock.info = rec->info;
					succ->sock.flags |= TL_SOCK_HAS_INFO;
				}
				return;
			}
		}
		/* Born and freed between two dumps: tell what must have
		 * happened, all of it inferred. */
		int role = role_of(t, ns, rec);
		int st = handshake_done(rec) ? TL_TCP_ESTABLISHED
			 : role == TL_ROLE_PASSIVE ? TL_TCP_SYN_RECV : TL_TCP_SYN_SENT;
		if (tl_tcp_state_shown(rec->state) == TL_TCP_LISTEN)
			st = TL_TCP_LISTEN;
		c = conn_new(t, ns, rec, st, false, false, now, wall);
		c->sock.state = (uint8_t)st;
	} else {
		if (c->flags & TL_CONN_GONE)
			return;
		/* The freed full socket may already have been replaced by its
		 * TIME-WAIT mini-socket in our view. */
		if (c->state == TL_TCP_TIME_WAIT || (c->state == TL_TCP_FIN_WAIT2 && c->sock.inode == 0))
			return;
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
			walk(t, c, TL_TCP_ESTABLISHED, 0, true, false, now, wall);
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
	else if (sent_fin(c, rec))
		c->evidence |= TL_EVID_FIN_OUT;
	if (c->evidence & TL_EVID_PENDING) {
		conn_gone(t, c, now, wall); /* evidence it waited for, maybe */
		return;
	}
	/* No TIME-WAIT can follow a passive close or an abort: when the socket
	 * was in CLOSE-WAIT or LAST-ACK, or cleared by its abort, or its peer
	 * already sent the first FIN and got as far as FIN-WAIT-2 or
	 * TIME-WAIT, the destroy event is the end, and no lookup is needed. */
	const struct tl_conn *p = tl_tracker_peer(t, c);
	if (c->state == TL_TCP_CLOSE_WAIT || c->state == TL_TCP_LAST_ACK || cleared ||
	    (p && (p->state == TL_TCP_FIN_WAIT2 || p->state == TL_TCP_TIME_WAIT))) {
		conn_gone(t, c, now, wall);
		return;
	}
	pend(t, c);
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
		bool successor = st == TL_TCP_TIME_WAIT || (st == TL_TCP_FIN_WAIT2 && rec->inode == 0);
		if (!successor || tl_tracker_find(t, rec->cookie)) {
			rec = NULL; /* the tuple belongs to another socket now */
		} else {
			/* The TIME-WAIT mini-socket got a cookie of its own: the
			 * full socket's was first read by its destroy event. */
			uint32_t slot = slot_of(t, c);
			tl_map_del(&t->by_cookie, cookie);
			tl_map_put(&t->by_cookie, rec->cookie, slot);
		}
	}
	if (!rec) {
		conn_gone(t, c, now, wall);
		return;
	}
	observe(t, c, rec, now, wall);
	/* This end turned out to be the active closer: a destroyed peer
	 * waiting for its own lookup has ended, and needs none. */
	struct tl_conn *p = c->peer ? &t->conns[c->peer - 1] : NULL;
	if (p && (p->flags & TL_CONN_DESTROYED) && !(p->flags & TL_CONN_GONE) &&
	    (c->state == TL_TCP_TIME_WAIT || c->state == TL_TCP_FIN_WAIT2))
		conn_gone(t, p, now, wall);
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

/* After a burst most slots are free: move the connections down, in
 * order, and give the rest of the array back.  Slots are renumbered, so
 * the maps' values, the peers, the pending lookups and the ends waiting
 * for evidence are rewritten. */
static void compact(struct tl_tracker *t)
{
	const uint32_t none = UINT32_MAX;
	uint32_t *to = tl_reallocarray(NULL, t->n ? t->n : 1, sizeof(*to));
	size_t k = 0;

	for (size_t i = 0; i < t->n; i++) {
		if (!t->conns[i].id) {
			to[i] = none;
			continue;
		}
		to[i] = (uint32_t)k;
		if (k != i)
			t->conns[k] = t->conns[i];
		k++;
	}
	for (size_t i = 0; i < k; i++) {
		struct tl_conn *c = &t->conns[i];
		if (c->peer)
			c->peer = c->peer - 1 < t->n && to[c->peer - 1] != none ? to[c->peer - 1] + 1 : 0;
	}
	size_t keep = 0;
	for (size_t i = 0; i < t->n_pending; i++)
		if (t->pending[i] < t->n && to[t->pending[i]] != none)
			t->pending[keep++] = to[t->pending[i]];
	t->n_pending = keep;
	keep = 0;
	for (size_t i = 0; i < t->n_ending; i++)
		if (t->ending[i] < t->n && to[t->ending[i]] != none)
			t->ending[keep++] = to[t->ending[i]];
	t->n_ending = keep;
	tl_map_remap(&t->by_cookie, to, t->n, none);
	tl_map_remap(&t->by_tuple, to, t->n, none);
	free(to);
	t->n = k;
	t->cap = TL_MAX(k + k / 2, (size_t)256);
	t->conns = tl_reallocarray(t->conns, t->cap, sizeof(*t->conns));
	free(t->free_slots);
	t->free_slots = NULL;
	t->n_free = t->cap_free = 0;
	t->compactions++;
	t->generation++;
}

void tl_tracker_expire(struct tl_tracker *t, uint64_t now)
{
	forget_closed(t, now);
	for (size_t i = 0; i < t->n; i++) {
		struct tl_conn *c = &t->conns[i];
		if (!c->id || !(c->flags & TL_CONN_GONE) || now - c->gone_ns < t->tombstone_ns)
			continue;
		remove_from_maps(t, c);
		if (c->peer) {
			struct tl_conn *p = &t->conns[c->peer - 1];
			if (p->peer == i + 1)
				p->peer = 0;
		}
		c->id = 0;
		t->generation++;
		if (t->n_free == t->cap_free) {
			t->cap_free = t->cap_free ? t->cap_free * 2 : 64;
			t->free_slots = tl_reallocarray(t->free_slots, t->cap_free,
							sizeof(*t->free_slots));
		}
		t->free_slots[t->n_free++] = (uint32_t)i;
	}
	if (t->n > COMPACT_MIN && t->n_free > t->n / 2)
		compact(t);
}

void tl_tracker_storage(const struct tl_tracker *t, struct tl_tracker_storage *st)
{
	st->conns = t->n - t->n_free;
	st->slots = t->n;
	st->slot_cap = t->cap;
	st->cookie_cap = t->by_cookie.cap;
	st->tuple_cap = t->by_tuple.cap;
	st->closed = t->closed_n;
	st->closed_cap = t->closed.cap;
	st->event_cap = t->cap_events;
	st->pending_cap = t->cap_pending;
	st->compactions = t->compactions;
	st->bytes = t->cap * sizeof(*t->conns) + t->cap_free * sizeof(*t->free_slots) +
		    (t->by_cookie.cap + t->by_tuple.cap + t->closed.cap) *
			    (sizeof(uint64_t) + sizeof(uint32_t)) +
		    CLOSED_RING * sizeof(*t->closed_ring) + t->cap_events * sizeof(*t->events) +
		    t->cap_pending * sizeof(*t->pending);
}

uint64_t tl_tracker_generation(const struct tl_tracker *t)
{
	return t->generation;
}

/* ---- exact mode: records of the eBPF source ---- */

enum {
	XEV_RST_IN = 1 << 0,  /* an RST came in: the close it causes follows */
	XEV_RST_OUT = 1 << 1, /* an RST went out before the close (an abort) */
};

struct tracker_exact {
	struct tl_map held; /* cookies with records newer than the dump being applied */
};

static void exact_free(struct tracker_exact *x)
{
	if (!x)
		return;
	tl_map_fini(&x->held);
	free(x);
}

static struct tracker_exact *exact_of(struct tl_tracker *t)
{
	if (!t->x) {
		t->x = tl_calloc(1, sizeof(*t->x));
		tl_map_init(&t->x->held);
	}
	return t->x;
}

void tl_tracker_hold(struct tl_tracker *t, uint64_t cookie)
{
	if (cookie)
		tl_map_put(&exact_of(t)->held, cookie, 1);
}

void tl_tracker_release(struct tl_tracker *t)
{
	if (t->x)
		tl_map_clear(&t->x->held);
}

static bool exact_newer(const struct tl_tracker *t, const struct tl_conn *c, uint64_t since)
{
	uint32_t dummy;
	return c->exact_ns >= since || tl_map_get(&t->x->held, c->sock.cookie, &dummy);
}

/* Whether a dump's record of a socket is to be passed over: records newer
 * than the dump will tell what became of it, or a record already reported
 * its close (the dump began before the kernel unhashed it).  A baseline
 * still takes in what it sees. */
static bool exact_skip(struct tl_tracker *t, const struct tl_conn *c, const struct tl_sock *r,
		       bool baseline)
{
	uint32_t dummy;
	if (c)
		return tl_map_get(&t->x->held, c->sock.cookie, &dummy);
	if (baseline)
		return false;
	return tl_map_get(&t->x->held, r->cookie, &dummy) ||
	       tl_map_get(&t->closed, r->cookie, &dummy);
}

/* The edge from -> to with this segment (any segment: TL_SEG_NONE and
 * want_rst false picks the cheapest edge that is not an RST). */
static const struct tl_fsm_edge *edge_with(int from, int to, int role, bool want_rst)
{
	const struct tl_fsm_edge *best = NULL;
	for (unsigned i = 0; i < tl_fsm_nedges; i++) {
		const struct tl_fsm_edge *e = &tl_fsm_edges[i];
		if (e->from != from || e->to != to || (e->segment == TL_SEG_RST) != want_rst)
			continue;
		if ((e->flags & TL_EDGE_ACTIVE) && role == TL_ROLE_PASSIVE)
			continue;
		if ((e->flags & TL_EDGE_PASSIVE) && role == TL_ROLE_ACTIVE)
			continue;
		if (!best || e->cost < best->cost)
			best = e;
	}
	return best;
}

/* What a record tells about the socket besides its state: the tuple once
 * it is complete (connect() picks the local port after the SYN-SENT
 * record's moment; a close record comes after the port was released),
 * the inode and owner, the final counters. */
static void exact_update_sock(struct tl_tracker *t, struct tl_conn *c, const struct tl_sock *r)
{
	bool complete = r->lport && (r->rport || c->state == TL_TCP_LISTEN);
	bool changed = memcmp(c->sock.local, r->local, 16) ||
		       memcmp(c->sock.remote, r->remote, 16) || c->sock.lport != r->lport ||
		       c->sock.rport != r->rport;
	if (complete && changed) {
		uint32_t slot;
		if (c->state != TL_TCP_LISTEN &&
		    tl_map_get(&t->by_tuple, conn_tuple_key(c), &slot) && slot == slot_of(t, c))
			tl_map_del(&t->by_tuple, conn_tuple_key(c));
		memcpy(c->sock.local, r->local, 16);
		memcpy(c->sock.remote, r->remote, 16);
		c->sock.lport = r->lport;
		c->sock.rport = r->rport;
		c->sock.family = r->family;
		if (c->state != TL_TCP_LISTEN) {
			tl_map_put(&t->by_tuple, conn_tuple_key(c), slot_of(t, c));
			pair(t, c);
		}
	}
	if (r->inode)
		c->sock.inode = r->inode;
	if (r->inode || r->uid)
		c->sock.uid = r->uid;
	if (r->flags & TL_SOCK_HAS_INFO) {
		c->sock.info = r->info;
		c->sock.flags |= TL_SOCK_HAS_INFO;
	}
}

/* One observed edge from -> to, with the segment's direction where the
 * evidence decides it (dir TL_DIR_NONE: as the edge says). */
static struct tl_event *exact_emit(struct tl_tracker *t, struct tl_conn *c, enum tl_event_kind kind,
				   int from, int to, const struct tl_fsm_edge *e, int dir,
				   uint64_t now, double wall)
{
	emit(t, c, kind, from, to, e, false, now, wall);
	struct tl_event *ev = &t->events[t->n_events - 1];
	if (dir != TL_DIR_NONE)
		ev->dir = (uint8_t)dir;
	c->state = (uint8_t)to;
	c->state_since_ns = now;
	return ev;
}

/* An RST that c sent ends the peer's orphaned FIN-WAIT-2 mini-socket,
 * whose end no tracepoint reports: inferred, at the RST's time. */
static void exact_peer_reset(struct tl_tracker *t, const struct tl_conn *c, uint64_t now,
			     double wall)
{
	struct tl_conn *p = c->peer ? &t->conns[c->peer - 1] : NULL;
	if (!p || (p->flags & TL_CONN_GONE) || p->state != TL_TCP_FIN_WAIT2 || p->sock.inode)
		return;
	t->generation++;
	emit(t, p, TL_EV_CLOSE, TL_TCP_FIN_WAIT2, TL_TCP_CLOSE,
	     edge_with(TL_TCP_FIN_WAIT2, TL_TCP_CLOSE, p->role, true), true, now, wall);
	t->events[t->n_events - 1].dir = TL_DIR_IN;
	p->state = TL_TCP_CLOSE;
	conn_close(t, p, now, wall);
}

/* The socket's close (its state went to CLOSE).  An RST decides it when
 * one was seen; a close from a synchronized state with no error and no
 * RST in is a close() that aborts (SO_LINGER 0, unread data), whose RST
 * goes out: the kernel reports that RST only after the close, sometimes
 * in a later read than the close's, so it is not waited for. */
static void exact_close(struct tl_tracker *t, struct tl_conn *c, const struct tl_exact_rec *x,
			unsigned evidence, double wall)
{
	uint64_t now = x->mono_ns;
	int from = c->state;
	bool rst_in = evidence & XEV_RST_IN, rst_out = evidence & XEV_RST_OUT;
	bool error = x->flags & TL_EXACT_ERROR;

	if (!rst_in && !rst_out && !error && (from == TL_TCP_FIN_WAIT2 || from == TL_TCP_CLOSING)) {
		/* The hand-over: the mini-socket keeps the cookie, and has no
		 * inode.  With the peer's FIN in, it is TIME-WAIT; else an
		 * orphaned FIN-WAIT-2, whose FIN no tracepoint reports. */
		c->sock.inode = 0;
		c->flags &= (uint8_t)~TL_CONN_DESTROYED;
		if (x->flags & TL_EXACT_FIN_RCVD)
			exact_emit(t, c, TL_EV_TRANSITION, from, TL_TCP_TIME_WAIT,
				   tl_fsm_edge(from, TL_TCP_TIME_WAIT, (enum tl_role)c->role),
				   TL_DIR_NONE, now, wall);
		return;
	}
	const struct tl_fsm_edge *e;
	int dir = TL_DIR_NONE;
	if (rst_in || rst_out) {
		e = edge_with(from, TL_TCP_CLOSE, c->role, true);
		dir = rst_in ? TL_DIR_IN : TL_DIR_OUT;
	} else if (error || from == TL_TCP_LAST_ACK || from == TL_TCP_LISTEN ||
		   from == TL_TCP_SYN_SENT) {
		/* timed out, the last ACK, a listener's or a connect()'s end */
		e = edge_with(from, TL_TCP_CLOSE, c->role, false);
	} else {
		e = edge_with(from, TL_TCP_CLOSE, c->role, true);
		dir = TL_DIR_OUT;
	}
	exact_emit(t, c, TL_EV_CLOSE, from, TL_TCP_CLOSE, e, dir, now, wall);
	if (dir == TL_DIR_OUT)
		exact_peer_reset(t, c, now, wall);
	/* The peer's FIN-WAIT-2 mini-socket sent the ACK that ended our
	 * LAST-ACK: it is TIME-WAIT now, which only a lookup can tell. */
	struct tl_conn *p = c->peer ? &t->conns[c->peer - 1] : NULL;
	if (from == TL_TCP_LAST_ACK && !rst_in && p && !(p->flags & TL_CONN_GONE) &&
	    p->state == TL_TCP_FIN_WAIT2 && p->sock.inode == 0)
		pend(t, p);
	conn_close(t, c, now, wall);
}

static void exact_rst(struct tl_conn *c, const struct tl_exact_rec *x)
{
	if (!c)
		return; /* the RST of a close() that aborted: told with the close */
	int st = c->state;
	if (st == TL_TCP_LISTEN || st == TL_TCP_TIME_WAIT || st == TL_TCP_CLOSE)
		return; /* a listener's or mini-socket's answer to a stray segment */
	c->exact_ev |= x->kind == TL_EXACT_RST_IN ? XEV_RST_IN : XEV_RST_OUT;
}

/* A state change of a socket. */
static void exact_state(struct tl_tracker *t, unsigned ns, struct tl_conn *c,
			const struct tl_exact_rec *x, double wall)
{
	uint64_t now = x->mono_ns;
	int from = tl_tcp_state_shown(x->from), to = tl_tcp_state_shown(x->to);
	uint32_t dummy;

	if (from == to)
		return;
	if (!c) {
		if (tl_map_get(&t->closed, x->sock.cookie, &dummy) || to == TL_TCP_CLOSE)
			return; /* reported closed already, or nothing to tell */
		bool start =
			(from == TL_TCP_CLOSE && (to == TL_TCP_SYN_SENT || to == TL_TCP_LISTEN)) ||
			(from == TL_TCP_LISTEN && to == TL_TCP_SYN_RECV);
		struct tl_sock r = x->sock;
		if (to == TL_TCP_LISTEN)
			t->ns[ns].listen[r.lport / 64] |= 1ULL << (r.lport % 64);
		r.state = (uint8_t)(start ? to : from);
		/* A start is the open, observed; anything else was missed (a
		 * lost record): its history up to `from` is inferred. */
		c = conn_new(t, ns, &r, r.state, false, start, now, wall);
		c->exact_ns = now;
		if (start)
			return;
	}
	if (c->flags & TL_CONN_GONE)
		return;
	unsigned evidence = c->exact_ev;
	c->exact_ev = 0; /* evidence is for the record right after it */
	exact_update_sock(t, c, &x->sock);
	c->exact_ns = now;
	c->last_seen_ns = now;
	c->missing = 0;
	c->flags = (uint8_t)((c->flags | TL_CONN_EXACT) & ~(TL_CONN_MISSING | TL_CONN_QUEUED));
	if (to == TL_TCP_SYN_SENT)
		set_role(t, c, TL_ROLE_ACTIVE);
	else if (to == TL_TCP_SYN_RECV)
		set_role(t, c, TL_ROLE_PASSIVE);
	if (c->state == to) {
		c->state_since_ns = now; /* a dump saw it first; this is when */
		return;
	}
	if (c->state != from) {
		/* Records were lost, or the dump is behind: fill in the steps
		 * to `from`, inferred, if `from` can still come. */
		const struct tl_fsm_edge *tmp[16];
		if (tl_fsm_path(c->state, from, (enum tl_role)c->role, 0, tmp, 16) < 0)
			return;
		walk(t, c, from, 0, true, false, now, wall);
	}
	t->generation++;
	if (to == TL_TCP_CLOSE) {
		exact_close(t, c, x, evidence, wall);
		return;
	}
	exact_emit(t, c, TL_EV_TRANSITION, from, to, tl_fsm_edge(from, to, (enum tl_role)c->role),
		   TL_DIR_NONE, now, wall);
}

/* The orphaned FIN-WAIT-2 mini-socket's end, where the kernel lets it be
 * traced: the FIN makes it TIME-WAIT, an RST ends it. */
static void exact_mini(struct tl_tracker *t, struct tl_conn *c, const struct tl_exact_rec *x,
		       double wall)
{
	t->generation++;
	c->exact_ns = x->mono_ns;
	if (x->kind == TL_EXACT_TW_FIN) {
		exact_emit(t, c, TL_EV_TRANSITION, TL_TCP_FIN_WAIT2, TL_TCP_TIME_WAIT,
			   tl_fsm_edge(TL_TCP_FIN_WAIT2, TL_TCP_TIME_WAIT, (enum tl_role)c->role),
			   TL_DIR_NONE, x->mono_ns, wall);
		return;
	}
	exact_emit(t, c, TL_EV_CLOSE, TL_TCP_FIN_WAIT2, TL_TCP_CLOSE,
		   edge_with(TL_TCP_FIN_WAIT2, TL_TCP_CLOSE, c->role, true), TL_DIR_IN, x->mono_ns,
		   wall);
	conn_close(t, c, x->mono_ns, wall);
}

void tl_tracker_observe(struct tl_tracker *t, unsigned ns, const struct tl_exact_rec *x,
			double wall)
{
	if (ns >= t->n_ns || !x->sock.cookie)
		return;
	exact_of(t);
	if (!t->ns[ns].have_baseline)
		return;
	size_t n0 = t->n_events;
	struct tl_conn *c = tl_tracker_find(t, x->sock.cookie);
	if (c && c->ns != ns)
		return;
	switch (x->kind) {
	case TL_EXACT_STATE:
		exact_state(t, ns, c, x, wall);
		break;
	case TL_EXACT_RST_IN:
	case TL_EXACT_RST_OUT:
		exact_rst(c, x);
		break;
	case TL_EXACT_TW_FIN:
	case TL_EXACT_TW_RST:
		if (c && !(c->flags & TL_CONN_GONE) && c->state == TL_TCP_FIN_WAIT2)
			exact_mini(t, c, x, wall);
		break;
	default:
		break; /* retransmissions: not shown yet */
	}
	for (size_t i = n0; i < t->n_events; i++)
		t->events[i].source = TL_SOURCE_EBPF;
}
