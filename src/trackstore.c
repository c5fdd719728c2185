/* trackstore: the tracker's storage kept in bounds: closed cookies
 * remembered for a while, tombstones expired, slots compacted after a
 * burst, the storage counted, and the journal of connections that came and
 * went.  Part of the tracker. */
#include <stdlib.h>

#include "tcpladder/trackerint.h"
#include "tcpladder/util.h"

/* Slots are compacted when fewer than half hold a connection (and there
 * are more than COMPACT_MIN); afterwards the array is 1.5x the
 * connections, so it takes as many again to compact again. */
#define COMPACT_MIN 1024

void tl_trk_remember_closed(struct tl_tracker *t, uint64_t cookie, uint64_t now)
{
	if (t->closed_n == CLOSED_RING) {
		tl_map_del(&t->closed, t->closed_ring[t->closed_head].cookie);
		t->closed_head = (t->closed_head + 1) % CLOSED_RING;
		t->closed_n--;
	}
	size_t i = (t->closed_head + t->closed_n) % CLOSED_RING;
	t->closed_ring[i].cookie = cookie;
	t->closed_ring[i].when = now;
	t->closed_n++;
	tl_map_put(&t->closed, cookie, 1);
}

static void forget_closed(struct tl_tracker *t, uint64_t now)
{
	while (t->closed_n && now - t->closed_ring[t->closed_head].when > CLOSED_KEEP_NS) {
		tl_map_del(&t->closed, t->closed_ring[t->closed_head].cookie);
		t->closed_head = (t->closed_head + 1) % CLOSED_RING;
		t->closed_n--;
	}
}

static void remove_from_maps(struct tl_tracker *t, struct tl_conn *c)
{
	uint32_t slot;
	if (tl_map_get(&t->by_cookie, c->sock.cookie, &slot) && slot == tl_trk_slot_of(t, c))
		tl_map_del(&t->by_cookie, c->sock.cookie);
	if (tl_map_get(&t->by_tuple, tl_trk_conn_tuple_key(c), &slot) &&
	    slot == tl_trk_slot_of(t, c))
		tl_map_del(&t->by_tuple, tl_trk_conn_tuple_key(c));
}

/* After a burst most slots are free: move the connections down, in
 * order, and give the rest of the array back.  Slots are renumbered, so
 * the maps' values, the peers, the pending lookups and the ends waiting
 * for evidence are rewritten. */
static void compact(struct tl_tracker *t)
{
	const uint32_t none = UINT32_MAX;
	uint32_t *to = tl_reallocarray(NULL, t->n ? t->n : 1, sizeof(*to));
	size_t k = 0;

	for (size_t i = 0; i < t->n; i++) {
		if (!t->conns[i].id) {
			to[i] = none;
			continue;
		}
		to[i] = (uint32_t)k;
		if (k != i)
			t->conns[k] = t->conns[i];
		k++;
	}
	for (size_t i = 0; i < k; i++) {
		struct tl_conn *c = &t->conns[i];
		if (c->peer)
			c->peer =
			    c->peer - 1 < t->n && to[c->peer - 1] != none ? to[c->peer - 1] + 1 : 0;
	}
	size_t keep = 0;
	for (size_t i = 0; i < t->n_pending; i++)
		if (t->pending[i] < t->n && to[t->pending[i]] != none)
			t->pending[keep++] = to[t->pending[i]];
	t->n_pending = keep;
	keep = 0;
	for (size_t i = 0; i < t->n_ending; i++)
		if (t->ending[i] < t->n && to[t->ending[i]] != none)
			t->ending[keep++] = to[t->ending[i]];
	t->n_ending = keep;
	keep = 0;
	for (size_t i = 0; i < t->n_born; i++)
		if (t->born[i] < t->n && to[t->born[i]] != none)
			t->born[keep++] = to[t->born[i]];
	t->n_born = keep;
	keep = 0;
	for (size_t i = 0; i < t->n_tombs; i++)
		if (t->tombs[i] < t->n && to[t->tombs[i]] != none)
			t->tombs[keep++] = to[t->tombs[i]];
	t->n_tombs = keep;
	tl_map_remap(&t->by_cookie, to, t->n, none);
	tl_map_remap(&t->by_tuple, to, t->n, none);
	free(to);
	t->n = k;
	t->cap = TL_MAX(k + k / 2, (size_t)256);
	t->conns = tl_reallocarray(t->conns, t->cap, sizeof(*t->conns));
	free(t->free_slots);
	t->free_slots = NULL;
	t->n_free = t->cap_free = 0;
	t->compactions++;
	t->generation++;
}

void tl_tracker_keep(struct tl_tracker *t, uint32_t id)
{
	t->keep_id = id;
}

/* When c's tombstone began, for its expiry: the kept connection's not
 * while its peer is open, then with the peer's. */
static uint64_t gone_since(const struct tl_tracker *t, const struct tl_conn *c, uint64_t now)
{
	if (!t->keep_id || c->id != t->keep_id || !c->peer || !c->gone_ns)
		return c->gone_ns;
	const struct tl_conn *p = &t->conns[c->peer - 1];
	if (!p->id || p->peer != (uint32_t)(c - t->conns) + 1)
		return c->gone_ns;
	if (!(p->flags & TL_CONN_GONE))
		return now;
	return TL_MAX(c->gone_ns, p->gone_ns);
}

void tl_trk_tomb(struct tl_tracker *t, const struct tl_conn *c)
{
	if (t->n_tombs == t->cap_tombs) {
		t->cap_tombs = t->cap_tombs ? t->cap_tombs * 2 : 256;
		t->tombs = tl_reallocarray(t->tombs, t->cap_tombs, sizeof(*t->tombs));
	}
	t->tombs[t->n_tombs++] = (uint32_t)tl_trk_slot_of(t, c);
}

static int slot_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* The tombstones whose time is up, in slot order (as a walk of every slot
 * would meet them): returned, the rest kept in t->tombs.  Whether one is
 * due does not depend on another going first: a kept connection's peer
 * that is due makes it due too. */
static uint32_t *tombs_due(struct tl_tracker *t, uint64_t now, size_t *n_due)
{
	uint32_t *due = tl_reallocarray(NULL, t->n_tombs ? t->n_tombs : 1, sizeof(*due));
	size_t keep = 0, n = 0;
	for (size_t i = 0; i < t->n_tombs; i++) {
		uint32_t s = t->tombs[i];
		if (s >= t->n || !t->conns[s].id || !(t->conns[s].flags & TL_CONN_GONE))
			continue; /* expired already (it was listed twice) */
		if (now - gone_since(t, &t->conns[s], now) < t->tombstone_ns)
			t->tombs[keep++] = s;
		else
			due[n++] = s;
	}
	t->n_tombs = keep;
	qsort(due, n, sizeof(*due), slot_cmp);
	*n_due = n;
	return due;
}

void tl_tracker_expire(struct tl_tracker *t, uint64_t now)
{
	forget_closed(t, now);
	size_t n_due;
	uint32_t *due = tombs_due(t, now, &n_due);
	for (size_t k = 0; k < n_due; k++) {
		size_t i = due[k];
		struct tl_conn *c = &t->conns[i];
		if (!c->id)
			continue; /* listed twice */
		remove_from_maps(t, c);
		if (c->peer) {
			struct tl_conn *p = &t->conns[c->peer - 1];
			if (p->peer == i + 1)
				p->peer = 0;
		}
		if (t->journal)
			tl_trk_journal_push(t, &t->died, &t->n_died, &t->cap_died, c->id);
		c->id = 0;
		t->generation++;
		if (t->n_free == t->cap_free) {
			t->cap_free = t->cap_free ? t->cap_free * 2 : 64;
			t->free_slots =
			    tl_reallocarray(t->free_slots, t->cap_free, sizeof(*t->free_slots));
		}
		t->free_slots[t->n_free++] = (uint32_t)i;
	}
	free(due);
	if (t->n > COMPACT_MIN && t->n_free > t->n / 2)
		compact(t);
	/* after a burst, the list's memory back */
	if (t->cap_tombs > 4096 && t->n_tombs < t->cap_tombs / 8) {
		t->cap_tombs = TL_MAX(t->n_tombs * 2, (size_t)256);
		t->tombs = tl_reallocarray(t->tombs, t->cap_tombs, sizeof(*t->tombs));
	}
}

void tl_tracker_storage(const struct tl_tracker *t, struct tl_tracker_storage *st)
{
	st->conns = t->n - t->n_free;
	st->slots = t->n;
	st->slot_cap = t->cap;
	st->cookie_cap = t->by_cookie.cap;
	st->tuple_cap = t->by_tuple.cap;
	st->closed = t->closed_n;
	st->closed_cap = t->closed.cap;
	st->event_cap = t->cap_events;
	st->pending_cap = t->cap_pending;
	st->compactions = t->compactions;
	st->bytes = t->cap * sizeof(*t->conns) + t->cap_free * sizeof(*t->free_slots) +
		    t->cap_tombs * sizeof(*t->tombs) +
		    (t->by_cookie.cap + t->by_tuple.cap + t->closed.cap) *
			(sizeof(uint64_t) + sizeof(uint32_t)) +
		    CLOSED_RING * sizeof(*t->closed_ring) + t->cap_events * sizeof(*t->events) +
		    t->cap_pending * sizeof(*t->pending);
}

/* A journal not taken for this long is given up: the taker resyncs in
 * full (journal_lost), and the tracker's memory stays bounded. */
#define JOURNAL_MAX (1u << 20)

void tl_trk_journal_push(struct tl_tracker *t, uint32_t **a, size_t *n, size_t *cap, uint32_t v)
{
	if (t->journal_lost)
		return;
	if (*n >= JOURNAL_MAX) {
		t->journal_lost = true;
		t->n_born = t->n_died = 0;
		return;
	}
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 256;
		*a = tl_reallocarray(*a, *cap, sizeof(**a));
	}
	(*a)[(*n)++] = v;
}

void tl_tracker_journal(struct tl_tracker *t)
{
	t->journal = true;
	t->journal_lost = true; /* what came before it: the first take resyncs */
}

bool tl_tracker_journal_take(const struct tl_tracker *t, const uint32_t **born, size_t *n_born,
			     const uint32_t **died, size_t *n_died)
{
	*born = t->born;
	*n_born = t->n_born;
	*died = t->died;
	*n_died = t->n_died;
	return t->journal && !t->journal_lost;
}

void tl_tracker_journal_clear(struct tl_tracker *t)
{
	t->n_born = t->n_died = 0;
	t->journal_lost = false;
}
