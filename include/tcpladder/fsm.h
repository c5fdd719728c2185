/* fsm: the TCP state machine as data (RFC 9293 plus Linux), and the
 * inference of skipped steps.
 *
 * Every edge names the segment that causes it or is sent on it, and its
 * direction as seen by the socket that changes state.  Inference picks
 * the cheapest path between two observed states; costs make the usual
 * paths win ties (FIN-WAIT-2 before CLOSING) and make an abort (RST) the
 * explanation only where an orderly path is longer, as for ESTABLISHED
 * followed by "gone, with no TIME-WAIT successor". */
#ifndef TCPLADDER_FSM_H
#define TCPLADDER_FSM_H

#include <stdbool.h>
#include <stdint.h>

#include "tcpladder/tcpstate.h"

enum tl_segment {
	TL_SEG_NONE,
	TL_SEG_SYN,
	TL_SEG_SYNACK,
	TL_SEG_ACK,
	TL_SEG_FIN,
	TL_SEG_RST,
};

enum tl_dir {
	TL_DIR_NONE,
	TL_DIR_IN,
	TL_DIR_OUT,
};

/* Who opened the connection: A is the active opener, B the passive one. */
enum tl_role {
	TL_ROLE_UNKNOWN,
	TL_ROLE_ACTIVE,
	TL_ROLE_PASSIVE,
};

enum {
	TL_EDGE_ACTIVE = 1 << 0,      /* only an active opener takes it */
	TL_EDGE_PASSIVE = 1 << 1,     /* only a passive opener takes it */
	TL_EDGE_ABORT = 1 << 2,       /* an RST abort */
	TL_EDGE_CLOSE_FIRST = 1 << 3, /* sending the first FIN (the active close) */
	TL_EDGE_EVIDENCE = 1 << 4,    /* taken on the tracker's evidence only, never inferred */
};

struct tl_fsm_edge {
	uint8_t from; /* enum tl_tcp_state; CLOSED is the start and the end */
	uint8_t to;
	uint8_t segment; /* enum tl_segment */
	uint8_t dir;     /* enum tl_dir */
	uint8_t cost;
	uint8_t flags;   /* TL_EDGE_* */
	const char *why; /* "receive FIN, send ACK" */
};

extern const struct tl_fsm_edge tl_fsm_edges[];
extern const unsigned tl_fsm_nedges;

const char *tl_segment_name(int seg); /* "SYN", "SYN+ACK", ...; NULL for none */
const char *tl_dir_name(int dir);     /* "in", "out"; NULL for none */
const char *tl_role_name(int role);   /* "active", "passive", "unknown" */

/* The cheapest direct edge from -> to that role may take, or NULL. */
const struct tl_fsm_edge *tl_fsm_edge(int from, int to, enum tl_role role);
/* The RST edge from -> CLOSED, or NULL when from has none. */
const struct tl_fsm_edge *tl_fsm_abort_edge(int from);
/* The end of a TIME-WAIT a new connection on its ports took over: the
 * peer's SYN received (TL_DIR_IN), or this side's connect() reusing the
 * port (TL_DIR_NONE: no segment of this connection). */
const struct tl_fsm_edge *tl_fsm_reuse_edge(int dir);
/* Whether a step's reason is one of those (a recording's too: by text). */
bool tl_fsm_is_reuse(const char *why);
/* The end of a synchronized connection whose retransmissions or
 * keepalive probes went unanswered (timed out: no segment), or NULL. */
const struct tl_fsm_edge *tl_fsm_timeout_edge(int from);

enum {
	TL_PATH_NO_ABORT = 1 << 0,          /* evidence of an orderly close: no RST edges */
	TL_PATH_PEER_CLOSED_FIRST = 1 << 1, /* the peer sent the first FIN */
};

/* Cheapest path from -> to (to != from) for role; fills path[] with up to
 * max edges and returns their number, or -1 when to cannot be reached. */
int tl_fsm_path(int from, int to, enum tl_role role, unsigned flags,
		const struct tl_fsm_edge **path, int max);

#endif
