/* steps: a head and a tail of events per connection, under one cap.
 *
 * An entry's events live in one array: the head (the first `head`
 * events, TL_STEPS_HEAD, or 0 once its steps were evicted) and then a
 * ring of TL_STEPS_TAIL.  Until the ring is full the array simply grows;
 * after that each new event overwrites the oldest of the ring and the
 * count of those not shown goes up. */
#include <stdlib.h>
#include <string.h>

#include "tcpladder/map.h"
#include "tcpladder/steps.h"
#include "tcpladder/tcpstate.h"
#include "tcpladder/util.h"

struct entry {
	uint32_t id;
	bool closed;      /* closed or in TIME-WAIT: its steps go first */
	bool marked;      /* seen in the last sync */
	uint8_t head;     /* capacity of the head: TL_STEPS_HEAD, or 0 after an eviction */
	uint8_t n;        /* events kept */
	uint8_t cap;      /* events allocated */
	uint8_t ring0;    /* the ring's oldest, once it is full */
	uint64_t hidden;  /* events not kept */
	uint64_t touched; /* when it last changed, in adds */
	struct tl_event *ev;
};

/* A connection's first block of events (most have no more: a short
 * connection's whole life is six), and how many such blocks are kept. */
#define FIRST 8
#define POOL_MAX 256

struct tl_steps {
	struct entry *e;
	size_t n, cap;
	struct tl_map by_id; /* conn id -> index into e */
	size_t events, limit;
	size_t next; /* shrink above this: the cap, or more while nothing is left to evict */
	uint64_t clock;
	struct tl_link_seg *link; /* a ring of TL_STEPS_LINK, allocated on the first */
	size_t link_head, link_n;
	/* First blocks (FIRST events) of connections gone, for the next to
	 * come: under churn thousands a second, each too big for the C
	 * library's cache of small blocks */
	struct tl_event *pool[POOL_MAX];
	size_t n_pool;
};

struct tl_steps *tl_steps_new(size_t cap)
{
	struct tl_steps *s = tl_calloc(1, sizeof(*s));
	s->limit = cap ? cap : TL_STEPS_CAP;
	if (s->limit < TL_STEPS_MAX)
		s->limit = TL_STEPS_MAX;
	s->next = s->limit;
	tl_map_init(&s->by_id);
	return s;
}

void tl_steps_free(struct tl_steps *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->e[i].ev);
	for (size_t i = 0; i < s->n_pool; i++)
		free(s->pool[i]);
	free(s->e);
	free(s->link);
	tl_map_fini(&s->by_id);
	free(s);
}

/* e's events go: a first block is kept for another connection. */
static void events_free(struct tl_steps *s, struct entry *e)
{
	if (e->cap == FIRST && s->n_pool < POOL_MAX)
		s->pool[s->n_pool++] = e->ev;
	else
		free(e->ev);
	e->ev = NULL;
	e->cap = 0;
}

static struct entry *find(const struct tl_steps *s, uint32_t id)
{
	uint32_t i;
	return id && tl_map_get(&s->by_id, id, &i) ? &s->e[i] : NULL;
}

static struct entry *entry_new(struct tl_steps *s, uint32_t id)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->e = tl_reallocarray(s->e, s->cap, sizeof(*s->e));
	}
	struct entry *e = &s->e[s->n];
	memset(e, 0, sizeof(*e));
	e->id = id;
	e->head = TL_STEPS_HEAD;
	tl_map_put(&s->by_id, id, (uint32_t)s->n);
	s->n++;
	return e;
}

/* Its events go but the newest, which still tells where it stands; the
 * entry stays, counting them. */
static void evict(struct tl_steps *s, struct entry *e)
{
	if (e->n <= 1)
		return;
	struct tl_event last;
	size_t head = TL_MIN((size_t)e->n, (size_t)e->head), tail = e->n - head;
	if (!tail)
		last = e->ev[head - 1];
	else if (tail == TL_STEPS_TAIL)
		last = e->ev[head + (e->ring0 + TL_STEPS_TAIL - 1) % TL_STEPS_TAIL];
	else
		last = e->ev[e->n - 1];
	s->events -= e->n - 1u;
	e->hidden += e->n - 1u;
	e->head = 0;
	e->ring0 = 0;
	e->n = 1;
	events_free(s, e);
	e->cap = 1;
	e->ev = tl_reallocarray(NULL, 1, sizeof(*e->ev));
	e->ev[0] = last;
}

static void entry_del(struct tl_steps *s, size_t i)
{
	struct entry *e = &s->e[i];
	s->events -= e->n;
	events_free(s, e);
	tl_map_del(&s->by_id, e->id);
	if (i != s->n - 1) {
		*e = s->e[s->n - 1];
		tl_map_put(&s->by_id, e->id, (uint32_t)i);
	}
	s->n--;
}

static int victim_cmp(const void *a, const void *b)
{
	const struct entry *x = *(struct entry *const *)a, *y = *(struct entry *const *)b;
	if (x->closed != y->closed)
		return x->closed ? -1 : 1;
	return x->touched < y->touched ? -1 : x->touched > y->touched;
}

/* Over the cap: closed connections' steps go first, the least recently
 * changed first, down to seven eighths of the cap so that this runs
 * once in many adds. */
static void shrink(struct tl_steps *s, const struct entry *keep)
{
	size_t k = 0, goal = s->limit - s->limit / 8;
	struct entry **v = tl_calloc(s->n ? s->n : 1, sizeof(*v));
	for (size_t i = 0; i < s->n; i++)
		if (s->e[i].n > 1 && &s->e[i] != keep)
			v[k++] = &s->e[i];
	qsort(v, k, sizeof(*v), victim_cmp);
	for (size_t i = 0; i < k && s->events > goal; i++)
		evict(s, v[i]);
	free(v);
	/* every connection keeps its newest event: when that is all that is
	 * left, wait for an eighth more before trying again */
	s->next = TL_MAX(s->limit, s->events + s->limit / 8);
}

static void put(struct tl_steps *s, struct entry *e, const struct tl_event *ev)
{
	size_t max = (size_t)e->head + TL_STEPS_TAIL;
	if (e->n < max) {
		if (!e->cap && max >= FIRST && s->n_pool) {
			e->cap = FIRST;
			e->ev = s->pool[--s->n_pool];
		} else if (e->n == e->cap) {
			e->cap = (uint8_t)TL_MIN(max, e->cap ? (size_t)e->cap * 2 : FIRST);
			e->ev = tl_reallocarray(e->ev, e->cap, sizeof(*e->ev));
		}
		e->ev[e->n++] = *ev;
		s->events++;
	} else {
		/* the ring is full: the oldest of the tail is no longer shown */
		e->ev[e->head + e->ring0] = *ev;
		e->ring0 = (uint8_t)((e->ring0 + 1) % TL_STEPS_TAIL);
		e->hidden++;
	}
	e->touched = ++s->clock;
	if (ev->kind == TL_EV_CLOSE || ev->to == TL_TCP_TIME_WAIT)
		e->closed = true;
	if (s->events > s->next)
		shrink(s, e);
}

void tl_steps_add(struct tl_steps *s, const struct tl_event *ev)
{
	if (!ev->conn)
		return;
	struct entry *e = find(s, ev->conn);
	if (!e)
		e = entry_new(s, ev->conn);
	put(s, e, ev);
}

/* c's entry, made with its "first seen" record if it has none: no
 * event of its own, so it was found already open. */
static struct entry *entry_of(struct tl_steps *s, const struct tl_conn *c)
{
	struct entry *e = find(s, c->id);
	if (e)
		return e;
	struct tl_event ev = {
	    .mono_ns = c->first_seen_ns,
	    .after_ns = c->first_seen_ns, /* a sighting: exact */
	    .wall = c->first_seen_wall,
	    .cookie = c->sock.cookie,
	    .conn = c->id,
	    .ns = c->ns,
	    .kind = TL_EV_OPEN,
	    .to = c->state,
	    .segment = TL_SEG_NONE,
	    .dir = TL_DIR_NONE,
	    .role = c->role,
	    .sock = c->sock,
	};
	e = entry_new(s, c->id);
	put(s, e, &ev);
	return e;
}

void tl_steps_sync(struct tl_steps *s, const struct tl_conn *conns, size_t n)
{
	for (size_t i = 0; i < s->n; i++)
		s->e[i].marked = false;
	for (size_t i = 0; i < n; i++)
		if (conns[i].id)
			entry_of(s, &conns[i])->marked = true;
	for (size_t i = s->n; i-- > 0;)
		if (!s->e[i].marked)
			entry_del(s, i);
	if (s->events <= s->limit)
		s->next = s->limit;
}

void tl_steps_sync_changes(struct tl_steps *s, const struct tl_conn *conns, size_t n,
			   const uint32_t *born, size_t n_born, const uint32_t *died, size_t n_died)
{
	/* the removed first: a slot in born may hold a later connection */
	for (size_t i = 0; i < n_died; i++) {
		struct entry *e = find(s, died[i]);
		if (e)
			entry_del(s, (size_t)(e - s->e));
	}
	for (size_t i = 0; i < n_born; i++)
		if (born[i] < n && conns[born[i]].id)
			entry_of(s, &conns[born[i]]);
	if (s->events <= s->limit)
		s->next = s->limit;
}

size_t tl_steps_get(const struct tl_steps *s, uint32_t conn, struct tl_event *out, size_t max,
		    size_t *gap_at, uint64_t *hidden)
{
	const struct entry *e = find(s, conn);
	size_t k = 0;
	*gap_at = 0;
	*hidden = 0;
	if (!e)
		return 0;
	size_t head = TL_MIN((size_t)e->n, (size_t)e->head);
	for (size_t i = 0; i < head && k < max; i++)
		out[k++] = e->ev[i];
	*gap_at = k;
	*hidden = e->hidden;
	size_t tail = e->n - head;
	for (size_t i = 0; i < tail && k < max; i++) {
		size_t j = tail == TL_STEPS_TAIL ? (e->ring0 + i) % TL_STEPS_TAIL : i;
		out[k++] = e->ev[head + j];
	}
	return k;
}

bool tl_steps_has(const struct tl_steps *s, uint32_t conn)
{
	return find(s, conn) != NULL;
}

size_t tl_steps_conns(const struct tl_steps *s)
{
	return s->n;
}

size_t tl_steps_events(const struct tl_steps *s)
{
	return s->events;
}

size_t tl_steps_bytes(const struct tl_steps *s)
{
	size_t b = sizeof(*s) + s->cap * sizeof(*s->e) +
		   s->by_id.cap * (sizeof(*s->by_id.keys) + sizeof(*s->by_id.vals));
	for (size_t i = 0; i < s->n; i++)
		b += (size_t)s->e[i].cap * sizeof(struct tl_event);
	if (s->link)
		b += TL_STEPS_LINK * sizeof(*s->link);
	b += s->n_pool * FIRST * sizeof(struct tl_event);
	return b;
}

void tl_steps_link(struct tl_steps *s, const struct tl_link_seg *seg)
{
	if (!s->link)
		s->link = tl_calloc(TL_STEPS_LINK, sizeof(*s->link));
	s->link[(s->link_head + s->link_n) % TL_STEPS_LINK] = *seg;
	if (s->link_n < TL_STEPS_LINK)
		s->link_n++;
	else
		s->link_head = (s->link_head + 1) % TL_STEPS_LINK;
}

uint32_t tl_steps_by_ports(const struct tl_steps *s, uint16_t lport, uint16_t rport,
			   uint64_t before, uint32_t skip)
{
	uint32_t best = 0;
	uint64_t best_t = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct entry *e = &s->e[i];
		if (e->id == skip)
			continue;
		for (size_t k = 0; k < e->n; k++) {
			const struct tl_event *ev = &e->ev[k];
			if (ev->sock.lport == lport && ev->sock.rport == rport &&
			    ev->mono_ns <= before && (!best || ev->mono_ns >= best_t)) {
				best = e->id;
				best_t = ev->mono_ns;
			}
		}
	}
	return best;
}

size_t tl_steps_links(const struct tl_steps *s, uint16_t pa, uint16_t pb, uint64_t since,
		      struct tl_link_seg *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < s->link_n && n < max; i++) {
		const struct tl_link_seg *g = &s->link[(s->link_head + i) % TL_STEPS_LINK];
		bool ours = (g->pkt.sport == pa && g->pkt.dport == pb) ||
			    (g->pkt.sport == pb && g->pkt.dport == pa);
		if (ours && g->mono_ns >= since) {
			if (out)
				out[n] = *g;
			n++;
		}
	}
	return n;
}
