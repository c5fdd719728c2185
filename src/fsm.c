/* fsm: TCP transitions as a table, and cheapest-path inference. */
#include <string.h>

#include "tcpladder/fsm.h"
#include "tcpladder/util.h"

#define A TL_EDGE_ACTIVE
#define P TL_EDGE_PASSIVE
#define X TL_EDGE_ABORT
#define F TL_EDGE_CLOSE_FIRST
#define V TL_EDGE_EVIDENCE

/* Costs: 2 for the common path, 3 for simultaneous close, 4 for the rare,
 * 5 for an abort: ESTABLISHED -> CLOSED is cheaper by RST (5) than by the
 * passive close (2+2+2), CLOSE-WAIT -> CLOSED cheaper by LAST-ACK (4).
 * SYN-RECV -> FIN-WAIT-1 costs 5 so that a request socket seen, then a
 * FIN-WAIT-1, goes through ESTABLISHED (a Linux child socket is created
 * established; only TCP Fast Open closes one in SYN-RECV).
 * An RST edge's direction is left to the tracker, which decides it from
 * evidence (tl_fsm_abort_edge).  Edges marked V are never inferred: only
 * the tracker's evidence picks them (the ends of a TIME-WAIT taken over by
 * a new connection on its ports, tl_fsm_reuse_edge; a connection timed
 * out, tl_fsm_timeout_edge). */
#define TIMED_OUT                                                                                  \
	"no answer to its retransmissions or keepalive probes: timed out (tcp_retries2, "          \
	"TCP_USER_TIMEOUT, keepalive)"
const struct tl_fsm_edge tl_fsm_edges[] = {
    {TL_TCP_CLOSE, TL_TCP_SYN_SENT, TL_SEG_SYN, TL_DIR_OUT, 2, A, "connect(): send SYN"},
    {TL_TCP_CLOSE, TL_TCP_LISTEN, TL_SEG_NONE, TL_DIR_NONE, 2, P, "listen()"},
    {TL_TCP_LISTEN, TL_TCP_SYN_RECV, TL_SEG_SYN, TL_DIR_IN, 2, P,
     "receive SYN, send SYN+ACK (a request socket)"},
    {TL_TCP_LISTEN, TL_TCP_CLOSE, TL_SEG_NONE, TL_DIR_NONE, 2, P, "close() of the listener"},
    {TL_TCP_SYN_SENT, TL_TCP_ESTABLISHED, TL_SEG_SYNACK, TL_DIR_IN, 2, A,
     "receive SYN+ACK, send ACK"},
    {TL_TCP_SYN_SENT, TL_TCP_SYN_RECV, TL_SEG_SYN, TL_DIR_IN, 4, A,
     "simultaneous open: receive SYN, send SYN+ACK"},
    {TL_TCP_SYN_SENT, TL_TCP_CLOSE, TL_SEG_NONE, TL_DIR_NONE, 2, A,
     "connect() gave up or was cancelled"},
    {TL_TCP_SYN_SENT, TL_TCP_CLOSE, TL_SEG_RST, TL_DIR_IN, 3, A | X,
     "receive RST: connection refused"},
    {TL_TCP_SYN_RECV, TL_TCP_ESTABLISHED, TL_SEG_ACK, TL_DIR_IN, 2, 0,
     "receive ACK of SYN+ACK: the handshake is complete"},
    {TL_TCP_SYN_RECV, TL_TCP_CLOSE, TL_SEG_NONE, TL_DIR_NONE, 2, P,
     "request dropped (an RST came, or the SYN+ACK retries ran out)"},
    {TL_TCP_SYN_RECV, TL_TCP_CLOSE, TL_SEG_RST, TL_DIR_NONE, 5, X, "RST: handshake aborted"},
    {TL_TCP_SYN_RECV, TL_TCP_FIN_WAIT1, TL_SEG_FIN, TL_DIR_OUT, 5, F,
     "close() before the handshake completed: send FIN"},
    {TL_TCP_ESTABLISHED, TL_TCP_FIN_WAIT1, TL_SEG_FIN, TL_DIR_OUT, 2, F,
     "close() or shutdown(): send FIN"},
    {TL_TCP_ESTABLISHED, TL_TCP_CLOSE_WAIT, TL_SEG_FIN, TL_DIR_IN, 2, 0,
     "receive FIN, send ACK: the peer is done sending"},
    {TL_TCP_ESTABLISHED, TL_TCP_CLOSE, TL_SEG_RST, TL_DIR_NONE, 5, X,
     "RST: the connection is aborted"},
    {TL_TCP_FIN_WAIT1, TL_TCP_FIN_WAIT2, TL_SEG_ACK, TL_DIR_IN, 2, 0, "receive ACK of our FIN"},
    {TL_TCP_FIN_WAIT1, TL_TCP_CLOSING, TL_SEG_FIN, TL_DIR_IN, 3, 0,
     "simultaneous close: receive FIN before the ACK of ours, send ACK"},
    {TL_TCP_FIN_WAIT1, TL_TCP_CLOSE, TL_SEG_RST, TL_DIR_NONE, 5, X, "RST: aborted while closing"},
    {TL_TCP_FIN_WAIT2, TL_TCP_TIME_WAIT, TL_SEG_FIN, TL_DIR_IN, 2, 0, "receive FIN, send ACK"},
    {TL_TCP_FIN_WAIT2, TL_TCP_CLOSE, TL_SEG_NONE, TL_DIR_NONE, 2, 0,
     "orphaned FIN-WAIT-2 timed out (tcp_fin_timeout)"},
    {TL_TCP_FIN_WAIT2, TL_TCP_CLOSE, TL_SEG_RST, TL_DIR_NONE, 5, X, "RST: aborted while closing"},
    {TL_TCP_CLOSING, TL_TCP_TIME_WAIT, TL_SEG_ACK, TL_DIR_IN, 2, 0, "receive ACK of our FIN"},
    {TL_TCP_CLOSING, TL_TCP_CLOSE, TL_SEG_RST, TL_DIR_NONE, 5, X, "RST: aborted while closing"},
    {TL_TCP_CLOSE_WAIT, TL_TCP_LAST_ACK, TL_SEG_FIN, TL_DIR_OUT, 2, 0, "close(): send FIN"},
    {TL_TCP_CLOSE_WAIT, TL_TCP_CLOSE, TL_SEG_RST, TL_DIR_NONE, 5, X,
     "RST: aborted (close() with unread data sends one)"},
    {TL_TCP_LAST_ACK, TL_TCP_CLOSE, TL_SEG_ACK, TL_DIR_IN, 2, 0, "receive ACK of our FIN"},
    {TL_TCP_LAST_ACK, TL_TCP_CLOSE, TL_SEG_RST, TL_DIR_NONE, 5, X, "RST: aborted while closing"},
    {TL_TCP_TIME_WAIT, TL_TCP_CLOSE, TL_SEG_NONE, TL_DIR_NONE, 2, 0,
     "TIME-WAIT expired (2 MSL, 60 s on Linux)"},
    {TL_TCP_TIME_WAIT, TL_TCP_CLOSE, TL_SEG_RST, TL_DIR_IN, 5, X,
     "receive RST: TIME-WAIT ended early (RFC 1337)"},
    {TL_TCP_TIME_WAIT, TL_TCP_CLOSE, TL_SEG_SYN, TL_DIR_IN, 6, V,
     "receive SYN of a new connection on the same ports: TIME-WAIT ends"},
    {TL_TCP_TIME_WAIT, TL_TCP_CLOSE, TL_SEG_NONE, TL_DIR_NONE, 6, V,
     "connect() from the same port: TIME-WAIT ends (tcp_tw_reuse)"},
    {TL_TCP_ESTABLISHED, TL_TCP_CLOSE, TL_SEG_NONE, TL_DIR_NONE, 9, V, TIMED_OUT},
    {TL_TCP_CLOSE_WAIT, TL_TCP_CLOSE, TL_SEG_NONE, TL_DIR_NONE, 9, V, TIMED_OUT},
    {TL_TCP_FIN_WAIT1, TL_TCP_CLOSE, TL_SEG_NONE, TL_DIR_NONE, 9, V, TIMED_OUT},
    {TL_TCP_CLOSING, TL_TCP_CLOSE, TL_SEG_NONE, TL_DIR_NONE, 9, V, TIMED_OUT},
    {TL_TCP_LAST_ACK, TL_TCP_CLOSE, TL_SEG_NONE, TL_DIR_NONE, 9, V, TIMED_OUT},
};
const unsigned tl_fsm_nedges = TL_ARRAY_SIZE(tl_fsm_edges);

#undef A
#undef P
#undef X
#undef F
#undef V

const char *tl_segment_name(int seg)
{
	static const char *const names[] = {NULL, "SYN", "SYN+ACK", "ACK", "FIN", "RST"};
	return seg > 0 && seg < (int)TL_ARRAY_SIZE(names) ? names[seg] : NULL;
}

const char *tl_dir_name(int dir)
{
	return dir == TL_DIR_IN ? "in" : dir == TL_DIR_OUT ? "out" : NULL;
}

const char *tl_role_name(int role)
{
	return role == TL_ROLE_ACTIVE ? "active" : role == TL_ROLE_PASSIVE ? "passive" : "unknown";
}

static bool allowed(const struct tl_fsm_edge *e, enum tl_role role, unsigned flags)
{
	if ((e->flags & TL_EDGE_ACTIVE) && role == TL_ROLE_PASSIVE)
		return false;
	if ((e->flags & TL_EDGE_PASSIVE) && role == TL_ROLE_ACTIVE)
		return false;
	if ((e->flags & TL_EDGE_ABORT) && (flags & TL_PATH_NO_ABORT))
		return false;
	if ((e->flags & TL_EDGE_CLOSE_FIRST) && (flags & TL_PATH_PEER_CLOSED_FIRST))
		return false;
	return !(e->flags & TL_EDGE_EVIDENCE);
}

const struct tl_fsm_edge *tl_fsm_edge(int from, int to, enum tl_role role)
{
	const struct tl_fsm_edge *best = NULL;
	for (unsigned i = 0; i < tl_fsm_nedges; i++) {
		const struct tl_fsm_edge *e = &tl_fsm_edges[i];
		if (e->from == from && e->to == to && allowed(e, role, 0) &&
		    (!best || e->cost < best->cost))
			best = e;
	}
	return best;
}

const struct tl_fsm_edge *tl_fsm_abort_edge(int from)
{
	for (unsigned i = 0; i < tl_fsm_nedges; i++)
		if (tl_fsm_edges[i].from == from && tl_fsm_edges[i].to == TL_TCP_CLOSE &&
		    tl_fsm_edges[i].segment == TL_SEG_RST)
			return &tl_fsm_edges[i];
	return NULL;
}

const struct tl_fsm_edge *tl_fsm_reuse_edge(int dir)
{
	for (unsigned i = 0; i < tl_fsm_nedges; i++) {
		const struct tl_fsm_edge *e = &tl_fsm_edges[i];
		if (e->from == TL_TCP_TIME_WAIT && e->to == TL_TCP_CLOSE &&
		    (e->flags & TL_EDGE_EVIDENCE) && e->dir == dir)
			return e;
	}
	return NULL;
}

const struct tl_fsm_edge *tl_fsm_timeout_edge(int from)
{
	for (unsigned i = 0; i < tl_fsm_nedges; i++) {
		const struct tl_fsm_edge *e = &tl_fsm_edges[i];
		if (e->from == from && e->to == TL_TCP_CLOSE && (e->flags & TL_EDGE_EVIDENCE) &&
		    e->segment == TL_SEG_NONE && from != TL_TCP_TIME_WAIT)
			return e;
	}
	return NULL;
}

bool tl_fsm_is_reuse(const char *why)
{
	const struct tl_fsm_edge *in = tl_fsm_reuse_edge(TL_DIR_IN),
				 *out = tl_fsm_reuse_edge(TL_DIR_NONE);
	return why && ((in && !strcmp(why, in->why)) || (out && !strcmp(why, out->why)));
}

static int fsm_path_compute(int from, int to, enum tl_role role, unsigned flags,
			    const struct tl_fsm_edge **path, int max);

/* Paths are asked for at every event: remember each answer (the table
 * never changes).  A path is at most TL_TCP_NSTATES edges. */
int tl_fsm_path(int from, int to, enum tl_role role, unsigned flags,
		const struct tl_fsm_edge **path, int max)
{
	static struct {
		signed char n; /* 0: not computed; -1: none; else edges + 1 */
		const struct tl_fsm_edge *e[TL_TCP_NSTATES];
	} cache[TL_TCP_NSTATES][TL_TCP_NSTATES][3][4];

	if (from <= 0 || from >= TL_TCP_NSTATES || to <= 0 || to >= TL_TCP_NSTATES || from == to ||
	    (unsigned)role > 2 || flags > 3)
		return fsm_path_compute(from, to, role, flags, path, max);
	__typeof__(cache[0][0][0][0]) *c = &cache[from][to][role][flags];
	if (!c->n) {
		int n = fsm_path_compute(from, to, role, flags, c->e, TL_TCP_NSTATES);
		c->n = (signed char)(n < 0 ? -1 : n + 1);
	}
	if (c->n < 0 || c->n - 1 > max)
		return -1;
	for (int i = 0; i < c->n - 1; i++)
		path[i] = c->e[i];
	return c->n - 1;
}

/* Dijkstra over a dozen states: an array scan is plenty.  Ties go to the
 * edge listed first, so the table's order is the preference. */
static int fsm_path_compute(int from, int to, enum tl_role role, unsigned flags,
			    const struct tl_fsm_edge **path, int max)
{
	unsigned dist[TL_TCP_NSTATES];
	const struct tl_fsm_edge *via[TL_TCP_NSTATES];
	bool done[TL_TCP_NSTATES];

	if (from <= 0 || from >= TL_TCP_NSTATES || to <= 0 || to >= TL_TCP_NSTATES || from == to)
		return -1;
	for (int s = 0; s < TL_TCP_NSTATES; s++) {
		dist[s] = ~0u;
		via[s] = NULL;
		done[s] = false;
	}
	dist[from] = 0;
	for (;;) {
		int u = -1;
		for (int s = 0; s < TL_TCP_NSTATES; s++)
			if (!done[s] && dist[s] != ~0u && (u < 0 || dist[s] < dist[u]))
				u = s;
		if (u < 0 || u == to)
			break;
		done[u] = true;
		/* Paths end at CLOSED: it is not a waypoint. */
		if (u == TL_TCP_CLOSE && u != from)
			continue;
		for (unsigned i = 0; i < tl_fsm_nedges; i++) {
			const struct tl_fsm_edge *e = &tl_fsm_edges[i];
			if (e->from != u || !allowed(e, role, flags) || done[e->to])
				continue;
			if (dist[u] + e->cost < dist[e->to]) {
				dist[e->to] = dist[u] + e->cost;
				via[e->to] = e;
			}
		}
	}
	if (dist[to] == ~0u)
		return -1;
	int n = 0;
	for (int s = to; s != from; s = via[s]->from)
		n++;
	if (n > max)
		return -1;
	int i = n;
	for (int s = to; s != from; s = via[s]->from)
		path[--i] = via[s];
	return n;
}
