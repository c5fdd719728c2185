/* The interactive view without a terminal: golden canvases of each screen
 * at several sizes, UTF-8 and ASCII, and the keys.
 * TL_UPDATE_GOLDEN=1 rewrites the golden files instead of comparing
 * (golden.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tcpladder/filter.h"
#include "tcpladder/ladder.h"
#include "tcpladder/scenario.h"
#include "tcpladder/ui.h"
#include "tcpladder/uinetns.h"
#include "tcpladder/uirows.h"
#include "tcpladder/uisetup.h"
#include "golden.h"
#include "tap.h"

#define SEC 1000000000ULL

static struct tl_sock sk(uint64_t cookie, int state, uint8_t ip, uint16_t lport, uint16_t rport)
{
	struct tl_sock s;
	memset(&s, 0, sizeof(s));
	s.cookie = cookie;
	s.family = AF_INET;
	s.state = (uint8_t)state;
	s.local[0] = s.remote[0] = 10;
	s.local[3] = 1;
	s.remote[3] = ip;
	s.lport = lport;
	s.rport = rport;
	s.inode = 5000 + (uint32_t)cookie;
	if (state == TL_TCP_CLOSE_WAIT)
		s.rqueue = 1;
	if (state == TL_TCP_ESTABLISHED) {
		s.flags = TL_SOCK_HAS_INFO;
		s.info.have = TL_INFO_RTT;
		s.info.rtt_us = 1500 + 100 * (uint32_t)cookie;
	}
	return s;
}

struct fixture {
	struct tl_tracker *t;
	struct tl_history hist;
	struct tl_evlog log;
	struct tl_snapshot snap;
	const char *names[1];
	uint64_t now;
};

/* A small server: two listeners, established clients, a CLOSE-WAIT that
 * grows over time, TIME-WAIT, and some events. */
static void fixture_init(struct fixture *f)
{
	f->t = tl_tracker_new(1);
	tl_history_init(&f->hist, 600);
	tl_evlog_init(&f->log, 100);
	tl_snapshot_init(&f->snap);
	f->names[0] = "self";
	f->now = 1000 * SEC;
	for (int step = 0; step < 8; step++) {
		tl_snapshot_clear(&f->snap);
		*tl_snapshot_add(&f->snap) = sk(1, TL_TCP_LISTEN, 0, 443, 0);
		*tl_snapshot_add(&f->snap) = sk(2, TL_TCP_LISTEN, 0, 22, 0);
		for (int i = 0; i < 6; i++)
			*tl_snapshot_add(&f->snap) =
			    sk(10 + (uint64_t)i, TL_TCP_ESTABLISHED, (uint8_t)(20 + i), 443,
			       (uint16_t)(40000 + i));
		for (int i = 0; i < step; i++)
			*tl_snapshot_add(&f->snap) =
			    sk(100 + (uint64_t)i, TL_TCP_CLOSE_WAIT, (uint8_t)(50 + i), 443,
			       (uint16_t)(50000 + i));
		for (int i = 0; i < 3; i++)
			*tl_snapshot_add(&f->snap) = sk(200 + (uint64_t)i, TL_TCP_TIME_WAIT,
							(uint8_t)(90 + i), 51000 + (uint16_t)i, 80);
		f->snap.complete = true;
		tl_tracker_sample(f->t, 0, &f->snap, f->now, 1764064800.0 + step * 5);
		size_t n;
		const struct tl_event *ev = tl_tracker_events(f->t, &n);
		for (size_t i = 0; i < n; i++)
			tl_evlog_add(&f->log, &ev[i]);
		tl_tracker_clear_events(f->t);
		struct tl_hist h;
		tl_hist_from_snapshot(&h, &f->snap);
		tl_history_add(&f->hist, &h, f->now);
		f->now += 5 * SEC;
	}
}

static void fixture_fini(struct fixture *f)
{
	tl_tracker_free(f->t);
	tl_history_fini(&f->hist);
	tl_evlog_fini(&f->log);
	tl_snapshot_fini(&f->snap);
}

static struct tl_ui_input input(struct fixture *f)
{
	struct tl_ui_input in = {
	    .tracker = f->t,
	    .history = &f->hist,
	    .log = &f->log,
	    .stats = {500000000ULL, 2100000ULL, 8, 20, false, false, 0, false},
	    .host = "testhost",
	    .ns_names = f->names,
	    .n_ns = 1,
	    .now = f->now,
	    .now_wall = 1764064840.0,
	    .utc = true,
	};
	return in;
}

/* One frame as the terminal shows it: the clock's tick, then the drawing. */
static void frame(struct tl_ui *ui, struct tl_canvas *c, const struct tl_ui_input *in)
{
	tl_ui_tick(ui, in, c->w, c->h);
	tl_ui_draw(ui, c, in);
}

static void golden_in(const char *name, struct tl_ui *ui, const struct tl_ui_input *in, int w,
		      int h, bool ascii)
{
	struct tl_canvas c;
	struct tl_buf b;

	tl_canvas_init(&c, w, h, ascii ? &tl_glyphs_ascii : &tl_glyphs_utf8);
	frame(ui, &c, in);
	tl_buf_init(&b);
	tl_canvas_dump(&c, &b);
	golden_ok(b.data, b.len, name, "golden %s (%dx%d%s)", name, w, h, ascii ? ", ASCII" : "");
	/* Nothing drawn outside the canvas, nothing but ASCII in ASCII mode. */
	if (ascii) {
		bool only = true;
		for (int i = 0; i < w * h; i++)
			only &= c.cells[i].ch < 0x7f;
		ok(only, "%s: ASCII only", name);
	}
	tl_buf_fini(&b);
	tl_canvas_fini(&c);
}

/* The leak screen: the legend shows the thresholds in force, and an
 * unknown owner comes with the reason when processes could not be read. */
static void leak_legend(struct fixture *f)
{
	struct tl_ui ui;
	struct tl_canvas c;
	struct tl_buf b;
	struct tl_ui_input in = input(f);
	struct tl_leak_cfg cfg;
	struct tl_leak_group g[2];

	memset(g, 0, sizeof(g));
	g[0].pid = 4242;
	snprintf(g[0].comm, sizeof(g[0].comm), "server");
	g[0].count = 3;
	g[1].pid = -1;
	g[1].count = 2;
	tl_leak_cfg_default(&cfg);
	cfg.count_threshold = 1;
	cfg.age_threshold_s = 90;
	cfg.window_ns = 600 * SEC;
	struct tl_owners *own = tl_owners_new(NULL);
	in.leaks = g;
	in.n_leaks = 2;
	in.owners = own;
	in.leak_cfg = &cfg;
	tl_ui_init(&ui);
	ui.screen = TL_SCREEN_LEAKS;
	tl_canvas_init(&c, 120, 30, &tl_glyphs_utf8);
	tl_buf_init(&b);
	frame(&ui, &c, &in);
	tl_canvas_dump(&c, &b);
	ok(strstr(b.data,
		  "growing over 10 min, a socket in CLOSE-WAIT for 90 s, or 1 in one process"),
	   "leak legend: the configured thresholds (--leak-count 1 --leak-age 90 --leak-window "
	   "600)");
	ok(!strstr(b.data, "could not be inspected"),
	   "no reason while every process could be read");

	tl_owners_note_hidden(own, 3);
	tl_buf_reset(&b);
	frame(&ui, &c, &in);
	tl_canvas_dump(&c, &b);
	ok(strstr(b.data, "(unknown): other users' processes could not be inspected"),
	   "an unknown owner, with processes not readable: the reason is shown");

	in.leak_cfg = NULL;
	tl_buf_reset(&b);
	frame(&ui, &c, &in);
	tl_canvas_dump(&c, &b);
	ok(strstr(b.data, "over 5 min, a socket in CLOSE-WAIT for 5 min, or 100 in one process"),
	   "leak legend: the defaults without a configuration");
	tl_buf_fini(&b);
	tl_canvas_fini(&c);
	tl_ui_fini(&ui);
	tl_owners_free(own);
}

/* Every inferred event in the pane says "(inferred)" in words, at any
 * width: a dim style alone is lost to NO_COLOR and copy-paste. */
static void inferred_marked(struct fixture *f)
{
	struct tl_ui ui;
	struct tl_ui_input in = input(f);
	static const int widths[] = {60, 70, 80, 100};
	tl_ui_init(&ui);
	for (size_t k = 0; k < sizeof(widths) / sizeof(widths[0]); k++) {
		struct tl_canvas c;
		struct tl_buf b;
		tl_canvas_init(&c, widths[k], 40, &tl_glyphs_utf8);
		tl_buf_init(&b);
		frame(&ui, &c, &in);
		tl_canvas_dump(&c, &b);
		int lines = 0, marked = 0;
		for (char *p = b.data; p && *p;) {
			char *nl = strchr(p, '\n');
			size_t n = nl ? (size_t)(nl - p) : strlen(p);
			char row[1024];
			snprintf(row, sizeof(row), "%.*s", (int)TL_MIN(n, sizeof(row) - 1), p);
			/* of the fixture's events only ESTABLISHED -> CLOSE-WAIT was
			 * seen; narrow, its line is cut before "→ CLOSE-WAIT" */
			if ((strstr(row, "→ 10.0.0.") || strstr(row, "→ :5")) &&
			    (strstr(row, " new ") || strstr(row, " SYN-RECV"))) {
				lines++;
				marked += strstr(row, "(inferred)") != NULL;
			}
			p = nl ? nl + 1 : NULL;
		}
		if (!lines)
			tap_diag_text("screen", b.data);
		ok(lines > 0 && marked == lines, "%d columns: %d of %d inferred events say so",
		   widths[k], marked, lines);
		tl_buf_fini(&b);
		tl_canvas_fini(&c);
	}
	ui.screen = TL_SCREEN_HELP;
	struct tl_canvas c;
	struct tl_buf b;
	tl_canvas_init(&c, 80, 24, &tl_glyphs_utf8);
	tl_buf_init(&b);
	frame(&ui, &c, &in);
	tl_canvas_dump(&c, &b);
	ok(strstr(b.data, "~ inferred, - - -> inferred segment, ~derived: not watched"),
	   "the help explains the ladder's marks");
	tl_buf_fini(&b);
	tl_canvas_fini(&c);
	tl_ui_fini(&ui);
}

static void dump_after_header(struct tl_ui *ui, const struct tl_ui_input *in, struct tl_canvas *c,
			      struct tl_buf *b, char *out, size_t len)
{
	tl_buf_reset(b);
	frame(ui, c, in);
	tl_canvas_dump(c, b);
	const char *nl = strchr(b->data, '\n');
	snprintf(out, len, "%s", nl ? nl + 1 : "");
}

/* Space freezes everything shown while sampling goes on: new events and
 * a new sample change nothing on screen but the header's count; Up, Down,
 * Home and End scroll the frozen events like less; Space again is live. */
static void freeze(struct fixture *f)
{
	struct tl_ui ui;
	struct tl_canvas c;
	struct tl_buf b;
	struct tl_ui_input in = input(f);
	static char before[8192], during[8192], line[256];
	tl_ui_init(&ui);
	tl_canvas_init(&c, 80, 24, &tl_glyphs_utf8);
	tl_buf_init(&b);
	dump_after_header(&ui, &in, &c, &b, before, sizeof(before));
	size_t kept = f->log.n;
	tl_ui_key(&ui, ' ', &in);
	ok(ui.frozen, "Space: frozen");
	dump_after_header(&ui, &in, &c, &b, during, sizeof(during));
	is_str(during, before, "frozen at once: the same screen");
	ok(strstr(b.data, " FROZEN +0") && !strstr(b.data, "events +0"),
	   "the header says frozen, nothing new yet (short, at 80 columns)");

	/* sampling goes on: a new connection, three events, a sample */
	tl_snapshot_clear(&f->snap);
	*tl_snapshot_add(&f->snap) = sk(1, TL_TCP_LISTEN, 0, 443, 0);
	*tl_snapshot_add(&f->snap) = sk(300, TL_TCP_ESTABLISHED, 77, 443, 47000);
	f->snap.complete = true;
	f->now += 5 * SEC;
	tl_tracker_sample(f->t, 0, &f->snap, f->now, 1764064900.0);
	size_t n;
	const struct tl_event *ev = tl_tracker_events(f->t, &n);
	for (size_t i = 0; i < n && i < 3; i++)
		tl_evlog_add(&f->log, &ev[i]);
	tl_tracker_clear_events(f->t);
	struct tl_hist h;
	tl_hist_from_snapshot(&h, &f->snap);
	tl_history_add(&f->hist, &h, f->now);
	in = input(f);
	in.stats.samples += 1;
	uint64_t added = f->log.total - ui.frz_log.total;
	ok(added > 0, "the fixture added events (%llu)", (unsigned long long)added);
	dump_after_header(&ui, &in, &c, &b, during, sizeof(during));
	is_str(during, before, "new data while frozen: the screen does not change");
	snprintf(line, sizeof(line), " FROZEN +%llu", (unsigned long long)added);
	ok(strstr(b.data, line) && strstr(b.data, "FILTER") == NULL && strstr(b.data, "TCP "),
	   "the header counts what is new: %s, and keeps its count", line);

	/* scrolling: the events pane's rows in the frozen copy */
	size_t rows = (size_t)ui.pane[TL_PANE_EVENTS].h - 1, last = kept > rows ? kept - rows : 0;
	is_int((long)ui.ev_top, (long)last, "frozen: the newest events at the bottom");
	tl_ui_key(&ui, TL_KEY_UP, &in);
	is_int((long)ui.ev_top, (long)last - 1, "Up: one older");
	ok(ui.focus == TL_PANE_TABLE, "whatever pane has the focus");
	tl_ui_key(&ui, TL_KEY_DOWN, &in);
	is_int((long)ui.ev_top, (long)last, "Down: one newer");
	tl_ui_key(&ui, TL_KEY_HOME, &in);
	is_int((long)ui.ev_top, 0, "Home: the oldest kept");
	dump_after_header(&ui, &in, &c, &b, during, sizeof(during));
	snprintf(line, sizeof(line), "1-%zu of %zu kept", rows, kept);
	ok(strstr(during, line), "the title says where: %s", line);
	ok(strstr(during, "10.0.0.20:40000"), "Home shows the first events");
	if (!strstr(during, "10.0.0.20:40000"))
		tap_diag_text("screen", during);
	tl_ui_key(&ui, TL_KEY_END, &in);
	is_int((long)ui.ev_top, (long)last, "End: the newest again");
	tl_ui_key(&ui, ' ', &in);
	ok(!ui.frozen, "Space: live");
	dump_after_header(&ui, &in, &c, &b, during, sizeof(during));
	ok(strcmp(during, before) != 0 && strstr(during, "10.0.0.77"),
	   "live: the new connection shows");
	tl_ui_key(&ui, ' ', &in);
	tl_ui_key(&ui, 'I', &in);
	ok(!ui.frozen, "another key (a sort) goes back to live");

	tl_buf_fini(&b);
	tl_canvas_fini(&c);
	{
		/* wide, the long form, the header's count beside it */
		struct tl_canvas wc;
		struct tl_buf wb;
		tl_canvas_init(&wc, 160, 40, &tl_glyphs_utf8);
		tl_buf_init(&wb);
		tl_ui_key(&ui, ' ', &in);
		tl_ui_draw(&ui, &wc, &in);
		tl_canvas_dump(&wc, &wb);
		ok(ui.frozen && strstr(wb.data, "FROZEN +0 events +0 samples (Space: live)") &&
		       strstr(wb.data, "TCP "),
		   "160 columns: the frozen tag's long form, and the count");
		tl_buf_fini(&wb);
		tl_canvas_fini(&wc);
	}
	tl_ui_fini(&ui);
}

/* The filter applies to every pane: the histogram counts the matching
 * connections, the event pane shows the matching events, and the header
 * says a filter is on. */
/* A connection that came after the table's last refresh, sooner than a
 * refresh is redone for drawing alone: a search still finds it. */
static void search_new_connection(void)
{
	struct fixture f;
	struct tl_ui ui;
	fixture_init(&f);
	tl_ui_init(&ui);
	struct tl_ui_input in = input(&f);
	tl_ui_refresh_rows(&ui, &in);
	size_t before = ui.n_rows;
	tl_snapshot_clear(&f.snap);
	*tl_snapshot_add(&f.snap) = sk(1, TL_TCP_LISTEN, 0, 443, 0);
	*tl_snapshot_add(&f.snap) = sk(400, TL_TCP_ESTABLISHED, 88, 443, 47777);
	f.snap.complete = true;
	f.now += SEC / 10;
	tl_tracker_sample(f.t, 0, &f.snap, f.now, 1764064950.0);
	in = input(&f);
	tl_ui_key(&ui, '/', &in);
	for (const char *p = "47777"; *p; p++)
		tl_ui_key(&ui, *p, &in);
	size_t n;
	const struct tl_conn *conns = tl_tracker_conns(f.t, &n);
	ok(!ui.message && ui.n_rows > before && conns[ui.rows[ui.sel]].sock.cookie == 400,
	   "a search finds a connection newer than the table's last refresh (%s)",
	   ui.message ? ui.message : "found");
	tl_ui_fini(&ui);
	fixture_fini(&f);
}

/* A connection the tracker lets go keeps its ladder on the detail screen,
 * as last seen, instead of giving way to "no longer tracked". */
static void kept_ladder(void)
{
	struct fixture f;
	struct tl_ui ui;
	fixture_init(&f);
	tl_ui_init(&ui);
	tl_tracker_set_tombstone(f.t, 10 * SEC);
	struct tl_ui_input in = input(&f);
	size_t n;
	const struct tl_conn *conns = tl_tracker_conns(f.t, &n);
	uint32_t id = 0;
	for (size_t i = 0; i < n; i++)
		if (conns[i].sock.cookie == 10)
			id = conns[i].id;
	struct tl_canvas c;
	struct tl_buf b;
	tl_canvas_init(&c, 80, 24, &tl_glyphs_utf8);
	tl_buf_init(&b);
	tl_ui_refresh_rows(&ui, &in);
	for (size_t i = 0; i < ui.n_rows; i++)
		if (conns[ui.rows[i]].id == id)
			ui.sel = i;
	tl_ui_key(&ui, TL_KEY_ENTER, &in);
	is_int(ui.detail_id, id, "Enter opens the connection to be let go");
	frame(&ui, &c, &in);
	size_t steps = ui.ladder ? tl_ladder_steps(ui.ladder) : 0;
	/* it closes, then its tombstone expires */
	bool found = true;
	for (int round = 0; round < 20 && found; round++) {
		tl_snapshot_clear(&f.snap);
		*tl_snapshot_add(&f.snap) = sk(1, TL_TCP_LISTEN, 0, 443, 0);
		f.snap.complete = true;
		f.now += 5 * SEC;
		tl_tracker_sample(f.t, 0, &f.snap, f.now, 1764064900.0 + round * 5);
		tl_tracker_expire(f.t, f.now);
		size_t m;
		const struct tl_event *ev = tl_tracker_events(f.t, &m);
		for (size_t i = 0; i < m; i++)
			tl_evlog_add(&f.log, &ev[i]);
		tl_tracker_clear_events(f.t);
		in = input(&f);
		frame(&ui, &c, &in);
		found = false;
		conns = tl_tracker_conns(f.t, &n);
		for (size_t i = 0; i < n; i++)
			found |= conns[i].id == id;
	}
	ok(!found, "the tracker let the connection go");
	size_t closed_steps = ui.ladder ? tl_ladder_steps(ui.ladder) : 0;
	/* the log forgets it too (a live ladder's steps go with it) */
	tl_evlog_fini(&f.log);
	tl_evlog_init(&f.log, 100);
	in = input(&f);
	frame(&ui, &c, &in);
	tl_canvas_dump(&c, &b);
	ok(strstr(b.data, "no longer tracked: as last seen") && strstr(b.data, "10.0.0.20") &&
	       !strstr(b.data, "this connection is no longer tracked"),
	   "the screen keeps the connection, said to be no longer tracked");
	ok(closed_steps > steps && ui.ladder && tl_ladder_steps(ui.ladder) == closed_steps,
	   "... and its ladder with its close (%zu steps, %zu open, %zu closed)",
	   ui.ladder ? tl_ladder_steps(ui.ladder) : 0, steps, closed_steps);
	tl_buf_fini(&b);
	tl_canvas_fini(&c);
	tl_ui_fini(&ui);
	fixture_fini(&f);
}

static void filter_everywhere(struct fixture *f)
{
	struct tl_ui ui;
	struct tl_canvas c;
	struct tl_buf b;
	struct tl_ui_input in = input(f);
	tl_ui_init(&ui);
	tl_canvas_init(&c, 80, 24, &tl_glyphs_utf8);
	tl_buf_init(&b);
	tl_ui_key(&ui, TL_KEY_F4, &in);
	for (const char *p = "dst 10.0.0.56"; *p; p++)
		tl_ui_key(&ui, *p, &in);
	tl_ui_key(&ui, TL_KEY_ENTER, &in);
	frame(&ui, &c, &in);
	tl_canvas_dump(&c, &b);
	const char *nl = strchr(b.data, '\n');
	ok(nl && memmem(b.data, (size_t)(nl - b.data), "FILTER (F4)", 11),
	   "the header says a filter is on");
	ok(strstr(b.data, "States matching the filter"), "the histogram says it is filtered");
	ok(strstr(b.data, " CLOSE-WAIT       1 ") && strstr(b.data, " TIME-WAIT        0") &&
	       strstr(b.data, "9 empty hidden (z)") && !strstr(b.data, " ESTABLISHED      0"),
	   "the histogram counts the one matching connection (empty states hidden, but "
	   "CLOSE-WAIT and TIME-WAIT)");
	tl_ui_key(&ui, 'z', &in);
	tl_buf_reset(&b);
	tl_ui_draw(&ui, &c, &in);
	tl_canvas_dump(&c, &b);
	ok(ui.hist_all && strstr(b.data, " ESTABLISHED      0") && strstr(b.data, "z hides empty"),
	   "z: every state, the empty ones too");
	tl_ui_key(&ui, 'z', &in);
	ok(!ui.hist_all, "z again: the empty states hidden");
	ok(strstr(b.data, "Events 21  3 kept match the filter"),
	   "the event pane counts the matches");
	ok(strstr(b.data, "10.0.0.56:50006  ESTABLISHED → CLOSE-WAIT") &&
	       !strstr(b.data, "10.0.0.55:50005"),
	   "the event pane shows only the matching connection's events");
	if (!strstr(b.data, "3 kept match"))
		tap_diag_text("screen", b.data);
	tl_buf_fini(&b);
	tl_canvas_fini(&c);
	tl_ui_fini(&ui);
}

/* pid and comm terms, and the search, by owner: every pane narrows to
 * the process's connections. */
static void owner_filter(struct fixture *f)
{
	struct tl_ui ui;
	struct tl_canvas c;
	struct tl_buf b;
	struct tl_ui_input in = input(f);
	struct tl_owners *own = tl_owners_new(NULL);
	struct tl_owner web = {.pid = 77, .comm = "nginx", .cmdline = "nginx: worker process"};
	struct tl_owner py = {.pid = 88, .comm = "python3", .cmdline = "python3 -m http.server"};
	tl_owners_add(own, 5010, &web); /* 10.0.0.20:40000 */
	tl_owners_add(own, 5011, &web);
	tl_owners_add(own, 5012, &py); /* 10.0.0.22:40002 */
	in.owners = own;
	tl_ui_init(&ui);
	tl_canvas_init(&c, 80, 24, &tl_glyphs_utf8);
	tl_buf_init(&b);

	ok(tl_ui_set_filter(&ui, "comm python*"), "comm with a pattern is a filter");
	tl_ui_refresh_rows(&ui, &in);
	is_int(ui.n_rows, 1, "comm: the process's one connection");
	tl_ui_draw(&ui, &c, &in);
	tl_canvas_dump(&c, &b);
	ok(strstr(b.data, " ESTABLISHED      1") && !strstr(b.data, " LISTEN           2"),
	   "the histogram counts that process's connections");
	ok(strstr(b.data, "10.0.0.22:40002") && !strstr(b.data, "10.0.0.20:40000"),
	   "the table and the events show only them");
	ok(strstr(b.data, "kept match the filter"), "the event pane is filtered");

	ok(tl_ui_set_filter(&ui, "pid = 77"), "pid = N is a filter");
	tl_ui_refresh_rows(&ui, &in);
	is_int(ui.n_rows, 2, "pid: its two connections");
	ok(tl_ui_set_filter(&ui, "not pid = 77 and state established"), "not pid");
	tl_ui_refresh_rows(&ui, &in);
	is_int(ui.n_rows, 4, "not pid: the others, unknown owners included");
	ok(!tl_ui_set_filter(&ui, "pid = x") && ui.message && strstr(ui.message, "process id"),
	   "a bad pid says so");

	tl_ui_set_filter(&ui, "");
	tl_ui_refresh_rows(&ui, &in);
	tl_ui_key(&ui, '/', &in);
	for (const char *p = "http.server"; *p; p++)
		tl_ui_key(&ui, *p, &in);
	size_t n;
	const struct tl_conn *conns = tl_tracker_conns(f->t, &n);
	ok(conns[ui.rows[ui.sel]].sock.inode == 5012, "/ finds a row by its owner's command line");
	tl_ui_key(&ui, TL_KEY_ESC, &in);
	tl_buf_fini(&b);
	tl_canvas_fini(&c);
	tl_ui_fini(&ui);
	tl_owners_free(own);
}

static void type(struct tl_ui *ui, const char *text, const struct tl_ui_input *in)
{
	for (const char *p = text; *p; p++)
		tl_ui_key(ui, *p, in);
}

/* Keys that behave: the prompt edits a line and recalls filters, F3 goes
 * to the next match, each + counts, F2 F5 F9 say why they do nothing,
 * help returns on any key, a click on a column head sorts, the wheel
 * scrolls. */
static void keys_behave(struct fixture *f)
{
	struct tl_ui ui;
	struct tl_canvas c;
	struct tl_ui_input in = input(f);
	tl_ui_init(&ui);
	tl_canvas_init(&c, 100, 30, &tl_glyphs_utf8);
	tl_ui_draw(&ui, &c, &in);

	tl_ui_key(&ui, TL_KEY_F4, &in);
	type(&ui, "sport = :443", &in);
	tl_ui_key(&ui, TL_KEY_HOME, &in);
	type(&ui, "state listening ", &in);
	is_str(ui.input, "state listening sport = :443", "Home, then typing inserts at the start");
	tl_ui_key(&ui, TL_KEY_END, &in);
	tl_ui_key(&ui, TL_KEY_CTRL('w'), &in);
	is_str(ui.input, "state listening sport = ", "C-w takes back a word");
	tl_ui_key(&ui, TL_KEY_LEFT, &in);
	tl_ui_key(&ui, TL_KEY_LEFT, &in);
	tl_ui_key(&ui, TL_KEY_BACKSPACE, &in);
	is_str(ui.input, "state listening sport= ", "Left Left Backspace: in the middle");
	tl_ui_key(&ui, TL_KEY_DELETE, &in);
	is_str(ui.input, "state listening sport ", "Delete: the character at the cursor");
	tl_ui_key(&ui, TL_KEY_CTRL('u'), &in);
	is_str(ui.input, " ", "C-u: all before the cursor");
	tl_ui_key(&ui, TL_KEY_CTRL('k'), &in);
	type(&ui, "sport = :443", &in);
	tl_ui_key(&ui, TL_KEY_ENTER, &in);
	is_str(ui.filter_text, "sport = :443", "the edited filter applies");
	tl_ui_key(&ui, TL_KEY_F4, &in);
	tl_ui_key(&ui, TL_KEY_CTRL('u'), &in);
	type(&ui, "state time-wait", &in);
	tl_ui_key(&ui, TL_KEY_ENTER, &in);
	tl_ui_key(&ui, TL_KEY_F4, &in);
	tl_ui_key(&ui, TL_KEY_CTRL('u'), &in);
	type(&ui, "dst", &in);
	tl_ui_key(&ui, TL_KEY_UP, &in);
	is_str(ui.input, "state time-wait", "Up: the last filter");
	tl_ui_key(&ui, TL_KEY_UP, &in);
	is_str(ui.input, "sport = :443", "Up again: the one before");
	tl_ui_key(&ui, TL_KEY_UP, &in);
	is_str(ui.input, "sport = :443", "no older one: it stays");
	tl_ui_key(&ui, TL_KEY_DOWN, &in);
	tl_ui_key(&ui, TL_KEY_DOWN, &in);
	is_str(ui.input, "dst", "Down past the newest: the line being typed");
	tl_ui_key(&ui, TL_KEY_CTRL('u'), &in);
	tl_ui_key(&ui, TL_KEY_ENTER, &in);
	tl_ui_refresh_rows(&ui, &in);

	/* F3 outside the prompt: the next match of the last search */
	tl_ui_key(&ui, '/', &in);
	type(&ui, "ESTAB", &in);
	tl_ui_key(&ui, TL_KEY_ENTER, &in);
	size_t first = ui.sel;
	tl_ui_key(&ui, TL_KEY_F3, &in);
	ok(ui.prompt == TL_PROMPT_NONE && ui.sel == first + 1,
	   "F3 after a search: the next match, no prompt");

	tl_ui_key(&ui, '+', &in);
	tl_ui_key(&ui, '+', &in);
	tl_ui_key(&ui, '+', &in);
	is_int(ui.delay_step, 3, "three + presses count three times");
	tl_ui_key(&ui, '-', &in);
	is_int(ui.delay_step, 2, "and - counts back");
	ui.delay_step = 0;

	tl_ui_message(&ui, NULL);
	tl_ui_key(&ui, TL_KEY_F1 + 8, &in);
	ok(ui.message && strlen(ui.message) > 20, "F9 says why: %s",
	   ui.message ? ui.message : "(nothing)");
	tl_ui_message(&ui, NULL);
	tl_ui_key(&ui, TL_KEY_F2, &in);
	is_int(ui.screen, TL_SCREEN_SETUP, "F2: the setup screen");
	tl_ui_key(&ui, TL_KEY_ESC, &in);
	is_int(ui.screen, TL_SCREEN_MAIN, "Esc leaves it");
	tl_ui_key(&ui, TL_KEY_F5, &in);
	ok(ui.group == TL_GROUP_PROCESS && ui.message && strstr(ui.message, "grouped by process"),
	   "F5 groups by process, and says so: %s", ui.message ? ui.message : "(nothing)");
	for (int i = 0; i < 3; i++)
		tl_ui_key(&ui, TL_KEY_F5, &in);
	is_int(ui.group, TL_GROUP_NONE, "F5 three times more: not grouped");
	tl_ui_message(&ui, NULL);

	static const int any[] = {'x', TL_KEY_F4, ' ', '1'};
	for (size_t i = 0; i < 4; i++) {
		tl_ui_key(&ui, TL_KEY_F1, &in);
		tl_ui_key(&ui, any[i], &in);
		ok(ui.screen == TL_SCREEN_MAIN && ui.prompt == TL_PROMPT_NONE && !ui.frozen,
		   "help: key %d returns, and does nothing else", any[i]);
	}
	{
		/* the moving keys scroll the help, wrapped to the width */
		struct tl_canvas hc;
		struct tl_buf top, down;
		tl_canvas_init(&hc, 40, 12, &tl_glyphs_utf8);
		tl_buf_init(&top);
		tl_buf_init(&down);
		tl_ui_key(&ui, TL_KEY_F1, &in);
		frame(&ui, &hc, &in);
		tl_canvas_dump(&hc, &top);
		tl_ui_key(&ui, TL_KEY_PGDN, &in);
		tl_ui_key(&ui, TL_KEY_DOWN, &in);
		frame(&ui, &hc, &in);
		tl_canvas_dump(&hc, &down);
		ok(ui.screen == TL_SCREEN_HELP && ui.help_top == 10 &&
		       strstr(top.data, "Up Down 1-9/") && strstr(down.data, "Up Down 11-19/"),
		   "help: PgDn and Down scroll it at 40x12 (top %d)", ui.help_top);
		ok(strstr(top.data, "   how they change"),
		   "... its lines wrapped, not cut, at 40 columns");
		tl_ui_key(&ui, TL_KEY_END, &in);
		frame(&ui, &hc, &in);
		tl_buf_reset(&down);
		tl_canvas_dump(&hc, &down);
		ok(strstr(down.data, "'first seen in STATE': found open."),
		   "End shows its last line");
		tl_ui_key(&ui, 'x', &in);
		is_int(ui.screen, TL_SCREEN_MAIN, "help: another key returns");
		tl_buf_fini(&top);
		tl_buf_fini(&down);
		tl_canvas_fini(&hc);
	}
	ui.detail_id = 0;
	ui.screen = TL_SCREEN_DETAIL;
	tl_ui_key(&ui, TL_KEY_F1, &in);
	is_int(ui.screen, TL_SCREEN_HELP, "F1 on the ladder screen: help");
	tl_ui_key(&ui, TL_KEY_ENTER, &in);
	is_int(ui.screen, TL_SCREEN_DETAIL, "and back to the ladder");
	ui.screen = TL_SCREEN_MAIN;

	tl_ui_draw(&ui, &c, &in);
	int age_x = -1;
	for (int i = 0; i < ui.n_head; i++)
		if (ui.head[i].sort == TL_SORT_AGE)
			age_x = ui.head[i].x0;
	ok(age_x >= 0, "the AGE column's head is known");
	tl_ui_click(&ui, age_x + 1, ui.head_y, &in);
	ok(ui.sort == TL_SORT_AGE && !ui.sort_desc, "a click on AGE sorts by age");
	tl_ui_click(&ui, age_x + 1, ui.head_y, &in);
	ok(ui.sort == TL_SORT_AGE && ui.sort_desc, "a second click: the other way");

	tl_ui_refresh_rows(&ui, &in);
	tl_ui_draw(&ui, &c, &in);
	size_t sel = ui.sel;
	tl_ui_wheel(&ui, 5, ui.table_first_y, 1, &in);
	is_int(ui.sel, sel + 3, "the wheel scrolls the table");
	tl_ui_wheel(&ui, 5, ui.pane[TL_PANE_EVENTS].y + 1, -1, &in);
	ok(ui.frozen && ui.ev_top > 0, "the wheel over the events scrolls them back (frozen)");
	tl_canvas_fini(&c);
	tl_ui_fini(&ui);
}

static void golden(const char *name, struct tl_ui *ui, struct fixture *f, int w, int h, bool ascii)
{
	struct tl_ui_input in = input(f);
	golden_in(name, ui, &in, w, h, ascii);
}

/* The leak screen (L), from the fixture's history as the runtime would
 * judge it after each sample: the CLOSE-WAIT sockets that appear one a
 * sample, five held by one process (its count keeps growing, one with
 * unread data), two by an owner not found; TIME-WAIT against a lowered
 * bucket limit. */
static void leak_screen(struct tl_ui *ui, struct fixture *f)
{
	struct tl_leak_cfg cfg;
	struct tl_leak_watch watch;
	struct tl_leak_group *groups = NULL;
	struct tl_tw_pressure tw;
	struct tl_cw_item items[8];
	size_t ng = 0;

	tl_leak_cfg_default(&cfg);
	cfg.window_ns = 60 * SEC;
	tl_leak_watch_init(&watch);
	for (int step = 0; step < 8; step++) {
		uint64_t t = 1000 * SEC + (uint64_t)step * 5 * SEC;
		for (int i = 0; i < step; i++)
			items[i] = (struct tl_cw_item){
			    .lport = 443,
			    .rqueue = i == 2 ? 512 : 1,
			    .age_s = 5.0 * (step - i - 1),
			    .age_exact = true,
			    .pid = i < 5 ? 4242 : -1,
			    .comm = i < 5 ? "api-server" : NULL,
			    .cmdline = i < 5 ? "/usr/bin/api-server --port 443" : NULL,
			};
		free(groups);
		ng = tl_leak_group(items, (size_t)step, false, &cfg, &groups);
		tl_leak_watch_update(&watch, groups, ng, false, t, &cfg);
	}
	tl_tw_pressure_compute(&f->snap, 3, 32768, 60999, &cfg, &tw);

	struct tl_ui_input in = input(f);
	in.leaks = groups;
	in.n_leaks = ng;
	in.watch = &watch;
	in.tw = &tw;
	ok(ng == 2 && groups[0].pid == 4242 && groups[0].suspect && groups[1].pid == -1 &&
	       !groups[1].suspect,
	   "leak fixture: the growing process is the suspect, the unknown owner is not");
	tl_ui_key(ui, 'L', &in);
	is_int(ui->screen, TL_SCREEN_LEAKS, "L: the leak screen");
	golden_in("leaks-80x24", ui, &in, 80, 24, false);
	golden_in("leaks-100x30-ascii", ui, &in, 100, 30, true);
	{
		struct tl_canvas c;
		struct tl_buf b;
		tl_canvas_init(&c, 160, 30, &tl_glyphs_utf8);
		tl_buf_init(&b);
		tl_ui_draw(ui, &c, &in);
		tl_canvas_dump(&c, &b);
		ok(strstr(b.data, "/usr/bin/api-server --port 443") && strstr(b.data, ":443"),
		   "the leak screen: the command line and the local ports");
		ok(!strstr(b.data, "(unknown)") &&
		       strstr(b.data, "2 more in CLOSE-WAIT whose process is not known"),
		   "unknown owners: one line, in words");
		ok(strstr(b.data, "ss -tnp state close-wait '( sport = :443 )' | grep 'pid=4242,'"),
		   "the ss command that lists the process's sockets");
		ok(strstr(b.data, "(count 1 to 5 over its last"), "the trend's range");
		tl_buf_fini(&b);
		tl_canvas_fini(&c);
	}
	tl_ui_key(ui, 'c', &in);
	is_str(ui->copy, "ss -tnp state close-wait '( sport = :443 )' | grep 'pid=4242,'",
	       "c: the ss command for the clipboard");
	ok(ui->message && strstr(ui->message, "copied: ss -tnp"), "c: and on the status line");
	ui->copy[0] = '\0';
	tl_ui_key(ui, TL_KEY_F1, &in);
	is_int(ui->screen, TL_SCREEN_HELP, "F1 on the leak screen: help");
	tl_ui_key(ui, 'x', &in);
	is_int(ui->screen, TL_SCREEN_LEAKS, "any key: back to the leak screen");
	tl_ui_key(ui, TL_KEY_ENTER, &in);
	ok(ui->screen == TL_SCREEN_MAIN && ui->filter && !strcmp(ui->filter_text, "pid = 4242"),
	   "Enter: every pane narrowed to the process (%s)", ui->filter_text);
	tl_ui_set_filter(ui, "");
	tl_ui_key(ui, 'L', &in);
	tl_ui_key(ui, TL_KEY_ESC, &in);
	is_int(ui->screen, TL_SCREEN_MAIN, "Esc leaves the leak screen");
	free(groups);
	tl_leak_watch_fini(&watch);
}

static void diag_order(int round, const struct tl_ui *a, const struct tl_ui *b)
{
	printf("#   round %d, sort %d%s: %zu rows kept, %zu by a full sort\n", round, a->sort,
	       a->sort_desc ? " reversed" : "", a->n_rows, b->n_rows);
	for (size_t i = 0; i < a->n_rows && i < b->n_rows; i++)
		if (a->rows[i] != b->rows[i]) {
			printf("#   first difference at row %zu: slot %u against %u\n", i,
			       a->rows[i], b->rows[i]);
			break;
		}
}
/* The table's order kept between refreshes (only changed rows sorted and
 * merged) against a full sort (a fresh view) on random data: connections
 * come, change state and queues, go and leave their slots for others;
 * the sort column, its direction and the filter change now and then. */
static unsigned rnd_state = 2463534242u;
static unsigned rnd(unsigned n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state % n;
}

static void type_filter(struct tl_ui *ui, const char *text, const struct tl_ui_input *in)
{
	tl_ui_key(ui, '\\', in);
	for (int i = 0; i < 60; i++)
		tl_ui_key(ui, TL_KEY_BACKSPACE, in);
	for (const char *p = text; *p; p++)
		tl_ui_key(ui, *p, in);
	tl_ui_key(ui, TL_KEY_ENTER, in);
}

static void random_order(void)
{
	static const int states[] = {TL_TCP_ESTABLISHED, TL_TCP_SYN_SENT,  TL_TCP_FIN_WAIT1,
				     TL_TCP_FIN_WAIT2,   TL_TCP_TIME_WAIT, TL_TCP_CLOSE_WAIT,
				     TL_TCP_LAST_ACK,    TL_TCP_LISTEN,    TL_TCP_SYN_RECV};
	static const char *const filters[] = {"", "state established", "sport = :443",
					      "state close-wait or state time-wait"};
	enum { MAXC = 400 };
	struct tl_sock live[MAXC];
	size_t n_live = 0;
	uint64_t next_cookie = 1, now = 1000 * SEC;
	struct tl_tracker *t = tl_tracker_new(1);
	struct tl_snapshot snap;
	struct tl_history hist;
	struct tl_evlog log;
	const char *names[1] = {"self"};
	struct tl_ui ui;
	int bad_order = 0, bad_sel = 0, bad_gone = 0, rounds = 600, full_checks = 0;
	size_t most_gone = 0;
	size_t most = 0;

	tl_tracker_set_tombstone(t, 3 * SEC);
	tl_snapshot_init(&snap);
	tl_history_init(&hist, 10);
	tl_evlog_init(&log, 10);
	tl_ui_init(&ui);
	{
		struct tl_ui_input in0 = {
		    .tracker = t,
		    .history = &hist,
		    .log = &log,
		    .host = "h",
		    .ns_names = names,
		    .n_ns = 1,
		    .now = now,
		    .now_wall = 1.0,
		};
		tl_ui_refresh_rows(&ui, &in0);
		is_int(ui.n_rows, 0, "no connections: no rows");
	}
	for (int round = 0; round < rounds; round++) {
		/* Churn: a few go, a few come, some change; once, all go. */
		if (round == rounds / 2)
			n_live = 0;
		for (unsigned k = rnd(6); k > 0 && n_live; k--) {
			size_t gone = rnd((unsigned)n_live);
			live[gone] = live[--n_live];
		}
		for (unsigned k = rnd(round < 50 ? 20 : 8); k > 0 && n_live < MAXC; k--) {
			struct tl_sock s;
			memset(&s, 0, sizeof(s));
			s.cookie = next_cookie++;
			s.family = rnd(4) ? AF_INET : AF_INET6;
			s.state = (uint8_t)states[rnd(TL_ARRAY_SIZE(states))];
			s.local[0] = s.remote[0] = 10;
			s.local[3] = (uint8_t)(1 + rnd(3));
			s.remote[3] = (uint8_t)rnd(256);
			s.lport = rnd(3) ? 443 : (uint16_t)(1024 + rnd(60000));
			s.rport = (uint16_t)(1024 + rnd(60000));
			live[n_live++] = s;
		}
		for (unsigned k = rnd(10); k > 0 && n_live; k--) {
			struct tl_sock *s = &live[rnd((unsigned)n_live)];
			switch (rnd(3)) {
			case 0:
				s->state = (uint8_t)states[rnd(TL_ARRAY_SIZE(states))];
				break;
			case 1:
				s->rqueue = rnd(4) ? 0 : rnd(5000);
				s->wqueue = rnd(4) ? 0 : rnd(5000);
				break;
			default:
				s->flags = TL_SOCK_HAS_INFO;
				s->info.have = TL_INFO_RTT;
				s->info.rtt_us = rnd(3) ? 100 * rnd(20) : rnd(100000);
			}
		}
		tl_snapshot_clear(&snap);
		for (size_t i = 0; i < n_live; i++)
			*tl_snapshot_add(&snap) = live[i];
		snap.complete = true;
		now += SEC;
		tl_tracker_sample(t, 0, &snap, now, (double)now / 1e9);
		tl_tracker_clear_events(t);
		tl_tracker_expire(t, now);

		struct tl_ui_input in = {
		    .tracker = t,
		    .history = &hist,
		    .log = &log,
		    .host = "h",
		    .ns_names = names,
		    .n_ns = 1,
		    .now = now,
		    .now_wall = 1.0,
		};
		/* Now and then: another column, the other direction, a filter. */
		if (!rnd(25))
			tl_ui_key(&ui, '>', &in);
		if (!rnd(40))
			tl_ui_key(&ui, 'I', &in);
		if (!rnd(60))
			type_filter(&ui, filters[rnd(TL_ARRAY_SIZE(filters))], &in);
		if (!rnd(3))
			tl_ui_key(&ui, rnd(2) ? TL_KEY_DOWN : TL_KEY_PGDN, &in);
		uint32_t sel_id = ui.sel_id;
		tl_ui_refresh_rows(&ui, &in);

		struct tl_ui full;
		tl_ui_init(&full);
		full.sort = ui.sort;
		full.sort_desc = ui.sort_desc;
		full.filter = ui.filter; /* borrowed */
		tl_ui_refresh_rows(&full, &in);
		full_checks++;
		if (full.n_rows != ui.n_rows ||
		    memcmp(full.rows, ui.rows, ui.n_rows * sizeof(*ui.rows))) {
			if (!bad_order++)
				diag_order(round, &ui, &full);
		}
		most = TL_MAX(most, ui.n_rows);
		full.filter = NULL;
		tl_ui_fini(&full);

		/* The selection stays on its connection while it is a row. */
		size_t n;
		const struct tl_conn *conns = tl_tracker_conns(t, &n);
		bool still = false;
		for (size_t i = 0; i < ui.n_rows; i++)
			still |= conns[ui.rows[i]].id == sel_id;
		if (sel_id && still && conns[ui.rows[ui.sel]].id != sel_id)
			bad_sel++;
		size_t gone = 0;
		for (size_t i = 0; i < ui.n_rows; i++)
			gone += (conns[ui.rows[i]].flags & TL_CONN_GONE) != 0;
		bad_gone += gone != ui.n_gone;
		most_gone = TL_MAX(most_gone, gone);
	}
	is_int(bad_order, 0, "%d refreshes of up to %zu rows: the kept order equals a full sort",
	       full_checks, most);
	is_int(bad_sel, 0, "the selection stays on its connection across refreshes");
	is_int(bad_gone, 0, "the closed rows are counted as the rows say (up to %zu)", most_gone);
	tl_ui_fini(&ui);
	tl_tracker_free(t);
	tl_snapshot_fini(&snap);
	tl_history_fini(&hist);
	tl_evlog_fini(&log);
}

/* Several namespaces (--all-netns): the table's NETNS column, and the
 * leak screen naming the container a leaking process lives in. */
static void netns_screens(void)
{
	struct fixture f;
	const char *names[3] = {"host", "docker:3f2a9c1b7d4e", "tla"};
	struct tl_ui ui;

	memset(&f, 0, sizeof(f));
	f.t = tl_tracker_new(3);
	tl_history_init(&f.hist, 10);
	tl_evlog_init(&f.log, 10);
	tl_snapshot_init(&f.snap);
	f.now = 1000 * SEC;
	for (unsigned ns = 0; ns < 3; ns++) {
		tl_snapshot_clear(&f.snap);
		*tl_snapshot_add(&f.snap) =
		    sk(1 + ns * 100, TL_TCP_LISTEN, 0, (uint16_t)(80 + ns), 0);
		for (unsigned i = 0; i < ns * 2; i++)
			*tl_snapshot_add(&f.snap) =
			    sk(2 + ns * 100 + i, ns == 1 ? TL_TCP_CLOSE_WAIT : TL_TCP_ESTABLISHED,
			       (uint8_t)(20 + i), (uint16_t)(80 + ns), (uint16_t)(40000 + i));
		f.snap.complete = true;
		tl_tracker_sample(f.t, ns, &f.snap, f.now, 1764064800.0);
	}
	struct tl_hist h;
	tl_hist_from_snapshot(&h, &f.snap);
	tl_history_add(&f.hist, &h, f.now);
	tl_ui_init(&ui);
	struct tl_ui_input in = input(&f);
	in.ns_names = names;
	in.n_ns = 3;
	tl_ui_refresh_rows(&ui, &in);
	golden_in("netns-120x24", &ui, &in, 120, 24, false);
	golden_in("netns-80x24-ascii", &ui, &in, 80, 24, true);

	struct tl_cw_item items[2] = {
	    {80, 1, 12, true, 4242, "leaky", "leaky --serve", 1, false},
	    {80, 1, 10, true, 4242, "leaky", "leaky --serve", 1, false},
	};
	struct tl_leak_cfg cfg;
	struct tl_leak_group *groups = NULL;
	tl_leak_cfg_default(&cfg);
	in.n_leaks = tl_leak_group(items, 2, false, &cfg, &groups);
	in.leaks = groups;
	ok(in.n_leaks == 1 && groups[0].ns == 1, "a leak group keeps its namespace");
	tl_ui_key(&ui, 'L', &in);
	golden_in("leaks-netns-100x20", &ui, &in, 100, 20, false);

	/* The namespace screen: counts by namespace, the leak named; Enter
	 * narrows every pane to the selected one with a netns clause. */
	tl_ui_key(&ui, 'q', &in);
	groups[0].suspect = true;
	groups[0].why = "many";
	tl_ui_key(&ui, 'N', &in);
	ok(ui.screen == TL_SCREEN_NETNS, "N opens the namespace screen");
	golden_in("netns-screen-100x20", &ui, &in, 100, 20, false);
	tl_ui_key(&ui, 's', &in);
	tl_ui_key(&ui, 's', &in); /* by CLOSE-WAIT: the container first */
	tl_ui_key(&ui, TL_KEY_DOWN, &in);
	golden_in("netns-screen-cw-80x24-ascii", &ui, &in, 80, 24, true);
	tl_ui_key(&ui, TL_KEY_ENTER, &in);
	ok(ui.screen == TL_SCREEN_MAIN && !strcmp(ui.filter_text, "netns docker:3f2a9c1b7d4e"),
	   "Enter: back to the panes with the filter 'netns docker:3f2a9c1b7d4e' (%s)",
	   ui.filter_text);
	tl_ui_refresh_rows(&ui, &in);
	bool all_in = ui.n_rows == 3;
	{
		size_t nc;
		const struct tl_conn *cs = tl_tracker_conns(f.t, &nc);
		for (size_t i = 0; i < ui.n_rows; i++)
			all_in &= cs[ui.rows[i]].ns == 1;
	}
	ok(all_in, "the table shows that namespace's 3 connections only (%zu)", ui.n_rows);
	golden_in("netns-narrowed-100x20", &ui, &in, 100, 20, false);
	tl_ui_key(&ui, 'N', &in);
	tl_ui_key(&ui, TL_KEY_HOME, &in);
	tl_ui_key(&ui, TL_KEY_ENTER, &in);
	tl_ui_refresh_rows(&ui, &in);
	ok(!*ui.filter_text && ui.n_rows == 9, "(all): the netns clause gone, all 9 back (%zu)",
	   ui.n_rows);
	tl_ui_set_filter(&ui, "state listen");
	tl_ui_key(&ui, 'N', &in);
	tl_ui_key(&ui, TL_KEY_END, &in);
	tl_ui_key(&ui, TL_KEY_ENTER, &in);
	tl_ui_refresh_rows(&ui, &in);
	ok(strstr(ui.filter_text, "netns") && strstr(ui.filter_text, "listen") && ui.n_rows == 1,
	   "narrowing keeps the rest of the filter: '%s', %zu row", ui.filter_text, ui.n_rows);
	free(groups);
	tl_ui_fini(&ui);
	fixture_fini(&f);
}

/* The filter text that narrows to a namespace keeps the rest. */
static void narrowed(void)
{
	static const char *const cases[][3] = {
	    {NULL, "host", "netns host"},
	    {"", "PID 1/a b(c)*", "netns PID?1/a?b?c??"},
	    {"state close-wait netns x and sport = :80", "y",
	     "netns y state close-wait and sport = :80"},
	    {"netns x netns z and sport = :80", NULL, "sport = :80"},
	    {"netns x", NULL, ""},
	    {"dport = :22", "web-1", "netns web-1 dport = :22"},
	};
	for (size_t i = 0; i < TL_ARRAY_SIZE(cases); i++) {
		char *t = tl_uinetns_narrowed(cases[i][0], cases[i][1]);
		is_str(t, cases[i][2], "narrowed '%s' to %s", cases[i][0] ? cases[i][0] : "",
		       cases[i][1] ? cases[i][1] : "all");
		struct tl_filter *f = tl_filter_parse(t, NULL);
		ok(!*t || f, "  and it parses");
		tl_filter_free(f);
		free(t);
	}
}

/* The bar of a state's row: its cells from column 20 up to the spaces. */
static int bar_len(const char *screen, const char *state)
{
	char key[32];
	snprintf(key, sizeof(key), "\n %-11s", state);
	const char *p = strstr(screen, key);
	if (!p)
		return -1;
	p += strlen(key) + 8; /* the count, then the bar */
	int n = 0;
	while (*p && *p != ' ' && *p != '\n') {
		if ((*p & 0xc0) != 0x80)
			n++;
		p++;
	}
	return n;
}

/* Space at every size, on a busy server: every state holds sockets,
 * TIME-WAIT 1,171 and CLOSE-WAIT 221.  CLOSE-WAIT and TIME-WAIT stay
 * visible at 40x12, the log-scaled bars give ESTABLISHED 24 a bar worth
 * reading, the table counts the closed connection apart, and OWNER is as
 * wide as its widest owner. */
static void space_used(void)
{
	static const uint32_t busy[TL_TCP_NSTATES] = {
	    [TL_TCP_LISTEN] = 2,       [TL_TCP_SYN_SENT] = 1,  [TL_TCP_SYN_RECV] = 3,
	    [TL_TCP_ESTABLISHED] = 24, [TL_TCP_FIN_WAIT1] = 1, [TL_TCP_FIN_WAIT2] = 2,
	    [TL_TCP_CLOSE_WAIT] = 221, [TL_TCP_CLOSING] = 1,   [TL_TCP_LAST_ACK] = 1,
	    [TL_TCP_TIME_WAIT] = 1171,
	};
	struct fixture f;
	struct tl_ui ui;
	struct tl_canvas c;
	struct tl_buf b;
	struct tl_hist h;

	f.t = tl_tracker_new(1);
	tl_history_init(&f.hist, 16);
	tl_evlog_init(&f.log, 16);
	tl_snapshot_init(&f.snap);
	f.names[0] = "self";
	f.now = 1000 * SEC;
	for (int step = 0; step < 3; step++) { /* cookie 12 leaves after the first */
		tl_snapshot_clear(&f.snap);
		*tl_snapshot_add(&f.snap) = sk(1, TL_TCP_LISTEN, 0, 443, 0);
		for (int i = 0; i < (step ? 2 : 3); i++)
			*tl_snapshot_add(&f.snap) =
			    sk(10 + (uint64_t)i, TL_TCP_ESTABLISHED, (uint8_t)(20 + i), 443,
			       (uint16_t)(40000 + i));
		f.snap.complete = true;
		tl_tracker_sample(f.t, 0, &f.snap, f.now, 1764064800.0 + step);
		if (step == 1) /* a lookup confirms it gone */
			tl_tracker_lookup_result(f.t, 0, 12, NULL, f.now, 1764064801.0);
		tl_tracker_clear_events(f.t);
		f.now += SEC;
	}
	memset(&h, 0, sizeof(h));
	for (int st = 0; st < TL_TCP_NSTATES; st++) {
		h.count[st] = busy[st];
		h.total += busy[st];
	}
	tl_history_add(&f.hist, &h, f.now);
	struct tl_owners *own = tl_owners_new(NULL);
	struct tl_owner w = {.pid = 4242};
	snprintf(w.comm, sizeof(w.comm), "gunicorn-worker");
	tl_owners_add(own, 5000 + 10, &w);
	struct tl_ui_input in = input(&f);
	in.owners = own;

	tl_ui_init(&ui);
	tl_buf_init(&b);
	static const int sizes[][2] = {{80, 24}, {40, 12}};
	for (size_t k = 0; k < 2; k++) {
		tl_canvas_init(&c, sizes[k][0], sizes[k][1], &tl_glyphs_utf8);
		tl_buf_reset(&b);
		tl_ui_draw(&ui, &c, &in);
		tl_canvas_dump(&c, &b);
		ok(strstr(b.data, "\n CLOSE-WAIT     221 ") &&
		       strstr(b.data, "\n TIME-WAIT     1171 "),
		   "%dx%d: CLOSE-WAIT and TIME-WAIT visible", sizes[k][0], sizes[k][1]);
		if (k == 0) {
			golden_in("busy-80x24", &ui, &in, 80, 24, false);
			int est = bar_len(b.data, "ESTABLISHED"), tw = bar_len(b.data, "TIME-WAIT");
			ok(est * 5 >= tw * 2 && est < tw,
			   "log scale: ESTABLISHED 24 gets %d cells beside TIME-WAIT 1,171's %d",
			   est, tw);
			ok(strstr(b.data, "Connections 3 open + 1 closed (dim)"),
			   "the table counts the closed connection apart");
			ok(strstr(b.data, "bars log scale"), "the histogram says its scale");
			ok(!strstr(b.data, "\n CLOSED           0"), "the empty state is hidden");
			ok(strstr(b.data, "4 hidden (z)") && !strstr(b.data, "\n CLOSING "),
			   "short of rows, the title says how many states are hidden");
		} else {
			golden_in("busy-40x12", &ui, &in, 40, 12, false);
		}
		tl_canvas_fini(&c);
	}
	tl_canvas_init(&c, 140, 24, &tl_glyphs_utf8);
	tl_buf_reset(&b);
	tl_ui_draw(&ui, &c, &in);
	tl_canvas_dump(&c, &b);
	ok(strstr(b.data, " OWNER               \n") || strstr(b.data, " OWNER\n"),
	   "OWNER takes the width of its widest owner");
	ok(strstr(b.data, " 4242/gunicorn-worker\n"), "and shows it whole");
	tl_canvas_fini(&c);
	tl_buf_fini(&b);
	tl_ui_fini(&ui);
	tl_owners_free(own);
	fixture_fini(&f);
}

/* The screen as text. */
static void dump(struct tl_ui *ui, const struct tl_ui_input *in, int w, int h, bool ascii,
		 struct tl_buf *b)
{
	struct tl_canvas c;
	tl_canvas_init(&c, w, h, ascii ? &tl_glyphs_ascii : &tl_glyphs_utf8);
	frame(ui, &c, in);
	b->len = 0;
	tl_canvas_dump(&c, b);
	tl_canvas_fini(&c);
}

/* The column model: toggling, moving, the last column kept, and its text
 * for the settings file parsed back. */
static void column_model(void)
{
	struct tl_cols c, back;
	struct tl_buf b;
	tl_cols_init(&c);
	ok(c.order[0] == TL_COL_STATE && c.order[TL_COL_N - 1] == TL_COL_OWNER,
	   "columns: STATE first, OWNER last by default");
	ok(tl_cols_toggle(&c, 2) && c.hidden[TL_COL_LOCAL], "toggle hides LOCAL (position 2)");
	is_int(tl_cols_move(&c, 2, -1), 1, "moving it left: position 1");
	ok(c.order[1] == TL_COL_LOCAL && c.order[2] == TL_COL_NETNS, "it swapped with NETNS");
	is_int(tl_cols_move(&c, 0, -1), 0, "the first stays first");
	is_int(tl_cols_move(&c, TL_COL_N - 1, 1), TL_COL_N - 1, "the last stays last");
	tl_buf_init(&b);
	tl_cols_format(&c, &b);
	is_str(b.data, "state,-local,netns,remote,age,in-state,recv-q,send-q,rtt,owner",
	       "as text: in order, hidden ones with '-'");
	ok(!tl_cols_parse(b.data, &back) && !memcmp(&back, &c, sizeof(c)), "parsed back the same");
	ok(!tl_cols_parse("owner state", &back) && back.order[0] == TL_COL_OWNER &&
	       back.order[1] == TL_COL_STATE && back.hidden[TL_COL_AGE] &&
	       !back.hidden[TL_COL_STATE],
	   "columns not named are hidden, after those named");
	ok(tl_cols_parse("state,sate", &back) != NULL, "an unknown column is refused");
	ok(tl_cols_parse("state,state", &back) != NULL, "a column twice is refused");
	ok(tl_cols_parse("-state", &back) != NULL, "no column shown is refused");
	tl_cols_init(&c);
	for (int i = 1; i < TL_COL_N; i++)
		tl_cols_toggle(&c, i);
	ok(!tl_cols_toggle(&c, 0) && !c.hidden[TL_COL_STATE], "the last column shown stays");
	tl_buf_fini(&b);
}

/* F2: the setup screen; a column hidden there leaves the table at once. */
static void setup_screen(void)
{
	struct fixture fx, *f = &fx;
	fixture_init(f);
	struct tl_ui ui;
	struct tl_buf b;
	struct tl_ui_input in = input(f);
	tl_ui_init(&ui);
	tl_buf_init(&b);
	dump(&ui, &in, 80, 24, false, &b);
	ok(strstr(b.data, " LOCAL ") != NULL, "the table has LOCAL");
	tl_ui_key(&ui, TL_KEY_F2, &in);
	is_int(ui.screen, TL_SCREEN_SETUP, "F2 opens the setup");
	golden_in("setup-80x24", &ui, &in, 80, 24, false);
	golden_in("setup-200x60", &ui, &in, 200, 60, false);
	tl_ui_key(&ui, TL_KEY_DOWN, &in);
	tl_ui_key(&ui, TL_KEY_DOWN, &in);
	tl_ui_key(&ui, ' ', &in);
	ok(ui.cols.hidden[TL_COL_LOCAL], "Down Down Space hides LOCAL");
	tl_ui_key(&ui, ']', &in);
	ok(ui.cols.order[3] == TL_COL_LOCAL && ui.setup_sel == 3,
	   "] moves it down, with the choice");
	tl_ui_key(&ui, TL_KEY_F7, &in);
	ok(ui.cols.order[2] == TL_COL_LOCAL && ui.setup_sel == 2, "F7 moves it back up");
	tl_ui_key(&ui, TL_KEY_F1, &in);
	ok(ui.setup_help && ui.screen == TL_SCREEN_SETUP, "F1 in the setup: its keys");
	golden_in("setup-help-80x24", &ui, &in, 80, 24, false);
	tl_ui_key(&ui, 'x', &in);
	ok(!ui.setup_help && ui.screen == TL_SCREEN_SETUP, "any key: back to the setup");
	/* down to the colours, the panes, the grouping: at 40x12 it scrolls */
	for (int i = 0; i < TL_COL_N - 2; i++)
		tl_ui_key(&ui, TL_KEY_DOWN, &in);
	tl_ui_key(&ui, TL_KEY_RIGHT, &in);
	is_int(ui.scheme, TL_SCHEME_MONO, "Right on the colours: monochrome");
	tl_ui_key(&ui, TL_KEY_DOWN, &in);
	tl_ui_key(&ui, '+', &in);
	is_int(ui.delay_step, 1, "+ on the interval: longer");
	ui.delay_step = 0;
	tl_ui_key(&ui, TL_KEY_DOWN, &in);
	tl_ui_key(&ui, TL_KEY_DOWN, &in);
	tl_ui_key(&ui, ' ', &in);
	ok(ui.collapsed[TL_PANE_TABLE] && !ui.collapsed[TL_PANE_HIST],
	   "Space on connections collapses the table");
	tl_ui_key(&ui, ' ', &in);
	tl_ui_key(&ui, TL_KEY_END, &in);
	tl_ui_key(&ui, TL_KEY_RIGHT, &in);
	is_int(ui.group, TL_GROUP_PROCESS, "Right on the grouping: by process");
	tl_ui_key(&ui, TL_KEY_LEFT, &in);
	golden_in("setup-40x12", &ui, &in, 40, 12, false);
	golden_in("setup-80x24-ascii", &ui, &in, 80, 24, true);
	tl_ui_key(&ui, TL_KEY_HOME, &in);
	tl_ui_key(&ui, 'q', &in);
	ok(ui.screen == TL_SCREEN_MAIN && !ui.quit, "q leaves the setup, not the program");
	dump(&ui, &in, 80, 24, false, &b);
	ok(!strstr(b.data, " LOCAL ") && strstr(b.data, " REMOTE "),
	   "the table has no LOCAL column now");
	tl_ui_key(&ui, TL_KEY_F2, &in);
	tl_ui_key(&ui, TL_KEY_F10, &in);
	ok(ui.screen == TL_SCREEN_MAIN && !ui.quit, "F10 leaves the setup too");
	tl_buf_fini(&b);
	tl_ui_fini(&ui);
	fixture_fini(f);
}

/* F5: groups by local port and by process, with counts and state mixes;
 * the selection and Enter work on member rows. */
static void grouping(void)
{
	struct fixture fx, *f = &fx;
	fixture_init(f);
	struct tl_ui ui;
	struct tl_buf b;
	struct tl_ui_input in = input(f);
	struct tl_owners *own = tl_owners_new(NULL);
	struct tl_owner web = {.pid = 77, .comm = "nginx", .cmdline = "nginx"};
	struct tl_owner py = {.pid = 88, .comm = "python3", .cmdline = "python3"};
	tl_owners_add(own, 5001, &web); /* the listener on 443 */
	for (uint32_t i = 0; i < 6; i++)
		tl_owners_add(own, 5010 + i, &web); /* its six clients */
	tl_owners_add(own, 5002, &py);              /* the listener on 22 */
	in.owners = own;
	tl_ui_init(&ui);
	tl_buf_init(&b);

	ui.group = TL_GROUP_LPORT;
	tl_ui_refresh_rows(&ui, &in);
	/* :443 has a listener, 6 established and 7 CLOSE-WAIT */
	is_int(ui.n_groups, 5, "by local port: 443, 22 and three TIME-WAIT ports");
	ok(!strcmp(ui.groups[0].label, ":443") && ui.groups[0].count == 14 &&
	       ui.groups[0].states[TL_TCP_CLOSE_WAIT] == 7 &&
	       ui.groups[0].states[TL_TCP_ESTABLISHED] == 6 &&
	       ui.groups[0].states[TL_TCP_LISTEN] == 1,
	   "the largest first: :443, 14 (%s %u)", ui.groups[0].label, ui.groups[0].count);
	ok(!strcmp(ui.groups[1].label, ":22") && ui.groups[1].count == 1, "then :22 (%s)",
	   ui.groups[1].label);
	char mix[128];
	tl_uigroup_mix(&ui.groups[0], mix, sizeof(mix));
	is_str(mix, "CLOSE-WAIT 7, ESTABLISHED 6, LISTEN 1",
	       "its mix of states, the fullest first");
	{
		struct tl_ui_group gc = {.count = 5, .closed = 2};
		gc.states[TL_TCP_TIME_WAIT] = 3;
		tl_uigroup_mix(&gc, mix, sizeof(mix));
		is_str(mix, "TIME-WAIT 3, 2 closed", "closed connections counted apart");
		tl_uigroup_mix(&gc, mix, 12);
		is_str(mix, "TIME-WAIT 3", "a short buffer: what fits");
	}
	size_t n;
	const struct tl_conn *conns = tl_tracker_conns(f->t, &n);
	bool together = true;
	for (size_t g = 0; g < ui.n_groups; g++)
		for (size_t i = ui.groups[g].first; i < ui.groups[g].first + ui.groups[g].count;
		     i++)
			together &= tl_uigroup_of(&ui, i) == g;
	ok(together, "every member lies in its group");
	/* sorted by state within the group: LISTEN, ESTABLISHED, CLOSE-WAIT */
	ok(conns[ui.rows[0]].state == TL_TCP_LISTEN &&
	       conns[ui.rows[1]].state == TL_TCP_ESTABLISHED &&
	       conns[ui.rows[13]].state == TL_TCP_CLOSE_WAIT,
	   "the sort applies within the group");
	bool map = true;
	for (size_t i = 0; i < ui.n_rows; i++)
		map &= tl_uigroup_row_at(&ui, tl_uigroup_line_of(&ui, i), NULL) == (long)i;
	size_t g = 9;
	ok(map && tl_uigroup_row_at(&ui, 0, &g) == -1 && g == 0 &&
	       tl_uigroup_row_at(&ui, 15, &g) == -1 && g == 1,
	   "lines map to rows and group heads");
	golden_in("grouped-port-80x24", &ui, &in, 80, 24, false);
	golden_in("grouped-port-200x60", &ui, &in, 200, 60, false);
	golden_in("grouped-port-40x12-ascii", &ui, &in, 40, 12, true);
	dump(&ui, &in, 80, 24, false, &b);
	ok(strstr(b.data, "grouped by local port (5)") &&
	       strstr(b.data, " :443 (14)  CLOSE-WAIT 7, ESTABLISHED 6"),
	   "the title says how it is grouped; a head has its count and mix");
	/* Down from the top: the first member; Enter opens its ladder */
	tl_ui_key(&ui, TL_KEY_HOME, &in);
	tl_ui_key(&ui, TL_KEY_DOWN, &in);
	const struct tl_conn *sel = tl_uirows_selected(&ui, &in);
	ok(sel && sel->state == TL_TCP_ESTABLISHED && sel->sock.lport == 443,
	   "Down selects the next member");
	uint32_t id = sel ? sel->id : 0;
	tl_ui_key(&ui, TL_KEY_ENTER, &in);
	ok(ui.screen == TL_SCREEN_DETAIL && ui.detail_id == id, "Enter opens that connection");
	tl_ui_key(&ui, TL_KEY_ESC, &in);
	/* a click on the head of :22 selects its member */
	dump(&ui, &in, 200, 60, false, &b);
	size_t line22 = tl_uigroup_line_of(&ui, ui.groups[1].first) - 1;
	if (line22 >= ui.gtop) {
		tl_ui_click(&ui, ui.pane[TL_PANE_TABLE].x + 5,
			    ui.table_first_y + (int)(line22 - ui.gtop), &in);
		sel = tl_uirows_selected(&ui, &in);
		ok(sel && sel->sock.lport == 22,
		   "a click on a group's head selects its first member");
	} else {
		ok(false, "the head of :22 is on screen");
	}

	ui.group = TL_GROUP_PROCESS;
	ui.rows_dirty = true;
	tl_ui_refresh_rows(&ui, &in);
	is_int(ui.n_groups, 3, "by process: 3 groups");
	ok(!strcmp(ui.groups[0].label, "77/nginx") && ui.groups[0].count == 7 &&
	       !strcmp(ui.groups[1].label, "88/python3") && ui.groups[1].count == 1 &&
	       !strcmp(ui.groups[2].label, "no known process") && ui.groups[2].count == 10,
	   "nginx 7, python3 1, and no known process (10) last though larger");
	golden_in("grouped-process-80x24", &ui, &in, 80, 24, false);

	ui.group = TL_GROUP_RHOST;
	ui.rows_dirty = true;
	tl_ui_refresh_rows(&ui, &in);
	ok(ui.n_groups == 17 && !strcmp(ui.groups[0].label, "* (listening)") &&
	       ui.groups[0].count == 2,
	   "by remote host: the listeners together, then a host each (%zu groups, %s)", ui.n_groups,
	   ui.n_groups ? ui.groups[0].label : "");
	ui.lang = "zh";
	golden_in("grouped-host-80x24-zh", &ui, &in, 80, 24, false);
	ui.lang = "en";
	ui.group = TL_GROUP_NONE;
	ui.rows_dirty = true;
	tl_ui_refresh_rows(&ui, &in);
	is_int(ui.n_groups, 0, "not grouped: no groups");
	tl_buf_fini(&b);
	tl_ui_fini(&ui);
	tl_owners_free(own);
	fixture_fini(f);
}

int main(void)
{
	struct fixture f;
	struct tl_ui ui;

	fixture_init(&f);
	tl_ui_init(&ui);
	struct tl_ui_input in = input(&f);

	golden("main-80x24", &ui, &f, 80, 24, false);
	golden("main-80x24-ascii", &ui, &f, 80, 24, true);
	golden("main-200x60", &ui, &f, 200, 60, false);
	golden("main-40x12", &ui, &f, 40, 12, false);
	golden("too-small-20x6", &ui, &f, 20, 6, false);
	golden("main-120x40-ascii", &ui, &f, 120, 40, true);
	space_used();
	search_new_connection();
	kept_ladder();

	/* Exact mode in the header, with the records it lost. */
	for (int lost = 0; lost <= 3; lost += 3) {
		struct tl_canvas c;
		struct tl_buf b;
		struct tl_ui_input ex = input(&f);
		ex.stats.exact = true;
		ex.stats.exact_lost = (uint64_t)lost;
		tl_canvas_init(&c, 200, 60, &tl_glyphs_utf8);
		frame(&ui, &c, &ex);
		tl_buf_init(&b);
		tl_canvas_dump(&c, &b);
		char *nl = strchr(b.data, '\n');
		if (nl)
			*nl = '\0';
		ok(lost ? strstr(b.data, "EXACT (3 lost)") != NULL
			: strstr(b.data, "EXACT") && !strstr(b.data, "lost"),
		   "the header says exact mode%s", lost ? ", and what it lost" : "");
		tl_buf_fini(&b);
		tl_canvas_fini(&c);
	}

	/* Keys. */
	ok(tl_ui_key(&ui, TL_KEY_DOWN, &in) && ui.sel == 1, "Down moves the selection");
	tl_ui_key(&ui, TL_KEY_END, &in);
	is_int(ui.sel, ui.n_rows - 1, "End: the last row");
	tl_ui_key(&ui, TL_KEY_HOME, &in);
	is_int(ui.sel, 0, "Home: the first row");
	tl_ui_key(&ui, '>', &in);
	is_int(ui.sort, TL_SORT_LOCAL, "> sorts by the next column");
	tl_ui_key(&ui, '<', &in);
	is_int(ui.sort, TL_SORT_STATE, "< sorts by the previous column");
	tl_ui_key(&ui, TL_KEY_F6, &in);
	ok(ui.prompt == TL_PROMPT_SORT, "F6: the sort menu");
	tl_ui_key(&ui, TL_KEY_RIGHT, &in);
	tl_ui_key(&ui, TL_KEY_ENTER, &in);
	ok(ui.sort == TL_SORT_LOCAL && ui.prompt == TL_PROMPT_NONE,
	   "F6 Right Enter: sorted by the next column");
	tl_ui_key(&ui, '<', &in);

	{
		/* A search typed before the table's first frame still finds
		 * the rows the frame will show. */
		struct tl_ui fresh;
		tl_ui_init(&fresh);
		tl_ui_key(&fresh, '/', &in);
		for (const char *p = "10.0.0.52"; *p; p++)
			tl_ui_key(&fresh, *p, &in);
		ok(fresh.n_rows > 0 && !fresh.message,
		   "a search before the first frame finds its row (%zu rows, %s)", fresh.n_rows,
		   fresh.message ? fresh.message : "no message");
		tl_ui_fini(&fresh);
	}
	/* Search jumps to the first match. */
	tl_ui_key(&ui, '/', &in);
	ok(ui.prompt == TL_PROMPT_SEARCH, "/ opens the search prompt");
	for (const char *p = "10.0.0.52"; *p; p++)
		tl_ui_key(&ui, *p, &in);
	size_t n;
	const struct tl_conn *conns = tl_tracker_conns(f.t, &n);
	const struct tl_conn *sel = &conns[ui.rows[ui.sel]];
	ok(sel->sock.remote[3] == 52, "search selects the matching row");
	tl_ui_key(&ui, TL_KEY_ENTER, &in);
	ok(ui.prompt == TL_PROMPT_NONE, "Enter closes the prompt");

	/* Filter: an ss expression. */
	tl_ui_key(&ui, '\\', &in);
	for (const char *p = "state close-wait"; *p; p++)
		tl_ui_key(&ui, *p, &in);
	tl_ui_key(&ui, TL_KEY_ENTER, &in);
	tl_ui_refresh_rows(&ui, &in);
	is_int(ui.n_rows, 7, "the filter keeps the 7 CLOSE-WAIT sockets");
	golden("filtered-80x24", &ui, &f, 80, 24, false);
	tl_ui_key(&ui, TL_KEY_F4, &in);
	for (int i = 0; i < 40; i++)
		tl_ui_key(&ui, TL_KEY_BACKSPACE, &in);
	for (const char *p = "sport = "; *p; p++)
		tl_ui_key(&ui, *p, &in);
	tl_ui_key(&ui, TL_KEY_ENTER, &in);
	ok(ui.prompt == TL_PROMPT_FILTER && ui.message &&
	       strstr(ui.message, "expected a port") != NULL,
	   "a bad filter keeps the prompt open and says where (%s)", ui.message ? ui.message : "");
	golden("filter-error-80x24", &ui, &f, 80, 24, false);
	for (int i = 0; i < 40; i++)
		tl_ui_key(&ui, TL_KEY_BACKSPACE, &in);
	tl_ui_key(&ui, TL_KEY_ENTER, &in);
	tl_ui_refresh_rows(&ui, &in);
	is_int(ui.n_rows, 18, "an empty filter shows everything again");

	/* Detail, help, panes, quit. */
	tl_ui_key(&ui, TL_KEY_HOME, &in);
	for (int i = 0; i < 8; i++)
		tl_ui_key(&ui, TL_KEY_DOWN, &in);
	tl_ui_key(&ui, TL_KEY_ENTER, &in);
	is_int(ui.screen, TL_SCREEN_DETAIL, "Enter opens the connection's details");
	golden("detail-80x24", &ui, &f, 80, 24, false);
	/* at 40x12 the ladder takes the screen: the rest gives way */
	golden("detail-40x12", &ui, &f, 40, 12, false);
	{
		/* the keys fit the width, the least needed dropped first, and a
		 * line that lost any says so; the last cell is never used */
		static const struct {
			int w;
			const char *want, *avoid;
		} kw[] = {
		    {200, "Esc back  x save", "…"},
		    {80, "Esc back …", "speed"},
		    {40, "Up/Down step  e explain  Esc back …", "mark"},
		};
		struct tl_ui_input kin = input(&f);
		for (size_t i = 0; i < TL_ARRAY_SIZE(kw); i++) {
			struct tl_canvas c;
			struct tl_buf b;
			tl_canvas_init(&c, kw[i].w, 24, &tl_glyphs_utf8);
			tl_buf_init(&b);
			frame(&ui, &c, &kin);
			tl_canvas_dump(&c, &b);
			/* the bottom row, without its newline */
			char row[512] = "";
			const char *q = b.data;
			for (int r = 0; r < c.h - 1 && q; r++)
				q = strchr(q, '\n') ? strchr(q, '\n') + 1 : NULL;
			if (q)
				snprintf(row, sizeof(row), "%.*s", (int)strcspn(q, "\n"), q);
			ok(strstr(row, kw[i].want) && !strstr(row, kw[i].avoid) &&
			       tl_canvas_text_width(&c, row) < kw[i].w,
			   "the keys at %d columns: '%s'", kw[i].w, row);
			tl_buf_fini(&b);
			tl_canvas_fini(&c);
		}
	}
	{
		/* Drawing changes nothing; the tick moves the replay on. */
		struct tl_ui_input rin = input(&f);
		struct tl_canvas c;
		struct tl_buf b1, b2;
		tl_canvas_init(&c, 80, 24, &tl_glyphs_utf8);
		tl_buf_init(&b1);
		tl_buf_init(&b2);
		tl_ui_key(&ui, 'r', &rin);
		frame(&ui, &c, &rin);
		size_t shown = ui.lad_shown;
		rin.now += 10 * SEC;
		tl_ui_draw(&ui, &c, &rin);
		tl_canvas_dump(&c, &b1);
		tl_ui_draw(&ui, &c, &rin);
		tl_canvas_dump(&c, &b2);
		ok(ui.lad_shown == shown && ui.lad_replay,
		   "drawing alone does not move a replay on (%zu shown)", shown);
		is_str(b2.data, b1.data, "a frame drawn again without a tick is the same frame");
		tl_ui_tick(&ui, &rin, c.w, c.h);
		ok(ui.lad_shown == shown + 1, "the tick shows the next step (%zu -> %zu)", shown,
		   ui.lad_shown);
		while (ui.lad_replay) {
			rin.now += 10 * SEC;
			tl_ui_tick(&ui, &rin, c.w, c.h);
		}
		ok(ui.lad_shown >= 2, "the replay catches up and goes live (%zu steps)",
		   ui.lad_shown);
		tl_buf_fini(&b1);
		tl_buf_fini(&b2);
		tl_canvas_fini(&c);
	}
	{
		/* the lab's caption stays in view on its ladder */
		struct tl_ui_input lab = input(&f);
		struct tl_canvas c;
		struct tl_buf b;
		lab.caption = "lost-ack: the last ACK is dropped";
		tl_canvas_init(&c, 80, 24, &tl_glyphs_utf8);
		tl_buf_init(&b);
		frame(&ui, &c, &lab);
		tl_canvas_dump(&c, &b);
		ok(strstr(b.data, "\n lost-ack: the last ACK is dropped  (N: next scenario)"),
		   "the lab's caption and N on the ladder screen");
		tl_buf_fini(&b);
		tl_canvas_fini(&c);
	}
	ok(!tl_ui_key(&ui, 'w', &in) && !ui.lab_lesson, "w: no lesson outside the lab");
	ui.lab_scenario = TL_SCENARIO_LOST_ACK;
	ok(tl_ui_key(&ui, 'w', &in) && ui.lab_lesson, "w: the lab scenario's lesson");
	golden("lesson-80x24", &ui, &f, 80, 24, false);
	ui.lang = "zh";
	golden("lesson-zh-80x24", &ui, &f, 80, 24, false);
	golden("lesson-ascii-80x24", &ui, &f, 80, 24, true);
	ui.lang = "en";
	tl_ui_key(&ui, 'w', &in);
	ok(!ui.lab_lesson, "w again: back to the ladder");
	ui.lab_scenario = -1;
	tl_ui_key(&ui, TL_KEY_ESC, &in);
	is_int(ui.screen, TL_SCREEN_MAIN, "Esc goes back");
	tl_ui_key(&ui, TL_KEY_F1, &in);
	is_int(ui.screen, TL_SCREEN_HELP, "F1: help");
	golden("help-80x24", &ui, &f, 80, 24, false);
	tl_ui_key(&ui, 'q', &in);
	ok(ui.screen == TL_SCREEN_MAIN && !ui.quit, "q leaves help, not the program");
	tl_ui_key(&ui, TL_KEY_TAB, &in);
	is_int(ui.focus, TL_PANE_EVENTS, "Tab: the next pane");
	tl_ui_key(&ui, '1', &in);
	ok(ui.collapsed[TL_PANE_HIST], "1 collapses the histogram");
	golden("collapsed-80x24", &ui, &f, 80, 24, false);
	tl_ui_key(&ui, '1', &in);
	tl_ui_key(&ui, ' ', &in);
	ok(ui.frozen && !ui.toggle_pause, "Space freezes the view, not the sampling");
	tl_ui_key(&ui, ' ', &in);
	ok(!ui.frozen, "Space again: live");
	tl_ui_key(&ui, '+', &in);
	is_int(ui.delay_step, 1, "+ asks for a longer interval");
	leak_screen(&ui, &f);
	tl_ui_key(&ui, TL_KEY_F10, &in);
	ok(ui.quit, "F10 quits");

	/* Mouse: a click on a table row selects it. */
	struct tl_ui ui2;
	tl_ui_init(&ui2);
	struct tl_canvas c;
	tl_canvas_init(&c, 80, 24, &tl_glyphs_utf8);
	frame(&ui2, &c, &in);
	tl_ui_click(&ui2, 10, ui2.table_first_y + 2, &in);
	ok(ui2.sel == 2 && ui2.focus == TL_PANE_TABLE, "a click selects the row under it");
	tl_ui_click(&ui2, 10, ui2.pane[TL_PANE_HIST].y + 1, &in);
	is_int(ui2.focus, TL_PANE_HIST, "a click on a pane focuses it");
	/* The prompt keeps what is typed as UTF-8, past U+FFFF too; Backspace
	 * takes back a whole character. */
	tl_ui_key(&ui2, '/', &in);
	tl_ui_key(&ui2, 0xe9, &in);
	tl_ui_key(&ui2, 0x4e2d, &in);
	tl_ui_key(&ui2, 0x1f600, &in);
	is_str(ui2.input, "\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80",
	       "the prompt keeps every character");
	tl_ui_key(&ui2, TL_KEY_BACKSPACE, &in);
	is_str(ui2.input, "\xc3\xa9\xe4\xb8\xad", "Backspace takes back a whole character");
	tl_canvas_fini(&c);
	tl_ui_fini(&ui2);

	char age[16];
	tl_ui_format_age(59 * SEC, age, sizeof(age));
	is_str(age, "59s", "age in seconds");
	tl_ui_format_age(3 * 3600 * SEC, age, sizeof(age));
	is_str(age, "3h", "age in hours");

	leak_legend(&f);
	inferred_marked(&f);
	netns_screens();
	narrowed();
	filter_everywhere(&f);
	owner_filter(&f);
	keys_behave(&f);
	freeze(&f);
	column_model();
	setup_screen();
	grouping();

	tl_ui_fini(&ui);
	fixture_fini(&f);
	random_order();
	return tap_done();
}
