/* report: --once renderers. */
#include <stdlib.h>
#include <string.h>

#include "tcpladder/report.h"
#include "tcpladder/tcpstate.h"

void tl_once_report_fill(struct tl_once_report *r, const char *netns, const struct tl_snapshot *s)
{
	memset(r, 0, sizeof(*r));
	r->netns = netns;
	r->wall = s->wall;
	r->dump_ms = (double)s->dump_ns / 1e6;
	tl_hist_from_snapshot(&r->hist, s);
	memcpy(r->other, s->other, sizeof(r->other));
}

static void row(struct tl_buf *b, const char *label, int w0, const long *vals, size_t n,
		const int *w)
{
	tl_buf_printf(b, "%-*s", w0, label);
	for (size_t i = 0; i < n; i++) {
		if (vals[i] < 0)
			tl_buf_printf(b, "  %*s", w[i], "n/a");
		else
			tl_buf_printf(b, "  %*ld", w[i], vals[i]);
	}
	tl_buf_putc(b, '\n');
}

void tl_report_once_text(struct tl_buf *b, const struct tl_once_report *r, size_t n)
{
	int w0 = 11; /* "ESTABLISHED" */
	int *w = tl_calloc(n, sizeof(*w));
	long *vals = tl_calloc(n, sizeof(*vals));

	tl_buf_printf(b, "%-*s", w0, "TCP STATE");
	for (size_t i = 0; i < n; i++) {
		w[i] = TL_MAX(7, (int)strlen(r[i].netns));
		tl_buf_printf(b, "  %*s", w[i], r[i].netns);
	}
	tl_buf_putc(b, '\n');
	for (int k = 0; k < TL_TCP_NSHOWN; k++) {
		int st = tl_tcp_lifecycle[k];
		for (size_t i = 0; i < n; i++)
			vals[i] = r[i].hist.count[st];
		row(b, tl_tcp_state_name(st), w0, vals, n, w);
	}
	for (size_t i = 0; i < n; i++)
		vals[i] = r[i].hist.total;
	row(b, "TCP total", w0, vals, n, w);
	tl_buf_putc(b, '\n');
	static const char *const labels[TL_OTHER_N] = {"UDP", "UDP-Lite", "RAW", "UNIX"};
	for (int k = 0; k < TL_OTHER_N; k++) {
		for (size_t i = 0; i < n; i++)
			vals[i] = r[i].other[k];
		row(b, labels[k], w0, vals, n, w);
	}
	free(w);
	free(vals);
}

static void json_one(struct tl_buf *b, const struct tl_once_report *r)
{
	tl_buf_printf(b, "{\"version\":1,\"time\":%.3f,\"netns\":", r->wall);
	tl_buf_json_str(b, r->netns);
	tl_buf_printf(b, ",\"dump_ms\":%.3f", r->dump_ms);
	tl_buf_printf(b, ",\"tcp\":{\"total\":%u,\"states\":{", r->hist.total);
	for (int k = 0; k < TL_TCP_NSHOWN; k++) {
		int st = tl_tcp_lifecycle[k];
		tl_buf_printf(b, "%s\"%s\":%u", k ? "," : "", tl_tcp_state_name(st),
			      r->hist.count[st]);
	}
	tl_buf_puts(b, "}},\"other\":{");
	for (int k = 0; k < TL_OTHER_N; k++) {
		if (r->other[k] < 0)
			tl_buf_printf(b, "%s\"%s\":null", k ? "," : "", tl_other_names[k]);
		else
			tl_buf_printf(b, "%s\"%s\":%ld", k ? "," : "", tl_other_names[k],
				      r->other[k]);
	}
	tl_buf_printf(b, "},\"close_wait\":{\"total\":%u,\"by_process\":[]}}",
		      r->hist.count[TL_TCP_CLOSE_WAIT]);
}

void tl_report_once_json(struct tl_buf *b, const struct tl_once_report *r, size_t n)
{
	if (n == 1) {
		json_one(b, r);
	} else {
		tl_buf_putc(b, '[');
		for (size_t i = 0; i < n; i++) {
			if (i)
				tl_buf_putc(b, ',');
			json_one(b, &r[i]);
		}
		tl_buf_putc(b, ']');
	}
	tl_buf_putc(b, '\n');
}
