/* tui: curses set-up, the event loop of the interactive view, blitting. */
#include <curses.h>
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "tcpladder/canvas.h"
#include "tcpladder/demo.h"
#include "tcpladder/engine.h"
#include "tcpladder/evlog.h"
#include "tcpladder/history.h"
#include "tcpladder/leak.h"
#include "tcpladder/owners.h"
#include "tcpladder/sampler.h"
#include "tcpladder/tui.h"
#include "tcpladder/ui.h"

#define SEC 1000000000ULL

static bool curses_up;
static attr_t style_attr[TL_ST_N];
static short style_pair[TL_ST_N];

/* The one place the terminal is given back (also from fatal errors). */
static void terminal_restore(void)
{
	if (curses_up) {
		curses_up = false;
		endwin();
	}
}

static void setup_styles(bool color)
{
	static const struct {
		int style;
		attr_t attr;
		short fg; /* -1: the terminal's default */
	} map[] = {
		{TL_ST_NORMAL, A_NORMAL, -1},
		{TL_ST_DIM, A_DIM, -1},
		{TL_ST_BOLD, A_BOLD, -1},
		{TL_ST_HEADER, A_REVERSE | A_BOLD, -1},
		{TL_ST_TITLE, A_BOLD, COLOR_CYAN},
		{TL_ST_TITLE_FOCUS, A_BOLD | A_REVERSE, COLOR_CYAN},
		{TL_ST_COLHEAD, A_BOLD | A_UNDERLINE, -1},
		{TL_ST_SELECTED, A_REVERSE, -1},
		{TL_ST_BAR, A_NORMAL, COLOR_GREEN},
		{TL_ST_BAR_WARN, A_BOLD, COLOR_YELLOW},
		{TL_ST_BAR_TW, A_NORMAL, COLOR_BLUE},
		{TL_ST_GOOD, A_NORMAL, COLOR_GREEN},
		{TL_ST_WARN, A_BOLD, COLOR_YELLOW},
		{TL_ST_BAD, A_BOLD, COLOR_RED},
		{TL_ST_INFERRED, A_DIM, -1},
		{TL_ST_KEY, A_REVERSE, -1},
		{TL_ST_MATCH, A_REVERSE | A_BOLD, COLOR_YELLOW},
	};
	short next = 1;
	for (size_t i = 0; i < TL_ARRAY_SIZE(map); i++) {
		style_attr[map[i].style] = map[i].attr;
		style_pair[map[i].style] = 0;
		if (color && map[i].fg >= 0 && next < COLOR_PAIRS) {
			/* -1 background: the terminal's own, light or dark */
			init_pair(next, map[i].fg, -1);
			style_pair[map[i].style] = next++;
		}
	}
}

static void blit(const struct tl_canvas *c, bool utf8)
{
	for (int y = 0; y < c->h; y++) {
		move(y, 0);
		for (int x = 0; x < c->w; x++) {
			const struct tl_cell *cell = &c->cells[y * c->w + x];
			attr_t a = style_attr[cell->style];
			short p = style_pair[cell->style];
			/* The last cell of the screen scrolls on some terminals. */
			if (y == c->h - 1 && x == c->w - 1)
				break;
			if (!cell->ch)
				continue; /* the right half of a wide glyph, already drawn */
			if (utf8) {
				wchar_t wc[2] = {(wchar_t)cell->ch, 0};
				cchar_t cc;
				setcchar(&cc, wc, a, p, NULL);
				add_wch(&cc);
			} else {
				addch((chtype)(cell->ch & 0x7f) | a | COLOR_PAIR(p));
			}
		}
	}
}

static int map_key(int r, wint_t ch)
{
	if (r == OK) {
		switch (ch) {
		case '\n':
		case '\r':
			return TL_KEY_ENTER;
		case 27:
			return TL_KEY_ESC;
		case '\t':
			return TL_KEY_TAB;
		case 127:
		case 8:
			return TL_KEY_BACKSPACE;
		default:
			return (int)ch;
		}
	}
	switch (ch) {
	case KEY_UP: return TL_KEY_UP;
	case KEY_DOWN: return TL_KEY_DOWN;
	case KEY_LEFT: return TL_KEY_LEFT;
	case KEY_RIGHT: return TL_KEY_RIGHT;
	case KEY_PPAGE: return TL_KEY_PGUP;
	case KEY_NPAGE: return TL_KEY_PGDN;
	case KEY_HOME: return TL_KEY_HOME;
	case KEY_END: return TL_KEY_END;
	case KEY_ENTER: return TL_KEY_ENTER;
	case KEY_BTAB: return TL_KEY_BTAB;
	case KEY_BACKSPACE: return TL_KEY_BACKSPACE;
	default:
		if (ch >= KEY_F(1) && ch <= KEY_F(12))
			return TL_KEY_F1 + (int)(ch - KEY_F(1));
		return 0;
	}
}

/* The leak picture after a sample: CLOSE-WAIT connections grouped by
 * owner (looked up for those only, new inodes only), their growth, and
 * the TIME-WAIT pressure of the first namespace. */
struct leak_state {
	struct tl_owners *owners;
	struct tl_leak_watch watch;
	struct tl_leak_cfg cfg;
	struct tl_leak_group *groups;
	size_t n_groups;
	struct tl_tw_pressure tw;
	uint64_t last_scan;
};

static void resolve(struct leak_state *ls, struct tl_engine *e, const uint32_t *inodes,
		    const uint32_t *uids, size_t n, unsigned ns)
{
	if (n)
		tl_owners_resolve(ls->owners, inodes, n, tl_engine_ns_ino(e, ns), uids, n, NULL);
}

static void update_leaks(struct leak_state *ls, struct tl_engine *e, uint64_t now)
{
	size_t n;
	const struct tl_conn *conns = tl_tracker_conns(tl_engine_tracker(e), &n);
	struct tl_cw_item *items = NULL;
	size_t k = 0, cap = 0;
	uint32_t *inodes = NULL, *uids = NULL;
	size_t nu = 0;

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
		if (c->sock.inode && !tl_owners_find(ls->owners, c->sock.inode)) {
			inodes[nu] = c->sock.inode;
			uids[nu++] = c->sock.uid;
		}
		items[k].lport = c->sock.lport;
		items[k].rqueue = c->sock.rqueue;
		items[k].age_s = (double)(now - c->state_since_ns) / 1e9;
		items[k].age_exact = c->flags & TL_CONN_EXACT;
		items[k++].pid = -1;
	}
	/* New owners at most every two seconds: a /proc walk is costly. */
	if (nu && now - ls->last_scan > 2 * SEC) {
		resolve(ls, e, inodes, uids, nu, 0);
		ls->last_scan = now;
	}
	k = 0;
	for (size_t i = 0; i < n; i++) {
		const struct tl_conn *c = &conns[i];
		if (!c->id || (c->flags & TL_CONN_GONE) || c->state != TL_TCP_CLOSE_WAIT)
			continue;
		const struct tl_owner *ow = c->sock.inode ? tl_owners_find(ls->owners, c->sock.inode) : NULL;
		items[k].pid = ow ? ow->pid : -1;
		items[k].comm = ow ? ow->comm : NULL;
		items[k++].cmdline = ow ? ow->cmdline : NULL;
	}
	free(ls->groups);
	ls->n_groups = tl_leak_group(items, k, false, &ls->cfg, &ls->groups);
	tl_leak_watch_update(&ls->watch, ls->groups, ls->n_groups, false, now, &ls->cfg);
	long buckets;
	int lo, hi;
	tl_engine_limits(e, 0, &buckets, &lo, &hi);
	tl_tw_pressure_compute(tl_engine_snapshot(e, 0), buckets, lo, hi, &ls->cfg, &ls->tw);
	free(items);
	free(inodes);
	free(uids);
}

/* Owners of the rows on screen, looked up when first shown. */
static void resolve_visible(struct leak_state *ls, struct tl_engine *e, const struct tl_ui *ui)
{
	size_t n;
	const struct tl_conn *conns = tl_tracker_conns(tl_engine_tracker(e), &n);
	uint32_t inodes[256], uids[256];
	size_t k = 0;
	for (int r = 0; r < ui->table_visible && k < 256; r++) {
		size_t idx = ui->top + (size_t)r;
		if (idx >= ui->n_rows || ui->rows[idx] >= n)
			break;
		const struct tl_conn *c = &conns[ui->rows[idx]];
		if (c->sock.inode && !tl_owners_find(ls->owners, c->sock.inode)) {
			inodes[k] = c->sock.inode;
			uids[k++] = c->sock.uid;
		}
	}
	resolve(ls, e, inodes, uids, k, 0);
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

/* The lab's main connection, as the tracker knows it (the client end, in
 * the first namespace). */
static uint32_t demo_conn(struct tl_engine *e, uint16_t port)
{
	size_t n;
	const struct tl_conn *c = tl_tracker_conns(tl_engine_tracker(e), &n);
	for (size_t i = 0; port && i < n; i++)
		if (c[i].id && c[i].ns == 0 && c[i].sock.lport == port)
			return c[i].id;
	return 0;
}

int tl_tui_run(const struct tl_options *o, const struct tl_filter *filter,
	       const struct tl_filter *follow, struct tl_demo *demo)
{
	struct tl_ns_arg demo_ns[2];
	const struct tl_ns_arg *netns = o->netns;
	size_t n_netns = o->n_netns;
	if (demo) {
		n_netns = tl_demo_netns(demo, demo_ns);
		netns = demo_ns;
	}
	struct tl_engine_config cfg = {
		.netns = netns,
		.n_netns = n_netns,
		/* like htop, a calmer default on screen than for scripts */
		.delay_ns = o->delay_set ? o->delay_ns : 1000000000ULL,
		.cpu_budget = o->cpu_budget,
		.follow_period_ns = 10000000ULL,
		.filter = filter,
		.follow = follow,
		.what = TL_SAMPLE_INFO,
	};
	char *cause = NULL, host[256] = "localhost";
	int ret = EXIT_SUCCESS;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "tcpladder: the interactive view needs a terminal; "
				"use --once or --events for scripts\n");
		return EXIT_FAILURE;
	}
	setlocale(LC_ALL, "");
	bool utf8 = !o->ascii && !strcmp(nl_langinfo(CODESET), "UTF-8");
	bool color = !o->no_color && !(getenv("NO_COLOR") && *getenv("NO_COLOR"));
	gethostname(host, sizeof(host) - 1);

	struct tl_engine *e = tl_engine_new(&cfg, &cause);
	if (!e) {
		char *safe = tl_text_safe(cause, 0); /* may quote names and input */
		fprintf(stderr, "tcpladder: %s\n", safe);
		free(safe);
		free(cause);
		return EXIT_FAILURE;
	}

	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);

	tl_set_fatal_hook(terminal_restore);
	if (!initscr()) {
		fprintf(stderr, "tcpladder: cannot initialise the terminal\n");
		tl_engine_free(e);
		return EXIT_FAILURE;
	}
	curses_up = true;
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	mousemask(BUTTON1_PRESSED | BUTTON1_CLICKED, NULL);
	mouseinterval(0);
	if (color && has_colors()) {
		start_color();
		use_default_colors();
	} else {
		color = false;
	}
	setup_styles(color);

	struct tl_canvas canvas;
	struct tl_ui ui;
	struct tl_history history;
	struct tl_evlog log;
	tl_canvas_init(&canvas, COLS, LINES, utf8 ? &tl_glyphs_utf8 : &tl_glyphs_ascii);
	tl_ui_init(&ui);
	ui.lang = o->lang ? o->lang : "en";
	tl_history_init(&history, 3600);
	tl_evlog_init(&log, 5000);
	const char **names = tl_calloc(n_netns, sizeof(*names));
	for (size_t i = 0; i < n_netns; i++)
		names[i] = tl_engine_ns_name(e, (unsigned)i);
	uint16_t demo_port = 0;
	uint32_t demo_id = 0;

	struct leak_state ls;
	memset(&ls, 0, sizeof(ls));
	ls.owners = tl_owners_new(NULL);
	tl_leak_watch_init(&ls.watch);
	tl_leak_cfg_default(&ls.cfg);
	if (o->leak_count)
		ls.cfg.count_threshold = (uint32_t)o->leak_count;
	if (o->leak_age_ns)
		ls.cfg.age_threshold_s = (double)o->leak_age_ns / 1e9;
	if (o->leak_window_ns)
		ls.cfg.window_ns = o->leak_window_ns;
	uint64_t last_samples = 0, next_tick = 0, next_owner_scan = 0;
	bool redraw = true;
	char *notice = NULL;
	for (;;) {
		uint64_t now = tl_mono_ns();
		struct tl_engine_stats st;
		tl_engine_stats(e, &st);
		struct tl_ui_input in = {
			.tracker = tl_engine_tracker(e),
			.history = &history,
			.log = &log,
			.stats = {st.interval_ns, st.dump_cost_ns, st.samples, st.sockets, st.paused, false},
			.host = host,
			.ns_names = names,
			.n_ns = (unsigned)n_netns,
			.now = now,
			.now_wall = tl_wall_now(),
			.owners = ls.owners,
			.leaks = ls.groups,
			.n_leaks = ls.n_groups,
			.watch = &ls.watch,
			.tw = st.samples ? &ls.tw : NULL,
			.leak_cfg = &ls.cfg,
		};
		if (now >= next_tick) {
			redraw = true; /* ages and clocks move */
			next_tick = now + SEC;
		}
		bool animating = tl_ui_animating(&ui, now);
		if (animating)
			redraw = true; /* an arrow in flight: about 30 frames a second */
		if (redraw) {
			if (canvas.w != COLS || canvas.h != LINES) {
				tl_canvas_resize(&canvas, COLS, LINES);
				erase();
			}
			tl_ui_draw(&ui, &canvas, &in);
			blit(&canvas, utf8);
			refresh();
			redraw = false;
			if (now >= next_owner_scan && ui.screen == TL_SCREEN_MAIN) {
				resolve_visible(&ls, e, &ui);
				next_owner_scan = now + SEC;
			}
		}
		if (o->iterations && st.samples >= o->iterations)
			break;

		uint64_t deadline = TL_MIN(tl_engine_deadline(e), next_tick);
		if (animating)
			deadline = TL_MIN(deadline, now + 33000000ULL);
		int timeout = deadline <= now ? 0 : (int)TL_MIN((deadline - now + 999999) / 1000000, 1000);
		struct pollfd pfd[66];
		size_t n = tl_engine_pollfds(e, pfd, 62);
		if (demo) {
			n += tl_demo_pollfds(demo, pfd + n, 2);
			uint64_t dd = tl_demo_deadline(demo);
			if (dd < deadline) {
				deadline = dd;
				timeout = deadline <= now ? 0 : (int)TL_MIN((deadline - now + 999999) / 1000000, 1000);
			}
		}
		pfd[n] = (struct pollfd){STDIN_FILENO, POLLIN, 0};
		pfd[n + 1] = (struct pollfd){sfd, POLLIN, 0};
		if (poll(pfd, n + 2, timeout) < 0 && errno != EINTR) {
			cause = tl_asprintf("poll: %s", strerror(errno));
			ret = EXIT_FAILURE;
			break;
		}
		if (pfd[n + 1].revents & POLLIN)
			break; /* SIGINT, SIGTERM, SIGHUP: restore and leave */

		/* Keys (and KEY_RESIZE after SIGWINCH, which curses handles). */
		wint_t ch;
		int r;
		while ((r = get_wch(&ch)) != ERR) {
			if (r == KEY_CODE_YES && ch == KEY_RESIZE) {
				/* The terminal reflowed what it showed: repaint all
				 * of it rather than trust curses' idea of the screen. */
				clearok(curscr, TRUE);
				redraw = true;
				continue;
			}
			if (r == KEY_CODE_YES && ch == KEY_MOUSE) {
				MEVENT me;
				if (getmouse(&me) == OK)
					tl_ui_click(&ui, me.x, me.y, &in);
				redraw = true;
				continue;
			}
			int key = map_key(r, ch);
			if (!key)
				continue;
			if (canvas.w < TL_UI_MIN_W || canvas.h < TL_UI_MIN_H) {
				if (key == 'q' || key == TL_KEY_F10)
					ui.quit = true;
			} else if (tl_ui_key(&ui, key, &in)) {
				redraw = true;
			} else if (demo && key == 'N') {
				int next = tl_demo_scenario(demo) + 1;
				tl_demo_set_scenario(demo, tl_demo_scenarios[next] ? next : 0);
				tl_ui_message(&ui, "the next run plays the next scenario");
				redraw = true;
			}
		}
		if (ui.quit)
			break;
		if (ui.toggle_pause) {
			tl_engine_set_paused(e, !st.paused);
			ui.toggle_pause = false;
			redraw = true;
		}
		if (ui.delay_step) {
			uint64_t d = tl_engine_delay(e);
			d = ui.delay_step > 0 ? d * 3 / 2 : d * 2 / 3;
			d = TL_MAX(50000000ULL, TL_MIN(d, 60 * SEC));
			tl_engine_set_delay(e, d);
			char msg[64];
			snprintf(msg, sizeof(msg), "sampling every %.2f s", (double)d / 1e9);
			tl_ui_message(&ui, msg);
			ui.delay_step = 0;
			redraw = true;
		}

		if (demo) {
			tl_demo_step(demo, tl_mono_ns(), tl_wall_now(), &cause);
			size_t nseg;
			tl_demo_segments(demo, &nseg);
			if (tl_demo_client_port(demo) != demo_port) {
				demo_port = tl_demo_client_port(demo);
				demo_id = 0;
				char msg[200];
				snprintf(msg, sizeof(msg), "%s%s  (N: next scenario)", tl_demo_caption(demo),
					 tl_demo_loopback(demo) ? "; on loopback the quick steps are inferred" : "");
				tl_ui_message(&ui, msg);
				redraw = true;
			}
		}
		if (tl_engine_step(e, tl_mono_ns(), tl_wall_now(), &cause) < 0) {
			ret = EXIT_FAILURE;
			break;
		}
		if (demo && demo_port && !demo_id && (demo_id = demo_conn(e, demo_port))) {
			/* a new run: its ladder */
			ui.detail_id = demo_id;
			ui.screen = TL_SCREEN_DETAIL;
			ui.lad_sel = -1;
			ui.lad_mark = -1;
			ui.lad_scroll = 0;
			ui.lad_steps = 0;
			ui.lad_replay = false;
			redraw = true;
		}
		size_t nev;
		const struct tl_event *ev = tl_tracker_events(tl_engine_tracker(e), &nev);
		for (size_t i = 0; i < nev; i++)
			tl_evlog_add(&log, &ev[i]);
		tl_tracker_clear_events(tl_engine_tracker(e));
		tl_engine_stats(e, &st);
		if (st.samples != last_samples) {
			struct tl_hist sum;
			sum_hist(e, &sum);
			tl_history_add(&history, &sum, tl_mono_ns());
			last_samples = st.samples;
			update_leaks(&ls, e, tl_mono_ns());
			/* Re-sort only when the order can have changed: the set
			 * changes with events; queues and RTT change anyway. */
			if (ui.sort == TL_SORT_RECVQ || ui.sort == TL_SORT_SENDQ ||
			    ui.sort == TL_SORT_RTT)
				ui.rows_dirty = true;
			redraw = true;
		}
		if (nev)
			redraw = true;
		char *msg = tl_engine_take_notice(e);
		if (msg) {
			tl_ui_message(&ui, msg);
			free(notice);
			notice = msg;
			redraw = true;
		}
	}

	terminal_restore();
	tl_set_fatal_hook(NULL);
	if (cause) {
		char *safe = tl_text_safe(cause, 0); /* may quote names and input */
		fprintf(stderr, "tcpladder: %s\n", safe);
		free(safe);
		free(cause);
	}
	free(notice);
	free(names);
	free(ls.groups);
	tl_leak_watch_fini(&ls.watch);
	tl_owners_free(ls.owners);
	tl_evlog_fini(&log);
	tl_history_fini(&history);
	tl_ui_fini(&ui);
	tl_canvas_fini(&canvas);
	tl_engine_free(e);
	if (sfd >= 0)
		close(sfd);
	return ret;
}
