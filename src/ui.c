/* ui: the interactive view's state, its layout and the main screen's
 * panes (header, histogram, events, footer) and help.  The table's model
 * is in uirows.c and its pane in uitable.c, the keys in uikeys.c, the
 * connection's detail screen in uidetail.c and the leak screen in
 * uileaks.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "tcpladder/filter.h"
#include "tcpladder/fsm.h"
#include "tcpladder/ladder.h"
#include "tcpladder/ladderview.h"
#include "tcpladder/scenario.h"
#include "tcpladder/tcpstate.h"
#include "tcpladder/ui.h"
#include "tcpladder/uidetail.h"
#include "tcpladder/uihelp.h"
#include "tcpladder/uileaks.h"
#include "tcpladder/uinetns.h"
#include "tcpladder/uirows.h"
#include "tcpladder/uisetup.h"
#include "tcpladder/uitable.h"

#define SEC 1000000000ULL
#define SPARK_SPAN (120 * SEC) /* the sparklines cover the last two minutes */
#define RATE_WINDOW (10 * SEC)

void tl_ui_init(struct tl_ui *ui)
{
	memset(ui, 0, sizeof(*ui));
	ui->focus = TL_PANE_TABLE;
	ui->sort = TL_SORT_STATE;
	ui->rows_dirty = true;
	ui->anim_ns = 600000000ULL;
	ui->lad_mark = -1;
	ui->lang = "en";
	ui->lab_scenario = -1;
	tl_cols_init(&ui->cols);
}

void tl_ui_fini(struct tl_ui *ui)
{
	free(ui->rows);
	tl_uirows_order_free(ui->order);
	free(ui->message);
	tl_ladder_free(ui->ladder);
	tl_filter_free(ui->filter);
	free(ui->ns_out);
	free(ui->groups);
	free(ui->row_group);
	tl_ui_thaw(ui);
	memset(ui, 0, sizeof(*ui));
}

/* The events pane's rows, for scrolling a page. */
static size_t ev_rows(const struct tl_ui *ui)
{
	int h = ui->pane[TL_PANE_EVENTS].h - 1;
	return h > 0 ? (size_t)h : 1;
}

void tl_ui_freeze(struct tl_ui *ui, const struct tl_ui_input *in)
{
	tl_ui_thaw(ui);
	ui->frozen = true;
	ui->frz_samples = in->stats.samples;
	if (in->log && in->log->cap) {
		/* a copy: the live ring moves on, and may drop what is shown */
		const struct tl_evlog *l = in->log;
		tl_evlog_init(&ui->frz_log, l->cap);
		memcpy(ui->frz_log.ev, l->ev, l->cap * sizeof(*l->ev));
		ui->frz_log.n = l->n;
		ui->frz_log.head = l->head;
		ui->frz_log.total = l->total;
	}
	size_t rows = ev_rows(ui);
	ui->ev_top = ui->frz_log.n > rows ? ui->frz_log.n - rows : 0;
}

void tl_ui_thaw(struct tl_ui *ui)
{
	ui->frozen = false;
	tl_evlog_fini(&ui->frz_log);
	memset(&ui->frz_log, 0, sizeof(ui->frz_log));
	free(ui->frz_cells);
	ui->frz_cells = NULL;
	ui->ev_top = 0;
}

void tl_ui_message(struct tl_ui *ui, const char *msg)
{
	free(ui->message);
	ui->message = msg ? tl_strdup(msg) : NULL;
}

void tl_ui_format_age(uint64_t ns, char *out, size_t len)
{
	uint64_t s = ns / SEC;
	if (s < 60)
		snprintf(out, len, "%llus", (unsigned long long)s);
	else if (s < 3600)
		snprintf(out, len, "%llum", (unsigned long long)(s / 60));
	else if (s < 86400)
		snprintf(out, len, "%lluh", (unsigned long long)(s / 3600));
	else
		snprintf(out, len, "%llud", (unsigned long long)(s / 86400));
}

/* ---- drawing ---- */

void tl_ui_title(struct tl_canvas *c, const struct tl_rect *r, bool focus, const char *text)
{
	tl_canvas_fill(c, r->x, r->y, r->w, 1, c->g->hline,
		       focus ? TL_ST_TITLE_FOCUS : TL_ST_TITLE);
	tl_canvas_text(c, r->x + 1, r->y, r->w - 2, focus ? TL_ST_TITLE_FOCUS : TL_ST_TITLE, text);
}

/* Frozen, the tag at the header's right end: the long form where the
 * header has room for it beside the rest; the room it is given. */
#define FROZEN_LONG_W 120
static int frozen_room(const struct tl_canvas *c)
{
	return c->w >= FROZEN_LONG_W ? 48 : 16;
}

/* The header's tags, in order, each drawn after two spaces. */
struct tag {
	char text[48];
	int style;
};

static size_t header_tags(const struct tl_ui_input *in, const struct tl_ui *ui, struct tag *t)
{
	size_t n = 0;
	if (in->stats.paused || ui->toggle_pause)
		t[n++] = (struct tag){"PAUSED", TL_ST_WARN};
	if (ui->filter) /* every pane shows only what matches */
		t[n++] = (struct tag){"FILTER (F4)", TL_ST_WARN};
	/* Exact mode: transitions from tracepoints (polling shows nothing). */
	if (in->stats.exact && in->stats.exact_lost) {
		t[n] = (struct tag){"", TL_ST_WARN};
		snprintf(t[n++].text, sizeof(t->text), "EXACT (%llu lost)",
			 (unsigned long long)in->stats.exact_lost);
	} else if (in->stats.exact) {
		t[n++] = (struct tag){"EXACT", TL_ST_GOOD};
	}
	for (size_t i = 0; i < in->n_leaks; i++)
		if (in->leaks[i].suspect) {
			t[n++] = (struct tag){"LEAK? (L)", TL_ST_BAD};
			break;
		}
	if (in->tw && in->tw->pressure)
		t[n++] = (struct tag){"TIME-WAIT PRESSURE (L)", TL_ST_BAD};
	return n;
}

static void draw_header(struct tl_canvas *c, const struct tl_ui_input *in, const struct tl_ui *ui)
{
	char ns[128] = "";
	size_t off = 0;
	if (in->n_ns > 3) /* --all-netns: the table's NETNS column names them */
		snprintf(ns, sizeof(ns), "%u namespaces", in->n_ns);
	for (unsigned i = 0; in->n_ns <= 3 && i < in->n_ns && off < sizeof(ns) - 1; i++)
		off += (size_t)snprintf(ns + off, sizeof(ns) - off, "%s%s", i ? "," : "",
					in->ns_names[i]);
	const struct tl_history_sample *last = tl_history_last(in->history);
	tl_canvas_fill(c, 0, 0, c->w, 1, ' ', TL_ST_HEADER);
	/* a replay says so first, and not the host it is played on */
	int x = 0;
	char who[160] = "", rate[64];
	snprintf(rate, sizeof(rate), "every %.2fs%s", (double)in->stats.interval_ns / 1e9,
		 in->stats.still ? " still" : "");
	if (in->replay)
		x = 1 + tl_canvas_printf(c, 1, 0, c->w - 1, TL_ST_WARN, "%s %s",
					 in->replay_ended ? "REPLAY ENDED" : "REPLAY", in->replay);
	else
		snprintf(who, sizeof(who), " tcpladder  %s", in->host);
	/* the whole line, else without the host and the dump's cost, else
	 * the interval and the count alone: the tags after it must fit */
	char full[320], mid[256], least[96];
	snprintf(full, sizeof(full), "%s  netns %s  %s (dump %.1f ms)  TCP %u", who, ns, rate,
		 (double)in->stats.dump_cost_ns / 1e6, last ? last->h.total : 0);
	snprintf(mid, sizeof(mid), "%s  netns %s  %s  TCP %u", in->replay ? "" : " tcpladder", ns,
		 rate, last ? last->h.total : 0);
	snprintf(least, sizeof(least), "%s  %s  TCP %u", in->replay ? "" : " tcpladder", rate,
		 last ? last->h.total : 0);
	struct tag tag[5];
	size_t n_tags = header_tags(in, ui, tag);
	int tags = ui->frozen ? frozen_room(c) : 0; /* the frozen tag over the end */
	for (size_t i = 0; i < n_tags; i++)
		tags += 2 + tl_canvas_text_width(c, tag[i].text);
	const char *pick = full;
	if (x + tl_canvas_text_width(c, pick) + tags > c->w)
		pick = mid;
	if (x + tl_canvas_text_width(c, pick) + tags > c->w)
		pick = least;
	if (x + tl_canvas_text_width(c, pick) + tags > c->w)
		pick = least + (in->replay ? 0 : 10); /* " every ...": no name */
	if (x + tl_canvas_text_width(c, pick) + tags > c->w)
		pick = ""; /* the tags say more than the interval */
	x += tl_canvas_text(c, x, 0, c->w - x, TL_ST_HEADER, pick);
	for (size_t i = 0; i < n_tags; i++)
		x += 2 + tl_canvas_text(c, x + 2, 0, c->w - x - 2, tag[i].style, tag[i].text);
}

/* A replay, at the top right of the screens without the header. */
static void draw_replay_tag(struct tl_canvas *c, const struct tl_ui_input *in)
{
	char t[160];
	if (!in->replay)
		return;
	int n = snprintf(t, sizeof(t), " %s %s ", in->replay_ended ? "REPLAY ENDED" : "REPLAY",
			 in->replay);
	if (n > 0 && n <= c->w / 2)
		tl_canvas_text(c, c->w - n, 0, n, TL_ST_WARN, t);
}

/* Frozen: what sampling brought since, at the header's right end. */
static void draw_frozen_tag(struct tl_canvas *c, const struct tl_ui *ui,
			    const struct tl_ui_input *in)
{
	char t[128];
	uint64_t total = in->log ? in->log->total : 0;
	uint64_t ev = total > ui->frz_log.total ? total - ui->frz_log.total : 0;
	uint64_t sm = in->stats.samples > ui->frz_samples ? in->stats.samples - ui->frz_samples : 0;
	int n = snprintf(t, sizeof(t), " FROZEN +%llu events +%llu samples (Space: live) ",
			 (unsigned long long)ev, (unsigned long long)sm);
	if (c->w < FROZEN_LONG_W || n > frozen_room(c))
		n = snprintf(t, sizeof(t), " FROZEN +%llu ", (unsigned long long)ev);
	tl_canvas_text(c, TL_MAX(0, c->w - n), 0, c->w, TL_ST_WARN, t);
}

static uint32_t spark_glyph(const struct tl_canvas *c, long v, long lo, long hi)
{
	if (v < 0)
		return ' ';
	if (hi <= lo)
		return v > 0 ? c->g->spark[3] : c->g->spark[0];
	int level = (int)((double)(v - lo) * 7.0 / (double)(hi - lo) + 0.5);
	return c->g->spark[TL_MAX(0, TL_MIN(7, level))];
}

/* The counts the histogram shows: the last sample's, or with a filter the
 * tracker's open connections that match it (the history, and with it the
 * rates and sparklines, holds all sockets). */
static const uint32_t *hist_counts(const struct tl_ui *ui, const struct tl_ui_input *in,
				   uint32_t *fcount)
{
	const struct tl_history_sample *last = tl_history_last(in->history);
	if (!ui->filter || !in->tracker)
		return last ? last->h.count : NULL;
	size_t nc;
	const struct tl_conn *cs = tl_tracker_view(in->tracker, &nc);
	memset(fcount, 0, TL_TCP_NSTATES * sizeof(*fcount));
	for (size_t i = 0; i < nc; i++)
		if (cs[i].id && !(cs[i].flags & TL_CONN_GONE) && cs[i].state < TL_TCP_NSTATES &&
		    tl_ui_match(ui, in, &cs[i].sock, cs[i].ns))
			fcount[cs[i].state]++;
	return fcount;
}

static bool hist_growing(const struct tl_ui *ui, const struct tl_ui_input *in, int st)
{
	return !ui->filter && in->history && tl_history_flagged(in->history, st);
}

/* The states given a row, in lifecycle order, at most rows of them: those
 * holding sockets, CLOSE-WAIT and TIME-WAIT always (where leaks and churn
 * show) and any state flagged growing; with z every state.  Short of rows,
 * CLOSE-WAIT, TIME-WAIT and the flagged go first, then the fullest.
 * *empty: the empty states left out while z is off. */
static int hist_pick(const struct tl_ui *ui, const struct tl_ui_input *in, const uint32_t *count,
		     int rows, int *shown, int *empty)
{
	int rank[TL_TCP_NSHOWN], n = 0;
	*empty = 0;
	for (int k = 0; k < TL_TCP_NSHOWN; k++) {
		int st = tl_tcp_lifecycle[k];
		uint32_t v = count ? count[st] : 0;
		bool kept =
		    st == TL_TCP_CLOSE_WAIT || st == TL_TCP_TIME_WAIT || hist_growing(ui, in, st);
		rank[k] = kept ? 0 : v ? 1 : ui->hist_all ? 2 : 3;
		*empty += rank[k] == 3;
	}
	bool pick[TL_TCP_NSHOWN] = {false};
	for (int r = 0; r < 3; r++)
		for (;;) { /* within a rank, the fullest first */
			int best = -1;
			for (int k = 0; k < TL_TCP_NSHOWN; k++)
				if (!pick[k] && rank[k] == r &&
				    (best < 0 || (count && count[tl_tcp_lifecycle[k]] >
							       count[tl_tcp_lifecycle[best]])))
					best = k;
			if (best < 0 || n >= rows)
				break;
			pick[best] = true;
			n++;
		}
	n = 0;
	for (int k = 0; k < TL_TCP_NSHOWN; k++)
		if (pick[k])
			shown[n++] = tl_tcp_lifecycle[k];
	return n;
}

/* The rows the histogram would like, its title included: on a stacked
 * screen, its kept states and up to 2/5 of the body for the others
 * (all it can with z). */
static int hist_wanted(const struct tl_ui *ui, const struct tl_ui_input *in, int body)
{
	uint32_t fcount[TL_TCP_NSTATES];
	int shown[TL_TCP_NSHOWN], empty, kept = 0;
	int n = hist_pick(ui, in, hist_counts(ui, in, fcount), TL_TCP_NSHOWN, shown, &empty);
	for (int i = 0; i < n; i++)
		kept += shown[i] == TL_TCP_CLOSE_WAIT || shown[i] == TL_TCP_TIME_WAIT ||
			hist_growing(ui, in, shown[i]);
	return 1 + (body && !ui->hist_all ? TL_MIN(n, TL_MAX(kept, body * 2 / 5 - 1)) : n);
}

/* log2(x) for x >= 1, to 12 binary places: enough for a bar, without libm. */
static double log2_of(double x)
{
	double l = 0, bit = 0.5;
	while (x >= 2) {
		x /= 2;
		l++;
	}
	for (int i = 0; i < 12; i++, bit /= 2) {
		x *= x;
		if (x >= 2) {
			x /= 2;
			l += bit;
		}
	}
	return l;
}

/* A bar of v against max on a log scale, in eighths of a cell: counts
 * from 1 to thousands side by side each get a bar worth reading. */
static int log_bar(struct tl_canvas *c, int x, int y, int w, uint32_t v, uint32_t max, int style)
{
	if (!v || w <= 0)
		return 0;
	double f = max > 1 ? log2_of(1.0 + v) / log2_of(1.0 + max) : 1.0;
	int e = TL_MAX(1, (int)(f * w * 8 + 0.5));
	if (c->g->ascii) /* whole cells: its partial glyphs below a half are blank */
		e = TL_MAX(8, (e + 4) / 8 * 8);
	for (int b = 0; b < e / 8; b++)
		tl_canvas_put(c, x + b, y, c->g->bar_full, style);
	if (e % 8)
		tl_canvas_put(c, x + e / 8, y, c->g->bar_part[e % 8 - 1], style);
	return (e + 7) / 8;
}

void tl_ui_draw_hist(struct tl_canvas *c, const struct tl_rect *r, const struct tl_ui *ui,
		     const struct tl_ui_input *in)
{
	const struct tl_history_sample *last = tl_history_last(in->history);
	uint32_t fcount[TL_TCP_NSTATES];
	const uint32_t *count = hist_counts(ui, in, fcount);
	int shown[TL_TCP_NSHOWN], empty;
	int n = hist_pick(ui, in, count, TL_MAX(0, r->h - 1), shown, &empty);
	char t[160], hid[48] = "";
	int hidden = TL_TCP_NSHOWN - n;
	if (hidden && r->h > 1)
		snprintf(hid, sizeof(hid), "  %d%s hidden%s", hidden,
			 hidden == empty ? " empty" : "", empty ? " (z)" : "");
	else if (ui->hist_all)
		snprintf(hid, sizeof(hid), "  z hides empty");
	if (ui->filter)
		snprintf(t, sizeof(t), " States matching the filter%s%s ",
			 ui->collapsed[TL_PANE_HIST] ? " (1 to expand)" : "  bars log scale",
			 ui->collapsed[TL_PANE_HIST] ? "" : hid);
	else
		snprintf(t, sizeof(t), " States of %u sockets%s%s ", last ? last->h.total : 0,
			 ui->collapsed[TL_PANE_HIST] ? " (1 to expand)" : "  bars log scale",
			 ui->collapsed[TL_PANE_HIST] ? "" : hid);
	tl_ui_title(c, r, ui->focus == TL_PANE_HIST, t);
	if (ui->collapsed[TL_PANE_HIST] || r->h < 2)
		return;
	uint32_t max = 1;
	for (int k = 0; k < TL_TCP_NSHOWN; k++)
		if (count && count[tl_tcp_lifecycle[k]] > max)
			max = count[tl_tcp_lifecycle[k]];
	int sparkw = ui->filter ? 0 : r->w >= 70 ? TL_MIN(30, r->w / 4) : r->w >= 50 ? 12 : 0;
	int ratew = !ui->filter && r->w >= 50 ? 9 : 0;
	int barw = r->w - 12 - 8 - ratew - (sparkw ? sparkw + 1 : 0) - 1;
	long series[64];
	for (int i = 0; i < n; i++) {
		int st = shown[i], y = r->y + 1 + i;
		uint32_t v = count ? count[st] : 0;
		bool grow =
		    (st == TL_TCP_CLOSE_WAIT || st == TL_TCP_TIME_WAIT) && hist_growing(ui, in, st);
		int style = st == TL_TCP_CLOSE_WAIT  ? (grow ? TL_ST_BAD
							: v  ? TL_ST_WARN
							     : TL_ST_BAR)
			    : st == TL_TCP_TIME_WAIT ? (grow ? TL_ST_BAD : TL_ST_BAR_TW)
						     : TL_ST_BAR;
		tl_canvas_text(c, r->x + 1, y, 11, v ? TL_ST_BOLD : TL_ST_DIM,
			       tl_tcp_state_name(st));
		tl_canvas_printf(c, r->x + 12, y, 7, v ? TL_ST_NORMAL : TL_ST_DIM, "%7u", v);
		int x = r->x + 20;
		if (barw > 0) {
			/* the arrow of a growing state keeps a cell of its own */
			int len = log_bar(c, x, y, grow ? barw - 1 : barw, v, max, style);
			if (grow)
				tl_canvas_put(c, x + len, y, c->g->up, TL_ST_BAD);
			x += barw + 1;
		}
		if (ratew) {
			double rate = tl_history_rate(in->history, st, RATE_WINDOW);
			if (rate > 0.05 || rate < -0.05)
				tl_canvas_printf(c, x, y, ratew, grow ? TL_ST_BAD : TL_ST_NORMAL,
						 "%+7.1f/s", rate);
			x += ratew;
		}
		if (sparkw) {
			int w = TL_MIN(sparkw, 64);
			tl_history_series(in->history, st, tl_ui_data_now(in), SPARK_SPAN, w,
					  series);
			long hi = 0;
			for (int b = 0; b < w; b++)
				hi = series[b] > hi ? series[b] : hi;
			for (int b = 0; b < w; b++)
				tl_canvas_put(c, x + 1 + b, y, spark_glyph(c, series[b], 0, hi),
					      grow ? TL_ST_BAD : TL_ST_DIM);
		}
	}
}

static void event_line(struct tl_canvas *c, int x, int y, int w, const struct tl_event *ev,
		       const struct tl_ui_input *in, bool show_time)
{
	char l[64], rm[64], line[256], stamp[32] = "";
	tl_uirows_fmt_addr(&ev->sock, true, l, sizeof(l));
	tl_uirows_fmt_addr(&ev->sock, false, rm, sizeof(rm));
	if (show_time) {
		time_t s = (time_t)ev->wall;
		struct tm tm;
		if (in->utc)
			gmtime_r(&s, &tm);
		else
			localtime_r(&s, &tm);
		char hms[16];
		strftime(hms, sizeof(hms), "%H:%M:%S", &tm);
		int ms = (int)((ev->wall - (double)s) * 1000.0); /* as --events prints it */
		snprintf(stamp, sizeof(stamp), "%s.%03d ", hms, ms < 0 || ms > 999 ? 0 : ms);
	}
	const char *seg = tl_segment_name(ev->segment), *dir = tl_dir_name(ev->dir);
	/* "(inferred)" is written whatever the width, since a dim style alone
	 * is lost to NO_COLOR and copy-paste: the line gives way to it, first
	 * its wide gaps, then its end */
	int mark = ev->inferred ? 11 : 0;
	/* a retransmission changes no state: "SYN-SENT  SYN out #2" */
	bool re = ev->kind == TL_EV_RETRANSMIT;
	char nth[16] = "";
	if (re)
		snprintf(nth, sizeof(nth), " #%u", (unsigned)ev->retrans);
	for (int pass = 0; pass < 3; pass++) {
		const char *gap = pass ? " " : "  ";
		if (pass == 2) { /* still too wide: the ports alone */
			snprintf(l, sizeof(l), ":%u", (unsigned)ev->sock.lport);
			snprintf(rm, sizeof(rm), ":%u", (unsigned)ev->sock.rport);
		}
		snprintf(line, sizeof(line), "%s%s %s %s%s%s%s%s%s%s%s%s%s", stamp, l,
			 c->g->to_narrow, rm, gap,
			 ev->kind == TL_EV_OPEN ? "new" : tl_tcp_state_name(ev->from),
			 re || pass == 2 ? "" : " ", re ? "" : c->g->to, re || pass == 2 ? "" : " ",
			 re ? "" : tl_tcp_state_name(ev->to), seg ? gap : "", seg ? seg : "",
			 dir ? " " : "");
		snprintf(line + strlen(line), sizeof(line) - strlen(line), "%s%s", dir ? dir : "",
			 nth);
		if (tl_canvas_text_width(c, line) + mark <= w)
			break;
	}
	int used = tl_canvas_text(c, x, y, w > mark ? w - mark : 0,
				  ev->inferred ? TL_ST_INFERRED : TL_ST_NORMAL, line);
	if (ev->inferred)
		tl_canvas_text(c, x + used + 1, y, w - used - 1, TL_ST_INFERRED, "(inferred)");
}

/* Oldest at the top, the newest at the bottom, as --events prints them:
 * live it follows the newest; frozen it shows the copy from ev_top. */
size_t tl_ui_events_shown(const struct tl_ui *ui, const struct tl_ui_input *in,
			  const struct tl_evlog *log, size_t *at, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; log && i < log->n; i++)
		if (tl_ui_match(ui, in, &tl_evlog_at(log, i)->sock, tl_evlog_at(log, i)->ns)) {
			if (n < len)
				at[n] = i;
			n++;
		}
	return n;
}

static void draw_events(struct tl_canvas *c, const struct tl_rect *r, struct tl_ui *ui,
			const struct tl_ui_input *in)
{
	const struct tl_evlog *log = ui->frozen ? &ui->frz_log : in->log;
	size_t *at = log ? tl_calloc(log->n + 1, sizeof(*at)) : NULL;
	size_t rows = r->h > 1 ? (size_t)(r->h - 1) : 0;
	size_t n = tl_ui_events_shown(ui, in, log, at, log ? log->n : 0);
	size_t last_top = n > rows ? n - rows : 0;
	if (!ui->frozen || ui->ev_top > last_top)
		ui->ev_top = last_top;
	char t[128], kept[48] = "";
	if (ui->filter)
		snprintf(kept, sizeof(kept), "  %zu kept match the filter", n);
	if (ui->frozen && ui->ev_top != last_top) /* scrolled back: where to */
		snprintf(t, sizeof(t), " Events %llu  %zu-%zu of %zu %s ",
			 (unsigned long long)log->total, ui->ev_top + 1, ui->ev_top + rows, n,
			 ui->filter ? "matching" : "kept");
	else
		snprintf(t, sizeof(t), " Events %llu%s ",
			 (unsigned long long)(log ? log->total : 0), kept);
	tl_ui_title(c, r, ui->focus == TL_PANE_EVENTS, t);
	if (!ui->collapsed[TL_PANE_EVENTS] && log) {
		for (size_t row = 0; row < rows && ui->ev_top + row < n; row++)
			event_line(c, r->x + 1, r->y + 1 + (int)row, r->w - 2,
				   tl_evlog_at(log, at[ui->ev_top + row]), in,
				   r->w >= 80); /* narrower, the change matters more */
		if (!n)
			tl_canvas_text(c, r->x + 2, r->y + 1, r->w - 3, TL_ST_DIM,
				       log->n ? "no event matches the filter"
					      : "no state changes yet");
	}
	free(at);
}

static void draw_footer(struct tl_canvas *c, const struct tl_ui *ui)
{
	int y = c->h - 1;
	tl_canvas_fill(c, 0, y, c->w, 1, ' ', TL_ST_NORMAL);
	if (ui->prompt == TL_PROMPT_SORT) { /* the sort menu (F6) */
		int x = tl_canvas_text(c, 0, y, c->w, TL_ST_KEY, "Sort by: ");
		for (int s = 0; s < TL_SORT_N && x < c->w; s++)
			x += tl_canvas_printf(c, x, y, c->w - x,
					      s == ui->menu_sel ? TL_ST_SELECTED : TL_ST_NORMAL,
					      " %s ", tl_uirows_sort_name(s));
		tl_canvas_text(c, x + 1, y, c->w - x - 1, TL_ST_DIM, "Enter: sort  Esc: keep");
		return;
	}
	if (ui->prompt != TL_PROMPT_NONE) {
		int x = tl_canvas_text(c, 0, y, c->w, TL_ST_KEY,
				       ui->prompt == TL_PROMPT_SEARCH ? "Search: " : "Filter: ");
		/* the line, and the cursor on the character it is at */
		char before[256];
		size_t cur = TL_MIN(ui->input_cur, ui->input_len);
		memcpy(before, ui->input, cur);
		before[cur] = '\0';
		x += tl_canvas_text(c, x, y, c->w - x, TL_ST_NORMAL, before);
		size_t next = cur + 1;
		while (next < ui->input_len && (ui->input[next] & 0xc0) == 0x80)
			next++;
		char at[8] = " ";
		if (cur < ui->input_len) {
			memcpy(at, ui->input + cur, next - cur);
			at[next - cur] = '\0';
		}
		x += tl_canvas_text(c, x, y, c->w - x, TL_ST_SELECTED, at);
		if (cur < ui->input_len)
			x += tl_canvas_text(c, x, y, c->w - x, TL_ST_NORMAL, ui->input + next);
		if (ui->message)
			tl_canvas_text(c, x + 2, y, c->w - x - 2, TL_ST_BAD, ui->message);
		return;
	}
	if (ui->message) {
		tl_canvas_text(c, 0, y, c->w, TL_ST_WARN, ui->message);
		return;
	}
	/* as htop's; short of room the least needed go (a higher drop) */
	static const struct {
		const char *key, *what;
		int drop;
	} keys[] = {
	    {"F1", "Help", 0},      {"F2", "Setup", 3}, {"F3", "Search", 0},    {"F4", "Filter", 0},
	    {"F5", "Group", 4},     {"F6", "Sort", 0},  {"Space", "Freeze", 0}, {"+-", "Delay", 6},
	    {"Enter", "Detail", 0}, {"Tab", "Pane", 5}, {"F10", "Quit", 0},
	};
	int need = 0, drop = 7;
	for (size_t i = 0; i < TL_ARRAY_SIZE(keys); i++)
		need += (int)(strlen(keys[i].key) + strlen(keys[i].what)) + 1;
	while (drop > 3 && need > c->w) {
		drop--;
		for (size_t i = 0; i < TL_ARRAY_SIZE(keys); i++)
			if (keys[i].drop == drop)
				need -= (int)(strlen(keys[i].key) + strlen(keys[i].what)) + 1;
	}
	int x = 0;
	for (size_t i = 0; i < TL_ARRAY_SIZE(keys) && x < c->w; i++) {
		if (keys[i].drop >= drop)
			continue;
		x += tl_canvas_text(c, x, y, c->w - x, TL_ST_KEY, keys[i].key);
		x += tl_canvas_text(c, x, y, c->w - x, TL_ST_NORMAL, keys[i].what);
		x += tl_canvas_text(c, x, y, c->w - x, TL_ST_NORMAL, " ");
	}
}

/* Stacked when narrow; side by side when wide.  The histogram takes the
 * rows its states need (hist_want, its title included); collapsed panes
 * keep their title line and give the rest of their room to the others. */
static void layout(struct tl_ui *ui, int w, int h, int hist_want)
{
	int top = 1, body = h - 2;
	bool *col = ui->collapsed;
	memset(ui->pane, 0, sizeof(ui->pane));
	if (w >= 150) {
		int lw = TL_MIN(w / 2, 80);
		int hist_h = col[TL_PANE_HIST] ? 1 : TL_MIN(hist_want, body - 4);
		if (col[TL_PANE_EVENTS] && !col[TL_PANE_HIST])
			hist_h = body - 1;
		ui->pane[TL_PANE_HIST] = (struct tl_rect){0, top, lw, hist_h};
		ui->pane[TL_PANE_EVENTS] = (struct tl_rect){0, top + hist_h, lw, body - hist_h};
		ui->pane[TL_PANE_TABLE] = (struct tl_rect){lw + 1, top, w - lw - 1, body};
		if (col[TL_PANE_TABLE]) { /* the left column takes the whole width */
			ui->pane[TL_PANE_HIST].w = ui->pane[TL_PANE_EVENTS].w = w;
			ui->pane[TL_PANE_TABLE] = (struct tl_rect){0, top + body - 1, w, 1};
			ui->pane[TL_PANE_EVENTS].h = body - hist_h - 1;
		}
		return;
	}
	int ev_h = col[TL_PANE_EVENTS] ? 1 : TL_MAX(3, TL_MIN(8, body / 4));
	int hist_h = col[TL_PANE_HIST] ? 1 : hist_want;
	int min_table = col[TL_PANE_TABLE] ? 1 : 4;
	if (hist_h + ev_h + min_table > body && !col[TL_PANE_EVENTS])
		ev_h = TL_MAX(2, body - hist_h - min_table);
	if (hist_h + ev_h + min_table > body && !col[TL_PANE_HIST])
		hist_h = TL_MAX(2, body - ev_h - min_table);
	int table_h = col[TL_PANE_TABLE] ? 1 : body - hist_h - ev_h;
	if (col[TL_PANE_TABLE] && col[TL_PANE_EVENTS] && !col[TL_PANE_HIST])
		hist_h = body - table_h - ev_h; /* the histogram shows what it can */
	else if (col[TL_PANE_TABLE])            /* give the rest to the events */
		ev_h = body - hist_h - table_h;
	ui->pane[TL_PANE_HIST] = (struct tl_rect){0, top, w, hist_h};
	ui->pane[TL_PANE_TABLE] = (struct tl_rect){0, top + hist_h, w, table_h};
	ui->pane[TL_PANE_EVENTS] = (struct tl_rect){0, top + hist_h + table_h, w, ev_h};
}

static void draw_live(struct tl_ui *ui, struct tl_canvas *c, const struct tl_ui_input *in)
{
	if (c->w < TL_UI_MIN_W || c->h < TL_UI_MIN_H) {
		char msg[80];
		snprintf(msg, sizeof(msg), "terminal too small (%dx%d)", c->w, c->h);
		int y = c->h / 2 - 1;
		tl_canvas_text(c, TL_MAX(0, (c->w - (int)strlen(msg)) / 2), TL_MAX(0, y), c->w,
			       TL_ST_BOLD, msg);
		snprintf(msg, sizeof(msg), "need %dx%d; q quits", TL_UI_MIN_W, TL_UI_MIN_H);
		tl_canvas_text(c, TL_MAX(0, (c->w - (int)strlen(msg)) / 2), y + 1, c->w, TL_ST_DIM,
			       msg);
		memset(ui->pane, 0, sizeof(ui->pane));
		return;
	}
	tl_uinetns_sync(ui, in);
	if (tl_uirows_stale(ui, in))
		tl_ui_refresh_rows(ui, in);
	if (ui->screen == TL_SCREEN_HELP) {
		tl_uihelp_draw(ui, c);
		return;
	}
	if (ui->screen == TL_SCREEN_DETAIL) {
		tl_uidetail_draw(c, ui, in);
		draw_replay_tag(c, in);
		return;
	}
	if (ui->screen == TL_SCREEN_LEAKS) {
		tl_uileaks_draw(c, ui, in);
		draw_replay_tag(c, in);
		return;
	}
	if (ui->screen == TL_SCREEN_NETNS) {
		tl_uinetns_draw(c, ui, in);
		return;
	}
	if (ui->screen == TL_SCREEN_SETUP) {
		tl_uisetup_draw(c, ui, in);
		return;
	}
	layout(ui, c->w, c->h, hist_wanted(ui, in, c->w >= 150 ? 0 : c->h - 2));
	draw_header(c, in, ui);
	tl_ui_draw_hist(c, &ui->pane[TL_PANE_HIST], ui, in);
	tl_uitable_draw(c, &ui->pane[TL_PANE_TABLE], ui, in);
	draw_events(c, &ui->pane[TL_PANE_EVENTS], ui, in);
	if (ui->pane[TL_PANE_TABLE].x > 0)
		for (int y = 1; y < c->h - 1; y++)
			tl_canvas_put(c, ui->pane[TL_PANE_TABLE].x - 1, y, c->g->vline,
				      TL_ST_TITLE);
	draw_footer(c, ui);
}

void tl_ui_tick(struct tl_ui *ui, const struct tl_ui_input *in, int w, int h)
{
	if (ui->screen == TL_SCREEN_DETAIL && !ui->frozen && w >= TL_UI_MIN_W && h >= TL_UI_MIN_H)
		tl_uidetail_tick(ui, in, w, h);
}

/* Frozen, the screen drawn at the freeze is shown again, with the events
 * pane (scrolled in the frozen copy), the footer and the count of what is
 * new drawn over it.  A resize or another screen draws it afresh. */
void tl_ui_draw(struct tl_ui *ui, struct tl_canvas *c, const struct tl_ui_input *in)
{
	tl_canvas_clear(c);
	bool small = c->w < TL_UI_MIN_W || c->h < TL_UI_MIN_H;
	if (!ui->frozen || small || ui->screen == TL_SCREEN_HELP) {
		draw_live(ui, c, in);
		return;
	}
	size_t cells = (size_t)c->w * (size_t)c->h;
	if (ui->frz_cells && ui->frz_w == c->w && ui->frz_h == c->h &&
	    ui->frz_screen == ui->screen) {
		memcpy(c->cells, ui->frz_cells, cells * sizeof(*c->cells));
	} else {
		draw_live(ui, c, in);
		free(ui->frz_cells);
		ui->frz_cells = tl_malloc(cells * sizeof(*c->cells));
		memcpy(ui->frz_cells, c->cells, cells * sizeof(*c->cells));
		ui->frz_w = c->w;
		ui->frz_h = c->h;
		ui->frz_screen = ui->screen;
	}
	if (ui->screen == TL_SCREEN_MAIN) {
		const struct tl_rect *r = &ui->pane[TL_PANE_EVENTS];
		tl_canvas_fill(c, r->x, r->y, r->w, r->h, ' ', TL_ST_NORMAL);
		draw_events(c, r, ui, in);
		draw_footer(c, ui);
	}
	draw_frozen_tag(c, ui, in);
}
