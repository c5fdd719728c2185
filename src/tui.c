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
#include <unistd.h>

#include "tcpladder/canvas.h"
#include "tcpladder/clock.h"
#include "tcpladder/demo.h"
#include "tcpladder/engine.h"
#include "tcpladder/filter.h"
#include "tcpladder/labclock.h"
#include "tcpladder/narration.h"
#include "tcpladder/runtime.h"
#include "tcpladder/tui.h"
#include "tcpladder/tuiconfig.h"
#include "tcpladder/tuisave.h"
#include "tcpladder/tuiterm.h"
#include "tcpladder/ui.h"
#include "tcpladder/uidetail.h"
#include "tcpladder/uirows.h"

#define SEC 1000000000ULL
/* New data (events, samples) redraws at most this often: under churn
 * events arrive thousands of times a second. */
#define DATA_FRAME_NS (SEC / 10)

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

/* Owners of the rows on screen, looked up when first shown; with a filter
 * of pid or comm terms, or a search (which matches owners too), those of
 * every open connection, as the filter hides the rest until they are
 * known.  Returns true when new owners were found. */
#define RESOLVE_MAX 4096
static bool resolve_visible(struct tl_runtime *rt, const struct tl_ui *ui)
{
	size_t n;
	const struct tl_conn *conns = tl_tracker_conns(tl_runtime_tracker(rt), &n);
	const struct tl_owners *own = tl_runtime_owners(rt);
	static uint32_t inodes[RESOLVE_MAX], uids[RESOLVE_MAX];
	size_t k = 0;
	/* grouped by process, every row's owner names its group */
	if (tl_filter_has_owner(ui->filter) || *ui->search || ui->group == TL_GROUP_PROCESS) {
		for (size_t i = 0; i < n && k < RESOLVE_MAX; i++) {
			const struct tl_conn *c = &conns[i];
			if (c->id && !(c->flags & TL_CONN_GONE) && c->sock.inode &&
			    !tl_owners_find(own, c->sock.inode)) {
				inodes[k] = c->sock.inode;
				uids[k++] = c->sock.uid;
			}
		}
		size_t want = k;
		tl_runtime_resolve(rt, inodes, uids, k);
		for (size_t i = 0; i < want; i++)
			if (tl_owners_find(own, inodes[i]))
				return true;
		return false;
	}
	for (int r = 0; r < ui->table_visible && k < 256; r++) {
		size_t idx = ui->top + (size_t)r;
		if (idx >= ui->n_rows || ui->rows[idx] >= n)
			break;
		const struct tl_conn *c = &conns[ui->rows[idx]];
		if (c->sock.inode && !tl_owners_find(own, c->sock.inode)) {
			inodes[k] = c->sock.inode;
			uids[k++] = c->sock.uid;
		}
	}
	tl_runtime_resolve(rt, inodes, uids, k);
	return false;
}

/* Curses up: raw keys without echo, no cursor, the mouse, the styles.
 * Returns false when the terminal cannot be set up. */
static bool terminal_setup(bool *color)
{
	tl_set_fatal_hook(terminal_restore);
	tl_tuiterm_tstp_init(); /* before curses, which then leaves SIGTSTP alone */
	if (!initscr())
		return false;
	curses_up = true;
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	mousemask(BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
	mouseinterval(0);
	if (*color && has_colors()) {
		start_color();
		use_default_colors();
	} else {
		*color = false;
	}
	setup_styles(*color);
	return true;
}

/* The view's state beside the runtime's. */
struct tui {
	struct tl_runtime *rt;
	struct tl_demo *demo;
	struct tl_ui ui;
	struct tl_canvas canvas;
	bool utf8;
	bool color;      /* the terminal shows colour, and NO_COLOR did not say no */
	int scheme_used; /* the colour scheme the styles are set for */
	bool redraw;
	bool data_changed; /* new data not yet drawn (at most DATA_FRAME_NS apart) */
	bool stale_sent;   /* dup-syn: the stale SYN is on the link; B's answer opens its ladder */
	unsigned released; /* step mode: segments released since it began */
	char step_note[256]; /* step mode: what happened last (in Chinese, 3 bytes a glyph) */
	char host[256];
	const char *replay;         /* --replay's file name, or NULL */
	bool replay_ended;          /* it played to its end: the view stays, q quits */
	struct tl_tuiconfig config; /* the settings file (written when they change) */
	uint64_t interval_ns;       /* set with + and -: kept; 0 otherwise */
	uint64_t note_until; /* a note the user asked for (N, f) keeps the footer till then */
};

/* How long a note asked for with a key is read before late-fin's clocks
 * take the footer line again. */
#define NOTE_NS (8 * SEC)

/* Read the settings before the terminal is taken: it may warn. */
static void config_load(struct tui *t, const struct tl_options *o)
{
	if (!tl_tuiconfig_load(&t->config, &t->ui))
		return;
	/* -d on the command line wins over the saved interval */
	if (t->config.saved.interval_ns && !o->delay_set && !t->demo) {
		tl_engine_set_delay(tl_runtime_engine(t->rt), t->config.saved.interval_ns);
		t->interval_ns = t->config.saved.interval_ns;
	}
}

static struct tl_ui_input ui_input(struct tui *t, uint64_t now)
{
	struct tl_engine_stats st;
	unsigned n_ns;
	size_t n_leaks;
	tl_runtime_stats(t->rt, &st);
	const char *const *names = tl_runtime_ns_names(t->rt, &n_ns);
	const struct tl_leak_group *leaks = tl_runtime_leaks(t->rt, &n_leaks);
	return (struct tl_ui_input){
	    .tracker = tl_runtime_tracker(t->rt),
	    .history = tl_runtime_history(t->rt),
	    .log = tl_runtime_log(t->rt),
	    .steps = tl_runtime_steps(t->rt),
	    .stats = {st.interval_ns, st.dump_cost_ns, st.samples, st.sockets, st.paused, st.exact,
		      st.exact_lost, st.still},
	    .host = t->host,
	    .ns_names = names,
	    .n_ns = n_ns,
	    .now = now,
	    .data_now = tl_runtime_data_now(t->rt, now),
	    .now_wall = tl_wall_now(),
	    .owners = tl_runtime_owners(t->rt),
	    .leaks = leaks,
	    .n_leaks = n_leaks,
	    .watch = tl_runtime_leak_watch(t->rt),
	    .caption = t->demo ? tl_demo_caption(t->demo, t->utf8 ? t->ui.lang : "en") : NULL,
	    .tw = tl_runtime_tw(t->rt),
	    .leak_cfg = tl_runtime_leak_cfg(t->rt),
	    .replay = t->replay,
	    .replay_ended = t->replay_ended,
	};
}

/* The lab's words in the view's language (narration.c's tables). */
static void lab_word(const struct tui *t, enum tl_narration_word w, const char *at,
		     const char *hash, struct tl_buf *out)
{
	tl_narration_word(t->ui.lang, w, at, hash, out);
}

/* A note of the lab, to the footer. */
static void lab_message(struct tui *t, enum tl_narration_word w, const char *at, const char *hash)
{
	struct tl_buf b;
	tl_buf_init(&b);
	lab_word(t, w, at, hash, &b);
	tl_ui_message(&t->ui, b.data);
	tl_buf_fini(&b);
}

/* The step note: what happened last, for the status below. */
static void step_note(struct tui *t, enum tl_narration_word w, const char *at, const char *hash)
{
	struct tl_buf b;
	tl_buf_init(&b);
	lab_word(t, w, at, hash, &b);
	snprintf(t->step_note, sizeof(t->step_note), "%s", b.data);
	tl_buf_fini(&b);
}

/* A segment's name for the lab's notes: the relay's, its data in the
 * view's language ("FIN+ACK, data 6 B", "FIN+ACK，数据 6 B"). */
static void seg_name(const struct tui *t, const struct tl_pkt *pkt, char *out, size_t len)
{
	char en[48];
	tl_pkt_describe(pkt, en, sizeof(en));
	const char *d = strstr(en, "data ");
	if (!d || strcmp(t->ui.lang, "zh")) {
		snprintf(out, len, "%s", en);
		return;
	}
	struct tl_buf b;
	tl_buf_init(&b);
	bool after = d >= en + 2 && d[-2] == ','; /* "FIN+ACK, data" */
	tl_buf_add(&b, en, (size_t)(d - en) - (after ? 2 : 0));
	if (after)
		tl_buf_puts(&b, "，");
	lab_word(t, TL_WORD_DATA, d + 5, NULL, &b);
	snprintf(out, len, "%s", b.data);
	tl_buf_fini(&b);
}

/* While stepping, the footer line says so, with its counts (they last,
 * unlike a passing note) and what happened last. */
static void step_status(struct tui *t)
{
	char held[24], rel[24];
	struct tl_buf b;
	if (!t->demo || !tl_demo_stepping(t->demo))
		return;
	snprintf(held, sizeof(held), "%zu", tl_demo_held(t->demo));
	snprintf(rel, sizeof(rel), "%u", t->released);
	tl_buf_init(&b);
	lab_word(t, TL_WORD_STEP_STATUS, held, rel, &b);
	tl_buf_puts(&b, t->step_note);
	tl_ui_message(&t->ui, b.data);
	tl_buf_fini(&b);
}

/* The lab's step mode: S turns it on or off, Space releases the first
 * held segment, G releases them all and ends it.  True when the key was
 * the lab's. */
static bool step_key(struct tui *t, int key)
{
	struct tl_demo *d = t->demo;
	uint64_t now = tl_mono_ns();
	if (key == 'S' || (key == 'G' && tl_demo_stepping(d))) {
		bool on = key == 'S' && !tl_demo_stepping(d);
		tl_demo_set_step(d, on, now, tl_wall_now());
		t->released = 0;
		step_note(t, TL_WORD_STEP_ON, NULL, NULL);
		if (!on)
			lab_message(t, TL_WORD_STEP_OFF, NULL, NULL);
		step_status(t);
		return true;
	}
	if (key != ' ' || !tl_demo_stepping(d))
		return false;
	if (tl_demo_release(d, now, tl_wall_now()) == 0)
		t->released++;
	step_note(t, tl_demo_held(d) ? TL_WORD_RELEASED : TL_WORD_NOTHING_HELD, NULL, NULL);
	step_status(t);
	return true;
}

/* late-fin waits minutes on two kernel timers: the clock line, unless a
 * note the user asked for is still to be read. */
static void late_fin_clocks(struct tui *t, uint64_t now)
{
	if (now < t->note_until)
		return;
	struct tl_buf msg;
	tl_buf_init(&msg);
	if (tl_labclock_line(tl_runtime_tracker(t->rt), tl_demo_client_port(t->demo), t->ui.lang,
			     &msg)) {
		tl_ui_message(&t->ui, msg.data);
		t->redraw = true;
	}
	tl_buf_fini(&msg);
}

/* f in the lab: skip ahead (see labclock.h). */
static void skip_ahead(struct tui *t, uint64_t now)
{
	struct tl_buf msg;
	tl_buf_init(&msg);
	tl_labclock_ahead(tl_runtime_tracker(t->rt), tl_demo_client_port(t->demo),
			  t->ui.lab_scenario == TL_SCENARIO_LATE_FIN, t->ui.lang, &msg);
	tl_ui_message(&t->ui, msg.data);
	tl_buf_fini(&msg);
	t->note_until = now + NOTE_NS;
}

/* Keys, the mouse and resizes, then what they asked of the engine. */
static void read_keys(struct tui *t, const struct tl_ui_input *in)
{
	struct tl_ui *ui = &t->ui;
	wint_t ch;
	int r;
	while ((r = get_wch(&ch)) != ERR) {
		if (r == KEY_CODE_YES && ch == KEY_RESIZE) {
			/* The terminal reflowed what it showed: repaint all of
			 * it rather than trust curses' idea of the screen. */
			clearok(curscr, TRUE);
			t->redraw = true;
			continue;
		}
		if (r == KEY_CODE_YES && ch == KEY_MOUSE) {
			MEVENT me;
			if (getmouse(&me) != OK)
				continue;
			if (me.bstate & BUTTON4_PRESSED)
				tl_ui_wheel(ui, me.x, me.y, -1, in);
			else if (me.bstate & BUTTON5_PRESSED)
				tl_ui_wheel(ui, me.x, me.y, 1, in);
			else
				tl_ui_click(ui, me.x, me.y, in);
			t->redraw = true;
			continue;
		}
		int key = tl_tuiterm_key(r, ch);
		if (!key)
			continue;
		if (t->canvas.w < TL_UI_MIN_W || t->canvas.h < TL_UI_MIN_H) {
			if (key == 'q' || key == TL_KEY_F10)
				ui->quit = true;
		} else if (t->demo && ui->prompt == TL_PROMPT_NONE && step_key(t, key)) {
			t->redraw = true;
		} else if (tl_ui_key(ui, key, in)) {
			t->redraw = true;
		} else if (t->demo && key == 'N') {
			int next = tl_demo_scenario(t->demo) + 1;
			next = tl_scenario_name(next) ? next : TL_SCENARIO_FULL;
			tl_demo_set_scenario(t->demo, next);
			lab_message(t, TL_WORD_NEXT_RUN, tl_scenario_name(next), NULL);
			t->note_until = tl_mono_ns() + NOTE_NS;
			t->redraw = true;
		} else if (t->demo && key == 'f') {
			skip_ahead(t, tl_mono_ns());
			t->redraw = true;
		}
	}
	struct tl_engine *e = tl_runtime_engine(t->rt);
	if (ui->copy[0]) {
		tl_tuisave_clipboard(ui->copy);
		ui->copy[0] = '\0';
	}
	if (ui->save_ladder) {
		tl_tuisave_ladder(ui, in, t->canvas.g->ascii);
		ui->save_ladder = false;
		t->redraw = true;
	}
	if (ui->scheme != t->scheme_used) { /* F2 chose another colour scheme */
		t->scheme_used = ui->scheme;
		setup_styles(t->color && ui->scheme == TL_SCHEME_DEFAULT);
		clearok(curscr, TRUE);
		t->redraw = true;
	}
	if (ui->toggle_pause) {
		tl_engine_set_paused(e, !in->stats.paused);
		ui->toggle_pause = false;
		t->redraw = true;
	}
	if (ui->delay_step) {
		uint64_t d = tl_engine_delay(e);
		for (int i = 0; i < abs(ui->delay_step) && i < 20; i++) /* each press counts */
			d = ui->delay_step > 0 ? d * 3 / 2 : d * 2 / 3;
		d = TL_MAX(50000000ULL, TL_MIN(d, 60 * SEC));
		tl_engine_set_delay(e, d);
		t->interval_ns = d;
		char msg[64];
		snprintf(msg, sizeof(msg), "sampling every %.2f s", (double)d / 1e9);
		tl_ui_message(ui, msg);
		ui->delay_step = 0;
		t->redraw = true;
	}
}

/* The detail screen on connection id, its ladder from the start. */
static void open_ladder(struct tl_ui *ui, uint32_t id)
{
	ui->detail_id = id;
	ui->screen = TL_SCREEN_DETAIL;
	ui->lad_sel = -1;
	ui->lad_mark = -1;
	ui->lad_scroll = 0;
	ui->lad_steps = 0;
	ui->lad_replay = false;
}

/* What a step brought: the lab's new run (its caption, then its ladder
 * once the tracker knows the connection), a new sample, notices. */
static void after_step(struct tui *t, uint32_t *run_shown)
{
	struct tl_ui *ui = &t->ui;
	if (tl_runtime_new_run(t->rt)) {
		struct tl_buf msg;
		ui->lab_scenario = tl_demo_scenario(t->demo);
		tl_buf_init(&msg);
		tl_buf_puts(&msg, tl_demo_caption(t->demo, t->ui.lang));
		if (tl_demo_loopback(t->demo))
			lab_word(t, TL_WORD_LOOPBACK, NULL, NULL, &msg);
		lab_word(t, TL_WORD_LAB_KEYS, NULL, NULL, &msg);
		tl_ui_message(ui, msg.data);
		tl_buf_fini(&msg);
		*run_shown = 0;
		t->redraw = true;
	}
	size_t nseg;
	const struct tl_demo_seg *sg = tl_runtime_segments(t->rt, &nseg);
	for (size_t i = 0; i < nseg; i++) {
		const char *who = sg[i].from ? "B" : "A";
		if (sg[i].resent || (sg[i].held && !sg[i].released)) {
			char what[64];
			seg_name(t, &sg[i].pkt, what, sizeof(what));
			/* resent: the truth of a long hold, the kernel did not wait */
			step_note(t,
				  sg[i].answer   ? TL_WORD_ANSWER_MSG
				  : sg[i].resent ? TL_WORD_RESENT_MSG
						 : TL_WORD_HELD_MSG,
				  who, what);
			step_status(t);
			t->redraw = true;
		}
		if (sg[i].stale_ns) { /* the one thing on the link no kernel sent just now */
			char age[32];
			snprintf(age, sizeof(age), "%.1f", (double)sg[i].stale_ns / 1e9);
			lab_message(t, TL_WORD_STALE_MSG, age, NULL);
			t->stale_sent = true;
			t->redraw = true;
		}
	}
	if (t->demo && tl_runtime_sampled(t->rt) && t->ui.lab_scenario == TL_SCENARIO_LATE_FIN)
		late_fin_clocks(t, tl_mono_ns());
	size_t nev;
	const struct tl_event *ev = tl_runtime_events(t->rt, &nev);
	for (size_t i = 0; i < nev && t->stale_sent; i++)
		if (ev[i].kind == TL_EV_OPEN && ev[i].ns == 1 && ev[i].to == TL_TCP_SYN_RECV) {
			/* B's kernel made a request socket for it: show that one */
			t->stale_sent = false;
			open_ladder(ui, ev[i].conn);
			t->redraw = true;
		}
	uint32_t run = tl_runtime_run_conn(t->rt);
	/* a new run: its ladder, once a replay of the last one has ended */
	if (run && run != *run_shown && !(ui->screen == TL_SCREEN_DETAIL && ui->lad_replay) &&
	    !ui->frozen) { /* frozen: the next run's ladder waits for Space */
		*run_shown = run;
		open_ladder(ui, run);
		t->redraw = true;
	}
	if (tl_runtime_sampled(t->rt)) {
		/* Re-sort only when the order can have changed: the set changes
		 * with events; queues and RTT change anyway. */
		if (ui->sort == TL_SORT_RECVQ || ui->sort == TL_SORT_SENDQ ||
		    ui->sort == TL_SORT_RTT)
			ui->rows_dirty = true;
		t->data_changed = true;
	}
	if (nev)
		t->data_changed = true;
	char *msg = tl_runtime_take_notice(t->rt, NULL);
	if (msg) {
		tl_ui_message(ui, msg);
		free(msg);
		t->redraw = true;
	}
}

static void draw(struct tui *t, const struct tl_ui_input *in)
{
	if (t->canvas.w != COLS || t->canvas.h != LINES) {
		tl_canvas_resize(&t->canvas, COLS, LINES);
		erase();
	}
	tl_ui_tick(&t->ui, in, t->canvas.w, t->canvas.h);
	tl_ui_draw(&t->ui, &t->canvas, in);
	uint64_t shown[TL_ENGINE_SHOWN]; /* what is on screen stays current */
	tl_engine_show(tl_runtime_engine(t->rt), shown,
		       tl_uirows_shown(&t->ui, in, shown, TL_ENGINE_SHOWN));
	if (!t->demo) /* both ends of the ladder shown stay (the lab keeps its lesson's) */
		tl_tracker_keep(tl_runtime_tracker(t->rt), tl_uidetail_keep(&t->ui, in));
	blit(&t->canvas, t->utf8);
	refresh();
	t->redraw = false;
	t->data_changed = false;
}

/* The loop: draw when something changed, poll the runtime and the
 * keyboard, step.  Returns an exit status; *cause on an error. */
static int run_loop(struct tui *t, char **cause)
{
	uint64_t next_tick = 0, next_owner_scan = 0, next_data_frame = 0;
	uint32_t run_shown = 0;
	for (;;) {
		uint64_t now = tl_mono_ns();
		struct tl_ui_input in = ui_input(t, now);
		if (now >= next_tick) {
			t->redraw = true; /* ages and clocks move */
			next_tick = now + SEC;
		}
		if (t->data_changed && now >= next_data_frame)
			t->redraw = true;
		bool animating = tl_ui_animating(&t->ui, now);
		if (animating)
			t->redraw = true; /* an arrow in flight: about 30 frames a second */
		if (t->redraw) {
			draw(t, &in);
			next_data_frame = now + DATA_FRAME_NS;
			if (now >= next_owner_scan && t->ui.screen == TL_SCREEN_MAIN) {
				if (resolve_visible(t->rt, &t->ui)) {
					t->ui.rows_dirty = true; /* a filter may take them in */
					t->redraw = true;
				}
				next_owner_scan = now + SEC;
			}
		}

		/* (a replay at its end has nothing more due: signals and keys) */
		uint64_t deadline =
		    t->replay_ended ? next_tick : TL_MIN(tl_runtime_deadline(t->rt), next_tick);
		if (animating)
			deadline = TL_MIN(deadline, now + 33000000ULL);
		if (t->data_changed)
			deadline = TL_MIN(deadline, next_data_frame);
		struct pollfd pfd[TL_POLLFDS_MAX + 1];
		size_t n = tl_runtime_pollfds(t->rt, pfd, TL_ARRAY_SIZE(pfd) - 1);
		pfd[n++] = (struct pollfd){STDIN_FILENO, POLLIN, 0};
		if (poll(pfd, n, tl_poll_timeout_ms(deadline, now, 1000)) < 0 && errno != EINTR) {
			*cause = tl_asprintf("poll: %s", strerror(errno));
			return EXIT_FAILURE;
		}
		if (tl_tuiterm_suspend()) /* Ctrl-Z: stopped, and continued */
			t->redraw = true;
		bool hangup = pfd[n - 1].revents & (POLLHUP | POLLERR | POLLNVAL);
		read_keys(t, &in);
		tl_tuiconfig_save(&t->config, &t->ui, t->interval_ns);
		if (t->ui.quit)
			return EXIT_SUCCESS;
		int r = tl_runtime_step(t->rt, tl_mono_ns(), tl_wall_now(), cause);
		if (r < 0)
			return EXIT_FAILURE;
		bool ended = r > 0 && tl_runtime_stopped(t->rt) == TL_RUNTIME_END;
		if (!t->replay_ended)
			after_step(t, &run_shown);
		if (ended && !t->replay_ended) {
			/* the recording's end: what it ended with stays in view */
			t->replay_ended = true;
			t->redraw = true;
		} else if (r > 0 && !ended) {
			/* -n or --duration: the last sample is shown first */
			if (tl_runtime_stopped(t->rt) != TL_RUNTIME_SIGNAL) {
				in = ui_input(t, tl_mono_ns());
				draw(t, &in);
			}
			return EXIT_SUCCESS;
		}
		if (hangup) {
			/* The terminal went away and no SIGHUP ended the run (it
			 * is ignored, or was never sent): nothing is left to
			 * show, and polling the terminal again would return at
			 * once, forever. */
			*cause = tl_strdup("the terminal went away");
			return EXIT_FAILURE;
		}
	}
}

const char *tl_tui_locale_name(void)
{
	static const char *const vars[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
	for (size_t i = 0; i < TL_ARRAY_SIZE(vars); i++) {
		const char *v = getenv(vars[i]);
		if (v && *v)
			return v;
	}
	return NULL;
}

const char *tl_tui_lang(const char *asked, bool ascii, bool utf8_out, const char **why)
{
	setlocale(LC_CTYPE, "");
	bool utf8 = utf8_out || (!ascii && !strcmp(nl_langinfo(CODESET), "UTF-8"));
	return tl_narration_lang(asked, tl_tui_locale_name(), utf8, why);
}

int tl_tui_run(const struct tl_options *o, const struct tl_filter *filter,
	       const struct tl_filter *follow, struct tl_demo *demo)
{
	struct tl_runtime_config cfg;
	char *cause = NULL;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "tcpladder: the interactive view needs a terminal; "
				"use --once or --events for scripts\n");
		return EXIT_FAILURE;
	}
	setlocale(LC_ALL, "");
	struct tui t;
	memset(&t, 0, sizeof(t));
	t.demo = demo;
	t.utf8 = !o->ascii && !strcmp(nl_langinfo(CODESET), "UTF-8");
	bool color = !o->no_color && !(getenv("NO_COLOR") && *getenv("NO_COLOR"));
	strcpy(t.host, "localhost");
	gethostname(t.host, sizeof(t.host) - 1);
	if (o->replay) {
		const char *slash = strrchr(o->replay, '/');
		t.replay = slash ? slash + 1 : o->replay;
	}

	tl_runtime_config_for(&cfg, TL_RUNTIME_FRONT_VIEW, o, filter, follow, demo);
	t.rt = tl_runtime_new(&cfg, tl_mono_ns(), &cause);
	if (!t.rt) {
		char *safe = tl_text_safe(cause, 0); /* may quote names and input */
		fprintf(stderr, "tcpladder: %s\n", safe);
		free(safe);
		free(cause);
		return EXIT_FAILURE;
	}
	tl_ui_init(&t.ui);
	config_load(&t, o); /* before the terminal is taken: it may warn */
	if (!terminal_setup(&color)) {
		tl_set_fatal_hook(NULL);
		tl_ui_fini(&t.ui);
		fprintf(stderr, "tcpladder: cannot initialise the terminal\n");
		tl_runtime_free(t.rt);
		return EXIT_FAILURE;
	}
	tl_canvas_init(&t.canvas, COLS, LINES, t.utf8 ? &tl_glyphs_utf8 : &tl_glyphs_ascii);
	t.color = color;
	t.ui.no_color = !color;
	t.scheme_used = t.ui.scheme;
	setup_styles(color && t.ui.scheme == TL_SCHEME_DEFAULT); /* as the settings say */
	const char *why;
	t.ui.lang = tl_narration_lang(o->lang, tl_tui_locale_name(), t.utf8, &why);
	if (why) /* said once, in the footer */
		tl_ui_message(&t.ui, why);
	/* The kernel kept every socket pid and comm terms might select: the
	 * view applies them, by owner, as if typed after F4. */
	if (tl_filter_has_owner(filter))
		tl_ui_set_filter(&t.ui, tl_filter_text(filter));
	t.redraw = true;

	int ret = run_loop(&t, &cause);

	terminal_restore();
	tl_set_fatal_hook(NULL);
	if (cause) {
		char *safe = tl_text_safe(cause, 0); /* may quote names and input */
		fprintf(stderr, "tcpladder: %s\n", safe);
		free(safe);
		free(cause);
		ret = EXIT_FAILURE;
	}
	tl_ui_fini(&t.ui);
	tl_canvas_fini(&t.canvas);
	tl_runtime_free(t.rt);
	return ret;
}
