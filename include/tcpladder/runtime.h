/* runtime: what every live mode runs on.  It owns the engine (samplers,
 * tracker, destroy events, lookups), the optional lab, the stop signals,
 * the event log, the histogram history, the owner cache and the leak
 * watch; `--events` and the interactive view are front ends that poll its
 * descriptors (plus their own), call tl_runtime_step() and read what it
 * kept.  One step:
 *
 *   signals ─▶ lab (relay, scenario) ─▶ engine (dumps, events, lookups)
 *      ─▶ this step's events (the log, each connection's steps) ─▶ on a new sample: history,
 *         CLOSE-WAIT owners and growth, TIME-WAIT pressure
 *
 * Everything returned by the accessors is owned by the runtime and valid
 * until the next step.  Errors: -errno with *cause (caller frees). */
#ifndef TCPLADDER_RUNTIME_H
#define TCPLADDER_RUNTIME_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpladder/demo.h"
#include "tcpladder/evlog.h"
#include "tcpladder/history.h"
#include "tcpladder/leak.h"
#include "tcpladder/options.h"
#include "tcpladder/ownercache.h"
#include "tcpladder/stats.h"
#include "tcpladder/steps.h"
#include "tcpladder/tracker.h"

struct tl_filter;
struct tl_engine;

struct tl_runtime_config {
	const struct tl_options *opts;  /* namespaces, interval, budget, limits, owners */
	const struct tl_filter *filter; /* which sockets to track (may be NULL) */
	const struct tl_filter *follow; /* which connections to follow (may be NULL) */
	struct tl_demo *demo;           /* the lab, or NULL; the caller owns it */
	size_t log_cap;                 /* events kept for the views (0: none) */
	bool steps;                     /* keep each connection's steps (steps.h) */
	size_t steps_cap;               /* ... at most this many events (0: TL_STEPS_CAP) */
	size_t history_cap;             /* samples of histogram history (0: none) */
	bool leaks;                     /* CLOSE-WAIT owners and growth, TIME-WAIT pressure */
	bool event_owners;              /* owners of the events' sockets (--events) */
	/* Once destroy events were read, leave their descriptors out of
	 * tl_runtime_pollfds() for this long (0: never): the kernel queues
	 * them, and under churn one wakeup per event costs more than the
	 * events.  A view uses it; signals and its keys still wake at once. */
	uint64_t events_gap_ns;
};

/* The front ends, which keep different things for what they show. */
enum tl_runtime_front {
	TL_RUNTIME_FRONT_EVENTS,  /* --events: owners, and steps for --ladder */
	TL_RUNTIME_FRONT_METRICS, /* metrics alone: leaks for the exporter */
	TL_RUNTIME_FRONT_VIEW,    /* the full-screen view: log, steps, history, leaks */
};

/* Fills *cfg for front: the one place the front ends' needs are set. */
void tl_runtime_config_for(struct tl_runtime_config *cfg, enum tl_runtime_front front,
			   const struct tl_options *o, const struct tl_filter *filter,
			   const struct tl_filter *follow, struct tl_demo *demo);

/* Why tl_runtime_step() stopped the run. */
enum tl_runtime_stop {
	TL_RUNTIME_GOING,
	TL_RUNTIME_SIGNAL,     /* SIGINT, SIGTERM or SIGHUP */
	TL_RUNTIME_ITERATIONS, /* -n samples were taken */
	TL_RUNTIME_DURATION,   /* --duration has passed */
	TL_RUNTIME_END,        /* --replay: the recording ended (or --at was reached) */
};

struct tl_runtime;

/* Sets up the stop signals too (undone by tl_runtime_free()). */
struct tl_runtime *tl_runtime_new(const struct tl_runtime_config *cfg, uint64_t now, char **cause);
void tl_runtime_free(struct tl_runtime *rt);

/* Room for the descriptors a front end polls: one destroy-event socket
 * per namespace (hundreds with --all-netns), the lab's, the signals'. */
#define TL_POLLFDS_MAX 2048

/* Descriptors to poll (engine, lab, signals; the engine's left out while
 * events rest, see events_gap_ns); returns how many. */
size_t tl_runtime_pollfds(const struct tl_runtime *rt, struct pollfd *pfd, size_t max);
/* Monotonic time (ns) when a step next has work to do (the end of
 * --duration included). */
uint64_t tl_runtime_deadline(const struct tl_runtime *rt);
/* Do what is due: returns 0 while going on, 1 when the run should end
 * (tl_runtime_stopped() says why), or -errno. */
int tl_runtime_step(struct tl_runtime *rt, uint64_t now, double wall, char **cause);
enum tl_runtime_stop tl_runtime_stopped(const struct tl_runtime *rt);

/* What the last step brought. */
const struct tl_event *tl_runtime_events(const struct tl_runtime *rt, size_t *n);
const struct tl_demo_seg *tl_runtime_segments(const struct tl_runtime *rt, size_t *n);
bool tl_runtime_sampled(const struct tl_runtime *rt); /* a new full sample */
bool tl_runtime_new_run(const struct tl_runtime *rt); /* the lab began a run (a live lab) */
/* The lab began a run, live or replayed (tl_runtime_scenario() says which). */
bool tl_runtime_run_began(const struct tl_runtime *rt);
/* The lab's current run's main connection (the client end) once the
 * tracker knows it, else 0. */
uint32_t tl_runtime_run_conn(const struct tl_runtime *rt);
/* The lab's scenario (of a replayed run too), or -1. */
int tl_runtime_scenario(const struct tl_runtime *rt);
/* --replay: the runtime plays a recording (options record, replay, speed,
 * at: see options.h); with --record it writes one. */
bool tl_runtime_replaying(const struct tl_runtime *rt);
/* A one-line notice for the user, or NULL; reading it clears it (caller
 * frees).  *kind (when not NULL): "warning" (events lost, a failed dump)
 * or "note" (why some owners are unknown, said once). */
char *tl_runtime_take_notice(struct tl_runtime *rt, const char **kind);

/* The time the data shown is from, on its monotonic clock: now when live;
 * in a replay, the recorded time of the step played last (ages and
 * histories are measured to it, not to the real clock). */
uint64_t tl_runtime_data_now(const struct tl_runtime *rt, uint64_t now);

/* What the runtime keeps. */
struct tl_engine *tl_runtime_engine(struct tl_runtime *rt);
struct tl_tracker *tl_runtime_tracker(struct tl_runtime *rt);
void tl_runtime_stats(const struct tl_runtime *rt, struct tl_engine_stats *st);
const struct tl_evlog *tl_runtime_log(const struct tl_runtime *rt);
/* Each connection's steps (config steps), else NULL. */
const struct tl_steps *tl_runtime_steps(const struct tl_runtime *rt);
const struct tl_history *tl_runtime_history(const struct tl_runtime *rt);
const struct tl_owners *tl_runtime_owners(const struct tl_runtime *rt);
/* The watched namespaces' names (the engine's strings). */
const char *const *tl_runtime_ns_names(const struct tl_runtime *rt, unsigned *n);
const char *tl_runtime_ns_name(const struct tl_runtime *rt, unsigned ns);

/* --once --replay: namespace ns's CLOSE-WAIT by owner and by local port
 * (owners as the recording learnt them; the groups are the caller's to
 * free), at the data's time now. */
struct tl_once_report;
void tl_runtime_once_leaks(const struct tl_runtime *rt, unsigned ns, uint64_t now,
			   struct tl_once_report *rep);

/* The leak picture after the last sample (config leaks). */
const struct tl_leak_group *tl_runtime_leaks(const struct tl_runtime *rt, size_t *n);
const struct tl_leak_watch *tl_runtime_leak_watch(const struct tl_runtime *rt);
const struct tl_leak_cfg *tl_runtime_leak_cfg(const struct tl_runtime *rt);
/* TIME-WAIT pressure of the first namespace, NULL before a sample. */
const struct tl_tw_pressure *tl_runtime_tw(const struct tl_runtime *rt);

/* Look up the owners of these sockets now (rows a view shows). */
void tl_runtime_resolve(struct tl_runtime *rt, const uint32_t *inodes, const uint32_t *uids,
			size_t n);

/* The leak thresholds the options ask for (defaults where not given). */
void tl_runtime_leak_cfg_from(struct tl_leak_cfg *cfg, const struct tl_options *o);

#endif
