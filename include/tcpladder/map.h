/* map: an open-addressing hash map from 64-bit keys to 32-bit values
 * (linear probing, backward-shift deletion).  Key 0 is reserved.  The
 * table doubles when 3/4 full and shrinks when a deletion leaves it less
 * than 1/4 full (to at most half full), so memory follows the number of
 * keys down after a burst; clearing frees it. */
#ifndef TCPLADDER_MAP_H
#define TCPLADDER_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tl_map {
	uint64_t *keys;
	uint32_t *vals;
	size_t cap; /* power of two, or 0 */
	size_t n;
};

void tl_map_init(struct tl_map *m);
void tl_map_fini(struct tl_map *m);
void tl_map_clear(struct tl_map *m);
/* Insert or replace. */
void tl_map_put(struct tl_map *m, uint64_t key, uint32_t val);
bool tl_map_get(const struct tl_map *m, uint64_t key, uint32_t *val);
bool tl_map_del(struct tl_map *m, uint64_t key);

/* Rewrite every value v as to[v] (the table rebuilt to fit); entries
 * whose value is n_to or more, or maps to drop, are removed. */
void tl_map_remap(struct tl_map *m, const uint32_t *to, size_t n_to, uint32_t drop);

/* A well-mixed 64-bit hash of bytes (for tuple keys); never 0. */
uint64_t tl_hash64(const void *data, size_t len, uint64_t seed);

#endif
