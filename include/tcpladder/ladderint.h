/* ladderint: the ladder model's state and the calls its parts share.
 * Only the ladder's own files include it (ladder.c: the steps from the
 * two ends' events, and reading them; ladderlink.c: the lab's link's
 * segments joined in).  Everyone else uses ladder.h.  The tl_lad_
 * functions are the parts' calls to one another, not an interface. */
#ifndef TCPLADDER_LADDERINT_H
#define TCPLADDER_LADDERINT_H

#include <stddef.h>
#include <stdint.h>

#include "tcpladder/ladder.h"
#include "tcpladder/ladderend.h"

struct tl_ladder {
	struct tl_ladderend s[2];
	struct tl_ladder_step *st;
	uint8_t *hint; /* per step: what an ACK acknowledges (HINT_*) */
	size_t n, cap;
	char addr[2][64];
	int newest;
};

/* Steps not kept, per connection: where they belong and how many. */
struct tl_lad_gaps {
	size_t at[2];
	uint64_t hidden[2];
};

/* The ladder of ev (n events of conn_a and conn_b, in order per
 * connection), built afresh; gp NULL when no steps were left out. */
void tl_lad_build(struct tl_ladder *l, const struct tl_event *ev, size_t n, uint32_t conn_a,
		  uint32_t conn_b, const struct tl_lad_gaps *gp);
/* A new row at the end (no hint); returns its index. */
int tl_lad_step_new(struct tl_ladder *l, int kind, int seg, int from, uint64_t t, double wall);
/* Once the rows are in their order: times that never go backwards down
 * the ladder, each side's states before and after every row, tcp_info
 * carried down, the arrows' lines, and the newest step. */
void tl_lad_finish(struct tl_ladder *l);

#endif
