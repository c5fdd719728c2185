/* runtime: the engine, the lab, the signals and what the views keep, in
 * one loop step shared by every live mode.  Its parts: runrec.c (--record,
 * --replay) and runsample.c (owners, leaks, history, metrics); they share
 * runtimeint.h. */
#include <stdlib.h>
#include <string.h>

#include "tcpladder/clock.h"
#include "tcpladder/engine.h"
#include "tcpladder/exporter.h"
#include "tcpladder/filter.h"
#include "tcpladder/metrics.h"
#include "tcpladder/nswatch.h"
#include "tcpladder/ownerwalk.h"
#include "tcpladder/owners.h"
#include "tcpladder/runtimeint.h"
#include "tcpladder/sampler.h"
#include "tcpladder/steps.h"

/* --all-netns: the namespaces looked for at most this often. */
#define NS_SCAN_NS (2 * SEC)

/* Exact mode's ring buffer size: TCPLADDER_EXACT_RING (bytes; for tests
 * of a full ring), else the default. */
static size_t exact_ring(void)
{
	const char *v = getenv("TCPLADDER_EXACT_RING");
	unsigned long n;
	if (v && tl_parse_uint(v, 1, 1UL << 30, &n) == 0)
		return n;
	return 0;
}

static void free_args(struct tl_ns_arg *a, size_t n)
{
	for (size_t i = 0; a && i < n; i++)
		free(a[i].path);
	free(a);
}

void tl_rt_note(struct tl_runtime *rt, char *msg)
{
	tl_notice_add(&rt->note, msg);
}

void tl_rt_warn(struct tl_runtime *rt, char *msg)
{
	tl_notice_add(&rt->warning, msg);
}

static void refresh_names(struct tl_runtime *rt)
{
	rt->n_ns = tl_engine_ns_count(rt->e);
	rt->names = tl_reallocarray(rt->names, rt->n_ns ? rt->n_ns : 1, sizeof(*rt->names));
	for (unsigned i = 0; i < rt->n_ns; i++)
		rt->names[i] = tl_engine_ns_name(rt->e, i);
	if (rt->ctr && rt->n_ctr < rt->n_ns) { /* namespaces joined: counters from zero */
		rt->ctr = tl_reallocarray(rt->ctr, rt->n_ns, sizeof(*rt->ctr));
		memset(rt->ctr + rt->n_ctr, 0, (rt->n_ns - rt->n_ctr) * sizeof(*rt->ctr));
		rt->n_ctr = rt->n_ns;
	}
}

/* --all-netns: the set rescanned; the engine told what appeared and what
 * vanished, each said once. */
static void rescan_netns(struct tl_runtime *rt, uint64_t now, double wall)
{
	char *cause = NULL;
	rt->next_ns_scan = now + NS_SCAN_NS;
	if (tl_nswatch_scan(rt->nsw, &cause) < 0) {
		tl_rt_note(rt, cause);
		return;
	}
	size_t n;
	struct tl_ns_entry *ns = tl_nswatch_list(rt->nsw, &n);
	for (size_t i = 0; i < n; i++) {
		char *safe = tl_text_safe(ns[i].label, TL_NSLABEL_MAX);
		if (ns[i].flags & TL_NSW_GONE && ns[i].user >= 0) {
			tl_engine_ns_drop(rt->e, (unsigned)ns[i].user);
			tl_rt_note(rt, tl_asprintf("network namespace '%s' vanished (inode %llu)",
						   safe, (unsigned long long)ns[i].ino));
			ns[i].user = -1;
		} else if (ns[i].flags & TL_NSW_NEW && tl_filter_netns(rt->filter, ns[i].label)) {
			char path[64];
			tl_nswatch_fd_path(&ns[i], path, sizeof(path));
			int r = tl_engine_ns_add(rt->e, ns[i].self ? NULL : path, ns[i].label, now,
						 wall, &cause);
			if (r >= 0) {
				ns[i].user = r;
				tl_rt_note(
				    rt, tl_asprintf("network namespace '%s' appeared (inode %llu)",
						    safe, (unsigned long long)ns[i].ino));
			} else {
				/* gone already, or not ours to enter: said, and
				 * not tried again while it lives */
				tl_rt_note(rt, cause
						   ? cause
						   : tl_strdup("a namespace could not be watched"));
				cause = NULL;
			}
		}
		free(safe);
	}
	refresh_names(rt);
}

/* Destroy events are read in batches this far apart at most in the view
 * (the kernel queues them): one wakeup per event cost more than handling
 * them. */
#define VIEW_EVENTS_GAP_NS (1000000000ULL / 20)

void tl_runtime_config_for(struct tl_runtime_config *cfg, enum tl_runtime_front front,
			   const struct tl_options *o, const struct tl_filter *filter,
			   const struct tl_filter *follow, struct tl_demo *demo)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->opts = o;
	cfg->filter = filter;
	cfg->follow = follow;
	cfg->demo = demo;
	switch (front) {
	case TL_RUNTIME_FRONT_EVENTS:
		cfg->steps = o->ladder;
		cfg->event_owners = true;
		break;
	case TL_RUNTIME_FRONT_METRICS:
		cfg->leaks = true;
		break;
	case TL_RUNTIME_FRONT_VIEW:
		cfg->log_cap = 5000;
		cfg->steps = true;
		cfg->history_cap = 3600;
		cfg->leaks = true;
		cfg->events_gap_ns = VIEW_EVENTS_GAP_NS;
		break;
	}
}

static bool metrics_on(const struct tl_options *o)
{
	return o->metrics_listen.family || o->metrics_textfile;
}

/* The namespaces the engine is given; owned (with its paths) is freed once
 * the engine is made. */
struct netns_choice {
	const struct tl_ns_arg *netns;
	size_t n;
	struct tl_ns_arg *owned;
};

/* --all-netns: the namespaces there are now (a filter's netns clauses
 * permitting); rescan_netns() follows them. */
static bool netns_all(struct tl_runtime *rt, uint64_t now, struct netns_choice *ch, char **cause)
{
	rt->nsw = tl_nswatch_new(NULL);
	if (tl_nswatch_scan(rt->nsw, cause) < 0)
		return false;
	size_t n_found;
	struct tl_ns_entry *ns = tl_nswatch_list(rt->nsw, &n_found);
	struct tl_ns_arg *all = tl_calloc(n_found ? n_found : 1, sizeof(*all));
	size_t n_netns = 0;
	for (size_t i = 0; i < n_found; i++) {
		char path[64];
		if (!tl_filter_netns(rt->filter, ns[i].label))
			continue; /* a netns clause leaves it out */
		tl_nswatch_fd_path(&ns[i], path, sizeof(path));
		all[n_netns].path = ns[i].self ? NULL : tl_strdup(path);
		all[n_netns].name = ns[i].label;
		ns[i].user = (long)n_netns++;
	}
	ch->netns = ch->owned = all;
	ch->n = n_netns;
	rt->next_ns_scan = now + NS_SCAN_NS;
	return true;
}

/* -N, --pid: a netns clause chooses among them too. */
static bool netns_given(struct tl_runtime *rt, struct netns_choice *ch, char **cause)
{
	const struct tl_options *o = rt->o;
	struct tl_ns_arg *all = tl_calloc(o->n_netns ? o->n_netns : 1, sizeof(*all));
	size_t k = 0;
	for (size_t i = 0; i < o->n_netns; i++)
		if (tl_filter_netns(rt->filter, o->netns[i].name)) {
			all[k].path = o->netns[i].path ? tl_strdup(o->netns[i].path) : NULL;
			all[k++].name = o->netns[i].name;
		}
	ch->netns = ch->owned = all;
	ch->n = k;
	if (!k) {
		*cause = tl_strdup("no watched namespace matches the filter's netns clauses");
		return false;
	}
	return true;
}

/* What to watch: a recording (its namespaces come from it once the engine
 * is made), the lab's namespaces, every namespace, or those given. */
static bool choose_netns(struct tl_runtime *rt, uint64_t now, struct netns_choice *ch, char **cause)
{
	if (rt->o->replay)
		return tl_rt_open_player(rt, cause);
	if (rt->demo) {
		ch->n = tl_demo_netns(rt->demo, rt->demo_ns);
		ch->netns = rt->demo_ns;
		return true;
	}
	if (rt->o->all_netns)
		return netns_all(rt, now, ch, cause);
	return netns_given(rt, ch, cause);
}

/* The metrics' listener comes first: it is opened in the namespace we run
 * in, and a port in use is said before any other work. */
static bool open_exporter(struct tl_runtime *rt, char **cause)
{
	if (!metrics_on(rt->o))
		return true;
	rt->exp = tl_exporter_new(&rt->o->metrics_listen, rt->o->metrics_textfile, cause);
	return rt->exp != NULL;
}

static bool open_engine(struct tl_runtime *rt, const struct tl_runtime_config *cfg,
			const struct netns_choice *ch, char **cause)
{
	const struct tl_options *o = rt->o;
	struct tl_engine_config ecfg = {
	    .netns = ch->netns,
	    .n_netns = ch->n,
	    .delay_ns = tl_options_delay(o),
	    .cpu_budget = o->cpu_budget,
	    .follow_period_ns = 10000000ULL, /* 100 Hz */
	    .filter = cfg->filter,
	    .follow = cfg->follow,
	    .what = TL_SAMPLE_INFO,
	    .exact = o->exact,
	    .exact_ring = exact_ring(),
	    .sparse_quiet = o->all_netns && !cfg->demo,
	    .replay = rt->player != NULL,
	};
	if (metrics_on(o))
		ecfg.what |= TL_SAMPLE_OTHER;
	rt->e = tl_engine_new(&ecfg, cause);
	return rt->e != NULL;
}

/* What the front end has the runtime keep. */
static void keep_init(struct tl_runtime *rt, const struct tl_runtime_config *cfg)
{
	const struct tl_options *o = rt->o;
	bool metrics = metrics_on(o);

	rt->keep_log = cfg->log_cap > 0;
	tl_evlog_init(&rt->log, rt->keep_log ? cfg->log_cap : 1);
	if (cfg->steps)
		rt->steps = tl_steps_new(cfg->steps_cap);
	rt->keep_history = cfg->history_cap > 0;
	tl_history_init(&rt->history, rt->keep_history ? cfg->history_cap : 1);
	tl_buf_init(&rt->text);
	/* a recording keeps the CLOSE-WAIT owners, for a replay's leak tables */
	rt->leaks = cfg->leaks || metrics || (o->record && !o->replay);
	if (metrics) {
		rt->ctr = tl_calloc(rt->n_ns ? rt->n_ns : 1, sizeof(*rt->ctr));
		rt->n_ctr = rt->n_ns;
	}
	rt->event_owners = cfg->event_owners && !o->no_owners;
	tl_rt_open_owners(rt, o);
	tl_runtime_leak_cfg_from(&rt->leak_cfg, o);
	tl_leak_watch_init(&rt->watch);
}

/* Each step's failure leaves a runtime that tl_runtime_free() undoes. */
struct tl_runtime *tl_runtime_new(const struct tl_runtime_config *cfg, uint64_t now, char **cause)
{
	struct tl_runtime *rt = tl_calloc(1, sizeof(*rt));
	struct netns_choice ch = {0};
	rt->o = cfg->opts;
	rt->demo = cfg->demo;
	rt->start = now;
	rt->events_gap_ns = cfg->events_gap_ns;
	rt->filter = cfg->filter;

	bool ok = choose_netns(rt, now, &ch, cause) && open_exporter(rt, cause) &&
		  tl_signals_set(&rt->sig, cause) == 0 && open_engine(rt, cfg, &ch, cause);
	free_args(ch.owned, ch.n);
	if (ok) {
		/* --duration counts from when watching begins: loading exact
		 * mode's program can take a good part of a second. */
		rt->start = TL_MAX(now, tl_mono_ns());
		ok = tl_rt_rec_start(rt, now, cause);
	}
	if (!ok) {
		tl_runtime_free(rt);
		return NULL;
	}
	refresh_names(rt);
	keep_init(rt, cfg);
	return rt;
}

void tl_runtime_free(struct tl_runtime *rt)
{
	if (!rt)
		return;
	free(rt->note);
	free(rt->warning);
	free(rt->last_error);
	free(rt->ctr);
	tl_buf_fini(&rt->text);
	tl_exporter_free(rt->exp);
	free(rt->groups);
	free(rt->tw);
	tl_leak_watch_fini(&rt->watch);
	tl_owners_free(rt->owners);
	tl_owner_walk_free(rt->walk);
	tl_history_fini(&rt->history);
	tl_evlog_fini(&rt->log);
	tl_steps_free(rt->steps);
	free(rt->names);
	tl_engine_free(rt->e);
	tl_rt_rec_free(rt);
	tl_nswatch_free(rt->nsw);
	tl_signals_clear(&rt->sig);
	free(rt);
}

size_t tl_runtime_pollfds(const struct tl_runtime *rt, struct pollfd *pfd, size_t max)
{
	if (!max)
		return 0;
	size_t n = rt->events_resting ? 0 : tl_engine_pollfds(rt->e, pfd, max - 1);
	if (rt->demo)
		n += tl_demo_pollfds(rt->demo, pfd + n, max - 1 - n);
	n += tl_exporter_pollfds(rt->exp, pfd + n, max - 1 - n);
	pfd[n++] = (struct pollfd){rt->sig.fd, POLLIN, 0};
	return n;
}

uint64_t tl_runtime_deadline(const struct tl_runtime *rt)
{
	uint64_t d = rt->player ? tl_rt_replay_deadline(rt) : tl_engine_deadline(rt->e);
	if (rt->demo)
		d = TL_MIN(d, tl_demo_deadline(rt->demo));
	if (rt->events_resting)
		d = TL_MIN(d, rt->events_rest_until);
	if (rt->o->duration_ns)
		d = TL_MIN(d, tl_add_sat(rt->start, rt->o->duration_ns));
	if (rt->nsw)
		d = TL_MIN(d, rt->next_ns_scan);
	if (rt->exp)
		d = TL_MIN(d, tl_exporter_deadline(rt->exp, tl_mono_ns()));
	return d;
}

/* The lab's main connection, as the tracker knows it (the client end, in
 * the first namespace). */
static uint32_t run_conn(struct tl_runtime *rt)
{
	size_t n;
	const struct tl_conn *c = tl_tracker_conns(tl_engine_tracker(rt->e), &n);
	for (size_t i = 0; i < n; i++)
		if (c[i].id && c[i].ns == 0 && c[i].sock.lport == rt->run_port)
			return c[i].id;
	return 0;
}

/* This step's events from `from` on go to the log and to each connection's
 * steps; the connections that came or went since the last step are
 * synced (those found open get their first row, those gone are dropped)
 * from the tracker's journal, at the cost of the changes: a sync of every
 * connection, beside 200k sockets under churn, was half the view's CPU. */
static void keep(struct tl_runtime *rt, size_t from)
{
	struct tl_tracker *t = tl_engine_tracker(rt->e);
	for (size_t i = from; i < rt->n_ev; i++) {
		if (rt->keep_log)
			tl_evlog_add(&rt->log, &rt->ev[i]);
		if (rt->steps)
			tl_steps_add(rt->steps, &rt->ev[i]);
	}
	if (!rt->steps)
		return;
	if (rt->steps_journal != t) {
		tl_tracker_journal(t);
		rt->steps_journal = t;
	}
	const uint32_t *born, *died;
	size_t n_born, n_died, n;
	const struct tl_conn *c = tl_tracker_conns(t, &n);
	if (tl_tracker_journal_take(t, &born, &n_born, &died, &n_died))
		tl_steps_sync_changes(rt->steps, c, n, born, n_born, died, n_died);
	else
		tl_steps_sync(rt->steps, c, n);
	tl_tracker_journal_clear(t);
}

/* The run ends: what the kernel told and was not read yet (a live run's
 * destroy events still queued, eBPF records still in the ring) is taken,
 * as a last step of its own in a recording; closes still waiting for
 * evidence are decided; all of it handed out with this step's events, so
 * nothing seen goes unreported. */
static int stop(struct tl_runtime *rt, enum tl_runtime_stop why, uint64_t now, double wall)
{
	struct tl_tracker *t = tl_engine_tracker(rt->e);
	size_t before = rt->n_ev;
	rt->stop = why;
	if (!rt->player && why != TL_RUNTIME_END) {
		if (rt->rec)
			tl_rt_record_step(rt, now, wall);
		tl_engine_drain(rt->e, now, wall);
		if (rt->rec)
			tl_rt_record_end(rt, now);
	}
	tl_tracker_flush(t);
	rt->ev = tl_tracker_events(t, &rt->n_ev);
	keep(rt, before);
	return 1;
}

/* After a step that read destroy events, their descriptors rest for
 * events_gap_ns: what arrives meanwhile is read in one batch after it. */
static void rest_events(struct tl_runtime *rt, const struct tl_engine_stats *st, uint64_t now)
{
	uint64_t seen = st->destroy_events + st->lost_events;
	bool read = seen != rt->events_seen;
	rt->events_seen = seen;
	if (!rt->events_gap_ns)
		return;
	if (read) {
		rt->events_resting = true;
		rt->events_rest_until = tl_add_sat(now, rt->events_gap_ns);
	} else if (now >= rt->events_rest_until) {
		rt->events_resting = false;
	}
}

/* The last step's events were handed out; this step brings new. */
static void begin_step(struct tl_runtime *rt)
{
	tl_tracker_clear_events(tl_engine_tracker(rt->e));
	rt->ev = NULL;
	rt->n_ev = rt->n_seg = 0;
	rt->seg = NULL;
	rt->sampled = rt->new_run = false;
}

/* --replay: no step left. */
static int replay_end(struct tl_runtime *rt)
{
	tl_rt_rec_notices(rt);
	/* damage: the run went on past it, so nothing is decided here that
	 * the live run decided later */
	if (rt->warning) {
		rt->stop = TL_RUNTIME_END;
		return 1;
	}
	return stop(rt, TL_RUNTIME_END, 0, 0);
}

/* A live step: the lab, the namespaces, the engine. */
static int live_step(struct tl_runtime *rt, uint64_t now, double wall, char **cause)
{
	if (rt->rec)
		tl_rt_record_step(rt, now, wall);
	if (rt->demo) {
		tl_demo_step(rt->demo, now, wall);
		rt->seg = tl_demo_segments(rt->demo, &rt->n_seg);
		uint16_t port = tl_demo_client_port(rt->demo);
		if (port != rt->run_port) {
			rt->run_port = port;
			rt->run_conn = 0;
			rt->new_run = port != 0;
		}
		if (rt->rec)
			tl_rt_record_lab(rt, now);
	}
	if (rt->nsw && now >= rt->next_ns_scan)
		rescan_netns(rt, now, wall);
	return tl_engine_step(rt->e, now, wall, cause);
}

/* The link's segments join their connections' ladders. */
static void link_segments(struct tl_runtime *rt)
{
	for (size_t i = 0; rt->steps && i < rt->n_seg; i++) {
		const struct tl_demo_seg *d = &rt->seg[i];
		struct tl_link_seg g = {.mono_ns = d->mono_ns,
					.wall = d->wall,
					.from = (int8_t)d->from,
					.dropped = d->dropped,
					.held = d->held,
					.resent = d->resent,
					.answer = d->answer,
					.released = d->released,
					.stale_ns = d->stale_ns,
					.pkt = d->pkt};
		tl_steps_link(rt->steps, &g);
	}
}

int tl_runtime_step(struct tl_runtime *rt, uint64_t now, double wall, char **cause)
{
	begin_step(rt);
	if (tl_signals_read(&rt->sig))
		return stop(rt, TL_RUNTIME_SIGNAL, now, wall);
	if (rt->o->duration_ns && now >= tl_add_sat(rt->start, rt->o->duration_ns))
		return stop(rt, TL_RUNTIME_DURATION, now, wall);
	if (rt->player) {
		int r = tl_rt_replay_step(rt, &now, &wall);
		if (r < 0)
			return replay_end(rt);
		if (r == 0)
			return 0;
	} else {
		int err = live_step(rt, now, wall, cause);
		if (err < 0)
			return err;
	}
	link_segments(rt);
	struct tl_engine_stats st;
	tl_engine_stats(rt->e, &st);
	rest_events(rt, &st, now);
	rt->ev = tl_tracker_events(tl_engine_tracker(rt->e), &rt->n_ev);
	keep(rt, 0);
	for (unsigned i = 0; rt->ctr && i < rt->n_ns; i++)
		tl_metrics_count(&rt->ctr[i], rt->ev, rt->n_ev, i);
	tl_exporter_step(rt->exp);
	if (rt->run_port && !rt->run_conn) {
		rt->run_conn = run_conn(rt);
		/* the lesson's connection stays until both ends are done (the
		 * last run's until this one is known) */
		if (rt->run_conn)
			tl_tracker_keep(tl_engine_tracker(rt->e), rt->run_conn);
	}
	if (rt->event_owners)
		tl_rt_event_owners(rt, now);
	if (rt->rec)
		tl_rt_record_owners(rt);
	if (st.samples != rt->last_samples) {
		rt->last_samples = st.samples;
		rt->sampled = true;
		tl_rt_on_sample(rt, now, wall);
	}
	if (rt->rec)
		tl_rt_record_end(rt, now);
	if (rt->o->iterations && st.samples >= rt->o->iterations)
		return stop(rt, TL_RUNTIME_ITERATIONS, now, wall);
	return 0;
}

/* The lab's scenario of a replayed run (-1: none). */
int tl_runtime_scenario(const struct tl_runtime *rt)
{
	if (rt->demo)
		return tl_demo_scenario(rt->demo);
	return rt->r_scenario;
}

bool tl_runtime_replaying(const struct tl_runtime *rt)
{
	return rt->player != NULL;
}

enum tl_runtime_stop tl_runtime_stopped(const struct tl_runtime *rt)
{
	return rt->stop;
}

const struct tl_event *tl_runtime_events(const struct tl_runtime *rt, size_t *n)
{
	*n = rt->n_ev;
	return rt->ev;
}

const struct tl_demo_seg *tl_runtime_segments(const struct tl_runtime *rt, size_t *n)
{
	*n = rt->n_seg;
	return rt->seg;
}

bool tl_runtime_sampled(const struct tl_runtime *rt)
{
	return rt->sampled;
}

bool tl_runtime_new_run(const struct tl_runtime *rt)
{
	return rt->new_run && rt->demo;
}

bool tl_runtime_run_began(const struct tl_runtime *rt)
{
	return rt->new_run;
}

uint32_t tl_runtime_run_conn(const struct tl_runtime *rt)
{
	return rt->run_conn;
}

char *tl_runtime_take_notice(struct tl_runtime *rt, const char **kind)
{
	char *msg = rt->warning;
	if (msg) {
		if (kind)
			*kind = "warning";
		rt->warning = NULL;
		return msg;
	}
	msg = rt->note;
	if (kind)
		*kind = msg ? "note" : "warning";
	if (msg) {
		rt->note = NULL;
		return msg;
	}
	return tl_engine_take_notice(rt->e);
}

struct tl_engine *tl_runtime_engine(struct tl_runtime *rt)
{
	return rt->e;
}

uint64_t tl_runtime_data_now(const struct tl_runtime *rt, uint64_t now)
{
	return rt->player ? rt->r_now : now;
}

struct tl_tracker *tl_runtime_tracker(struct tl_runtime *rt)
{
	return tl_engine_tracker(rt->e);
}

void tl_runtime_stats(const struct tl_runtime *rt, struct tl_engine_stats *st)
{
	tl_engine_stats(rt->e, st);
}

const struct tl_evlog *tl_runtime_log(const struct tl_runtime *rt)
{
	return &rt->log;
}

const struct tl_steps *tl_runtime_steps(const struct tl_runtime *rt)
{
	return rt->steps;
}

const struct tl_history *tl_runtime_history(const struct tl_runtime *rt)
{
	return &rt->history;
}

const struct tl_owners *tl_runtime_owners(const struct tl_runtime *rt)
{
	return rt->owners;
}

const char *const *tl_runtime_ns_names(const struct tl_runtime *rt, unsigned *n)
{
	*n = rt->n_ns;
	return rt->names;
}

const char *tl_runtime_ns_name(const struct tl_runtime *rt, unsigned ns)
{
	return ns < rt->n_ns ? rt->names[ns] : "?";
}

const struct tl_leak_group *tl_runtime_leaks(const struct tl_runtime *rt, size_t *n)
{
	*n = rt->n_groups;
	return rt->groups;
}

const struct tl_leak_watch *tl_runtime_leak_watch(const struct tl_runtime *rt)
{
	return &rt->watch;
}

const struct tl_leak_cfg *tl_runtime_leak_cfg(const struct tl_runtime *rt)
{
	return &rt->leak_cfg;
}

const struct tl_tw_pressure *tl_runtime_tw(const struct tl_runtime *rt)
{
	return rt->have_tw && rt->n_tw ? &rt->tw[0] : NULL;
}
