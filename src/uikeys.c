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
#include "tcpladder/uirows.h"

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
	tl_uirows_forget_order(ui); /* a new filter may reuse the old one's address */
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
		tl_uirows_search_from(ui, ui->sel + 1, in);
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
	long n = (long)tl_ui_events_shown(ui, &ui->frz_log, NULL, 0), max = n > rows ? n - rows : 0;
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

static bool help_key(struct tl_ui *ui, int key)
{
	if (key == 'q' || key == TL_KEY_ESC || key == TL_KEY_F1 || key == 'h' || key == '?' ||
	    key == TL_KEY_ENTER)
		ui->screen = TL_SCREEN_MAIN;
	else if (key == TL_KEY_F10)
		ui->quit = true;
	return true;
}

static bool leaks_key(struct tl_ui *ui, int key, const struct tl_ui_input *in)
{
	if (key == 'q' || key == TL_KEY_ESC || key == 'L' || key == 'l' || key == TL_KEY_ENTER)
		ui->screen = TL_SCREEN_MAIN;
	else if (key == TL_KEY_F10)
		ui->quit = true;
	else if (key == ' ')
		toggle_freeze(ui, in);
	return true;
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
		if (*ui->search && !tl_uirows_search_from(ui, ui->sel + 1, in))
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
		toggle_freeze(ui, in);
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
		return ui->screen == TL_SCREEN_MAIN;
	case TL_KEY_UP:
	case TL_KEY_DOWN:
	case TL_KEY_PGUP:
	case TL_KEY_PGDN:
	case TL_KEY_HOME:
	case TL_KEY_END:
	case 'j':
	case 'k':
		return ui->screen == TL_SCREEN_MAIN;
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
	case TL_SCREEN_DETAIL:
		return detail_key(ui, key, in);
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
	for (int p = 0; p < TL_PANE_N; p++) {
		if (!in_rect(&ui->pane[p], x, y))
			continue;
		ui->focus = p;
		if (p == TL_PANE_TABLE && y >= ui->table_first_y) {
			size_t i = ui->top + (size_t)(y - ui->table_first_y);
			if (i < ui->n_rows)
				tl_uirows_select(ui, i, in);
		}
		return;
	}
}
