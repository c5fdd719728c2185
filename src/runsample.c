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
