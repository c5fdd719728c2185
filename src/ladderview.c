/* ladderview: the ladder's layout (columns from the terminal's width),
 * its two rows a step, the footer and the detail pane.  Reads the model
 * through ladder.h and its words through narration.h. */
#include <stdio.h>
#include <string.h>

#include "tcpladder/ladderlegend.h"
#include "tcpladder/ladderview.h"
#include "tcpladder/narration.h"
#include "tcpladder/tcpstate.h"

struct geo {
	int x, y, w, h; /* the ladder's own area */
	int m;          /* time margin */
	int s;          /* state label width */
	bool abbrev;
	int xa, xb;
	int narr_x, narr_w;
	int hdr; /* rows above the first step */
	int bhdr_x, bhdr_y;
	int steps_y; /* first step row */
	int visible; /* steps that fit */
	int footer_y;
	/* the detail pane */
	bool side;
	int px, py, pw, ph;
};

/* ASCII cannot show Chinese: English instead. */
static const char *shown_lang(const struct tl_canvas *c, const char *lang)
{
	return c->g->ascii ? "en" : lang;
}

static const char *state_name(int st, bool abbrev)
{
	if (!st)
		return "";
	if (abbrev && st == TL_TCP_ESTABLISHED)
		return "ESTAB";
	return tl_tcp_state_name(st);
}

/* A time window as "+0.3…0.8s" ("+0.3..0.8s" in ASCII), short enough to
 * leave the dialogue its room: rounded outwards (the start down, the end
 * up) to tenths, or to seconds from 100 s, so it still holds the step. */
static void window_text(uint64_t lo, uint64_t hi, bool ascii, char *out, size_t len)
{
	uint64_t unit = hi >= 100000000000ULL ? 1000000000ULL : 100000000ULL;
	uint64_t a = lo / unit, z = (hi + unit - 1) / unit;
	if (a == z) {
		tl_narration_elapsed(hi, out, len);
		return;
	}
	if (unit == 100000000ULL)
		snprintf(out, len, "+%llu.%llu%s%llu.%llus", (unsigned long long)(a / 10),
			 (unsigned long long)(a % 10), ascii ? ".." : "…",
			 (unsigned long long)(z / 10), (unsigned long long)(z % 10));
	else
		snprintf(out, len, "+%llu%s%llus", (unsigned long long)a, ascii ? ".." : "…",
			 (unsigned long long)z);
}

/* A step's time since the ladder's origin: exact ("+0.419s": a destroy
 * event, an eBPF record, a first sighting), a window between the two
 * samples around it ("+0.100…0.419s"), or, with no earlier sample, at or
 * before ("≤+0.419s"). */
static void step_time(const struct tl_ladder *l, size_t i, bool ascii, char *out, size_t len)
{
	char t[32];
	uint64_t lo, hi;
	int k = tl_ladder_window(l, i, &lo, &hi);
	if (k == 0) {
		window_text(lo, hi, ascii, out, len);
		return;
	}
	tl_narration_elapsed(hi, t, sizeof(t));
	const struct tl_ladder_step *s = tl_ladder_step(l, i);
	bool exact = k > 0 || (s && s->kind == TL_LADDER_SEEN);
	snprintf(out, len, "%s%s", exact ? "" : ascii ? "<=" : "≤", t);
}

static void header_text(const struct tl_ladder *l, int x, const char *lang, struct tl_buf *out)
{
	tl_buf_printf(out, "%c %s ", x ? 'B' : 'A', tl_ladder_addr(l, x));
	tl_narration_word(lang, x ? TL_WORD_SERVER : TL_WORD_CLIENT, NULL, NULL, out);
	if (!tl_ladder_known(l, x))
		tl_narration_word(lang, TL_WORD_HEAD_DERIVED, NULL, NULL, out);
}

/* Columns of text in lang (Chinese only ever shown in UTF-8). */
static int columns(const char *lang, const char *text)
{
	struct tl_canvas measure = {.g = lang && !strcmp(lang, "zh") ? &tl_glyphs_utf8
								     : &tl_glyphs_ascii};
	return tl_canvas_text_width(&measure, text);
}

/* The detail pane: beside the ladder when wide, else below it. */
static void layout_pane(struct geo *g, int x, int y, int w, int h)
{
	if (w >= 100) {
		g->side = true;
		g->pw = TL_MIN(TL_MAX(w / 3, 32), 48);
		g->w = w - g->pw;
		g->px = x + g->w;
		g->py = y;
		g->ph = h;
	} else {
		g->ph = h >= 20 ? 8 : 4;
		g->h = h - g->ph;
		g->px = x;
		g->py = y + g->h;
		g->pw = w;
	}
}

/* The headers: A at the left, B at its lifeline if there is room, else
 * at the right, else on a row of its own. */
static void layout_headers(const struct tl_ladder *l, const char *lang, struct geo *g)
{
	struct tl_buf b;
	tl_buf_init(&b);
	header_text(l, 0, lang, &b);
	int la = columns(lang, b.data);
	tl_buf_reset(&b);
	header_text(l, 1, lang, &b);
	int lb = columns(lang, b.data);
	tl_buf_fini(&b);
	g->bhdr_y = g->y;
	if (g->xb - 1 >= g->x + la + 2 && g->xb - 1 + lb <= g->x + g->w)
		g->bhdr_x = g->xb - 1;
	else if (g->x + la + 2 + lb <= g->x + g->w)
		g->bhdr_x = g->x + g->w - lb;
	else {
		g->bhdr_x = g->x + TL_MAX(g->w - lb, 0);
		g->bhdr_y = g->y + 1;
	}
}

/* What the lab's link did with a segment, in words; false for nothing
 * beyond carrying it. */
static bool link_note(const struct tl_ladder_step *s, const char *lang, struct tl_buf *b)
{
	char age[32];
	if (!s->link)
		return false;
	snprintf(age, sizeof(age), "%.1f", (double)s->stale_ns / 1e9);
	if (s->stale_ns)
		tl_narration_word(lang, TL_WORD_NOTE_STALE, age, NULL, b);
	else if (s->lost)
		tl_narration_word(lang, TL_WORD_NOTE_LOST, NULL, NULL, b);
	else if (s->released)
		tl_narration_word(lang, TL_WORD_NOTE_RELEASED, NULL, NULL, b);
	else if (s->resent)
		tl_narration_word(lang, s->answer ? TL_WORD_NOTE_ANSWER : TL_WORD_NOTE_RESENT, NULL,
				  NULL, b);
	else if (s->held)
		tl_narration_word(lang, TL_WORD_NOTE_HELD, NULL, NULL, b);
	else
		return false;
	return true;
}

/* The text beyond B on a step's label row: what the link did, else the
 * line of dialogue. */
static void narr_text(const struct tl_ladder_step *s, const char *lang, struct tl_buf *b)
{
	if (!link_note(s, lang, b))
		tl_narration_dialogue(s, lang, b);
}

/* The widest of the ladder's texts beyond B, in columns of glyph set gl. */
static int narr_need(const struct tl_ladder *l, const struct tl_glyphs *gl, const char *lang)
{
	struct tl_canvas measure = {.g = gl}; /* only measures: no cells */
	struct tl_buf b;
	int need = 0;
	tl_buf_init(&b);
	for (size_t i = 0; i < tl_ladder_steps(l); i++) {
		const struct tl_ladder_step *s = tl_ladder_step(l, i);
		if (s->kind == TL_LADDER_SEEN || s->kind == TL_LADDER_GAP)
			continue;
		tl_buf_reset(&b);
		narr_text(s, lang, &b);
		if (b.len)
			need = TL_MAX(need, tl_canvas_text_width(&measure, b.data));
	}
	tl_buf_fini(&b);
	return need;
}

/* need: the columns the texts beyond B want (0: no more than the
 * dialogue's usual). */
static void layout(const struct tl_ladder *l, int x, int y, int w, int h, bool pane, int need,
		   const char *lang, struct geo *g)
{
	char buf[32];
	memset(g, 0, sizeof(*g));
	g->x = x;
	g->y = y;
	g->w = w;
	g->h = h;
	if (pane)
		layout_pane(g, x, y, w, h);
	g->m = 8;
	for (size_t i = 0; i < tl_ladder_steps(l); i++) {
		/* ASCII's marks are as wide as UTF-8's or wider */
		step_time(l, i, true, buf, sizeof(buf));
		g->m = TL_MAX(g->m, (int)strlen(buf) + 1);
	}
	g->abbrev = g->w < 70;
	g->s = g->abbrev ? 11 : 12; /* "~ESTABLISHED" */
	g->xa = x + g->m + g->s + 1;
	int rest = g->w - (g->m + g->s + 1) - 2 - g->s - 1;
	/* the arrows get what the texts beyond B leave them (the dialogue's
	 * 34 columns or more, as the notes need: a note as long as the pane
	 * allows), between 18 and 40 columns */
	int keep = TL_MAX(22, need - g->s);
	int span = rest >= 40 ? TL_MIN(TL_MAX(rest - keep, 18), 40) : rest;
	span = TL_MAX(span, 4);
	g->xb = g->xa + span + 1;
	g->narr_x = g->xb + 2;
	g->narr_w = x + g->w - g->narr_x;
	if (g->narr_w < 14)
		g->narr_w = 0;
	layout_headers(l, lang, g);
	g->hdr = g->bhdr_y - y + 2;
	g->steps_y = y + g->hdr;
	g->footer_y = y + g->h - 1;
	g->visible = TL_MAX((g->footer_y - g->steps_y) / 2, 0);
}

static int fit(const struct tl_ladder *l, const struct geo *g, const struct tl_ladder_view *v)
{
	int n = (int)tl_ladder_steps(l), top = v->scroll;
	if (v->selected >= 0 && v->selected < n && g->visible > 0) {
		if (v->selected < top)
			top = v->selected;
		if (v->selected >= top + g->visible)
			top = v->selected - g->visible + 1;
	}
	top = TL_MIN(top, n - g->visible);
	return TL_MAX(top, 0);
}

int tl_ladder_fit_scroll(const struct tl_ladder *l, int w, int h, const struct tl_ladder_view *v)
{
	struct geo g;
	layout(l, 0, 0, w, h, true, 0, v->lang, &g); /* the rows: the columns do not matter */
	return fit(l, &g, v);
}

static void lifeline(const struct tl_ladder *l, struct tl_canvas *c, const struct geo *g, int x,
		     int y)
{
	tl_canvas_put(c, x ? g->xb : g->xa, y, c->g->lifeline,
		      tl_ladder_known(l, x) ? TL_ST_DIM : TL_ST_INFERRED);
}

/* A side's state beside its lifeline: A's to the left, B's to the right. */
static void side_state(struct tl_canvas *c, const struct geo *g, int x, int y, int style,
		       const char *name)
{
	int n = (int)strlen(name);
	if (x == 0)
		tl_canvas_text(c, g->xa - 1 - n, y, n, style, name);
	else
		tl_canvas_text(c, g->xb + 2, y, g->s, style, name);
}

/* The shaft and head of an arrow anim of the way from its sender; an
 * arrow of unknown direction is a headless shaft with a mark. */
static void draw_arrow(struct tl_canvas *c, const struct geo *g, const struct tl_ladder_step *s,
		       int y, double anim)
{
	const struct tl_glyphs *gl = c->g;
	int style = s->inferred ? TL_ST_INFERRED : TL_ST_NORMAL;
	if (s->from < 0) {
		for (int i = g->xa + 1; i < g->xb; i++)
			tl_canvas_put(c, i, y, gl->shaft, style);
		tl_canvas_put(c, (g->xa + g->xb) / 2, y, gl->no_dir, style);
		return;
	}
	int sx = s->from ? g->xb : g->xa, rx = s->from ? g->xa : g->xb;
	int d = rx > sx ? 1 : -1, len = (rx - sx) * d - 1; /* cells between the lifelines */
	int head = len - 1;
	if (anim < 1)
		head = (int)(anim < 0 ? 0 : anim * (len - 1) + 0.5);
	if (s->lost) { /* it ends half way, where the link dropped it */
		head = TL_MIN(head, len / 2);
		for (int i = 0; i < head; i++)
			tl_canvas_put(c, sx + d * (1 + i), y, gl->shaft, TL_ST_BAD);
		tl_canvas_put(c, sx + d * (1 + head), y, gl->lost, TL_ST_BAD);
		return;
	}
	if (s->held) /* it stops half way, where the link holds it (its row says so) */
		head = TL_MIN(head, len / 2);
	for (int i = 0; i < head; i++) {
		uint32_t ch = !s->inferred ? gl->shaft : i % 2 ? gl->dash_gap : gl->dash;
		tl_canvas_put(c, sx + d * (1 + i), y, ch, style);
	}
	tl_canvas_put(c, sx + d * (1 + head), y, d > 0 ? gl->arrow_r : gl->arrow_l, style);
}

/* The label row: the arrow's label between the lifelines, the dialogue
 * beyond B. */
static void draw_label_row(const struct tl_ladder_step *s, struct tl_canvas *c, const struct geo *g,
			   int y, const char *lang)
{
	struct tl_buf b;
	tl_buf_init(&b);
	if (s->kind == TL_LADDER_SEEN || s->kind == TL_LADDER_GAP) {
		/* a note across the diagram, not an arrow's label; the time of
		 * a first sighting on the row below, so a narrow ladder keeps it */
		int nx = (s->from == 1 ? g->xb : g->xa) + 2, nw = g->x + g->w - nx;
		if (s->kind == TL_LADDER_SEEN) {
			char t[32];
			tl_narration_word(lang, TL_WORD_FIRST_SEEN, tl_tcp_state_name(s->state),
					  NULL, &b);
			tl_narration_clock_time(s->wall, t, sizeof(t));
			tl_canvas_text(c, nx, y, nw, TL_ST_DIM, b.data);
			tl_buf_reset(&b);
			tl_narration_word(lang, TL_WORD_AT_TIME, t, NULL, &b);
			tl_canvas_text(c, nx, y + 1, nw, TL_ST_DIM, b.data);
		} else {
			tl_narration_label_in(s, lang, &b);
			tl_canvas_text(c, nx, y, nw, TL_ST_DIM, b.data);
		}
		tl_buf_fini(&b);
		return;
	}
	if (s->inferred && s->kind != TL_LADDER_STATE)
		tl_buf_puts(&b, "~");
	tl_narration_label_in(s, lang, &b); /* a state change: its reason */
	int span = g->xb - g->xa - 1;
	if (s->has_seq && s->kind != TL_LADDER_STATE) {
		/* the link's relative numbers, as a capture shows them, when
		 * they fit beside the label (the side pane has them always) */
		char sq[40];
		if (!s->ack) /* no ACK flag: every ACK acknowledges a SYN at least */
			snprintf(sq, sizeof(sq), "  seq=%u", s->seq);
		else
			snprintf(sq, sizeof(sq), "  seq=%u ack=%u", s->seq, s->ack);
		if (tl_canvas_text_width(c, b.data) + (int)strlen(sq) <= span)
			tl_buf_puts(&b, sq);
	}
	int lw = TL_MIN(tl_canvas_text_width(c, b.data), span);
	int st = s->kind == TL_LADDER_STATE ? TL_ST_DIM : s->inferred ? TL_ST_INFERRED : TL_ST_BOLD;
	tl_canvas_text(c, g->xa + 1 + (span - lw) / 2, y, span, st, b.data);
	tl_buf_reset(&b);
	if (g->narr_w) {
		narr_text(s, lang, &b);
		if (b.len)
			tl_canvas_text(c, g->narr_x, y, g->narr_w, TL_ST_NORMAL, b.data);
	}
	tl_buf_fini(&b);
}

static void draw_step(const struct tl_ladder *l, struct tl_canvas *c, const struct geo *g, size_t i,
		      int y, const struct tl_ladder_view *v, const char *lang)
{
	const struct tl_ladder_step *s = tl_ladder_step(l, i);
	bool flying = (int)i == tl_ladder_newest(l) && v->anim < 1;
	char buf[64];

	for (int x = 0; x < 2; x++) {
		lifeline(l, c, g, x, y);
		lifeline(l, c, g, x, y + 1);
	}
	draw_label_row(s, c, g, y, lang);
	/* the arrow row: time, states, the arrow */
	if (s->kind != TL_LADDER_GAP) {
		step_time(l, i, c->g->ascii, buf, sizeof(buf));
		int tw = tl_canvas_text_width(c, buf);
		tl_canvas_text(c, g->x + g->m - 1 - tw, y + 1, g->m - 1, TL_ST_DIM, buf);
	}
	if (s->kind == TL_LADDER_ARROW || s->kind == TL_LADDER_DATA)
		draw_arrow(c, g, s, y + 1, flying ? v->anim : 1);
	for (int x = 0; x < 2; x++) {
		const struct tl_ladder_side *sd = &s->side[x];
		if (!sd->change || (flying && sd->landing))
			continue;
		/* an inferred change is marked, not only styled: text has no styles */
		snprintf(buf, sizeof(buf), "%s%s", sd->inferred ? "~" : "",
			 state_name(sd->change, g->abbrev));
		side_state(c, g, x, y + 1, sd->inferred ? TL_ST_INFERRED : TL_ST_NORMAL, buf);
	}
	if ((int)i == v->mark)
		tl_canvas_put(c, g->x, y, c->g->mark, TL_ST_KEY);
	if ((int)i == v->selected) {
		tl_canvas_style(c, g->x, y, g->w, TL_ST_SELECTED);
		tl_canvas_style(c, g->x, y + 1, g->w, TL_ST_SELECTED);
	}
}

/* The lifelines' heads, with the states they start in. */
static void draw_heads(const struct tl_ladder *l, struct tl_canvas *c, const struct geo *g,
		       const char *lang)
{
	struct tl_buf b;
	tl_buf_init(&b);
	for (int x = 0; x < 2; x++) {
		tl_buf_reset(&b);
		header_text(l, x, lang, &b);
		int hx = x ? g->bhdr_x : g->x, hy = x ? g->bhdr_y : g->y;
		tl_canvas_text(c, hx, hy, g->x + g->w - hx,
			       tl_ladder_known(l, x) ? TL_ST_TITLE : TL_ST_INFERRED, b.data);
	}
	tl_buf_fini(&b);
	int hy = g->steps_y - 1;
	tl_canvas_put(c, g->xa, hy, 'A', TL_ST_TITLE);
	tl_canvas_put(c, g->xb, hy, 'B', TL_ST_TITLE);
	for (int x = 0; x < 2; x++) {
		int st = tl_ladder_first_state(l, x);
		if (st)
			side_state(c, g, x, hy, tl_ladder_known(l, x) ? TL_ST_DIM : TL_ST_INFERRED,
				   state_name(st, g->abbrev));
	}
}

/* The footer: each side's clock, and how many steps are out of view. */
static void draw_footer(const struct tl_ladder *l, struct tl_canvas *c, const struct geo *g,
			const struct tl_ladder_view *v, int top, int shown, const char *lang)
{
	int fy = g->footer_y;
	struct tl_ladder_last last;
	struct tl_buf b;
	tl_buf_init(&b);
	for (int x = 0; x < 2 && v->anim >= 1; x++) {
		tl_buf_reset(&b);
		if (!tl_ladder_last(l, x, &last) || !tl_narration_clock(&last, v->now, lang, &b))
			continue;
		int n = tl_canvas_text_width(c, b.data);
		int sty = last.state == TL_TCP_CLOSE_WAIT ? TL_ST_WARN : TL_ST_BAR_TW;
		if (x == 0)
			tl_canvas_text(c, TL_MAX(g->xa - 1 - n, g->x), fy, g->s + g->m, sty,
				       b.data);
		else
			tl_canvas_text(c, g->xb + 2, fy, g->x + g->w - g->xb - 2, sty, b.data);
	}
	int below = (int)tl_ladder_steps(l) - top - shown;
	if (top > 0 || below > 0) {
		char a[16], z[16];
		snprintf(a, sizeof(a), "%d", top);
		snprintf(z, sizeof(z), "%d", below);
		tl_buf_reset(&b);
		tl_narration_word(lang,
				  top > 0 && below > 0 ? TL_WORD_ABOVE_BELOW
				  : top > 0            ? TL_WORD_ABOVE
						       : TL_WORD_BELOW,
				  top > 0 ? a : z, z, &b);
		int span = g->xb - g->xa - 1, n = tl_canvas_text_width(c, b.data);
		tl_canvas_text(c, g->xa + 1 + TL_MAX((span - n) / 2, 0), fy, span, TL_ST_DIM,
			       b.data);
	}
	tl_buf_fini(&b);
}

static void draw_ladder(const struct tl_ladder *l, struct tl_canvas *c, const struct geo *g,
			const struct tl_ladder_view *v, int top, const char *lang)
{
	size_t n = tl_ladder_steps(l);
	int newest = tl_ladder_newest(l), shown = 0;
	draw_heads(l, c, g, lang);
	for (size_t i = (size_t)top; i < n && shown < g->visible; i++, shown++) {
		/* Steps after a segment still in flight have not happened yet. */
		if (v->anim < 1 && newest >= 0 && (int)i > newest)
			break;
		draw_step(l, c, g, i, g->steps_y + 2 * shown, v, lang);
	}
	for (int yy = g->steps_y + 2 * shown; yy <= g->footer_y; yy++)
		for (int x = 0; x < 2; x++)
			lifeline(l, c, g, x, yy);
	draw_footer(l, c, g, v, top, shown, lang);
}

/* ---- the detail pane ---- */

/* Where the pane's text goes: a column of rows filled top down. */
struct pane {
	struct tl_canvas *c;
	int x, y, w, end;
	bool side;
	const char *lang; /* the words' language */
	struct tl_buf b;  /* scratch for the paragraph being written */
};

/* A paragraph on the pane's next rows, indented. */
static void para(struct pane *p, int indent, int style, const char *s)
{
	p->y += tl_canvas_wrap(p->c, p->x + indent, p->y, p->w - indent, p->end - p->y, style, s);
}

static void side_line(const struct tl_ladder *l, const struct tl_ladder_step *s, int x,
		      const struct tl_canvas *c, const char *lang, struct tl_buf *b)
{
	const struct tl_ladder_side *sd = &s->side[x];
	tl_buf_printf(b, "%c: ", x ? 'B' : 'A');
	if (sd->change && sd->before && sd->before != sd->change)
		tl_buf_printf(b, "%s %s %s", tl_tcp_state_name(sd->before), c->g->to,
			      tl_tcp_state_name(sd->change));
	else if (sd->change)
		tl_buf_printf(b, "%s %s", c->g->to, tl_tcp_state_name(sd->change));
	else if (sd->after)
		tl_buf_printf(b, "%s", tl_tcp_state_name(sd->after));
	else
		tl_narration_word(lang, TL_WORD_NOT_YET, NULL, NULL, b);
	if (sd->change && sd->inferred)
		tl_narration_word(lang, tl_ladder_known(l, x) ? TL_WORD_INFERRED : TL_WORD_DERIVED,
				  NULL, NULL, b);
}

/* Nothing selected: the connection as a whole. */
static void pane_overview(const struct tl_ladder *l, struct pane *p)
{
	tl_buf_reset(&p->b);
	tl_buf_puts(&p->b, p->side ? "" : " ");
	tl_narration_word(p->lang, TL_WORD_CONNECTION, NULL, NULL, &p->b);
	tl_buf_puts(&p->b, p->side ? "" : " ");
	tl_canvas_text(p->c, p->x, p->y++, p->w, TL_ST_TITLE, p->b.data);
	for (int x = 0; x < 2 && p->y < p->end; x++) {
		int st = tl_ladder_final_state(l, x);
		tl_buf_reset(&p->b);
		tl_buf_printf(&p->b, "%c: %s", x ? 'B' : 'A', st ? tl_tcp_state_name(st) : "?");
		if (!tl_ladder_known(l, x))
			tl_narration_word(p->lang, TL_WORD_DERIVED, NULL, NULL, &p->b);
		tl_canvas_text(p->c, p->x, p->y++, p->w, TL_ST_NORMAL, p->b.data);
	}
	char n[24];
	snprintf(n, sizeof(n), "%zu", tl_ladder_steps(l));
	tl_buf_reset(&p->b);
	tl_narration_word(p->lang, TL_WORD_STEPS_HINT, n, NULL, &p->b);
	para(p, 0, TL_ST_DIM, p->b.data);
}

/* "Step 6/9: FIN A->B". */
static void pane_title(const struct tl_ladder *l, struct pane *p, int sel)
{
	const struct tl_ladder_step *s = tl_ladder_step(l, (size_t)sel);
	char at[16], of[24];
	snprintf(at, sizeof(at), "%d", sel + 1);
	snprintf(of, sizeof(of), "%zu", tl_ladder_steps(l));
	tl_buf_reset(&p->b);
	tl_buf_puts(&p->b, p->side ? "" : " ");
	tl_narration_word(p->lang, TL_WORD_STEP, at, of, &p->b);
	tl_narration_label_in(s, p->lang, &p->b);
	if ((s->kind == TL_LADDER_ARROW || s->kind == TL_LADDER_DATA) && s->from >= 0)
		tl_buf_printf(&p->b, " %c%s%c", s->from ? 'B' : 'A', p->c->g->to,
			      s->from ? 'A' : 'B');
	if (!p->side)
		tl_buf_puts(&p->b, " ");
	tl_canvas_text(p->c, p->x, p->y++, p->w, TL_ST_TITLE, p->b.data);
}

/* When the step happened and how we know; the time to the marked step. */
static void pane_when(const struct tl_ladder *l, struct pane *p, int sel, int mark)
{
	const struct tl_ladder_step *s = tl_ladder_step(l, (size_t)sel);
	char t[32], t0[32];
	uint64_t lo, hi;
	int k = tl_ladder_window(l, (size_t)sel, &lo, &hi);
	tl_buf_reset(&p->b);
	tl_narration_elapsed(hi, t, sizeof(t));
	tl_narration_elapsed(lo, t0, sizeof(t0));
	if (s->kind == TL_LADDER_SEEN) {
		tl_narration_word(p->lang, TL_WORD_AT_SEEN, t, NULL, &p->b);
	} else if (k >= 0) {
		struct tl_buf how;
		tl_buf_init(&how);
		tl_narration_word(p->lang, s->inferred ? TL_WORD_INFERRED_ADJ : TL_WORD_OBSERVED,
				  NULL, NULL, &how);
		if (k > 0) {
			tl_narration_word(p->lang, TL_WORD_AT_EXACT, t, how.data, &p->b);
		} else {
			tl_narration_word(p->lang, TL_WORD_BETWEEN, t0, t, &p->b);
			tl_buf_puts(&p->b, how.data);
		}
		tl_buf_fini(&how);
	} else {
		tl_narration_word(p->lang, s->inferred ? TL_WORD_AT_INFERRED : TL_WORD_AT_OBSERVED,
				  t, NULL, &p->b);
	}
	para(p, 0, s->inferred ? TL_ST_INFERRED : TL_ST_NORMAL, p->b.data);
	if (s->link && p->y < p->end) {
		tl_buf_reset(&p->b);
		tl_narration_word(p->lang, TL_WORD_ON_LINK, NULL, NULL, &p->b);
		if (s->has_seq) {
			char sq[16], ak[16];
			snprintf(sq, sizeof(sq), "%u", s->seq);
			snprintf(ak, sizeof(ak), "%u", s->ack);
			tl_narration_word(p->lang, TL_WORD_SEQ_ACK, sq, ak, &p->b);
		}
		struct tl_buf nb;
		tl_buf_init(&nb);
		if (link_note(s, p->lang, &nb)) {
			tl_narration_word(p->lang, TL_WORD_NOTE_SEP, NULL, NULL, &p->b);
			tl_buf_puts(&p->b, nb.data);
		}
		tl_buf_fini(&nb);
		para(p, 0, s->lost ? TL_ST_BAD : TL_ST_NORMAL, p->b.data);
	}
	if (mark >= 0 && mark < (int)tl_ladder_steps(l) && mark != sel && p->y < p->end) {
		uint64_t a = tl_ladder_step(l, (size_t)mark)->mono_ns, z = s->mono_ns;
		if (!p->lang || strcmp(p->lang, "zh")) {
			uint64_t mlo, mhi;
			int mk = tl_ladder_window(l, (size_t)mark, &mlo, &mhi);
			tl_buf_reset(&p->b);
			if (k != 0 && mk != 0) { /* two times, exact or bounds */
				tl_buf_printf(&p->b, "%.3f s %s the mark (step %d)",
					      (double)(a > z ? a - z : z - a) / 1e9,
					      z >= a ? "after" : "before", mark + 1);
			} else {
				/* either end a window: the interval is one too (an
				 * end known only as a bound may be as early as 0) */
				uint64_t slo = k >= 0 ? lo : 0, sm = mk >= 0 ? mlo : 0;
				bool after = hi >= mhi;
				uint64_t far = after ? hi - sm : mhi - slo;
				uint64_t near =
				    after ? (slo > mhi ? slo - mhi : 0) : (sm > hi ? sm - hi : 0);
				tl_buf_printf(&p->b,
					      "between %.3f and %.3f s %s the mark (step %d)",
					      (double)near / 1e9, (double)far / 1e9,
					      after ? "after" : "before", mark + 1);
			}
		} else {
			char d[32], m[16];
			snprintf(d, sizeof(d), "%.3f", (double)(a > z ? a - z : z - a) / 1e9);
			snprintf(m, sizeof(m), "%d", mark + 1);
			tl_buf_reset(&p->b);
			tl_narration_word(p->lang,
					  z >= a ? TL_WORD_AFTER_MARK : TL_WORD_BEFORE_MARK, d, m,
					  &p->b);
		}
		/* an inferred step in between has no time of its own */
		bool guessed = false;
		for (int i = TL_MIN(mark, sel); i <= TL_MAX(mark, sel); i++)
			guessed |= tl_ladder_step(l, (size_t)i)->inferred;
		if (guessed)
			tl_narration_word(p->lang, TL_WORD_SPANS, NULL, NULL, &p->b);
		para(p, 0, TL_ST_KEY, p->b.data);
	}
}

/* Each side's counters at the step; the data a data step carried. */
static void pane_counters(const struct tl_ladder_step *s, struct pane *p)
{
	char ba[32], br[32], n[32], m[32];
	unsigned shown = 0;
	if (s->kind == TL_LADDER_DATA && p->y < p->end) {
		tl_buf_reset(&p->b);
		tl_narration_bytes(s->bytes, ba, sizeof(ba));
		snprintf(n, sizeof(n), "%llu", (unsigned long long)s->bytes);
		snprintf(m, sizeof(m), "%u", s->segs);
		tl_narration_word(p->lang, s->bytes < 1024 ? TL_WORD_CARRIED_FEW : TL_WORD_CARRIED,
				  n, ba, &p->b);
		if (s->segs) /* counted by the link; counters do not tell them */
			tl_narration_word(p->lang, TL_WORD_IN_SEGS, m, NULL, &p->b);
		para(p, 0, TL_ST_NORMAL, p->b.data);
	}
	for (int x = 0; x < 2 && p->y < p->end; x++) {
		const struct tl_tcpinfo *in = &s->side[x].info;
		if (!s->side[x].has_info)
			continue;
		tl_buf_reset(&p->b);
		tl_narration_bytes(in->bytes_acked, ba, sizeof(ba));
		tl_narration_bytes(in->bytes_received, br, sizeof(br));
		tl_narration_word(p->lang, TL_WORD_COUNTERS, x ? "B" : "A", NULL, &p->b);
		if (in->have & TL_INFO_RTT) {
			snprintf(n, sizeof(n), "%.2f", in->rtt_us / 1000.0);
			tl_narration_word(p->lang, TL_WORD_RTT, n, NULL, &p->b);
		}
		if (in->have & TL_INFO_BYTES_ACKED)
			tl_narration_word(p->lang, TL_WORD_SENT, ba, NULL, &p->b);
		if (in->have & TL_INFO_BYTES_RECEIVED)
			tl_narration_word(p->lang, TL_WORD_RECEIVED, br, NULL, &p->b);
		if (in->have & TL_INFO_SEGS) {
			snprintf(n, sizeof(n), "%u", in->segs_out);
			snprintf(m, sizeof(m), "%u", in->segs_in);
			tl_narration_word(p->lang, TL_WORD_SEGS, n, m, &p->b);
		}
		para(p, 0, TL_ST_NORMAL, p->b.data);
		shown |= in->have & (TL_INFO_BYTES_ACKED | TL_INFO_BYTES_RECEIVED);
	}
	if (shown && p->y < p->end) {
		tl_buf_reset(&p->b);
		tl_narration_word(p->lang, TL_WORD_CTL_BYTES, NULL, NULL, &p->b);
		para(p, 0, TL_ST_KEY, p->b.data);
	}
}

/* The selected step: what it is, when, who said what, each side. */
static void pane_step(const struct tl_ladder *l, struct pane *p, const struct tl_ladder_view *v,
		      const char *lang)
{
	int sel = v->selected;
	const struct tl_ladder_step *s = tl_ladder_step(l, (size_t)sel);
	pane_title(l, p, sel);
	if (v->explain) {
		tl_buf_reset(&p->b);
		tl_narration_explain(s, lang, &p->b);
		para(p, 0, TL_ST_NORMAL, p->b.data);
		return;
	}
	pane_when(l, p, sel, v->mark);
	if (p->y < p->end) {
		tl_buf_reset(&p->b);
		tl_narration_dialogue(s, lang, &p->b);
		if (p->b.len)
			para(p, 0, TL_ST_DIM, p->b.data);
	}
	for (int x = 0; x < 2 && p->y < p->end; x++) {
		const struct tl_ladder_side *sd = &s->side[x];
		tl_buf_reset(&p->b);
		side_line(l, s, x, p->c, lang, &p->b);
		para(p, 0, sd->inferred ? TL_ST_INFERRED : TL_ST_NORMAL, p->b.data);
		if (sd->change && sd->why && p->y < p->end)
			para(p, 3, TL_ST_DIM, tl_narration_why(sd->why, lang));
	}
	pane_counters(s, p);
	struct tl_ladder_last last;
	for (int x = 0; x < 2 && p->y < p->end; x++) {
		if (!tl_ladder_last(l, x, &last))
			continue;
		tl_buf_reset(&p->b);
		tl_buf_printf(&p->b, "%c %s ", x ? 'B' : 'A', tl_tcp_state_name(last.state));
		if (tl_narration_clock(&last, v->now, lang, &p->b))
			para(p, 0, TL_ST_WARN, p->b.data);
	}
}

static void draw_pane(const struct tl_ladder *l, struct tl_canvas *c, const struct geo *g,
		      const struct tl_ladder_view *v, const char *lang)
{
	struct pane p = {.c = c, .y = g->py, .end = g->py + g->ph, .side = g->side, .lang = lang};
	if (g->side) {
		for (int yy = g->py; yy < g->py + g->ph; yy++)
			tl_canvas_put(c, g->px, yy, c->g->vline, TL_ST_DIM);
		p.x = g->px + 2;
		p.w = g->pw - 3;
	} else {
		tl_canvas_fill(c, g->px, g->py, g->pw, 1, c->g->hline, TL_ST_DIM);
		p.x = g->px + 1;
		p.w = g->pw - 2;
	}
	tl_buf_init(&p.b);
	p.end -= tl_ladder_legend_draw(c, p.x, g->py, p.w, g->ph, g->side, lang);
	if (v->selected < 0 || v->selected >= (int)tl_ladder_steps(l))
		pane_overview(l, &p);
	else
		pane_step(l, &p, v, lang);
	tl_buf_fini(&p.b);
}

void tl_ladder_draw(const struct tl_ladder *l, struct tl_canvas *c, int x, int y, int w, int h,
		    const struct tl_ladder_view *v)
{
	struct geo g;
	const char *lang = shown_lang(c, v->lang);
	tl_canvas_fill(c, x, y, w, h, ' ', TL_ST_NORMAL);
	if (w < TL_LADDER_MIN_W || h < TL_LADDER_MIN_H) {
		char need[32], has[32];
		struct tl_buf note;
		/* the pane's own size: the screen around it takes rows too */
		snprintf(need, sizeof(need), "%dx%d", TL_LADDER_MIN_W, TL_LADDER_MIN_H);
		snprintf(has, sizeof(has), "%dx%d", w, h);
		tl_buf_init(&note);
		tl_narration_word(lang, TL_WORD_TOO_SMALL, need, has, &note);
		tl_canvas_text(c, x, y, w, TL_ST_DIM, note.data);
		tl_buf_fini(&note);
		return;
	}
	layout(l, x, y, w, h, true, narr_need(l, c->g, lang), lang, &g);
	draw_ladder(l, c, &g, v, fit(l, &g, v), lang);
	draw_pane(l, c, &g, v, lang);
}

void tl_ladder_text(const struct tl_ladder *l, int w, const char *lang, bool ascii,
		    struct tl_buf *out)
{
	struct tl_canvas c;
	struct geo g;
	struct tl_ladder_view v = {.selected = -1, .mark = -1, .anim = 1, .lang = lang};
	w = TL_MAX(w, TL_LADDER_MIN_W);
	tl_canvas_init(&c, w, 4, ascii ? &tl_glyphs_ascii : &tl_glyphs_utf8);
	lang = shown_lang(&c, lang);
	int need = narr_need(l, c.g, lang);
	layout(l, 0, 0, w, 4, false, need, lang, &g);
	int h = g.hdr + 2 * (int)tl_ladder_steps(l) + 1;
	tl_canvas_resize(&c, w, h);
	layout(l, 0, 0, w, h, false, need, lang, &g);
	draw_ladder(l, &c, &g, &v, 0, lang);
	tl_canvas_dump(&c, out);
	tl_canvas_fini(&c);
}
