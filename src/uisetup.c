/* uisetup: the setup screen (F2): columns, colours, interval, panes,
 * grouping. */
#include <stdio.h>
#include <string.h>

#include "tcpladder/canvas.h"
#include "tcpladder/ui.h"
#include "tcpladder/uisetup.h"

/* The items, in the order shown: a column each (by position), then the
 * rest. */
enum {
	IT_SCHEME = TL_COL_N,
	IT_INTERVAL,
	IT_PANE, /* one per pane */
	IT_GROUP = IT_PANE + TL_PANE_N,
	IT_N
};

static const char *const scheme_names[TL_SCHEME_N] = {"default", "monochrome"};
static const char *const pane_words[TL_PANE_N] = {"histogram", "connections", "events"};

const char *tl_uisetup_scheme_name(int scheme)
{
	return scheme >= 0 && scheme < TL_SCHEME_N ? scheme_names[scheme] : NULL;
}

int tl_uisetup_scheme_parse(const char *name)
{
	for (int i = 0; i < TL_SCHEME_N; i++)
		if (!strcmp(name, scheme_names[i]))
			return i;
	return -1;
}

void tl_uisetup_open(struct tl_ui *ui)
{
	ui->screen = TL_SCREEN_SETUP;
	ui->setup_sel = 0;
	ui->setup_top = 0;
	ui->setup_help = false;
}

/* A section's heading comes before these items. */
static const char *heading(int item)
{
	switch (item) {
	case 0:
		return "Columns  Space show/hide  [ ] F7 F8 move";
	case IT_SCHEME:
		return "Colours";
	case IT_INTERVAL:
		return "Sampling interval";
	case IT_PANE:
		return "Panes shown  Space show/collapse";
	case IT_GROUP:
		return "Group connections by  (F5 in the view)";
	default:
		return NULL;
	}
}

/* The screen line of an item, headings counted. */
static int line_of(int item)
{
	int l = 0;
	for (int i = 0; i <= item; i++)
		l += 1 + (heading(i) != NULL);
	return l - 1;
}

static void item_text(const struct tl_ui *ui, const struct tl_ui_input *in, int item, char *out,
		      size_t len)
{
	if (item < TL_COL_N) {
		int col = ui->cols.order[item];
		snprintf(out, len, "  [%c] %-7s%s", ui->cols.hidden[col] ? ' ' : 'x',
			 tl_cols_head(col), col == TL_COL_NETNS ? "  with several namespaces" : "");
	} else if (item == IT_SCHEME) {
		snprintf(out, len, "  < %s >%s", scheme_names[ui->scheme],
			 ui->no_color && ui->scheme == TL_SCHEME_DEFAULT
			     ? "  (no colour here: NO_COLOR, --no-color or the terminal)"
			     : "");
	} else if (item == IT_INTERVAL) {
		snprintf(out, len, "  < %.2f s >  Left Right or - +",
			 (double)in->stats.interval_ns / 1e9);
	} else if (item < IT_GROUP) {
		int p = item - IT_PANE;
		snprintf(out, len, "  [%c] %s", ui->collapsed[p] ? ' ' : 'x', pane_words[p]);
	} else {
		snprintf(out, len, "  < %s >", tl_uigroup_title(ui->group));
	}
}

static const char *const help_lines[] = {
    "Setup keys",
    "  Up Down j k      choose an item (PgUp PgDn Home End)",
    "  Space Enter      show or hide a column or a pane;",
    "                   the next colour scheme or grouping",
    "  [ ] F7 F8        move the chosen column up or down",
    "                   (left or right in the table)",
    "  Left Right - +   the previous or next choice;",
    "                   the interval shorter or longer",
    "  Esc q F10 F2     back to the view",
    "Changes apply at once and are saved in",
    "$XDG_CONFIG_HOME/tcpladder/config (~/.config/...),",
    "read at the next start.",
};

void tl_uisetup_draw(struct tl_canvas *c, struct tl_ui *ui, const struct tl_ui_input *in)
{
	tl_canvas_fill(c, 0, 0, c->w, 1, ' ', TL_ST_HEADER);
	tl_canvas_text(c, 1, 0, c->w - 1, TL_ST_HEADER,
		       "Setup: changes apply at once and are saved");
	int y = c->h - 1;
	if (ui->setup_help) {
		for (size_t i = 0; i < TL_ARRAY_SIZE(help_lines) && (int)i + 2 < y; i++)
			tl_canvas_text(c, 1, (int)i + 2, c->w - 2, i ? TL_ST_NORMAL : TL_ST_BOLD,
				       help_lines[i]);
		tl_canvas_text(c, 0, y, c->w, TL_ST_KEY, "any key: back to the setup");
		return;
	}
	int rows = c->h - 3; /* below the header's gap, above the footer */
	int sel_line = line_of(ui->setup_sel), first = sel_line;
	if (heading(ui->setup_sel)) /* a section's first item: its heading too */
		first--;
	if (first < ui->setup_top)
		ui->setup_top = first;
	if (sel_line >= ui->setup_top + rows)
		ui->setup_top = sel_line - rows + 1;
	int total = line_of(IT_N - 1) + 1;
	if (ui->setup_top > total - rows)
		ui->setup_top = total - rows > 0 ? total - rows : 0;
	int line = 0;
	for (int it = 0; it < IT_N; it++) {
		const char *h = heading(it);
		if (h) {
			int sy = 2 + line - ui->setup_top;
			if (sy >= 2 && sy < 2 + rows)
				tl_canvas_text(c, 1, sy, c->w - 2, TL_ST_BOLD, h);
			line++;
		}
		int sy = 2 + line - ui->setup_top;
		line++;
		if (sy < 2 || sy >= 2 + rows)
			continue;
		char t[160];
		item_text(ui, in, it, t, sizeof(t));
		bool off = (it < TL_COL_N && ui->cols.hidden[ui->cols.order[it]]) ||
			   (it >= IT_PANE && it < IT_GROUP && ui->collapsed[it - IT_PANE]);
		tl_canvas_text(c, 1, sy, c->w - 2, off ? TL_ST_DIM : TL_ST_NORMAL, t);
		if (it == ui->setup_sel)
			tl_canvas_style(c, 0, sy, c->w, TL_ST_SELECTED);
	}
	tl_canvas_fill(c, 0, y, c->w, 1, ' ', TL_ST_NORMAL);
	if (ui->message) {
		tl_canvas_text(c, 0, y, c->w, TL_ST_WARN, ui->message);
		return;
	}
	static const char *const keys[][2] = {
	    {"Space", "Toggle"}, {"[]", "Move"},  {"<-->", "Change"},
	    {"F1", "Keys"},      {"Esc", "Back"},
	};
	int x = 0;
	for (size_t i = 0; i < TL_ARRAY_SIZE(keys) && x < c->w; i++) {
		x += tl_canvas_text(c, x, y, c->w - x, TL_ST_KEY, keys[i][0]);
		x += tl_canvas_text(c, x, y, c->w - x, TL_ST_NORMAL, keys[i][1]);
		x += tl_canvas_text(c, x, y, c->w - x, TL_ST_NORMAL, " ");
	}
}

/* Left (-1) or Right (+1) on an item with choices. */
static void change(struct tl_ui *ui, int item, int dir)
{
	if (item == IT_SCHEME) {
		ui->scheme = (ui->scheme + TL_SCHEME_N + dir) % TL_SCHEME_N;
	} else if (item == IT_INTERVAL) {
		ui->delay_step += dir; /* the shell applies it, as with + and - */
	} else if (item == IT_GROUP) {
		ui->group = (ui->group + TL_GROUP_N + dir) % TL_GROUP_N;
		ui->rows_dirty = true;
		ui->gtop = 0;
	}
}

bool tl_uisetup_key(struct tl_ui *ui, int key, const struct tl_ui_input *in)
{
	(void)in;
	int sel = ui->setup_sel;
	tl_ui_message(ui, NULL); /* a notice lasts until the next key */
	if (ui->setup_help) {    /* any key: back to the list */
		ui->setup_help = false;
		if (key == TL_KEY_F10 || key == TL_KEY_ESC || key == 'q')
			ui->screen = TL_SCREEN_MAIN;
		return true;
	}
	switch (key) {
	case TL_KEY_ESC:
	case 'q':
	case TL_KEY_F10:
	case TL_KEY_F2:
		ui->screen = TL_SCREEN_MAIN;
		break;
	case TL_KEY_F1:
	case 'h':
	case '?':
		ui->setup_help = true;
		break;
	case TL_KEY_UP:
	case 'k':
		ui->setup_sel = sel > 0 ? sel - 1 : 0;
		break;
	case TL_KEY_DOWN:
	case 'j':
		ui->setup_sel = sel + 1 < IT_N ? sel + 1 : sel;
		break;
	case TL_KEY_PGUP:
	case TL_KEY_HOME:
		ui->setup_sel = key == TL_KEY_HOME || sel < 8 ? 0 : sel - 8;
		break;
	case TL_KEY_PGDN:
	case TL_KEY_END:
		ui->setup_sel = key == TL_KEY_END || sel + 8 >= IT_N ? IT_N - 1 : sel + 8;
		break;
	case ' ':
	case TL_KEY_ENTER:
		if (sel < TL_COL_N) {
			if (!tl_cols_toggle(&ui->cols, sel))
				tl_ui_message(ui, "the last column shown stays");
		} else if (sel >= IT_PANE && sel < IT_GROUP) {
			ui->collapsed[sel - IT_PANE] = !ui->collapsed[sel - IT_PANE];
		} else {
			change(ui, sel, 1);
		}
		break;
	case '[':
	case ']':
	case TL_KEY_F7:
	case TL_KEY_F8:
		if (sel < TL_COL_N)
			ui->setup_sel =
			    tl_cols_move(&ui->cols, sel, key == '[' || key == TL_KEY_F7 ? -1 : 1);
		break;
	case TL_KEY_LEFT:
	case '-':
		change(ui, sel, -1);
		break;
	case TL_KEY_RIGHT:
	case '+':
	case '=':
		change(ui, sel, 1);
		break;
	default:
		return false;
	}
	return true;
}
