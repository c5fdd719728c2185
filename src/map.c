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
	if (m->cap)
		memset(m->keys, 0, m->cap * sizeof(*m->keys));
	m->n = 0;
}

static void grow(struct tl_map *m)
{
	size_t oldcap = m->cap;
	uint64_t *ok = m->keys;
	uint32_t *ov = m->vals;

	m->cap = oldcap ? oldcap * 2 : 64;
	m->keys = tl_calloc(m->cap, sizeof(*m->keys));
	m->vals = tl_calloc(m->cap, sizeof(*m->vals));
	m->n = 0;
	for (size_t i = 0; i < oldcap; i++)
		if (ok[i])
			tl_map_put(m, ok[i], ov[i]);
	free(ok);
	free(ov);
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
	return true;
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
