/* engine: sampling, events and lookups, paced by a CPU budget; exact
 * mode's records are queued and merged in engexact.c (engineint.h). */
#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tcpladder/clock.h"
#include "tcpladder/ebpf.h"
#include "tcpladder/engine.h"
#include "tcpladder/engineint.h"
#include "tcpladder/filter.h"
#include "tcpladder/record.h"
#include "tcpladder/sampler.h"
#include "tcpladder/tcpstate.h"
#include "tcpladder/util.h"

/* The budget is clamped before any division (options keep it in range;
 * the engine does not trust that). */
#define MIN_BUDGET 0.001
/* With config sparse_quiet (--all-netns): a namespace whose last
 * QUIET_AFTER dumps brought no event, and that sent no destroy event, is
 * dumped once every QUIET_EVERY rounds: on a host of mostly idle
 * containers the budget goes to the busy ones. */
#define QUIET_AFTER 3
#define QUIET_EVERY 4

/* Exact mode: the records tell every change of state, so while nothing
 * happens (every namespace quiet for QUIET_AFTER dumps, no record, no
 * destroy event, no socket that ends by its timer alone) the dumps only
 * keep queues and counters current, at this share of the CPU budget.
 * The first record or destroy event brings the busy pace back. */
#define STILL_SHARE 0.1
/* ... and while it sees changes, at this share: the transitions are the
 * records', the dumps keep the table and tell TIME-WAIT's end. */
#define BUSY_SHARE 0.5

#define EXACT_RESYNC_GAP_NS 200000000ULL
/* Tombstones are expired at least this often (exact mode) */
#define EXPIRE_GAP_NS 1000000000ULL

/* Notices of one step join into one line: none is lost to a later one. */
void tl_eng_notice(struct tl_engine *e, char *msg)
{
	tl_notice_add(&e->notice, msg);
}

/* --record: what the tracker is handed, as it is handed. */
void tl_eng_rec(struct tl_engine *e, const struct tl_rop *op)
{
	tl_recorder_op(e->rec, op, e->rec_now);
}

static void rec_sock(struct tl_engine *e, uint8_t kind, unsigned ns, const struct tl_sock *s)
{
	if (!e->rec)
		return;
	struct tl_rop op = {.kind = kind, .ns = ns};
	if (s)
		op.sock = *s;
	tl_eng_rec(e, &op);
}

void tl_eng_rec_lookup(struct tl_engine *e, unsigned ns, uint64_t cookie, const struct tl_sock *s)
{
	if (!e->rec)
		return;
	struct tl_rop op = {.kind = TL_ROP_LOOKUP, .ns = ns, .cookie = cookie, .found = s != NULL};
	if (s)
		op.sock = *s;
	tl_eng_rec(e, &op);
}

void tl_eng_rec_simple(struct tl_engine *e, uint8_t kind, uint64_t cookie, uint32_t arg)
{
	if (!e->rec)
		return;
	struct tl_rop op = {.kind = kind, .cookie = cookie, .arg = arg};
	tl_eng_rec(e, &op);
}

void tl_eng_rec_sample(struct tl_engine *e, unsigned ns, const struct tl_snapshot *s)
{
	if (!e->rec)
		return;
	struct tl_rop op = {.kind = TL_ROP_SAMPLE, .ns = ns, .snap = s};
	tl_eng_rec(e, &op);
}

static double clamp_budget(double b)
{
	if (!(b >= MIN_BUDGET)) /* also NaN */
		return MIN_BUDGET;
	return b > 1.0 ? 1.0 : b;
}

static double budget(const struct tl_engine *e)
{
	return clamp_budget(e->cfg.cpu_budget);
}

uint64_t tl_engine_pace(double cost_ns, double cpu_budget, uint64_t floor_ns)
{
	if (cpu_budget <= 0 || !(cost_ns > 0))
		return floor_ns;
	/* In floating point, clamped before it becomes an integer. */
	double need = cost_ns / clamp_budget(cpu_budget);
	if (!(need < (double)TL_ENGINE_MAX_INTERVAL_NS))
		need = (double)TL_ENGINE_MAX_INTERVAL_NS;
	return TL_MAX(floor_ns, (uint64_t)need);
}

struct tl_engine *tl_engine_new(const struct tl_engine_config *cfg, char **cause)
{
	struct tl_engine *e = tl_calloc(1, sizeof(*e));

	e->cfg = *cfg;
	e->n_ns = (unsigned)cfg->n_netns;
	e->ns = tl_calloc(e->n_ns, sizeof(*e->ns));
	e->delay_ns = cfg->delay_ns;
	e->lk = tl_calloc(TL_ENG_MAX_LOOKUPS, sizeof(*e->lk));
	for (unsigned i = 0; i < e->n_ns; i++) {
		tl_snapshot_init(&e->ns[i].snap);
		tl_snapshot_init(&e->ns[i].last);
		e->ns[i].name = tl_strdup(cfg->netns[i].name);
	}
	for (unsigned i = 0; !cfg->replay && i < e->n_ns; i++) {
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
	if (cfg->replay)
		e->x_reason = tl_strdup("replaying a recording");
	else
		tl_eng_exact_start(e, cfg);
	if (cfg->exact == TL_EXACT_MODE_ON && !e->x) {
		*cause = e->x_reason;
		e->x_reason = NULL;
		tl_engine_free(e);
		return NULL;
	}
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
	tl_ebpf_free(e->x);
	tl_exact_batch_fini(&e->xb);
	tl_map_fini(&e->x_wait);
	free(e->x_reason);
	free(e->ns);
	free(e->notice);
	free(e->lk);
	free(e);
}

size_t tl_engine_pollfds(const struct tl_engine *e, struct pollfd *pfd, size_t max)
{
	size_t n = 0;
	/* In exact mode the records tell every close first: the destroy
	 * events need not wake the loop (two per connection), each step
	 * still reads them. */
	for (unsigned i = 0; !e->x && i < e->n_ns && n < max; i++) {
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
	if (e->x && n < max)
		pfd[n++] = (struct pollfd){tl_ebpf_fd(e->x), POLLIN, 0};
	return n;
}

static bool following(const struct tl_engine *e)
{
	return e->cfg.follow != NULL;
}

uint64_t tl_engine_deadline(const struct tl_engine *e)
{
	uint64_t d = e->st.paused ? UINT64_MAX : e->next_dump_ns;
	if (following(e) && e->next_follow_ns < d)
		d = e->next_follow_ns;
	if (e->x_resync && e->x_resync_at < d)
		d = e->x_resync_at;
	if (e->x_again && e->x_again < d)
		d = e->x_again; /* the probe wakes us only now and then */
	if (e->x && e->n_shown && e->st.interval_ns > e->delay_ns && e->next_show_ns < d)
		d = e->next_show_ns; /* what a view shows, between slow dumps */
	if (e->xb.n)
		d = 0; /* records read that wait for a later clock */
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
	bool pumped; /* the ring was read after this batch was received */
};

static int on_destroy(const struct tl_sock *rec, void *arg)
{
	struct destroy_ctx *dc = arg;
	/* The ring is read after the batch's events were received and
	 * before the first is told: the records written before any of
	 * them are then in. */
	if (!dc->pumped) {
		tl_eng_exact_pump(dc->e, dc->now, dc->wall);
		dc->pumped = true;
	}
	dc->e->st.destroy_events++;
	tl_eng_wake(dc->e, dc->ns);
	/* FILTER decides when a socket is first met; then it is followed
	 * (an abort clears its peer's port: the record no longer matches
	 * a filter by port, and is its end's evidence all the same). */
	if (dc->e->cfg.filter && !tl_tracker_find(dc->e->tracker, rec->cookie) &&
	    !tl_filter_match(dc->e->cfg.filter, rec))
		return 0;
	/* The records written before it go first (read_events read the
	 * ring); one still waiting for a later clock will tell the close
	 * itself. */
	if (tl_eng_exact_waiting(dc->e, rec->cookie))
		return 0;
	rec_sock(dc->e, TL_ROP_DESTROY, dc->ns, rec);
	tl_tracker_destroyed(dc->e->tracker, dc->ns, rec, dc->now, dc->wall);
	return 0;
}

/* A step reads at most this many datagrams of destroy events (the kernel
 * sends one event a datagram) from each namespace; what is left waits for
 * the next step (the socket stays readable), and a queue that overflows
 * meanwhile is a loss, resynchronised.  Reading to the end never ended
 * when events came faster than they were taken in. */
#define EVENT_DGRAMS_PER_STEP 4096
/* Datagrams read at once: up to 8 a system call. */
#define EVENT_BATCH 8

static void read_events(struct tl_engine *e, uint64_t now, double wall)
{
	for (unsigned i = 0; i < e->n_ns; i++) {
		if (!e->ns[i].sampler)
			continue;
		struct destroy_ctx dc = {e, i, now, wall, false};
		int r = 0;
		for (unsigned k = 0; k < EVENT_DGRAMS_PER_STEP; k += (unsigned)r) {
			dc.pumped = false;
			r = tl_sampler_events_read(e->ns[i].sampler, EVENT_BATCH, on_destroy, &dc);
			if (r < EVENT_BATCH)
				break;
		}
		if (r == -ENOBUFS) {
			/* The kernel dropped events: a full dump now puts the
			 * picture right; what happened in between is inferred. */
			e->st.lost_events++;
			e->resync = true;
			tl_eng_notice(
			    e, tl_asprintf("destroy events were lost in '%s'; resynchronised "
					   "with a full dump",
					   e->ns[i].name));
		} else if (r < 0) {
			tl_eng_notice(e, tl_asprintf("reading destroy events in '%s': %s",
						     e->ns[i].name, strerror(-r)));
		}
	}
}

void tl_engine_drain(struct tl_engine *e, uint64_t now, double wall)
{
	read_events(e, now, wall);
	tl_eng_exact_pump(e, now, wall);
}

/* One follow step, paced so that its CPU time stays within the budget:
 * the step's period stretches from follow_period_ns when the followed
 * connections are many, and the user is told when it does. */
static void follow_step(struct tl_engine *e, uint64_t now, double wall)
{
	uint64_t c0 = tl_thread_cpu_ns();
	tl_eng_follow_mark(e);
	tl_eng_follow_visit(e, now, wall);
	double cost = (double)(tl_thread_cpu_ns() - c0);
	e->follow_cost_ewma_ns =
	    e->st.follow_steps ? 0.8 * e->follow_cost_ewma_ns + 0.2 * cost : cost;
	e->st.follow_steps++;
	uint64_t base = e->cfg.follow_period_ns;
	uint64_t period = tl_engine_pace(e->follow_cost_ewma_ns, budget(e), base);
	e->st.follow_period_ns = period;
	/* Each connection is visited once every this long. */
	size_t per_step = TL_MIN(e->st.followed, (size_t)TL_ENG_MAX_FOLLOW);
	uint64_t cycle = per_step ? period * ((e->st.followed + per_step - 1) / per_step) : period;
	e->st.follow_cycle_ns = cycle;
	e->next_follow_ns = tl_add_sat(now, period);

	/* Tell of a slowdown once, and of the end of it (with hysteresis). */
	bool slow = cycle > 2 * base;
	if (slow && !e->follow_slowed) {
		e->follow_slowed = true;
		tl_eng_notice(
		    e, tl_asprintf("following %zu connections: each is looked up every %.2f s "
				   "instead of %.0f ms, to keep within the CPU budget (%g%%)",
				   e->st.followed, (double)cycle / 1e9, (double)base / 1e6,
				   budget(e) * 100.0));
	} else if (!slow && e->follow_slowed && cycle <= base + base / 2) {
		e->follow_slowed = false;
		tl_eng_notice(e, tl_asprintf("following %zu connections at the full rate again",
					     e->st.followed));
	}
}

/* Tombstones expire, in the recording too: a replay that kept them would
 * reuse other slots, and tell a dump's closes in another order. */
static void expire(struct tl_engine *e, uint64_t now)
{
	tl_eng_rec_simple(e, TL_ROP_EXPIRE, 0, 0);
	tl_tracker_expire(e->tracker, now);
}

/* After a burst the tracker and the snapshots shrink; the C library
 * keeps freed memory in its heap unless told to return it. */
static void give_back(struct tl_engine *e, bool released)
{
	struct tl_tracker_storage st;
	tl_tracker_storage(e->tracker, &st);
	if (st.bytes < e->trim_bytes / 2)
		released = true;
	if (released || st.bytes > e->trim_bytes)
		e->trim_bytes = st.bytes;
#ifdef __GLIBC__
	if (released)
		malloc_trim(0);
#endif
}

/* Sockets that end with no record or destroy event: a TIME-WAIT (or an
 * orphaned FIN-WAIT-2) whose timer runs out, a request socket dropped. */
static size_t count_timed(const struct tl_snapshot *s)
{
	size_t n = 0;
	for (size_t i = 0; i < s->n; i++)
		n += s->socks[i].timer == 3 || s->socks[i].state == TL_TCP_SYN_RECV;
	return n;
}

static bool ns_still(const struct tl_engine *e, const struct engine_ns *ns)
{
	return e->x && !e->x_resync && !e->resync && ns->quiet >= QUIET_AFTER && !ns->timed;
}

static bool all_still(const struct tl_engine *e)
{
	bool any = false;
	for (unsigned i = 0; i < e->n_ns; i++) {
		const struct engine_ns *ns = &e->ns[i];
		if (!ns->sampler)
			continue;
		if (!ns_still(e, ns))
			return false;
		any = true;
	}
	return any;
}

/* Some namespaces busy (--all-netns, -N): one that is still is dumped
 * only as often as a tenth of the budget allows for its own dumps. */
static bool still_skip(const struct tl_engine *e, const struct engine_ns *ns, uint64_t now)
{
	if (e->st.still || !ns_still(e, ns) || !ns->dumped_ns)
		return false;
	return now - ns->dumped_ns <
	       tl_engine_pace((double)ns->cost_ns / STILL_SHARE, budget(e), 0);
}

/* (A share scales the cost, not the budget: the budget's floor, 0.1%, is
 * the user's; a share of it goes below.) */
static void set_interval(struct tl_engine *e)
{
	e->busy_interval_ns =
	    tl_engine_pace(e->cost_ewma_ns / (e->x ? BUSY_SHARE : 1), budget(e), e->delay_ns);
	e->st.interval_ns = e->st.still ? tl_engine_pace(e->cost_ewma_ns / STILL_SHARE, budget(e),
							 e->busy_interval_ns)
					: e->busy_interval_ns;
}

void tl_eng_wake(struct tl_engine *e, unsigned i)
{
	e->ns[i].quiet = 0;
	if (!e->st.still)
		return;
	e->st.still = false;
	e->st.interval_ns = e->busy_interval_ns;
	e->next_dump_ns = TL_MIN(e->next_dump_ns, tl_add_sat(e->round_ns, e->busy_interval_ns));
}

static int dump_all(struct tl_engine *e, uint64_t now, double wall, char **cause)
{
	uint64_t c0 = tl_thread_cpu_ns(), w0 = tl_mono_ns();
	size_t sockets = 0;
	bool released = false;

	for (unsigned i = 0; i < e->n_ns; i++) {
		struct engine_ns *ns = &e->ns[i];
		if (!ns->sampler)
			continue;
		if (e->cfg.sparse_quiet && !e->resync && ns->quiet >= QUIET_AFTER &&
		    (e->rounds + i) % QUIET_EVERY)
			continue;
		if (still_skip(e, ns, now))
			continue;
		uint64_t n0 = tl_thread_cpu_ns();
		int err = tl_sampler_sample(
		    ns->sampler, &ns->snap, e->cfg.what,
		    e->cfg.filter ? tl_filter_states(e->cfg.filter) : TL_TCPF_ALL, cause);
		if (err < 0) {
			/* Never diff an incomplete dump: keep the previous
			 * picture and say so, once until it works again. */
			if (ns->failing++ == 0)
				tl_eng_notice(e, *cause ? *cause : tl_strdup("a dump failed"));
			else
				free(*cause);
			*cause = NULL;
			continue;
		}
		if (ns->failing) {
			tl_eng_notice(
			    e,
			    tl_asprintf("listing sockets in '%s' works again (%u sample%s failed)",
					ns->name, ns->failing, ns->failing == 1 ? "" : "s"));
			ns->failing = 0;
		}
		ns->snap.wall = wall;
		apply_filter(e, &ns->snap);
		size_t before, after;
		tl_tracker_events(e->tracker, &before);
		tl_eng_apply_sample(e, i, &ns->snap, now, wall);
		tl_tracker_events(e->tracker, &after);
		ns->quiet = after == before ? ns->quiet + 1 : 0;
		/* (read only once it is quiet: under churn, no pass for it) */
		ns->timed = e->x && ns->quiet >= QUIET_AFTER ? count_timed(&ns->snap) : 0;
		ns->cost_ns = tl_thread_cpu_ns() - n0;
		ns->dumped_ns = now;
		tl_snapshot_swap(&ns->snap, &ns->last);
		/* The scratch keeps its array for the next dump, unless a
		 * burst left it bigger than the last dump needed (an array
		 * grown by doubling is at most twice its records). */
		if (ns->snap.cap > 2 * TL_MAX(ns->last.n, (size_t)4096)) {
			tl_snapshot_fini(&ns->snap);
			tl_snapshot_init(&ns->snap);
			released = true;
		}
	}
	e->rounds++;
	for (unsigned i = 0; i < e->n_ns; i++)
		sockets += e->ns[i].last.n;
	tl_eng_exact_flush(e, now, wall);
	tl_eng_lookups(e, now, wall);
	expire(e, now);
	give_back(e, released);

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
	/* Stretch the interval to stay within the CPU budget (a tenth of it
	 * while exact mode sees nothing happen). */
	e->st.still = all_still(e);
	set_interval(e);
	e->round_ns = now;
	e->next_dump_ns = tl_add_sat(now, e->st.interval_ns);
	e->resync = false;
	if (e->rec) {
		struct tl_rop op = {.kind = TL_ROP_ROUND,
				    .cost_ns = e->st.dump_cost_ns,
				    .wall_ns = e->st.dump_wall_ns,
				    .interval_ns = e->st.interval_ns,
				    .sockets = sockets,
				    .exact = e->st.exact,
				    .exact_lost = e->st.exact_lost};
		tl_eng_rec(e, &op);
	}
	return 0;
}

int tl_engine_step(struct tl_engine *e, uint64_t now, double wall, char **cause)
{
	e->rec_now = now;
	tl_eng_exact_pump(e, now, wall);
	if (e->x_resync && now >= e->x_resync_at) {
		e->x_resync = false;
		e->x_resync_at = now + EXACT_RESYNC_GAP_NS;
		e->resync = true;
	}
	read_events(e, now, wall);
	if ((!e->st.paused && now >= e->next_dump_ns) || e->resync) {
		int err = dump_all(e, now, wall, cause);
		if (err < 0)
			return err;
	} else {
		tl_eng_lookups(e, now, wall);
		tl_eng_show_visit(e, now, wall);
		/* Exact mode closes connections between dumps: their
		 * tombstones go on time, not only when the next dump comes
		 * (under load the budget stretches the interval, and the
		 * connections of the churn piled up meanwhile). */
		if (e->x && now >= e->next_expire_ns) {
			expire(e, now);
			e->next_expire_ns = now + EXPIRE_GAP_NS;
		}
	}
	if (following(e) && now >= e->next_follow_ns)
		follow_step(e, now, wall);
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
	set_interval(e);
	/* a shorter interval counts from the last round, not from when the
	 * longer one would have ended */
	if (e->round_ns)
		e->next_dump_ns =
		    TL_MIN(e->next_dump_ns, tl_add_sat(e->round_ns, e->st.interval_ns));
}

uint64_t tl_engine_delay(const struct tl_engine *e)
{
	return e->delay_ns;
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
	if (e->rec) {
		struct tl_rop op = {.kind = TL_ROP_NS};
		snprintf(op.name, sizeof(op.name), "%s", name);
		tl_eng_rec(e, &op);
	}
	if (e->x) {
		char *no = NULL;
		if (tl_ebpf_watch(e->x, (uint32_t)ns->ino, &no) < 0)
			tl_eng_notice(e,
				      tl_asprintf("%s: its changes are sampled, not observed", no));
		free(no);
	}
	/* Its baseline now: what is there when it is found is not news, and
	 * what happens after is. */
	char *why = NULL;
	uint64_t c0 = tl_thread_cpu_ns();
	if (tl_sampler_sample(s, &ns->snap, e->cfg.what,
			      e->cfg.filter ? tl_filter_states(e->cfg.filter) : TL_TCPF_ALL,
			      &why) == 0) {
		ns->snap.wall = wall;
		apply_filter(e, &ns->snap);
		tl_eng_rec_sample(e, i, &ns->snap);
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
	if (e->x)
		tl_ebpf_unwatch(e->x, (uint32_t)ns->ino);
	tl_sampler_free(ns->sampler);
	ns->sampler = NULL;
	ns->last.n = 0;
	if (e->rec) {
		struct tl_rop op = {.kind = TL_ROP_NS_DROP, .ns = i};
		tl_eng_rec(e, &op);
	}
	tl_tracker_drop_ns(e->tracker, i);
}

bool tl_engine_ns_live(const struct tl_engine *e, unsigned i)
{
	return i < e->n_ns && e->ns[i].sampler;
}

const char *tl_engine_exact_reason(const struct tl_engine *e)
{
	return e->x ? NULL : e->x_reason ? e->x_reason : "not started";
}

/* ---- record and replay ---- */

void tl_engine_set_recorder(struct tl_engine *e, struct tl_recorder *r)
{
	e->rec = r;
}

/* A namespace of a recording: no sampler, its name only. */
static void replay_ns(struct tl_engine *e, const char *name)
{
	e->ns = tl_reallocarray(e->ns, e->n_ns + 1, sizeof(*e->ns));
	struct engine_ns *ns = &e->ns[e->n_ns++];
	memset(ns, 0, sizeof(*ns));
	tl_snapshot_init(&ns->snap);
	tl_snapshot_init(&ns->last);
	ns->name = tl_strdup(name);
	tl_tracker_add_ns(e->tracker);
}

void tl_engine_replay(struct tl_engine *e, const struct tl_rop *op, uint64_t now, double wall)
{
	struct tl_tracker *t = e->tracker;
	bool known = op->ns < e->n_ns;
	switch (op->kind) {
	case TL_ROP_NS:
		replay_ns(e, op->name);
		break;
	case TL_ROP_NS_DROP:
		if (known) {
			e->ns[op->ns].last.n = 0;
			tl_tracker_drop_ns(t, op->ns);
		}
		break;
	case TL_ROP_SAMPLE:
		if (!known)
			break;
		tl_snapshot_clear(&e->ns[op->ns].last);
		for (size_t i = 0; i < op->snap->n; i++)
			*tl_snapshot_add(&e->ns[op->ns].last) = op->snap->socks[i];
		e->ns[op->ns].last.mono_ns = op->snap->mono_ns;
		e->ns[op->ns].last.dump_ns = op->snap->dump_ns;
		e->ns[op->ns].last.wall = op->snap->wall;
		e->ns[op->ns].last.complete = op->snap->complete;
		e->ns[op->ns].last.error = op->snap->error;
		memcpy(e->ns[op->ns].last.other, op->snap->other, sizeof(op->snap->other));
		tl_tracker_sample(t, op->ns, op->snap, now, wall);
		break;
	case TL_ROP_DESTROY:
		if (known) {
			e->st.destroy_events++;
			tl_tracker_destroyed(t, op->ns, &op->sock, now, wall);
		}
		break;
	case TL_ROP_LOOKUP:
		if (known) {
			e->st.lookups++;
			tl_tracker_lookup_result(t, op->ns, op->cookie,
						 op->found ? &op->sock : NULL, now, wall);
		}
		break;
	case TL_ROP_OBSERVE:
		if (known) {
			double w = wall - ((double)now - (double)op->x.mono_ns) / 1e9;
			tl_tracker_observe(t, op->ns, &op->x, w);
			e->st.exact_records++;
		}
		break;
	case TL_ROP_HOLD:
		tl_tracker_hold(t, op->cookie);
		break;
	case TL_ROP_RELEASE:
		tl_tracker_release(t);
		break;
	case TL_ROP_PENDING:
		tl_tracker_pending(t, e->lk, TL_MIN((size_t)op->arg, (size_t)TL_ENG_MAX_LOOKUPS));
		break;
	case TL_ROP_EXPIRE:
		tl_tracker_expire(t, now);
		break;
	case TL_ROP_ROUND:
		e->st.samples++;
		e->st.dump_cost_ns = op->cost_ns;
		e->st.dump_wall_ns = op->wall_ns;
		e->st.interval_ns = op->interval_ns;
		e->st.sockets = op->sockets;
		e->st.exact = op->exact;
		e->st.exact_lost = op->exact_lost;
		break;
	case TL_ROP_LOST:
		e->st.exact_lost = op->exact_lost;
		break;
	default: /* the runtime's (owners, the lab) */
		break;
	}
}
