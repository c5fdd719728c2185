/* trackexact: exact mode's records (the eBPF source) taken into the
 * tracker as observed steps at the kernel's times.  Part of the tracker. */
#include <stdlib.h>
#include <string.h>

#include "tcpladder/trackerint.h"
#include "tcpladder/util.h"

/* ---- exact mode: records of the eBPF source ---- */

enum {
	XEV_RST_IN = 1 << 0,  /* an RST came in: the close it causes follows */
	XEV_RST_OUT = 1 << 1, /* an RST went out before the close (an abort) */
};

/* Sockets a dump passed over once, waiting for their record (see
 * tl_trk_exact_skip); at most this many at a time. */
#define PASSED_MAX 4096
/* ... for this long at least (and one more dump): a program preempted on
 * a loaded machine can hold the ring back for more than a dump's interval
 * (a short one, -d 0.05, under a test suite of sanitizers). */
#define PASS_NS 1000000000ULL

struct tracker_exact {
	struct tl_map held; /* cookies with records newer than the dump being applied */
	struct passed {
		uint64_t cookie;
		uint32_t gen;   /* the namespace's dump that passed over it */
		uint64_t since; /* the first dump that did */
		uint16_t ns;
		uint8_t state; /* what that dump saw */
	} * passed;
	size_t n_passed;
};

void tl_trk_exact_free(struct tracker_exact *x)
{
	if (!x)
		return;
	tl_map_fini(&x->held);
	free(x->passed);
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

bool tl_trk_exact_newer(const struct tl_tracker *t, const struct tl_conn *c, uint64_t since)
{
	uint32_t dummy;
	return c->exact_ns >= since || tl_map_get(&t->x->held, c->sock.cookie, &dummy);
}

/* Pass a dump's socket over, waiting for its record: true the first
 * time (and again within the same dump, and at later dumps for PASS_NS),
 * false when a dump after that still sees it with none (then taken from
 * that dump, as polling would; also when too many wait). */
static bool wait_record(struct tracker_exact *x, const struct tl_sock *r, unsigned ns, uint32_t gen,
			uint64_t now)
{
	uint8_t st = (uint8_t)tl_tcp_state_shown(r->state);
	for (size_t i = 0; i < x->n_passed; i++) {
		struct passed *w = &x->passed[i];
		if (w->cookie != r->cookie || w->ns != ns)
			continue;
		if (w->gen == gen)
			return true;
		if (w->state == st && now - w->since < PASS_NS) {
			w->gen = gen; /* the same change: it may still come */
			return true;
		}
		if (w->state == st) { /* the same change, and still no record */
			*w = x->passed[--x->n_passed];
			return false;
		}
		w->gen = gen; /* a record told the last one: this is another */
		w->since = now;
		w->state = st;
		return true;
	}
	if (x->n_passed == PASSED_MAX)
		return false;
	if (!x->passed)
		x->passed = tl_calloc(PASSED_MAX, sizeof(*x->passed));
	x->passed[x->n_passed++] = (struct passed){
	    .cookie = r->cookie, .gen = gen, .since = now, .ns = (uint16_t)ns, .state = st};
	return true;
}

/* Whether a dump's record of a socket is to be passed over: records newer
 * than the dump will tell what became of it, or a record already reported
 * its close (the dump began before the kernel unhashed it).  A baseline
 * still takes in what it sees. */
bool tl_trk_exact_skip(struct tl_tracker *t, const struct tl_conn *c, const struct tl_sock *r,
		       bool baseline, unsigned ns, uint32_t gen, uint64_t now)
{
	uint32_t dummy;
	if (c) {
		if (tl_map_get(&t->x->held, c->sock.cookie, &dummy))
			return true;
		/* A change of a socket exact mode follows that no record has
		 * told: its record is written before the kernel stores the
		 * state, but the ring hands records out in the order they
		 * were reserved, so it can wait behind another CPU's record
		 * still being written (a program preempted on a busy
		 * machine).  Passed over for a while (wait_record); lost
		 * records are taken from a later dump.  Not TIME-WAIT: the kernel hands a socket to
		 * its TIME-WAIT mini-socket without a state change the probe
		 * sees (the socket itself goes to CLOSE). */
		int st = tl_tcp_state_shown(r->state);
		if ((c->flags & TL_CONN_EXACT) && !(c->flags & TL_CONN_BASELINE) &&
		    st != c->state && st != TL_TCP_TIME_WAIT)
			return wait_record(t->x, r, ns, gen, now);
		return false;
	}
	if (baseline)
		return false;
	if (tl_map_get(&t->x->held, r->cookie, &dummy) || tl_map_get(&t->closed, r->cookie, &dummy))
		return true;
	if (r->state != TL_TCP_SYN_SENT)
		return false;
	/* The probe writes a connect()'s SYN-SENT record only once the
	 * socket has its port, after the kernel hashed it (where it cannot
	 * hook tcp_connect, from a timer a moment later): a dump can see the
	 * socket first.  Passed over for a while, it is taken from a dump
	 * that still sees it with no record, as polling would. */
	return wait_record(t->x, r, ns, gen, now);
}

void tl_trk_exact_dumped(struct tl_tracker *t, unsigned ns, uint32_t gen)
{
	struct tracker_exact *x = t->x;
	if (!x)
		return;
	for (size_t i = x->n_passed; i-- > 0;)
		if (x->passed[i].ns == ns && x->passed[i].gen != gen)
			x->passed[i] = x->passed[--x->n_passed];
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
		    tl_map_get(&t->by_tuple, tl_trk_conn_tuple_key(c), &slot) &&
		    slot == tl_trk_slot_of(t, c))
			tl_map_del(&t->by_tuple, tl_trk_conn_tuple_key(c));
		memcpy(c->sock.local, r->local, 16);
		memcpy(c->sock.remote, r->remote, 16);
		c->sock.lport = r->lport;
		c->sock.rport = r->rport;
		c->sock.family = r->family;
		if (c->state != TL_TCP_LISTEN) {
			tl_map_put(&t->by_tuple, tl_trk_conn_tuple_key(c), tl_trk_slot_of(t, c));
			tl_trk_pair(t, c);
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
	tl_trk_emit(t, c, kind, from, to, e, false, now, wall);
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
	tl_trk_emit(t, p, TL_EV_CLOSE, TL_TCP_FIN_WAIT2, TL_TCP_CLOSE,
		    edge_with(TL_TCP_FIN_WAIT2, TL_TCP_CLOSE, p->role, true), true, now, wall);
	t->events[t->n_events - 1].dir = TL_DIR_IN;
	p->state = TL_TCP_CLOSE;
	tl_trk_conn_close(t, p, now, wall);
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
	} else if (error && tl_fsm_timeout_edge(from)) {
		/* an error and no RST: its retransmissions or keepalive
		 * probes went unanswered (tcp_write_err) */
		e = tl_fsm_timeout_edge(from);
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
		tl_trk_pend(t, p);
	tl_trk_conn_close(t, c, now, wall);
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
		t->birth_exact = start;
		c = tl_trk_conn_new(t, ns, &r, r.state, false, start, now, wall);
		t->birth_exact = false;
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
		tl_trk_set_role(t, c, TL_ROLE_ACTIVE);
	else if (to == TL_TCP_SYN_RECV)
		tl_trk_set_role(t, c, TL_ROLE_PASSIVE);
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
		tl_trk_walk(t, c, from, 0, true, false, now, wall);
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
	tl_trk_conn_close(t, c, x->mono_ns, wall);
}

/* A segment sent again: SYN, SYN+ACK and FIN are events of their own,
 * numbered (the SYN's third copy is its retransmission #2); data sent
 * again is not (tcp_info counts it).  A request socket's SYN+ACK is told
 * only if the request socket is known (a dump saw it): the accepted
 * child's record, which opens it in exact mode, comes later. */
static void exact_retransmit(struct tl_tracker *t, struct tl_conn *c, const struct tl_exact_rec *x,
			     double wall)
{
	int seg;
	if (!c || (c->flags & TL_CONN_GONE))
		return;
	if ((x->tcp_flags & 0x12) == 0x12 || x->kind == TL_EXACT_RETRANS_SYNACK)
		seg = TL_SEG_SYNACK;
	else if (x->tcp_flags & 0x02)
		seg = TL_SEG_SYN;
	else if (x->tcp_flags & 0x01)
		seg = TL_SEG_FIN;
	else
		return;
	if (c->retrans_seg != seg)
		c->retrans_n = 0;
	c->retrans_seg = (uint8_t)seg;
	if (c->retrans_n < UINT16_MAX)
		c->retrans_n++;
	t->generation++;
	tl_trk_emit(t, c, TL_EV_RETRANSMIT, c->state, c->state, NULL, false, x->mono_ns, wall);
	struct tl_event *ev = &t->events[t->n_events - 1];
	ev->segment = (uint8_t)seg;
	ev->dir = TL_DIR_OUT;
	ev->retrans = c->retrans_n;
	ev->why = seg == TL_SEG_FIN ? "no ACK came for the FIN in time: sent again"
				    : "no answer came in time: sent again";
}

/* The process a record names (made in a system call on the socket) owns
 * the connection from then on; its events name it while the socket has a
 * file (a TIME-WAIT or orphaned socket belongs to no process), and the
 * step the process made names it in any case. */
static void exact_owner(struct tl_tracker *t, struct tl_conn *c, const struct tl_exact_rec *x,
			size_t n0)
{
	if (!c)
		c = tl_tracker_find(t, x->sock.cookie); /* opened by this record */
	if (!c)
		return;
	if (x->flags & TL_EXACT_TASK) {
		c->pid = x->pid;
		memcpy(c->comm, x->comm, sizeof(c->comm));
		c->comm[sizeof(c->comm) - 1] = '\0';
	}
	if (!c->pid)
		return;
	for (size_t i = n0; i < t->n_events; i++) {
		struct tl_event *ev = &t->events[i];
		if (ev->conn != c->id || ev->pid)
			continue;
		if (!(x->flags & TL_EXACT_TASK) &&
		    (!ev->sock.inode || (x->flags & TL_EXACT_ORPHAN)))
			continue;
		ev->pid = c->pid;
		memcpy(ev->comm, c->comm, sizeof(ev->comm));
	}
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
	case TL_EXACT_RETRANS:
	case TL_EXACT_RETRANS_SYNACK:
		exact_retransmit(t, c, x, wall);
		break;
	default:
		break; /* TL_EXACT_OWNER: the owner alone, below */
	}
	exact_owner(t, c, x, n0);
	for (size_t i = n0; i < t->n_events; i++)
		t->events[i].source = TL_SOURCE_EBPF;
}
