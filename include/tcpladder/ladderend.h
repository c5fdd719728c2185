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
	/* its data, from its counters (tl_ladderend_count); counted[0]: it
	 * counted its sending, [1] its receiving */
	struct tl_ladderend_data *data;
	size_t ndata, cap_data;
	bool counted[2];
};

/* Data an end counted between two of its tcp_info records (payload only:
 * the SYN's and the FINs' sequence numbers taken out), to be drawn
 * before transition `at` (ntr: after the last). */
struct tl_ladderend_data {
	uint8_t dir; /* 0: this end sent it, 1: it received it */
	size_t at;
	uint64_t bytes;
	uint32_t segs;
	uint64_t t, after; /* at or before t, after `after` (0: unbounded) */
	double wall;
};

/* The end's transitions from its events (in order, all of one
 * connection); gap_at: where `hidden` steps not kept belong among ev
 * (0 hidden: none).  Marks the end known. */
void tl_ladderend_from_events(struct tl_ladderend *s, const struct tl_event *const *ev, size_t n,
			      size_t gap_at, uint64_t hidden);
/* The data the end sent and received, from the byte counters of the
 * tcp_info its events carry, in any state (data flows one way after the
 * other way's FIN), placed where each record was read: the SYN's and the
 * FINs' sequence numbers, which the kernel counts too, are not data. */
void tl_ladderend_count(struct tl_ladderend *s);
/* The end's actions from its transitions, with its data: what it sent
 * when use[0], what it received when use[1] (the other end's count of
 * the same bytes, when it has one, is drawn instead). */
void tl_ladderend_actions(struct tl_ladderend *s, const bool use[2]);
/* d, the end not watched, from k's actions. */
void tl_ladderend_derive(struct tl_ladderend *d, const struct tl_ladderend *k);

#endif
