/* uidetail: the detail screen of one connection: its summary and its
 * ladder, live or replayed step by step. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "tcpladder/fsm.h"
#include "tcpladder/ladder.h"
#include "tcpladder/ladderview.h"
#include "tcpladder/narration.h"
#include "tcpladder/scenario.h"
#include "tcpladder/tcpstate.h"
#include "tcpladder/ui.h"
#include "tcpladder/uidetail.h"
#include "tcpladder/uirows.h"

#define SEC 1000000000ULL

/* The connection by id: at the slot it had at the last tick (checked),
 * else searched for (slots move only when the tracker compacts).  Every
 * frame asks, 30 a second while an arrow flies: not a pass over every
 * connection each time. */
static const struct tl_conn *find_id(const struct tl_ui_input *in, uint32_t id, size_t hint)
{
	size_t n;
	const struct tl_conn *conns = tl_tracker_view(in->tracker, &n);
	if (hint < n && conns[hint].id == id)
		return &conns[hint];
	for (size_t i = 0; i < n; i++)
		if (conns[i].id == id)
			return &conns[i];
	return NULL;
}

const struct tl_conn *tl_uidetail_conn(const struct tl_ui *ui, const struct tl_ui_input *in,
				       const struct tl_conn **peer, bool *gone)
{
	const struct tl_conn *cn =
	    ui->detail_id ? find_id(in, ui->detail_id, ui->detail_slot) : NULL;
	*gone = false;
	*peer = NULL;
	if (cn) {
		*peer = tl_tracker_peer(in->tracker, cn);
		return cn;
	}
	if (!ui->detail_id || ui->detail_kept[0].id != ui->detail_id)
		return NULL;
	*gone = true;
	*peer = ui->detail_kept_peer ? &ui->detail_kept[1] : NULL;
	return &ui->detail_kept[0];
}

uint32_t tl_uidetail_keep(const struct tl_ui *ui, const struct tl_ui_input *in)
{
	const struct tl_conn *peer;
	bool gone;
	const struct tl_conn *cn = tl_uidetail_conn(ui, in, &peer, &gone);
	if (ui->screen != TL_SCREEN_DETAIL || !cn || gone)
		return 0;
	if (peer && (peer->flags & TL_CONN_GONE))
		return peer->id;
	if (cn->flags & TL_CONN_GONE)
		return cn->id;
	return peer ? peer->id : 0;
}

bool tl_ui_animating(const struct tl_ui *ui, uint64_t now)
{
	if (ui->screen != TL_SCREEN_DETAIL || ui->frozen) /* frozen: nothing moves */
		return false;
	return ui->lad_replay || now - ui->lad_anim_start < ui->anim_ns;
}

/* The ladder's view of the selected step and the animation. */
static struct tl_ladder_view ladder_view(const struct tl_ui *ui, const struct tl_ui_input *in,
					 size_t steps)
{
	int sel = ui->lad_sel < 0 || (size_t)ui->lad_sel >= steps ? (int)steps - 1 : ui->lad_sel;
	double anim =
	    ui->anim_ns ? (double)(in->now - ui->lad_anim_start) / (double)ui->anim_ns : 1;
	return (struct tl_ladder_view){
	    .selected = sel,
	    .mark = ui->lad_mark,
	    .scroll = ui->lad_scroll,
	    .anim = anim > 1   ? 1
		    : anim < 0 ? 0
			       : anim,
	    .lang = ui->lang,
	    .explain = ui->lad_explain,
	    .now = tl_ui_data_now(in),
	};
}

/* A replay shows one row more each flight and a half, up to the n there
 * are; caught up, the ladder is live again. */
static void replay_advance(struct tl_ui *ui, const struct tl_ui_input *in, size_t n)
{
	if (!ui->lad_paused && in->now >= ui->lad_next) {
		ui->lad_shown++;
		ui->lad_next = in->now + ui->anim_ns + ui->anim_ns / 2;
	}
	if (ui->lad_shown >= n) {
		ui->lad_shown = n;
		ui->lad_replay = false;
	}
}

/* Builds the connection's ladder (both ends when paired) and moves it on:
 * a new step starts an arrow's flight; a replay shows the events one by
 * one, a flight each; the scroll follows the selected step. */
static void tick_ladder(struct tl_ui *ui, const struct tl_ui_input *in, const struct tl_conn *cn,
			const struct tl_conn *peer, int w, int h)
{
	if (!ui->ladder)
		ui->ladder = tl_ladder_new();
	uint32_t a = cn->id, b = peer ? peer->id : 0;
	if (ui->lad_replay && in->steps) {
		/* the whole ladder (the link's rows too), shown a row more
		 * at each flight */
		tl_ladder_build_steps(ui->ladder, in->steps, a, b);
		size_t n = tl_ladder_steps(ui->ladder);
		replay_advance(ui, in, n);
		tl_ladder_truncate(ui->ladder, ui->lad_shown);
	} else if (ui->lad_replay && in->log) {
		/* the two ends' events, oldest first */
		size_t n = 0;
		struct tl_event *evs = tl_calloc(in->log->n + 1, sizeof(*evs));
		for (size_t i = 0; i < in->log->n; i++) {
			const struct tl_event *ev = tl_evlog_at(in->log, i);
			if (ev->conn == a || (b && ev->conn == b))
				evs[n++] = *ev;
		}
		replay_advance(ui, in, n);
		tl_ladder_build_events(ui->ladder, evs, ui->lad_shown, a, b);
		free(evs);
	} else if (in->steps) {
		tl_ladder_build_steps(ui->ladder, in->steps, a, b);
	} else {
		tl_ladder_build(ui->ladder, in->log, a, b);
	}
	size_t steps = tl_ladder_steps(ui->ladder);
	if (steps != ui->lad_steps) {
		/* The history already there when the screen opens is shown
		 * landed; only what happens next flies. */
		bool opening = ui->lad_steps == 0 && !ui->lad_replay;
		if (steps > ui->lad_steps)
			ui->lad_anim_start = opening ? in->now - ui->anim_ns : in->now;
		ui->lad_steps = steps;
	}
	struct tl_ladder_view v = ladder_view(ui, in, steps);
	ui->lad_scroll = tl_ladder_fit_scroll(ui->ladder, w, h, &v);
}

static void draw_ladder(struct tl_canvas *c, const struct tl_ui *ui, const struct tl_ui_input *in,
			int y, int h, int w)
{
	size_t steps = ui->ladder ? tl_ladder_steps(ui->ladder) : 0;
	if (!steps) {
		struct tl_buf note;
		tl_buf_init(&note);
		tl_narration_word(c->g->ascii ? "en" : ui->lang, TL_WORD_NO_SEGMENT, NULL, NULL,
				  &note);
		tl_canvas_text(c, 1, y + 1, c->w - 2, TL_ST_DIM, note.data);
		tl_buf_fini(&note);
		return;
	}
	struct tl_ladder_view v = ladder_view(ui, in, steps);
	tl_ladder_draw(ui->ladder, c, 0, y, w, h, &v);
}

/* The lab scenario's caption and explanation in place of the ladder (an
 * ASCII canvas shows English, as the ladder does). */
static void draw_lesson(struct tl_canvas *c, const struct tl_ui *ui, int y, int rows, int w)
{
	const char *lang = c->g->ascii ? "en" : ui->lang;
	int h = y + rows;
	tl_canvas_fill(c, 0, y, w, h - y, ' ', TL_ST_NORMAL);
	y += tl_canvas_wrap(c, 1, y + 1, w - 2, h - y - 1, TL_ST_TITLE,
			    tl_scenario_caption(ui->lab_scenario, lang)) +
	     2;
	if (y < h)
		y += tl_canvas_wrap(c, 1, y, w - 2, h - y, TL_ST_NORMAL,
				    tl_scenario_explain(ui->lab_scenario, lang)) +
		     1;
	if (y < h)
		tl_canvas_text(c, 1, y, w - 2, TL_ST_DIM,
			       !strcmp(lang, "zh")
				   ? "梯形图上的一切都是两个内核真实做过的事。w：回到梯形图"
				   : "Everything on the ladder is what the two kernels "
				     "did.  w: back to it");
}

/* The summary below the title: one row per fact known, so the ladder
 * starts where they end. */
struct row {
	int style;
	char text[512];
};
enum { MAX_ROWS = 8 };

/* Row n's text from b (then emptied). */
static void put_row(struct row *r, int style, struct tl_buf *b)
{
	r->style = style;
	snprintf(r->text, sizeof(r->text), "%s", b->data ? b->data : "");
	tl_buf_reset(b);
}

static int summary(struct row *r, const struct tl_ui_input *in, const struct tl_conn *cn,
		   const struct tl_conn *peer, const char *lang)
{
	char a[16], b[16], x[48], y[48];
	int n = 0;
	bool exact = cn->flags & TL_CONN_EXACT;
	struct tl_buf t, w;
	tl_buf_init(&t);
	tl_buf_init(&w);
	tl_ui_format_age(tl_ui_data_now(in) - cn->first_seen_ns, a, sizeof(a));
	tl_ui_format_age(tl_ui_data_now(in) - cn->state_since_ns, b, sizeof(b));
	if (!exact) /* the ages are lower bounds */
		tl_narration_word(lang, TL_WORD_SUM_AT_LEAST, NULL, NULL, &w);
	snprintf(x, sizeof(x), "%s%s", w.data ? w.data : "", b);
	snprintf(y, sizeof(y), "%s%s", w.data ? w.data : "", a);
	tl_narration_word(lang, TL_WORD_SUM_STATE, tl_tcp_state_name(cn->state), x, &t);
	tl_narration_word(lang, TL_WORD_SUM_FIRST, y, NULL, &t);
	tl_buf_reset(&w);
	tl_narration_word(lang,
			  cn->role == TL_ROLE_ACTIVE    ? TL_WORD_ROLE_ACTIVE
			  : cn->role == TL_ROLE_PASSIVE ? TL_WORD_ROLE_PASSIVE
							: TL_WORD_ROLE_UNKNOWN,
			  NULL, NULL, &w);
	tl_narration_word(lang, TL_WORD_SUM_ROLE, w.data, NULL, &t);
	if (cn->flags & TL_CONN_ROLE_GUESSED)
		tl_narration_word(lang, TL_WORD_SUM_GUESSED, NULL, NULL, &t);
	put_row(&r[n++], TL_ST_NORMAL, &t);
	/* the kernel's own names: as ss shows them, in any language */
	tl_buf_printf(&t, "cookie 0x%llx   inode %u   uid %u   netns %s   recv-q %u   send-q %u",
		      (unsigned long long)cn->sock.cookie, cn->sock.inode, cn->sock.uid,
		      cn->ns < in->n_ns ? in->ns_names[cn->ns] : "?", cn->sock.rqueue,
		      cn->sock.wqueue);
	put_row(&r[n++], TL_ST_NORMAL, &t);
	if (cn->sock.flags & TL_SOCK_HAS_INFO) {
		const struct tl_tcpinfo *i = &cn->sock.info;
		snprintf(x, sizeof(x), "%.2f", i->rtt_us / 1000.0);
		tl_narration_word(lang, TL_WORD_SUM_RTT, x, NULL, &t);
		snprintf(x, sizeof(x), "%llu", (unsigned long long)i->bytes_acked);
		tl_narration_word(lang, TL_WORD_SUM_ACKED, x, NULL, &t);
		snprintf(x, sizeof(x), "%llu", (unsigned long long)i->bytes_received);
		tl_narration_word(lang, TL_WORD_SUM_RECEIVED, x, NULL, &t);
		snprintf(x, sizeof(x), "%u", i->segs_out);
		snprintf(y, sizeof(y), "%u", i->segs_in);
		tl_narration_word(lang, TL_WORD_SUM_SEGS, x, y, &t);
		put_row(&r[n++], TL_ST_NORMAL, &t);
	}
	if (cn->state == TL_TCP_TIME_WAIT && cn->sock.timer) {
		snprintf(x, sizeof(x), "%.1f", cn->sock.expires_ms / 1000.0);
		tl_narration_word(lang, TL_WORD_SUM_TW_ENDS, x, NULL, &t);
		put_row(&r[n++], TL_ST_NORMAL, &t);
	}
	const struct tl_owner *ow =
	    in->owners && cn->sock.inode ? tl_owners_find(in->owners, cn->sock.inode) : NULL;
	if (ow) {
		tl_buf_reset(&w);
		tl_buf_printf(&w, "%d %s: %s", ow->pid, ow->comm, ow->cmdline);
		tl_narration_word(lang, TL_WORD_SUM_OWNER, w.data, NULL, &t);
		put_row(&r[n++], TL_ST_NORMAL, &t);
	}
	if (cn->state == TL_TCP_CLOSE_WAIT && cn->sock.rqueue > 1) {
		snprintf(x, sizeof(x), "%u", cn->sock.rqueue - 1);
		tl_narration_word(lang, TL_WORD_SUM_UNREAD, x, NULL, &t);
		put_row(&r[n++], TL_ST_WARN, &t);
	}
	if (peer) {
		tl_narration_word(lang, TL_WORD_SUM_PEER, tl_tcp_state_name(peer->state), NULL, &t);
		put_row(&r[n++], TL_ST_NORMAL, &t);
	}
	tl_buf_fini(&t);
	tl_buf_fini(&w);
	return n;
}

/* Wide terminals keep the histogram in view beside the ladder. */
static bool hist_beside(int w, int h)
{
	return w >= 150 && h >= 20;
}

static int ladder_width(int w, int h)
{
	return hist_beside(w, h) ? w - 63 : w;
}

static bool lesson_shown(const struct tl_ui *ui)
{
	return tl_scenario_name(ui->lab_scenario) != NULL && ui->lab_lesson;
}

/* The screen's rows, top down: the title, the lab's line (its caption or
 * what it says), the summary, the ladder (or the lesson), the keys.  The
 * ladder gets its minimum first: on a short terminal the summary's rows
 * give way, then the lab's line, the title and the keys. */
struct plan {
	bool title, line, keys;
	int summary; /* summary rows shown */
	int y, h;    /* the ladder's rows */
};

static struct plan plan_rows(int h, int n_summary)
{
	struct plan p = {0};
	int spare = h - TL_LADDER_MIN_H;
	p.keys = spare-- > 0;
	p.title = spare-- > 0;
	p.line = spare-- > 0;
	p.summary = TL_MAX(TL_MIN(spare, n_summary), 0);
	/* the title's row is there, if only blank, whenever the line is */
	p.y = (p.title ? 1 : 0) + (p.line ? 1 : 0) + p.summary;
	p.h = h - p.y - (p.keys ? 1 : 0);
	return p;
}

/* The ladder's keys on the bottom row, in the order of the words, as
 * many as fit in w columns: those least needed go first (htop's function
 * bar), and a line that lost any ends in an ellipsis. */
static void draw_keys(struct tl_canvas *c, int y, int w, const char *lang, bool lab)
{
	/* each key's word's first token, most needed first */
	static const char *const need[] = {"Esc", "Up/Down", "w", "f", "e", "r",
					   "m",   "p",       "s", "[", "x"};
	struct tl_buf all, line;
	tl_buf_init(&all);
	tl_buf_init(&line);
	tl_narration_word(lang, lab ? TL_WORD_KEYS_LAB : TL_WORD_KEYS, NULL, NULL, &all);
	tl_narration_word(lang, TL_WORD_KEY_SAVE, NULL, NULL, &all);
	size_t n_need = TL_ARRAY_SIZE(need);
	for (size_t keep = n_need;; keep--) {
		/* the keys among the first `keep` of need[], in their order */
		bool cut = false;
		tl_buf_reset(&line);
		for (const char *p = all.data; *p;) {
			const char *end = strstr(p, "  ");
			size_t len = end ? (size_t)(end - p) : strlen(p);
			size_t tok = strcspn(p, " ");
			bool shown = false;
			for (size_t i = 0; i < keep && len; i++)
				shown |= strlen(need[i]) == TL_MIN(tok, len) &&
					 !strncmp(p, need[i], TL_MIN(tok, len));
			if (shown) {
				if (line.len)
					tl_buf_puts(&line, "  ");
				tl_buf_printf(&line, "%.*s", (int)len, p);
			} else if (len) {
				cut = true;
			}
			p += len;
			while (*p == ' ')
				p++;
		}
		if (cut) {
			tl_buf_puts(&line, " ");
			tl_utf8_encode(c->g->ellipsis, &line);
		}
		if (tl_canvas_text_width(c, line.data) <= w || keep <= 1)
			break;
	}
	tl_canvas_text(c, 0, y, w, TL_ST_KEY, line.data);
	tl_buf_fini(&all);
	tl_buf_fini(&line);
}

void tl_uidetail_tick(struct tl_ui *ui, const struct tl_ui_input *in, int w, int h)
{
	const struct tl_conn *peer;
	bool gone;
	const struct tl_conn *cn = tl_uidetail_conn(ui, in, &peer, &gone);
	if (!cn || gone || lesson_shown(ui))
		return; /* a connection let go keeps the ladder it had */
	size_t n;
	ui->detail_slot = (size_t)(cn - tl_tracker_view(in->tracker, &n));
	ui->detail_kept[0] = *cn;
	ui->detail_kept_peer = peer != NULL;
	if (peer)
		ui->detail_kept[1] = *peer;
	struct row rows[MAX_ROWS];
	struct plan p = plan_rows(h, summary(rows, in, cn, peer, ui->lang));
	tick_ladder(ui, in, cn, peer, ladder_width(w, h), p.h);
}

void tl_uidetail_draw(struct tl_canvas *c, const struct tl_ui *ui, const struct tl_ui_input *in)
{
	const struct tl_conn *peer;
	bool gone;
	const struct tl_conn *cn = tl_uidetail_conn(ui, in, &peer, &gone);
	char l[64], rm[64];
	/* the bottom row's last cell is never drawn (a terminal may scroll) */
	int kw = c->w - 1;
	const char *lang = c->g->ascii ? "en" : ui->lang; /* ASCII cannot show Chinese */
	if (!cn) {
		static const enum tl_narration_word words[] = {TL_WORD_GONE_TITLE, TL_WORD_GONE,
							       TL_WORD_GONE_KEYS};
		struct tl_buf g[3];
		for (int i = 0; i < 3; i++) {
			tl_buf_init(&g[i]);
			tl_narration_word(lang, words[i], NULL, NULL, &g[i]);
		}
		tl_canvas_fill(c, 0, 0, c->w, 1, ' ', TL_ST_HEADER);
		tl_canvas_text(c, 1, 0, c->w - 1, TL_ST_HEADER, g[0].data);
		tl_canvas_text(c, 1, 2, c->w - 2, TL_ST_DIM, g[1].data);
		tl_canvas_text(c, 0, c->h - 1, kw, TL_ST_KEY, g[2].data);
		for (int i = 0; i < 3; i++)
			tl_buf_fini(&g[i]);
		return;
	}
	struct row rows[MAX_ROWS];
	struct plan p = plan_rows(c->h, summary(rows, in, cn, peer, lang));
	if (p.title) {
		struct tl_buf g;
		tl_buf_init(&g);
		if (gone)
			tl_narration_word(lang, TL_WORD_GONE_KEPT, NULL, NULL, &g);
		tl_canvas_fill(c, 0, 0, c->w, 1, ' ', TL_ST_HEADER);
		tl_uirows_fmt_addr(&cn->sock, true, l, sizeof(l));
		tl_uirows_fmt_addr(&cn->sock, false, rm, sizeof(rm));
		tl_canvas_printf(c, 1, 0, c->w - 1, TL_ST_HEADER, "%s %s %s   %s%s", l, c->g->to,
				 rm, tl_tcp_state_name(cn->state), g.data ? g.data : "");
		tl_buf_fini(&g);
	}
	/* the lab's scenario stays in view while its ladder is shown */
	if (p.line && ui->message) /* the lab speaks while its ladder is on screen */
		tl_canvas_text(c, 1, 1, c->w - 2, TL_ST_WARN, ui->message);
	else if (p.line && in->caption) {
		struct tl_buf cap;
		tl_buf_init(&cap);
		tl_buf_puts(&cap, in->caption);
		tl_narration_word(lang, TL_WORD_NEXT_KEY, NULL, NULL, &cap);
		tl_canvas_text(c, 1, 1, c->w - 2, TL_ST_KEY, cap.data);
		tl_buf_fini(&cap);
	}
	int y = p.y - p.summary;
	for (int i = 0; i < p.summary; i++)
		tl_canvas_text(c, 1, y++, c->w - 2, rows[i].style, rows[i].text);
	int lw = ladder_width(c->w, c->h);
	if (hist_beside(c->w, c->h)) {
		struct tl_rect hr = {c->w - 62, y, 62, TL_TCP_NSHOWN + 1};
		tl_ui_draw_hist(c, &hr, ui, in);
	}
	bool lab = tl_scenario_name(ui->lab_scenario) != NULL;
	if (lesson_shown(ui))
		draw_lesson(c, ui, y, p.h, lw);
	else
		draw_ladder(c, ui, in, y, p.h, lw);
	/* the keys in the ladder's language */
	if (p.keys)
		draw_keys(c, c->h - 1, kw, lang, lab);
}
