/* uikeys: what each key does, screen by screen, and mouse clicks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "tcpladder/filter.h"
#include "tcpladder/ladder.h"
#include "tcpladder/scenario.h"
#include "tcpladder/ui.h"
#include "tcpladder/uileaks.h"
#include "tcpladder/uinetns.h"
#include "tcpladder/uirows.h"
#include "tcpladder/uisetup.h"

bool tl_ui_set_filter(struct tl_ui *ui, const char *expr)
{
	char *cause = NULL;
	struct tl_filter *f = NULL;

	if (*expr) {
		f = tl_filter_parse(expr, &cause);
		if (!f) {
			char msg[400];
			snprintf(msg, sizeof(msg), "filter: %s", cause ? cause : "invalid");
			tl_ui_message(ui, msg);
			free(cause);
			return false;
		}
	}
	tl_filter_free(ui->filter);
	ui->filter = f;
	tl_uirows_forget_order(ui); /* a new filter may reuse the old one's address */
	snprintf(ui->filter_text, sizeof(ui->filter_text), "%s", f ? tl_filter_text(f) : "");
	ui->prompt = TL_PROMPT_NONE;
	tl_ui_message(ui, NULL);
	ui->rows_dirty = true;
	ui->sel = ui->top = 0;
	return true;
}

/* The line being typed: a UTF-8 character's start before or after at. */
static size_t char_before(const struct tl_ui *ui, size_t at)
{
	while (at && (ui->input[--at] & 0xc0) == 0x80)
		;
	return at;
}

static size_t char_after(const struct tl_ui *ui, size_t at)
{
	if (at < ui->input_len)
		at++;
	while (at < ui->input_len && (ui->input[at] & 0xc0) == 0x80)
		at++;
	return at;
}

/* Remove the bytes [from, to) of the line; the cursor goes to from. */
static void cut(struct tl_ui *ui, size_t from, size_t to)
{
	memmove(ui->input + from, ui->input + to, ui->input_len - to + 1);
	ui->input_len -= to - from;
	ui->input_cur = from;
}

static void set_line(struct tl_ui *ui, const char *text)
{
	snprintf(ui->input, sizeof(ui->input), "%s", text);
	ui->input_len = ui->input_cur = strlen(ui->input);
}

/* A filter applied: to the history (once, the newest last). */
static void remember(struct tl_ui *ui, const char *text)
{
	if (!*text || (ui->n_history && !strcmp(ui->history[ui->n_history - 1], text)))
		return;
	if (ui->n_history == TL_UI_HISTORY) {
		memmove(ui->history[0], ui->history[1],
			sizeof(ui->history[0]) * (TL_UI_HISTORY - 1));
		ui->n_history--;
	}
	snprintf(ui->history[ui->n_history++], sizeof(ui->history[0]), "%s", text);
}

/* Up and Down in the filter prompt: older and newer filters, then the
 * line that was being typed. */
static void browse(struct tl_ui *ui, int dir)
{
	int to = ui->history_at + dir;
	if (to < 0 || to > ui->n_history)
		return;
	if (ui->history_at == ui->n_history)
		snprintf(ui->history_draft, sizeof(ui->history_draft), "%s", ui->input);
	ui->history_at = to;
	set_line(ui, to == ui->n_history ? ui->history_draft : ui->history[to]);
}

void tl_ui_open_prompt(struct tl_ui *ui, enum tl_prompt p, const char *text)
{
	ui->prompt = p;
	set_line(ui, text);
	ui->history_at = ui->n_history;
}

/* The sort menu (F6): Left Right Up Down choose, Enter sorts, Esc keeps. */
static bool sort_menu_key(struct tl_ui *ui, int key)
{
	switch (key) {
	case TL_KEY_LEFT:
	case TL_KEY_UP:
	case 'k':
		ui->menu_sel = (ui->menu_sel + TL_SORT_N - 1) % TL_SORT_N;
		break;
	case TL_KEY_RIGHT:
	case TL_KEY_DOWN:
	case 'j':
	case TL_KEY_F6:
		ui->menu_sel = (ui->menu_sel + 1) % TL_SORT_N;
		break;
	case TL_KEY_ENTER:
		if (ui->sort == ui->menu_sel)
			ui->sort_desc = !ui->sort_desc; /* chosen again: the other way */
		ui->sort = ui->menu_sel;
		ui->rows_dirty = true;
		ui->prompt = TL_PROMPT_NONE;
		break;
	case TL_KEY_ESC:
	case 'q':
		ui->prompt = TL_PROMPT_NONE;
		break;
	case 'I':
		ui->sort_desc = !ui->sort_desc;
		ui->rows_dirty = true;
		break;
	default:
		break;
	}
	return true;
}

/* The search and filter prompts edit a line: Left Right Home End (C-a
 * C-e) move, Backspace and Delete (C-d) remove a character, C-u what is
 * before the cursor, C-w the word before it, C-k what is after it; in the
 * filter prompt Up and Down recall the filters applied before. */
static bool prompt_key(struct tl_ui *ui, int key, const struct tl_ui_input *in)
{
	if (ui->prompt == TL_PROMPT_SORT)
		return sort_menu_key(ui, key);
	if (key == TL_KEY_ESC) {
		ui->prompt = TL_PROMPT_NONE;
		tl_ui_message(ui, NULL);
		return true;
	}
	if (key == TL_KEY_ENTER) {
		if (ui->prompt == TL_PROMPT_FILTER) {
			char text[256];
			snprintf(text, sizeof(text), "%s", ui->input);
			if (tl_ui_set_filter(ui, text)) /* an error keeps the prompt open */
				remember(ui, text);
		} else {
			ui->prompt = TL_PROMPT_NONE;
		}
		return true;
	}
	size_t cur = TL_MIN(ui->input_cur, ui->input_len);
	switch (key) {
	case TL_KEY_LEFT:
		ui->input_cur = char_before(ui, cur);
		return true;
	case TL_KEY_RIGHT:
		ui->input_cur = char_after(ui, cur);
		return true;
	case TL_KEY_HOME:
	case TL_KEY_CTRL('a'):
		ui->input_cur = 0;
		return true;
	case TL_KEY_END:
	case TL_KEY_CTRL('e'):
		ui->input_cur = ui->input_len;
		return true;
	case TL_KEY_UP:
	case TL_KEY_DOWN:
		if (ui->prompt == TL_PROMPT_FILTER)
			browse(ui, key == TL_KEY_UP ? -1 : 1);
		return true;
	case TL_KEY_BACKSPACE:
		cut(ui, char_before(ui, cur), cur);
		break;
	case TL_KEY_DELETE:
	case TL_KEY_CTRL('d'):
		cut(ui, cur, char_after(ui, cur));
		break;
	case TL_KEY_CTRL('u'):
		cut(ui, 0, cur);
		break;
	case TL_KEY_CTRL('k'):
		cut(ui, cur, ui->input_len);
		break;
	case TL_KEY_CTRL('w'): {
		size_t from = cur;
		while (from && ui->input[from - 1] == ' ')
			from--;
		while (from && ui->input[from - 1] != ' ')
			from--;
		cut(ui, from, cur);
		break;
	}
	case TL_KEY_F3:
		if (ui->prompt != TL_PROMPT_SEARCH)
			return true;
		tl_uirows_search_from(ui, ui->sel + 1, in);
		return true;
	default:
		if (key >= 0x20 && key < 0x110000 && key != 0x7f) {
			char enc[4];
			int n = tl_utf8_write((uint32_t)key, enc);
			if (ui->input_len + (size_t)n < sizeof(ui->input)) {
				memmove(ui->input + cur + n, ui->input + cur,
					ui->input_len - cur + 1);
				memcpy(ui->input + cur, enc, (size_t)n);
				ui->input_len += (size_t)n;
				ui->input_cur = cur + (size_t)n;
			}
			break;
		}
		return false;
	}
	if (ui->prompt == TL_PROMPT_SEARCH) {
		snprintf(ui->search, sizeof(ui->search), "%s", ui->input);
		if (!tl_uirows_search_from(ui, ui->sel, in) && ui->input_len)
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
	tl_uirows_select(ui, (size_t)i, in);
}

/* Frozen, the events pane scrolls like less: down to newer, up to older,
 * in the frozen copy (so nothing drifts as events arrive). */
static void move_events(struct tl_ui *ui, long delta, const struct tl_ui_input *in)
{
	if (!ui->frozen)
		tl_ui_freeze(ui, in);
	long rows = ui->pane[TL_PANE_EVENTS].h > 1 ? ui->pane[TL_PANE_EVENTS].h - 1 : 1;
	long n = (long)tl_ui_events_shown(ui, in, &ui->frz_log, NULL, 0),
	     max = n > rows ? n - rows : 0;
	long top = (long)ui->ev_top + delta;
	ui->ev_top = (size_t)(top < 0 ? 0 : top > max ? max : top);
}

/* Space: freeze or go back to live. */
static void toggle_freeze(struct tl_ui *ui, const struct tl_ui_input *in)
{
	if (ui->frozen)
		tl_ui_thaw(ui);
	else
		tl_ui_freeze(ui, in);
}

/* Help: the moving keys scroll it (the drawing clamps), any other key
 * returns where it was opened; F10 still quits. */
static bool help_key(struct tl_ui *ui, int key)
{
	switch (key) {
	case TL_KEY_UP:
	case 'k':
		ui->help_top--;
		break;
	case TL_KEY_DOWN:
	case 'j':
		ui->help_top++;
		break;
	case TL_KEY_PGUP: /* a page: the rows last shown (none yet: 10) */
		ui->help_top -= ui->help_page > 0 ? ui->help_page : 10;
		break;
	case TL_KEY_PGDN:
		ui->help_top += ui->help_page > 0 ? ui->help_page : 10;
		break;
	case TL_KEY_HOME:
		ui->help_top = 0;
		break;
	case TL_KEY_END:
		ui->help_top = 1 << 20;
		break;
	case TL_KEY_F10:
		ui->quit = true;
		break;
	default:
		ui->screen = ui->help_from == TL_SCREEN_HELP ? TL_SCREEN_MAIN : ui->help_from;
	}
	return true;
}

/* The leak screen: choose a process, narrow the view to it (Enter), copy
 * the ss command that lists its sockets (c). */
static bool leaks_key(struct tl_ui *ui, int key, const struct tl_ui_input *in)
{
	const struct tl_leak_group **rows = tl_calloc(in->n_leaks + 1, sizeof(*rows));
	size_t sel, n = tl_uileaks_rows(in, rows, in->n_leaks, ui->leak_pid, &sel);
	long to = (long)sel, page = TL_MAX(1, ui->table_visible - 1);
	bool handled = true;
	tl_ui_message(ui, NULL); /* a notice lasts until the next key */
	switch (key) {
	case 'q':
	case TL_KEY_ESC:
	case 'L':
	case 'l':
		ui->screen = TL_SCREEN_MAIN;
		break;
	case TL_KEY_F1:
	case 'h':
	case '?':
		ui->screen = TL_SCREEN_HELP;
		ui->help_top = 0;
		ui->help_from = TL_SCREEN_LEAKS;
		break;
	case TL_KEY_F10:
		ui->quit = true;
		break;
	case ' ':
		toggle_freeze(ui, in);
		break;
	case TL_KEY_UP:
	case 'k':
		to--;
		break;
	case TL_KEY_DOWN:
	case 'j':
		to++;
		break;
	case TL_KEY_PGUP:
		to -= page;
		break;
	case TL_KEY_PGDN:
		to += page;
		break;
	case TL_KEY_HOME:
		to = 0;
		break;
	case TL_KEY_END:
		to = (long)n - 1;
		break;
	case TL_KEY_ENTER:
		if (n) { /* every pane, this process's connections */
			char expr[32];
			snprintf(expr, sizeof(expr), "pid = %d", rows[sel]->pid);
			tl_ui_set_filter(ui, expr);
		}
		ui->screen = TL_SCREEN_MAIN;
		break;
	case 'c':
		if (n) {
			char msg[600];
			tl_uileaks_ss_command(rows[sel], in->n_ns > 1, ui->copy, sizeof(ui->copy));
			snprintf(msg, sizeof(msg), "copied: %s", ui->copy);
			tl_ui_message(ui, msg);
		}
		break;
	default:
		handled = false;
	}
	if (n && to != (long)sel)
		ui->leak_pid = rows[to < 0 ? 0 : (size_t)to >= n ? n - 1 : (size_t)to]->pid;
	free(rows);
	return handled;
}

/* The detail screen: move along the ladder, mark, explain, replay, save. */
static bool detail_key(struct tl_ui *ui, int key, const struct tl_ui_input *in)
{
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
	case TL_KEY_F1:
	case 'h':
	case '?':
		ui->screen = TL_SCREEN_HELP;
		ui->help_top = 0;
		ui->help_from = TL_SCREEN_DETAIL;
		break;
	case ' ':
		toggle_freeze(ui, in);
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
	case 'x': /* save the ladder shown: the shell writes the files */
		if (steps)
			ui->save_ladder = true;
		else
			tl_ui_message(ui, "no ladder to save yet");
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

static void open_detail(struct tl_ui *ui, uint32_t id)
{
	ui->detail_id = id;
	ui->screen = TL_SCREEN_DETAIL;
	ui->lad_sel = -1; /* follow the newest step */
	ui->lad_mark = -1;
	ui->lad_scroll = 0;
	ui->lad_steps = 0;
	ui->lad_replay = false;
}

/* Up, Down, PgUp, PgDn, Home and End: in the focused pane. */
static bool move_key(struct tl_ui *ui, int key, const struct tl_ui_input *in)
{
	int page = ui->table_visible > 1 ? ui->table_visible - 1 : 10;

	/* frozen, these scroll the events whatever pane has the focus */
	if (ui->focus == TL_PANE_EVENTS || ui->frozen)
		page = ui->pane[TL_PANE_EVENTS].h > 2 ? ui->pane[TL_PANE_EVENTS].h - 2 : 1;
	bool events = ui->focus == TL_PANE_EVENTS || ui->frozen;
	switch (key) {
	case TL_KEY_UP:
	case 'k':
		if (events)
			move_events(ui, -1, in);
		else
			move_sel(ui, -1, in);
		break;
	case TL_KEY_DOWN:
	case 'j':
		if (events)
			move_events(ui, 1, in);
		else
			move_sel(ui, 1, in);
		break;
	case TL_KEY_PGUP:
		if (events)
			move_events(ui, -page, in);
		else
			move_sel(ui, -page, in);
		break;
	case TL_KEY_PGDN:
		if (events)
			move_events(ui, page, in);
		else
			move_sel(ui, page, in);
		break;
	case TL_KEY_HOME:
		if (events)
			move_events(ui, -(1L << 30), in);
		else
			tl_uirows_select(ui, 0, in);
		break;
	case TL_KEY_END:
		if (events)
			move_events(ui, 1L << 30, in);
		else if (ui->n_rows)
			tl_uirows_select(ui, ui->n_rows - 1, in);
		break;
	default:
		return false;
	}
	return true;
}

/* The main screen: panes, sort, search, filter, pause, delay. */
static bool main_key(struct tl_ui *ui, int key, const struct tl_ui_input *in)
{
	switch (key) {
	case 'q':
	case TL_KEY_F10:
		ui->quit = true;
		break;
	case TL_KEY_F1:
	case 'h':
	case '?':
		ui->screen = TL_SCREEN_HELP;
		ui->help_top = 0;
		ui->help_from = TL_SCREEN_MAIN;
		break;
	case 'L':
	case 'l':
		ui->screen = TL_SCREEN_LEAKS;
		break;
	case 'N':
		ui->screen = TL_SCREEN_NETNS;
		break;
	case TL_KEY_F3: /* after a search: its next match, as in htop */
		if (*ui->search) {
			if (!tl_uirows_search_from(ui, ui->sel + 1, in))
				tl_ui_message(ui, "no match");
			break;
		}
		/* fall through */
	case '/':
		tl_ui_open_prompt(ui, TL_PROMPT_SEARCH, "");
		ui->focus = TL_PANE_TABLE;
		break;
	case 'n':
		if (*ui->search && !tl_uirows_search_from(ui, ui->sel + 1, in))
			tl_ui_message(ui, "no match");
		break;
	case TL_KEY_F4:
	case '\\':
		tl_ui_open_prompt(ui, TL_PROMPT_FILTER, ui->filter_text);
		break;
	case TL_KEY_F6:
		ui->prompt = TL_PROMPT_SORT;
		ui->menu_sel = ui->sort;
		break;
	case TL_KEY_F2:
		tl_uisetup_open(ui);
		break;
	case TL_KEY_F5: { /* none, process, local port, remote host, none */
		char msg[96];
		ui->group = (ui->group + 1) % TL_GROUP_N;
		ui->rows_dirty = true;
		ui->gtop = 0;
		ui->focus = TL_PANE_TABLE;
		snprintf(msg, sizeof(msg), "%s%s  (F5: by %s)",
			 ui->group ? "grouped by " : "not grouped",
			 ui->group ? tl_uigroup_title(ui->group) : "",
			 tl_uigroup_title((ui->group + 1) % TL_GROUP_N));
		tl_ui_message(ui, msg);
		break;
	}
	case TL_KEY_F1 + 8: /* F9 */
		tl_ui_message(ui, "F9: tcpladder only watches; it cannot close sockets (ss -K "
				  "can, as root)");
		break;
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
		toggle_freeze(ui, in);
		break;
	case '+': /* each press counts, however fast they come */
	case '=':
		ui->delay_step++;
		break;
	case '-':
		ui->delay_step--;
		break;
	case TL_KEY_TAB:
	case TL_KEY_BTAB:
		for (int k = 0; k < TL_PANE_N; k++) {
			ui->focus =
			    (ui->focus + (key == TL_KEY_TAB ? 1 : TL_PANE_N - 1)) % TL_PANE_N;
			if (!ui->collapsed[ui->focus])
				break;
		}
		break;
	case '1':
	case '2':
	case '3':
		ui->collapsed[key - '1'] = !ui->collapsed[key - '1'];
		break;
	case 'z': /* the histogram's empty states */
		ui->hist_all = !ui->hist_all;
		break;
	case TL_KEY_ENTER:
		if (ui->focus == TL_PANE_TABLE && tl_uirows_selected(ui, in))
			open_detail(ui, tl_uirows_selected(ui, in)->id);
		break;
	case TL_KEY_ESC:
		if (ui->message)
			tl_ui_message(ui, NULL);
		break;
	default:
		return move_key(ui, key, in);
	}
	return true;
}

/* Keys that keep a freeze: Space (which ends it), the scroll keys on the
 * main screen, help, quit.  Any other key goes back to live first, so what
 * it changes is seen. */
static bool keeps_freeze(const struct tl_ui *ui, int key)
{
	switch (key) {
	case ' ':
	case 'q':
	case TL_KEY_F10:
		return true;
	case TL_KEY_F1:
	case 'h':
	case '?':
		return true; /* help, and back to the frozen screen */
	case TL_KEY_UP:
	case TL_KEY_DOWN:
	case TL_KEY_PGUP:
	case TL_KEY_PGDN:
	case TL_KEY_HOME:
	case TL_KEY_END:
	case 'j':
	case 'k':
		return ui->screen == TL_SCREEN_MAIN || ui->screen == TL_SCREEN_HELP;
	default:
		return ui->screen == TL_SCREEN_HELP;
	}
}

bool tl_ui_key(struct tl_ui *ui, int key, const struct tl_ui_input *in)
{
	if (ui->prompt != TL_PROMPT_NONE && prompt_key(ui, key, in))
		return true;
	if (ui->frozen && !keeps_freeze(ui, key)) {
		tl_ui_thaw(ui);
		if (key == TL_KEY_ESC)
			return true; /* Esc: just back to live */
	}
	switch (ui->screen) {
	case TL_SCREEN_HELP:
		return help_key(ui, key);
	case TL_SCREEN_LEAKS:
		return leaks_key(ui, key, in);
	case TL_SCREEN_NETNS:
		return tl_uinetns_key(ui, key, in);
	case TL_SCREEN_DETAIL:
		return detail_key(ui, key, in);
	case TL_SCREEN_SETUP:
		return tl_uisetup_key(ui, key, in);
	default:
		return main_key(ui, key, in);
	}
}

static bool in_rect(const struct tl_rect *r, int x, int y)
{
	return x >= r->x && x < r->x + r->w && y >= r->y && y < r->y + r->h;
}

void tl_ui_click(struct tl_ui *ui, int x, int y, const struct tl_ui_input *in)
{
	if (ui->screen != TL_SCREEN_MAIN)
		return;
	if (y == ui->head_y && !ui->collapsed[TL_PANE_TABLE])
		for (int i = 0; i < ui->n_head; i++) {
			const struct tl_ui_head *h = &ui->head[i];
			if (x < h->x0 || x >= h->x1 || h->sort < 0)
				continue;
			if (ui->sort == h->sort)
				ui->sort_desc = !ui->sort_desc;
			else
				ui->sort_desc = false;
			ui->sort = h->sort;
			ui->rows_dirty = true;
			ui->focus = TL_PANE_TABLE;
			return;
		}
	for (int p = 0; p < TL_PANE_N; p++) {
		if (!in_rect(&ui->pane[p], x, y))
			continue;
		ui->focus = p;
		if (p == TL_PANE_TABLE && y >= ui->table_first_y && ui->n_groups) {
			/* grouped: a member selects itself, a head its first member */
			size_t g = 0, line = ui->gtop + (size_t)(y - ui->table_first_y);
			long i = tl_uigroup_row_at(ui, line, &g);
			if (line < tl_uigroup_lines(ui))
				tl_uirows_select(ui, i >= 0 ? (size_t)i : ui->groups[g].first, in);
		} else if (p == TL_PANE_TABLE && y >= ui->table_first_y) {
			size_t i = ui->top + (size_t)(y - ui->table_first_y);
			if (i < ui->n_rows)
				tl_uirows_select(ui, i, in);
		}
		return;
	}
}

void tl_ui_wheel(struct tl_ui *ui, int x, int y, int dir, const struct tl_ui_input *in)
{
	int key = dir < 0 ? TL_KEY_UP : TL_KEY_DOWN;
	switch (ui->screen) {
	case TL_SCREEN_LEAKS:
		leaks_key(ui, key, in);
		return;
	case TL_SCREEN_DETAIL:
		detail_key(ui, key, in);
		return;
	case TL_SCREEN_SETUP:
		tl_uisetup_key(ui, key, in);
		return;
	case TL_SCREEN_MAIN:
		break;
	default:
		return;
	}
	if (in_rect(&ui->pane[TL_PANE_EVENTS], x, y))
		move_events(ui, 3L * dir, in);
	else if (in_rect(&ui->pane[TL_PANE_TABLE], x, y))
		move_sel(ui, 3L * dir, in);
}
