/* engine: the sampling loop's shell.  It owns one sampler per watched
 * namespace, the tracker, the destroy-event subscriptions, the exact
 * lookups (for confirmations and for followed connections) and the
 * adaptive interval; the modes (events, UI) poll its descriptors and
 * call tl_engine_step() when something is due.
 *
 * Errors: -errno with *cause set to one line (caller frees). */
#ifndef TCPLADDER_ENGINE_H
#define TCPLADDER_ENGINE_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpladder/options.h"
#include "tcpladder/snapshot.h"
#include "tcpladder/stats.h"
#include "tcpladder/tracker.h"

struct tl_filter;

struct tl_engine_config {
	const struct tl_ns_arg *netns;
	size_t n_netns;
	uint64_t delay_ns;              /* the interval aimed for */
	double cpu_budget;              /* fraction of one core for full dumps, and
					   again for following (clamped to 0.001..1) */
	uint64_t follow_period_ns;      /* follow steps at most this often */
	const struct tl_filter *filter; /* which sockets to track (may be NULL) */
	const struct tl_filter *follow; /* which connections to follow (may be NULL) */
	unsigned what;                  /* TL_SAMPLE_* */
	int exact;                      /* enum tl_exact_mode: the eBPF source */
	size_t exact_ring;              /* its ring buffer in bytes (0: the default) */
	bool sparse_quiet;              /* dump quiet namespaces less often (--all-netns) */
	bool replay; /* --replay: no sources; tl_engine_replay() feeds it (netns unused) */
};

struct tl_engine;
struct tl_recorder;
struct tl_rop;

struct tl_engine *tl_engine_new(const struct tl_engine_config *cfg, char **cause);
void tl_engine_free(struct tl_engine *e);

/* Descriptors to poll for input (POLLIN); returns how many were written. */
size_t tl_engine_pollfds(const struct tl_engine *e, struct pollfd *pfd, size_t max);
/* Monotonic time (ns) when tl_engine_step() next has work to do. */
uint64_t tl_engine_deadline(const struct tl_engine *e);
/* Read events, dump when due, look up what needs it. */
/* What the kernel told and the engine has not read yet (destroy events
 * queued, exact mode's records in the ring), read and applied: the last
 * step of a run that ends. */
void tl_engine_drain(struct tl_engine *e, uint64_t now, double wall);
int tl_engine_step(struct tl_engine *e, uint64_t now, double wall, char **cause);

/* --record: every input handed to the tracker from now on goes to r too
 * (NULL: none); the caller keeps r. */
void tl_engine_set_recorder(struct tl_engine *e, struct tl_recorder *r);
/* --replay: one recorded input, applied as its source applied it, at the
 * recorded step's now and wall.  Namespaces come as TL_ROP_NS. */
void tl_engine_replay(struct tl_engine *e, const struct tl_rop *op, uint64_t now, double wall);

struct tl_tracker *tl_engine_tracker(struct tl_engine *e);
/* The last complete snapshot of namespace i. */
const struct tl_snapshot *tl_engine_snapshot(const struct tl_engine *e, unsigned i);
const char *tl_engine_ns_name(const struct tl_engine *e, unsigned i);
unsigned tl_engine_ns_count(const struct tl_engine *e);
void tl_engine_stats(const struct tl_engine *e, struct tl_engine_stats *st);
/* A one-line notice for the user (events lost, a failed dump), or NULL;
 * reading it clears it.  Caller frees. */
char *tl_engine_take_notice(struct tl_engine *e);
/* Pause or resume full dumps; change the interval aimed for. */
void tl_engine_set_paused(struct tl_engine *e, bool paused);
void tl_engine_set_delay(struct tl_engine *e, uint64_t delay_ns);
uint64_t tl_engine_delay(const struct tl_engine *e);
/* The sockets a view shows, by cookie (at most TL_ENGINE_SHOWN of them;
 * a call replaces the last).  While exact mode dumps less often than the
 * interval (still, or paced by its share of the budget), they are looked
 * up once an interval: what is on screen keeps its queues and counters
 * current, and the rest waits for the dumps. */
#define TL_ENGINE_SHOWN 128
void tl_engine_show(struct tl_engine *e, const uint64_t *cookies, size_t n);

/* Namespace i's TIME-WAIT bucket limit and port range; its inode. */
void tl_engine_limits(struct tl_engine *e, unsigned i, long *tw_max_buckets, int *port_lo,
		      int *port_hi);
uint64_t tl_engine_ns_ino(const struct tl_engine *e, unsigned i);

/* The interval at which work costing cost_ns of CPU a round keeps within
 * cpu_budget (a fraction of one core, clamped to 0.001..1; 0 or less: no
 * budget), at least floor_ns and at most TL_ENGINE_MAX_INTERVAL_NS. */
#define TL_ENGINE_MAX_INTERVAL_NS (3600ULL * 1000000000ULL)
uint64_t tl_engine_pace(double cost_ns, double cpu_budget, uint64_t floor_ns);
/* Exact mode: NULL while the eBPF source is in use, else why not (it
 * failed to start under the default "auto", or --no-exact). */
const char *tl_engine_exact_reason(const struct tl_engine *e);
/* The watched set changing while it runs (--all-netns).  Add: a sampler
 * for the namespace at path (tl_netns_open()), its baseline dump taken at
 * once; returns its index, or -errno with *cause.  Drop: its sockets are
 * closed and its connections forgotten (no events: the namespace, not
 * the connections, went away); its index, name and inode stay, never
 * reused, so events and views already holding it stay right. */
int tl_engine_ns_add(struct tl_engine *e, const char *path, const char *name, uint64_t now,
		     double wall, char **cause);
void tl_engine_ns_drop(struct tl_engine *e, unsigned i);
bool tl_engine_ns_live(const struct tl_engine *e, unsigned i);

#endif
