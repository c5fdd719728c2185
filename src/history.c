/* history: a ring of histogram samples. */
#include <stdlib.h>
#include <string.h>

#include "tcpladder/history.h"
#include "tcpladder/util.h"

void tl_history_init(struct tl_history *hi, size_t cap)
{
	memset(hi, 0, sizeof(*hi));
	hi->cap = cap ? cap : 1;
	hi->s = tl_calloc(hi->cap, sizeof(*hi->s));
}

void tl_history_fini(struct tl_history *hi)
{
	free(hi->s);
	memset(hi, 0, sizeof(*hi));
}

static void judge_trends(struct tl_history *hi);

void tl_history_add(struct tl_history *hi, const struct tl_hist *h, uint64_t now)
{
	size_t i;
	if (hi->n < hi->cap) {
		i = (hi->head + hi->n) % hi->cap;
		hi->n++;
	} else {
		i = hi->head;
		hi->head = (hi->head + 1) % hi->cap;
	}
	hi->s[i].mono_ns = now;
	hi->s[i].h = *h;
	judge_trends(hi);
}

/* i = 0 is the oldest sample kept, n - 1 the newest. */
static const struct tl_history_sample *history_at(const struct tl_history *hi, size_t i)
{
	return i < hi->n ? &hi->s[(hi->head + i) % hi->cap] : NULL;
}

const struct tl_history_sample *tl_history_last(const struct tl_history *hi)
{
	return hi->n ? history_at(hi, hi->n - 1) : NULL;
}

/* Index of the oldest sample within window_ns of the newest. */
static size_t window_start(const struct tl_history *hi, uint64_t window_ns)
{
	const struct tl_history_sample *last = tl_history_last(hi);
	size_t i = hi->n - 1;
	while (i > 0 && last->mono_ns - history_at(hi, i - 1)->mono_ns <= window_ns)
		i--;
	return i;
}

static void judge_trends(struct tl_history *hi)
{
	const struct tl_history_sample *last = tl_history_last(hi);
	size_t start = window_start(hi, TL_HISTORY_TREND_NS);
	if (hi->n - start < 8) /* a long interval: its last 8 samples */
		start = hi->n > 8 ? hi->n - 8 : 0;
	uint64_t t0 = history_at(hi, start)->mono_ns;
	uint64_t span = last->mono_ns > t0 ? last->mono_ns - t0 : 0;
	if (hi->n - start < 6 || span < TL_HISTORY_TREND_NS / 4) {
		memset(hi->flagged, 0, sizeof(hi->flagged));
		return;
	}
	/* The means of the window's first and last thirds (by time): a
	 * count that wanders by chance averages out. */
	double sum0[TL_TCP_NSTATES] = {0}, sum1[TL_TCP_NSTATES] = {0};
	unsigned n0 = 0, n1 = 0;
	for (size_t i = start; i < hi->n; i++) {
		const struct tl_history_sample *x = history_at(hi, i);
		uint64_t t = x->mono_ns - t0;
		bool first = t * 3 <= span, third = t * 3 >= span * 2;
		for (int st = 0; st < TL_TCP_NSTATES; st++) {
			if (first)
				sum0[st] += x->h.count[st];
			if (third)
				sum1[st] += x->h.count[st];
		}
		n0 += first;
		n1 += third;
	}
	for (int st = 0; st < TL_TCP_NSTATES; st++) {
		double m0 = sum0[st] / n0, m1 = sum1[st] / n1, rise = m1 - m0;
		if (!hi->flagged[st])
			hi->flagged[st] = rise >= 3 && rise >= 0.05 * m1;
		else if (rise <= 1 || rise <= 0.02 * m1)
			hi->flagged[st] = false;
	}
}

bool tl_history_flagged(const struct tl_history *hi, int state)
{
	return state >= 0 && state < TL_TCP_NSTATES && hi->flagged[state];
}

double tl_history_rate(const struct tl_history *hi, int state, uint64_t window_ns)
{
	if (hi->n < 2)
		return 0;
	const struct tl_history_sample *last = tl_history_last(hi);
	const struct tl_history_sample *first = history_at(hi, window_start(hi, window_ns));
	if (first == last || last->mono_ns <= first->mono_ns)
		first = history_at(hi, hi->n - 2);
	double dt = (double)(last->mono_ns - first->mono_ns) / 1e9;
	if (dt <= 0)
		return 0;
	return ((double)last->h.count[state] - (double)first->h.count[state]) / dt;
}

bool tl_history_growing(const struct tl_history *hi, int state, uint64_t window_ns)
{
	if (hi->n < 3)
		return false;
	size_t start = window_start(hi, window_ns);
	int up = 0, down = 0;
	for (size_t i = start + 1; i < hi->n; i++) {
		uint32_t a = history_at(hi, i - 1)->h.count[state];
		uint32_t b = history_at(hi, i)->h.count[state];
		up += b > a;
		down += b < a;
	}
	return tl_history_last(hi)->h.count[state] > history_at(hi, start)->h.count[state] &&
	       up > down && up >= 2;
}

void tl_history_series(const struct tl_history *hi, int state, uint64_t now, uint64_t span_ns,
		       int w, long *out)
{
	if (w <= 0)
		return;
	size_t i = 0;
	long cur = -1;
	for (int b = 0; b < w; b++) {
		/* The bucket ends `back` before now; one that ends before the
		 * clock's zero holds nothing yet (clamping the start to 0 would
		 * shift the whole span, and its last buckets into the future). */
		uint64_t off = (uint64_t)((double)span_ns * (b + 1) / w);
		uint64_t back = off < span_ns ? span_ns - off : 0;
		for (; now >= back && i < hi->n && history_at(hi, i)->mono_ns <= now - back; i++)
			cur = history_at(hi, i)->h.count[state];
		out[b] = cur;
	}
}
