/* engine: sampling, events and lookups, paced by a CPU budget. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tcpladder/clock.h"
#include "tcpladder/engine.h"
#include "tcpladder/filter.h"
#include "tcpladder/sampler.h"
#include "tcpladder/tcpstate.h"
#include "tcpladder/util.h"

#define MAX_LOOKUPS_PER_STEP 2048
/* With config sparse_quiet (--all-netns): a namespace whose last
 * QUIET_AFTER dumps brought no event, and that sent no destroy event, is
 * dumped once every QUIET_EVERY rounds: on a host of mostly idle
 * containers the budget goes to the busy ones. */
#define QUIET_AFTER 3
#define QUIET_EVERY 4

struct engine_ns {
	struct tl_sampler *sampler;
	struct tl_snapshot snap; /* scratch for the dump in progress */
	struct tl_snapshot last; /* the last complete one */
	char *name;
	uint64_t ino;	/* kept after the namespace is dropped */
	unsigned quiet; /* dumps in a row that brought no event */
};

struct tl_engine {
	struct tl_engine_config cfg;
	struct engine_ns *ns;
	unsigned n_ns;
	struct tl_tracker *tracker;
	uint64_t delay_ns;
	uint64_t next_dump_ns;
	uint64_t next_follow_ns;
	uint64_t rounds;
	uint64_t extra_cost_ns; /* baselines of namespaces that joined since the last round */
	double cost_ewma_ns;
	bool have_cost;
	bool resync;
	struct tl_engine_stats st;
	char *notice;
	uint64_t *extra_follow; /* cookies followed on request */
	size_t n_extra_follow;
	struct tl_lookup *lk;
};

static void notice(struct tl_engine *e, char *msg)
{
	free(e->notice);
	e->notice = msg;
}

struct tl_engine *tl_engine_new(const struct tl_engine_config *cfg, char **cause)
{
	struct tl_engine *e = tl_calloc(1, sizeof(*e));

	e->cfg = *cfg;
	e->n_ns = (unsigned)cfg->n_netns;
	e->ns = tl_calloc(e->n_ns, sizeof(*e->ns));
	e->delay_ns = cfg->delay_ns;
	e->lk = tl_calloc(MAX_LOOKUPS_PER_STEP, sizeof(*e->lk));
	for (unsigned i = 0; i < e->n_ns; i++) {
		tl_snapshot_init(&e->ns[i].snap);
		tl_snapshot_init(&e->ns[i].last);
		e->ns[i].name = tl_strdup(cfg->netns[i].name);
	}
	for (unsigned i = 0; i < e->n_ns; i++) {
		e->ns[i].sampler = tl_sampler_new(cfg->netns[i].path, cfg->netns[i].name,
						  TL_SAMPLER_EVENTS, cause);
		if (!e->ns[i].sampler) {
			tl_engine_free(e);
			return NULL;
		}
		tl_sampler_set_filter(e->ns[i].sampler, cfg->filter);
		e->ns[i].ino = tl_sampler_ns_ino(e->ns[i].sampler);
	}
	e->tracker = tl_tracker_new(e->n_ns);
	e->st.interval_ns = e->delay_ns;
	return e;
}

void tl_engine_free(struct tl_engine *e)
{
	if (!e)
		return;
	for (unsigned i = 0; i < e->n_ns; i++) {
		tl_sampler_free(e->ns[i].sampler);
		tl_snapshot_fini(&e->ns[i].snap);
		tl_snapshot_fini(&e->ns[i].last);
		free(e->ns[i].name);
	}
	tl_tracker_free(e->tracker);
	free(e->ns);
	free(e->notice);
	free(e->extra_follow);
	free(e->lk);
	free(e);
}

size_t tl_engine_pollfds(const struct tl_engine *e, struct pollfd *pfd, size_t max)
{
	size_t n = 0;
	for (unsigned i = 0; i < e->n_ns && n < max; i++) {
		if (!e->ns[i].sampler)
			continue;
		int fd = tl_sampler_events_fd(e->ns[i].sampler);
		if (fd >= 0) {
			pfd[n].fd = fd;
			pfd[n].events = POLLIN;
			pfd[n].revents = 0;
			n++;
		}
	}
	return n;
}

static bool following(const struct tl_engine *e)
{
	return e->cfg.follow || e->n_extra_follow;
}

uint64_t tl_engine_deadline(const struct tl_engine *e)
{
	uint64_t d = e->st.paused ? UINT64_MAX : e->next_dump_ns;
	if (following(e) && e->next_follow_ns < d)
		d = e->next_follow_ns;
	return d;
}

/* Sockets outside the FILTER are not tracked at all. */
static void apply_filter(const struct tl_engine *e, struct tl_snapshot *s)
{
	if (!e->cfg.filter)
		return;
	size_t k = 0;
	for (size_t i = 0; i < s->n; i++)
		if (tl_filter_match(e->cfg.filter, &s->socks[i]))
			s->socks[k++] = s->socks[i];
	s->n = k;
}

struct destroy_ctx {
	struct tl_engine *e;
	unsigned ns;
	uint64_t now;
	double wall;
};

static int on_destroy(const struct tl_sock *rec, void *arg)
{
	struct destroy_ctx *dc = arg;
	dc->e->st.destroy_events++;
	dc->e->ns[dc->ns].quiet = 0;
	if (dc->e->cfg.filter && !tl_filter_match(dc->e->cfg.filter, rec))
		return 0;
	tl_tracker_destroyed(dc->e->tracker, dc->ns, rec, dc->now, dc->wall);
	return 0;
}

static void read_events(struct tl_engine *e, uint64_t now, double wall)
{
	for (unsigned i = 0; i < e->n_ns; i++) {
		if (!e->ns[i].sampler)
			continue;
		struct destroy_ctx dc = {e, i, now, wall};
		int r = tl_sampler_events_read(e->ns[i].sampler, on_destroy, &dc);
		if (r == -ENOBUFS) {
			/* The kernel dropped events: a full dump now puts the
			 * picture right; what happened in between is inferred. */
			e->st.lost_events++;
			e->resync = true;
			notice(e, tl_asprintf("destroy events were lost in '%s'; resynchronised "
					      "with a full dump",
					      e->ns[i].name));
		} else if (r < 0) {
			notice(e, tl_asprintf("reading destroy events in '%s': %s", e->ns[i].name,
					      strerror(-r)));
		}
	}
}

static void do_lookups(struct tl_engine *e, uint64_t now, double wall)
{
	size_t n = tl_tracker_pending(e->tracker, e->lk, MAX_LOOKUPS_PER_STEP);
	for (size_t i = 0; i < n; i++) {
		/* an earlier answer in this batch may have settled it */
		if (!tl_tracker_find(e->tracker, e->lk[i].sock.cookie) ||
		    !e->ns[e->lk[i].ns].sampler)
			continue;
		struct tl_sock out, key = e->lk[i].sock;
		if (e->lk[i].any_cookie)
			key.cookie = TL_NOCOOKIE;
		int r = tl_sampler_lookup(e->ns[e->lk[i].ns].sampler, &key, e->cfg.what, &out);
		e->st.lookups++;
		if (r == 0)
			tl_tracker_lookup_result(e->tracker, e->lk[i].ns, e->lk[i].sock.cookie, &out,
						 now, wall);
		else if (r == -ENOENT)
			tl_tracker_lookup_result(e->tracker, e->lk[i].ns, e->lk[i].sock.cookie, NULL,
						 now, wall);
		/* Other errors: leave it to the next dump. */
	}
}

static bool wants_follow(const struct tl_engine *e, const struct tl_conn *c)
{
	if (c->state == TL_TCP_LISTEN)
		return false;
	if (e->cfg.follow && tl_filter_match(e->cfg.follow, &c->sock))
		return true;
	for (size_t i = 0; i < e->n_extra_follow; i++)
		if (e->extra_follow[i] == c->sock.cookie)
			return true;
	return false;
}

static void do_follow(struct tl_engine *e, uint64_t now, double wall)
{
	size_t n;
	struct tl_conn *conns = tl_tracker_conns(e->tracker, &n);
	size_t budget = MAX_LOOKUPS_PER_STEP;

	for (size_t i = 0; i < n && budget; i++) {
		struct tl_conn *c = &conns[i];
		if (!c->id || (c->flags & TL_CONN_GONE) || !(c->flags & TL_CONN_FOLLOW))
			continue;
		struct tl_sock key = c->sock, out;
		unsigned ns = c->ns;
		if (!e->ns[ns].sampler)
			continue;
		int r = tl_sampler_lookup(e->ns[ns].sampler, &key, e->cfg.what, &out);
		e->st.lookups++;
		budget--;
		/* conns may move: the tracker can grow while handling a result */
		if (r == 0)
			tl_tracker_lookup_result(e->tracker, ns, key.cookie, &out, now, wall);
		else if (r == -ENOENT)
			tl_tracker_lookup_result(e->tracker, ns, key.cookie, NULL, now, wall);
		conns = tl_tracker_conns(e->tracker, &n);
	}
}

static void mark_follow(struct tl_engine *e)
{
	size_t n;
	struct tl_conn *conns = tl_tracker_conns(e->tracker, &n);
	for (size_t i = 0; i < n; i++) {
		struct tl_conn *c = &conns[i];
		if (c->id && !(c->flags & TL_CONN_GONE) && !(c->flags & TL_CONN_FOLLOW) &&
		    wants_follow(e, c))
			c->flags |= TL_CONN_FOLLOW;
	}
}

static int dump_all(struct tl_engine *e, uint64_t now, double wall, char **cause)
{
	uint64_t c0 = tl_thread_cpu_ns(), w0 = tl_mono_ns();
	size_t sockets = 0;

	for (unsigned i = 0; i < e->n_ns; i++) {
		struct engine_ns *ns = &e->ns[i];
		if (!ns->sampler)
			continue;
		if (e->cfg.sparse_quiet && !e->resync && ns->quiet >= QUIET_AFTER &&
		    (e->rounds + i) % QUIET_EVERY)
			continue;
		int err = tl_sampler_sample(ns->sampler, &ns->snap, e->cfg.what, 
					    e->cfg.filter ? tl_filter_states(e->cfg.filter) : TL_TCPF_ALL,
					    cause);
		if (err < 0) {
			/* Never diff an incomplete dump: keep the previous
			 * picture and say so. */
			notice(e, *cause ? *cause : tl_strdup("a dump failed"));
			*cause = NULL;
			continue;
		}
		ns->snap.wall = wall;
		apply_filter(e, &ns->snap);
		size_t before, after;
		tl_tracker_events(e->tracker, &before);
		tl_tracker_sample(e->tracker, i, &ns->snap, now, wall);
		tl_tracker_events(e->tracker, &after);
		ns->quiet = after == before ? ns->quiet + 1 : 0;
		tl_snapshot_swap(&ns->snap, &ns->last);
	}
	e->rounds++;
	for (unsigned i = 0; i < e->n_ns; i++)
		sockets += e->ns[i].last.n;
	mark_follow(e);
	do_lookups(e, now, wall);
	tl_tracker_expire(e->tracker, now);

	uint64_t cost = tl_thread_cpu_ns() - c0;
	e->st.dump_cost_ns = cost;
	e->st.dump_wall_ns = tl_mono_ns() - w0;
	/* the budget covers the baselines of namespaces that joined, too */
	double paid = (double)(cost + e->extra_cost_ns);
	e->extra_cost_ns = 0;
	e->cost_ewma_ns = e->have_cost ? 0.7 * e->cost_ewma_ns + 0.3 * paid : paid;
	e->have_cost = true;
	e->st.samples++;
	e->st.sockets = sockets;
	/* Stretch the interval to stay within the CPU budget. */
	uint64_t need = e->cfg.cpu_budget > 0 ? (uint64_t)(e->cost_ewma_ns / e->cfg.cpu_budget) : 0;
	e->st.interval_ns = TL_MAX(e->delay_ns, need);
	e->next_dump_ns = now + e->st.interval_ns;
	e->resync = false;
	return 0;
}

int tl_engine_step(struct tl_engine *e, uint64_t now, double wall, char **cause)
{
	read_events(e, now, wall);
	if ((!e->st.paused && now >= e->next_dump_ns) || e->resync) {
		int err = dump_all(e, now, wall, cause);
		if (err < 0)
			return err;
	} else {
		do_lookups(e, now, wall);
	}
	if (following(e) && now >= e->next_follow_ns) {
		mark_follow(e);
		do_follow(e, now, wall);
		e->next_follow_ns = now + e->cfg.follow_period_ns;
	}
	return 0;
}

struct tl_tracker *tl_engine_tracker(struct tl_engine *e)
{
	return e->tracker;
}

const struct tl_snapshot *tl_engine_snapshot(const struct tl_engine *e, unsigned i)
{
	return &e->ns[i].last;
}

const char *tl_engine_ns_name(const struct tl_engine *e, unsigned i)
{
	return e->ns[i].name;
}

unsigned tl_engine_ns_count(const struct tl_engine *e)
{
	return e->n_ns;
}

void tl_engine_stats(const struct tl_engine *e, struct tl_engine_stats *st)
{
	*st = e->st;
}

char *tl_engine_take_notice(struct tl_engine *e)
{
	char *n = e->notice;
	e->notice = NULL;
	return n;
}

void tl_engine_set_paused(struct tl_engine *e, bool paused)
{
	e->st.paused = paused;
}

void tl_engine_set_delay(struct tl_engine *e, uint64_t delay_ns)
{
	e->delay_ns = delay_ns;
	uint64_t need = e->cfg.cpu_budget > 0 ? (uint64_t)(e->cost_ewma_ns / e->cfg.cpu_budget) : 0;
	e->st.interval_ns = TL_MAX(e->delay_ns, need);
}

uint64_t tl_engine_delay(const struct tl_engine *e)
{
	return e->delay_ns;
}

void tl_engine_follow(struct tl_engine *e, uint64_t cookie)
{
	for (size_t i = 0; i < e->n_extra_follow; i++)
		if (e->extra_follow[i] == cookie)
			return;
	e->extra_follow = tl_reallocarray(e->extra_follow, e->n_extra_follow + 1,
					  sizeof(*e->extra_follow));
	e->extra_follow[e->n_extra_follow++] = cookie;
}

void tl_engine_limits(struct tl_engine *e, unsigned i, long *tw_max_buckets, int *port_lo,
		      int *port_hi)
{
	if (!e->ns[i].sampler) {
		*tw_max_buckets = -1;
		*port_lo = *port_hi = 0;
		return;
	}
	tl_sampler_limits(e->ns[i].sampler, tw_max_buckets, port_lo, port_hi);
}

uint64_t tl_engine_ns_ino(const struct tl_engine *e, unsigned i)
{
	return e->ns[i].ino;
}

/* The watched set changing (--all-netns); see engine.h. */
int tl_engine_ns_add(struct tl_engine *e, const char *path, const char *name, uint64_t now,
		     double wall, char **cause)
{
	struct tl_sampler *s = tl_sampler_new(path, name, TL_SAMPLER_EVENTS, cause);
	if (!s)
		return -EIO;
	tl_sampler_set_filter(s, e->cfg.filter);
	e->ns = tl_reallocarray(e->ns, e->n_ns + 1, sizeof(*e->ns));
	unsigned i = e->n_ns++;
	struct engine_ns *ns = &e->ns[i];
	memset(ns, 0, sizeof(*ns));
	tl_snapshot_init(&ns->snap);
	tl_snapshot_init(&ns->last);
	ns->sampler = s;
	ns->name = tl_strdup(name);
	ns->ino = tl_sampler_ns_ino(s);
	tl_tracker_add_ns(e->tracker);
	/* Its baseline now: what is there when it is found is not news, and
	 * what happens after is. */
	char *why = NULL;
	uint64_t c0 = tl_thread_cpu_ns();
	if (tl_sampler_sample(s, &ns->snap, e->cfg.what,
			      e->cfg.filter ? tl_filter_states(e->cfg.filter) : TL_TCPF_ALL,
			      &why) == 0) {
		ns->snap.wall = wall;
		apply_filter(e, &ns->snap);
		tl_tracker_sample(e->tracker, i, &ns->snap, now, wall);
		tl_snapshot_swap(&ns->snap, &ns->last);
	}
	free(why);
	e->extra_cost_ns += tl_thread_cpu_ns() - c0;
	return (int)i;
}

void tl_engine_ns_drop(struct tl_engine *e, unsigned i)
{
	struct engine_ns *ns = &e->ns[i];
	if (!ns->sampler)
		return;
	tl_sampler_free(ns->sampler);
	ns->sampler = NULL;
	ns->last.n = 0;
	tl_tracker_drop_ns(e->tracker, i);
}

bool tl_engine_ns_live(const struct tl_engine *e, unsigned i)
{
	return i < e->n_ns && e->ns[i].sampler;
}
