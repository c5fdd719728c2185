/* uihelp: the help screen: the keys and the marks, wrapped to the width,
 * scrolled by the moving keys (uikeys.c), the rest of its lines counted
 * in the footer. */
#include <stdio.h>
#include <string.h>

#include "tcpladder/canvas.h"
#include "tcpladder/uihelp.h"
#include "tcpladder/util.h"

static const char *const help_lines[] = {
    "tcpladder: TCP sockets by state, and how they change",
    "  F1 h ?        this help (Up Down PgUp PgDn scroll it, other keys return)",
    "  / F3          search connections and owners (F3 or n: next match)",
    "  F4 \\          filter every pane: an ss-style expression, e.g.",
    "                  state close-wait and sport = :443      comm nginx",
    "                  dst 10.0.0.0/8 or pid = 1234    Up Down: earlier filters",
    "  F6 < > I      sort menu, next or previous column, reverse; or click a head",
    "  Up Down j k   move      PgUp PgDn  page      Home End  first, last",
    "  Tab  next pane (histogram, connections, events)    1 2 3  collapse one",
    "  Enter         the selected connection's ladder: Up Down pick a step,",
    "                m marks one, e explains, r replays, p s [ ] pause, step, speed",
    "                ~ inferred, - - -> inferred segment, ~derived: not watched",
    "                +0.3..0.8s between two samples, <=+t at or before, -X lost",
    "  S Space G w N the lab: step mode, release one, all; w why, N next scenario;",
    "  f             skip ahead: no timer is hurried; says what is next, and when",
    "  L N z         CLOSE-WAIT leaks, TIME-WAIT; N namespaces; z empty states",
    "  Space         freeze the view; sampling goes on, the header counts what is",
    "                new; Up Down PgUp PgDn Home End scroll the events; Space: live",
    "  F2 setup  F5 group by process, port, host  + - interval  q F10 quit",
    "Marks: a dim step marked (inferred) was filled in by the state machine;",
    NULL, /* the lower bound's mark, in the glyph set's form */
    "red with an arrow: CLOSE-WAIT or TIME-WAIT grew over the last minute;",
    "bars: log scale; dim rows: closed; 'first seen in STATE': found open.",
};

/* Columns of UTF-8 text whose characters are one column each (the help's). */
static int cols_of(const char *s, size_t n)
{
	int w = 0;
	for (size_t i = 0; i < n; i++)
		w += ((unsigned char)s[i] & 0xc0) != 0x80;
	return w;
}

/* One help line as rows of at most w columns, cut at spaces; a row that
 * goes on is indented under the line's description (its second column),
 * so the keys stay apart.  Returns the rows, drawn from row y when draw. */
static int help_wrap(struct tl_canvas *c, const char *line, int y, int first, int last, bool bold)
{
	int w = c->w - 2, rows = 0;
	size_t len = strlen(line), at = 0;
	int indent = line[0] == ' ' ? 16 : 2;
	if (indent > w / 2)
		indent = 2;
	while (at < len || !rows) {
		int lead = rows ? indent : 0, room = w - lead;
		size_t end = len;
		if (cols_of(line + at, len - at) > room) {
			size_t cut = at, col = 0;
			for (size_t i = at; i < len && (int)col <= room; i++) {
				if (line[i] == ' ' && i > at)
					cut = i;
				col += ((unsigned char)line[i] & 0xc0) != 0x80;
			}
			if (cut == at) /* one word wider than the row: cut it */
				for (cut = at, col = 0; cut < len && (int)col < room; cut++)
					col += ((unsigned char)line[cut] & 0xc0) != 0x80;
			end = cut;
		}
		int row = y + rows;
		if (row >= first && row < last) {
			char part[256];
			snprintf(part, sizeof(part), "%.*s",
				 (int)TL_MIN(end - at, sizeof(part) - 1), line + at);
			tl_canvas_text(c, 1 + lead, row, w - lead, bold ? TL_ST_BOLD : TL_ST_NORMAL,
				       part);
		}
		rows++;
		at = end;
		while (at < len && line[at] == ' ' && rows)
			at++;
	}
	return rows;
}

/* The help, wrapped to the width and scrolled by ui->help_top (clamped
 * here: the number of rows is known only at this width). */
void tl_uihelp_draw(struct tl_ui *ui, struct tl_canvas *c)
{
	char mark[96];
	snprintf(mark, sizeof(mark),
		 "'%s' before an age: found open at start-up, so at least that old;",
		 c->g->at_least);
	int first = 2, last = c->h - 1, total = 0;
	for (size_t i = 0; i < TL_ARRAY_SIZE(help_lines); i++) /* measure */
		total += help_wrap(c, help_lines[i] ? help_lines[i] : mark, 0, 0, 0, false);
	int room = last - first;
	ui->help_top = TL_MAX(0, TL_MIN(ui->help_top, total - room));
	ui->help_page = room;
	int y = first - ui->help_top;
	tl_canvas_fill(c, 0, 0, c->w, 1, ' ', TL_ST_HEADER);
	tl_canvas_text(c, 1, 0, c->w - 1, TL_ST_HEADER, "tcpladder help");
	for (size_t i = 0; i < TL_ARRAY_SIZE(help_lines); i++)
		y += help_wrap(c, help_lines[i] ? help_lines[i] : mark, y, first, last, i == 0);
	char keys[96];
	if (total > room && c->w >= 60)
		snprintf(keys, sizeof(keys),
			 "Up Down: scroll (%d-%d of %d)  other keys: back  F10: quit",
			 ui->help_top + 1, ui->help_top + room, total);
	else if (total > room)
		snprintf(keys, sizeof(keys), "Up Down %d-%d/%d  other: back", ui->help_top + 1,
			 ui->help_top + room, total);
	else
		snprintf(keys, sizeof(keys), "any key: back   F10: quit");
	tl_canvas_text(c, 0, c->h - 1, c->w - 1, TL_ST_KEY, keys);
}
