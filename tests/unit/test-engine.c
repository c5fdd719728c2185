/* The loops' pacing arithmetic: deadlines that saturate instead of
 * wrapping, poll timeouts, and the engine's CPU budget turned into an
 * interval without an out-of-range conversion (UBSan checks that in CI). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "tcpladder/engine.h"
#include "tcpladder/recfmt.h"
#include "tcpladder/stats.h"
#include "tcpladder/util.h"
#include "tap.h"

#define SEC 1000000000ULL

int main(void)
{
	is_int(tl_add_sat(5, 7) == 12, 1, "a deadline is now + span");
	ok(tl_add_sat(UINT64_MAX - 10, 18446744000ULL * SEC) == UINT64_MAX,
	   "now + a huge span saturates instead of wrapping");
	ok(tl_add_sat(UINT64_MAX, 1) == UINT64_MAX, "at the end of the clock it stays");
	ok(tl_add_sat(3 * SEC, UINT64_MAX) == UINT64_MAX, "a span of UINT64_MAX saturates");

	is_int(tl_poll_timeout_ms(100, 200, 1000), 0, "a deadline past: no wait");
	is_int(tl_poll_timeout_ms(200, 200, 1000), 0, "a deadline now: no wait");
	is_int(tl_poll_timeout_ms(200 + 1, 200, 1000), 1, "a nanosecond rounds up to 1 ms");
	is_int(tl_poll_timeout_ms(200 + 5 * 1000000ULL, 200, 1000), 5, "5 ms");
	is_int(tl_poll_timeout_ms(UINT64_MAX, 1, 60000), 60000, "no deadline: the cap");
	is_int(tl_poll_timeout_ms(UINT64_MAX, 0, 1000), 1000, "no deadline at time 0: the cap");

	uint64_t d = SEC / 2;
	is_int(tl_engine_pace(1e6, 0.05, d) == d, 1, "a cheap dump keeps the interval");
	is_int(tl_engine_pace(1e8, 0.05, d) == 2 * SEC, 1, "100 ms a dump at 5%%: every 2 s");
	is_int(tl_engine_pace(1e8, 0.0, d) == d, 1, "no budget: the interval asked for");
	is_int(tl_engine_pace(0.0, 0.05, d) == d, 1, "no cost yet: the interval asked for");
	/* A tiny budget used to overflow the conversion to an integer and
	 * stretch the interval to years. */
	ok(tl_engine_pace(1e8, 1e-9, d) <= TL_ENGINE_MAX_INTERVAL_NS,
	   "a budget of 1e-9 is clamped: at most an hour");
	is_int(tl_engine_pace(1e8, 1e-9, d) == 100 * SEC, 1,
	       "a budget below 0.1%% counts as 0.1%%");
	ok(tl_engine_pace(1e30, 0.05, d) == TL_ENGINE_MAX_INTERVAL_NS,
	   "an absurd cost: an hour, no overflow");
	ok(tl_engine_pace(1e8, NAN, d) == 100 * SEC, "a NaN budget counts as the smallest");
	ok(tl_engine_pace(NAN, 0.05, d) == d, "a NaN cost: the interval asked for");
	ok(tl_engine_pace(INFINITY, 0.05, d) == TL_ENGINE_MAX_INTERVAL_NS, "an infinite cost: an hour");
	is_int(tl_engine_pace(1e8, 50.0, d) == d, 1, "a budget above one core counts as one core");

	/* A replay takes exact mode's lost records where the recording says
	 * the count changed, not only at the end of a round: the live run's
	 * events carried the count as it was read. */
	struct tl_engine_config cfg = {.replay = true, .delay_ns = SEC, .cpu_budget = 0.05};
	char *cause = NULL;
	struct tl_engine *e = tl_engine_new(&cfg, &cause);
	struct tl_engine_stats st;
	ok(e != NULL, "a replaying engine (%s)", cause ? cause : "made");
	if (e) {
		struct tl_rop op = {.kind = TL_ROP_ROUND, .exact = true, .exact_lost = 5};
		tl_engine_replay(e, &op, SEC, 1.0);
		op = (struct tl_rop){.kind = TL_ROP_LOST, .exact_lost = 9};
		tl_engine_replay(e, &op, 2 * SEC, 2.0);
		tl_engine_stats(e, &st);
		is_int((int)st.exact_lost, 9,
		       "a replay counts the lost records the recording says");
		tl_engine_free(e);
	}
	free(cause);
	return tap_done();
}
