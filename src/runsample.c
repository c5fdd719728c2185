/* runsample: what the runtime keeps up to date from the samples and the
 * events: the owners of sockets (a walk of /proc, or the kernel's, paced
 * by the CPU budget), CLOSE-WAIT grouped by owner and its growth, each
 * namespace's TIME-WAIT pressure, the histogram history and the metrics
 * the exporter publishes. */
#include <stdlib.h>
#include <string.h>

#include "tcpladder/clock.h"
#include "tcpladder/engine.h"
#include "tcpladder/exporter.h"
#include "tcpladder/filter.h"
#include "tcpladder/histogram.h"
#include "tcpladder/metrics.h"
#include "tcpladder/ownerwalk.h"
#include "tcpladder/owners.h"
#include "tcpladder/report.h"
#include "tcpladder/runtimeint.h"

/* A /proc walk is costly: new owners at most this often, and no more
 * often than the CPU budget allows for what the last walk cost.  Not a
 * fixed long gap: in exact mode events come one by one as they happen,
 * and a walk just made for sockets already closed must not keep the
 * owners of the next ones unknown. */
#define OWNER_SCAN_MIN_NS (SEC / 10)
#define EVENT_OWNERS_MAX 256

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

/* The owners' cache.  Where exact mode's eBPF runs, the kernel walks every
 * process's files in one pass for it; else (or should the walk fail to
 * load) /proc/PID/fd is read as before. */
void tl_rt_open_owners(struct tl_runtime *rt, const struct tl_options *o)
{
	rt->owners = tl_owners_new(NULL);
	if (o->no_owners || tl_engine_exact_reason(rt->e))
		return;
	char *cause = NULL;
	rt->walk = tl_owner_walk_new(&cause);
	free(cause);
	tl_owners_set_walk(rt->owners, rt->walk);
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

/* CLOSE-WAIT sockets as leak items, with their inodes and uids; unknown
 * counts inodes whose owner is not known yet. */
struct cw_set {
	struct tl_cw_item *items;
	uint32_t *inodes, *uids;
	size_t n, cap, unknown;
};

/* One CLOSE-WAIT socket as a leak item: its time in CLOSE-WAIT as
 * watched (c, its connection, NULL if not tracked), or, when that says
 * less, the kernel's time since the last ACK came (the peer's FIN, for an
 * idle socket), as --once --check estimates it. */
static void cw_add(const struct tl_runtime *rt, struct cw_set *w, const struct tl_sock *s,
		   const struct tl_conn *c, unsigned ns, uint64_t now)
{
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 64;
		w->items = tl_reallocarray(w->items, w->cap, sizeof(*w->items));
		w->inodes = tl_reallocarray(w->inodes, w->cap, sizeof(*w->inodes));
		w->uids = tl_reallocarray(w->uids, w->cap, sizeof(*w->uids));
	}
	struct tl_cw_item *it = &w->items[w->n];
	memset(it, 0, sizeof(*it));
	it->lport = s->lport;
	it->rqueue = s->rqueue;
	if (c) {
		it->age_s = (double)(now - c->state_since_ns) / 1e9;
		it->age_exact = c->flags & TL_CONN_EXACT;
	}
	if (!it->age_exact && (s->flags & TL_SOCK_HAS_INFO) && (s->info.have & TL_INFO_LAST_DATA) &&
	    s->info.last_ack_recv_ms / 1000.0 > it->age_s) {
		it->age_s = s->info.last_ack_recv_ms / 1000.0;
		it->age_est = true;
	}
	it->ns = ns;
	w->inodes[w->n] = s->inode;
	w->uids[w->n] = s->uid;
	w->unknown += s->inode && !tl_owners_find(rt->owners, s->inode);
	w->n++;
}

/* The tracker's CLOSE-WAIT connections as leak items. */
static void collect_cw(const struct tl_runtime *rt, uint64_t now, struct cw_set *w)
{
	size_t n;
	const struct tl_conn *conns = tl_tracker_conns(tl_engine_tracker(rt->e), &n);

	memset(w, 0, sizeof(*w));
	for (size_t i = 0; i < n; i++) {
		const struct tl_conn *c = &conns[i];
		if (c->id && !(c->flags & TL_CONN_GONE) && c->state == TL_TCP_CLOSE_WAIT)
			cw_add(rt, w, &c->sock, c, c->ns, now);
	}
}

static void cw_free(struct cw_set *w)
{
	free(w->items);
	free(w->inodes);
	free(w->uids);
}

/* CLOSE-WAIT connections grouped by owner (owners looked up for those
 * only, new inodes only), their growth, and each namespace's TIME-WAIT
 * pressure. */
static void update_leaks(struct tl_runtime *rt, uint64_t now)
{
	struct cw_set w;
	collect_cw(rt, now, &w);
	bool lookup = w.unknown && !rt->o->no_owners && !rt->player && scan_due(rt, now);
	uint64_t c0 = tl_thread_cpu_ns();
	/* socket inodes are unique across namespaces: with several, look
	 * in every process */
	tl_owners_fill(rt->owners, w.items, w.inodes, w.uids, w.n,
		       rt->n_ns == 1 ? tl_engine_ns_ino(rt->e, 0) : 0, lookup, false);
	if (lookup)
		scanned(rt, now, c0);
	/* a recording keeps them, so that its replay names the same owners */
	for (size_t i = 0; rt->rec && i < w.n; i++)
		tl_rt_record_owner(rt, w.inodes[i]);
	free(rt->groups);
	rt->n_groups = tl_leak_group(w.items, w.n, false, &rt->leak_cfg, &rt->groups);
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
	cw_free(&w);
}

void tl_runtime_once_leaks(const struct tl_runtime *rt, unsigned ns, uint64_t now,
			   struct tl_once_report *rep)
{
	/* the sockets of the sample the report counts (exact mode's records
	 * may be ahead of it), timed by their connections */
	struct cw_set w;
	memset(&w, 0, sizeof(w));
	const struct tl_snapshot *snap = tl_engine_snapshot(rt->e, ns);
	struct tl_tracker *tr = tl_engine_tracker(rt->e);
	for (size_t i = 0; snap && i < snap->n; i++) {
		const struct tl_sock *s = &snap->socks[i];
		if (s->protocol != 6 || s->state != TL_TCP_CLOSE_WAIT)
			continue;
		const struct tl_conn *c = tl_tracker_find(tr, s->cookie);
		cw_add(rt, &w, s, c && c->state == TL_TCP_CLOSE_WAIT ? c : NULL, ns, now);
	}
	tl_owners_fill(rt->owners, w.items, w.inodes, w.uids, w.n, 0, false, false);
	struct tl_leak_group *g;
	rep->n_process = tl_leak_group(w.items, w.n, false, &rt->leak_cfg, &g);
	rep->by_process = g;
	rep->n_port = tl_leak_group(w.items, w.n, true, &rt->leak_cfg, &g);
	rep->by_port = g;
	rep->cw_unread = 0;
	for (size_t i = 0; i < w.n; i++) {
		rep->cw_unread += w.items[i].rqueue > 1;
		rep->ages_estimated |= w.items[i].age_est;
	}
	/* (no TIME-WAIT pressure: the recording has not the limits it is
	 * measured against) */
	rep->owners_from = w.n ? "recording" : NULL;
	cw_free(&w);
}

/* Owners of the events' sockets: new inodes only, a /proc walk at most
 * every two seconds (the short-lived are gone before that anyway). */
void tl_rt_event_owners(struct tl_runtime *rt, uint64_t now)
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
		tl_rt_note(rt, tl_asprintf("events show no process where it is unknown: %s",
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
			tl_rt_warn(rt, tl_strdup(cause));
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

void tl_rt_on_sample(struct tl_runtime *rt, uint64_t now, double wall)
{
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

void tl_runtime_resolve(struct tl_runtime *rt, const uint32_t *inodes, const uint32_t *uids,
			size_t n)
{
	if (n && !rt->o->no_owners && !rt->player)
		tl_owners_resolve(rt->owners, inodes, n,
				  rt->n_ns == 1 ? tl_engine_ns_ino(rt->e, 0) : 0, uids, n, NULL);
}
