/* ladderend: one end of a ladder (ladder.c) as it is being built: its
 * state changes ("transitions") read from its events, and the segments
 * each change sends and receives ("actions"), or, for an end not
 * watched, both derived from the other end through the fsm table.
 * Private to the ladder module: only ladder.c, ladderend.c and (through ladderint.h)
 * ladderlink.c include it.
 *
 * An end owns its arrays (tr, act); ladder.c keeps two ends, resets and
 * frees them, pairs their actions and merges them into steps. */
#ifndef TCPLADDER_LADDEREND_H
#define TCPLADDER_LADDEREND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpladder/snapshot.h"
#include "tcpladder/tracker.h"

#define SEG_DATA 16 /* an action carrying data (not a TCP flag) */

enum { ACT_SEND, ACT_RECV, ACT_RSTU, ACT_STATE, ACT_SEEN, ACT_GAP };
enum { HINT_NONE, HINT_HS, HINT_FIN };

struct tl_ladderend_tr {
	uint64_t t;
	uint64_t after; /* the event's after_ns: its window's start (tracker.h) */
	double wall;
	uint8_t from, to, seg, dir;
	bool inferred;
	const char *why;
	bool has_info;
	struct tl_tcpinfo info;
	uint8_t timer;
	uint32_t expires_ms;
	uint16_t retrans; /* a segment sent again (its Nth time), no change of state */
};

struct tl_ladderend_act {
	uint8_t kind, seg, hint;
	bool first; /* the first action of its transition: the state changes here */
	int tr;     /* transition on its side, -1 for none */
	int peer;   /* the matched action on the other side, -1 for none */
	int step;   /* the step it made or landed on, -1 before */
	uint64_t t;
	uint64_t after; /* its window's start, as the event's after_ns */
	double wall;
	uint64_t bytes;
	uint32_t segs;
	uint16_t retrans; /* the segment's Nth retransmission, 0 for the first copy */
};

struct tl_ladderend {
	bool known;
	int role;
	uint8_t init; /* state before the first transition, 0 unknown */
	struct tl_ladderend_tr *tr;
	size_t ntr, cap_tr;
	struct tl_ladderend_act *act;
	size_t nact, cap_act;
	bool have_sock;
	struct tl_sock sock;
	/* first seen in mid-life: in which state, when */
	bool seen;
	uint8_t seen_state;
	uint64_t seen_t;
	double seen_wall;
	/* steps not kept (steps.h): how many, before which transition, when */
	uint64_t gap_n;
	size_t gap_tr;
	uint64_t gap_t;
	double gap_wall;
};

/* Data while ESTABLISHED, from the counters at entering and at leaving it. */
struct tl_ladderend_flow {
	bool ok;
	uint64_t out_bytes, in_bytes;
	uint32_t out_segs, in_segs;
	int leave;      /* transition that leaves ESTABLISHED */
	uint64_t since; /* when it entered ESTABLISHED */
	double since_wall;
};

/* The end's transitions from its events (in order, all of one
 * connection); gap_at: where `hidden` steps not kept belong among ev
 * (0 hidden: none).  Marks the end known. */
void tl_ladderend_from_events(struct tl_ladderend *s, const struct tl_event *const *ev, size_t n,
			      size_t gap_at, uint64_t hidden);
/* The data the end exchanged while ESTABLISHED (f->ok: counted). */
void tl_ladderend_flow(const struct tl_ladderend *s, struct tl_ladderend_flow *f);
/* The end's actions from its transitions, with the data of both
 * directions (bytes[x], segs[x]: what end x sent) where it left
 * ESTABLISHED; me: which end s is. */
void tl_ladderend_actions(struct tl_ladderend *s, const struct tl_ladderend_flow *f,
			  const uint64_t bytes[2], const uint32_t segs[2], int me);
/* d, the end not watched, from k's actions. */
void tl_ladderend_derive(struct tl_ladderend *d, const struct tl_ladderend *k);

#endif
