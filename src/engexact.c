/* engexact: exact mode's part of the engine: the eBPF source started
 * for the watched namespaces, its records read into a queue and handed to
 * the tracker in the kernel's order, never ahead of the step's clock, and
 * merged with the dumps and lookups (see engineint.h). */
#include <stdlib.h>
#include <string.h>

#include "tcpladder/ebpf.h"
#include "tcpladder/engineint.h"
#include "tcpladder/filter.h"
#include "tcpladder/record.h"
#include "tcpladder/util.h"

/* Records read and not yet applied, at most (plus one ring's worth) */
#define EXACT_BATCH_MAX 65536
#define EXACT_NOTICE_GAP_NS 10000000000ULL

/* Start the eBPF source for the watched namespaces, unless turned off;
 * under "auto" a failure leaves the reason and polling on. */
void tl_eng_exact_start(struct tl_engine *e, const struct tl_engine_config *cfg)
{
	if (cfg->exact == TL_EXACT_MODE_OFF) {
		e->x_reason = tl_strdup("turned off with --no-exact");
		return;
	}
	char *why = NULL;
	e->x = tl_ebpf_new(cfg->exact_ring, &why);
	for (unsigned i = 0; e->x && i < e->n_ns; i++)
		if (tl_ebpf_watch(e->x, (uint32_t)e->ns[i].ino, &why) < 0) {
			tl_ebpf_free(e->x);
			e->x = NULL;
		}
	e->x_reason = why;
	e->st.exact = e->x != NULL;
}

static int ns_of_ino(const struct tl_engine *e, uint32_t ino)
{
	for (unsigned i = 0; i < e->n_ns; i++)
		if (e->ns[i].sampler && (uint32_t)e->ns[i].ino == ino)
			return (int)i;
	return -1;
}

/* The count of a socket's records in xb goes up as they are read and
 * down as they are applied. */
static void wait_count(struct tl_engine *e, uint64_t cookie, int by)
{
	uint32_t n = 0;
	uint64_t key = cookie + 1; /* a map's key is never 0 */
	if (!key)
		return;
	tl_map_get(&e->x_wait, key, &n);
	if (by > 0)
		tl_map_put(&e->x_wait, key, n + 1);
	else if (n > 1)
		tl_map_put(&e->x_wait, key, n - 1);
	else
		tl_map_del(&e->x_wait, key);
}

/* Take what the ring holds into the batch; a loss asks for a full dump
 * (reported once per dump it costs). */
static void exact_read(struct tl_engine *e, uint64_t now)
{
	/* Records waiting for their turn are bounded: past that the ring
	 * is left to fill, and what it loses is counted and resynchronised
	 * (a starved process once held millions, gigabytes). */
	size_t had = e->xb.n;
	int r = e->xb.n < EXACT_BATCH_MAX ? tl_ebpf_read(e->x, &e->xb) : 0;
	for (size_t i = had; i < e->xb.n; i++)
		wait_count(e, e->xb.recs[i].sock.cookie, 1);
	if (r < 0)
		tl_eng_notice(e, tl_asprintf("reading exact-mode records: %s", strerror(-r)));
	/* Found records: come back for those that woke nobody.  Stop only
	 * once a read that late finds none. */
	if (r > 0)
		e->x_again = now + TL_EBPF_REREAD_NS;
	else if (now >= e->x_again)
		e->x_again = 0;
	uint64_t lost = tl_ebpf_lost(e->x);
	if (lost == e->x_lost)
		return;
	if (now >= e->x_notice_at) {
		tl_eng_notice(
		    e, tl_asprintf("exact mode lost %llu records (its ring buffer was full); "
				   "resynchronised with a full dump",
				   (unsigned long long)(lost - e->x_noticed)));
		e->x_noticed = lost;
		e->x_notice_at = now + EXACT_NOTICE_GAP_NS;
	}
	e->st.exact_lost = lost;
	e->x_lost = lost;
	if (e->rec) { /* the events from here on say so: a replay must too */
		struct tl_rop op = {.kind = TL_ROP_LOST, .exact_lost = lost};
		tl_eng_rec(e, &op);
	}
	if (!e->x_resync) {
		e->x_resync = true;
		e->x_resync_at = TL_MAX(e->x_resync_at, now);
	}
}

/* r leaves xb: told to the tracker, unless its namespace went or FILTER
 * does not want it. */
static void exact_apply(struct tl_engine *e, const struct tl_exact_rec *r, uint64_t now,
			double wall)
{
	wait_count(e, r->sock.cookie, -1);
	int ns = ns_of_ino(e, r->netns_ino);
	if (ns < 0)
		return;
	tl_eng_wake(e, (unsigned)ns);
	/* FILTER decides when a socket is first met; then it is followed. */
	if (e->cfg.filter && !tl_tracker_find(e->tracker, r->sock.cookie) &&
	    !tl_filter_match(e->cfg.filter, &r->sock))
		return;
	double w = wall - ((double)now - (double)r->mono_ns) / 1e9;
	if (e->rec) {
		struct tl_rop op = {.kind = TL_ROP_OBSERVE, .ns = (unsigned)ns, .x = *r};
		tl_eng_rec(e, &op);
	}
	tl_tracker_observe(e->tracker, (unsigned)ns, r, w);
	e->st.exact_records++;
}

/* What was read so far, applied in ring order; records stamped after this
 * step's `now` wait for the next step (tl_engine_deadline() makes it come
 * at once), so that no time handed to the tracker and the views runs
 * ahead of the clock they are read with. */
void tl_eng_exact_flush(struct tl_engine *e, uint64_t now, double wall)
{
	/* The flush runs before every lookup's answer is taken: with
	 * thousands of records waiting under churn, going over them all
	 * each time was most of the view's CPU. */
	bool kept_wait = e->x_kept <= e->xb.n && now < e->x_kept_min;
	size_t k = kept_wait ? e->x_kept : 0;
	uint64_t min = kept_wait ? e->x_kept_min : UINT64_MAX;
	for (size_t i = k; i < e->xb.n; i++) {
		const struct tl_exact_rec *r = &e->xb.recs[i];
		if (r->mono_ns <= now) {
			exact_apply(e, r, now, wall);
		} else {
			min = TL_MIN(min, r->mono_ns);
			if (k != i)
				e->xb.recs[k] = *r;
			k++;
		}
	}
	e->xb.n = k;
	e->x_kept = k;
	e->x_kept_min = min;
	if (!k && e->xb.cap > 65536) /* a burst's array is not kept */
		tl_exact_batch_fini(&e->xb);
}

void tl_eng_exact_pump(struct tl_engine *e, uint64_t now, double wall)
{
	if (!e->x)
		return;
	exact_read(e, now);
	tl_eng_exact_flush(e, now, wall);
}

/* A dump against the records: those from before the dump began go first,
 * then the dump, which passes over the sockets with newer records; those
 * wait for tl_eng_exact_flush() after the round.  Records are written before the
 * kernel stores the state they report, so every change a dump saw has
 * its record read by now. */
void tl_eng_apply_sample(struct tl_engine *e, unsigned i, const struct tl_snapshot *s, uint64_t now,
			 double wall)
{
	if (!e->x) {
		tl_eng_rec_sample(e, i, s);
		tl_tracker_sample(e->tracker, i, s, now, wall);
		return;
	}
	exact_read(e, now);
	size_t k = 0;
	for (size_t j = 0; j < e->xb.n; j++) {
		const struct tl_exact_rec *r = &e->xb.recs[j];
		if (ns_of_ino(e, r->netns_ino) == (int)i && r->mono_ns < s->mono_ns &&
		    r->mono_ns <= now)
			exact_apply(e, r, now, wall);
		else
			e->xb.recs[k++] = *r;
	}
	e->xb.n = k;
	e->x_kept = 0; /* the next flush looks at them all */
	for (size_t j = 0; j < k; j++)
		if (ns_of_ino(e, e->xb.recs[j].netns_ino) == (int)i) {
			tl_eng_rec_simple(e, TL_ROP_HOLD, e->xb.recs[j].sock.cookie, 0);
			tl_tracker_hold(e->tracker, e->xb.recs[j].sock.cookie);
		}
	tl_eng_rec_sample(e, i, s);
	tl_tracker_sample(e->tracker, i, s, now, wall);
	tl_eng_rec_simple(e, TL_ROP_RELEASE, 0, 0);
	tl_tracker_release(e->tracker);
}

/* Whether a record of this socket was read and waits for its turn. */
bool tl_eng_exact_waiting(const struct tl_engine *e, uint64_t cookie)
{
	uint32_t n;
	if (!e->x)
		return false;
	if (cookie + 1 == 0) /* not in the map: look */
		for (size_t i = 0; i < e->xb.n; i++)
			if (e->xb.recs[i].sock.cookie == cookie)
				return true;
	return tl_map_get(&e->x_wait, cookie + 1, &n);
}

/* The same after the ring is read again. */
static bool exact_pending(struct tl_engine *e, uint64_t cookie, uint64_t now, double wall)
{
	if (!e->x)
		return false;
	tl_eng_exact_pump(e, now, wall);
	return tl_eng_exact_waiting(e, cookie);
}

/* Exact mode: a lookup's answer says nothing new when a record of the
 * socket came after the lookup began (it was applied just now), or waits.
 * The record of a change is written before the change is stored, so the
 * ring, read after the lookup, holds every change the lookup saw. */
bool tl_eng_lookup_stale(struct tl_engine *e, uint64_t cookie, uint64_t began, uint64_t now,
			 double wall)
{
	if (!e->x)
		return false;
	if (exact_pending(e, cookie, now, wall))
		return true;
	const struct tl_conn *c = tl_tracker_find(e->tracker, cookie);
	return c && c->exact_ns >= began;
}
