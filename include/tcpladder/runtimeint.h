/* runtimeint: the runtime's state and the calls its parts make to one
 * another.  Only the runtime's own files include it (runtime.c: set-up,
 * the loop step, the namespaces and the accessors; runrec.c: --record and
 * --replay; runsample.c: what a sample updates, the owners, the leaks,
 * the history and the metrics).  Everyone else uses runtime.h.  The tl_rt_
 * functions are the parts' calls to one another, not an interface. */
#ifndef TCPLADDER_RUNTIMEINT_H
#define TCPLADDER_RUNTIMEINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpladder/map.h"
#include "tcpladder/runtime.h"
#include "tcpladder/signals.h"
#include "tcpladder/util.h"

#define SEC 1000000000ULL

struct tl_nswatch;
struct tl_owner_walk;
struct tl_exporter;
struct tl_metrics_counters;
struct tl_recorder;
struct tl_player;

struct tl_runtime {
	const struct tl_options *o;
	struct tl_demo *demo;
	struct tl_engine *e;
	struct tl_signals sig;
	struct tl_ns_arg demo_ns[2];
	struct tl_nswatch *nsw; /* --all-netns: the watched set, or NULL */
	const struct tl_filter *filter;
	uint64_t next_ns_scan;
	const char **names;
	unsigned n_ns;
	uint64_t start;
	enum tl_runtime_stop stop;

	/* destroy events read in batches (events_gap_ns) */
	uint64_t events_gap_ns;
	uint64_t events_seen; /* destroy and lost events counted so far */
	uint64_t events_rest_until;
	bool events_resting;

	/* this step */
	const struct tl_event *ev;
	size_t n_ev;
	const struct tl_demo_seg *seg;
	size_t n_seg;
	bool sampled, new_run;
	uint64_t last_samples;

	/* the lab's run */
	uint16_t run_port;
	uint32_t run_conn;

	/* what the views keep */
	bool keep_log, keep_history, leaks, event_owners;
	struct tl_evlog log;
	struct tl_steps *steps;                 /* each connection's own, or NULL */
	const struct tl_tracker *steps_journal; /* the tracker whose journal they follow */
	struct tl_history history;
	struct tl_owners *owners;
	struct tl_owner_walk *walk; /* the owners' walk in the kernel, or NULL */
	uint64_t last_scan;
	uint64_t scan_gap; /* the least time from one /proc walk to the next */
	struct tl_leak_cfg leak_cfg;
	struct tl_leak_watch watch;
	struct tl_leak_group *groups;
	size_t n_groups;
	struct tl_tw_pressure *tw; /* one per namespace */
	size_t n_tw;
	bool have_tw;
	bool hidden_said; /* why some owners are unknown, said once */
	char *note;       /* the runtime's own notice, or NULL */
	char *warning;    /* the runtime's own warning, or NULL */

	/* metrics: counted every step, rendered and published every sample */
	struct tl_exporter *exp;
	struct tl_metrics_counters *ctr; /* one per namespace */
	size_t n_ctr;
	struct tl_buf text;
	char *last_error; /* the textfile's last error, said once until it changes */

	/* --record */
	struct tl_recorder *rec;
	struct tl_map rec_owned; /* inodes whose owner was recorded */
	/* --replay: recorded time runs from r_base_rec as the real clock runs
	 * from r_base_real, times the speed (0: as fast as it can) */
	struct tl_player *player;
	double speed;
	bool r_started;
	uint64_t r_base_rec, r_base_real;
	uint64_t r_next; /* the next recorded step's time, valid while !r_end */
	uint64_t r_now;  /* the time of the step played last */
	bool r_end;      /* no step left (the end, damage, or --at passed) */
	struct tl_demo_seg *r_seg;
	size_t n_r_seg, cap_r_seg;
	int r_scenario;
};

/* runtime.c */
/* Adds msg (freed here) to the runtime's notes of this step, one line. */
void tl_rt_note(struct tl_runtime *rt, char *msg);
/* Adds msg (freed here) to the runtime's warnings of this step, one line. */
void tl_rt_warn(struct tl_runtime *rt, char *msg);

/* runrec.c: --replay and --record */
/* --replay: the recording opened, before the engine; false with *cause. */
bool tl_rt_open_player(struct tl_runtime *rt, char **cause);
/* The engine exists: a replay's namespaces are handed to it, and with
 * --record the recording is opened and the namespaces go first in it;
 * false with *cause. */
bool tl_rt_rec_start(struct tl_runtime *rt, uint64_t now, char **cause);
void tl_rt_rec_free(struct tl_runtime *rt);
/* The real time at which the next recorded step is due (0: none). */
uint64_t tl_rt_replay_deadline(const struct tl_runtime *rt);
/* The next recorded step when it is due; *now and *wall become the
 * recorded ones.  0: not yet; 1: applied; -1: none left. */
int tl_rt_replay_step(struct tl_runtime *rt, uint64_t *now, double *wall);
/* --record: a live step begins; the lab's segments and run of this step;
 * the owners of this step's events; the step ends. */
void tl_rt_record_step(struct tl_runtime *rt, uint64_t now, double wall);
void tl_rt_record_lab(struct tl_runtime *rt, uint64_t now);
void tl_rt_record_owners(struct tl_runtime *rt);
void tl_rt_record_owner(struct tl_runtime *rt, uint32_t ino);
void tl_rt_record_end(struct tl_runtime *rt, uint64_t now);
/* Notices of the recorder and the player, as the runtime's warning. */
void tl_rt_rec_notices(struct tl_runtime *rt);

/* runsample.c: owners, leaks, history, metrics */
/* The owners' cache (and the kernel's walk, where it runs). */
void tl_rt_open_owners(struct tl_runtime *rt, const struct tl_options *o);
/* The owners of this step's events (config event_owners). */
void tl_rt_event_owners(struct tl_runtime *rt, uint64_t now);
/* A new sample: the history, the leaks and the metrics, as kept. */
void tl_rt_on_sample(struct tl_runtime *rt, uint64_t now, double wall);

#endif
