/* ladderexport: a ladder as plain text, an SVG picture or a Mermaid
 * sequenceDiagram.  Every text goes through one writer per format, which
 * escapes it; nothing is written raw but the markup itself. */
#include <stdio.h>
#include <string.h>

#include "tcpladder/canvas.h"
#include "tcpladder/ladderexport.h"
#include "tcpladder/ladderview.h"
#include "tcpladder/narration.h"
#include "tcpladder/tcpstate.h"

static const char *const format_names[TL_LADDER_FMT_N] = {"text", "svg", "mermaid"};
static const char *const format_exts[TL_LADDER_FMT_N] = {"txt", "svg", "mmd"};

int tl_ladder_format_parse(const char *name)
{
	for (int i = 0; name && i < TL_LADDER_FMT_N; i++)
		if (!strcmp(name, format_names[i]))
			return i;
	return -1;
}

const char *tl_ladder_format_name(enum tl_ladder_format f)
{
	return (unsigned)f < TL_LADDER_FMT_N ? format_names[f] : "?";
}

const char *tl_ladder_format_ext(enum tl_ladder_format f)
{
	return (unsigned)f < TL_LADDER_FMT_N ? format_exts[f] : "txt";
}

/* A step's time since the first: a sampled or inferred step happened at
 * or before it ("≤"); a first sighting is when it was seen. */
static void step_time(const struct tl_ladder *l, size_t i, char *out, size_t len)
{
	char t[32];
	const struct tl_ladder_step *s = tl_ladder_step(l, i);
	tl_narration_elapsed(tl_ladder_elapsed(l, i), t, sizeof(t));
	snprintf(out, len, "%s%s", s->kind == TL_LADDER_SEEN ? "" : "≤", t);
}

static void side_header(const struct tl_ladder *l, int x, const char *lang, struct tl_buf *out)
{
	tl_buf_printf(out, "%c %s ", x ? 'B' : 'A', tl_ladder_addr(l, x));
	tl_narration_word(lang, x ? TL_WORD_SERVER : TL_WORD_CLIENT, NULL, NULL, out);
	if (!tl_ladder_known(l, x))
		tl_narration_word(lang, TL_WORD_HEAD_DERIVED, NULL, NULL, out);
}

/* The state a side enters at a step, marked '~' when inferred. */
static void state_change(const struct tl_ladder_side *sd, struct tl_buf *out)
{
	tl_buf_printf(out, "%s%s", sd->inferred ? "~" : "", tl_tcp_state_name(sd->change));
}

/* ---- SVG ---- */

/* Geometry, in pixels (a 12 px monospace font is about 7.2 px a glyph). */
enum {
	SVG_W = 920,
	SVG_TIME_X = 84,  /* time column, right-aligned */
	SVG_A_X = 240,    /* A's lifeline; A's states end 10 px left of it */
	SVG_B_X = 520,    /* B's lifeline; B's states start 10 px right of it */
	SVG_NARR_X = 660, /* the dialogue */
	SVG_ROW = 44,     /* a step: label row and arrow row */
	SVG_HEAD = 16,    /* an arrowhead's length */
};

/* s with each character of chars replaced by the text at its index in
 * reps. */
static void escape(struct tl_buf *out, const char *s, const char *chars, const char *const *reps)
{
	for (; *s; s++) {
		const char *p = strchr(chars, *s);
		if (p)
			tl_buf_puts(out, reps[p - chars]);
		else
			tl_buf_putc(out, *s);
	}
}

/* Text for XML: the five markup characters as entities.  The input is
 * the tool's own UTF-8 or text already through tl_buf_put_safe, so no
 * control byte (illegal in XML 1.0 even as a reference) reaches here. */
static void xml_text(struct tl_buf *out, const char *s)
{
	static const char *const reps[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};
	escape(out, s, "&<>\"'", reps);
}

/* <text> at (x, y) with its anchor and class. */
static void svg_text(struct tl_buf *out, int x, int y, const char *anchor, const char *cls,
		     const char *s)
{
	tl_buf_printf(out, "<text x=\"%d\" y=\"%d\"", x, y);
	if (anchor)
		tl_buf_printf(out, " text-anchor=\"%s\"", anchor);
	if (cls)
		tl_buf_printf(out, " class=\"%s\"", cls);
	tl_buf_puts(out, ">");
	xml_text(out, s);
	tl_buf_puts(out, "</text>\n");
}

/* An arrow from one lifeline to the other (or a headless shaft with a
 * '?' when the direction is unknown), solid when seen, dashed when
 * inferred; a segment that never arrived stops half way, as on screen:
 * in a cross when the link dropped it, at a bar while it is held. */
static void svg_arrow(struct tl_buf *out, const struct tl_ladder_step *s, int y)
{
	const char *cls = s->inferred                 ? "arrow inferred"
			  : s->kind == TL_LADDER_DATA ? "arrow data"
						      : "arrow";
	if (s->from < 0) {
		tl_buf_printf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"%s\"/>\n",
			      SVG_A_X, y, SVG_B_X, y, cls);
		svg_text(out, (SVG_A_X + SVG_B_X) / 2, y + 4, "middle", "mark", "?");
		return;
	}
	int sx = s->from ? SVG_B_X : SVG_A_X, rx = s->from ? SVG_A_X : SVG_B_X;
	if (s->lost || (s->held && !s->released)) {
		int mx = (SVG_A_X + SVG_B_X) / 2;
		tl_buf_printf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"%s\"/>\n",
			      sx, y, mx, y, cls);
		if (s->lost)
			tl_buf_printf(
			    out, "<path d=\"M%d,%d L%d,%d M%d,%d L%d,%d\" class=\"%s lost\"/>\n",
			    mx - 6, y - 6, mx + 6, y + 6, mx - 6, y + 6, mx + 6, y - 6, cls);
		else
			tl_buf_printf(out,
				      "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
				      "class=\"%s held\"/>\n",
				      mx, y - 7, mx, y + 7, cls);
		return;
	}
	int d = rx > sx ? 1 : -1, tip = rx - d, base = tip - d * SVG_HEAD;
	tl_buf_printf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"%s\"/>\n", sx, y,
		      base, y, cls);
	tl_buf_printf(out, "<polygon points=\"%d,%d %d,%d %d,%d\" class=\"%s head\"/>\n", tip, y,
		      base, y - 5, base, y + 5, cls);
}

static void svg_step(const struct tl_ladder *l, size_t i, int top, const char *lang,
		     struct tl_buf *out, struct tl_buf *t)
{
	const struct tl_ladder_step *s = tl_ladder_step(l, i);
	int ly = top + 16, ay = top + 34;
	char when[48];
	tl_buf_reset(t);
	if (s->kind == TL_LADDER_SEEN || s->kind == TL_LADDER_GAP) {
		/* a note beside the lifeline it is about, not an arrow */
		tl_narration_label_in(s, lang, t);
		svg_text(out, (s->from == 1 ? SVG_B_X : SVG_A_X) + 10, ly, NULL, "note", t->data);
		if (s->kind == TL_LADDER_SEEN) {
			step_time(l, i, when, sizeof(when));
			svg_text(out, SVG_TIME_X, ay + 4, "end", "time", when);
		}
		return;
	}
	if (s->inferred && s->kind != TL_LADDER_STATE)
		tl_buf_puts(t, "~");
	tl_narration_label_in(s, lang, t);
	svg_text(out, (SVG_A_X + SVG_B_X) / 2, ly, "middle",
		 s->kind == TL_LADDER_STATE ? "note"
		 : s->inferred              ? "label inferred"
					    : "label",
		 t->data);
	tl_buf_reset(t);
	tl_narration_dialogue(s, lang, t);
	if (t->len)
		svg_text(out, SVG_NARR_X, ly, NULL, "say", t->data);
	step_time(l, i, when, sizeof(when));
	svg_text(out, SVG_TIME_X, ay + 4, "end", "time", when);
	if (s->kind == TL_LADDER_ARROW || s->kind == TL_LADDER_DATA)
		svg_arrow(out, s, ay);
	for (int x = 0; x < 2; x++) {
		const struct tl_ladder_side *sd = &s->side[x];
		if (!sd->change)
			continue;
		tl_buf_reset(t);
		state_change(sd, t);
		svg_text(out, x ? SVG_B_X + 10 : SVG_A_X - 10, ay + 4, x ? NULL : "end",
			 sd->inferred ? "state inferred" : "state", t->data);
	}
}

static void svg_legend(struct tl_buf *out, int y, const char *lang)
{
	static const struct {
		int x;
		enum tl_narration_word w;
		const char *at;
	} item[] = {
	    {12, TL_WORD_LEGEND, NULL},       {80, TL_WORD_LEG_INFERRED, NULL},
	    {280, TL_WORD_LEG_SEGMENT, ""}, /* its mark is the line before it */
	    {420, TL_WORD_LEG_DERIVED, NULL}, {620, TL_WORD_LEG_SAMPLED, "≤"},
	};
	struct tl_buf t;
	tl_buf_init(&t);
	for (size_t i = 0; i < TL_ARRAY_SIZE(item); i++) {
		if (item[i].w == TL_WORD_LEG_SEGMENT)
			tl_buf_printf(out,
				      "<line x1=\"240\" y1=\"%d\" x2=\"272\" y2=\"%d\" "
				      "class=\"arrow inferred\"/>\n",
				      y - 4, y - 4);
		tl_buf_reset(&t);
		tl_narration_word(lang, item[i].w, item[i].at, NULL, &t);
		while (t.len && t.data[t.len - 1] == ' ') /* "Legend: " */
			t.data[--t.len] = '\0';
		/* the segment's words without the space its mark leaves */
		svg_text(out, item[i].x, y, NULL, "note", t.data + (item[i].at && !*item[i].at));
	}
	tl_buf_fini(&t);
}

/* Which of the marks of segments that never arrived the ladder has: 1 a
 * dropped one, 2 a held one. */
static int stopped_marks(const struct tl_ladder *l)
{
	int m = 0;
	for (size_t i = 0; i < tl_ladder_steps(l); i++) {
		const struct tl_ladder_step *s = tl_ladder_step(l, i);
		if (s->kind != TL_LADDER_ARROW && s->kind != TL_LADDER_DATA)
			continue;
		m |= s->lost ? 1 : (s->held && !s->released) ? 2 : 0;
	}
	return m;
}

/* The legend's second row, when the ladder has them: each mark as drawn
 * (half a shaft ending in the cross or the bar), then its words. */
static void svg_legend_stopped(struct tl_buf *out, int y, int marks, const char *lang)
{
	struct tl_buf t;
	tl_buf_init(&t);
	int x = 80;
	for (int k = 1; k <= 2; k++) {
		if (!(marks & k))
			continue;
		int my = y - 4, mx = x + 28;
		tl_buf_printf(out,
			      "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"arrow\"/>\n",
			      x, my, mx, my);
		if (k == 1)
			tl_buf_printf(
			    out, "<path d=\"M%d,%d L%d,%d M%d,%d L%d,%d\" class=\"arrow lost\"/>\n",
			    mx - 5, my - 5, mx + 5, my + 5, mx - 5, my + 5, mx + 5, my - 5);
		else
			tl_buf_printf(out,
				      "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
				      "class=\"arrow held\"/>\n",
				      mx, my - 6, mx, my + 6);
		tl_buf_reset(&t);
		tl_narration_word(lang, k == 1 ? TL_WORD_LEG_LOST : TL_WORD_LEG_HELD, "", NULL, &t);
		svg_text(out, mx + 12, y, NULL, "note", t.data + (t.len && t.data[0] == ' '));
		x += 340;
	}
	tl_buf_fini(&t);
}

static void export_svg(const struct tl_ladder *l, const struct tl_ladder_export *x,
		       struct tl_buf *out)
{
	const char *lang = x->lang ? x->lang : "en";
	size_t n = tl_ladder_steps(l);
	int y = x->caption ? 28 : 8;
	int marks = stopped_marks(l);
	int steps_y = y + 52, h = steps_y + (int)n * SVG_ROW + 44 + (marks ? 18 : 0);
	struct tl_buf t;
	tl_buf_init(&t);
	tl_buf_printf(out,
		      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		      "viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans Mono, monospace\" "
		      "font-size=\"12\">\n",
		      SVG_W, h, SVG_W, h);
	tl_buf_puts(out, "<title>");
	side_header(l, 0, lang, &t);
	tl_buf_puts(&t, " / ");
	side_header(l, 1, lang, &t);
	xml_text(out, t.data);
	tl_buf_puts(out, "</title>\n");
	tl_buf_puts(out, "<style>\n"
			 ".arrow { stroke: #1f4e9c; stroke-width: 2; fill: #1f4e9c }\n"
			 ".data { stroke: #2e7d32; fill: #2e7d32 }\n"
			 ".inferred { stroke: #8a8a8a; fill: #8a8a8a; stroke-dasharray: 6 4 }\n"
			 ".head { stroke-dasharray: none }\n"
			 ".lost { stroke: #b3261e; fill: none; stroke-dasharray: none }\n"
			 ".held { stroke-dasharray: none }\n"
			 ".life { stroke: #333333; stroke-width: 2 }\n"
			 ".life.derived { stroke: #8a8a8a; stroke-dasharray: 4 4 }\n"
			 "text { fill: #000000; stroke: none }\n"
			 "text.label { font-weight: bold }\n"
			 "text.inferred, text.state.inferred { fill: #6a6a6a; font-style: italic; "
			 "stroke: none }\n"
			 "text.time, text.note, text.first { fill: #555555 }\n"
			 "text.say { fill: #7a3e00 }\n"
			 "text.head-a, text.head-b { font-weight: bold }\n"
			 "</style>\n");
	tl_buf_printf(out, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
		      SVG_W, h);
	if (x->caption) {
		tl_buf_reset(&t);
		tl_buf_put_safe(&t, x->caption, 200);
		svg_text(out, 12, 20, NULL, "caption", t.data);
	}
	for (int side = 0; side < 2; side++) {
		int lx = side ? SVG_B_X : SVG_A_X;
		tl_buf_reset(&t);
		side_header(l, side, lang, &t);
		svg_text(out, lx, y + 16, "middle", side ? "head-b" : "head-a", t.data);
		tl_buf_printf(out,
			      "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"life%s\"/>\n",
			      lx, y + 24, lx, steps_y + (int)n * SVG_ROW + 8,
			      tl_ladder_known(l, side) ? "" : " derived");
		int st = tl_ladder_first_state(l, side);
		if (st)
			svg_text(out, side ? lx + 10 : lx - 10, y + 40, side ? NULL : "end",
				 "first", tl_tcp_state_name(st));
	}
	for (size_t i = 0; i < n; i++)
		svg_step(l, i, steps_y + (int)i * SVG_ROW, lang, out, &t);
	svg_legend(out, h - 14 - (marks ? 18 : 0), lang);
	if (marks)
		svg_legend_stopped(out, h - 14, marks, lang);
	tl_buf_puts(out, "</svg>\n");
	tl_buf_fini(&t);
}

/* ---- Mermaid ---- */

/* Text for a Mermaid statement: ';' would end it, '#' starts a comment
 * (or an entity code), "%%" starts a comment anywhere on a line, '<' and
 * '>' would be taken for HTML; each becomes an entity code (Mermaid turns
 * those back into the characters before it parses). */
static void mermaid_text(struct tl_buf *out, const char *s)
{
	static const char *const reps[] = {"#59;", "#35;", "#60;", "#62;", "#37;"};
	escape(out, s, ";#<>%", reps);
}

/* "    Note right of B: text" (where is "left of A", "over A,B", ...). */
static void mermaid_note(struct tl_buf *out, const char *where, const char *text)
{
	tl_buf_printf(out, "    Note %s: ", where);
	mermaid_text(out, text);
	tl_buf_putc(out, '\n');
}

static void mermaid_step(const struct tl_ladder *l, size_t i, const char *lang, struct tl_buf *out,
			 struct tl_buf *t)
{
	const struct tl_ladder_step *s = tl_ladder_step(l, i);
	char when[48];
	tl_buf_reset(t);
	step_time(l, i, when, sizeof(when));
	if (s->kind == TL_LADDER_SEEN || s->kind == TL_LADDER_GAP) {
		tl_narration_label_in(s, lang, t);
		mermaid_note(out, s->from == 1 ? "right of B" : "left of A", t->data);
		return;
	}
	if (s->kind == TL_LADDER_STATE || s->from < 0) {
		/* nothing flies (or its direction is unknown): a note across */
		if (s->inferred && s->kind != TL_LADDER_STATE)
			tl_buf_puts(t, "~");
		tl_narration_label_in(s, lang, t);
		tl_buf_printf(t, " %s", when);
		mermaid_note(out, "over A,B", t->data);
	} else {
		if (s->inferred)
			tl_buf_puts(t, "~");
		tl_narration_label_in(s, lang, t);
		tl_buf_printf(t, " %s", when);
		/* a dropped segment ends in a cross, a held one (not yet
		 * arrived) in an open arrow, as Mermaid draws them */
		const char *arrow = s->lost                   ? (s->inferred ? "--x" : "-x")
				    : s->held && !s->released ? (s->inferred ? "--)" : "-)")
				    : s->inferred             ? "-->>"
							      : "->>";
		tl_buf_printf(out, "    %s%s%s: ", s->from ? "B" : "A", arrow, s->from ? "A" : "B");
		mermaid_text(out, t->data);
		tl_buf_putc(out, '\n');
	}
	tl_buf_reset(t);
	tl_narration_dialogue(s, lang, t);
	if (t->len)
		mermaid_note(out, s->from ? "right of B" : "left of A", t->data);
	for (int x = 0; x < 2; x++) {
		const struct tl_ladder_side *sd = &s->side[x];
		if (!sd->change)
			continue;
		tl_buf_reset(t);
		state_change(sd, t);
		mermaid_note(out, x ? "right of B" : "left of A", t->data);
	}
}

static void export_mermaid(const struct tl_ladder *l, const struct tl_ladder_export *x,
			   struct tl_buf *out)
{
	const char *lang = x->lang ? x->lang : "en";
	struct tl_buf t;
	tl_buf_init(&t);
	tl_buf_puts(out, "sequenceDiagram\n");
	if (x->caption) {
		tl_buf_put_safe(&t, x->caption, 200);
		tl_buf_puts(out, "    title ");
		mermaid_text(out, t.data);
		tl_buf_putc(out, '\n');
	}
	/* the legend as comments: what the marks mean, for whoever edits it */
	tl_buf_puts(out, "    %% Legend: ~ inferred, not seen  -->> inferred segment  "
			 "-x dropped by the link  -) held on the link  "
			 "~derived: end not watched  ≤ at or before (found by sampling)\n");
	for (int side = 0; side < 2; side++) {
		tl_buf_reset(&t);
		side_header(l, side, lang, &t);
		tl_buf_printf(out, "    participant %s as ", side ? "B" : "A");
		mermaid_text(out, t.data);
		tl_buf_putc(out, '\n');
	}
	for (int side = 0; side < 2; side++) {
		int st = tl_ladder_first_state(l, side);
		if (st)
			mermaid_note(out, side ? "right of B" : "left of A", tl_tcp_state_name(st));
	}
	for (size_t i = 0; i < tl_ladder_steps(l); i++)
		mermaid_step(l, i, lang, out, &t);
	tl_buf_fini(&t);
}

/* ---- text ---- */

static void export_text(const struct tl_ladder *l, const struct tl_ladder_export *x,
			struct tl_buf *out)
{
	if (x->caption) {
		tl_buf_put_safe(out, x->caption, 200);
		tl_buf_putc(out, '\n');
	}
	if (x->legend) {
		tl_ladder_legend(x->ascii ? &tl_glyphs_ascii : &tl_glyphs_utf8,
				 x->ascii || !x->lang ? "en" : x->lang, out);
		tl_buf_puts(out, "\n\n");
	}
	tl_ladder_text(l, 100, x->lang ? x->lang : "en", x->ascii, out);
}

void tl_ladder_export(const struct tl_ladder *l, const struct tl_ladder_export *x,
		      struct tl_buf *out)
{
	switch (x->format) {
	case TL_LADDER_FMT_SVG:
		export_svg(l, x, out);
		break;
	case TL_LADDER_FMT_MERMAID:
		export_mermaid(l, x, out);
		break;
	default:
		export_text(l, x, out);
		break;
	}
}
