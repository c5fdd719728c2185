/* leak: grouping, growth and pressure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcpladder/leak.h"
#include "tcpladder/tcpstate.h"
#include "tcpladder/util.h"

void tl_leak_cfg_default(struct tl_leak_cfg *cfg)
{
	cfg->count_threshold = 100;
	cfg->age_threshold_s = 300;
	cfg->window_ns = 300ULL * 1000000000ULL;
	cfg->pressure_ratio = 0.8;
}

static int group_cmp(const void *pa, const void *pb)
{
	const struct tl_leak_group *a = pa, *b = pb;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	if (a->oldest_s != b->oldest_s)
		return a->oldest_s > b->oldest_s ? -1 : 1;
	return a->pid != b->pid ? (a->pid < b->pid ? -1 : 1)
				: (a->port < b->port ? -1 : a->port > b->port);
}

static void judge(struct tl_leak_group *g, const struct tl_leak_cfg *cfg)
{
	g->suspect = false;
	g->why = NULL;
	if (g->growing) {
		g->suspect = true;
		g->why = "keeps growing";
	} else if (g->oldest_s >= cfg->age_threshold_s) {
		g->suspect = true;
		g->why = "old";
	} else if (g->count >= cfg->count_threshold) {
		g->suspect = true;
		g->why = "many";
	}
}

/* A process's local ports, each once, in the order first seen. */
static void add_port(struct tl_leak_group *g, uint16_t port)
{
	for (unsigned i = 0; i < g->n_ports; i++)
		if (g->ports[i] == port)
			return;
	if (g->n_ports < TL_ARRAY_SIZE(g->ports))
		g->ports[g->n_ports++] = port;
	else
		g->more_ports = true;
}

size_t tl_leak_group(const struct tl_cw_item *items, size_t n, bool by_port,
		     const struct tl_leak_cfg *cfg, struct tl_leak_group **out)
{
	struct tl_map idx;
	struct tl_leak_group *g = NULL;
	size_t ng = 0;

	tl_map_init(&idx);
	for (size_t i = 0; i < n; i++) {
		const struct tl_cw_item *it = &items[i];
		/* unknown owners are told apart by namespace */
		uint64_t key = by_port        ? (uint64_t)it->lport + 1
			       : it->pid >= 0 ? (uint64_t)(int64_t)it->pid + 2
					      : ((uint64_t)it->ns << 32) + 1;
		uint32_t k;
		if (!tl_map_get(&idx, key, &k)) {
			g = tl_reallocarray(g, ng + 1, sizeof(*g));
			k = (uint32_t)ng++;
			memset(&g[k], 0, sizeof(g[k]));
			g[k].pid = by_port ? -1 : it->pid;
			g[k].ns = it->ns;
			g[k].port = by_port ? it->lport : 0;
			g[k].oldest_exact = true;
			if (!by_port && it->comm)
				snprintf(g[k].comm, sizeof(g[k].comm), "%s", it->comm);
			if (!by_port && it->cmdline)
				snprintf(g[k].cmdline, sizeof(g[k].cmdline), "%s", it->cmdline);
			tl_map_put(&idx, key, k);
		}
		g[k].count++;
		g[k].unread += it->rqueue > 1;
		if (it->age_s > g[k].oldest_s || g[k].count == 1) {
			g[k].oldest_s = it->age_s;
			g[k].oldest_exact = it->age_exact;
			g[k].oldest_est = !it->age_exact && it->age_est;
		}
		if (!by_port)
			add_port(&g[k], it->lport);
	}
	tl_map_fini(&idx);
	for (size_t i = 0; i < ng; i++)
		judge(&g[i], cfg);
	if (ng)
		qsort(g, ng, sizeof(*g), group_cmp);
	*out = g;
	return ng;
}

void tl_leak_watch_init(struct tl_leak_watch *w)
{
	memset(w, 0, sizeof(*w));
	tl_map_init(&w->idx);
}

void tl_leak_watch_fini(struct tl_leak_watch *w)
{
	tl_map_fini(&w->idx);
	free(w->series);
	memset(w, 0, sizeof(*w));
}

/* Growing: over the window the count rose, it rose at more steps than it
 * fell, and the samples covered at least a fifth of the window.  A healthy server whose
 * CLOSE-WAIT sockets come and go rises and falls; a leak only rises. */
void tl_leak_watch_update(struct tl_leak_watch *w, struct tl_leak_group *g, size_t n, bool by_port,
			  uint64_t now, const struct tl_leak_cfg *cfg)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t key = by_port ? (uint64_t)g[i].port + 1 : (uint64_t)(int64_t)g[i].pid + 2;
		uint32_t k;
		if (!tl_map_get(&w->idx, key, &k)) {
			if (w->n == w->cap) {
				w->cap = w->cap ? w->cap * 2 : 16;
				w->series = tl_reallocarray(w->series, w->cap, sizeof(*w->series));
			}
			k = (uint32_t)w->n++;
			memset(&w->series[k], 0, sizeof(w->series[k]));
			w->series[k].key = key;
			tl_map_put(&w->idx, key, k);
		}
		struct leak_series *s = &w->series[k];
		unsigned slot = (s->head + s->n) % 64;
		if (s->n == 64)
			s->head = (s->head + 1) % 64;
		else
			s->n++;
		s->t[slot] = now;
		s->c[slot] = g[i].count;
		s->last_seen = now;

		/* the window's first sample */
		unsigned first = 0;
		while (first + 1 < s->n && now - s->t[(s->head + first) % 64] > cfg->window_ns)
			first++;
		uint64_t t0 = s->t[(s->head + first) % 64];
		uint32_t c0 = s->c[(s->head + first) % 64];
		int up = 0, down = 0;
		for (unsigned j = first + 1; j < s->n; j++) {
			uint32_t a = s->c[(s->head + j - 1) % 64], b = s->c[(s->head + j) % 64];
			up += b > a;
			down += b < a;
		}
		double minutes = (double)(now - t0) / 60e9;
		g[i].growth_per_min = minutes > 0 ? ((double)g[i].count - (double)c0) / minutes : 0;
		/* judged once the samples span a fifth of the window */
		g[i].growing = (double)(now - t0) >= (double)cfg->window_ns / 5 &&
			       g[i].count > c0 && up > down && up >= 2;
		judge(&g[i], cfg);
	}
}

struct dest_count {
	uint8_t family;
	uint8_t addr[16];
	uint16_t port;
	uint32_t n;
};

void tl_tw_pressure_compute(const struct tl_snapshot *s, long max_buckets, int port_lo, int port_hi,
			    const struct tl_leak_cfg *cfg, struct tl_tw_pressure *out)
{
	struct tl_map idx;
	struct dest_count *d = NULL;
	size_t nd = 0;

	memset(out, 0, sizeof(*out));
	out->max_buckets = max_buckets;
	out->port_lo = port_lo;
	out->port_hi = port_hi;
	tl_map_init(&idx);
	for (size_t i = 0; i < s->n; i++) {
		const struct tl_sock *r = &s->socks[i];
		int st = tl_tcp_state_shown(r->state);
		if (st == TL_TCP_TIME_WAIT)
			out->time_wait++;
		if (st == TL_TCP_LISTEN || st == TL_TCP_SYN_RECV || !r->rport)
			continue;
		/* A client's local port is bound per destination: count the
		 * sockets whose local port lies in the ephemeral range. */
		if (port_hi && (r->lport < port_lo || r->lport > port_hi))
			continue;
		struct {
			uint8_t family, pad;
			uint16_t port;
			uint8_t addr[16];
		} k = {r->family, 0, r->rport, {0}};
		memcpy(k.addr, r->remote, 16);
		uint64_t key = tl_hash64(&k, sizeof(k), 7);
		uint32_t j;
		if (!tl_map_get(&idx, key, &j)) {
			d = tl_reallocarray(d, nd + 1, sizeof(*d));
			j = (uint32_t)nd++;
			d[j].family = r->family;
			memcpy(d[j].addr, r->remote, 16);
			d[j].port = r->rport;
			d[j].n = 0;
			tl_map_put(&idx, key, j);
		}
		d[j].n++;
	}
	tl_map_fini(&idx);
	out->bucket_ratio = max_buckets > 0 ? (double)out->time_wait / (double)max_buckets : 0;
	uint32_t range = port_hi >= port_lo && port_hi ? (uint32_t)(port_hi - port_lo + 1) : 0;
	/* the busiest destinations, by a partial selection */
	for (size_t t = 0; t < TL_ARRAY_SIZE(out->top) && t < nd; t++) {
		size_t best = t;
		for (size_t j = t + 1; j < nd; j++)
			if (d[j].n > d[best].n)
				best = j;
		struct dest_count tmp = d[t];
		d[t] = d[best];
		d[best] = tmp;
		struct tl_tw_dest *o = &out->top[out->n_top++];
		tl_sock_format_addr(d[t].family, d[t].addr, d[t].port, o->remote,
				    sizeof(o->remote));
		o->in_use = d[t].n;
		o->range = range;
		o->ratio = range ? (double)d[t].n / range : 0;
		if (o->ratio >= cfg->pressure_ratio)
			out->pressure = true;
	}
	if (out->bucket_ratio >= cfg->pressure_ratio)
		out->pressure = true;
	free(d);
}
