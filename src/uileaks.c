/* uileaks: the leak screen: CLOSE-WAIT by process, with each owner's
 * trend and the thresholds in force. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "tcpladder/tcpstate.h"
#include "tcpladder/ui.h"
#include "tcpladder/uileaks.h"

#define SEC 1000000000ULL

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

void tl_uileaks_draw(struct tl_canvas *c, const struct tl_ui_input *in)
{
	bool unknown = false;
	tl_canvas_fill(c, 0, 0, c->w, 1, ' ', TL_ST_HEADER);
	tl_canvas_text(c, 1, 0, c->w - 1, TL_ST_HEADER,
		       "CLOSE-WAIT by process, and TIME-WAIT pressure");
	int y = 2;
	/* with several namespaces, whose: the container or namespace */
	int nsw = in->n_ns > 1 ? 20 : 0;
	tl_canvas_printf(c, 1, y++, c->w - 2, TL_ST_COLHEAD,
			 "%8s %-15s %-*s%6s %9s %-16s %7s %6s  %s", "PID", "COMMAND", nsw,
			 nsw ? "NETNS" : "", "COUNT", "GROWTH/m", "LAST SAMPLES", "OLDEST",
			 "UNREAD", "");
	if (!in->n_leaks)
		tl_canvas_text(c, 2, y++, c->w - 3, TL_ST_DIM, "no socket in CLOSE-WAIT");
	for (size_t i = 0; i < in->n_leaks && y < c->h - 6; i++) {
		const struct tl_leak_group *g = &in->leaks[i];
		char pid[16], age[16];
		snprintf(pid, sizeof(pid), "%d", g->pid);
		tl_ui_format_age((uint64_t)(g->oldest_s * 1e9), age, sizeof(age));
		int st = g->suspect ? TL_ST_BAD : TL_ST_NORMAL;
		const char *ns = nsw && g->ns < in->n_ns ? in->ns_names[g->ns] : "";
		int x = tl_canvas_printf(c, 1, y, c->w - 2, st, "%8s %-15s %-*.*s%6u %+9.1f ",
					 g->pid < 0 ? "?" : pid, g->pid < 0 ? "(unknown)" : g->comm,
					 nsw, nsw ? nsw - 1 : 0, ns, g->count, g->growth_per_min);
		/* the group's counts at its last samples */
		const struct leak_series *ls = series_of(in->watch, g->pid);
		uint32_t hi = 1;
		for (unsigned j = 0; ls && j < ls->n; j++)
			hi = TL_MAX(hi, ls->c[(ls->head + j) % 64]);
		unsigned from = ls && ls->n > 16 ? ls->n - 16 : 0;
		for (unsigned j = from; ls && j < ls->n; j++) {
			uint32_t v = ls->c[(ls->head + j) % 64];
			tl_canvas_put(c, 1 + x + (int)(j - from), y,
				      c->g->spark[TL_MIN(7, v * 7 / hi)], st);
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
			tl_canvas_printf(
			    c, 3, y++, c->w - 4, tw->top[i].ratio >= 0.8 ? TL_ST_BAD : TL_ST_NORMAL,
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
	tl_canvas_printf(
	    c, 1, c->h - 2, c->w - 2, TL_ST_DIM,
	    "A leak: a count that keeps growing over %s, a socket in CLOSE-WAIT for %s, "
	    "or %u in one process.",
	    window, age, cfg->count_threshold);
	tl_canvas_text(c, 0, c->h - 1, c->w, TL_ST_KEY, "Esc q L: back   Space: pause   F10: quit");
}
