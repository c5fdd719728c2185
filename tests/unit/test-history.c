/* The history ring: rates, growth, sparkline series, and what survives
 * when the ring wraps around. */
#include <stdlib.h>
#include <string.h>

#include "tcpladder/history.h"
#include "tap.h"

#define SEC 1000000000ULL
#define CW TL_TCP_CLOSE_WAIT
#define TW TL_TCP_TIME_WAIT

/* One sample: CLOSE-WAIT cw, TIME-WAIT tw, at t seconds. */
static void add(struct tl_history *hi, double t, uint32_t cw, uint32_t tw)
{
	struct tl_hist h;
	memset(&h, 0, sizeof(h));
	h.count[CW] = cw;
	h.count[TW] = tw;
	h.total = cw + tw;
	tl_history_add(hi, &h, (uint64_t)(t * (double)SEC));
}

/* A history of the given CLOSE-WAIT counts, one a second from t = 1 s. */
static void fill(struct tl_history *hi, size_t cap, const uint32_t *cw, size_t n)
{
	tl_history_init(hi, cap);
	for (size_t i = 0; i < n; i++)
		add(hi, (double)(i + 1), cw[i], 0);
}

/* The series as text, "-" where there is no sample yet. */
static const char *series(const struct tl_history *hi, int state, double now, double span, int w)
{
	static char text[512];
	long out[64];
	size_t k = 0;
	for (int b = 0; b < w; b++)
		out[b] = -2; /* every bucket must be written */
	tl_history_series(hi, state, (uint64_t)(now * (double)SEC), (uint64_t)(span * (double)SEC),
			  w, out);
	text[0] = '\0';
	for (int b = 0; b < w && k < sizeof(text) - 16; b++) {
		if (out[b] == -1)
			k += (size_t)snprintf(text + k, sizeof(text) - k, "%s-", b ? " " : "");
		else
			k += (size_t)snprintf(text + k, sizeof(text) - k, "%s%ld", b ? " " : "",
					      out[b]);
	}
	return text;
}

static int near(double a, double b)
{
	return a - b < 1e-9 && b - a < 1e-9;
}

static void test_empty(void)
{
	struct tl_history hi;
	tl_history_init(&hi, 0);
	is_int(hi.cap, 1, "a capacity of 0 is taken as 1");
	ok(tl_history_last(&hi) == NULL, "empty: no last sample");
	ok(tl_history_rate(&hi, CW, 10 * SEC) == 0, "empty: rate 0");
	ok(!tl_history_growing(&hi, CW, 10 * SEC), "empty: not growing");
	is_str(series(&hi, CW, 10, 4, 4), "- - - -", "empty: a series of nothing");
	add(&hi, 1, 3, 0);
	ok(tl_history_rate(&hi, CW, 10 * SEC) == 0, "one sample: rate 0 (unknown)");
	add(&hi, 2, 5, 0);
	is_int(hi.n, 1, "capacity 1: the newest sample only");
	is_int(tl_history_last(&hi)->h.count[CW], 5, "capacity 1: it is the newest");
	tl_history_fini(&hi);
	tl_history_fini(&hi); /* twice is harmless */
	ok(hi.s == NULL && hi.n == 0, "fini leaves an empty history");
}

static void test_rate(void)
{
	struct tl_history hi;
	const uint32_t cw[] = {0, 1, 5, 6};
	fill(&hi, 16, cw, 4); /* t = 1..4 s */
	double r = tl_history_rate(&hi, CW, 10 * SEC);
	ok(near(r, 2.0), "rate over a window wider than the history: (6 - 0) / 3 s (%g)", r);
	r = tl_history_rate(&hi, CW, 2 * SEC);
	ok(near(r, 2.5), "rate over the last 2 s: (6 - 1) / 2 s (%g)", r);
	r = tl_history_rate(&hi, CW, 1 * SEC);
	ok(near(r, 1.0), "rate over the last 1 s: (6 - 5) / 1 s (%g)", r);
	r = tl_history_rate(&hi, CW, 1);
	ok(near(r, 1.0), "a window shorter than a step: the last step (%g)", r);
	r = tl_history_rate(&hi, TW, 10 * SEC);
	ok(near(r, 0.0), "a state that did not move: rate 0 (%g)", r);
	add(&hi, 5, 2, 0);
	r = tl_history_rate(&hi, CW, 1 * SEC);
	ok(near(r, -4.0), "a fall is a negative rate (%g)", r);
	add(&hi, 5, 7, 0); /* the same instant again */
	r = tl_history_rate(&hi, CW, 0);
	ok(near(r, 0.0), "two samples at the same instant: rate 0, not a division by 0 (%g)", r);
	tl_history_fini(&hi);
}

static void test_growing(void)
{
	struct tl_history hi;
	static const struct {
		const char *what;
		uint32_t cw[8];
		size_t n;
		bool want;
	} cases[] = {
	    {"a steady climb", {1, 2, 3, 4}, 4, true},
	    {"two samples are too few", {1, 9}, 2, false},
	    {"flat", {4, 4, 4, 4, 4}, 5, false},
	    {"a single jump", {0, 0, 0, 5}, 4, false},
	    {"up then down", {1, 3, 2}, 3, false},
	    {"a rise and fall back", {1, 2, 3, 2, 1}, 5, false},
	    {"a saw that climbs", {1, 2, 1, 2, 3}, 5, true},
	    {"climbs but ends lower than it started", {5, 1, 2, 3, 4}, 5, false},
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		fill(&hi, 16, cases[c].cw, cases[c].n);
		is_int(tl_history_growing(&hi, CW, 60 * SEC), cases[c].want, "growing: %s",
		       cases[c].what);
		tl_history_fini(&hi);
	}
	/* The window: an old climb, then flat for longer than the window. */
	const uint32_t old[] = {1, 2, 3, 4, 5, 5, 5, 5};
	fill(&hi, 16, old, 8); /* t = 1..8 s */
	ok(tl_history_growing(&hi, CW, 60 * SEC), "growing over the whole history");
	ok(!tl_history_growing(&hi, CW, 3 * SEC), "not over the last 3 s, which were flat");
	ok(!tl_history_growing(&hi, TW, 60 * SEC), "per state: TIME-WAIT did not grow");
	tl_history_fini(&hi);
}

static void test_series(void)
{
	struct tl_history hi;
	const uint32_t cw[] = {10, 20, 30, 40};
	fill(&hi, 16, cw, 4); /* t = 1..4 s */
	is_str(series(&hi, CW, 4, 4, 4), "10 20 30 40", "series: one sample a bucket");
	is_str(series(&hi, CW, 4, 4, 8), "- 10 10 20 20 30 30 40",
	       "series: buckets without a sample carry the last value; before the first, none");
	is_str(series(&hi, CW, 4, 4, 2), "20 40", "series: a bucket shows its last sample");
	is_str(series(&hi, CW, 6, 4, 4), "30 40 40 40",
	       "series: a sample before the span starts the first bucket; the last count "
	       "carries to now");
	is_str(series(&hi, CW, 4, 2, 2), "30 40", "series: samples before the span are not shown");
	is_str(series(&hi, TW, 4, 4, 4), "0 0 0 0", "series: per state");
	/* A span longer than the clock has run: still [now - span, now]. */
	is_str(series(&hi, CW, 4, 8, 4), "- - 20 40",
	       "series: a span reaching back before time 0 ends at now");
	long one = 7;
	tl_history_series(&hi, CW, 4 * SEC, 4 * SEC, 0, &one);
	is_int(one, 7, "series of width 0: nothing written");
	tl_history_fini(&hi);
}

static void test_wrap(void)
{
	struct tl_history hi;
	tl_history_init(&hi, 4);
	for (int t = 1; t <= 10; t++)
		add(&hi, t, (uint32_t)t * 10, 0);
	is_int(hi.n, 4, "after 10 samples a ring of 4 holds 4");
	is_int(tl_history_last(&hi)->h.count[CW], 100, "the last is the newest");
	is_int(tl_history_last(&hi)->mono_ns, 10 * SEC, "with its time");
	/* The oldest kept is t = 7 s: the series sees 70..100 only. */
	is_str(series(&hi, CW, 10, 10, 10), "- - - - - - 70 80 90 100",
	       "series after wrapping: the four newest, in order");
	double r = tl_history_rate(&hi, CW, 60 * SEC);
	ok(near(r, 10.0), "rate after wrapping: over the samples kept, (100 - 70) / 3 s (%g)", r);
	ok(tl_history_growing(&hi, CW, 60 * SEC), "growing after wrapping");
	/* Wrap again, falling: the old climb is forgotten. */
	for (int t = 11; t <= 14; t++)
		add(&hi, t, 100 - (uint32_t)(t - 10) * 10, 0);
	is_str(series(&hi, CW, 14, 4, 4), "90 80 70 60", "after a full turn: only the new samples");
	ok(!tl_history_growing(&hi, CW, 60 * SEC), "the old climb is gone with its samples");
	tl_history_fini(&hi);
}

/* A deterministic wobble in [-amp, amp]: steady churn's count wanders. */
static int wobble(uint32_t *seed, int amp)
{
	*seed = *seed * 1103515245u + 12345u;
	return (int)((*seed >> 16) % (uint32_t)(2 * amp + 1)) - amp;
}

/* The growth flag under steady churn stays calm, where a 10 s judgement
 * of the same series flips again and again; a growing series is flagged
 * within a minute and stays flagged while it grows; a plateau clears it. */
static void test_flagged(void)
{
	struct tl_history hi;
	uint32_t seed = 7;
	int flips = 0, flips10 = 0, on = 0;
	bool was = false, was10 = false;
	tl_history_init(&hi, 3600);
	for (int t = 1; t <= 600; t++) { /* TIME-WAIT 1,171 +- 40, CLOSE-WAIT 0..4 */
		add(&hi, t, (uint32_t)(2 + wobble(&seed, 2)), (uint32_t)(1171 + wobble(&seed, 40)));
		bool f = tl_history_flagged(&hi, TW), f10 = tl_history_growing(&hi, TW, 10 * SEC);
		flips += f != was;
		flips10 += f10 != was10;
		on += f || tl_history_flagged(&hi, CW);
		was = f;
		was10 = f10;
	}
	is_int(on, 0, "steady churn for 10 min: never flagged");
	is_int(flips, 0, "steady churn: the flag never flips");
	ok(flips10 > 10, "the same series judged over 10 s flips %d times", flips10);
	tl_history_fini(&hi);

	/* Growing by 2 a second with the same wobble, then level. */
	tl_history_init(&hi, 3600);
	int first_on = 0, offs = 0, plateau_flips = 0;
	was = false;
	for (int t = 1; t <= 900; t++) {
		int level = 200 + 2 * (t < 600 ? t : 600);
		add(&hi, t, (uint32_t)(t < 600 ? t / 5 : 120),
		    (uint32_t)(level + wobble(&seed, 40)));
		bool f = tl_history_flagged(&hi, TW);
		if (f && !first_on)
			first_on = t;
		if (t < 600)
			offs += was && !f;
		else
			plateau_flips += f != was;
		if (t == 60)
			ok(tl_history_flagged(&hi, CW),
			   "a CLOSE-WAIT leak of one in 5 s is flagged within a minute");
		if (t == 599)
			ok(tl_history_flagged(&hi, CW), "and stays flagged while it grows");
		was = f;
	}
	ok(first_on > 0 && first_on <= 60, "growing TIME-WAIT flagged within a minute (at %d s)",
	   first_on);
	is_int(offs, 0, "and never cleared while it grows");
	is_int(plateau_flips, 1, "a plateau clears it, once");
	ok(!tl_history_flagged(&hi, TW) && !tl_history_flagged(&hi, CW), "level again: calm");
	tl_history_fini(&hi);

	/* Too little history: no judgement. */
	tl_history_init(&hi, 3600);
	for (int t = 1; t <= 5; t++)
		add(&hi, t, (uint32_t)(t * 100), 0);
	ok(!tl_history_flagged(&hi, CW), "5 samples: not judged yet");
	ok(!tl_history_flagged(&hi, -1) && !tl_history_flagged(&hi, TL_TCP_NSTATES),
	   "a state out of range: not flagged");
	tl_history_fini(&hi);
}

int main(void)
{
	test_empty();
	test_rate();
	test_growing();
	test_series();
	test_wrap();
	test_flagged();
	return tap_done();
}
