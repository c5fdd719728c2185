/* trackend: how a connection ended, decided from the evidence the kernel
 * leaves (destroy records, the peer's fate, cleared ports), and the end
 * told: its path to CLOSED, then a tombstone.  Part of the tracker. */
#include <string.h>
#include <sys/socket.h>

#include "tcpladder/trackerint.h"
#include "tcpladder/util.h"

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
	END_DEFAULT,  /* the cheapest path, with the peer's orderly close as a constraint */
	END_ORDERLY,  /* no RST: through the passive close if the peer closed first */
	END_RESET,    /* an RST, in the direction decided */
	END_TIMEOUT,  /* an orphaned FIN-WAIT-2 timed out */
	END_REUSED,   /* a TIME-WAIT taken over by a new connection on its ports */
	END_TIMEDOUT, /* retransmissions or keepalive probes unanswered */
};

struct ending {
	enum end_kind kind;
	int dir;                  /* of the RST */
	unsigned flags;           /* tl_fsm_path flags */
	const char *why;          /* of the RST step */
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

bool tl_trk_addr_zero(const uint8_t *a)
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
	       (tl_trk_addr_zero(k->rec.local) || !memcmp(k->rec.local, c->sock.remote, 16));
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

/* An abort's cleared port, this end's or the other's, decides at once;
 * so does an orphaned FIN-WAIT-2 whose timer ran out. */
static bool decide_cleared(struct tl_tracker *t, const struct tl_conn *c, const struct tl_conn *p,
			   struct ending *d)
{
	if (c->state == TL_TCP_FIN_WAIT2 && c->mini_end_ns &&
	    c->end_ns + 1000000000ULL >= c->mini_end_ns) {
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
	return false;
}

/* What settles the end as soon as it is seen: the peer's TIME-WAIT,
 * unread data, the Send-Q of LAST-ACK, a CLOSE-WAIT freed clean, the
 * peer still waiting for our FIN's answer. */
static bool decide_sure(const struct tl_conn *c, const struct tl_conn *p, struct ending *d)
{
	int st = c->state;

	/* The peer's TIME-WAIT over while this end still waited in LAST-ACK
	 * (late-fin: B's FIN came again after A's TIME-WAIT ran out): no
	 * socket was left to ACK it, the peer's kernel answered with an RST. */
	if (p && (p->evidence & TL_EVID_TIME_WAIT) && st == TL_TCP_LAST_ACK &&
	    (p->flags & (TL_CONN_GONE | TL_CONN_DESTROYED | TL_CONN_MISSING)) && p->end_ns &&
	    p->end_ns <= c->last_seen_ns) {
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
	return false;
}

/* idiag_timer 1 (retransmit), 2 (keepalive) or 4 (window probe) with its
 * count of retries or probes sent so far. */
static bool retrying(const struct tl_conn *c)
{
	return c->sock.retrans > 0 &&
	       (c->sock.timer == 1 || c->sock.timer == 2 || c->sock.timer == 4);
}

/* When no more evidence will come: weaker signs, in order of weight (one
 * byte unread, a listener's cleared record, retries unanswered, left the
 * tables unfreed, an orphan, the order the two ends were freed in); else
 * the default. */
static void decide_final(struct tl_tracker *t, const struct tl_conn *c, const struct tl_conn *p,
			 struct ending *d)
{
	int st = c->state;
	bool cm = unread_maybe(t, c), pm = p && unread_maybe(t, p);

	if (cm && !pm && !(c->evidence & TL_EVID_ORPHAN))
		reset(d, TL_DIR_OUT, WHY_UNREAD);
	else if (!p && (d->peer_rec = cleared_find(t, c, false)))
		reset(d, TL_DIR_IN, WHY_RST_IN);
	/* Last seen sending again what went unanswered (its retransmission
	 * timer, its keepalive or window probes, counted), with a peer not
	 * seen to end: the kernel gave up on it. */
	else if (retrying(c) && tl_fsm_timeout_edge(st) && !(p && has_ended(p)))
		d->kind = END_TIMEDOUT;
	else if (held(c) && (!p || has_ended(p)))
		reset(d, TL_DIR_IN, WHY_RST_IN);
	else if (p && has_ended(p) && held(p) && synchronized(p->state))
		reset(d, TL_DIR_OUT, WHY_RST_OUT);
	else if (pm && !cm && !(p->evidence & TL_EVID_ORPHAN))
		reset(d, TL_DIR_IN, WHY_RST_IN);
	/* Its owner had closed it: it could not abort, the RST came in. */
	else if ((c->evidence & TL_EVID_ORPHAN) && st != TL_TCP_LAST_ACK)
		reset(d, TL_DIR_IN, WHY_RST_IN);
	else if (p && has_ended(p) && (p->evidence & TL_EVID_ORPHAN) &&
		 !(p->evidence & TL_EVID_TIME_WAIT) && p->state != TL_TCP_LAST_ACK)
		reset(d, TL_DIR_OUT, WHY_RST_OUT);
	/* Both freed: the aborting end is freed at its close(), the other
	 * when its owner notices. */
	else if (p && c->destroy_seq && p->destroy_seq && st != TL_TCP_LAST_ACK) {
		bool first = c->destroy_seq < p->destroy_seq;
		reset(d, first ? TL_DIR_OUT : TL_DIR_IN, first ? WHY_RST_OUT : WHY_RST_IN);
	}
}

/* Did the other end get past the handshake?  Then this end did too: the
 * ACK that completes it is sent from ESTABLISHED (RFC 9293, 3.5). */
static bool peer_synchronized(struct tl_tracker *t, const struct tl_conn *c)
{
	const struct tl_conn *p = peer_of(t, c);
	if (p)
		return synchronized(p->state) || p->state == TL_TCP_TIME_WAIT || p->was_synced ||
		       (p->evidence & (TL_EVID_CLEARED | TL_EVID_TIME_WAIT));
	return cleared_find(t, c, true) != NULL;
}

/* A SYN-SENT end that left the tables unfreed (reset under its owner, or
 * refused) tells whether its handshake completed only when its owner
 * frees it (its RTT, see tl_tracker_destroyed) or through its other end.
 * The handshake completed: walk there (inferred) and decide the end from
 * ESTABLISHED.  True when that is settled; false to wait. */
static bool settle_handshake(struct tl_tracker *t, struct tl_conn *c, bool final)
{
	if (c->state != TL_TCP_SYN_SENT || (c->flags & TL_CONN_DESTROYED))
		return true;
	bool done = peer_synchronized(t, c) || (final && !c->peer && cleared_find(t, c, false));
	if (!done)
		return final;
	bool win = t->win;
	uint64_t win_from = t->win_from;
	t->win = true;
	t->win_from = c->last_seen_ns;
	t->generation++;
	tl_trk_walk(t, c, TL_TCP_ESTABLISHED, TL_PATH_NO_ABORT, true, false, c->end_ns,
		    c->end_wall);
	t->win = win;
	t->win_from = win_from;
	return true;
}

/* Whether a new connection on c's ports (its namespace, its tuple) was
 * born after c, by the time c was found gone: a TIME-WAIT it took over
 * (no two connections hold one tuple at once, so it came after c's end;
 * an exact-mode record may date it within the dump that last listed c).
 * The peer's SYN ends a TIME-WAIT and goes on to the listener (a passive
 * successor: TL_DIR_IN); connect() from the same port ends one at once
 * (tcp_tw_reuse, on for loopback by default: an active successor,
 * TL_DIR_NONE).  -1 for none. */
static int reused_by(const struct tl_tracker *t, const struct tl_conn *c)
{
	uint32_t slot;
	if (!tl_map_get(&t->by_tuple, tl_trk_conn_tuple_key(c), &slot) ||
	    slot == tl_trk_slot_of(t, c))
		return -1;
	const struct tl_conn *s = &t->conns[slot];
	if (!s->id || s->first_seen_ns <= c->first_seen_ns || s->first_seen_ns > c->end_ns)
		return -1;
	int role = s->role != TL_ROLE_UNKNOWN ? s->role : c->role;
	if (role == TL_ROLE_UNKNOWN)
		role = tl_trk_listening(t, c->ns, c->sock.lport) ? TL_ROLE_PASSIVE : TL_ROLE_ACTIVE;
	return role == TL_ROLE_PASSIVE ? TL_DIR_IN : TL_DIR_NONE;
}

/* Decide how c ended; false when the evidence may still come (final:
 * it will not, decide anyway). */
static bool decide(struct tl_tracker *t, struct tl_conn *c, bool final, struct ending *d)
{
	struct tl_conn *p = peer_of(t, c);

	memset(d, 0, sizeof(*d));
	if (!settle_handshake(t, c, final))
		return false;
	/* A TIME-WAIT gone well before its timer ran out: a new connection on
	 * its ports took it over, else an RST ended it (Linux lets one,
	 * net.ipv4.tcp_rfc1337 = 0).  Its timer is a dump's; one no dump
	 * listed yet entered TIME-WAIT when an exact-mode record said, and
	 * lasts TCP_TIMEWAIT_LEN (when the timer is not known at all, a
	 * successor still says it was taken over). */
	if (c->state == TL_TCP_TIME_WAIT) {
		uint64_t due = c->mini_end_ns;
		if (!due && t->x && !(c->evidence & TL_EVID_GUESSED))
			due = c->state_since_ns + (uint64_t)TL_TCP_TIMEWAIT_MS * 1000000ULL;
		bool early = due && c->end_ns + 1000000000ULL < due;
		int dir = early || !due ? reused_by(t, c) : -1;
		if (dir >= 0) {
			d->kind = END_REUSED;
			d->dir = dir;
			return true;
		}
		if (early) {
			reset(d, TL_DIR_IN, NULL);
			return true;
		}
	}
	/* The other end closing in order says this end did too; if it got as
	 * far as FIN-WAIT-2 or TIME-WAIT, it sent the first FIN. */
	if (p && (p->state == TL_TCP_FIN_WAIT1 || p->state == TL_TCP_CLOSING))
		d->flags |= TL_PATH_NO_ABORT;
	if (p && (p->state == TL_TCP_FIN_WAIT2 || p->state == TL_TCP_TIME_WAIT))
		d->flags |= TL_PATH_NO_ABORT | TL_PATH_PEER_CLOSED_FIRST;
	if (!synchronized(c->state))
		return true;
	if (decide_cleared(t, c, p, d) || decide_sure(c, p, d))
		return true;
	if (!final)
		return false;
	decide_final(t, c, p, d);
	return true;
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
		tl_trk_walk(t, c, via, TL_PATH_NO_ABORT, true, false, now, wall);
	const struct tl_fsm_edge *e = tl_fsm_abort_edge(c->state);
	tl_trk_emit(t, c, TL_EV_CLOSE, c->state, TL_TCP_CLOSE, e, false, now, wall);
	struct tl_event *ev = &t->events[t->n_events - 1];
	ev->dir = (uint8_t)d->dir;
	if (d->why)
		ev->why = d->why;
}

/* Tell the end of c as decided: its path to CLOSED, then a tombstone.  A
 * tombstone stays in the tuple map, so a peer seen only later (by its
 * destroy event) still finds it for evidence. */
static void conn_finish(struct tl_tracker *t, struct tl_conn *c, const struct ending *d)
{
	uint64_t now = c->end_ns;
	double wall = c->end_wall;
	size_t first_ev = t->n_events;
	bool synced = synchronized(c->state) || c->state == TL_TCP_TIME_WAIT;

	t->generation++;
	c->evidence &= (uint8_t)~TL_EVID_PENDING;
	/* The steps to the end happened after it was last seen in a table
	 * (one never seen there: after its namespace's last dump); the
	 * close itself is exact when a destroy event told it. */
	bool win = t->win;
	uint64_t win_from = t->win_from;
	t->win = true;
	t->win_from = (c->evidence & TL_EVID_GUESSED) ? t->ns[c->ns].last_ns : c->last_seen_ns;
	if (c->state != TL_TCP_CLOSE) {
		if (d->kind == END_RESET && tl_fsm_abort_edge(c->state)) {
			walk_reset(t, c, d, now, wall);
		} else if (d->kind == END_REUSED) {
			tl_trk_emit(t, c, TL_EV_CLOSE, c->state, TL_TCP_CLOSE,
				    tl_fsm_reuse_edge(d->dir), false, now, wall);
		} else if (d->kind == END_TIMEDOUT) {
			tl_trk_emit(t, c, TL_EV_CLOSE, c->state, TL_TCP_CLOSE,
				    tl_fsm_timeout_edge(c->state), false, now, wall);
		} else if (d->kind == END_TIMEOUT) {
			tl_trk_emit(t, c, TL_EV_CLOSE, c->state, TL_TCP_CLOSE,
				    tl_fsm_edge(c->state, TL_TCP_CLOSE, (enum tl_role)c->role),
				    false, now, wall);
		} else {
			unsigned flags = d->flags;
			if (d->kind == END_ORDERLY)
				flags |= TL_PATH_NO_ABORT;
			tl_trk_walk(t, c, TL_TCP_CLOSE, flags, false, true, now, wall);
		}
	}
	t->win = win;
	t->win_from = win_from;
	if (t->n_events > first_ev) {
		struct tl_event *last = &t->events[t->n_events - 1];
		if (c->end_after && c->end_after <= now && c->end_after > last->after_ns)
			last->after_ns = c->end_after;
	}
	if (synced)
		c->was_synced = 1;
	c->state = TL_TCP_CLOSE;
	c->flags = (uint8_t)((c->flags | TL_CONN_GONE) & ~(TL_CONN_MISSING | TL_CONN_FOLLOW));
	c->gone_ns = now;
	tl_trk_tomb(t, c);
	c->state_since_ns = now;
	tl_trk_remember_closed(t, c->sock.cookie, now);
	uint32_t slot;
	if (tl_map_get(&t->by_cookie, c->sock.cookie, &slot) && slot == tl_trk_slot_of(t, c))
		tl_map_del(&t->by_cookie, c->sock.cookie);
}

/* A cleared record's socket, told with its peer found (or alone). */
/* Take k out of the list (kept oldest first). */
static void cleared_drop(struct tl_tracker *t, struct cleared *k)
{
	size_t i = (size_t)(k - t->cleared);
	memmove(k, k + 1, (t->n_cleared - i - 1) * sizeof(*k));
	t->n_cleared--;
}

static void cleared_tell(struct tl_tracker *t, struct cleared *k, struct tl_conn *peer)
{
	struct cleared rec = *k;
	/* dropped from the list first: telling may grow the tracker */
	cleared_drop(t, k);
	if (tl_tracker_find(t, rec.rec.cookie))
		return;
	if (peer) {
		rec.rec.rport = peer->sock.lport;
		if (tl_trk_addr_zero(rec.rec.local))
			memcpy(rec.rec.local, peer->sock.remote, 16);
	}
	rec.rec.state = TL_TCP_CLOSE;
	uint32_t pslot = peer ? tl_trk_slot_of(t, peer) : 0;
	struct tl_conn *c = tl_trk_conn_new(t, rec.ns, &rec.rec, TL_TCP_ESTABLISHED, false, false,
					    rec.mono_ns, rec.wall);
	if (peer) {
		peer = &t->conns[pslot];
		if (!c->peer && !peer->peer) {
			c->peer = pslot + 1;
			peer->peer = tl_trk_slot_of(t, c) + 1;
		}
	}
	c->sock.state = TL_TCP_ESTABLISHED;
	c->flags |= TL_CONN_DESTROYED;
	c->evidence |= TL_EVID_CLEARED | TL_EVID_GUESSED;
	c->destroy_seq = rec.seq;
	c->end_ns = c->end_after = rec.mono_ns;
	c->end_wall = rec.wall;
	c->end_sample = t->samples;
	struct ending d;
	decide(t, c, true, &d);
	conn_finish(t, c, &d);
}

static void end_with(struct tl_tracker *t, struct tl_conn *c, struct ending *d)
{
	struct cleared *k = d->peer_rec;
	uint32_t slot = tl_trk_slot_of(t, c);
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
void tl_trk_conn_gone(struct tl_tracker *t, struct tl_conn *c, uint64_t now, double wall)
{
	struct ending d;

	if (c->flags & TL_CONN_GONE)
		return;
	c->flags &= (uint8_t) ~(TL_CONN_MISSING | TL_CONN_QUEUED);
	if (!(c->evidence & TL_EVID_PENDING)) {
		c->end_ns = now;
		/* a destroy event is when it was freed; else it went since last seen */
		c->end_after = t->at_destroy ? now : c->last_seen_ns;
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
	t->ending[t->n_ending++] = tl_trk_slot_of(t, c);
}

/* A close the eBPF source observed (its path to CLOSED already told):
 * the tombstone, and what its end tells a peer still waiting for
 * evidence. */
void tl_trk_conn_close(struct tl_tracker *t, struct tl_conn *c, uint64_t now, double wall)
{
	struct ending d;

	if (c->flags & TL_CONN_GONE)
		return;
	c->end_ns = c->end_after = now;
	c->end_wall = wall;
	c->end_sample = t->samples;
	decide(t, c, true, &d);
	end_with(t, c, &d);
}

/* Both ends gone from the tables and neither freed: no abort explains
 * that (the aborting end is freed at its close), so a destroy event is
 * late: the kernel queues them to a worker, which a loaded machine runs
 * late.  Such an end waits longer for it (HELD_WAIT rounds, and at least
 * HELD_WAIT_NS) before the weaker signs decide. */
#define HELD_WAIT CLEARED_WAIT
#define HELD_WAIT_NS 2000000000ULL

static bool both_held(struct tl_tracker *t, const struct tl_conn *c)
{
	const struct tl_conn *p = peer_of(t, c);
	return held(c) && p && has_ended(p) && held(p);
}

static bool waits(struct tl_tracker *t, const struct tl_conn *c)
{
	uint64_t rounds = t->samples - c->end_sample, live = TL_MAX(t->n_live, 1u);
	if (rounds < live)
		return true;
	uint64_t last = t->ns[c->ns].last_ns;
	return both_held(t, c) && (rounds < HELD_WAIT * live || last < c->end_ns + HELD_WAIT_NS);
}

/* After a dump: decide what has waited a full round (longer when a
 * destroy event is late), and tell cleared records whose peer never
 * turned up. */
void tl_trk_settle(struct tl_tracker *t)
{
	size_t keep = 0;
	for (size_t i = 0; i < t->n_ending; i++) {
		struct tl_conn *c = &t->conns[t->ending[i]];
		if (!c->id || !(c->evidence & TL_EVID_PENDING) || (c->flags & TL_CONN_GONE))
			continue;
		if (waits(t, c)) {
			t->ending[keep++] = t->ending[i];
			continue;
		}
		struct ending d;
		decide(t, c, true, &d);
		end_with(t, c, &d);
	}
	t->n_ending = keep;
	for (size_t i = 0; i < t->n_cleared;) {
		struct cleared *k = &t->cleared[i];
		if (t->samples - k->sample < CLEARED_WAIT * TL_MAX(t->n_live, 1u)) {
			i++;
		} else if (loopback(k->rec.family, k->rec.remote)) {
			/* Its peer on loopback was watched and never turned up:
			 * there was no connection.  A connect() that failed
			 * (refused, timed out) is cleared as an abort is, and
			 * nothing in the record tells the two apart: told, it
			 * would be an abort that never was. */
			cleared_drop(t, k);
		} else {
			cleared_tell(t, k, NULL);
		}
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
	/* those on loopback only with their peer: see tl_trk_settle */
	while (t->n_cleared)
		if (loopback(t->cleared[0].rec.family, t->cleared[0].rec.remote))
			cleared_drop(t, &t->cleared[0]);
		else
			cleared_tell(t, &t->cleared[0], NULL);
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

/* A destroy record of a socket never dumped, whose abort cleared its
 * peer's port: kept until its other end turns up (at most CLEARED_MAX of
 * them: the oldest is told alone to make room). */
void tl_trk_cleared_add(struct tl_tracker *t, unsigned ns, const struct tl_sock *rec, uint32_t seq,
			uint64_t now, double wall)
{
	if (t->n_cleared == CLEARED_MAX)
		cleared_tell(t, &t->cleared[0], NULL);
	if (t->n_cleared == t->cap_cleared) {
		t->cap_cleared = t->cap_cleared ? t->cap_cleared * 2 : 16;
		t->cleared = tl_reallocarray(t->cleared, t->cap_cleared, sizeof(*t->cleared));
	}
	struct cleared *k = &t->cleared[t->n_cleared++];
	k->rec = *rec;
	k->mono_ns = now;
	k->wall = wall;
	k->seq = seq;
	k->sample = t->samples;
	k->ns = (uint16_t)ns;
	k->weak = tl_trk_listening(t, ns, rec->lport);
	tell_cleared_peer(t, k);
}

/* Did the socket send a FIN?  Its final counters say: what it had acked
 * plus what was still unacked (the Send-Q), less its data, is its SYN (an
 * active opener's only) and its FIN.  (An abort by SO_LINGER 0 zeroes
 * them.) */
bool tl_trk_sent_fin(const struct tl_conn *c, const struct tl_sock *rec)
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
