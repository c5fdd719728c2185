/* history: the state histogram over time, for sparklines and rates.
 * A ring of samples; times are passed in. */
#ifndef TCPLADDER_HISTORY_H
#define TCPLADDER_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpladder/histogram.h"

struct tl_history_sample {
	uint64_t mono_ns;
	struct tl_hist h;
};

struct tl_history {
	struct tl_history_sample *s;
	size_t cap, n, head; /* head: index of the oldest */
	/* Each state's growth flag, judged at every sample with hysteresis
	 * (tl_history_flagged). */
	bool flagged[TL_TCP_NSTATES];
};

/* The growth flag's window: long enough that steady churn, whose count
 * wanders up and down by chance, does not look like growth. */
#define TL_HISTORY_TREND_NS (60 * 1000000000ULL)

void tl_history_init(struct tl_history *hi, size_t cap);
void tl_history_fini(struct tl_history *hi);
void tl_history_add(struct tl_history *hi, const struct tl_hist *h, uint64_t now);
const struct tl_history_sample *tl_history_last(const struct tl_history *hi);
/* Change per second of state over about the last window_ns (0 if unknown). */
double tl_history_rate(const struct tl_history *hi, int state, uint64_t window_ns);
/* Growing: the count over the window rose, and rose at more steps than it
 * fell.  What makes CLOSE-WAIT and TIME-WAIT bars stand out. */
bool tl_history_growing(const struct tl_history *hi, int state, uint64_t window_ns);
/* The flag that makes a CLOSE-WAIT or TIME-WAIT bar stand out: the mean
 * count of the last third of the trend window against that of its first
 * third.  It turns on when the rise reaches 3 sockets and 5% of the count,
 * and off only when the rise falls to 1 socket or 2% (hysteresis), so a
 * steady state stays calm and real growth stays flagged.  Judged once the
 * window holds 6 samples spanning 15 s (or its last 8 samples, when the
 * interval is long). */
bool tl_history_flagged(const struct tl_history *hi, int state);
/* Resample the state's counts into w buckets spanning [now - span, now]:
 * each bucket the last count seen in it, carried forward; -1 where no
 * sample exists yet. */
void tl_history_series(const struct tl_history *hi, int state, uint64_t now, uint64_t span_ns,
		       int w, long *out);

#endif
