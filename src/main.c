/* main: parse options, pick the mode, report errors.  The only place that
 * decides exit statuses. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tcpladder/clock.h"
#include "tcpladder/demo.h"
#include "tcpladder/ebpf.h"
#include "tcpladder/engine.h"
#include "tcpladder/runtime.h"
#include "tcpladder/filter.h"
#include "tcpladder/steps.h"
#include "tcpladder/ladder.h"
#include "tcpladder/ladderexport.h"
#include "tcpladder/narration.h"
#include "tcpladder/ladderview.h"
#include "tcpladder/leak.h"
#include "tcpladder/nswatch.h"
#include "tcpladder/ownerwalk.h"
#include "tcpladder/owners.h"
#include "tcpladder/options.h"
#include "tcpladder/report.h"
#include "tcpladder/sampler.h"
#include "tcpladder/scenario.h"
#include "tcpladder/sysio.h"
#include "tcpladder/snapshot.h"
#include "tcpladder/tcpstate.h"
#include "tcpladder/tui.h"
#include "tcpladder/util.h"

#define EXIT_USAGE 2
#define EXIT_ALERT 3 /* --once --check: a leak or pressure */

/* Messages quote input and what other processes named (namespaces,
 * filters, process names): escaped, and never longer than this, whatever
 * an echo forgot to cut. */
#define MESSAGE_MAX 1024

/* One line on stderr. */
static void say(const char *prefix, const char *msg)
{
	char *safe = tl_text_safe(msg ? msg : "unknown error", MESSAGE_MAX);
	fprintf(stderr, "tcpladder: %s%s\n", prefix, safe);
	free(safe);
}

static int fail(char *cause)
{
	say("", cause);
	free(cause);
	return EXIT_FAILURE;
}

static int usage_error(const char *what, const char *cause)
{
	char *safe = tl_text_safe(cause ? cause : "invalid", MESSAGE_MAX);
	fprintf(stderr, "tcpladder: %s%s\nTry 'tcpladder --help' for more information.\n", what,
		safe);
	free(safe);
	return EXIT_USAGE;
}

/* After --help or --version: a full disk or a closed pipe is an error
 * worth its line. */
static int flush_stdout(void)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return EXIT_SUCCESS;
	fprintf(stderr, "tcpladder: write error: %s\n", strerror(errno ? errno : EIO));
	return EXIT_FAILURE;
}

/* Output goes out whole, past short writes and interruptions (stdio gives
 * up at an EINTR). */
static int out_write(const struct tl_buf *b)
{
	if (fflush(stdout) != 0)
		return -errno;
	return tl_write_all(STDOUT_FILENO, b->data, b->len);
}

static int write_all(const struct tl_buf *b)
{
	int err = out_write(b);
	if (err < 0) {
		fprintf(stderr, "tcpladder: write error: %s\n", strerror(-err));
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}

/* Parse FILTER and --follow; a bad expression is a usage error. */
static int parse_filter(const char *what, const char *expr, struct tl_filter **out)
{
	char *cause = NULL;

	*out = NULL;
	if (!expr)
		return 0;
	*out = tl_filter_parse(expr, &cause);
	if (!*out) {
		int ret = usage_error(what, cause ? cause : "invalid expression");
		free(cause);
		return ret;
	}
	return 0;
}

/* Keep the sockets that pass f.  With pid or comm terms, the kernel kept
 * every socket they might select: their owners are looked up (in the
 * namespace ns_ino's processes) and decide; without owners (--no-owners),
 * no socket has one. */
static void keep_matching(struct tl_snapshot *s, const struct tl_filter *f, uint64_t ns_ino,
			  bool owners)
{
	struct tl_owners *own = NULL;
	size_t k = 0;

	if (tl_filter_has_owner(f) && owners) {
		uint32_t *inodes = tl_calloc(s->n + 1, sizeof(*inodes));
		size_t m = 0;
		for (size_t i = 0; i < s->n; i++)
			if (s->socks[i].inode && tl_filter_match(f, &s->socks[i]))
				inodes[m++] = s->socks[i].inode;
		own = tl_owners_new(NULL);
		tl_owners_resolve(own, inodes, m, ns_ino, NULL, 0, NULL);
		free(inodes);
	}
	for (size_t i = 0; i < s->n; i++) {
		const struct tl_sock *r = &s->socks[i];
		const struct tl_owner *o = own && r->inode ? tl_owners_find(own, r->inode) : NULL;
		if (tl_filter_has_owner(f)
			? tl_filter_match_owner(f, r, o ? o->pid : 0, o ? o->comm : NULL)
			: tl_filter_match(f, r))
			s->socks[k++] = *r;
	}
	tl_owners_free(own);
	s->n = k;
}

/* How --once finds owners: the kernel's walk of every process's files
 * when eBPF may be used (loaded at the first CLOSE-WAIT socket, once for
 * every namespace), else /proc/PID/fd. */
struct once_owners {
	bool wanted, may_walk, tried;
	struct tl_owner_walk *walk;
};

static struct tl_owner_walk *once_walk(struct once_owners *ow)
{
	if (ow->may_walk && !ow->tried) {
		char *cause = NULL;
		ow->tried = true;
		ow->walk = tl_owner_walk_new(&cause);
		free(cause); /* /proc stands in */
	}
	return ow->walk;
}

/* CLOSE-WAIT owners and ages, and TIME-WAIT pressure, for one namespace.
 * Only CLOSE-WAIT sockets are looked up, and only when there are some:
 * with none, no process's files are read at all. */
static int leak_report(struct tl_sampler *s, const struct tl_snapshot *snap,
		       const struct tl_filter *filter, const struct tl_leak_cfg *cfg,
		       struct once_owners *owners, struct tl_once_report *rep, char **cause)
{
	long buckets;
	int lo, hi;

	tl_sampler_limits(s, &buckets, &lo, &hi);
	tl_tw_pressure_compute(snap, buckets, lo, hi, cfg, &rep->tw);
	rep->have_tw = true;
	if (!rep->hist.count[TL_TCP_CLOSE_WAIT] || !owners->wanted)
		return 0;

	/* Ages: the kernel's time since the last ACK came, in tcp_info; a
	 * dump of the CLOSE-WAIT sockets alone, filtered in the kernel. */
	struct tl_snapshot cw;
	tl_snapshot_init(&cw);
	int err = tl_sampler_sample(s, &cw, TL_SAMPLE_INFO, TL_TCPF(TL_TCP_CLOSE_WAIT), cause);
	if (err < 0) {
		tl_snapshot_fini(&cw);
		return err;
	}
	if (filter)
		keep_matching(&cw, filter, tl_sampler_ns_ino(s), owners);
	uint32_t *inodes = tl_calloc(cw.n, sizeof(*inodes));
	uint32_t *uids = tl_calloc(cw.n, sizeof(*uids));
	struct tl_cw_item *items = tl_calloc(cw.n, sizeof(*items));
	for (size_t i = 0; i < cw.n; i++) {
		const struct tl_sock *r = &cw.socks[i];
		inodes[i] = r->inode;
		uids[i] = r->uid;
		items[i].lport = r->lport;
		items[i].rqueue = r->rqueue;
		items[i].age_s = (r->flags & TL_SOCK_HAS_INFO) && (r->info.have & TL_INFO_LAST_DATA)
				     ? r->info.last_ack_recv_ms / 1000.0
				     : 0;
		items[i].age_exact = false;
		items[i].age_est = true;
		rep->cw_unread += r->rqueue > 1;
	}
	struct tl_owners *own = tl_owners_new(NULL);
	tl_owners_set_walk(own, once_walk(owners));
	/* Processes of the sockets' uids first; whatever is left (a daemon
	 * that changed uid) with a scan of every process. */
	tl_owners_fill(own, items, inodes, uids, cw.n, tl_sampler_ns_ino(s), true, true);
	struct tl_leak_group *g;
	rep->n_process = tl_leak_group(items, cw.n, false, cfg, &g);
	rep->by_process = g;
	rep->n_port = tl_leak_group(items, cw.n, true, cfg, &g);
	rep->by_port = g;
	rep->ages_estimated = true;
	rep->owners_hidden = tl_owners_hidden(own) > 0;
	rep->owners_from = tl_owners_walk(own) ? "ebpf" : "proc";
	free(items);
	tl_owners_free(own);
	free(inodes);
	free(uids);
	tl_snapshot_fini(&cw);
	return 0;
}

/* One namespace of --once: where to open it, what to call it. */
struct once_target {
	char path[64];
	const char *open; /* path to open, NULL: our own */
	const char *name;
	uint64_t ino; /* shown with -A */
	const struct tl_cgroup_info *cg;
};

static int run_once(const struct tl_options *o, const struct tl_filter *filter)
{
	struct tl_once_report *rep = NULL;
	struct once_target *tg = NULL;
	struct tl_nswatch *nsw = NULL;
	struct tl_snapshot snap;
	struct tl_buf out;
	struct tl_leak_cfg cfg;
	char *cause = NULL;
	int ret = EXIT_SUCCESS;
	bool alarm = false;
	size_t n = 0, k = 0;
	struct once_owners owners = {.wanted = !o->no_owners,
				     .may_walk = o->exact != TL_EXACT_MODE_OFF};

	if (o->all_netns) {
		nsw = tl_nswatch_new(NULL);
		if (tl_nswatch_scan(nsw, &cause) < 0) {
			tl_nswatch_free(nsw);
			return fail(cause);
		}
		struct tl_ns_entry *ns = tl_nswatch_list(nsw, &n);
		tg = tl_calloc(n ? n : 1, sizeof(*tg));
		for (size_t i = 0; i < n; i++) {
			tl_nswatch_fd_path(&ns[i], tg[i].path, sizeof(tg[i].path));
			tg[i].open = ns[i].self ? NULL : tg[i].path;
			tg[i].name = ns[i].label;
			tg[i].ino = ns[i].ino;
			tg[i].cg = &ns[i].cg;
		}
	} else {
		n = o->n_netns;
		tg = tl_calloc(n, sizeof(*tg));
		for (size_t i = 0; i < n; i++) {
			tg[i].open = o->netns[i].path;
			tg[i].name = o->netns[i].name;
		}
	}
	rep = tl_calloc(n ? n : 1, sizeof(*rep));
	tl_runtime_leak_cfg_from(&cfg, o);
	tl_snapshot_init(&snap);
	for (size_t i = 0; i < n; i++) {
		if (!tl_filter_netns(filter, tg[i].name))
			continue; /* not chosen: not dumped */
		struct tl_sampler *s = tl_sampler_new(tg[i].open, tg[i].name, 0, &cause);
		int err = s ? 0 : -1;
		if (s) {
			uint32_t states = tl_sampler_set_filter(s, filter);
			err = tl_sampler_sample(s, &snap, TL_SAMPLE_OTHER, states, &cause);
		}
		if (!err) {
			if (filter)
				keep_matching(&snap, filter, tl_sampler_ns_ino(s), !o->no_owners);
			snap.wall = tl_wall_now();
			tl_once_report_fill(&rep[k], tg[i].name, &snap);
			rep[k].netns_ino = tg[i].ino;
			rep[k].container = tg[i].cg;
			err = leak_report(s, &snap, filter, &cfg, &owners, &rep[k], &cause);
		}
		tl_sampler_free(s);
		if (err < 0 && !o->all_netns) {
			ret = fail(cause);
			goto out;
		}
		if (err < 0) {
			/* with every namespace, one that fails costs only itself */
			say("warning: ", cause);
			free(cause);
			cause = NULL;
			tl_once_reports_free_leaks(&rep[k], 1);
			memset(&rep[k], 0, sizeof(rep[k]));
			continue;
		}
		alarm |= tl_once_report_alarming(&rep[k]);
		k++;
	}
	if (!k && !o->all_netns) {
		ret = fail(tl_strdup("no watched namespace matches the filter's netns clauses"));
		goto out;
	}
	tl_buf_init(&out);
	if (o->json && o->all_netns)
		tl_report_once_json_array(&out, rep, k);
	else if (o->json)
		tl_report_once_json(&out, rep, k);
	else if (o->all_netns)
		tl_report_once_rows(&out, rep, k);
	else
		tl_report_once_text(&out, rep, k);
	ret = write_all(&out);
	tl_buf_fini(&out);
	if (ret == EXIT_SUCCESS && o->check && alarm)
		ret = EXIT_ALERT;
out:
	tl_once_reports_free_leaks(rep, k);
	tl_snapshot_fini(&snap);
	tl_owner_walk_free(owners.walk);
	free(rep);
	free(tg);
	tl_nswatch_free(nsw);
	return ret;
}

/* Write and flush: each event line reaches a pipe as it happens.  A
 * closed pipe ends the program quietly (returns 1). */
static int emit(struct tl_buf *b)
{
	if (!b->len)
		return 0;
	int err = out_write(b);
	if (err < 0)
		return err == -EPIPE ? 1 : err;
	tl_buf_reset(b);
	/* A resync's batch can take hundreds of MB of text: not kept. */
	if (b->cap > (1u << 20)) {
		tl_buf_fini(b);
		tl_buf_init(b);
	}
	return 0;
}

static const struct tl_conn *conn_by_id(struct tl_tracker *t, uint32_t id)
{
	size_t n;
	const struct tl_conn *c = tl_tracker_conns(t, &n);
	for (size_t i = 0; id && i < n; i++)
		if (c[i].id == id)
			return &c[i];
	return NULL;
}

static bool finished(const struct tl_conn *c)
{
	return !c || (c->flags & TL_CONN_GONE) || c->state == TL_TCP_TIME_WAIT;
}

/* --ladder: when a connection has ended (each end closed or in
 * TIME-WAIT), its ladder as text, once. */
static void ladder_on_end(struct tl_buf *out, const struct tl_event *ev, struct tl_tracker *t,
			  const struct tl_steps *steps, struct tl_map *printed,
			  const struct tl_filter *follow, const struct tl_options *o,
			  const char *lang)
{
	uint32_t dummy;
	if (ev->kind != TL_EV_CLOSE && ev->to != TL_TCP_TIME_WAIT)
		return;
	if (follow && !tl_filter_match(follow, &ev->sock))
		return;
	if (tl_map_get(printed, ev->conn, &dummy) ||
	    (ev->peer && tl_map_get(printed, ev->peer, &dummy)))
		return;
	if (!finished(conn_by_id(t, ev->conn)) || (ev->peer && !finished(conn_by_id(t, ev->peer))))
		return;
	if (ev->sock.state == TL_TCP_LISTEN || ev->from == TL_TCP_LISTEN)
		return;
	struct tl_ladder *l = tl_ladder_new();
	tl_ladder_build_steps(l, steps, ev->conn, ev->peer);
	if (tl_ladder_steps(l) && o->ladder_format == TL_LADDER_FMT_TEXT) {
		tl_ladder_text(l, 100, lang, o->ascii, out);
		tl_buf_putc(out, '\n');
	} else if (tl_ladder_steps(l)) {
		/* a whole SVG document or Mermaid diagram for each connection */
		struct tl_ladder_export x = {.format = o->ladder_format, .lang = lang};
		tl_ladder_export(l, &x, out);
		tl_buf_putc(out, '\n');
	}
	tl_ladder_free(l);
	tl_map_put(printed, ev->conn, 1);
	if (ev->peer)
		tl_map_put(printed, ev->peer, 1);
}

/* A relay segment of the lab, for --events: what crossed, dropped, kept
 * aside, or a kept copy sent long after its original. */
static void demo_segment(struct tl_buf *b, const struct tl_demo_seg *sg, bool json)
{
	char what[48];
	tl_pkt_describe(&sg->pkt, what, sizeof(what));
	if (json) {
		tl_buf_puts(b, "{\"t\":");
		tl_buf_fixed(b, sg->wall, 3);
		if (sg->released) {
			tl_buf_printf(b,
				      ",\"netns\":\"link\",\"event\":\"release\",\"from\":\"%s\","
				      "\"to\":\"%s\",\"segment\":\"%s\",\"seq\":%u}\n",
				      sg->from ? "B" : "A", sg->from ? "A" : "B", what,
				      sg->pkt.seq);
			return;
		}
		tl_buf_printf(
		    b,
		    ",\"netns\":\"link\",\"event\":\"segment\",\"from\":\"%s\",\"to\":\"%s\","
		    "\"segment\":\"%s\",\"flags\":%u,\"seq\":%u,\"ack\":%u,\"payload\":%u,"
		    "\"dropped\":%s",
		    sg->from ? "B" : "A", sg->from ? "A" : "B", what, sg->pkt.flags, sg->pkt.seq,
		    sg->pkt.ack, sg->pkt.payload, sg->dropped ? "true" : "false");
		tl_buf_printf(b, "%s%s%s%s", sg->kept ? ",\"kept\":true" : "",
			      sg->held ? ",\"held\":true" : "",
			      sg->resent ? ",\"resent\":true" : "",
			      sg->answer ? ",\"answer\":true" : "");
		if (sg->stale_ns) {
			tl_buf_puts(b, ",\"stale_s\":");
			tl_buf_fixed(b, (double)sg->stale_ns / 1e9, 3);
		}
		tl_buf_puts(b, "}\n");
	} else {
		time_t secs = (time_t)sg->wall;
		struct tm tm;
		char stamp[16];
		localtime_r(&secs, &tm);
		strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
		tl_buf_printf(b, "%s.%03d link %s -> %s  %s%s%s%s%s", stamp,
			      (int)((sg->wall - (double)secs) * 1000) % 1000, sg->from ? "B" : "A",
			      sg->from ? "A" : "B", what, sg->released ? "  released" : "",
			      sg->dropped ? "  (dropped by the link)" : "",
			      sg->kept ? "  (the link keeps a copy)" : "",
			      sg->held ? "  (held mid-link until released)" : "");
		tl_buf_puts(b, sg->answer   ? "  (sent again while the first copy was still on the "
					      "link: the answer to a copy delivered to the sender "
					      "again, not its timer)"
			       : sg->resent ? "  (sent again: the sender's retransmission timer "
					      "fired while the first copy was still on the link)"
					    : "");
		if (sg->stale_ns)
			tl_buf_printf(
			    b, "  (a stale duplicate: the link's copy of a %s sent %.1f s ago)",
			    what, (double)sg->stale_ns / 1e9);
		tl_buf_putc(b, '\n');
	}
}

/* --events --step: a space or a newline on stdin releases the first held
 * segment, g releases them all and ends step mode.  False once stdin is
 * done with (its end, an error, or g). */
static bool step_keys(struct tl_demo *demo)
{
	char buf[64];
	ssize_t n = TL_EINTR(read(STDIN_FILENO, buf, sizeof(buf)));
	if (n <= 0)
		return n < 0 && (errno == EINTR || errno == EAGAIN);
	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] == ' ' || buf[i] == '\n') {
			tl_demo_release(demo, tl_mono_ns(), tl_wall_now());
		} else if (buf[i] == 'g') {
			tl_demo_set_step(demo, false, tl_mono_ns(), tl_wall_now());
			return false;
		}
	}
	return true;
}

/* --events with pid or comm terms: does the event pass?  Its owner decides
 * (the runtime looks the events' owners up before they come out); a
 * connection that matched keeps matching once no process holds its socket
 * (TIME-WAIT, the close), until it closes.  matched: connection ids. */
static bool owner_passes(const struct tl_filter *f, const struct tl_event *ev,
			 const struct tl_owner *ow, struct tl_map *matched)
{
	uint32_t dummy;
	bool pass = tl_filter_match_owner(f, &ev->sock, ow ? ow->pid : 0, ow ? ow->comm : NULL);
	if (pass && ow)
		tl_map_put(matched, ev->conn, 1);
	else if (!pass && !ev->sock.inode)
		pass = tl_map_get(matched, ev->conn, &dummy) &&
		       tl_filter_match(f, &ev->sock); /* the rest of the filter still applies */
	if (ev->kind == TL_EV_CLOSE)
		tl_map_del(matched, ev->conn);
	return pass;
}

static int run_events(const struct tl_options *o, const struct tl_filter *filter,
		      const struct tl_filter *follow, struct tl_demo *demo)
{
	struct tl_runtime_config cfg;
	char *cause = NULL;
	int ret = EXIT_SUCCESS;
	tl_runtime_config_for(&cfg, TL_RUNTIME_FRONT_EVENTS, o, filter, follow, demo);
	struct tl_runtime *rt = tl_runtime_new(&cfg, tl_mono_ns(), &cause);
	if (!rt)
		return fail(cause);
	struct tl_engine *e = tl_runtime_engine(rt);
	struct tl_buf out;
	struct tl_map printed, matched;
	tl_buf_init(&out);
	tl_map_init(&printed);
	tl_map_init(&matched);
	/* the ladders' language: --lang, else the locale's; Chinese needs
	 * UTF-8 (an SVG or a Mermaid file is UTF-8 whatever the terminal) */
	const char *why = NULL, *lang = "en";
	if (o->ladder) {
		lang = tl_tui_lang(o->lang, o->ascii, o->ladder_format != TL_LADDER_FMT_TEXT, &why);
		if (why)
			say("note: ", why);
	}
	if (o->ladder && o->ladder_format == TL_LADDER_FMT_TEXT) {
		/* what the diagrams' marks mean, once, before them (an SVG or
		 * a Mermaid diagram holds its own) */
		tl_ladder_legend(o->ascii ? &tl_glyphs_ascii : &tl_glyphs_utf8, lang, &out);
		tl_buf_puts(&out, "\n\n");
	}
	bool keys = demo && o->step; /* stdin releases held segments */
	for (;;) {
		struct pollfd pfd[TL_POLLFDS_MAX + 1];
		size_t n = tl_runtime_pollfds(rt, pfd, TL_ARRAY_SIZE(pfd) - 1);
		if (keys)
			pfd[n++] = (struct pollfd){STDIN_FILENO, POLLIN, 0};
		int timeout = tl_poll_timeout_ms(tl_runtime_deadline(rt), tl_mono_ns(), 60000);
		if (poll(pfd, n, timeout) < 0 && errno != EINTR) {
			ret = fail(tl_asprintf("poll: %s", strerror(errno)));
			break;
		}
		if (keys && (pfd[n - 1].revents & (POLLIN | POLLHUP)))
			keys = step_keys(demo);
		int r = tl_runtime_step(rt, tl_mono_ns(), tl_wall_now(), &cause);
		if (r < 0) {
			ret = fail(cause);
			break;
		}
		size_t nseg, nev;
		const struct tl_demo_seg *sg = tl_runtime_segments(rt, &nseg);
		for (size_t i = 0; i < nseg && !o->ladder; i++)
			demo_segment(&out, &sg[i], o->json);
		if (!o->json && !o->ladder && tl_runtime_run_began(rt) &&
		    tl_runtime_scenario(rt) >= 0)
			tl_buf_printf(&out, "== %s\n",
				      tl_scenario_caption(tl_runtime_scenario(rt), o->lang));
		struct tl_engine_stats st;
		tl_runtime_stats(rt, &st);
		const struct tl_event *ev = tl_runtime_events(rt, &nev);
		const struct tl_owners *own = o->no_owners ? NULL : tl_runtime_owners(rt);
		/* One write per batch: the events of a step happened together,
		 * and a line is never held back waiting for the next step. */
		for (size_t i = 0; i < nev; i++) {
			const struct tl_owner *ow =
			    own && ev[i].sock.inode ? tl_owners_find(own, ev[i].sock.inode) : NULL;
			struct tl_owner evo;
			if (own && !ow && ev[i].pid) {
				/* exact mode named it: the short-lived are gone from /proc */
				memset(&evo, 0, sizeof(evo));
				evo.pid = (int)ev[i].pid;
				memcpy(evo.comm, ev[i].comm, sizeof(ev[i].comm));
				ow = &evo;
			}
			const char *ns = tl_engine_ns_name(e, ev[i].ns);
			if (tl_filter_has_owner(filter) &&
			    !owner_passes(filter, &ev[i], ow, &matched))
				continue;
			if (o->ladder) /* the diagrams only, as each connection ends */
				ladder_on_end(&out, &ev[i], tl_runtime_tracker(rt),
					      tl_runtime_steps(rt), &printed, follow, o, lang);
			else if (o->json)
				tl_report_event_json(&out, &ev[i], ns, &st, ow);
			else
				tl_report_event_text(&out, &ev[i], ns, false, ow);
		}
		int w = emit(&out);
		if (w) {
			ret = w > 0 ? EXIT_SUCCESS
				    : fail(tl_asprintf("write error: %s", strerror(-w)));
			break;
		}
		const char *kind;
		char *msg = tl_runtime_take_notice(rt, &kind);
		if (msg) {
			say(!strcmp(kind, "note") ? "note: " : "warning: ", msg);
			free(msg);
		}
		if (r > 0)
			break; /* a stop signal, -n or --duration */
	}
	tl_buf_fini(&out);
	tl_map_fini(&printed);
	tl_map_fini(&matched);
	tl_runtime_free(rt);
	return ret;
}

/* --once --replay: the recording played as fast as it can up to --at (or
 * its end), then the summary of the samples as they were then.  The
 * owners of CLOSE-WAIT sockets are those the recording learnt. */
static int run_once_replay(const struct tl_options *o)
{
	struct tl_runtime_config cfg;
	struct tl_options fast = *o;
	char *cause = NULL;
	int ret = EXIT_SUCCESS;

	fast.speed = 0;
	tl_runtime_config_for(&cfg, TL_RUNTIME_FRONT_METRICS, &fast, NULL, NULL, NULL);
	struct tl_runtime *rt = tl_runtime_new(&cfg, tl_mono_ns(), &cause);
	if (!rt)
		return fail(cause);
	for (;;) {
		int r = tl_runtime_step(rt, tl_mono_ns(), tl_wall_now(), &cause);
		if (r < 0) {
			tl_runtime_free(rt);
			return fail(cause);
		}
		char *msg = tl_runtime_take_notice(rt, NULL);
		if (msg) {
			say("warning: ", msg);
			free(msg);
		}
		if (r > 0)
			break;
	}
	if (tl_runtime_stopped(rt) == TL_RUNTIME_SIGNAL) {
		tl_runtime_free(rt);
		return EXIT_FAILURE;
	}
	struct tl_engine *e = tl_runtime_engine(rt);
	unsigned n = tl_engine_ns_count(e);
	struct tl_once_report *rep = tl_calloc(n ? n : 1, sizeof(*rep));
	uint64_t now = tl_runtime_data_now(rt, tl_mono_ns());
	for (unsigned i = 0; i < n; i++) {
		tl_once_report_fill(&rep[i], tl_engine_ns_name(e, i), tl_engine_snapshot(e, i));
		if (!o->no_owners)
			tl_runtime_once_leaks(rt, i, now, &rep[i]);
	}
	struct tl_buf out;
	tl_buf_init(&out);
	if (o->json)
		tl_report_once_json(&out, rep, n);
	else
		tl_report_once_text(&out, rep, n);
	ret = write_all(&out);
	tl_buf_fini(&out);
	tl_once_reports_free_leaks(rep, n);
	free(rep);
	tl_runtime_free(rt);
	return ret;
}

/* Metrics alone: no output but notices; the runtime samples, serves and
 * writes until a stop signal, -n or --duration. */
static int run_metrics(const struct tl_options *o, const struct tl_filter *filter,
		       const struct tl_filter *follow, struct tl_demo *demo)
{
	struct tl_runtime_config cfg;
	char *cause = NULL;
	int ret = EXIT_SUCCESS;
	tl_runtime_config_for(&cfg, TL_RUNTIME_FRONT_METRICS, o, filter, follow, demo);
	struct tl_runtime *rt = tl_runtime_new(&cfg, tl_mono_ns(), &cause);
	if (!rt)
		return fail(cause);
	for (;;) {
		struct pollfd pfd[66];
		size_t n = tl_runtime_pollfds(rt, pfd, TL_ARRAY_SIZE(pfd));
		int timeout = tl_poll_timeout_ms(tl_runtime_deadline(rt), tl_mono_ns(), 60000);
		if (poll(pfd, n, timeout) < 0 && errno != EINTR) {
			ret = fail(tl_asprintf("poll: %s", strerror(errno)));
			break;
		}
		int r = tl_runtime_step(rt, tl_mono_ns(), tl_wall_now(), &cause);
		if (r < 0) {
			ret = fail(cause);
			break;
		}
		const char *kind;
		char *msg = tl_runtime_take_notice(rt, &kind);
		if (msg) {
			say(!strcmp(kind, "note") ? "note: " : "warning: ", msg);
			free(msg);
		}
		if (r > 0)
			break;
	}
	tl_runtime_free(rt);
	return ret;
}

int main(int argc, char **argv)
{
	struct tl_options o;
	char *cause = NULL;
	int ret;

	if (tl_options_parse(&o, argc, argv, &cause) < 0) {
		ret = usage_error("", cause);
		free(cause);
		tl_options_fini(&o);
		return ret;
	}
	if (o.help) {
		fputs(tl_options_help(), stdout);
		ret = flush_stdout();
	} else if (o.demo == TL_SCENARIO_LIST) {
		/* the scenarios and their captions, for choosing one, in the
		 * lab's language: Chinese needs a UTF-8 terminal (else English,
		 * with a note, as the view and the ladders do) */
		const char *why, *lang = tl_tui_lang(o.lang, o.ascii, false, &why);
		if (why)
			say("note: ", why);
		for (int i = 0; tl_scenario_name(i); i++)
			printf("%-13s %s\n", tl_scenario_name(i), tl_scenario_caption(i, lang));
		ret = flush_stdout();
	} else if (o.version) {
		printf("tcpladder %s\n"
		       "exact mode (eBPF): %s\n"
		       "Copyright (C) 2026 the tcpladder developers.\n"
		       "License GPLv2+: GNU GPL version 2 or later "
		       "<https://gnu.org/licenses/gpl.html>.\n"
		       "This is free software: you are free to change and redistribute it.\n"
		       "There is NO WARRANTY, to the extent permitted by law.\n",
		       PACKAGE_VERSION, tl_ebpf_built() ? "built" : "not built");
		ret = flush_stdout();
	} else {
		struct tl_filter *filter = NULL, *follow = NULL;
		ret = o.replay && o.filter
			  ? usage_error("", "a FILTER applies while recording, not to --replay")
			  : parse_filter("invalid filter: ", o.filter, &filter);
		if (!ret)
			ret = parse_filter("invalid --follow filter: ", o.follow, &follow);
		/* pid and comm terms are decided by owners, in user space: only
		 * where each socket's owner is looked up. */
		if (!ret && tl_filter_has_owner(follow))
			ret = usage_error("invalid --follow filter: ",
					  "pid and comm terms cannot choose what to follow");
		if (!ret && tl_filter_has_owner(filter) && o.no_owners)
			ret = usage_error("invalid filter: ",
					  "pid and comm terms need owners (drop --no-owners)");
		if (!ret && tl_filter_has_owner(filter) && o.mode == TL_MODE_METRICS)
			ret = usage_error(
			    "invalid filter: ",
			    "pid and comm terms apply to the view, --once and --events, "
			    "not to the exporter");
		struct tl_demo *demo = NULL;
		if (!ret && o.demo >= 0) {
			cause = NULL;
			demo = tl_demo_new(o.demo, o.link_delay_ns, true, &cause);
			if (!demo)
				ret = fail(cause);
			else if (o.step)
				tl_demo_set_step(demo, true, tl_mono_ns(), tl_wall_now());
			else if (tl_demo_loopback(demo))
				fprintf(
				    stderr,
				    "tcpladder: note: no privilege to make namespaces; the demo "
				    "runs on loopback, too fast to observe: its quick steps are "
				    "inferred\n");
			if (demo && !follow) {
				/* follow the lab's connections closely */
				char expr[64];
				snprintf(expr, sizeof(expr), "sport = :%u or dport = :%u",
					 tl_demo_server_port(demo), tl_demo_server_port(demo));
				follow = tl_filter_parse(expr, &cause);
			}
		}
		if (!ret)
			ret = o.mode == TL_MODE_ONCE && o.replay ? run_once_replay(&o)
			      : o.mode == TL_MODE_ONCE           ? run_once(&o, filter)
			      : o.mode == TL_MODE_EVENTS  ? run_events(&o, filter, follow, demo)
			      : o.mode == TL_MODE_METRICS ? run_metrics(&o, filter, follow, demo)
							  : tl_tui_run(&o, filter, follow, demo);
		tl_demo_free(demo);
		tl_filter_free(filter);
		tl_filter_free(follow);
	}
	tl_options_fini(&o);
	return ret;
}
