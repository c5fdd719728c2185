/* englookup: the engine's lookups of single sockets by tuple and cookie:
 * those the tracker asks for (a destroyed socket's peer, a socket whose
 * close waits for evidence), in batches, the connections --follow
 * selects, in turn, and those a view shows (see engineint.h). */
#include <errno.h>
#include <string.h>

#include "tcpladder/clock.h"
#include "tcpladder/engineint.h"
#include "tcpladder/filter.h"
#include "tcpladder/record.h"
#include "tcpladder/sampler.h"
#include "tcpladder/util.h"

/* Look up entries [i, j) of e->lk, all in one namespace, in one batch. */
static void lookup_run(struct tl_engine *e, size_t i, size_t j, uint64_t now, double wall)
{
	struct tl_sock keys[TL_LOOKUP_BATCH], out[TL_LOOKUP_BATCH];
	int res[TL_LOOKUP_BATCH];
	size_t idx[TL_LOOKUP_BATCH], n = 0;
	unsigned ns = e->lk[i].ns;

	for (; i < j; i++) {
		/* an answer of an earlier batch may have settled it */
		if (!tl_tracker_find(e->tracker, e->lk[i].sock.cookie))
			continue;
		keys[n] = e->lk[i].sock;
		if (e->lk[i].any_cookie)
			keys[n].cookie = TL_NOCOOKIE;
		idx[n++] = i;
	}
	uint64_t began = tl_mono_ns();
	tl_sampler_lookup_batch(e->ns[ns].sampler, keys, n, e->cfg.what, out, res);
	e->st.lookups += n;
	for (size_t k = 0; k < n; k++) {
		uint64_t cookie = e->lk[idx[k]].sock.cookie;
		/* or by an answer earlier in this batch */
		if (!tl_tracker_find(e->tracker, cookie) ||
		    tl_eng_lookup_stale(e, cookie, began, now, wall))
			continue;
		if (res[k] == 0 || res[k] == -ENOENT) {
			const struct tl_sock *r = res[k] == 0 ? &out[k] : NULL;
			tl_eng_rec_lookup(e, ns, cookie, r);
			tl_tracker_lookup_result(e->tracker, ns, cookie, r, now, wall);
		}
		/* Other errors, and a batch that failed: leave it to the
		 * next dump. */
	}
}

void tl_eng_lookups(struct tl_engine *e, uint64_t now, double wall)
{
	tl_eng_rec_simple(e, TL_ROP_PENDING, 0, TL_ENG_MAX_LOOKUPS);
	size_t n = tl_tracker_pending(e->tracker, e->lk, TL_ENG_MAX_LOOKUPS);
	/* Runs of one namespace, in order, TL_LOOKUP_BATCH at most. */
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && j - i < TL_LOOKUP_BATCH && e->lk[j].ns == e->lk[i].ns)
			j++;
		if (e->ns[e->lk[i].ns].sampler)
			lookup_run(e, i, j, now, wall);
		i = j;
	}
}

static bool wants_follow(const struct tl_engine *e, const struct tl_conn *c)
{
	if (c->state == TL_TCP_LISTEN)
		return false;
	return e->cfg.follow && tl_filter_match(e->cfg.follow, &c->sock);
}

/* Mark the connections the --follow filter selects.  A
 * connection's match can change only when the tracker does. */
void tl_eng_follow_mark(struct tl_engine *e)
{
	uint64_t gen = tl_tracker_generation(e->tracker);
	if (e->follow_marked && gen == e->follow_marked_gen)
		return;
	size_t n;
	struct tl_conn *conns = tl_tracker_conns(e->tracker, &n);
	size_t followed = 0;
	for (size_t i = 0; i < n; i++) {
		struct tl_conn *c = &conns[i];
		if (!c->id || (c->flags & TL_CONN_GONE))
			continue;
		if (!(c->flags & TL_CONN_FOLLOW) && wants_follow(e, c))
			c->flags |= TL_CONN_FOLLOW;
		followed += (c->flags & TL_CONN_FOLLOW) != 0;
	}
	e->st.followed = followed;
	e->follow_marked_gen = gen;
	e->follow_marked = true;
}

/* Look up the next followed connections, in turn, at most
 * TL_ENG_MAX_FOLLOW of them. */
void tl_eng_follow_visit(struct tl_engine *e, uint64_t now, double wall)
{
	size_t n;
	struct tl_conn *conns = tl_tracker_conns(e->tracker, &n);
	size_t done = 0;

	if (e->follow_cursor >= n)
		e->follow_cursor = 0;
	for (size_t k = 0; k < n && done < TL_ENG_MAX_FOLLOW; k++) {
		size_t i = (e->follow_cursor + k) % n;
		struct tl_conn *c = &conns[i];
		if (!c->id || (c->flags & TL_CONN_GONE) || !(c->flags & TL_CONN_FOLLOW))
			continue;
		struct tl_sock key = c->sock, out;
		unsigned ns = c->ns;
		if (!e->ns[ns].sampler)
			continue;
		uint64_t began = tl_mono_ns();
		int r = tl_sampler_lookup(e->ns[ns].sampler, &key, e->cfg.what, &out);
		e->st.lookups++;
		done++;
		if (tl_eng_lookup_stale(e, key.cookie, began, now, wall)) {
			conns = tl_tracker_conns(e->tracker, &n);
			continue;
		}
		/* conns may move: the tracker can grow while handling a result */
		if (r == 0 || r == -ENOENT) {
			const struct tl_sock *res = r == 0 ? &out : NULL;
			tl_eng_rec_lookup(e, ns, key.cookie, res);
			tl_tracker_lookup_result(e->tracker, ns, key.cookie, res, now, wall);
		}
		conns = tl_tracker_conns(e->tracker, &n);
		e->follow_cursor = i + 1;
	}
	if (!done)
		e->follow_cursor = 0;
}

void tl_engine_show(struct tl_engine *e, const uint64_t *cookies, size_t n)
{
	e->n_shown = TL_MIN(n, (size_t)TL_ENGINE_SHOWN);
	memcpy(e->shown, cookies, e->n_shown * sizeof(*cookies));
}

void tl_eng_show_visit(struct tl_engine *e, uint64_t now, double wall)
{
	if (!e->x || !e->n_shown || e->st.interval_ns <= e->delay_ns || now < e->next_show_ns ||
	    e->st.paused)
		return;
	e->next_show_ns = tl_add_sat(now, e->delay_ns);
	/* one batch a namespace: the shown sockets of each, in turn */
	bool done[TL_ENGINE_SHOWN] = {false};
	for (size_t a = 0; a < e->n_shown; a++) {
		const struct tl_conn *c = done[a] ? NULL : tl_tracker_find(e->tracker, e->shown[a]);
		if (!c || (c->flags & TL_CONN_GONE) || !e->ns[c->ns].sampler)
			continue;
		unsigned ns = c->ns;
		size_t k = 0;
		for (size_t b = a; b < e->n_shown && k < TL_LOOKUP_BATCH; b++) {
			const struct tl_conn *d =
			    done[b] ? NULL : tl_tracker_find(e->tracker, e->shown[b]);
			if (!d || d->ns != ns || (d->flags & TL_CONN_GONE))
				continue;
			done[b] = true;
			e->lk[k++] = (struct tl_lookup){.ns = (uint16_t)ns, .sock = d->sock};
		}
		lookup_run(e, 0, k, now, wall);
	}
}
