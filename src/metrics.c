/* metrics: the Prometheus text exposition format, from one sample. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tcpladder/map.h"
#include "tcpladder/metrics.h"

#define P "tcpladder_"

static const char *const close_names[TL_METRICS_CLOSE_N] = {"fin", "rst", "timeout", "unknown"};

enum tl_metrics_close tl_metrics_close_how(const struct tl_event *ev)
{
	if (ev->segment == TL_SEG_RST)
		return TL_METRICS_CLOSE_RST;
	switch (ev->from) {
	case TL_TCP_TIME_WAIT:
	case TL_TCP_LAST_ACK:
	case TL_TCP_CLOSING:
		return TL_METRICS_CLOSE_FIN;
	case TL_TCP_SYN_SENT:
	case TL_TCP_SYN_RECV:
	case TL_TCP_NEW_SYN_RECV:
	case TL_TCP_FIN_WAIT1:
	case TL_TCP_FIN_WAIT2:
		return TL_METRICS_CLOSE_TIMEOUT;
	default:
		return TL_METRICS_CLOSE_UNKNOWN;
	}
}

static int state_index(int s)
{
	s = tl_tcp_state_shown(s);
	return s > 0 && s < TL_TCP_NSTATES ? s : TL_TCP_UNKNOWN;
}

void tl_metrics_count(struct tl_metrics_counters *c, const struct tl_event *ev, size_t n,
		      unsigned ns)
{
	for (size_t i = 0; i < n; i++) {
		const struct tl_event *e = &ev[i];
		if (e->ns != ns)
			continue;
		if (e->kind == TL_EV_OPEN) {
			if (e->to == TL_TCP_LISTEN)
				continue; /* a listener is not a connection */
			if (e->role == TL_ROLE_ACTIVE)
				c->opened_active++;
			else if (e->role == TL_ROLE_PASSIVE)
				c->opened_passive++;
			else
				c->opened_unknown++;
			continue;
		}
		if (e->kind == TL_EV_RETRANSMIT)
			continue; /* no change of state */
		int from = state_index(e->from), to = state_index(e->to);
		if (from == TL_TCP_UNKNOWN || to == TL_TCP_UNKNOWN)
			continue;
		c->transitions[e->inferred ? 1 : 0][from][to]++;
		if (e->kind == TL_EV_CLOSE && from != TL_TCP_LISTEN)
			c->closed[tl_metrics_close_how(e)]++;
	}
}

void tl_metrics_label(struct tl_buf *out, const char *s)
{
	/* tl_buf_put_safe makes it valid UTF-8 without controls (\xNN,
	 * \n); then the format's own escapes. */
	struct tl_buf safe;
	tl_buf_init(&safe);
	tl_buf_put_safe(&safe, s ? s : "", 0);
	for (size_t i = 0; i < safe.len; i++) {
		char ch = safe.data[i];
		if (ch == '\\' || ch == '"')
			tl_buf_putc(out, '\\');
		tl_buf_putc(out, ch);
	}
	tl_buf_fini(&safe);
}

/* The writer of one metric family: HELP and TYPE once, then samples. */
struct writer {
	struct tl_buf *b;
	const char *ns; /* the netns label's value, or NULL */
};

static void family(struct writer *w, const char *name, const char *type, const char *help)
{
	tl_buf_printf(w->b, "# HELP " P "%s %s\n# TYPE " P "%s %s\n", name, help, name, type);
}

/* name{netns="..",k="v",...} with pairs given as k, v, ..., NULL. */
static void begin(struct writer *w, const char *name, const char *const *kv)
{
	bool any = false;
	tl_buf_puts(w->b, P);
	tl_buf_puts(w->b, name);
	if (w->ns) {
		tl_buf_puts(w->b, "{netns=\"");
		tl_metrics_label(w->b, w->ns);
		tl_buf_putc(w->b, '"');
		any = true;
	}
	for (; kv && kv[0]; kv += 2) {
		tl_buf_puts(w->b, any ? "," : "{");
		tl_buf_puts(w->b, kv[0]);
		tl_buf_puts(w->b, "=\"");
		tl_metrics_label(w->b, kv[1]);
		tl_buf_putc(w->b, '"');
		any = true;
	}
	if (any)
		tl_buf_putc(w->b, '}');
	tl_buf_putc(w->b, ' ');
}

static void sample_u64(struct writer *w, const char *name, const char *const *kv, uint64_t v)
{
	begin(w, name, kv);
	tl_buf_u64(w->b, v);
	tl_buf_putc(w->b, '\n');
}

static void sample_f(struct writer *w, const char *name, const char *const *kv, double v)
{
	begin(w, name, kv);
	if (!isfinite(v))
		v = 0;
	tl_buf_printf(w->b, "%.15g\n", v);
}

static const char *family_name(int f)
{
	return f == AF_INET6 ? "inet6" : "inet";
}

static void states(struct writer *w, const struct tl_metrics_input *in)
{
	family(w, "tcp_sockets", "gauge",
	       "TCP sockets by address family and state, in the last sample.");
	for (size_t i = 0; i < in->n_ns; i++) {
		const struct tl_snapshot *s = in->ns[i].snap;
		uint64_t count[2][TL_TCP_NSTATES] = {{0}};
		for (size_t k = 0; s && k < s->n; k++)
			count[s->socks[k].family == AF_INET6][state_index(s->socks[k].state)]++;
		w->ns = in->n_ns > 1 ? in->ns[i].name : NULL;
		for (int f = 0; f < 2; f++)
			for (int k = 0; k < TL_TCP_NSHOWN; k++) {
				int st = tl_tcp_lifecycle[k];
				const char *kv[] = {"family", family_name(f ? AF_INET6 : AF_INET),
						    "state", tl_tcp_state_name(st), NULL};
				sample_u64(w, "tcp_sockets", kv, count[f][st]);
			}
	}
	family(w, "sockets", "gauge",
	       "Sockets of the other protocols in the last sample (absent when the kernel cannot "
	       "count them).");
	for (size_t i = 0; i < in->n_ns; i++) {
		const struct tl_snapshot *s = in->ns[i].snap;
		w->ns = in->n_ns > 1 ? in->ns[i].name : NULL;
		for (int k = 0; s && k < TL_OTHER_N; k++)
			if (s->other[k] >= 0) {
				const char *kv[] = {"protocol", tl_other_names[k], NULL};
				sample_u64(w, "sockets", kv, (uint64_t)s->other[k]);
			}
	}
}

static void counters(struct writer *w, const struct tl_metrics_input *in)
{
	family(w, "tcp_transitions_total", "counter",
	       "TCP state changes by from and to state (to CLOSED: the end); inferred=\"true\" "
	       "for steps filled in by the state machine, not observed.");
	for (size_t i = 0; i < in->n_ns; i++) {
		const struct tl_metrics_counters *c = in->ns[i].ctr;
		w->ns = in->n_ns > 1 ? in->ns[i].name : NULL;
		for (int inf = 0; c && inf < 2; inf++)
			for (int f = 1; f < TL_TCP_NSTATES; f++)
				for (int t = 1; t < TL_TCP_NSTATES; t++) {
					if (!c->transitions[inf][f][t])
						continue;
					const char *kv[] = {"from",     tl_tcp_state_name(f),
							    "to",       tl_tcp_state_name(t),
							    "inferred", inf ? "true" : "false",
							    NULL};
					sample_u64(w, "tcp_transitions_total", kv,
						   c->transitions[inf][f][t]);
				}
	}
	family(w, "tcp_connections_opened_total", "counter",
	       "Connections seen to open, by side: active (connect) or passive (accept); unknown "
	       "when no evidence told.");
	for (size_t i = 0; i < in->n_ns; i++) {
		const struct tl_metrics_counters *c = in->ns[i].ctr;
		static const struct tl_metrics_counters zero;
		if (!c)
			c = &zero;
		w->ns = in->n_ns > 1 ? in->ns[i].name : NULL;
		const char *a[] = {"side", "active", NULL}, *p[] = {"side", "passive", NULL},
			   *u[] = {"side", "unknown", NULL};
		sample_u64(w, "tcp_connections_opened_total", a, c->opened_active);
		sample_u64(w, "tcp_connections_opened_total", p, c->opened_passive);
		sample_u64(w, "tcp_connections_opened_total", u, c->opened_unknown);
	}
	family(w, "tcp_connections_closed_total", "counter",
	       "Connection ends seen to close, by how: fin (both FINs), rst, timeout (a timer "
	       "gave up), unknown.");
	for (size_t i = 0; i < in->n_ns; i++) {
		const struct tl_metrics_counters *c = in->ns[i].ctr;
		w->ns = in->n_ns > 1 ? in->ns[i].name : NULL;
		for (int k = 0; k < TL_METRICS_CLOSE_N; k++) {
			const char *kv[] = {"how", close_names[k], NULL};
			sample_u64(w, "tcp_connections_closed_total", kv, c ? c->closed[k] : 0);
		}
	}
}

/* The owners of one namespace's CLOSE-WAIT (ns < 0: of all): the first
 * `top` groups (they come sorted by count), the rest summed.  oldest:
 * the oldest age instead of the count. */
static void owners_of(struct writer *w, const struct tl_metrics_input *in, long ns, bool oldest)
{
	const char *name = oldest ? "tcp_close_wait_oldest_seconds" : "tcp_close_wait_sockets";
	size_t kept = 0;
	uint64_t rest = 0;
	double rest_oldest = 0;
	bool any_rest = false;
	char pid[24];

	for (size_t i = 0; i < in->n_cw; i++) {
		const struct tl_leak_group *g = &in->cw[i];
		if (ns >= 0 && g->ns != (unsigned)ns)
			continue;
		if (kept >= in->top) {
			rest += g->count;
			rest_oldest = g->oldest_s > rest_oldest ? g->oldest_s : rest_oldest;
			any_rest = true;
			continue;
		}
		kept++;
		snprintf(pid, sizeof(pid), "%d", g->pid);
		const char *kv[] = {"comm", g->pid >= 0 ? g->comm : "(unknown)", "pid",
				    g->pid >= 0 ? pid : "", NULL};
		if (oldest)
			sample_f(w, name, kv, g->oldest_s);
		else
			sample_u64(w, name, kv, g->count);
	}
	if (any_rest) {
		const char *kv[] = {"comm", "(other)", "pid", "", NULL};
		if (oldest)
			sample_f(w, name, kv, rest_oldest);
		else
			sample_u64(w, name, kv, rest);
	}
}

/* CLOSE-WAIT by owner; with several namespaces, each namespace's owners
 * under its label (a group is in the namespace of its sockets). */
static void close_wait(struct writer *w, const struct tl_metrics_input *in)
{
	family(w, "tcp_close_wait_sockets", "gauge",
	       "CLOSE-WAIT sockets by owning process (the largest owners, then (other)); "
	       "comm=\"(unknown)\" when the owner was not found.");
	for (size_t i = 0; i < in->n_ns; i++) {
		w->ns = in->n_ns > 1 ? in->ns[i].name : NULL;
		owners_of(w, in, in->n_ns > 1 ? (long)i : -1, false);
	}
	family(w, "tcp_close_wait_oldest_seconds", "gauge",
	       "Age of the oldest CLOSE-WAIT socket of each owner (time since its peer's FIN: "
	       "a lower bound for sockets older than the run).");
	for (size_t i = 0; i < in->n_ns; i++) {
		w->ns = in->n_ns > 1 ? in->ns[i].name : NULL;
		owners_of(w, in, in->n_ns > 1 ? (long)i : -1, true);
	}
}

/* TIME-WAIT pressure, each namespace's own (its bucket limit and port
 * range are its own too). */
static void time_wait(struct writer *w, const struct tl_metrics_input *in)
{
	bool buckets = false, ports = false;
	for (size_t i = 0; i < in->n_ns; i++) {
		const struct tl_tw_pressure *tw = in->ns[i].tw;
		buckets |= tw && tw->max_buckets > 0;
		ports |= tw && tw->port_hi > tw->port_lo;
	}
	if (buckets) {
		family(w, "tcp_time_wait_buckets_max", "gauge",
		       "The kernel's TIME-WAIT bucket limit (net.ipv4.tcp_max_tw_buckets).");
		for (size_t i = 0; i < in->n_ns; i++) {
			const struct tl_tw_pressure *tw = in->ns[i].tw;
			w->ns = in->n_ns > 1 ? in->ns[i].name : NULL;
			if (tw && tw->max_buckets > 0)
				sample_u64(w, "tcp_time_wait_buckets_max", NULL,
					   (uint64_t)tw->max_buckets);
		}
		family(w, "tcp_time_wait_buckets_used_ratio", "gauge",
		       "TIME-WAIT sockets over the bucket limit: at 1 the kernel stops keeping "
		       "TIME-WAIT.");
		for (size_t i = 0; i < in->n_ns; i++) {
			const struct tl_tw_pressure *tw = in->ns[i].tw;
			w->ns = in->n_ns > 1 ? in->ns[i].name : NULL;
			if (tw && tw->max_buckets > 0)
				sample_f(w, "tcp_time_wait_buckets_used_ratio", NULL,
					 tw->bucket_ratio);
		}
	}
	if (ports) {
		family(w, "tcp_ephemeral_ports_used_ratio", "gauge",
		       "Local ports in use towards each of the busiest destinations over the "
		       "ephemeral port range (TIME-WAIT included).");
		for (size_t i = 0; i < in->n_ns; i++) {
			const struct tl_tw_pressure *tw = in->ns[i].tw;
			if (!tw || tw->port_hi <= tw->port_lo)
				continue;
			w->ns = in->n_ns > 1 ? in->ns[i].name : NULL;
			size_t keep = TL_MIN(tw->n_top, (size_t)in->top);
			for (size_t k = 0; k < keep; k++) {
				const char *kv[] = {"destination", tw->top[k].remote, NULL};
				sample_f(w, "tcp_ephemeral_ports_used_ratio", kv, tw->top[k].ratio);
			}
		}
	}
}

struct port_row {
	uint16_t port;
	uint64_t total;
	uint32_t count[TL_TCP_NSTATES];
};

static int by_total(const void *a, const void *b)
{
	const struct port_row *x = a, *y = b;
	if (x->total != y->total)
		return x->total < y->total ? 1 : -1;
	return (int)x->port - (int)y->port;
}

/* States of the sockets on each local port that has a listener. */
static void ports(struct writer *w, const struct tl_metrics_input *in)
{
	family(w, "tcp_port_sockets", "gauge",
	       "TCP sockets by state on each local port that has a listener (the busiest "
	       "ports, then port=\"other\").");
	for (size_t i = 0; i < in->n_ns; i++) {
		const struct tl_snapshot *s = in->ns[i].snap;
		struct tl_map idx;
		struct port_row *rows = NULL;
		size_t n = 0, cap = 0;
		uint32_t v;

		if (!s)
			continue;
		tl_map_init(&idx);
		for (size_t k = 0; k < s->n; k++) {
			const struct tl_sock *r = &s->socks[k];
			if (r->state != TL_TCP_LISTEN ||
			    tl_map_get(&idx, (uint64_t)r->lport + 1, &v))
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				rows = tl_reallocarray(rows, cap, sizeof(*rows));
			}
			memset(&rows[n], 0, sizeof(rows[n]));
			rows[n].port = r->lport;
			tl_map_put(&idx, (uint64_t)r->lport + 1, (uint32_t)n++);
		}
		for (size_t k = 0; n && k < s->n; k++)
			if (tl_map_get(&idx, (uint64_t)s->socks[k].lport + 1, &v)) {
				rows[v].count[state_index(s->socks[k].state)]++;
				rows[v].total++;
			}
		tl_map_fini(&idx);
		if (n)
			qsort(rows, n, sizeof(*rows), by_total);
		size_t keep = TL_MIN(n, (size_t)in->top);
		struct port_row rest = {0};
		for (size_t k = keep; k < n; k++)
			for (int st = 0; st < TL_TCP_NSTATES; st++)
				rest.count[st] += rows[k].count[st];
		w->ns = in->n_ns > 1 ? in->ns[i].name : NULL;
		for (size_t k = 0; k < keep + (n > keep); k++) {
			const struct port_row *r = k < keep ? &rows[k] : &rest;
			char port[8];
			snprintf(port, sizeof(port), "%u", r->port);
			for (int j = 0; j < TL_TCP_NSHOWN; j++) {
				int st = tl_tcp_lifecycle[j];
				const char *kv[] = {"port", k < keep ? port : "other", "state",
						    tl_tcp_state_name(st), NULL};
				sample_u64(w, "tcp_port_sockets", kv, r->count[st]);
			}
		}
		free(rows);
	}
}

static void health(struct writer *w, const struct tl_metrics_input *in)
{
	const struct tl_engine_stats *st = in->st;
	w->ns = NULL;
	family(w, "build_info", "gauge", "Always 1; the version of tcpladder as a label.");
	const char *kv[] = {"version", in->version ? in->version : "", NULL};
	sample_u64(w, "build_info", kv, 1);
	family(w, "last_sample_timestamp_seconds", "gauge",
	       "Unix time of the sample these values come from.");
	sample_f(w, "last_sample_timestamp_seconds", NULL, in->wall);
	if (!st)
		return;
	family(w, "sample_interval_seconds", "gauge",
	       "The effective interval between full samples (it stretches to keep the CPU "
	       "budget).");
	sample_f(w, "sample_interval_seconds", NULL, (double)st->interval_ns / 1e9);
	family(w, "sample_cpu_seconds", "gauge", "CPU time the last full sample cost.");
	sample_f(w, "sample_cpu_seconds", NULL, (double)st->dump_cost_ns / 1e9);
	family(w, "sample_duration_seconds", "gauge", "Wall time the last full sample took.");
	sample_f(w, "sample_duration_seconds", NULL, (double)st->dump_wall_ns / 1e9);
	family(w, "sampled_sockets", "gauge", "TCP sockets in the last sample, all namespaces.");
	sample_u64(w, "sampled_sockets", NULL, st->sockets);
	family(w, "samples_total", "counter", "Full samples taken.");
	sample_u64(w, "samples_total", NULL, st->samples);
	family(w, "lookups_total", "counter", "Exact single-socket lookups made.");
	sample_u64(w, "lookups_total", NULL, st->lookups);
	family(w, "destroy_events_total", "counter", "Socket destroy events read from the kernel.");
	sample_u64(w, "destroy_events_total", NULL, st->destroy_events);
	family(w, "destroy_event_overruns_total", "counter",
	       "Times the kernel dropped destroy events (its queue overflowed; a full sample "
	       "followed).");
	sample_u64(w, "destroy_event_overruns_total", NULL, st->lost_events);
}

void tl_metrics_render(struct tl_buf *out, const struct tl_metrics_input *in)
{
	struct writer w = {.b = out};
	states(&w, in);
	counters(&w, in);
	ports(&w, in);
	if (in->cw_known)
		close_wait(&w, in);
	time_wait(&w, in);
	health(&w, in);
}

/* ---- the format's grammar, for the tests ---- */

static bool name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}

static bool name_char(char c)
{
	return name_start(c) || (c >= '0' && c <= '9');
}

/* Length of a valid UTF-8 sequence at s (at most n bytes), else 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	uint32_t cp;
	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		len = 2, cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3, cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static bool valid_value(const char *s, size_t n)
{
	char buf[64];
	char *end;
	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (!strcmp(buf, "NaN") || !strcmp(buf, "+Inf") || !strcmp(buf, "-Inf"))
		return true;
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789.eE+-", buf[i]))
			return false;
	(void)strtod(buf, &end);
	return *end == '\0';
}

struct checker {
	char family[128]; /* the metric of the last TYPE line */
	char type[16];
	struct tl_map types; /* hashes of names with a TYPE line */
	struct tl_map series;
};

static const char *check_sample(struct checker *c, const char *s, size_t n)
{
	size_t i = 0;
	if (!n || !name_start(s[0]))
		return "a sample must start with a metric name";
	while (i < n && name_char(s[i]))
		i++;
	size_t name_len = i;
	if (!c->family[0] || name_len != strlen(c->family) || memcmp(s, c->family, name_len))
		return "a sample of a metric with no TYPE line just before its family";
	if (i < n && s[i] == '{') {
		i++;
		for (;;) {
			if (i < n && s[i] == '}') {
				i++;
				break;
			}
			if (i >= n || !name_start(s[i]) || s[i] == ':')
				return "bad label name";
			while (i < n && name_char(s[i]) && s[i] != ':')
				i++;
			if (i + 1 >= n || s[i] != '=' || s[i + 1] != '"')
				return "a label name must be followed by =\"";
			i += 2;
			for (;;) {
				if (i >= n)
					return "unterminated label value";
				if (s[i] == '"')
					break;
				if (s[i] == '\\') {
					if (i + 1 >= n || !strchr("\\\"n", s[i + 1]))
						return "bad escape in a label value";
					i += 2;
					continue;
				}
				size_t l = utf8_len((const unsigned char *)s + i, n - i);
				if (!l || (unsigned char)s[i] < 0x20 || s[i] == 0x7f)
					return "a label value is not printable UTF-8";
				i += l;
			}
			i++;
			if (i < n && s[i] == ',')
				i++;
			else if (i >= n || s[i] != '}')
				return "labels must be separated by commas";
		}
	}
	if (i >= n || s[i] != ' ')
		return "a single space must separate the series from the value";
	uint64_t h = tl_hash64(s, i, 1);
	uint32_t dummy;
	if (tl_map_get(&c->series, h, &dummy))
		return "a series appears twice";
	tl_map_put(&c->series, h, 1);
	i++;
	if (!valid_value(s + i, n - i))
		return "bad sample value";
	if (!strcmp(c->type, "counter") && s[i] == '-')
		return "a negative counter";
	return NULL;
}

static const char *check_comment(struct checker *c, const char *s, size_t n)
{
	bool help = n > 7 && !memcmp(s, "# HELP ", 7), type = n > 7 && !memcmp(s, "# TYPE ", 7);
	if (!help && !type)
		return "a comment other than HELP or TYPE";
	size_t i = 7, start = 7;
	if (!name_start(s[i]))
		return "HELP or TYPE without a metric name";
	while (i < n && name_char(s[i]))
		i++;
	size_t len = i - start;
	if (len >= sizeof(c->family) || i >= n || s[i] != ' ')
		return "HELP or TYPE: bad metric name";
	if (help) {
		for (size_t k = i + 1; k < n; k++)
			if (s[k] == '\\' && (k + 1 >= n || (s[k + 1] != '\\' && s[k + 1] != 'n')))
				return "bad escape in HELP";
		return NULL;
	}
	const char *t = s + i + 1;
	size_t tl = n - i - 1;
	static const char *const types[] = {"counter", "gauge", "histogram", "summary", "untyped"};
	size_t k;
	for (k = 0; k < TL_ARRAY_SIZE(types); k++)
		if (tl == strlen(types[k]) && !memcmp(t, types[k], tl))
			break;
	if (k == TL_ARRAY_SIZE(types))
		return "unknown TYPE";
	uint64_t h = tl_hash64(s + start, len, 2);
	uint32_t dummy;
	if (tl_map_get(&c->types, h, &dummy))
		return "a metric has two TYPE lines";
	tl_map_put(&c->types, h, 1);
	memcpy(c->family, s + start, len);
	c->family[len] = '\0';
	memcpy(c->type, t, tl);
	c->type[tl] = '\0';
	bool total = len > 6 && !memcmp(s + start + len - 6, "_total", 6);
	if (!strcmp(c->type, "counter") != total)
		return "counters, and only counters, end in _total";
	return NULL;
}

const char *tl_metrics_check(const char *text, size_t len, size_t *line)
{
	struct checker c;
	const char *why = NULL;
	size_t pos = 0;

	memset(&c, 0, sizeof(c));
	tl_map_init(&c.types);
	tl_map_init(&c.series);
	*line = 0;
	if (len && text[len - 1] != '\n')
		why = "the text must end with a newline";
	while (!why && pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - text - pos) : len - pos;
		++*line;
		if (memchr(text + pos, '\0', n))
			why = "a NUL byte";
		else if (n && text[pos] == '#')
			why = check_comment(&c, text + pos, n);
		else if (n)
			why = check_sample(&c, text + pos, n);
		else
			why = "an empty line";
		pos += n + 1;
	}
	tl_map_fini(&c.types);
	tl_map_fini(&c.series);
	return why;
}
