/* ui: state, keys, layout and panes of the interactive view. */
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

#define SEC 1000000000ULL
#define SPARK_SPAN (120 * SEC) /* the sparklines cover the last two minutes */
#define RATE_WINDOW (10 * SEC)

static const char *const sort_names[TL_SORT_N] = {"STATE",    "LOCAL",  "REMOTE", "AGE",
						  "IN-STATE", "RECV-Q", "SEND-Q", "RTT"};

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
}

void tl_ui_fini(struct tl_ui *ui)
{
	free(ui->rows);
	free(ui->message);
	tl_ladder_free(ui->ladder);
	tl_filter_free(ui->filter);
	memset(ui, 0, sizeof(*ui));
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

/* ---- rows ---- */

/* Sorting 100k rows after every sample must be cheap: each row gets a
 * precomputed key (three words compared in order), so the comparison
 * never chases pointers. */
struct row_key {
	uint64_t k[3];
	uint32_t slot;
};

static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void addr_key(const struct tl_sock *s, bool local, uint64_t k[3])
{
	const uint8_t *a = local ? s->local : s->remote;
	uint16_t port = local ? s->lport : s->rport;
	if (s->family == AF_INET) {
		k[0] = (uint64_t)a[0] << 24 | (uint64_t)a[1] << 16 | (uint64_t)a[2] << 8 | a[3];
		k[1] = port;
	} else {
		k[0] = 1ULL << 63 | be64(a) >> 1;
		k[1] = (be64(a + 8) >> 1) << 16 | port;
	}
}

static void make_key(const struct tl_conn *c, int sort, struct row_key *rk)
{
	static uint8_t rank[TL_TCP_NSTATES];
	static bool ranked;
	uint64_t tie[3];

	if (!ranked) {
		memset(rank, TL_TCP_NSHOWN, sizeof(rank));
		for (int i = 0; i < TL_TCP_NSHOWN; i++)
			rank[tl_tcp_lifecycle[i]] = (uint8_t)i;
		ranked = true;
	}
	addr_key(&c->sock, true, tie);
	rk->k[1] = tie[0];
	rk->k[2] = tie[1] << 32 | c->id;
	switch (sort) {
	case TL_SORT_STATE:
		rk->k[0] = c->state < TL_TCP_NSTATES ? rank[c->state] : TL_TCP_NSHOWN;
		break;
	case TL_SORT_LOCAL:
		addr_key(&c->sock, true, rk->k);
		rk->k[2] = c->id;
		break;
	case TL_SORT_REMOTE:
		addr_key(&c->sock, false, rk->k);
		rk->k[2] = c->id;
		break;
	case TL_SORT_AGE: /* oldest first */
		rk->k[0] = c->first_seen_ns;
		break;
	case TL_SORT_INSTATE:
		rk->k[0] = c->state_since_ns;
		break;
	case TL_SORT_RECVQ: /* biggest first */
		rk->k[0] = ~(uint64_t)c->sock.rqueue;
		break;
	case TL_SORT_SENDQ:
		rk->k[0] = ~(uint64_t)c->sock.wqueue;
		break;
	case TL_SORT_RTT:
		rk->k[0] = ~(uint64_t)c->sock.info.rtt_us;
		break;
	}
}

static int key_cmp(const void *pa, const void *pb)
{
	const struct row_key *a = pa, *b = pb;
	for (int i = 0; i < 3; i++)
		if (a->k[i] != b->k[i])
			return a->k[i] < b->k[i] ? -1 : 1;
	return 0;
}

static void fmt_addr(const struct tl_sock *s, bool local, char *out, size_t len)
{
	tl_sock_format_addr(s->family, local ? s->local : s->remote, local ? s->lport : s->rport,
			    out, len);
}

/* Plain text search over what a row shows. */
static bool row_has_text(const struct tl_conn *c, const char *text)
{
	char a[64];
	if (!*text)
		return true;
	fmt_addr(&c->sock, true, a, sizeof(a));
	if (strstr(a, text))
		return true;
	fmt_addr(&c->sock, false, a, sizeof(a));
	if (strstr(a, text))
		return true;
	return strcasestr(tl_tcp_state_name(c->state), text) != NULL;
}

void tl_ui_refresh_rows(struct tl_ui *ui, const struct tl_ui_input *in)
{
	size_t n;
	const struct tl_conn *conns = tl_tracker_conns((struct tl_tracker *)in->tracker, &n);

	if (ui->cap_rows < n) {
		ui->cap_rows = n;
		ui->rows = tl_reallocarray(ui->rows, n ? n : 1, sizeof(*ui->rows));
	}
	struct row_key *keys = tl_calloc(n ? n : 1, sizeof(*keys));
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const struct tl_conn *c = &conns[i];
		if (!c->id)
			continue;
		if (ui->filter && !tl_filter_match(ui->filter, &c->sock))
			continue;
		make_key(c, ui->sort, &keys[k]);
		keys[k++].slot = (uint32_t)i;
	}
	qsort(keys, k, sizeof(*keys), key_cmp);
	for (size_t i = 0; i < k; i++)
		ui->rows[i] = keys[ui->sort_desc ? k - 1 - i : i].slot;
	ui->n_rows = k;
	free(keys);
	/* Keep the selection on the same connection. */
	ui->sel = ui->n_rows ? TL_MIN(ui->sel, ui->n_rows - 1) : 0;
	if (ui->sel_id)
		for (size_t i = 0; i < ui->n_rows; i++)
			if (conns[ui->rows[i]].id == ui->sel_id) {
				ui->sel = i;
				break;
			}
	if (ui->n_rows)
		ui->sel_id = conns[ui->rows[ui->sel]].id;
	ui->rows_dirty = false;
	ui->rows_generation = tl_tracker_generation(in->tracker);
}

static const struct tl_conn *selected(const struct tl_ui *ui, const struct tl_ui_input *in)
{
	size_t n;
	const struct tl_conn *conns = tl_tracker_conns((struct tl_tracker *)in->tracker, &n);
	if (!ui->n_rows || ui->sel >= ui->n_rows || ui->rows[ui->sel] >= n)
		return NULL;
	return &conns[ui->rows[ui->sel]];
}

static void select_row(struct tl_ui *ui, size_t i, const struct tl_ui_input *in)
{
	if (!ui->n_rows)
		return;
	ui->sel = TL_MIN(i, ui->n_rows - 1);
	const struct tl_conn *c = selected(ui, in);
	ui->sel_id = c ? c->id : 0;
}

/* Move the selection to the next row (from `from`) matching the search. */
static bool search_from(struct tl_ui *ui, size_t from, const struct tl_ui_input *in)
{
	size_t n;
	const struct tl_conn *conns = tl_tracker_conns((struct tl_tracker *)in->tracker, &n);
	for (size_t k = 0; k < ui->n_rows; k++) {
		size_t i = (from + k) % ui->n_rows;
		if (row_has_text(&conns[ui->rows[i]], ui->search)) {
			select_row(ui, i, in);
			return true;
		}
	}
	return false;
}

/* ---- keys ---- */

static void apply_filter_text(struct tl_ui *ui)
{
	char *cause = NULL;
	struct tl_filter *f = NULL;

	if (ui->input_len) {
		f = tl_filter_parse(ui->input, &cause);
		if (!f) {
			char msg[400];
			snprintf(msg, sizeof(msg), "filter: %s", cause ? cause : "invalid");
			tl_ui_message(ui, msg);
			free(cause);
			return; /* keep the prompt open to fix it */
		}
	}
	tl_filter_free(ui->filter);
	ui->filter = f;
	snprintf(ui->filter_text, sizeof(ui->filter_text), "%s", f ? tl_filter_text(f) : "");
	ui->prompt = TL_PROMPT_NONE;
	tl_ui_message(ui, NULL);
	ui->rows_dirty = true;
	ui->sel = ui->top = 0;
}

static bool prompt_key(struct tl_ui *ui, int key, const struct tl_ui_input *in)
{
	if (key == TL_KEY_ESC) {
		ui->prompt = TL_PROMPT_NONE;
		tl_ui_message(ui, NULL);
		return true;
	}
	if (key == TL_KEY_ENTER) {
		if (ui->prompt == TL_PROMPT_FILTER)
			apply_filter_text(ui);
		else
			ui->prompt = TL_PROMPT_NONE;
		return true;
	}
	if (key == TL_KEY_BACKSPACE) {
		if (ui->input_len) {
			/* drop a whole UTF-8 sequence */
			do
				ui->input_len--;
			while (ui->input_len && (ui->input[ui->input_len] & 0xc0) == 0x80);
			ui->input[ui->input_len] = '\0';
		}
	} else if (key == TL_KEY_F3 && ui->prompt == TL_PROMPT_SEARCH) {
		search_from(ui, ui->sel + 1, in);
		return true;
	} else if (key >= 0x20 && key < 0x110000 && key != 0x7f) {
		char enc[4];
		int n = tl_utf8_write((uint32_t)key, enc);
		if (ui->input_len + (size_t)n < sizeof(ui->input)) {
			memcpy(ui->input + ui->input_len, enc, (size_t)n);
			ui->input_len += (size_t)n;
			ui->input[ui->input_len] = '\0';
		}
	} else {
		return false;
	}
	if (ui->prompt == TL_PROMPT_SEARCH) {
		snprintf(ui->search, sizeof(ui->search), "%s", ui->input);
		if (!search_from(ui, ui->sel, in) && ui->input_len)
			tl_ui_message(ui, "no match");
		else
			tl_ui_message(ui, NULL);
	}
	return true;
}

static void move_sel(struct tl_ui *ui, long delta, const struct tl_ui_input *in)
{
	if (!ui->n_rows)
		return;
	long i = (long)ui->sel + delta;
	if (i < 0)
		i = 0;
	select_row(ui, (size_t)i, in);
}

static void move_events(struct tl_ui *ui, long delta, const struct tl_ui_input *in)
{
	long top = (long)ui->ev_top - delta; /* newest first: down goes older */
	long max = in->log && in->log->n ? (long)in->log->n - 1 : 0;
	ui->ev_top = (size_t)(top < 0 ? 0 : top > max ? max : top);
}

bool tl_ui_key(struct tl_ui *ui, int key, const struct tl_ui_input *in)
{
	if (ui->prompt != TL_PROMPT_NONE && prompt_key(ui, key, in))
		return true;
	if (ui->screen == TL_SCREEN_HELP) {
		if (key == 'q' || key == TL_KEY_ESC || key == TL_KEY_F1 || key == 'h' || key == '?' ||
		    key == TL_KEY_ENTER)
			ui->screen = TL_SCREEN_MAIN;
		else if (key == TL_KEY_F10)
			ui->quit = true;
		return true;
	}
	if (ui->screen == TL_SCREEN_LEAKS) {
		if (key == 'q' || key == TL_KEY_ESC || key == 'L' || key == 'l' || key == TL_KEY_ENTER)
			ui->screen = TL_SCREEN_MAIN;
		else if (key == TL_KEY_F10)
			ui->quit = true;
		else if (key == ' ')
			ui->toggle_pause = true;
		return true;
	}
	if (ui->screen == TL_SCREEN_DETAIL) {
		size_t steps = ui->ladder ? tl_ladder_steps(ui->ladder) : 0;
		switch (key) {
		case 'q':
		case TL_KEY_ESC:
		case TL_KEY_LEFT:
			ui->screen = TL_SCREEN_MAIN;
			break;
		case TL_KEY_F10:
			ui->quit = true;
			break;
		case ' ':
			ui->toggle_pause = true;
			break;
		case TL_KEY_UP:
		case 'k':
			if (ui->lad_sel < 0)
				ui->lad_sel = steps ? (int)steps - 1 : 0;
			if (ui->lad_sel > 0)
				ui->lad_sel--;
			break;
		case TL_KEY_DOWN:
		case 'j':
			/* past the last step: follow the newest again */
			if (ui->lad_sel >= 0 && (size_t)ui->lad_sel + 1 < steps)
				ui->lad_sel++;
			else
				ui->lad_sel = -1;
			break;
		case TL_KEY_HOME:
			ui->lad_sel = 0;
			break;
		case TL_KEY_END:
			ui->lad_sel = -1;
			break;
		case 'm': { /* mark: the pane then shows the time between */
			int cur = ui->lad_sel >= 0 ? ui->lad_sel : steps ? (int)steps - 1 : 0;
			ui->lad_mark = ui->lad_mark == cur ? -1 : cur;
			break;
		}
		case 'e':
		case TL_KEY_ENTER:
			ui->lad_explain = !ui->lad_explain;
			break;
		case 'w': /* why: the lab scenario's lesson, and back */
			if (!tl_scenario_name(ui->lab_scenario))
				return false;
			ui->lab_lesson = !ui->lab_lesson;
			break;
		case 'r': /* replay the connection from its first step */
			ui->lad_replay = true;
			ui->lad_shown = 0;
			ui->lad_next = 0;
			ui->lad_paused = false;
			break;
		case 'p':
			ui->lad_paused = !ui->lad_paused;
			break;
		case 's':
		case '.':
			/* one step of the replay */
			if (ui->lad_replay) {
				ui->lad_paused = true;
				ui->lad_shown++;
			}
			break;
		case '[':
			ui->anim_ns = TL_MIN(ui->anim_ns * 2, 8000000000ULL);
			break;
		case ']':
			ui->anim_ns = TL_MAX(ui->anim_ns / 2, 75000000ULL);
			break;
		default:
			return false;
		}
		return true;
	}
	int page = ui->table_visible > 1 ? ui->table_visible - 1 : 10;
	switch (key) {
	case 'q':
	case TL_KEY_F10:
		ui->quit = true;
		break;
	case TL_KEY_F1:
	case 'h':
	case '?':
		ui->screen = TL_SCREEN_HELP;
		break;
	case 'L':
	case 'l':
		ui->screen = TL_SCREEN_LEAKS;
		break;
	case '/':
	case TL_KEY_F3:
		ui->prompt = TL_PROMPT_SEARCH;
		ui->input_len = 0;
		ui->input[0] = '\0';
		ui->focus = TL_PANE_TABLE;
		break;
	case 'n':
		if (*ui->search && !search_from(ui, ui->sel + 1, in))
			tl_ui_message(ui, "no match");
		break;
	case TL_KEY_F4:
	case '\\':
		ui->prompt = TL_PROMPT_FILTER;
		snprintf(ui->input, sizeof(ui->input), "%s", ui->filter_text);
		ui->input_len = strlen(ui->input);
		break;
	case TL_KEY_F6:
	case '>':
	case '.':
		ui->sort = (ui->sort + 1) % TL_SORT_N;
		ui->rows_dirty = true;
		break;
	case '<':
	case ',':
		ui->sort = (ui->sort + TL_SORT_N - 1) % TL_SORT_N;
		ui->rows_dirty = true;
		break;
	case 'I':
		ui->sort_desc = !ui->sort_desc;
		ui->rows_dirty = true;
		break;
	case ' ':
		ui->toggle_pause = true;
		break;
	case '+':
	case '=':
		ui->delay_step = 1;
		break;
	case '-':
		ui->delay_step = -1;
		break;
	case TL_KEY_TAB:
	case TL_KEY_BTAB:
		for (int k = 0; k < TL_PANE_N; k++) {
			ui->focus = (ui->focus + (key == TL_KEY_TAB ? 1 : TL_PANE_N - 1)) % TL_PANE_N;
			if (!ui->collapsed[ui->focus])
				break;
		}
		break;
	case '1':
	case '2':
	case '3':
		ui->collapsed[key - '1'] = !ui->collapsed[key - '1'];
		break;
	case TL_KEY_ENTER:
		if (ui->focus == TL_PANE_TABLE && selected(ui, in)) {
			ui->detail_id = selected(ui, in)->id;
			ui->screen = TL_SCREEN_DETAIL;
			ui->lad_sel = -1; /* follow the newest step */
			ui->lad_mark = -1;
			ui->lad_scroll = 0;
			ui->lad_steps = 0;
			ui->lad_replay = false;
		}
		break;
	case TL_KEY_UP:
	case 'k':
		if (ui->focus == TL_PANE_EVENTS)
			move_events(ui, -1, in);
		else
			move_sel(ui, -1, in);
		break;
	case TL_KEY_DOWN:
	case 'j':
		if (ui->focus == TL_PANE_EVENTS)
			move_events(ui, 1, in);
		else
			move_sel(ui, 1, in);
		break;
	case TL_KEY_PGUP:
		if (ui->focus == TL_PANE_EVENTS)
			move_events(ui, -page, in);
		else
			move_sel(ui, -page, in);
		break;
	case TL_KEY_PGDN:
		if (ui->focus == TL_PANE_EVENTS)
			move_events(ui, page, in);
		else
			move_sel(ui, page, in);
		break;
	case TL_KEY_HOME:
		if (ui->focus == TL_PANE_EVENTS)
			ui->ev_top = 0;
		else
			select_row(ui, 0, in);
		break;
	case TL_KEY_END:
		if (ui->focus == TL_PANE_EVENTS)
			move_events(ui, 1L << 30, in);
		else if (ui->n_rows)
			select_row(ui, ui->n_rows - 1, in);
		break;
	case TL_KEY_ESC:
		if (ui->message)
			tl_ui_message(ui, NULL);
		break;
	default:
		return false;
	}
	return true;
}

static bool in_rect(const struct tl_rect *r, int x, int y)
{
	return x >= r->x && x < r->x + r->w && y >= r->y && y < r->y + r->h;
}

void tl_ui_click(struct tl_ui *ui, int x, int y, const struct tl_ui_input *in)
{
	if (ui->screen != TL_SCREEN_MAIN)
		return;
	for (int p = 0; p < TL_PANE_N; p++) {
		if (!in_rect(&ui->pane[p], x, y))
			continue;
		ui->focus = p;
		if (p == TL_PANE_TABLE && y >= ui->table_first_y) {
			size_t i = ui->top + (size_t)(y - ui->table_first_y);
			if (i < ui->n_rows)
				select_row(ui, i, in);
		}
		return;
	}
}

/* ---- drawing ---- */

static void title(struct tl_canvas *c, const struct tl_rect *r, bool focus, const char *text)
{
	tl_canvas_fill(c, r->x, r->y, r->w, 1, c->g->hline, focus ? TL_ST_TITLE_FOCUS : TL_ST_TITLE);
	tl_canvas_text(c, r->x + 1, r->y, r->w - 2, focus ? TL_ST_TITLE_FOCUS : TL_ST_TITLE, text);
}

static void draw_header(struct tl_canvas *c, const struct tl_ui_input *in, const struct tl_ui *ui)
{
	char ns[128] = "";
	size_t off = 0;
	for (unsigned i = 0; i < in->n_ns && off < sizeof(ns) - 1; i++)
		off += (size_t)snprintf(ns + off, sizeof(ns) - off, "%s%s", i ? "," : "",
					in->ns_names[i]);
	const struct tl_history_sample *last = tl_history_last(in->history);
	tl_canvas_fill(c, 0, 0, c->w, 1, ' ', TL_ST_HEADER);
	int x = tl_canvas_printf(c, 0, 0, c->w, TL_ST_HEADER,
				 " tcpladder  %s  netns %s  every %.2fs (dump %.1f ms)  TCP %u", in->host,
				 ns, (double)in->stats.interval_ns / 1e9,
				 (double)in->stats.dump_cost_ns / 1e6, last ? last->h.total : 0);
	if (in->stats.paused || ui->toggle_pause)
		x += 2 + tl_canvas_text(c, x + 2, 0, c->w - x - 2, TL_ST_WARN, "PAUSED");
	for (size_t i = 0; i < in->n_leaks; i++)
		if (in->leaks[i].suspect) {
			x += 2 + tl_canvas_text(c, x + 2, 0, c->w - x - 2, TL_ST_BAD, "LEAK? (L)");
			break;
		}
	if (in->tw && in->tw->pressure)
		tl_canvas_text(c, x + 2, 0, c->w - x - 2, TL_ST_BAD, "TIME-WAIT PRESSURE (L)");
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

static void draw_hist(struct tl_canvas *c, const struct tl_rect *r, const struct tl_ui *ui,
		      const struct tl_ui_input *in)
{
	const struct tl_history_sample *last = tl_history_last(in->history);
	char t[128];
	snprintf(t, sizeof(t), " States%s ", ui->collapsed[TL_PANE_HIST] ? " (1 to expand)" : "");
	title(c, r, ui->focus == TL_PANE_HIST, t);
	if (ui->collapsed[TL_PANE_HIST] || r->h < 2)
		return;
	uint32_t max = 1;
	for (int k = 0; k < TL_TCP_NSHOWN; k++)
		if (last && last->h.count[tl_tcp_lifecycle[k]] > max)
			max = last->h.count[tl_tcp_lifecycle[k]];
	/* With too few rows, the states holding sockets are kept first;
	 * shown in lifecycle order either way. */
	int rows = r->h - 1;
	int shown[TL_TCP_NSHOWN], n = 0;
	bool pick[TL_TCP_NSHOWN] = {false};
	for (int pass = 0; pass < 2; pass++)
		for (int k = 0; k < TL_TCP_NSHOWN && n < rows; k++) {
			bool nz = last && last->h.count[tl_tcp_lifecycle[k]] > 0;
			if (!pick[k] && (pass == 1 || nz)) {
				pick[k] = true;
				n++;
			}
		}
	n = 0;
	for (int k = 0; k < TL_TCP_NSHOWN; k++)
		if (pick[k])
			shown[n++] = tl_tcp_lifecycle[k];
	int sparkw = r->w >= 70 ? TL_MIN(30, r->w / 4) : r->w >= 50 ? 12 : 0;
	int ratew = r->w >= 50 ? 9 : 0;
	int barw = r->w - 12 - 8 - ratew - (sparkw ? sparkw + 1 : 0) - 1;
	long series[64];
	for (int i = 0; i < n; i++) {
		int st = shown[i], y = r->y + 1 + i;
		uint32_t v = last ? last->h.count[st] : 0;
		bool grow = (st == TL_TCP_CLOSE_WAIT || st == TL_TCP_TIME_WAIT) &&
			    tl_history_growing(in->history, st, RATE_WINDOW);
		int style = st == TL_TCP_CLOSE_WAIT ? (grow ? TL_ST_BAD : v ? TL_ST_WARN : TL_ST_BAR)
			    : st == TL_TCP_TIME_WAIT ? (grow ? TL_ST_BAD : TL_ST_BAR_TW)
						     : TL_ST_BAR;
		tl_canvas_text(c, r->x + 1, y, 11, v ? TL_ST_BOLD : TL_ST_DIM, tl_tcp_state_name(st));
		tl_canvas_printf(c, r->x + 12, y, 7, v ? TL_ST_NORMAL : TL_ST_DIM, "%7u", v);
		int x = r->x + 20;
		if (barw > 0) {
			int len = (int)((uint64_t)v * (uint64_t)barw / max);
			if (v && !len)
				len = 1;
			for (int b = 0; b < len; b++)
				tl_canvas_put(c, x + b, y, c->g->bar_full, style);
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
			tl_history_series(in->history, st, in->now, SPARK_SPAN, w, series);
			long hi = 0;
			for (int b = 0; b < w; b++)
				hi = series[b] > hi ? series[b] : hi;
			for (int b = 0; b < w; b++)
				tl_canvas_put(c, x + 1 + b, y, spark_glyph(c, series[b], 0, hi),
					      grow ? TL_ST_BAD : TL_ST_DIM);
		}
	}
}

struct column {
	const char *name;
	int w;
	int sort;
	bool right;
};

static void draw_table(struct tl_canvas *c, const struct tl_rect *r, struct tl_ui *ui,
		       const struct tl_ui_input *in)
{
	char t[400];
	snprintf(t, sizeof(t), " Connections %zu%s%s  sort %s%s ", ui->n_rows,
		 *ui->filter_text ? "  filter: " : "", ui->filter_text, sort_names[ui->sort],
		 ui->sort_desc ? " (reversed)" : "");
	title(c, r, ui->focus == TL_PANE_TABLE, t);
	ui->table_first_y = r->y + 2;
	ui->table_visible = 0;
	if (ui->collapsed[TL_PANE_TABLE] || r->h < 3)
		return;
	/* Columns drop from the right as the pane narrows. */
	int addrw = r->w >= 120 ? 30 : r->w >= 90 ? 22 : r->w >= 60 ? 21 : (r->w - 12) / 2;
	struct column cols[] = {
		{"STATE", 11, TL_SORT_STATE, false},  {"LOCAL", addrw, TL_SORT_LOCAL, false},
		{"REMOTE", addrw, TL_SORT_REMOTE, false}, {"AGE", 5, TL_SORT_AGE, true},
		{"IN-ST", 5, TL_SORT_INSTATE, true},  {"RECV-Q", 7, TL_SORT_RECVQ, true},
		{"SEND-Q", 7, TL_SORT_SENDQ, true},   {"RTT ms", 7, TL_SORT_RTT, true},
		{"OWNER", 12, -1, false},
	};
	int ncols = 0, used = 1;
	for (size_t i = 0; i < TL_ARRAY_SIZE(cols); i++) {
		if (used + cols[i].w + (ncols ? 1 : 0) > r->w)
			break;
		used += cols[i].w + (ncols ? 1 : 0);
		ncols++;
	}
	int x = r->x + 1;
	tl_canvas_fill(c, r->x, r->y + 1, r->w, 1, ' ', TL_ST_COLHEAD);
	for (int i = 0; i < ncols; i++) {
		int st = cols[i].sort == ui->sort ? TL_ST_TITLE_FOCUS : TL_ST_COLHEAD;
		if (cols[i].right)
			tl_canvas_printf(c, x, r->y + 1, cols[i].w, st, "%*s", cols[i].w, cols[i].name);
		else
			tl_canvas_text(c, x, r->y + 1, cols[i].w, st, cols[i].name);
		x += cols[i].w + 1;
	}
	int vis = r->h - 2;
	ui->table_visible = vis;
	if (ui->sel < ui->top)
		ui->top = ui->sel;
	if (vis > 0 && ui->sel >= ui->top + (size_t)vis)
		ui->top = ui->sel - (size_t)vis + 1;
	if (ui->top + (size_t)vis > ui->n_rows)
		ui->top = ui->n_rows > (size_t)vis ? ui->n_rows - (size_t)vis : 0;
	size_t n;
	const struct tl_conn *conns = tl_tracker_conns((struct tl_tracker *)in->tracker, &n);
	if (!ui->n_rows) {
		tl_canvas_text(c, r->x + 2, r->y + 2, r->w - 3, TL_ST_DIM,
			       *ui->filter_text ? "no connection matches the filter"
						: "no TCP sockets");
		return;
	}
	for (int row = 0; row < vis && ui->top + (size_t)row < ui->n_rows; row++) {
		size_t idx = ui->top + (size_t)row;
		const struct tl_conn *cn = &conns[ui->rows[idx]];
		int y = r->y + 2 + row;
		bool gone = cn->flags & TL_CONN_GONE;
		int st = gone ? TL_ST_DIM : TL_ST_NORMAL;
		char buf[64];
		x = r->x + 1;
		for (int i = 0; i < ncols; i++) {
			buf[0] = '\0';
			switch (i) {
			case 0:
				snprintf(buf, sizeof(buf), "%s", tl_tcp_state_name(cn->state));
				break;
			case 1:
				fmt_addr(&cn->sock, true, buf, sizeof(buf));
				break;
			case 2:
				if (cn->state == TL_TCP_LISTEN)
					snprintf(buf, sizeof(buf), "*");
				else
					fmt_addr(&cn->sock, false, buf, sizeof(buf));
				break;
			case 3: {
				char a[16];
				tl_ui_format_age(in->now - cn->first_seen_ns, a, sizeof(a));
				/* first seen in the baseline: at least that old */
				snprintf(buf, sizeof(buf), "%s%s",
					 (cn->flags & TL_CONN_EXACT) ? "" : ">", a);
				break;
			}
			case 4: {
				char a[16];
				tl_ui_format_age(in->now - cn->state_since_ns, a, sizeof(a));
				snprintf(buf, sizeof(buf), "%s%s",
					 (cn->flags & TL_CONN_EXACT) ? "" : ">", a);
				break;
			}
			case 5:
				if (cn->state != TL_TCP_LISTEN && cn->sock.inode)
					snprintf(buf, sizeof(buf), "%u", cn->sock.rqueue);
				break;
			case 6:
				if (cn->state != TL_TCP_LISTEN && cn->sock.inode)
					snprintf(buf, sizeof(buf), "%u", cn->sock.wqueue);
				break;
			case 7:
				if ((cn->sock.flags & TL_SOCK_HAS_INFO) && (cn->sock.info.have & TL_INFO_RTT) &&
				    cn->sock.info.rtt_us && cn->state != TL_TCP_LISTEN)
					snprintf(buf, sizeof(buf), "%.1f", cn->sock.info.rtt_us / 1000.0);
				break;
			case 8:
				if (in->owners && cn->sock.inode) {
					const struct tl_owner *ow = tl_owners_find(in->owners, cn->sock.inode);
					if (ow)
						snprintf(buf, sizeof(buf), "%d/%s", ow->pid, ow->comm);
				}
				break;
			}
			int cst = st;
			if (i == 0 && !gone && cn->state == TL_TCP_CLOSE_WAIT)
				cst = TL_ST_WARN;
			if (cols[i].right)
				tl_canvas_printf(c, x, y, cols[i].w, cst, "%*s", cols[i].w, buf);
			else
				tl_canvas_text(c, x, y, cols[i].w, cst, buf);
			x += cols[i].w + 1;
		}
		if (idx == ui->sel)
			tl_canvas_style(c, r->x, y, r->w, TL_ST_SELECTED);
		else if (*ui->search && row_has_text(cn, ui->search))
			tl_canvas_style(c, r->x, y, 1, TL_ST_MATCH);
	}
}

static void event_line(struct tl_canvas *c, int x, int y, int w, const struct tl_event *ev,
		       const struct tl_ui_input *in, bool show_time)
{
	char l[64], rm[64], line[256], stamp[16] = "";
	fmt_addr(&ev->sock, true, l, sizeof(l));
	fmt_addr(&ev->sock, false, rm, sizeof(rm));
	if (show_time) {
		time_t s = (time_t)ev->wall;
		struct tm tm;
		if (in->utc)
			gmtime_r(&s, &tm);
		else
			localtime_r(&s, &tm);
		strftime(stamp, sizeof(stamp), "%H:%M:%S ", &tm);
	}
	const char *seg = tl_segment_name(ev->segment), *dir = tl_dir_name(ev->dir);
	snprintf(line, sizeof(line), "%s%s %s %s  %s %s %s%s%s%s%s", stamp, l,
		 c->g->to_narrow, rm, ev->kind == TL_EV_OPEN ? "new" : tl_tcp_state_name(ev->from),
		 c->g->to, tl_tcp_state_name(ev->to), seg ? "  " : "",
		 seg ? seg : "", dir ? " " : "", dir ? dir : "");
	int used = tl_canvas_text(c, x, y, w, ev->inferred ? TL_ST_INFERRED : TL_ST_NORMAL, line);
	if (ev->inferred && used + 11 <= w)
		tl_canvas_text(c, x + used + 1, y, w - used - 1, TL_ST_INFERRED, "(inferred)");
}

static void draw_events(struct tl_canvas *c, const struct tl_rect *r, const struct tl_ui *ui,
			const struct tl_ui_input *in)
{
	char t[128];
	snprintf(t, sizeof(t), " Events %llu ", (unsigned long long)(in->log ? in->log->total : 0));
	title(c, r, ui->focus == TL_PANE_EVENTS, t);
	if (ui->collapsed[TL_PANE_EVENTS] || !in->log)
		return;
	for (int row = 0; row < r->h - 1; row++) {
		size_t k = ui->ev_top + (size_t)row;
		if (k >= in->log->n)
			break;
		const struct tl_event *ev = tl_evlog_at(in->log, in->log->n - 1 - k);
		event_line(c, r->x + 1, r->y + 1 + row, r->w - 2, ev, in, r->w >= 60);
	}
	if (!in->log->n)
		tl_canvas_text(c, r->x + 2, r->y + 1, r->w - 3, TL_ST_DIM,
			       "no state changes yet");
}

static void draw_footer(struct tl_canvas *c, const struct tl_ui *ui)
{
	int y = c->h - 1;
	tl_canvas_fill(c, 0, y, c->w, 1, ' ', TL_ST_NORMAL);
	if (ui->prompt != TL_PROMPT_NONE) {
		int x = tl_canvas_text(c, 0, y, c->w, TL_ST_KEY,
				       ui->prompt == TL_PROMPT_SEARCH ? "Search: " : "Filter: ");
		x += tl_canvas_text(c, x, y, c->w - x, TL_ST_NORMAL, ui->input);
		if (ui->message)
			tl_canvas_text(c, x + 2, y, c->w - x - 2, TL_ST_BAD, ui->message);
		return;
	}
	if (ui->message) {
		tl_canvas_text(c, 0, y, c->w, TL_ST_WARN, ui->message);
		return;
	}
	static const char *const keys[][2] = {
		{"F1", "Help"},	  {"F3", "Search"}, {"F4", "Filter"}, {"F6", "Sort"},
		{"Space", "Pause"}, {"+-", "Delay"}, {"Enter", "Detail"}, {"Tab", "Pane"},
		{"F10", "Quit"},
	};
	int x = 0;
	for (size_t i = 0; i < TL_ARRAY_SIZE(keys) && x < c->w; i++) {
		x += tl_canvas_text(c, x, y, c->w - x, TL_ST_KEY, keys[i][0]);
		x += tl_canvas_text(c, x, y, c->w - x, TL_ST_NORMAL, keys[i][1]);
		x += tl_canvas_text(c, x, y, c->w - x, TL_ST_NORMAL, " ");
	}
}

static const char *const help_lines[] = {
	"tcpladder: TCP sockets by state, and how they change",
	"",
	"  F1 h ?        this help (any key returns)",
	"  / F3          search connections (type to jump; F3 or n: next match)",
	"  F4 \\          filter: an ss-style expression, e.g.",
	"                  state close-wait and sport = :443",
	"                  dst 10.0.0.0/8 or dport = :22      (empty: no filter)",
	"  F6 < >        choose the sort column        I  reverse the order",
	"  Up Down j k   move      PgUp PgDn  page      Home End  first, last",
	"  Tab           next pane (histogram, connections, events)",
	"  1 2 3         collapse or expand the histogram, table, event panes",
	"  Enter         the selected connection's ladder: Up Down pick a step,",
	"                m marks one, e explains, r replays, p s [ ] pause, step, speed",
	"                w: in the lab, what the scenario shows and why",
	"  S Space G     in the lab: step mode, release one held segment, all",
	"  L             CLOSE-WAIT leaks by process, TIME-WAIT pressure",
	"  Space  + -    pause or resume sampling; sample less or more often",
	"  Esc           close a prompt or message",
	"  q F10         quit",
	"",
	"Marks: a dim step marked (inferred) was not seen but filled in by the",
	"state machine.  '>' before an age: first seen at start-up, at least that",
	"old.  A growing CLOSE-WAIT or TIME-WAIT is red, with an arrow.",
};

static void draw_help(struct tl_canvas *c)
{
	tl_canvas_fill(c, 0, 0, c->w, 1, ' ', TL_ST_HEADER);
	tl_canvas_text(c, 1, 0, c->w - 1, TL_ST_HEADER, "tcpladder help");
	for (size_t i = 0; i < TL_ARRAY_SIZE(help_lines) && (int)i + 2 < c->h - 1; i++)
		tl_canvas_text(c, 1, (int)i + 2, c->w - 2, i == 0 ? TL_ST_BOLD : TL_ST_NORMAL,
			       help_lines[i]);
	tl_canvas_text(c, 0, c->h - 1, c->w, TL_ST_KEY, "Esc q: back   F10: quit");
}

static const struct tl_conn *find_id(const struct tl_ui_input *in, uint32_t id)
{
	size_t n;
	const struct tl_conn *conns = tl_tracker_conns((struct tl_tracker *)in->tracker, &n);
	for (size_t i = 0; i < n; i++)
		if (conns[i].id == id)
			return &conns[i];
	return NULL;
}

bool tl_ui_animating(const struct tl_ui *ui, uint64_t now)
{
	if (ui->screen != TL_SCREEN_DETAIL)
		return false;
	return ui->lad_replay || now - ui->lad_anim_start < ui->anim_ns;
}

/* The connection's ladder below its summary: both ends when paired.
 * A new step starts an arrow's flight; a replay shows the events one by
 * one, a flight each. */
static void draw_ladder(struct tl_canvas *c, struct tl_ui *ui, const struct tl_ui_input *in,
			const struct tl_conn *cn, const struct tl_conn *peer, int y, int w)
{
	if (!ui->ladder)
		ui->ladder = tl_ladder_new();
	uint32_t a = cn->id, b = peer ? peer->id : 0;
	if (ui->lad_replay && in->log) {
		/* the two ends' events, oldest first */
		struct tl_event *evs = tl_calloc(in->log->n + 1, sizeof(*evs));
		size_t n = 0;
		for (size_t i = 0; i < in->log->n; i++) {
			const struct tl_event *ev = tl_evlog_at(in->log, i);
			if (ev->conn == a || (b && ev->conn == b))
				evs[n++] = *ev;
		}
		if (!ui->lad_paused && in->now >= ui->lad_next) {
			ui->lad_shown++;
			ui->lad_next = in->now + ui->anim_ns + ui->anim_ns / 2;
		}
		if (ui->lad_shown >= n) {
			ui->lad_shown = n;
			ui->lad_replay = false; /* caught up: live again */
		}
		tl_ladder_build_events(ui->ladder, evs, ui->lad_shown, a, b);
		free(evs);
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
	int sel = ui->lad_sel < 0 || (size_t)ui->lad_sel >= steps ? (int)steps - 1 : ui->lad_sel;
	double anim = ui->anim_ns ? (double)(in->now - ui->lad_anim_start) / (double)ui->anim_ns : 1;
	struct tl_ladder_view v = {
		.selected = sel,
		.mark = ui->lad_mark,
		.scroll = ui->lad_scroll,
		.anim = anim > 1 ? 1 : anim < 0 ? 0 : anim,
		.lang = ui->lang,
		.explain = ui->lad_explain,
		.now = in->now,
	};
	int h = c->h - 1 - y;
	ui->lad_scroll = tl_ladder_fit_scroll(ui->ladder, w, h, &v);
	v.scroll = ui->lad_scroll;
	if (!steps) {
		tl_canvas_text(c, 1, y + 1, c->w - 2, TL_ST_DIM,
			       "no segment seen yet: the ladder starts with the next state change");
		return;
	}
	tl_ladder_draw(ui->ladder, c, 0, y, w, h, &v);
}

/* The lab scenario's caption and explanation in place of the ladder (an
 * ASCII canvas shows English, as the ladder does). */
static void draw_lesson(struct tl_canvas *c, const struct tl_ui *ui, int y, int w)
{
	const char *lang = c->g->ascii ? "en" : ui->lang;
	int h = c->h - 1;
	tl_canvas_fill(c, 0, y, w, h - y, ' ', TL_ST_NORMAL);
	y += tl_canvas_wrap(c, 1, y + 1, w - 2, h - y - 1, TL_ST_TITLE,
			    tl_scenario_caption(ui->lab_scenario, lang)) + 2;
	if (y < h)
		y += tl_canvas_wrap(c, 1, y, w - 2, h - y, TL_ST_NORMAL,
				    tl_scenario_explain(ui->lab_scenario, lang)) + 1;
	if (y < h)
		tl_canvas_text(c, 1, y, w - 2, TL_ST_DIM,
			       !strcmp(lang, "zh") ? "梯形图上的一切都是两个内核真实做过的事。w：回到梯形图"
						   : "Everything on the ladder is what the two kernels "
						     "did.  w: back to it");
}

static void draw_detail(struct tl_canvas *c, const struct tl_ui *ui, const struct tl_ui_input *in)
{
	const struct tl_conn *cn = find_id(in, ui->detail_id);
	char l[64], rm[64], a[16], b[16];
	tl_canvas_fill(c, 0, 0, c->w, 1, ' ', TL_ST_HEADER);
	if (!cn) {
		tl_canvas_text(c, 1, 0, c->w - 1, TL_ST_HEADER, "connection details");
		tl_canvas_text(c, 1, 2, c->w - 2, TL_ST_DIM, "this connection is no longer tracked");
		tl_canvas_text(c, 0, c->h - 1, c->w, TL_ST_KEY, "Esc q: back");
		return;
	}
	fmt_addr(&cn->sock, true, l, sizeof(l));
	fmt_addr(&cn->sock, false, rm, sizeof(rm));
	tl_canvas_printf(c, 1, 0, c->w - 1, TL_ST_HEADER, "%s %s %s   %s", l, c->g->to, rm,
			 tl_tcp_state_name(cn->state));
	if (ui->message) /* the lab speaks while its ladder is on screen */
		tl_canvas_text(c, 1, 1, c->w - 2, TL_ST_WARN, ui->message);
	tl_ui_format_age(in->now - cn->first_seen_ns, a, sizeof(a));
	tl_ui_format_age(in->now - cn->state_since_ns, b, sizeof(b));
	int y = 2;
	tl_canvas_printf(c, 1, y++, c->w - 2, TL_ST_NORMAL,
			 "state %s for %s%s   first seen %s%s ago   role %s%s", tl_tcp_state_name(cn->state),
			 (cn->flags & TL_CONN_EXACT) ? "" : "at least ", b,
			 (cn->flags & TL_CONN_EXACT) ? "" : "at least ", a, tl_role_name(cn->role),
			 (cn->flags & TL_CONN_ROLE_GUESSED) ? " (guessed from ports)" : "");
	tl_canvas_printf(c, 1, y++, c->w - 2, TL_ST_NORMAL,
			 "cookie 0x%llx   inode %u   uid %u   netns %s   recv-q %u   send-q %u",
			 (unsigned long long)cn->sock.cookie, cn->sock.inode, cn->sock.uid,
			 cn->ns < in->n_ns ? in->ns_names[cn->ns] : "?", cn->sock.rqueue,
			 cn->sock.wqueue);
	if (cn->sock.flags & TL_SOCK_HAS_INFO) {
		const struct tl_tcpinfo *i = &cn->sock.info;
		tl_canvas_printf(c, 1, y++, c->w - 2, TL_ST_NORMAL,
				 "rtt %.2f ms   bytes acked %llu   received %llu   segs out %u in %u",
				 i->rtt_us / 1000.0, (unsigned long long)i->bytes_acked,
				 (unsigned long long)i->bytes_received, i->segs_out, i->segs_in);
	}
	if (cn->state == TL_TCP_TIME_WAIT && cn->sock.timer)
		tl_canvas_printf(c, 1, y++, c->w - 2, TL_ST_NORMAL, "TIME-WAIT ends in %.1f s",
				 cn->sock.expires_ms / 1000.0);
	const struct tl_owner *ow = in->owners && cn->sock.inode ? tl_owners_find(in->owners, cn->sock.inode) : NULL;
	if (ow)
		tl_canvas_printf(c, 1, y++, c->w - 2, TL_ST_NORMAL, "owner %d %s: %s", ow->pid, ow->comm,
				 ow->cmdline);
	if (cn->state == TL_TCP_CLOSE_WAIT && cn->sock.rqueue > 1)
		tl_canvas_printf(c, 1, y++, c->w - 2, TL_ST_WARN,
				 "%u bytes never read by the application (the FIN accounts for 1)",
				 cn->sock.rqueue - 1);
	const struct tl_conn *peer = tl_tracker_peer(in->tracker, cn);
	if (peer)
		tl_canvas_printf(c, 1, y++, c->w - 2, TL_ST_NORMAL, "peer (in a watched namespace): %s",
				 tl_tcp_state_name(peer->state));
	/* Wide terminals keep the histogram in view beside the ladder. */
	int lw = c->w;
	if (c->w >= 150 && c->h >= 20) {
		struct tl_rect hr = {c->w - 62, y, 62, TL_TCP_NSHOWN + 1};
		lw = c->w - 63;
		draw_hist(c, &hr, ui, in);
	}
	bool lab = tl_scenario_name(ui->lab_scenario) != NULL;
	if (lab && ui->lab_lesson)
		draw_lesson(c, ui, y, lw);
	else
		draw_ladder(c, (struct tl_ui *)ui, in, cn, peer, y, lw);
	tl_canvas_text(c, 0, c->h - 1, c->w, TL_ST_KEY,
		       lab ? "Up/Down step  m mark  e explain  w why  r replay  p pause  s step  [ ] "
			     "speed  Esc back"
			   : "Up/Down step  m mark  e explain  r replay  p pause  s step  [ ] speed  Esc "
			     "back");
}

static const struct leak_series *series_of(const struct tl_leak_watch *w, int pid)
{
	uint32_t k;
	if (!w || !tl_map_get(&w->idx, (uint64_t)(int64_t)pid + 2, &k))
		return NULL;
	return &w->series[k];
}

/* "90 s", "5 min", "2.5 h": the legend's thresholds as configured. */
static void span_text(double s, char *out, size_t len)
{
	if (s < 120)
		snprintf(out, len, "%g s", s);
	else if (s < 7200)
		snprintf(out, len, "%g min", s / 60);
	else
		snprintf(out, len, "%g h", s / 3600);
}

static void draw_leaks(struct tl_canvas *c, const struct tl_ui_input *in)
{
	bool unknown = false;
	tl_canvas_fill(c, 0, 0, c->w, 1, ' ', TL_ST_HEADER);
	tl_canvas_text(c, 1, 0, c->w - 1, TL_ST_HEADER, "CLOSE-WAIT by process, and TIME-WAIT pressure");
	int y = 2;
	tl_canvas_printf(c, 1, y++, c->w - 2, TL_ST_COLHEAD, "%8s %-15s %6s %9s %-16s %7s %6s  %s", "PID",
			 "COMMAND", "COUNT", "GROWTH/m", "LAST SAMPLES", "OLDEST", "UNREAD", "");
	if (!in->n_leaks)
		tl_canvas_text(c, 2, y++, c->w - 3, TL_ST_DIM, "no socket in CLOSE-WAIT");
	for (size_t i = 0; i < in->n_leaks && y < c->h - 6; i++) {
		const struct tl_leak_group *g = &in->leaks[i];
		char pid[16], age[16];
		snprintf(pid, sizeof(pid), "%d", g->pid);
		tl_ui_format_age((uint64_t)(g->oldest_s * 1e9), age, sizeof(age));
		int st = g->suspect ? TL_ST_BAD : TL_ST_NORMAL;
		int x = tl_canvas_printf(c, 1, y, c->w - 2, st, "%8s %-15s %6u %+9.1f ", g->pid < 0 ? "?" : pid,
					 g->pid < 0 ? "(unknown)" : g->comm, g->count, g->growth_per_min);
		/* the group's counts at its last samples */
		const struct leak_series *ls = series_of(in->watch, g->pid);
		uint32_t hi = 1;
		for (unsigned j = 0; ls && j < ls->n; j++)
			hi = TL_MAX(hi, ls->c[(ls->head + j) % 64]);
		unsigned from = ls && ls->n > 16 ? ls->n - 16 : 0;
		for (unsigned j = from; ls && j < ls->n; j++) {
			uint32_t v = ls->c[(ls->head + j) % 64];
			tl_canvas_put(c, 1 + x + (int)(j - from), y, c->g->spark[TL_MIN(7, v * 7 / hi)], st);
		}
		tl_canvas_printf(c, 1 + x + 17, y, c->w - x - 19, st, "%s%6s %6u  %s",
				 g->oldest_exact ? " " : ">", age, g->unread,
				 g->suspect ? g->why : "");
		y++;
		unknown |= g->pid < 0;
	}
	if (unknown && in->owners && tl_owners_hidden(in->owners) && y < c->h - 3)
		tl_canvas_printf(c, 2, y++, c->w - 3, TL_ST_DIM, "(unknown): %s",
				 tl_owners_hidden_reason);
	y++;
	if (in->tw) {
		const struct tl_tw_pressure *tw = in->tw;
		int st = tw->pressure ? TL_ST_BAD : TL_ST_NORMAL;
		if (tw->max_buckets > 0)
			tl_canvas_printf(c, 1, y++, c->w - 2, st,
					 "TIME-WAIT %u of %ld buckets (%.0f%%)%s", tw->time_wait,
					 tw->max_buckets, tw->bucket_ratio * 100,
					 tw->pressure ? "  PRESSURE" : "");
		for (size_t i = 0; i < tw->n_top && i < 3 && y < c->h - 2; i++)
			tl_canvas_printf(c, 3, y++, c->w - 4, tw->top[i].ratio >= 0.8 ? TL_ST_BAD : TL_ST_NORMAL,
					 "to %-28s %6u of %u local ports (%.1f%%)", tw->top[i].remote,
					 tw->top[i].in_use, tw->top[i].range, tw->top[i].ratio * 100);
	}
	struct tl_leak_cfg def;
	const struct tl_leak_cfg *cfg = in->leak_cfg;
	char window[32], age[32];
	if (!cfg) {
		tl_leak_cfg_default(&def);
		cfg = &def;
	}
	span_text((double)cfg->window_ns / 1e9, window, sizeof(window));
	span_text(cfg->age_threshold_s, age, sizeof(age));
	tl_canvas_printf(c, 1, c->h - 2, c->w - 2, TL_ST_DIM,
			 "A leak: a count that keeps growing over %s, a socket in CLOSE-WAIT for %s, "
			 "or %u in one process.",
			 window, age, cfg->count_threshold);
	tl_canvas_text(c, 0, c->h - 1, c->w, TL_ST_KEY, "Esc q L: back   Space: pause   F10: quit");
}

/* Stacked when narrow; side by side when wide.  Collapsed panes keep
 * their title line. */
static void layout(struct tl_ui *ui, int w, int h)
{
	int top = 1, body = h - 2;
	bool *col = ui->collapsed;
	memset(ui->pane, 0, sizeof(ui->pane));
	if (w >= 150) {
		int lw = TL_MIN(w / 2, 80);
		int hist_h = col[TL_PANE_HIST] ? 1 : TL_MIN(TL_TCP_NSHOWN + 1, body - 4);
		ui->pane[TL_PANE_HIST] = (struct tl_rect){0, top, lw, hist_h};
		ui->pane[TL_PANE_EVENTS] = (struct tl_rect){0, top + hist_h, lw, body - hist_h};
		ui->pane[TL_PANE_TABLE] = (struct tl_rect){lw + 1, top, w - lw - 1, body};
		return;
	}
	int ev_h = col[TL_PANE_EVENTS] ? 1 : TL_MAX(3, TL_MIN(8, body / 5));
	int hist_h = col[TL_PANE_HIST] ? 1 : TL_TCP_NSHOWN + 1;
	int min_table = col[TL_PANE_TABLE] ? 1 : 4;
	if (hist_h + ev_h + min_table > body && !col[TL_PANE_EVENTS])
		ev_h = TL_MAX(2, body - hist_h - min_table);
	if (hist_h + ev_h + min_table > body && !col[TL_PANE_HIST])
		hist_h = TL_MAX(2, body - ev_h - min_table);
	int table_h = col[TL_PANE_TABLE] ? 1 : body - hist_h - ev_h;
	if (col[TL_PANE_TABLE]) /* give the rest to the events */
		ev_h = body - hist_h - table_h;
	ui->pane[TL_PANE_HIST] = (struct tl_rect){0, top, w, hist_h};
	ui->pane[TL_PANE_TABLE] = (struct tl_rect){0, top + hist_h, w, table_h};
	ui->pane[TL_PANE_EVENTS] = (struct tl_rect){0, top + hist_h + table_h, w, ev_h};
}

void tl_ui_draw(struct tl_ui *ui, struct tl_canvas *c, const struct tl_ui_input *in)
{
	tl_canvas_clear(c);
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
	if (ui->rows_dirty || ui->rows_generation != tl_tracker_generation(in->tracker))
		tl_ui_refresh_rows(ui, in);
	if (ui->screen == TL_SCREEN_HELP) {
		draw_help(c);
		return;
	}
	if (ui->screen == TL_SCREEN_DETAIL) {
		draw_detail(c, ui, in);
		return;
	}
	if (ui->screen == TL_SCREEN_LEAKS) {
		draw_leaks(c, in);
		return;
	}
	layout(ui, c->w, c->h);
	draw_header(c, in, ui);
	draw_hist(c, &ui->pane[TL_PANE_HIST], ui, in);
	draw_table(c, &ui->pane[TL_PANE_TABLE], ui, in);
	draw_events(c, &ui->pane[TL_PANE_EVENTS], ui, in);
	if (ui->pane[TL_PANE_TABLE].x > 0)
		for (int y = 1; y < c->h - 1; y++)
			tl_canvas_put(c, ui->pane[TL_PANE_TABLE].x - 1, y, c->g->vline, TL_ST_TITLE);
	draw_footer(c, ui);
}
