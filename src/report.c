/* report: --once renderers. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <string.h>

#include "tcpladder/report.h"
#include "tcpladder/fsm.h"
#include "tcpladder/tcpstate.h"
#include "tcpladder/tracker.h"
#include "tcpladder/stats.h"
#include "tcpladder/ownercache.h"

void tl_once_reports_free_leaks(struct tl_once_report *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free((void *)r[i].by_process);
		free((void *)r[i].by_port);
		r[i].by_process = r[i].by_port = NULL;
	}
}

void tl_once_report_fill(struct tl_once_report *r, const char *netns, const struct tl_snapshot *s)
{
	memset(r, 0, sizeof(*r));
	r->netns = netns;
	r->wall = s->wall;
	r->dump_ms = (double)s->dump_ns / 1e6;
	tl_hist_from_snapshot(&r->hist, s);
	memcpy(r->other, s->other, sizeof(r->other));
}

static void row(struct tl_buf *b, const char *label, int w0, const long *vals, size_t n,
		const int *w)
{
	tl_buf_printf(b, "%-*s", w0, label);
	for (size_t i = 0; i < n; i++) {
		if (vals[i] < 0)
			tl_buf_printf(b, "  %*s", w[i], "n/a");
		else
			tl_buf_printf(b, "  %*ld", w[i], vals[i]);
	}
	tl_buf_putc(b, '\n');
}

bool tl_once_report_alarming(const struct tl_once_report *r)
{
	for (size_t i = 0; i < r->n_process; i++)
		if (r->by_process[i].suspect)
			return true;
	return r->have_tw && r->tw.pressure;
}

static void age_text(struct tl_buf *b, double s, bool exact)
{
	const char *pre = exact ? "" : "~";
	if (s < 120)
		tl_buf_printf(b, "%s%.0fs", pre, s);
	else if (s < 7200)
		tl_buf_printf(b, "%s%.0fm", pre, s / 60);
	else
		tl_buf_printf(b, "%s%.1fh", pre, s / 3600);
}

/* The CLOSE-WAIT owners and the TIME-WAIT pressure, after the table. */
static void leak_text(struct tl_buf *b, const struct tl_once_report *r, bool named)
{
	bool unknown = false;

	if (r->n_process) {
		tl_buf_puts(b, "\nCLOSE-WAIT by process");
		if (named) {
			tl_buf_puts(b, " (");
			tl_buf_put_safe(b, r->netns, 0);
			tl_buf_putc(b, ')');
		}
		tl_buf_putc(b, '\n');
		tl_buf_printf(b, "%8s  %-16s %7s %8s %7s\n", "PID", "COMMAND", "COUNT", "OLDEST",
			      "UNREAD");
		for (size_t i = 0; i < r->n_process; i++) {
			const struct tl_leak_group *g = &r->by_process[i];
			char pid[16];
			struct tl_buf age;
			tl_buf_init(&age);
			age_text(&age, g->oldest_s, g->oldest_exact);
			snprintf(pid, sizeof(pid), "%d", g->pid);
			/* a process names itself (prctl): shown, never obeyed */
			char *comm = tl_text_safe(g->pid < 0 ? "(unknown)" : g->comm, 0);
			tl_buf_printf(b, "%8s  %-16s %7u %8s %7u%s%s\n", g->pid < 0 ? "?" : pid,
				      comm, g->count, age.data, g->unread,
				      g->suspect ? "  LEAK? " : "", g->suspect ? g->why : "");
			free(comm);
			unknown |= g->pid < 0;
			tl_buf_fini(&age);
		}
		if (unknown && r->owners_hidden)
			tl_buf_printf(b, "(unknown): %s\n", tl_owners_hidden_reason);
		tl_buf_puts(b, "CLOSE-WAIT by local port\n");
		for (size_t i = 0; i < r->n_port && i < 10; i++) {
			const struct tl_leak_group *g = &r->by_port[i];
			struct tl_buf age;
			tl_buf_init(&age);
			age_text(&age, g->oldest_s, g->oldest_exact);
			tl_buf_printf(b, "%8u  %7u sockets, oldest %s\n", g->port, g->count,
				      age.data);
			tl_buf_fini(&age);
		}
		if (r->ages_estimated)
			tl_buf_puts(b, "(~: age estimated from the time since the socket last "
				       "received an ACK, the FIN for an idle socket)\n");
	}
	if (r->have_tw && (r->tw.pressure || r->tw.time_wait)) {
		tl_buf_printf(b, "\nTIME-WAIT %u", r->tw.time_wait);
		if (named) {
			tl_buf_puts(b, " (");
			tl_buf_put_safe(b, r->netns, 0);
			tl_buf_putc(b, ')');
		}
		if (r->tw.max_buckets > 0)
			tl_buf_printf(b, " of %ld buckets (%.0f%%)", r->tw.max_buckets,
				      r->tw.bucket_ratio * 100);
		tl_buf_puts(b, r->tw.pressure ? "  PRESSURE\n" : "\n");
		for (size_t i = 0; i < r->tw.n_top && i < 3; i++)
			if (r->tw.top[i].range)
				tl_buf_printf(b, "  to %-28s %6u of %u local ports (%.0f%%)\n",
					      r->tw.top[i].remote, r->tw.top[i].in_use,
					      r->tw.top[i].range, r->tw.top[i].ratio * 100);
	}
}

void tl_report_once_text(struct tl_buf *b, const struct tl_once_report *r, size_t n)
{
	int w0 = 11; /* "ESTABLISHED" */
	int *w = tl_calloc(n, sizeof(*w));
	long *vals = tl_calloc(n, sizeof(*vals));

	tl_buf_printf(b, "%-*s", w0, "TCP STATE");
	for (size_t i = 0; i < n; i++) {
		char *name = tl_text_safe(r[i].netns, 0);
		w[i] = TL_MAX(7, (int)strlen(name));
		tl_buf_printf(b, "  %*s", w[i], name);
		free(name);
	}
	tl_buf_putc(b, '\n');
	for (int k = 0; k < TL_TCP_NSHOWN; k++) {
		int st = tl_tcp_lifecycle[k];
		for (size_t i = 0; i < n; i++)
			vals[i] = r[i].hist.count[st];
		row(b, tl_tcp_state_name(st), w0, vals, n, w);
	}
	for (size_t i = 0; i < n; i++)
		vals[i] = r[i].hist.total;
	row(b, "TCP total", w0, vals, n, w);
	tl_buf_putc(b, '\n');
	static const char *const labels[TL_OTHER_N] = {"UDP", "UDP-Lite", "RAW", "UNIX"};
	for (int k = 0; k < TL_OTHER_N; k++) {
		for (size_t i = 0; i < n; i++)
			vals[i] = r[i].other[k];
		row(b, labels[k], w0, vals, n, w);
	}
	for (size_t i = 0; i < n; i++)
		leak_text(b, &r[i], n > 1);
	free(w);
	free(vals);
}

void tl_report_once_rows(struct tl_buf *b, const struct tl_once_report *r, size_t n)
{
	int w0 = 5; /* "NETNS" */
	int w[TL_TCP_NSHOWN + 2];
	char **names = tl_calloc(n ? n : 1, sizeof(*names));

	for (size_t i = 0; i < n; i++) {
		names[i] = tl_text_safe(r[i].netns, 0);
		w0 = TL_MAX(w0, (int)strlen(names[i]));
	}
	w0 = TL_MIN(w0, 40);
	tl_buf_printf(b, "%-*s %11s %6s", w0, "NETNS", "INODE", "TOTAL");
	for (int k = 0; k < TL_TCP_NSHOWN; k++) {
		int st = tl_tcp_lifecycle[k];
		const char *h = st == TL_TCP_ESTABLISHED ? "ESTAB" : tl_tcp_state_name(st);
		w[k] = (int)strlen(h);
		tl_buf_printf(b, " %*s", w[k], h);
	}
	tl_buf_printf(b, " %6s %6s\n", "UDP", "UNIX");
	for (size_t i = 0; i < n; i++) {
		tl_buf_printf(b, "%-*.*s %11llu %6u", w0, w0, names[i],
			      (unsigned long long)r[i].netns_ino, r[i].hist.total);
		for (int k = 0; k < TL_TCP_NSHOWN; k++)
			tl_buf_printf(b, " %*u", w[k], r[i].hist.count[tl_tcp_lifecycle[k]]);
		for (int k = 0; k < TL_OTHER_N; k++) {
			if (k != TL_OTHER_UDP && k != TL_OTHER_UNIX)
				continue;
			if (r[i].other[k] < 0)
				tl_buf_printf(b, " %6s", "n/a");
			else
				tl_buf_printf(b, " %6ld", r[i].other[k]);
		}
		tl_buf_putc(b, '\n');
	}
	for (size_t i = 0; i < n; i++) {
		leak_text(b, &r[i], true);
		free(names[i]);
	}
	free(names);
}

static void json_container(struct tl_buf *b, const struct tl_cgroup_info *cg)
{
	if (!cg || cg->kind != TL_CG_CONTAINER) {
		tl_buf_puts(b, "null");
		return;
	}
	char id[TL_CG_SHORT_ID + 1];
	snprintf(id, sizeof(id), "%.*s", TL_CG_SHORT_ID, cg->id);
	tl_buf_puts(b, "{\"runtime\":");
	if (cg->runtime[0])
		tl_buf_json_str(b, cg->runtime);
	else
		tl_buf_puts(b, "null");
	tl_buf_puts(b, ",\"id\":");
	if (id[0])
		tl_buf_json_str(b, id);
	else
		tl_buf_puts(b, "null");
	tl_buf_puts(b, ",\"name\":");
	if (cg->name[0])
		tl_buf_json_str(b, cg->name);
	else
		tl_buf_puts(b, "null");
	if (cg->pod[0]) {
		tl_buf_puts(b, ",\"pod\":");
		tl_buf_json_str(b, cg->pod);
	}
	tl_buf_putc(b, '}');
}

static void json_one(struct tl_buf *b, const struct tl_once_report *r)
{
	tl_buf_printf(b, "{\"version\":1,\"time\":%.3f,\"netns\":", r->wall);
	tl_buf_json_str(b, r->netns);
	if (r->netns_ino) {
		tl_buf_printf(
		    b, ",\"netns_inode\":%llu,\"container\":", (unsigned long long)r->netns_ino);
		json_container(b, r->container);
	}
	tl_buf_printf(b, ",\"dump_ms\":%.3f", r->dump_ms);
	tl_buf_puts(b, ",\"source\":");
	tl_buf_json_str(b, r->source ? r->source : "sock_diag");
	tl_buf_printf(b, ",\"tcp\":{\"total\":%u,\"states\":{", r->hist.total);
	for (int k = 0; k < TL_TCP_NSHOWN; k++) {
		int st = tl_tcp_lifecycle[k];
		tl_buf_printf(b, "%s\"%s\":%u", k ? "," : "", tl_tcp_state_name(st),
			      r->hist.count[st]);
	}
	tl_buf_puts(b, "}},\"other\":{");
	for (int k = 0; k < TL_OTHER_N; k++) {
		if (r->other[k] < 0)
			tl_buf_printf(b, "%s\"%s\":null", k ? "," : "", tl_other_names[k]);
		else
			tl_buf_printf(b, "%s\"%s\":%ld", k ? "," : "", tl_other_names[k],
				      r->other[k]);
	}
	tl_buf_printf(b, "},\"close_wait\":{\"total\":%u,\"unread\":%u,\"unknown_owners_why\":",
		      r->hist.count[TL_TCP_CLOSE_WAIT], r->cw_unread);
	bool unknown = false;
	for (size_t i = 0; i < r->n_process; i++)
		unknown |= r->by_process[i].pid < 0;
	if (unknown && r->owners_hidden)
		tl_buf_json_str(b, tl_owners_hidden_reason);
	else
		tl_buf_puts(b, "null");
	tl_buf_puts(b, ",\"owners_from\":");
	if (r->owners_from)
		tl_buf_json_str(b, r->owners_from);
	else
		tl_buf_puts(b, "null");
	tl_buf_puts(b, ",\"by_process\":[");
	for (size_t i = 0; i < r->n_process; i++) {
		const struct tl_leak_group *g = &r->by_process[i];
		tl_buf_puts(b, i ? ",{\"pid\":" : "{\"pid\":");
		if (g->pid < 0)
			tl_buf_puts(b, "null,\"comm\":null,\"cmdline\":null");
		else {
			tl_buf_printf(b, "%d,\"comm\":", g->pid);
			tl_buf_json_str(b, g->comm);
			tl_buf_puts(b, ",\"cmdline\":");
			tl_buf_json_str(b, g->cmdline);
		}
		tl_buf_printf(b,
			      ",\"count\":%u,\"oldest_s\":%.1f,\"age_exact\":%s,\"unread\":%u,"
			      "\"suspect\":%s,\"why\":",
			      g->count, g->oldest_s, g->oldest_exact ? "true" : "false", g->unread,
			      g->suspect ? "true" : "false");
		if (g->why)
			tl_buf_json_str(b, g->why);
		else
			tl_buf_puts(b, "null");
		tl_buf_putc(b, '}');
	}
	tl_buf_puts(b, "],\"by_port\":[");
	for (size_t i = 0; i < r->n_port; i++)
		tl_buf_printf(b, "%s{\"port\":%u,\"count\":%u,\"oldest_s\":%.1f}", i ? "," : "",
			      r->by_port[i].port, r->by_port[i].count, r->by_port[i].oldest_s);
	tl_buf_puts(b, "]}");
	if (r->have_tw) {
		tl_buf_printf(b, ",\"time_wait\":{\"total\":%u,\"max_buckets\":", r->tw.time_wait);
		if (r->tw.max_buckets >= 0)
			tl_buf_printf(b, "%ld,\"bucket_ratio\":%.4f", r->tw.max_buckets,
				      r->tw.bucket_ratio);
		else
			tl_buf_puts(b, "null,\"bucket_ratio\":null");
		tl_buf_printf(b, ",\"port_range\":[%d,%d],\"destinations\":[", r->tw.port_lo,
			      r->tw.port_hi);
		for (size_t i = 0; i < r->tw.n_top; i++) {
			tl_buf_puts(b, i ? ",{\"remote\":" : "{\"remote\":");
			tl_buf_json_str(b, r->tw.top[i].remote);
			tl_buf_printf(b, ",\"ports_in_use\":%u,\"ratio\":%.4f}",
				      r->tw.top[i].in_use, r->tw.top[i].ratio);
		}
		tl_buf_printf(b, "],\"pressure\":%s}", r->tw.pressure ? "true" : "false");
	}
	tl_buf_printf(b, ",\"alert\":%s}", tl_once_report_alarming(r) ? "true" : "false");
}

static void once_json(struct tl_buf *b, const struct tl_once_report *r, size_t n, bool array)
{
	if (n == 1 && !array) {
		json_one(b, r);
	} else {
		tl_buf_putc(b, '[');
		for (size_t i = 0; i < n; i++) {
			if (i)
				tl_buf_putc(b, ',');
			json_one(b, &r[i]);
		}
		tl_buf_putc(b, ']');
	}
	tl_buf_putc(b, '\n');
}

void tl_report_once_json(struct tl_buf *b, const struct tl_once_report *r, size_t n)
{
	once_json(b, r, n, false);
}

void tl_report_once_json_array(struct tl_buf *b, const struct tl_once_report *r, size_t n)
{
	once_json(b, r, n, true);
}

static const char *const kind_names[] = {"open", "transition", "close", "retransmit"};

void tl_report_event_text(struct tl_buf *b, const struct tl_event *ev, const char *netns, bool utc,
			  const struct tl_owner *owner)
{
	char local[64], remote[64], stamp[32];
	time_t secs = (time_t)ev->wall;
	struct tm tm;

	if (utc)
		gmtime_r(&secs, &tm);
	else
		localtime_r(&secs, &tm);
	strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
	tl_sock_format_addr(ev->sock.family, ev->sock.local, ev->sock.lport, local, sizeof(local));
	tl_sock_format_addr(ev->sock.family, ev->sock.remote, ev->sock.rport, remote,
			    sizeof(remote));
	int ms = (int)((ev->wall - (double)secs) * 1000.0);
	if (ms < 0 || ms > 999)
		ms = 0;
	tl_buf_printf(b, "%s.%03d ", stamp, ms);
	tl_buf_put_safe(b, netns, 0);
	tl_buf_printf(b, " %s -> %s  ", local, remote);
	if (ev->kind == TL_EV_OPEN)
		tl_buf_printf(b, "open -> %s", tl_tcp_state_name(ev->to));
	else if (ev->kind == TL_EV_RETRANSMIT)
		tl_buf_puts(b, tl_tcp_state_name(ev->to));
	else
		tl_buf_printf(b, "%s -> %s", tl_tcp_state_name(ev->from),
			      tl_tcp_state_name(ev->to));
	const char *seg = tl_segment_name(ev->segment), *dir = tl_dir_name(ev->dir);
	if (seg)
		tl_buf_printf(b, "  %s%s%s", seg, dir ? " " : "", dir ? dir : "");
	if (ev->kind == TL_EV_RETRANSMIT)
		tl_buf_printf(b, " (retransmit #%u)", (unsigned)ev->retrans);
	if (ev->kind == TL_EV_CLOSE && tl_fsm_is_reuse(ev->why))
		tl_buf_puts(b, "  (port reused)");
	if (ev->kind == TL_EV_CLOSE)
		tl_buf_puts(b, "  (closed)");
	if (ev->inferred)
		tl_buf_puts(b, "  (inferred)");
	if (owner) {
		/* a process names itself (prctl): shown, never obeyed */
		tl_buf_printf(b, "  %d/", owner->pid);
		tl_buf_put_safe(b, owner->comm, 0);
	}
	tl_buf_putc(b, '\n');
}

/* ,"key": then the value; string values escaped, NULL as null. */
static void json_key(struct tl_buf *b, const char *key)
{
	tl_buf_add(b, ",\"", 2);
	tl_buf_puts(b, key);
	tl_buf_add(b, "\":", 2);
}

static void json_opt_str(struct tl_buf *b, const char *key, const char *val)
{
	json_key(b, key);
	if (val)
		tl_buf_json_str(b, val);
	else
		tl_buf_add(b, "null", 4);
}

/* Built without printf: at thousands of events a second, formatting was
 * most of the tool's CPU time. */
void tl_report_event_json(struct tl_buf *b, const struct tl_event *ev, const char *netns,
			  const struct tl_engine_stats *st, const struct tl_owner *owner)
{
	char local[64], remote[64], hex[20];
	static const char digits[] = "0123456789abcdef";

	tl_sock_format_addr(ev->sock.family, ev->sock.local, ev->sock.lport, local, sizeof(local));
	tl_sock_format_addr(ev->sock.family, ev->sock.remote, ev->sock.rport, remote,
			    sizeof(remote));
	tl_buf_puts(b, "{\"t\":");
	tl_buf_fixed(b, ev->wall, 3);
	json_key(b, "netns");
	tl_buf_json_str(b, netns);
	int n = 0;
	uint64_t c = ev->cookie;
	do {
		hex[sizeof(hex) - 1 - n++] = digits[c & 15];
		c >>= 4;
	} while (c);
	tl_buf_puts(b, ",\"cookie\":\"0x");
	tl_buf_add(b, hex + sizeof(hex) - n, (size_t)n);
	tl_buf_putc(b, '"');
	tl_buf_puts(b,
		    ev->sock.family == AF_INET6 ? ",\"family\":\"inet6\"" : ",\"family\":\"inet\"");
	json_opt_str(b, "local", local);
	json_opt_str(b, "remote", remote);
	json_opt_str(b, "event", kind_names[ev->kind]);
	json_opt_str(b, "from",
		     ev->kind == TL_EV_OPEN || !ev->from ? NULL : tl_tcp_state_name(ev->from));
	json_opt_str(b, "to", ev->to ? tl_tcp_state_name(ev->to) : NULL);
	tl_buf_puts(b, ev->inferred ? ",\"inferred\":true" : ",\"inferred\":false");
	json_opt_str(b, "segment", tl_segment_name(ev->segment));
	json_opt_str(b, "dir", tl_dir_name(ev->dir));
	if (ev->kind == TL_EV_RETRANSMIT) {
		json_key(b, "retransmit");
		tl_buf_u64(b, ev->retrans);
	}
	if (owner) {
		tl_buf_puts(b, ",\"pid\":");
		tl_buf_u64(b, (uint64_t)owner->pid);
		json_opt_str(b, "comm", owner->comm);
	} else {
		tl_buf_puts(b, ",\"pid\":null,\"comm\":null");
	}
	json_opt_str(b, "role", ev->role ? tl_role_name(ev->role) : NULL);
	json_key(b, "conn");
	tl_buf_u64(b, ev->conn);
	json_key(b, "peer");
	if (ev->peer)
		tl_buf_u64(b, ev->peer);
	else
		tl_buf_puts(b, "null");
	json_opt_str(b, "why", ev->why);
	json_opt_str(b, "source", tl_source_name(ev->source));
	if (ev->kind == TL_EV_CLOSE && (ev->sock.flags & TL_SOCK_HAS_INFO)) {
		const struct tl_tcpinfo *i = &ev->sock.info;
		tl_buf_puts(b, ",\"final\":{\"bytes_acked\":");
		tl_buf_u64(b, i->bytes_acked);
		tl_buf_puts(b, ",\"bytes_received\":");
		tl_buf_u64(b, i->bytes_received);
		tl_buf_puts(b, ",\"segs_in\":");
		tl_buf_u64(b, i->segs_in);
		tl_buf_puts(b, ",\"segs_out\":");
		tl_buf_u64(b, i->segs_out);
		tl_buf_putc(b, '}');
	}
	if (st) {
		json_key(b, "interval_ms");
		tl_buf_fixed(b, (double)st->interval_ns / 1e6, 1);
		json_key(b, "dump_ms");
		tl_buf_fixed(b, (double)st->dump_cost_ns / 1e6, 3);
		if (st->exact) {
			json_key(b, "exact_lost");
			tl_buf_u64(b, st->exact_lost);
		}
	}
	tl_buf_add(b, "}\n", 2);
}
