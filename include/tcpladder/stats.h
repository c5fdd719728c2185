/* stats: what the engine reports about its own work (the effective
 * interval, what a round of dumps cost, counters), read by the views and
 * the reports.  Plain data, defined here so that the pure core can show it
 * without depending on the engine. */
#ifndef TCPLADDER_STATS_H
#define TCPLADDER_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tl_engine_stats {
	uint64_t interval_ns;  /* effective full-dump interval */
	uint64_t dump_cost_ns; /* CPU time of the last full-dump round */
	uint64_t dump_wall_ns; /* wall time of the last full-dump round */
	uint64_t samples;      /* full-dump rounds completed */
	uint64_t lookups;      /* exact lookups made */
	uint64_t destroy_events;
	uint64_t lost_events; /* times the kernel dropped destroy events */
	size_t sockets;       /* in the last round, all namespaces */
	bool paused;
	/* Following (--follow and requests): connections followed, steps
	 * made, the period between steps (stretched from follow_period_ns to
	 * keep within the budget), and how often each connection is looked
	 * up (a step visits at most 256 of them, in turn). */
	size_t followed;
	uint64_t follow_steps;
	uint64_t follow_period_ns;
	uint64_t follow_cycle_ns;
	bool exact;             /* the eBPF source is in use (exact mode) */
	uint64_t exact_records; /* its records taken in */
	uint64_t exact_lost;    /* records the kernel dropped, its ring buffer full */
	/* Exact mode, every namespace still (no record, no destroy event, no
	 * socket that ends by a timer alone): dumps only keep queues and
	 * counters current, at a tenth of the budget. */
	bool still;
};

#endif
