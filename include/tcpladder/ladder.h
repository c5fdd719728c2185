/* ladder: the model of a connection's life as a sequence diagram, the pure
 * data that the narration (narration.h) puts into words and the drawing
 * (ladderview.h) lays out.
 *
 * Two lifelines, A (the active opener, "client") and B (the passive
 * opener, "server").  The events of both ends (or of one end, the other
 * derived from it) become steps in time order: segments flying from one
 * lifeline to the other (SYN, SYN+ACK, ACK, FIN, RST, aggregated data),
 * each observed or inferred, with each side's state changes and the line
 * of dialogue each step speaks.  Pure: no clock, no terminal, no printing.
 *
 * The ladder owns its steps; tl_ladder_build() copies what it needs from
 * the log, so the log may change afterwards.  Pointers it returns (steps,
 * addresses) stay valid until the next build or tl_ladder_free(). */
#ifndef TCPLADDER_LADDER_H
#define TCPLADDER_LADDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpladder/evlog.h"
#include "tcpladder/snapshot.h"
#include "tcpladder/steps.h"

enum tl_ladder_kind {
	TL_LADDER_ARROW, /* a segment: SYN, SYN+ACK, ACK, FIN, RST */
	TL_LADDER_DATA,  /* data, payload only, from tcp_info deltas (or the lab's link) */
	TL_LADDER_STATE, /* a state change that sends nothing (TIME-WAIT expiry) */
	TL_LADDER_SEEN,  /* `from` first seen in mid-life, in `state`: nothing before it is known */
	TL_LADDER_GAP,   /* `hidden` steps of `from` not kept (steps.h) */
};

/* The dialogue line a step speaks (the words are in narration.c). */
enum tl_ladder_line {
	TL_LINE_NONE,
	TL_LINE_HELLO1,  /* "A: Hello, I'm A" */
	TL_LINE_HELLO2,  /* "B: Hello A, I'm B" */
	TL_LINE_HELLO3,  /* "A: Hello B" */
	TL_LINE_BYE1,    /* "A: B, I'm done sending" */
	TL_LINE_BYE2,    /* "B: Oh, you're done. Got it" */
	TL_LINE_BYE3,    /* "B: Then I'm done too. Bye" */
	TL_LINE_BYE4,    /* "A: OK, bye" */
	TL_LINE_RESET,   /* "A: Reset! Drop it all" */
	TL_LINE_REFUSE,  /* an RST from a side that changes nothing: no connection of its expects
			    the segment it answers */
	TL_LINE_OLD_ACK, /* an ACK from TIME-WAIT answering a SYN+ACK: the old connection's */
	TL_LINE_NEW_SYN, /* a SYN into TIME-WAIT: a new connection on the same ports */
	TL_LINE_N
};

/* One side (0 = A, 1 = B) at one step. */
struct tl_ladder_side {
	uint8_t before, after; /* states around the step (0: not yet known) */
	uint8_t change;        /* the state entered at this step, 0 for none */
	bool inferred;         /* that change was inferred or derived */
	bool landing;          /* ... and caused by this step's segment arriving */
	const char *why;       /* the change's explanation (static), or NULL */
	bool has_info;         /* info holds this side's counters at this step */
	struct tl_tcpinfo info;
};

struct tl_ladder_step {
	uint8_t kind;     /* enum tl_ladder_kind */
	uint8_t segment;  /* enum tl_segment for arrows */
	int8_t from;      /* sender: 0 A, 1 B, -1 unknown (an RST) */
	bool inferred;    /* no observed state change implies it */
	uint8_t line;     /* enum tl_ladder_line, spoken by `from` */
	uint64_t mono_ns; /* when it was sent (or seen arriving); a window's end */
	/* Its window's start: the step happened after after_ns and at or
	 * before mono_ns; after_ns == mono_ns when exact, 0 when unbounded
	 * (only "at or before"). */
	uint64_t after_ns;
	double wall;
	uint64_t bytes; /* data steps: bytes and segments carried */
	uint32_t segs;
	uint8_t state;   /* TL_LADDER_SEEN: the state it was first seen in */
	uint64_t hidden; /* TL_LADDER_GAP: how many steps are not shown */
	/* In the lab, an arrow the link carried (its time exact, when it was
	 * put on the link), and what became of it. */
	bool link, lost, held, resent;
	bool answer;       /* resent as an answer to a copy delivered again, not by a timer */
	bool released;     /* the arrival of a held segment, at its release */
	uint64_t stale_ns; /* a stale duplicate: how long ago its original was sent */
	bool has_seq;      /* seq/ack: relative to each side's first sequence number */
	uint32_t seq, ack;
	uint16_t retrans; /* arrows: the segment's Nth retransmission (exact mode), 0 the first */
	struct tl_ladder_side side[2];
};

/* The last state a watched side entered, for its clock: when, and the
 * socket's timer at that moment. */
struct tl_ladder_last {
	uint8_t state;
	uint64_t mono_ns;
	uint8_t timer; /* idiag_timer: 3 is the TIME-WAIT timer */
	uint32_t expires_ms;
};

struct tl_ladder;

struct tl_ladder *tl_ladder_new(void);
void tl_ladder_free(struct tl_ladder *l);
/* Rebuild from the log: the events of connection conn_a and of its paired
 * peer conn_b (0 if none; B is then derived from A and drawn inferred).
 * Either id may be the passive end: the roles decide who is A.
 * Deterministic. */
void tl_ladder_build(struct tl_ladder *l, const struct tl_evlog *log, uint32_t conn_a,
		     uint32_t conn_b);
/* The same from each connection's own steps (steps.h): a connection of
 * any age, with the steps not kept shown as a gap.  Where the store kept
 * the lab's link segments between the two ends' ports, the ladder draws
 * what the link carried: each arrow the state changes imply is matched
 * with the segment the link carried (in order, sent no later than the
 * change was seen) and takes its exact time; segments with no such arrow
 * (a lost one, a FIN sent again, a stale SYN, an ACK answering a SYN+ACK
 * or a FIN) become arrows of their own; plain ACKs are left out, and a
 * data row whose bytes the link's data segments add up to takes their
 * count and the window from the first to the last. */
void tl_ladder_build_steps(struct tl_ladder *l, const struct tl_steps *s, uint32_t conn_a,
			   uint32_t conn_b);
/* The same from an array of events (tests, replays). */
void tl_ladder_build_events(struct tl_ladder *l, const struct tl_event *ev, size_t n,
			    uint32_t conn_a, uint32_t conn_b);

/* Keep only the first n steps, as the ladder was when the n-th happened
 * (a replay of a built ladder, the link's rows among them): the newest
 * arrow and each end's last state (its clock) go back with them. */
void tl_ladder_truncate(struct tl_ladder *l, size_t n);

/* Steps in time order: arrows, data arrows and the state changes that
 * send nothing.  tl_ladder_step() is NULL past the end. */
size_t tl_ladder_steps(const struct tl_ladder *l);
const struct tl_ladder_step *tl_ladder_step(const struct tl_ladder *l, size_t i);
/* The newest arrow (the one that animates), or -1. */
int tl_ladder_newest(const struct tl_ladder *l);
/* Whether side 0 (A) or 1 (B) was seen (false: derived from the other). */
bool tl_ladder_known(const struct tl_ladder *l, int side);
/* "10.0.0.1:45000" of side 0 or 1, "?" when unknown. */
const char *tl_ladder_addr(const struct tl_ladder *l, int side);
/* The state side 0 or 1 starts in (before the first step), 0 if unknown. */
int tl_ladder_first_state(const struct tl_ladder *l, int side);
/* The state side 0 or 1 ends in (after the last step), 0 if unknown. */
int tl_ladder_final_state(const struct tl_ladder *l, int side);
/* The last state a side was seen entering; false when the side was
 * derived or changed no state.  A TIME-WAIT's timer restarts each time
 * the side answers a FIN from it (the lab's link saw the ACK): then the
 * time and the timer are those of the last restart. */
bool tl_ladder_last(const struct tl_ladder *l, int side, struct tl_ladder_last *out);
/* Nanoseconds from the first step to step i (0 for the first). */
uint64_t tl_ladder_elapsed(const struct tl_ladder *l, size_t i);
/* Step i's time as a window from the ladder's origin (the earliest the
 * first step may have happened): it happened after *lo and at or before
 * *hi.  Returns 1 when exact (*lo == *hi), 0 for a window, -1 when only
 * the upper bound is known (*lo is 0 then). */
int tl_ladder_window(const struct tl_ladder *l, size_t i, uint64_t *lo, uint64_t *hi);

#endif
