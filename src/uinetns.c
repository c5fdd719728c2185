/* uinetns: the namespace screen, and the view's netns clauses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcpladder/filter.h"
#include "tcpladder/tcpstate.h"
#include "tcpladder/tracker.h"
#include "tcpladder/uinetns.h"

#define SEC 1000000000ULL
/* churn is counted over the events of this last span */
#define CHURN_SPAN_NS (10 * SEC)

void tl_uinetns_sync(struct tl_ui *ui, const struct tl_ui_input *in)
{
	size_t n = in->ns_names ? in->n_ns : 0;
	if (n > ui->cap_ns_out) {
		ui->ns_out = tl_reallocarray(ui->ns_out, n, 1);
		memset(ui->ns_out + ui->cap_ns_out, 0, n - ui->cap_ns_out);
		ui->cap_ns_out = n;
	}
	bool changed = n != ui->n_ns_out;
	for (size_t i = 0; i < n; i++) {
		uint8_t out =
		    ui->filter && in->ns_names[i] && !tl_filter_netns(ui->filter, in->ns_names[i]);
		changed |= ui->ns_out[i] != out;
		ui->ns_out[i] = out;
	}
	ui->n_ns_out = n;
	if (changed)
		ui->rows_dirty = true;
}

bool tl_ui_match(const struct tl_ui *ui, const struct tl_ui_input *in, const struct tl_sock *s,
		 unsigned ns)
{
	if (!ui->filter)
		return true;
	if (ns < ui->n_ns_out && ui->ns_out[ns])
		return false;
	if (!tl_filter_has_owner(ui->filter))
		return tl_filter_match(ui->filter, s);
	const struct tl_owner *o =
	    in && in->owners && s->inode ? tl_owners_find(in->owners, s->inode) : NULL;
	return tl_filter_match_owner(ui->filter, s, o ? o->pid : 0, o ? o->comm : NULL);
}

/* A label as a word of the filter language: characters the language
 * splits on, and fnmatch's own, become '?' (the clause then matches the
 * label as a pattern). */
static void label_word(struct tl_buf *b, const char *label)
{
	for (const char *p = label; *p; p++)
		tl_buf_putc(b, strchr(" \t\n\r\f\v()=!<>&|*?[]\\", *p) ? '?' : *p);
}

char *tl_uinetns_narrowed(const char *old, const char *label)
{
	struct tl_buf b;
	tl_buf_init(&b);
	if (label) {
		tl_buf_puts(&b, "netns ");
		label_word(&b, label);
	}
	/* the old text's words, without its netns clauses (the view writes
	 * them "netns WORD", and an "and" after them joins the rest) */
	const char *p = old ? old : "";
	bool first = true, skip_and = true;
	while (*p) {
		while (*p == ' ')
			p++;
		const char *w = p;
		while (*p && *p != ' ')
			p++;
		size_t n = (size_t)(p - w);
		if (!n)
			break;
		if (n == 5 && !strncmp(w, "netns", 5)) {
			while (*p == ' ')
				p++;
			while (*p && *p != ' ')
				p++;
			skip_and = true;
			continue;
		}
		if (skip_and && first && n == 3 && !strncmp(w, "and", 3))
			continue;
		if (b.len)
			tl_buf_putc(&b, ' ');
		tl_buf_printf(&b, "%.*s", (int)n, w);
		first = false;
		skip_and = false;
	}
	char *text = tl_strdup(b.data ? b.data : "");
	tl_buf_fini(&b);
	return text;
}

struct ns_row {
	unsigned ns; /* UINT32_MAX: the row for all of them */
	const char *name;
	uint32_t sockets, count[TL_TCP_NSTATES];
	uint32_t churn; /* opens and closes over the churn span */
	uint32_t leaked;
	const char *leaker;
	bool leak;
};

static int row_cmp(const struct ns_row *a, const struct ns_row *b, int sort)
{
	uint32_t x = 0, y = 0;
	switch (sort) {
	case TL_NSSORT_SOCKETS:
		x = a->sockets, y = b->sockets;
		break;
	case TL_NSSORT_CLOSE_WAIT:
		x = a->count[TL_TCP_CLOSE_WAIT], y = b->count[TL_TCP_CLOSE_WAIT];
		break;
	case TL_NSSORT_TIME_WAIT:
		x = a->count[TL_TCP_TIME_WAIT], y = b->count[TL_TCP_TIME_WAIT];
		break;
	case TL_NSSORT_CHURN:
		x = a->churn, y = b->churn;
		break;
	default:
		break;
	}
	if (x != y)
		return x < y ? 1 : -1; /* the largest first */
	int c = strcmp(a->name, b->name);
	return c ? c : (a->ns > b->ns) - (a->ns < b->ns);
}

/* The rows, "all" first, then the namespaces in the screen's order. */
static size_t build_rows(const struct tl_ui *ui, const struct tl_ui_input *in, struct ns_row **out)
{
	size_t n = in->ns_names ? in->n_ns : 0;
	struct ns_row *r = tl_calloc(n + 1, sizeof(*r));
	r[0].ns = UINT32_MAX;
	r[0].name = "(all)";
	for (size_t i = 0; i < n; i++) {
		r[i + 1].ns = (unsigned)i;
		r[i + 1].name = in->ns_names[i] ? in->ns_names[i] : "?";
	}
	size_t nc = 0;
	const struct tl_conn *cs = in->tracker ? tl_tracker_view(in->tracker, &nc) : NULL;
	for (size_t i = 0; i < nc; i++) {
		const struct tl_conn *c = &cs[i];
		if (!c->id || (c->flags & TL_CONN_GONE) || c->ns >= n)
			continue;
		int st = c->state < TL_TCP_NSTATES ? c->state : TL_TCP_UNKNOWN;
		r[c->ns + 1].sockets++;
		r[c->ns + 1].count[st]++;
		r[0].sockets++;
		r[0].count[st]++;
	}
	for (size_t i = 0; in->log && i < in->log->n; i++) {
		const struct tl_event *e = tl_evlog_at(in->log, i);
		if (e->ns >= n || e->mono_ns + CHURN_SPAN_NS < tl_ui_data_now(in) ||
		    (e->kind != TL_EV_OPEN && e->kind != TL_EV_CLOSE))
			continue;
		r[e->ns + 1].churn++;
		r[0].churn++;
	}
	for (size_t i = 0; i < in->n_leaks; i++) {
		const struct tl_leak_group *g = &in->leaks[i];
		if (g->ns >= n || !g->suspect)
			continue;
		struct ns_row *row = &r[g->ns + 1];
		row->leak = r[0].leak = true;
		if (g->count > row->leaked) { /* the largest leaker names the row */
			row->leaked = g->count;
			row->leaker = g->pid >= 0 ? g->comm : "(unknown)";
		}
	}
	/* a small insertion sort: namespaces are tens, rarely hundreds */
	for (size_t i = 2; i <= n; i++)
		for (size_t j = i; j > 1 && row_cmp(&r[j - 1], &r[j], ui->ns_sort) > 0; j--) {
			struct ns_row t = r[j];
			r[j] = r[j - 1];
			r[j - 1] = t;
		}
	*out = r;
	return n + 1;
}

static const char *const sort_names[TL_NSSORT_N] = {"name", "sockets", "CLOSE-WAIT", "TIME-WAIT",
						    "churn"};

void tl_uinetns_draw(struct tl_canvas *c, struct tl_ui *ui, const struct tl_ui_input *in)
{
	struct ns_row *r;
	size_t n = build_rows(ui, in, &r);
	if (ui->ns_sel >= n)
		ui->ns_sel = n - 1;
	tl_canvas_fill(c, 0, 0, c->w, 1, ' ', TL_ST_HEADER);
	tl_canvas_printf(c, 1, 0, c->w - 1, TL_ST_HEADER, "Namespaces: %zu watched, sorted by %s",
			 n - 1, sort_names[ui->ns_sort]);
	/* the name takes what the counts and a leak's owner leave */
	int y = 2, namew = TL_MAX(10, TL_MIN(40, c->w - 2 - 53 - 18));
	tl_canvas_printf(c, 1, y++, c->w - 2, TL_ST_COLHEAD, "%-*s %7s %6s %6s %10s %9s %7s  %s",
			 namew, "NETNS", "SOCKETS", "LISTEN", "ESTAB", "CLOSE-WAIT", "TIME-WAIT",
			 "CHURN/s", "LEAK");
	int rows = c->h - 3 - y;
	size_t top = ui->ns_sel >= (size_t)rows && rows > 0 ? ui->ns_sel - (size_t)rows + 1 : 0;
	for (size_t i = top; i < n && y < c->h - 2; i++, y++) {
		const struct ns_row *w = &r[i];
		int st = i == ui->ns_sel ? TL_ST_SELECTED : w->leak ? TL_ST_BAD : TL_ST_NORMAL;
		char leak[64] = "";
		if (w->leak && w->leaker)
			snprintf(leak, sizeof(leak), "%s %u", w->leaker, w->leaked);
		else if (w->leak)
			snprintf(leak, sizeof(leak), "yes");
		if (i == ui->ns_sel)
			tl_canvas_fill(c, 1, y, c->w - 2, 1, ' ', st);
		tl_canvas_printf(c, 1, y, c->w - 2, st, "%-*.*s %7u %6u %6u %10u %9u %7.1f  %s",
				 namew, namew, w->name, w->sockets, w->count[TL_TCP_LISTEN],
				 w->count[TL_TCP_ESTABLISHED], w->count[TL_TCP_CLOSE_WAIT],
				 w->count[TL_TCP_TIME_WAIT],
				 (double)w->churn * SEC / (double)CHURN_SPAN_NS, leak);
	}
	if (*ui->filter_text)
		tl_canvas_printf(c, 1, c->h - 2, c->w - 2, TL_ST_DIM, "filter: %s",
				 ui->filter_text);
	tl_canvas_text(c, 0, c->h - 1, c->w, TL_ST_KEY,
		       "Enter: show only this one   s >: sort   Esc q N: back   F10: quit");
	free(r);
}

bool tl_uinetns_key(struct tl_ui *ui, int key, const struct tl_ui_input *in)
{
	size_t n = (in->ns_names ? in->n_ns : 0) + 1;
	switch (key) {
	case 'q':
	case TL_KEY_ESC:
	case 'N':
		ui->screen = TL_SCREEN_MAIN;
		break;
	case TL_KEY_F10:
		ui->quit = true;
		break;
	case TL_KEY_UP:
	case 'k':
		if (ui->ns_sel > 0)
			ui->ns_sel--;
		break;
	case TL_KEY_DOWN:
	case 'j':
		if (ui->ns_sel + 1 < n)
			ui->ns_sel++;
		break;
	case TL_KEY_HOME:
		ui->ns_sel = 0;
		break;
	case TL_KEY_END:
		ui->ns_sel = n - 1;
		break;
	case 's':
	case '>':
	case TL_KEY_F6:
		ui->ns_sort = (ui->ns_sort + 1) % TL_NSSORT_N;
		break;
	case '<':
		ui->ns_sort = (ui->ns_sort + TL_NSSORT_N - 1) % TL_NSSORT_N;
		break;
	case TL_KEY_ENTER: {
		struct ns_row *r;
		size_t nr = build_rows(ui, in, &r);
		size_t i = ui->ns_sel < nr ? ui->ns_sel : 0;
		char *text = tl_uinetns_narrowed(ui->filter_text, i ? r[i].name : NULL);
		free(r);
		if (tl_ui_set_filter(ui, text))
			ui->screen = TL_SCREEN_MAIN;
		free(text);
		break;
	}
	default:
		return false;
	}
	return true;
}
