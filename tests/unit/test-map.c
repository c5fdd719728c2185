/* The hash map against a reference array, through growth and deletion. */
#include <stdlib.h>

#include "tcpladder/map.h"
#include "tap.h"

#define N 5000

int main(void)
{
	struct tl_map m;
	static uint32_t ref[N + 1];
	static int present[N + 1];
	unsigned seed = 12345;
	int wrong = 0;

	tl_map_init(&m);
	uint32_t v;
	ok(!tl_map_get(&m, 7, &v), "empty map finds nothing");
	for (int round = 0; round < 200000; round++) {
		seed = seed * 1103515245u + 12345u;
		uint64_t k = 1 + (seed >> 8) % N;
		int op = (seed >> 4) % 3;
		if (op < 2) {
			ref[k] = seed;
			present[k] = 1;
			tl_map_put(&m, k * 0x9e3779b97f4a7c15ULL, seed);
		} else {
			bool had = tl_map_del(&m, k * 0x9e3779b97f4a7c15ULL);
			wrong += had != (present[k] != 0);
			present[k] = 0;
		}
	}
	size_t count = 0;
	for (uint64_t k = 1; k <= N; k++) {
		bool got = tl_map_get(&m, k * 0x9e3779b97f4a7c15ULL, &v);
		wrong += got != (present[k] != 0);
		if (got && v != ref[k])
			wrong++;
		count += present[k];
	}
	is_int(wrong, 0, "200000 random puts and deletes agree with a reference");
	is_int(m.n, count, "size matches");
	ok(tl_hash64("a", 1, 0) != tl_hash64("b", 1, 0) && tl_hash64("", 0, 0) != 0,
	   "hash differs by input and is never 0");
	tl_map_clear(&m);
	ok(!tl_map_get(&m, 1 * 0x9e3779b97f4a7c15ULL, &v) && m.n == 0, "clear empties");
	is_int(m.cap, 0, "clear frees the table");
	tl_map_fini(&m);

	/* A burst: 200000 keys, then all but 100 deleted.  The table shrinks
	 * back (checked by its capacity), and keeps what is left. */
	tl_map_init(&m);
	for (uint64_t k = 1; k <= 200000; k++)
		tl_map_put(&m, k * 0x9e3779b97f4a7c15ULL, (uint32_t)k);
	size_t peak = m.cap;
	ok(peak >= 262144, "200000 keys: a table of %zu", peak);
	for (uint64_t k = 101; k <= 200000; k++)
		tl_map_del(&m, k * 0x9e3779b97f4a7c15ULL);
	ok(m.n == 100 && m.cap <= 512, "100 keys left: the table shrank to %zu (from %zu)", m.cap,
	   peak);
	wrong = 0;
	for (uint64_t k = 1; k <= 200000; k++) {
		bool got = tl_map_get(&m, k * 0x9e3779b97f4a7c15ULL, &v);
		wrong += got != (k <= 100) || (got && v != k);
	}
	is_int(wrong, 0, "after shrinking, the 100 are found and nothing else");
	/* Grow and shrink again and again: always consistent, never above
	 * four times what the keys need. */
	int bad_cap = 0;
	wrong = 0;
	for (int round = 0; round < 20; round++) {
		uint64_t base = 1000000 + (uint64_t)round * 100000;
		for (uint64_t k = 0; k < 50000; k++)
			tl_map_put(&m, (base + k) * 0x9e3779b97f4a7c15ULL, (uint32_t)k);
		for (uint64_t k = 0; k < 50000; k++) {
			wrong += !tl_map_del(&m, (base + k) * 0x9e3779b97f4a7c15ULL);
			if (m.n > 64 && m.cap > 8 * m.n)
				bad_cap++;
		}
	}
	is_int(wrong, 0, "20 bursts of 50000 in and out: every delete finds its key");
	is_int(bad_cap, 0, "the table never stays above 4x (plus one step) its keys");
	ok(m.n == 100 && m.cap <= 512, "and ends where it began (%zu)", m.cap);
	tl_map_fini(&m);
	return tap_done();
}
