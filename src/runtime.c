/* runtime: the engine, the lab, the signals and what the views keep, in
 * one loop step shared by every live mode. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcpladder/clock.h"
#include "tcpladder/engine.h"
#include "tcpladder/exporter.h"
#include "tcpladder/filter.h"
#include "tcpladder/histogram.h"
#include "tcpladder/map.h"
#include "tcpladder/metrics.h"
#include "tcpladder/nswatch.h"
#include "tcpladder/ownerwalk.h"
#include "tcpladder/owners.h"
#include "tcpladder/record.h"
#include "tcpladder/runtime.h"
#include "tcpladder/sampler.h"
#include "tcpladder/signals.h"
#include "tcpladder/steps.h"
#include "tcpladder/util.h"

#define SEC 1000000000ULL
/* A /proc walk is costly: new owners at most this often, and no more
 * often than the CPU budget allows for what the last walk cost.  Not a
 * fixed long gap: in exact mode events come one by one as they happen,
 * and a walk just made for sockets already closed must not keep the
 * owners of the next ones unknown. */
#define OWNER_SCAN_MIN_NS (SEC / 10)
#define EVENT_OWNERS_MAX 256
/* --all-netns: the namespaces looked for at most this often. */
#define NS_SCAN_NS (2 * SEC)

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
	struct tl_steps *steps; /* each connection's own, or NULL */
	uint64_t steps_gen;     /* the tracker's generation they were synced at */
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
	bool r_end;      /* no step left (the end, damage, or --at passed) */
	struct tl_demo_seg *r_seg;
	size_t n_r_seg, cap_r_seg;
	int r_scenario;
};

void tl_runtime_leak_cfg_from(struct tl_leak_cfg *cfg, const struct tl_options *o)
{
	tl_leak_cfg_default(cfg);
	if (o->leak_count)
		cfg->count_threshold = (uint32_t)o->leak_count;
	if (o->leak_age_ns)
		cfg->age_threshold_s = (double)o->leak_age_ns / 1e9;
	if (o->leak_window_ns)
		cfg->window_ns = o->leak_window_ns;
}

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

/* The runtime's notes of one step, one line. */
static void add_note(struct tl_runtime *rt, char *msg)
{
	if (rt->note) {
		char *both = tl_asprintf("%s; %s", rt->note, msg);
		free(rt->note);
		free(msg);
		msg = both;
	}
	rt->note = msg;
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
		add_note(rt, cause);
		return;
	}
	size_t n;
	struct tl_ns_entry *ns = tl_nswatch_list(rt->nsw, &n);
	for (size_t i = 0; i < n; i++) {
		char *safe = tl_text_safe(ns[i].label, TL_NSLABEL_MAX);
		if (ns[i].flags & TL_NSW_GONE && ns[i].user >= 0) {
			tl_engine_ns_drop(rt->e, (unsigned)ns[i].user);
			add_note(rt, tl_asprintf("network namespace '%s' vanished (inode %llu)",
						 safe, (unsigned long long)ns[i].ino));
			ns[i].user = -1;
		} else if (ns[i].flags & TL_NSW_NEW && tl_filter_netns(rt->filter, ns[i].label)) {
			char path[64];
			tl_nswatch_fd_path(&ns[i], path, sizeof(path));
			int r = tl_engine_ns_add(rt->e, ns[i].self ? NULL : path, ns[i].label, now,
						 wall, &cause);
			if (r >= 0) {
				ns[i].user = r;
				add_note(rt,
					 tl_asprintf("network namespace '%s' appeared (inode %llu)",
						     safe, (unsigned long long)ns[i].ino));
			} else {
				/* gone already, or not ours to enter: said, and
				 * not tried again while it lives */
				add_note(rt, cause ? cause
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

/* The owners' cache.  Where exact mode's eBPF runs, the kernel walks every
 * process's files in one pass for it; else (or should the walk fail to
 * load) /proc/PID/fd is read as before. */
static void open_owners(struct tl_runtime *rt, const struct tl_options *o)
{
	rt->owners = tl_owners_new(NULL);
	if (o->no_owners || tl_engine_exact_reason(rt->e))
		return;
	char *cause = NULL;
	rt->walk = tl_owner_walk_new(&cause);
	free(cause);
	tl_owners_set_walk(rt->owners, rt->walk);
}

struct tl_runtime *tl_runtime_new(const struct tl_runtime_config *cfg, uint64_t now, char **cause)
{
	const struct tl_options *o = cfg->opts;
	struct tl_runtime *rt = tl_calloc(1, sizeof(*rt));
	rt->o = o;
	rt->demo = cfg->demo;
	rt->start = now;
	rt->events_gap_ns = cfg->events_gap_ns;
	rt->filter = cfg->filter;

	const struct tl_ns_arg *netns = o->netns;
	size_t n_netns = o->n_netns;
	struct tl_ns_arg *all = NULL;
	if (o->replay) {
		rt->player = tl_player_open(o->replay, cause);
		if (!rt->player) {
			free(rt);
			return NULL;
		}
		rt->speed = o->speed;
		rt->r_scenario = -1;
		n_netns = 0;
		netns = NULL;
	} else if (rt->demo) {
		n_netns = tl_demo_netns(rt->demo, rt->demo_ns);
		netns = rt->demo_ns;
	} else if (o->all_netns) {
		rt->nsw = tl_nswatch_new(NULL);
		if (tl_nswatch_scan(rt->nsw, cause) < 0) {
			tl_nswatch_free(rt->nsw);
			free(rt);
			return NULL;
		}
		size_t n_found;
		struct tl_ns_entry *ns = tl_nswatch_list(rt->nsw, &n_found);
		all = tl_calloc(n_found ? n_found : 1, sizeof(*all));
		n_netns = 0;
		for (size_t i = 0; i < n_found; i++) {
			char path[64];
			if (!tl_filter_netns(cfg->filter, ns[i].label))
				continue; /* a netns clause leaves it out */
			tl_nswatch_fd_path(&ns[i], path, sizeof(path));
			all[n_netns].path = ns[i].self ? NULL : tl_strdup(path);
			all[n_netns].name = ns[i].label;
			ns[i].user = (long)n_netns++;
		}
		netns = all;
		rt->next_ns_scan = now + NS_SCAN_NS;
	} else {
		/* -N, --pid: a netns clause chooses among them too */
		all = tl_calloc(n_netns ? n_netns : 1, sizeof(*all));
		size_t k = 0;
		for (size_t i = 0; i < n_netns; i++)
			if (tl_filter_netns(cfg->filter, o->netns[i].name)) {
				all[k].path = o->netns[i].path ? tl_strdup(o->netns[i].path) : NULL;
				all[k++].name = o->netns[i].name;
			}
		n_netns = k;
		netns = all;
		if (!k) {
			*cause =
			    tl_strdup("no watched namespace matches the filter's netns clauses");
			free_args(all, n_netns);
			free(rt);
			return NULL;
		}
	}
	struct tl_engine_config ecfg = {
	    .netns = netns,
	    .n_netns = n_netns,
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
	bool metrics = o->metrics_listen.family || o->metrics_textfile;
	if (metrics)
		ecfg.what |= TL_SAMPLE_OTHER;
	/* The listener first: it is opened in the namespace we run in, and
	 * a port in use is said before any other work. */
	if (metrics) {
		rt->exp = tl_exporter_new(&o->metrics_listen, o->metrics_textfile, cause);
		if (!rt->exp) {
			tl_player_free(rt->player);
			free_args(all, n_netns);
			tl_nswatch_free(rt->nsw);
			free(rt);
			return NULL;
		}
	}
	if (tl_signals_set(&rt->sig, cause) < 0) {
		tl_player_free(rt->player);
		free_args(all, n_netns);
		tl_nswatch_free(rt->nsw);
		tl_exporter_free(rt->exp);
		free(rt);
		return NULL;
	}
	rt->e = tl_engine_new(&ecfg, cause);
	free_args(all, n_netns);
	if (!rt->e) {
		tl_player_free(rt->player);
		tl_signals_clear(&rt->sig);
		tl_nswatch_free(rt->nsw);
		tl_exporter_free(rt->exp);
		free(rt);
		return NULL;
	}
	/* --duration counts from when watching begins: loading exact mode's
	 * program can take a good part of a second. */
	rt->start = TL_MAX(now, tl_mono_ns());
	if (rt->player) {
		/* the namespaces come first, before the first step */
		const struct tl_rop *op;
		struct tl_rop ns;
		while (tl_player_peek(rt->player, &op) && op->kind != TL_ROP_STEP) {
			tl_player_next(rt->player, &ns);
			tl_engine_replay(rt->e, &ns, 0, 0);
		}
		rt->r_end = !tl_player_peek(rt->player, &op);
		if (!rt->r_end)
			rt->r_next = op->now;
	}
	tl_map_init(&rt->rec_owned);
	if (o->record) {
		rt->rec = tl_recorder_open(o->record, cause);
		if (!rt->rec) {
			tl_map_fini(&rt->rec_owned);
			tl_engine_free(rt->e);
			tl_signals_clear(&rt->sig);
			tl_nswatch_free(rt->nsw);
			tl_exporter_free(rt->exp);
			free(rt);
			return NULL;
		}
		for (unsigned i = 0; i < tl_engine_ns_count(rt->e); i++) {
			struct tl_rop op = {.kind = TL_ROP_NS};
			snprintf(op.name, sizeof(op.name), "%s", tl_engine_ns_name(rt->e, i));
			tl_recorder_op(rt->rec, &op, now);
		}
		tl_engine_set_recorder(rt->e, rt->rec);
	}
	refresh_names(rt);

	rt->keep_log = cfg->log_cap > 0;
	tl_evlog_init(&rt->log, rt->keep_log ? cfg->log_cap : 1);
	if (cfg->steps)
		rt->steps = tl_steps_new(cfg->steps_cap);
	rt->keep_history = cfg->history_cap > 0;
	tl_history_init(&rt->history, rt->keep_history ? cfg->history_cap : 1);
	tl_buf_init(&rt->text);
	rt->leaks = cfg->leaks || metrics;
	if (metrics) {
		rt->ctr = tl_calloc(rt->n_ns ? rt->n_ns : 1, sizeof(*rt->ctr));
		rt->n_ctr = rt->n_ns;
	}
	rt->event_owners = cfg->event_owners && !o->no_owners;
	open_owners(rt, o);
	tl_runtime_leak_cfg_from(&rt->leak_cfg, o);
	tl_leak_watch_init(&rt->watch);
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
	tl_recorder_free(rt->rec);
	tl_map_fini(&rt->rec_owned);
	tl_player_free(rt->player);
	free(rt->r_seg);
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

/* The real time at which the next recorded step is due. */
static uint64_t replay_deadline(const struct tl_runtime *rt)
{
	if (rt->r_end || !rt->r_started || rt->speed <= 0)
		return 0;
	double late = (double)(rt->r_next - rt->r_base_rec) / rt->speed;
	if (!(late < 1e18))
		return UINT64_MAX;
	return tl_add_sat(rt->r_base_real, (uint64_t)late);
}

uint64_t tl_runtime_deadline(const struct tl_runtime *rt)
{
	uint64_t d = rt->player ? replay_deadline(rt) : tl_engine_deadline(rt->e);
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

static bool scan_due(const struct tl_runtime *rt, uint64_t now)
{
	return !rt->last_scan || now - rt->last_scan >= rt->scan_gap;
}

/* A walk begun at CPU time c0 just ended. */
static void scanned(struct tl_runtime *rt, uint64_t now, uint64_t c0)
{
	double cost = (double)(tl_thread_cpu_ns() - c0);
	double budget = rt->o->cpu_budget > 0 ? rt->o->cpu_budget : 0.05;
	rt->last_scan = now;
	rt->scan_gap = TL_MAX(OWNER_SCAN_MIN_NS, (uint64_t)(cost / budget));
}

/* CLOSE-WAIT connections grouped by owner (owners looked up for those
 * only, new inodes only), their growth, and each namespace's TIME-WAIT
 * pressure. */
static void update_leaks(struct tl_runtime *rt, uint64_t now)
{
	size_t n, k = 0, unknown = 0;
	const struct tl_conn *conns = tl_tracker_conns(tl_engine_tracker(rt->e), &n);
	struct tl_cw_item *items = NULL;
	uint32_t *inodes = NULL, *uids = NULL;
	size_t cap = 0;

	for (size_t i = 0; i < n; i++) {
		const struct tl_conn *c = &conns[i];
		if (!c->id || (c->flags & TL_CONN_GONE) || c->state != TL_TCP_CLOSE_WAIT)
			continue;
		if (k == cap) {
			cap = cap ? cap * 2 : 64;
			items = tl_reallocarray(items, cap, sizeof(*items));
			inodes = tl_reallocarray(inodes, cap, sizeof(*inodes));
			uids = tl_reallocarray(uids, cap, sizeof(*uids));
		}
		memset(&items[k], 0, sizeof(items[k]));
		items[k].lport = c->sock.lport;
		items[k].rqueue = c->sock.rqueue;
		items[k].age_s = (double)(now - c->state_since_ns) / 1e9;
		items[k].age_exact = c->flags & TL_CONN_EXACT;
		/* Not seen to change: the kernel's time since the last ACK
		 * came (the peer's FIN, for an idle socket), as --once --check
		 * estimates it, when that says more than the time watched. */
		if (!items[k].age_exact && (c->sock.flags & TL_SOCK_HAS_INFO) &&
		    (c->sock.info.have & TL_INFO_LAST_DATA) &&
		    c->sock.info.last_ack_recv_ms / 1000.0 > items[k].age_s) {
			items[k].age_s = c->sock.info.last_ack_recv_ms / 1000.0;
			items[k].age_est = true;
		}
		items[k].ns = c->ns;
		inodes[k] = c->sock.inode;
		uids[k] = c->sock.uid;
		unknown += c->sock.inode && !tl_owners_find(rt->owners, c->sock.inode);
		k++;
	}
	bool lookup = unknown && !rt->o->no_owners && !rt->player && scan_due(rt, now);
	uint64_t c0 = tl_thread_cpu_ns();
	/* socket inodes are unique across namespaces: with several, look
	 * in every process */
	tl_owners_fill(rt->owners, items, inodes, uids, k,
		       rt->n_ns == 1 ? tl_engine_ns_ino(rt->e, 0) : 0, lookup, false);
	if (lookup)
		scanned(rt, now, c0);
	free(rt->groups);
	rt->n_groups = tl_leak_group(items, k, false, &rt->leak_cfg, &rt->groups);
	tl_leak_watch_update(&rt->watch, rt->groups, rt->n_groups, false, now, &rt->leak_cfg);
	/* each namespace's own: its limit and port range are its own */
	if (rt->n_tw < rt->n_ns) {
		rt->tw = tl_reallocarray(rt->tw, rt->n_ns, sizeof(*rt->tw));
		rt->n_tw = rt->n_ns;
	}
	for (unsigned i = 0; i < rt->n_ns; i++) {
		long buckets;
		int lo, hi;
		tl_engine_limits(rt->e, i, &buckets, &lo, &hi);
		tl_tw_pressure_compute(tl_engine_snapshot(rt->e, i), buckets, lo, hi, &rt->leak_cfg,
				       &rt->tw[i]);
	}
	rt->have_tw = true;
	free(items);
	free(inodes);
	free(uids);
}

/* Owners of the events' sockets: new inodes only, a /proc walk at most
 * every two seconds (the short-lived are gone before that anyway). */
static void event_owners(struct tl_runtime *rt, uint64_t now)
{
	uint32_t want[EVENT_OWNERS_MAX], want_uid[EVENT_OWNERS_MAX];
	size_t nw = 0;

	/* A filter of pid or comm terms decides by owner: look now.  A replay
	 * has its owners from the recording. */
	if (!rt->n_ev || rt->player || (!scan_due(rt, now) && !tl_filter_has_owner(rt->filter)))
		return;
	for (size_t i = 0; i < rt->n_ev && nw < EVENT_OWNERS_MAX; i++)
		if (rt->ev[i].sock.inode && !tl_owners_find(rt->owners, rt->ev[i].sock.inode)) {
			want[nw] = rt->ev[i].sock.inode;
			want_uid[nw++] = rt->ev[i].sock.uid;
		}
	if (!nw)
		return;
	uint64_t c0 = tl_thread_cpu_ns();
	tl_owners_resolve(rt->owners, want, nw, rt->n_ns == 1 ? tl_engine_ns_ino(rt->e, 0) : 0,
			  want_uid, nw, NULL);
	scanned(rt, now, c0);
	bool unknown = false;
	for (size_t i = 0; i < nw && !rt->hidden_said; i++)
		unknown |= !tl_owners_find(rt->owners, want[i]);
	if (unknown && tl_owners_hidden(rt->owners)) {
		add_note(rt, tl_asprintf("events show no process where it is unknown: %s",
					 tl_owners_hidden_reason));
		rt->hidden_said = true;
	}
}

static void sum_hist(struct tl_engine *e, struct tl_hist *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (unsigned i = 0; i < tl_engine_ns_count(e); i++) {
		struct tl_hist h;
		tl_hist_from_snapshot(&h, tl_engine_snapshot(e, i));
		for (int s = 0; s < TL_TCP_NSTATES; s++)
			sum->count[s] += h.count[s];
		sum->total += h.total;
	}
}

/* The sample as metrics: rendered once per sample, so a scrape costs
 * only the sending. */
static void publish_metrics(struct tl_runtime *rt, double wall)
{
	struct tl_engine_stats st;
	size_t n_ns = rt->n_ns;
	struct tl_metrics_ns *ns = tl_calloc(n_ns ? n_ns : 1, sizeof(*ns));
	char *cause = NULL;

	tl_engine_stats(rt->e, &st);
	for (size_t i = 0; i < n_ns; i++)
		ns[i] = (struct tl_metrics_ns){rt->names[i], tl_engine_snapshot(rt->e, (unsigned)i),
					       &rt->ctr[i],
					       rt->have_tw && i < rt->n_tw ? &rt->tw[i] : NULL};
	struct tl_metrics_input in = {
	    .ns = ns,
	    .n_ns = n_ns,
	    .cw = rt->groups,
	    .n_cw = rt->n_groups,
	    .cw_known = !rt->o->no_owners,
	    .st = &st,
	    .wall = wall,
	    .top = (unsigned)rt->o->metrics_top,
	    .version = PACKAGE_VERSION,
	};
	tl_buf_reset(&rt->text);
	tl_metrics_render(&rt->text, &in);
	free(ns);
	if (tl_exporter_publish(rt->exp, rt->text.data, rt->text.len, &cause) < 0) {
		/* said once until it changes (a full disk every second is one line) */
		if (!rt->last_error || strcmp(rt->last_error, cause) != 0) {
			free(rt->warning);
			rt->warning = tl_strdup(cause);
			free(rt->last_error);
			rt->last_error = cause;
		} else {
			free(cause);
		}
	} else {
		free(rt->last_error);
		rt->last_error = NULL;
	}
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
 * steps; a connection that came or went since the last time is synced. */
static void keep(struct tl_runtime *rt, size_t from)
{
	struct tl_tracker *t = tl_engine_tracker(rt->e);
	for (size_t i = from; i < rt->n_ev; i++) {
		if (rt->keep_log)
			tl_evlog_add(&rt->log, &rt->ev[i]);
		if (rt->steps)
			tl_steps_add(rt->steps, &rt->ev[i]);
	}
	if (rt->steps && tl_tracker_generation(t) != rt->steps_gen) {
		size_t n;
		const struct tl_conn *c = tl_tracker_conns(t, &n);
		rt->steps_gen = tl_tracker_generation(t);
		tl_steps_sync(rt->steps, c, n);
	}
}

/* The run ends: closes still waiting for evidence are decided now, and
 * handed out with this step's events, so nothing seen goes unreported. */
static int stop(struct tl_runtime *rt, enum tl_runtime_stop why)
{
	struct tl_tracker *t = tl_engine_tracker(rt->e);
	size_t before = rt->n_ev;
	rt->stop = why;
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

/* --record: the owners of this step's events (and of the CLOSE-WAIT
 * sockets the leak watch looked up), each inode once, so that a replay
 * names the same processes without reading /proc. */
static void record_owners(struct tl_runtime *rt)
{
	uint32_t dummy;
	for (size_t i = 0; i < rt->n_ev; i++) {
		uint32_t ino = rt->ev[i].sock.inode;
		const struct tl_owner *w = ino ? tl_owners_find(rt->owners, ino) : NULL;
		if (!w || tl_map_get(&rt->rec_owned, ino, &dummy))
			continue;
		struct tl_rop op = {.kind = TL_ROP_OWNER, .arg = ino, .owner = *w};
		tl_recorder_op(rt->rec, &op, 0);
		tl_map_put(&rt->rec_owned, ino, 1);
	}
}

static void record_lab(struct tl_runtime *rt, uint64_t now)
{
	for (size_t i = 0; i < rt->n_seg; i++) {
		const struct tl_demo_seg *sg = &rt->seg[i];
		struct tl_rop op = {.kind = TL_ROP_SEG};
		op.seg.mono_ns = sg->mono_ns;
		op.seg.wall = sg->wall;
		op.seg.from = (uint8_t)sg->from;
		op.seg.flags =
		    (uint8_t)((sg->dropped ? TL_RSEG_DROPPED : 0) | (sg->kept ? TL_RSEG_KEPT : 0) |
			      (sg->held ? TL_RSEG_HELD : 0) | (sg->resent ? TL_RSEG_RESENT : 0) |
			      (sg->released ? TL_RSEG_RELEASED : 0));
		op.seg.stale_ns = sg->stale_ns;
		op.seg.pkt = sg->pkt;
		tl_recorder_op(rt->rec, &op, now);
	}
	if (rt->new_run) {
		struct tl_rop op = {.kind = TL_ROP_RUN,
				    .arg = rt->run_port,
				    .scenario = tl_demo_scenario(rt->demo)};
		tl_recorder_op(rt->rec, &op, now);
	}
}

/* --replay: the runtime's own operations (owners, the lab). */
static void replay_own(struct tl_runtime *rt, const struct tl_rop *op)
{
	if (op->kind == TL_ROP_OWNER) {
		tl_owners_add(rt->owners, op->arg, &op->owner);
	} else if (op->kind == TL_ROP_SEG) {
		if (rt->n_r_seg == rt->cap_r_seg) {
			rt->cap_r_seg = rt->cap_r_seg ? 2 * rt->cap_r_seg : 16;
			rt->r_seg = tl_reallocarray(rt->r_seg, rt->cap_r_seg, sizeof(*rt->r_seg));
		}
		struct tl_demo_seg *sg = &rt->r_seg[rt->n_r_seg++];
		memset(sg, 0, sizeof(*sg));
		sg->mono_ns = op->seg.mono_ns;
		sg->wall = op->seg.wall;
		sg->from = op->seg.from;
		sg->dropped = op->seg.flags & TL_RSEG_DROPPED;
		sg->kept = op->seg.flags & TL_RSEG_KEPT;
		sg->held = op->seg.flags & TL_RSEG_HELD;
		sg->resent = op->seg.flags & TL_RSEG_RESENT;
		sg->released = op->seg.flags & TL_RSEG_RELEASED;
		sg->stale_ns = op->seg.stale_ns;
		sg->pkt = op->seg.pkt;
	} else if (op->kind == TL_ROP_RUN) {
		rt->r_scenario = op->scenario;
		if (op->arg != rt->run_port) {
			rt->run_port = (uint16_t)op->arg;
			rt->run_conn = 0;
			rt->new_run = op->arg != 0;
		}
	}
}

/* --replay: the next recorded step when it is due; *now and *wall become
 * the recorded ones.  0: not yet; 1: applied; -1: none left. */
static int replay_step(struct tl_runtime *rt, uint64_t *now, double *wall)
{
	const struct tl_rop *op;
	struct tl_rop o;

	if (rt->r_end)
		return -1;
	if (!rt->r_started) {
		rt->r_started = true;
		rt->r_base_rec = rt->r_next;
		rt->r_base_real = *now;
	}
	if (rt->speed > 0 && *now < replay_deadline(rt))
		return 0;
	if (!tl_player_next(rt->player, &o))
		return -1;
	*now = o.now;
	*wall = o.wall;
	rt->n_r_seg = 0;
	while (tl_player_peek(rt->player, &op) && op->kind != TL_ROP_STEP) {
		tl_player_next(rt->player, &o);
		if (o.kind == TL_ROP_OWNER || o.kind == TL_ROP_SEG || o.kind == TL_ROP_RUN)
			replay_own(rt, &o);
		else
			tl_engine_replay(rt->e, &o, *now, *wall);
	}
	rt->seg = rt->r_seg;
	rt->n_seg = rt->n_r_seg;
	rt->r_end = !tl_player_peek(rt->player, &op);
	if (!rt->r_end) {
		rt->r_next = op->now;
		/* --once --at: the state as it was then */
		if (rt->o->at_set && op->now - rt->r_base_rec > rt->o->at_ns)
			rt->r_end = true;
	}
	return 1;
}

/* Notices of the recorder and the player, as warnings. */
static void take_rec_notices(struct tl_runtime *rt)
{
	char *msg = tl_recorder_take_notice(rt->rec);
	if (!msg && rt->player)
		msg = tl_player_take_notice(rt->player);
	if (msg) {
		free(rt->warning);
		rt->warning = msg;
	}
}

int tl_runtime_step(struct tl_runtime *rt, uint64_t now, double wall, char **cause)
{
	struct tl_tracker *t = tl_engine_tracker(rt->e);
	int err;

	/* The last step's events were handed out; this step brings new. */
	tl_tracker_clear_events(t);
	rt->ev = NULL;
	rt->n_ev = rt->n_seg = 0;
	rt->seg = NULL;
	rt->sampled = rt->new_run = false;

	if (tl_signals_read(&rt->sig))
		return stop(rt, TL_RUNTIME_SIGNAL);
	if (rt->o->duration_ns && now >= tl_add_sat(rt->start, rt->o->duration_ns))
		return stop(rt, TL_RUNTIME_DURATION);
	if (rt->player) {
		int r = replay_step(rt, &now, &wall);
		if (r < 0) {
			take_rec_notices(rt);
			/* damage: the run went on past it, so nothing is decided
			 * here that the live run decided later */
			if (rt->warning) {
				rt->stop = TL_RUNTIME_END;
				return 1;
			}
			return stop(rt, TL_RUNTIME_END);
		}
		if (r == 0)
			return 0;
	} else {
		if (rt->rec) {
			struct tl_rop op = {.kind = TL_ROP_STEP, .now = now, .wall = wall};
			tl_recorder_op(rt->rec, &op, now);
		}
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
				record_lab(rt, now);
		}
		if (rt->nsw && now >= rt->next_ns_scan)
			rescan_netns(rt, now, wall);
		err = tl_engine_step(rt->e, now, wall, cause);
		if (err < 0)
			return err;
	}
	/* the link's segments join their connections' ladders */
	for (size_t i = 0; rt->steps && i < rt->n_seg; i++) {
		const struct tl_demo_seg *d = &rt->seg[i];
		struct tl_link_seg g = {.mono_ns = d->mono_ns,
					.wall = d->wall,
					.from = (int8_t)d->from,
					.dropped = d->dropped,
					.held = d->held,
					.resent = d->resent,
					.released = d->released,
					.stale_ns = d->stale_ns,
					.pkt = d->pkt};
		tl_steps_link(rt->steps, &g);
	}
	struct tl_engine_stats st;
	tl_engine_stats(rt->e, &st);
	rest_events(rt, &st, now);
	rt->ev = tl_tracker_events(t, &rt->n_ev);
	keep(rt, 0);
	for (unsigned i = 0; rt->ctr && i < rt->n_ns; i++)
		tl_metrics_count(&rt->ctr[i], rt->ev, rt->n_ev, i);
	tl_exporter_step(rt->exp);
	if (rt->run_port && !rt->run_conn)
		rt->run_conn = run_conn(rt);
	if (rt->event_owners)
		event_owners(rt, now);
	if (rt->rec)
		record_owners(rt);

	if (st.samples != rt->last_samples) {
		rt->last_samples = st.samples;
		rt->sampled = true;
		if (rt->keep_history) {
			struct tl_hist sum;
			sum_hist(rt->e, &sum);
			tl_history_add(&rt->history, &sum, now);
		}
		if (rt->leaks)
			update_leaks(rt, now);
		if (rt->exp)
			publish_metrics(rt, wall);
	}
	if (rt->rec) {
		tl_recorder_step_end(rt->rec, now);
		take_rec_notices(rt);
	}
	if (rt->o->iterations && st.samples >= rt->o->iterations)
		return stop(rt, TL_RUNTIME_ITERATIONS);
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

void tl_runtime_resolve(struct tl_runtime *rt, const uint32_t *inodes, const uint32_t *uids,
			size_t n)
{
	if (n && !rt->o->no_owners && !rt->player)
		tl_owners_resolve(rt->owners, inodes, n,
				  rt->n_ns == 1 ? tl_engine_ns_ino(rt->e, 0) : 0, uids, n, NULL);
}
