/* map: open addressing with linear probing. */
#include <stdlib.h>
#include <string.h>

#include "tcpladder/map.h"
#include "tcpladder/util.h"

static inline uint64_t mix(uint64_t x)
{
	/* splitmix64's finaliser */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

void tl_map_init(struct tl_map *m)
{
	memset(m, 0, sizeof(*m));
}

void tl_map_fini(struct tl_map *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

void tl_map_clear(struct tl_map *m)
{
	tl_map_fini(m); /* an empty map needs no table */
}

#define MIN_CAP 64

/* Rehash into cap slots (a power of two that holds n at most 3/4 full). */
static void resize(struct tl_map *m, size_t cap)
{
	size_t oldcap = m->cap;
	uint64_t *ok = m->keys;
	uint32_t *ov = m->vals;

	m->cap = cap;
	m->keys = tl_calloc(m->cap, sizeof(*m->keys));
	m->vals = tl_calloc(m->cap, sizeof(*m->vals));
	m->n = 0;
	for (size_t i = 0; i < oldcap; i++)
		if (ok[i])
			tl_map_put(m, ok[i], ov[i]);
	free(ok);
	free(ov);
}

static void grow(struct tl_map *m)
{
	resize(m, m->cap ? m->cap * 2 : MIN_CAP);
}

/* After a burst the map holds few keys in a large table: give the memory
 * back once it is less than 1/4 full, to a table at most half full (a
 * table grows to 3/8 full, so the two never chase each other). */
static void maybe_shrink(struct tl_map *m)
{
	if (m->cap <= MIN_CAP || m->n * 4 >= m->cap)
		return;
	size_t cap = MIN_CAP;
	while (cap < m->n * 2)
		cap *= 2;
	resize(m, cap);
}

void tl_map_put(struct tl_map *m, uint64_t key, uint32_t val)
{
	if ((m->n + 1) * 4 > m->cap * 3)
		grow(m);
	size_t mask = m->cap - 1;
	for (size_t i = mix(key) & mask;; i = (i + 1) & mask) {
		if (m->keys[i] == key) {
			m->vals[i] = val;
			return;
		}
		if (!m->keys[i]) {
			m->keys[i] = key;
			m->vals[i] = val;
			m->n++;
			return;
		}
	}
}

bool tl_map_get(const struct tl_map *m, uint64_t key, uint32_t *val)
{
	if (!m->cap || !key)
		return false;
	size_t mask = m->cap - 1;
	for (size_t i = mix(key) & mask;; i = (i + 1) & mask) {
		if (m->keys[i] == key) {
			*val = m->vals[i];
			return true;
		}
		if (!m->keys[i])
			return false;
	}
}

bool tl_map_del(struct tl_map *m, uint64_t key)
{
	if (!m->cap || !key)
		return false;
	size_t mask = m->cap - 1, i;
	for (i = mix(key) & mask;; i = (i + 1) & mask) {
		if (m->keys[i] == key)
			break;
		if (!m->keys[i])
			return false;
	}
	/* Backward shift: pull later entries of the run into the hole. */
	size_t hole = i;
	for (size_t j = (i + 1) & mask; m->keys[j]; j = (j + 1) & mask) {
		size_t home = mix(m->keys[j]) & mask;
		/* j may move to hole if home is not cyclically in (hole, j] */
		if ((j > hole && (home <= hole || home > j)) ||
		    (j < hole && (home <= hole && home > j))) {
			m->keys[hole] = m->keys[j];
			m->vals[hole] = m->vals[j];
			hole = j;
		}
	}
	m->keys[hole] = 0;
	m->n--;
	maybe_shrink(m);
	return true;
}

void tl_map_remap(struct tl_map *m, const uint32_t *to, size_t n_to, uint32_t drop)
{
	size_t oldcap = m->cap, kept = 0;
	uint64_t *ok = m->keys;
	uint32_t *ov = m->vals;

	for (size_t i = 0; i < oldcap; i++)
		kept += ok[i] && ov[i] < n_to && to[ov[i]] != drop;
	memset(m, 0, sizeof(*m));
	if (kept) {
		size_t cap = MIN_CAP;
		while (cap < kept * 2)
			cap *= 2;
		m->cap = cap;
		m->keys = tl_calloc(cap, sizeof(*m->keys));
		m->vals = tl_calloc(cap, sizeof(*m->vals));
		for (size_t i = 0; i < oldcap; i++)
			if (ok[i] && ov[i] < n_to && to[ov[i]] != drop)
				tl_map_put(m, ok[i], to[ov[i]]);
	}
	free(ok);
	free(ov);
}

uint64_t tl_hash64(const void *data, size_t len, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t h = seed ^ 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	h = mix(h);
	return h ? h : 1;
}
