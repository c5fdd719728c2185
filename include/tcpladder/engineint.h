/* engineint: the engine's state and the calls its parts make to one
 * another.  Only the engine's own files include it (engine.c: the
 * samplers, dumps, destroy events, lookups, following, pacing, recording
 * and replay; engexact.c: exact mode's records, queued and merged with
 * the dumps).  Everyone else uses engine.h.  The tl_eng_ functions are
 * the parts' calls to one another, not an interface. */
#ifndef TCPLADDER_ENGINEINT_H
#define TCPLADDER_ENGINEINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpladder/engine.h"
#include "tcpladder/exact.h"
#include "tcpladder/map.h"
#include "tcpladder/snapshot.h"
#include "tcpladder/stats.h"
#include "tcpladder/tracker.h"

struct tl_ebpf;
struct tl_sampler;

struct engine_ns {
	struct tl_sampler *sampler;
	struct tl_snapshot snap; /* scratch for the dump in progress */
	struct tl_snapshot last; /* the last complete one */
	char *name;
	uint64_t ino;     /* the namespace's inode (exact mode's records name it), kept after it is
			     dropped */
	unsigned quiet;   /* dumps in a row that brought no event */
	size_t timed;     /* its last dump's sockets that end by a timer alone (TIME-WAIT,
			     SYN-RECV): no record tells of their end */
	uint64_t cost_ns; /* CPU time of its last dump */
	uint64_t dumped_ns; /* when it was last dumped, 0 never */
	unsigned failing;   /* dumps in a row that failed (said once) */
};

struct tl_engine {
	struct tl_engine_config cfg;
	struct engine_ns *ns;
	unsigned n_ns;
	struct tl_tracker *tracker;
	uint64_t delay_ns;
	uint64_t next_dump_ns;
	uint64_t next_expire_ns; /* tombstones expired between dumps then */
	uint64_t next_follow_ns;
	uint64_t rounds;
	uint64_t extra_cost_ns; /* baselines of namespaces that joined since the last round */
	double cost_ewma_ns;
	bool have_cost;
	uint64_t round_ns;         /* when the last round of dumps began */
	uint64_t busy_interval_ns; /* the interval paced by the whole budget */
	bool resync;
	struct tl_engine_stats st;
	char *notice;
	struct tl_lookup *lk;
	/* Following: a round-robin cursor over the tracker's slots, the
	 * smoothed CPU cost of a follow step, the tracker generation the
	 * marks were made at, and whether the user was told of a slowdown. */
	size_t follow_cursor;
	double follow_cost_ewma_ns;
	uint64_t follow_marked_gen;
	bool follow_marked;
	bool follow_slowed;
	size_t trim_bytes; /* the tracker's storage when memory was last given back */
	/* what a view shows (tl_engine_show), and when it is next looked up */
	uint64_t shown[TL_ENGINE_SHOWN];
	size_t n_shown;
	uint64_t next_show_ns;
	/* exact mode */
	struct tl_ebpf *x;
	struct tl_exact_batch xb; /* records read, not yet applied */
	/* Its first x_kept records were found stamped after a step's clock
	 * by the last flush, the earliest at x_kept_min: a flush before that
	 * time need only look at the records read since. */
	size_t x_kept;
	uint64_t x_kept_min;
	/* How many of xb's records each socket has (keyed by cookie + 1):
	 * asked for every lookup's answer and every destroy event. */
	struct tl_map x_wait;
	uint64_t x_lost;         /* lost records already counted */
	uint64_t x_noticed;      /* lost records already told */
	uint64_t x_notice_at;    /* no new notice before */
	bool x_resync;           /* a loss waits for its full dump */
	uint64_t x_again;        /* read the ring again then (records flow), or 0 */
	uint64_t x_resync_at;    /* not before (losses in a row cost one dump a while) */
	char *x_reason;          /* why exact mode is off */
	struct tl_recorder *rec; /* --record, or NULL */
	uint64_t rec_now;        /* the step being recorded */
};

/* engine.c */
/* A one-line notice for the user, replacing the one not yet read. */
void tl_eng_notice(struct tl_engine *e, char *msg);
/* --record: what the tracker is handed, as it is handed (rec needs e->rec
 * set; the others do nothing without it). */
void tl_eng_rec(struct tl_engine *e, const struct tl_rop *op);
void tl_eng_rec_simple(struct tl_engine *e, uint8_t kind, uint64_t cookie, uint32_t arg);
void tl_eng_rec_sample(struct tl_engine *e, unsigned ns, const struct tl_snapshot *s);
void tl_eng_rec_lookup(struct tl_engine *e, unsigned ns, uint64_t cookie, const struct tl_sock *s);

/* Something happened in namespace i (a record, a destroy event): it is
 * not still, and a slowed round of dumps comes at the busy pace. */
void tl_eng_wake(struct tl_engine *e, unsigned i);

/* englookup.c */
/* Lookups the tracker asks for in one step, at most (e->lk holds them). */
#define TL_ENG_MAX_LOOKUPS 2048
/* Followed connections looked up in one step: a step must not hold up
 * the loop (a lookup costs 5-20 us); more are visited in turn. */
#define TL_ENG_MAX_FOLLOW 256
/* The lookups the tracker asks for, answered. */
void tl_eng_lookups(struct tl_engine *e, uint64_t now, double wall);
/* Mark the connections the --follow filter selects (when the tracker
 * changed), then look up the next of them in turn. */
void tl_eng_follow_mark(struct tl_engine *e);
void tl_eng_follow_visit(struct tl_engine *e, uint64_t now, double wall);
/* Look up what a view shows, when the dumps are further apart than the
 * interval (exact mode). */
void tl_eng_show_visit(struct tl_engine *e, uint64_t now, double wall);

/* engexact.c */
void tl_eng_exact_start(struct tl_engine *e, const struct tl_engine_config *cfg);
void tl_eng_exact_pump(struct tl_engine *e, uint64_t now, double wall);
void tl_eng_exact_flush(struct tl_engine *e, uint64_t now, double wall);
bool tl_eng_exact_waiting(const struct tl_engine *e, uint64_t cookie);
bool tl_eng_lookup_stale(struct tl_engine *e, uint64_t cookie, uint64_t began, uint64_t now,
			 double wall);
void tl_eng_apply_sample(struct tl_engine *e, unsigned i, const struct tl_snapshot *s, uint64_t now,
			 double wall);

#endif
