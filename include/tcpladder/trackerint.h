/* trackerint: the tracker's state and the helpers its parts share.  Only
 * the tracker's own files include it (tracker.c: the connection table,
 * samples, destroy events and lookups; trackend.c: how a connection
 * ended; trackexact.c: exact mode's records; trackstore.c: closed
 * cookies, expiry, compaction and storage).  Everyone else uses tracker.h.
 * The tl_trk_ functions are the parts' calls to one another, not an
 * interface. */
#ifndef TCPLADDER_TRACKERINT_H
#define TCPLADDER_TRACKERINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpladder/map.h"
#include "tcpladder/tracker.h"

struct ns_state {
	uint32_t gen;
	uint64_t last_ns;     /* time of its last complete dump */
	uint64_t baseline_ns; /* ... and of its first */
	bool have_baseline;
	bool dropped;
	uint64_t listen[65536 / 64]; /* bitmap of listening local ports */
};

struct tl_tracker {
	struct tl_conn *conns;
	size_t n; /* slots in use or free, up to n */
	size_t cap;
	uint32_t *free_slots;
	size_t n_free, cap_free;
	uint32_t next_id;
	struct tl_map by_cookie; /* cookie -> slot (live connections) */
	struct tl_map by_tuple;  /* hash(ns, tuple) -> slot (live connections) */
	struct ns_state *ns;
	unsigned n_ns;
	unsigned n_live; /* namespaces still sampled (dropped ones are not) */
	struct tl_event *events;
	size_t n_events, cap_events;
	uint32_t *pending; /* slots */
	size_t n_pending, cap_pending;
	uint64_t tombstone_ns;
	uint32_t *tombs; /* slots of the tombstones (GONE), each once or more */
	size_t n_tombs, cap_tombs;
	uint32_t keep_id;    /* tl_tracker_keep's connection, 0 for none */
	uint64_t generation; /* bumped whenever a connection appears, changes state or goes */
	/* Cookies of connections already closed, remembered longer than the
	 * tombstones: a socket reset by its peer is freed (and its destroy
	 * event sent) only when its owner closes it, maybe much later. */
	struct tl_map closed;
	struct closed_entry {
		uint64_t cookie;
		uint64_t when;
	} * closed_ring;
	size_t closed_head, closed_n;
	uint32_t samples;     /* dumps taken in, all namespaces */
	uint32_t destroy_seq; /* destroy events taken in */
	uint32_t *ending;     /* slots of connections gone, their end undecided */
	size_t n_ending, cap_ending;
	/* Destroy records of unknown sockets whose abort cleared the peer's
	 * port: told once the other end turns up, or alone after a while. */
	struct cleared {
		struct tl_sock rec;
		uint64_t mono_ns;
		double wall;
		uint32_t seq, sample;
		uint16_t ns;
		bool weak; /* its port is a listener's: shared by many connections */
	} * cleared;
	size_t n_cleared, cap_cleared;
	uint64_t compactions;
	/* The journal (tl_tracker_journal): slots of connections that
	 * appeared and ids of those removed since it was last taken. */
	bool journal, journal_lost;
	uint32_t *born; /* slots */
	size_t n_born, cap_born;
	uint32_t *died; /* ids */
	size_t n_died, cap_died;
	struct tracker_exact *x; /* exact mode's state, once a record came */
	/* Times of the events emitted now: exact (at their `now`) unless
	 * win is set, then a window from win_from (sampling); at_destroy:
	 * `now` is a destroy event's, exact; birth_exact: a new connection's
	 * start is an exact-mode record's, at its time. */
	bool win, at_destroy, birth_exact;
	uint64_t win_from;
};

/* Closed cookies are remembered for 10 minutes, at most 65536 of them
 * (the oldest forgotten first): 1.5 MB at most with their map. */
#define CLOSED_RING 65536
#define CLOSED_KEEP_NS (600ULL * 1000000000ULL)

/* tracker.c: keys, events, connections */
uint64_t tl_trk_tuple_key(unsigned ns, int family, const uint8_t *local, uint16_t lport,
			  const uint8_t *remote, uint16_t rport);
uint64_t tl_trk_conn_tuple_key(const struct tl_conn *c);
bool tl_trk_listening(const struct tl_tracker *t, unsigned ns, uint16_t port);
void tl_trk_emit(struct tl_tracker *t, const struct tl_conn *c, enum tl_event_kind kind, int from,
		 int to, const struct tl_fsm_edge *e, bool inferred, uint64_t now, double wall);
void tl_trk_walk(struct tl_tracker *t, struct tl_conn *c, int to, unsigned flags,
		 bool last_inferred, bool closing, uint64_t now, double wall);
uint32_t tl_trk_slot_of(const struct tl_tracker *t, const struct tl_conn *c);
/* Appends v to the journal's array a (unless the journal is lost). */
void tl_trk_journal_push(struct tl_tracker *t, uint32_t **a, size_t *n, size_t *cap, uint32_t v);
void tl_trk_set_role(struct tl_tracker *t, struct tl_conn *c, int role);
void tl_trk_pair(struct tl_tracker *t, struct tl_conn *c);
void tl_trk_pend(struct tl_tracker *t, struct tl_conn *c);
struct tl_conn *tl_trk_conn_new(struct tl_tracker *t, unsigned ns, const struct tl_sock *r,
				int state, bool baseline, bool seen, uint64_t now, double wall);
bool tl_trk_addr_zero(const uint8_t *a);

/* trackend.c: how a connection ended */
void tl_trk_conn_gone(struct tl_tracker *t, struct tl_conn *c, uint64_t now, double wall);
void tl_trk_conn_close(struct tl_tracker *t, struct tl_conn *c, uint64_t now, double wall);
void tl_trk_settle(struct tl_tracker *t);
bool tl_trk_sent_fin(const struct tl_conn *c, const struct tl_sock *rec);
void tl_trk_cleared_add(struct tl_tracker *t, unsigned ns, const struct tl_sock *rec, uint32_t seq,
			uint64_t now, double wall);

/* trackexact.c: exact mode */
bool tl_trk_exact_skip(struct tl_tracker *t, const struct tl_conn *c, const struct tl_sock *r,
		       bool baseline, unsigned ns, uint32_t gen, uint64_t now);
/* After namespace ns's dump gen: the new sockets it passed over waiting
 * for their record and did not see again are forgotten. */
void tl_trk_exact_dumped(struct tl_tracker *t, unsigned ns, uint32_t gen);
bool tl_trk_exact_newer(const struct tl_tracker *t, const struct tl_conn *c, uint64_t since);
void tl_trk_exact_free(struct tracker_exact *x);

/* trackstore.c: closed cookies */
void tl_trk_remember_closed(struct tl_tracker *t, uint64_t cookie, uint64_t now);
/* c is now a tombstone (TL_CONN_GONE): tl_tracker_expire looks at these only. */
void tl_trk_tomb(struct tl_tracker *t, const struct tl_conn *c);

#endif
