/* uileaks: the leak screen: CLOSE-WAIT by process, with each owner's
 * trend, ports and command line, the thresholds in force, and what to do
 * next (narrow the view to the process, copy the ss command).
 *
 *   CLOSE-WAIT by process, and TIME-WAIT pressure
 *
 *       PID COMMAND          COUNT GROWTH/m TREND         OLDEST UNREAD WHY           PORTS ...
 *  >   4242 api-server           5     +2.0 ▁▂▃▄▅▆▇█        ~4m      1 keeps growing :443  ...
 *   2 more sockets in CLOSE-WAIT whose process is not known ...
 *
 *   4242 api-server: /usr/bin/api-server --port 443   (counts 0 to 5)
 *   ss -tnp state close-wait '( sport = :443 )' | grep 'pid=4242,'
 *   TIME-WAIT 3 of 3 buckets (100%)  PRESSURE
 *   A leak: ...
 *   Up Down: choose  Enter: only this process  c: copy the ss command  ...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "tcpladder/tcpstate.h"
#include "tcpladder/ui.h"
#include "tcpladder/uileaks.h"

#define SEC 1000000000ULL
#define TREND_W 12

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

size_t tl_uileaks_rows(const struct tl_ui_input *in, const struct tl_leak_group **rows, size_t cap,
		       int pid, size_t *sel)
{
	size_t n = 0;
	*sel = 0;
	for (size_t i = 0; i < in->n_leaks; i++) {
		if (in->leaks[i].pid < 0)
			continue; /* folded into one line */
		if (in->leaks[i].pid == pid)
			*sel = n;
		if (n < cap)
			rows[n] = &in->leaks[i];
		n++;
	}
	return n;
}

void tl_uileaks_ss_command(const struct tl_leak_group *g, bool netns, char *out, size_t len)
{
	struct tl_buf b;
	tl_buf_init(&b);
	if (netns)
		tl_buf_printf(&b, "nsenter -t %d -n ", g->pid);
	tl_buf_puts(&b, "ss -tnp state close-wait");
	if (g->n_ports && !g->more_ports) {
		tl_buf_puts(&b, " '(");
		for (unsigned i = 0; i < g->n_ports; i++)
			tl_buf_printf(&b, "%s sport = :%u", i ? " or" : "", g->ports[i]);
		tl_buf_puts(&b, " )'");
	}
	tl_buf_printf(&b, " | grep 'pid=%d,'", g->pid);
	snprintf(out, len, "%s", b.data);
	tl_buf_fini(&b);
}

/* ":443 :8443+" */
static void ports_text(const struct tl_leak_group *g, char *out, size_t len)
{
	size_t at = 0;
	out[0] = '\0';
	for (unsigned i = 0; i < g->n_ports && at < len; i++)
		at += (size_t)snprintf(out + at, len - at, "%s:%u", i ? " " : "", g->ports[i]);
	if (g->more_ports && at < len)
		snprintf(out + at, len - at, "+");
}

/* The oldest age: "4m" observed, "~4m" estimated from tcp_info (as
 * --once --check gives it), ">13s" a lower bound (watched that long). */
static void oldest_text(const struct tl_leak_group *g, char *out, size_t len)
{
	char age[16];
	tl_ui_format_age((uint64_t)(g->oldest_s * 1e9), age, sizeof(age));
	snprintf(out, len, "%s%s", g->oldest_exact ? "" : g->oldest_est ? "~" : ">", age);
}

/* The lowest and highest of the group's last TREND_W counts. */
static void trend_range(const struct leak_series *ls, uint32_t *lo, uint32_t *hi)
{
	*lo = *hi = 0;
	if (!ls || !ls->n)
		return;
	*lo = UINT32_MAX;
	for (unsigned j = ls->n > TREND_W ? ls->n - TREND_W : 0; j < ls->n; j++) {
		uint32_t v = ls->c[(ls->head + j) % 64];
		*lo = TL_MIN(*lo, v);
		*hi = TL_MAX(*hi, v);
	}
}

/* The counts at the group's last samples, scaled to their own range so
 * that 680 -> 702 is seen to climb (a flat series sits in the middle). */
static void draw_trend(struct tl_canvas *c, int x, int y, const struct leak_series *ls, int st)
{
	uint32_t lo, hi;
	trend_range(ls, &lo, &hi);
	if (!ls)
		return;
	unsigned from = ls->n > TREND_W ? ls->n - TREND_W : 0;
	for (unsigned j = from; j < ls->n; j++) {
		uint32_t v = ls->c[(ls->head + j) % 64];
		unsigned level = hi > lo ? (unsigned)((uint64_t)(v - lo) * 7 / (hi - lo)) : 3;
		tl_canvas_put(c, x + (int)(j - from), y, c->g->spark[TL_MIN(7u, level)], st);
	}
}

/* What one drawing of the screen works from: the rows, the selection,
 * the owners not known, and where each part goes. */
struct leaks_plan {
	const struct tl_leak_group **rows; /* known owners */
	size_t n, sel;
	uint32_t unknown; /* sockets whose process is not known */
	bool hidden;      /* and the owners' lookup says why */
	int tw_lines;     /* TIME-WAIT lines at the bottom */
	int bottom;       /* rows under the list */
	int list_y, avail;
	int nsw; /* the NETNS column's width; 0 without one */
};

/* From the bottom: keys, legend, TIME-WAIT, the selected process; what
 * is left is the list's.  At small sizes the list comes first. */
static void leaks_plan(struct leaks_plan *p, const struct tl_canvas *c, struct tl_ui *ui,
		       const struct tl_ui_input *in)
{
	p->rows = tl_calloc(in->n_leaks + 1, sizeof(*p->rows));
	p->n = tl_uileaks_rows(in, p->rows, in->n_leaks, ui->leak_pid, &p->sel);
	if (p->n)
		ui->leak_pid = p->rows[p->sel]->pid;
	p->unknown = 0;
	for (size_t i = 0; i < in->n_leaks; i++)
		if (in->leaks[i].pid < 0)
			p->unknown += in->leaks[i].count;
	p->hidden = p->unknown && in->owners && tl_owners_hidden(in->owners);

	p->tw_lines = 0;
	if (in->tw)
		p->tw_lines = (in->tw->max_buckets > 0) + (int)TL_MIN(in->tw->n_top, 3);
	p->bottom = 2 + p->tw_lines + (p->n ? 2 : 0) + (p->unknown ? 1 + p->hidden : 0) + 1;
	p->list_y = 3;
	p->avail = c->h - p->list_y - p->bottom;
	if (p->avail < 3) {
		p->tw_lines = 0;
		p->bottom = 1 + (p->n ? 2 : 0) + (p->unknown ? 1 : 0);
		p->avail = c->h - p->list_y - p->bottom;
		p->hidden = false;
	}
	p->avail = TL_MAX(p->avail, 1);
	/* with several namespaces, whose: the container or namespace */
	p->nsw = in->n_ns > 1 ? 20 : 0;
}

/* The column heads and the processes, the selection kept in view. */
static void draw_list(struct tl_canvas *c, struct tl_ui *ui, const struct tl_ui_input *in,
		      const struct leaks_plan *p)
{
	int nsw = p->nsw, avail = p->avail;
	size_t n = p->n, sel = p->sel;
	tl_canvas_printf(c, 1, 2, c->w - 2, TL_ST_COLHEAD,
			 " %7s %-15s %-*s%6s %8s %-*s %6s %6s %-13s %-14s %s", "PID", "COMMAND",
			 nsw, nsw ? "NETNS" : "", "COUNT", "GROWTH/m", TREND_W, "TREND", "OLDEST",
			 "UNREAD", "WHY", "PORTS", "COMMAND LINE");
	if (!n && !p->unknown)
		tl_canvas_text(c, 2, p->list_y, c->w - 3, TL_ST_DIM, "no socket in CLOSE-WAIT");
	/* keep the selection in view */
	if (sel < ui->leak_top)
		ui->leak_top = sel;
	if (sel >= ui->leak_top + (size_t)avail)
		ui->leak_top = sel + 1 - (size_t)avail;
	if (ui->leak_top + (size_t)avail > n)
		ui->leak_top = n > (size_t)avail ? n - (size_t)avail : 0;
	int y = p->list_y;
	for (size_t i = ui->leak_top; i < n && y < p->list_y + avail; i++, y++) {
		const struct tl_leak_group *g = p->rows[i];
		char age[24], ports[64];
		int st = i == sel ? TL_ST_SELECTED : g->suspect ? TL_ST_BAD : TL_ST_NORMAL;
		if (i == sel)
			tl_canvas_fill(c, 1, y, c->w - 2, 1, ' ', st);
		oldest_text(g, age, sizeof(age));
		ports_text(g, ports, sizeof(ports));
		const char *ns = nsw && g->ns < in->n_ns ? in->ns_names[g->ns] : "";
		int x = tl_canvas_printf(c, 1, y, c->w - 2, st, "%c%7d %-15s %-*.*s%6u %+8.1f ",
					 i == sel ? '>' : ' ', g->pid, g->comm, nsw,
					 nsw ? nsw - 1 : 0, ns, g->count, g->growth_per_min);
		draw_trend(c, 1 + x, y, series_of(in->watch, g->pid), st);
		x += TREND_W + 1;
		tl_canvas_printf(c, 1 + x, y, c->w - x - 2, st, "%6s %6u %-13s %-14s %s", age,
				 g->unread, g->suspect ? g->why : "", ports, g->cmdline);
	}
	if (n > (size_t)avail) /* say there is more */
		tl_canvas_printf(c, c->w - 14, 2, 13, TL_ST_COLHEAD, "%zu-%zu of %zu",
				 ui->leak_top + 1, TL_MIN(n, ui->leak_top + (size_t)avail), n);
}

/* Under the list: the sockets whose process is not known, and why. */
static void draw_unknown(struct tl_canvas *c, const struct leaks_plan *p)
{
	int y = p->list_y + (int)TL_MIN(p->n, (size_t)p->avail);
	if (!p->unknown)
		return;
	tl_canvas_printf(c, 2, y++, c->w - 3, TL_ST_DIM,
			 "%u more in CLOSE-WAIT whose process is not known (not looked up "
			 "yet, or held by none)",
			 p->unknown);
	if (p->hidden)
		tl_canvas_printf(c, 4, y++, c->w - 5, TL_ST_DIM, "(unknown): %s",
				 tl_owners_hidden_reason);
}

/* The selected process: its command line and count range, and the ss
 * command that lists its sockets.  Returns the next row. */
static int draw_selected(struct tl_canvas *c, const struct tl_ui_input *in,
			 const struct leaks_plan *p, int y)
{
	if (!p->n)
		return y;
	const struct tl_leak_group *g = p->rows[p->sel];
	uint32_t lo, hi;
	const struct leak_series *ls = series_of(in->watch, g->pid);
	trend_range(ls, &lo, &hi);
	char range[64] = "";
	if (ls && ls->n > 1)
		snprintf(range, sizeof(range), "   (count %u to %u over its last %u samples)", lo,
			 hi, TL_MIN(ls->n, (unsigned)TREND_W));
	char ports[64];
	ports_text(g, ports, sizeof(ports));
	tl_canvas_printf(c, 1, y++, c->w - 2, TL_ST_BOLD, "%d %s, ports %s: %s%s", g->pid, g->comm,
			 ports, *g->cmdline ? g->cmdline : "(no command line)", range);
	char ss[512];
	tl_uileaks_ss_command(g, in->n_ns > 1, ss, sizeof(ss));
	tl_canvas_text(c, 1, y++, c->w - 2, TL_ST_NORMAL, ss);
	return y;
}

/* TIME-WAIT: the buckets in use, and the remotes short of local ports.
 * Returns the next row. */
static int draw_time_wait(struct tl_canvas *c, const struct tl_ui_input *in,
			  const struct leaks_plan *p, int y)
{
	if (!p->tw_lines)
		return y;
	const struct tl_tw_pressure *tw = in->tw;
	int st = tw->pressure ? TL_ST_BAD : TL_ST_NORMAL;
	if (tw->max_buckets > 0)
		tl_canvas_printf(c, 1, y++, c->w - 2, st, "TIME-WAIT %u of %ld buckets (%.0f%%)%s",
				 tw->time_wait, tw->max_buckets, tw->bucket_ratio * 100,
				 tw->pressure ? "  PRESSURE" : "");
	for (size_t i = 0; i < tw->n_top && i < 3; i++)
		if (tw->top[i].range) /* (a replay does not know the range) */
			tl_canvas_printf(
			    c, 3, y++, c->w - 4, tw->top[i].ratio >= 0.8 ? TL_ST_BAD : TL_ST_NORMAL,
			    "to %-28s %6u of %u local ports (%.1f%%)", tw->top[i].remote,
			    tw->top[i].in_use, tw->top[i].range, tw->top[i].ratio * 100);
		else
			tl_canvas_printf(c, 3, y++, c->w - 4, TL_ST_NORMAL,
					 "to %-28s %6u local port%s", tw->top[i].remote,
					 tw->top[i].in_use, tw->top[i].in_use == 1 ? "" : "s");
	return y;
}

/* The thresholds in force, on the row above the keys. */
static void draw_legend(struct tl_canvas *c, const struct tl_ui_input *in)
{
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
			 "A leak: a count that keeps growing over %s, a socket in CLOSE-WAIT "
			 "for %s, or %u in one process.  OLDEST: ~ estimated, > at least.",
			 window, age, cfg->count_threshold);
}

void tl_uileaks_draw(struct tl_canvas *c, struct tl_ui *ui, const struct tl_ui_input *in)
{
	tl_canvas_fill(c, 0, 0, c->w, 1, ' ', TL_ST_HEADER);
	tl_canvas_text(c, 1, 0, c->w - 1, TL_ST_HEADER,
		       "CLOSE-WAIT by process, and TIME-WAIT pressure");
	struct leaks_plan p;
	leaks_plan(&p, c, ui, in);
	draw_list(c, ui, in, &p);
	draw_unknown(c, &p);
	int y = c->h - p.bottom + (p.unknown ? 1 + p.hidden : 0);
	y = draw_selected(c, in, &p, y);
	y = draw_time_wait(c, in, &p, y);
	if (y <= c->h - 2) /* room for the legend */
		draw_legend(c, in);
	if (ui->message) /* what c copied, and other notices */
		tl_canvas_text(c, 0, c->h - 1, c->w, TL_ST_WARN, ui->message);
	else
		tl_canvas_text(
		    c, 0, c->h - 1, c->w, TL_ST_KEY,
		    p.n ? "Up Down: choose  Enter: only this process  c: copy the ss command  "
			  "Esc q L: back  Space: freeze  F1: help  F10: quit"
			: "Esc q L: back  Space: freeze  F1: help  F10: quit");
	free(p.rows);
}
