/* Leak growth: a count that keeps climbing is flagged, one that comes and
 * goes is not. */
#include <stdlib.h>
#include <string.h>

#include "tcpladder/leak.h"
#include "tap.h"

#define SEC 1000000000ULL

static struct tl_leak_group one(int pid, uint32_t count)
{
	struct tl_leak_group g = {0};
	g.pid = pid;
	g.count = count;
	g.oldest_exact = true;
	return g;
}

int main(void)
{
	struct tl_leak_cfg cfg;
	struct tl_leak_watch w;

	tl_leak_cfg_default(&cfg);
	cfg.window_ns = 60 * SEC;
	tl_leak_watch_init(&w);
	struct tl_leak_group g;
	bool flagged_early = false;
	for (int i = 0; i <= 30; i++) {
		g = one(42, 10 + (uint32_t)i);
		tl_leak_watch_update(&w, &g, 1, false, (uint64_t)i * 2 * SEC, &cfg);
		if (i < 5 && g.suspect)
			flagged_early = true;
	}
	ok(!flagged_early, "not judged before a fifth of the window has passed");
	ok(g.growing && g.suspect && g.why && !strcmp(g.why, "keeps growing"),
	   "a climbing count is a leak");
	ok(g.growth_per_min > 25 && g.growth_per_min < 35, "growth %.1f per minute (30 expected)",
	   g.growth_per_min);

	/* A busy, healthy server: its CLOSE-WAIT count comes and goes. */
	bool ever = false;
	for (int i = 0; i <= 60; i++) {
		struct tl_leak_group h = one(7, (uint32_t)(20 + (i % 4 == 0 ? 6 : i % 3)));
		tl_leak_watch_update(&w, &h, 1, false, (uint64_t)i * SEC, &cfg);
		ever |= h.suspect;
	}
	ok(!ever, "a count that rises and falls is never flagged");

	/* Age and count thresholds work without history. */
	struct tl_cw_item items[] = {{80, 1, 301, true, 5, "old", NULL, 0, false}};
	struct tl_leak_group *out;
	tl_leak_group(items, 1, false, &cfg, &out);
	ok(out[0].suspect && !strcmp(out[0].why, "old"), "older than the age threshold: flagged");
	free(out);
	tl_leak_watch_fini(&w);
	return tap_done();
}
