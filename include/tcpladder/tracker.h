/* tracker: per-connection history from successive snapshots, destroy
 * events and exact lookups; emits open / transition / close events.
 *
 * Pure: every input carries its time (monotonic ns and unix seconds).
 * Identity is the socket cookie; the tuple and namespace ride along and
 * serve as a fall-back.  A socket missing from one dump is not closed
 * until a second dump, a lookup or a destroy event confirms it: the shell
 * asks tl_tracker_pending() which sockets to look up and reports back.
 * The tracker owns its connections and events; pointers it returns stay
 * valid until the next call that changes it. */
#ifndef TCPLADDER_TRACKER_H
#define TCPLADDER_TRACKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpladder/exact.h"
#include "tcpladder/fsm.h"
#include "tcpladder/map.h"
#include "tcpladder/snapshot.h"

enum tl_event_kind {
	TL_EV_OPEN,
	TL_EV_TRANSITION,
	TL_EV_CLOSE,
	TL_EV_RETRANSMIT, /* exact mode: a segment sent again (from = to: the state it is in) */
};

struct tl_event {
	uint64_t mono_ns; /* when it was seen: exact, or the end of its window */
	/* A step found by sampling happened after after_ns and at or before
	 * mono_ns (the two samples around it); after_ns == mono_ns when the
	 * time is exact (a destroy event, an eBPF record); 0 when no earlier
	 * sample bounds it. */
	uint64_t after_ns;
	double wall;
	uint64_t cookie;
	uint32_t conn;       /* connection id (tl_conn.id) */
	uint32_t peer;       /* the paired connection's id, 0 if none */
	uint16_t ns;         /* index of the watched namespace */
	uint8_t kind;        /* enum tl_event_kind */
	uint8_t from;        /* state, 0 for none (an open) */
	uint8_t to;          /* state */
	uint8_t segment;     /* enum tl_segment */
	uint8_t dir;         /* enum tl_dir */
	uint8_t role;        /* enum tl_role */
	bool inferred;       /* not observed: filled in by the fsm */
	const char *why;     /* the edge's explanation (static), or NULL */
	struct tl_sock sock; /* the socket as last known at this step */
	uint8_t source;      /* enum tl_source: what saw (or implied) this step */
	uint16_t retrans;    /* TL_EV_RETRANSMIT: the segment's Nth retransmission (1, 2...) */
	uint32_t pid;        /* exact mode: the process that made this step in a system call
				(connect, listen, accept, close, shutdown), or held the socket
				since; 0 if not known */
	char comm[16];       /* its name, when pid is */
};

enum {
	TL_CONN_MISSING = 1 << 0,      /* absent from the last dump, not yet confirmed gone */
	TL_CONN_DESTROYED = 1 << 1,    /* a destroy event came: the full socket is freed */
	TL_CONN_GONE = 1 << 2,         /* closed; kept as a tombstone for a while */
	TL_CONN_QUEUED = 1 << 3,       /* handed out by tl_tracker_pending() */
	TL_CONN_EXACT = 1 << 4,        /* state_since is when the change was seen */
	TL_CONN_FOLLOW = 1 << 5,       /* in focus: the shell follows it by lookups */
	TL_CONN_ROLE_GUESSED = 1 << 6, /* role from port numbers, not from evidence */
	TL_CONN_BASELINE = 1 << 7,     /* found open in the first dump: older than first_seen */
};

/* What the kernel told about how a connection ended (tl_conn.evidence):
 * the close is decided from it (see tracker.c, "how it ended"). */
enum {
	TL_EVID_CLEARED = 1 << 0,   /* its destroy record lost the peer's port: an
				       abort by SO_LINGER 0 (tcp_disconnect), RST sent */
	TL_EVID_ORPHAN = 1 << 1,    /* seen without an inode: its owner had closed it */
	TL_EVID_FIN_IN = 1 << 2,    /* seen in a state that follows a FIN received */
	TL_EVID_FIN_OUT = 1 << 3,   /* seen in a state that follows a FIN sent */
	TL_EVID_GUESSED = 1 << 4,   /* never seen in a table: known from its destroy event */
	TL_EVID_HELD = 1 << 5,      /* left the tables, not freed: reset under its owner */
	TL_EVID_TIME_WAIT = 1 << 6, /* seen in TIME-WAIT */
	TL_EVID_PENDING = 1 << 7,   /* gone; how is decided by the next dump */
};

struct tl_conn {
	struct tl_sock sock; /* last record (final counters once destroyed) */
	uint64_t first_seen_ns;
	uint64_t state_since_ns;
	uint64_t last_seen_ns;
	uint64_t gone_ns;
	double first_seen_wall;
	uint32_t id;   /* stable, never reused; 0 for a free slot */
	uint32_t peer; /* slot index + 1 of the paired end, 0 if none */
	uint32_t seen_gen;
	uint16_t ns;
	uint8_t state; /* current state (request sockets as SYN-RECV) */
	uint8_t role;
	uint8_t flags;
	uint8_t missing;      /* consecutive dumps that missed it */
	uint8_t evidence;     /* TL_EVID_* */
	uint8_t was_synced;   /* closed from past the handshake (a peer's evidence) */
	uint32_t rq_end;      /* Recv-Q of its destroy record (with a FIN received, 1 more) */
	uint32_t wq_end;      /* Send-Q of its destroy record (a FIN not acked counts 1) */
	uint32_t destroy_seq; /* order of its destroy event among all, 0 before one */
	uint32_t end_sample;  /* the tracker's sample count when it was found gone */
	uint64_t mini_end_ns; /* a mini-socket (TIME-WAIT, orphaned FIN-WAIT-2): when its
				 timer runs out, else 0 */
	uint64_t end_ns;      /* when it was found gone */
	uint64_t end_after;   /* ... and since when it may have been: end_ns if exact */
	double end_wall;
	uint8_t exact_ev;    /* exact mode: evidence for the next state record (an RST) */
	uint64_t exact_ns;   /* exact mode: time of the last record applied, 0 if none */
	uint8_t retrans_seg; /* exact mode: the segment last sent again (enum tl_segment) */
	uint16_t retrans_n;  /* ... and how many times in a row */
	uint32_t pid;        /* exact mode: the process last seen working the socket (a
				system call on it), 0 if none */
	char comm[16];
};

/* What the shell should look up exactly. */
struct tl_lookup {
	uint16_t ns;
	bool any_cookie;     /* match the tuple only: a destroyed socket's successor
				may carry a cookie of its own */
	struct tl_sock sock; /* tuple and cookie */
};

struct tl_tracker;

struct tl_tracker *tl_tracker_new(unsigned n_ns);
void tl_tracker_free(struct tl_tracker *t);
/* One more namespace (its index); a namespace no longer watched: its
 * connections are forgotten without events at the next expiry. */
unsigned tl_tracker_add_ns(struct tl_tracker *t);
void tl_tracker_drop_ns(struct tl_tracker *t, unsigned ns);
/* How long a closed connection stays visible (default 10 s). */
void tl_tracker_set_tombstone(struct tl_tracker *t, uint64_t ns);

/* A dump of namespace ns.  The first complete one is the baseline and
 * yields no events.  Incomplete snapshots are refused with -EAGAIN. */
int tl_tracker_sample(struct tl_tracker *t, unsigned ns, const struct tl_snapshot *snap,
		      uint64_t now, double wall);
/* A destroy event (the full socket's last record, state CLOSE). */
void tl_tracker_destroyed(struct tl_tracker *t, unsigned ns, const struct tl_sock *rec,
			  uint64_t now, double wall);
/* An exact lookup's answer for the connection with this cookie: rec
 * found (a TIME-WAIT successor may carry another cookie), or NULL. */
void tl_tracker_lookup_result(struct tl_tracker *t, unsigned ns, uint64_t cookie,
			      const struct tl_sock *rec, uint64_t now, double wall);
/* Up to max sockets to look up now (each handed out once). */
size_t tl_tracker_pending(struct tl_tracker *t, struct tl_lookup *out, size_t max);
/* Ends of connections still waiting for evidence (the next dump) are
 * decided with what is known, and aborted sockets whose peer never turned
 * up are told alone: for the last events before the program stops. */
void tl_tracker_flush(struct tl_tracker *t);
/* Drop tombstones older than the tombstone time; forget closed cookies
 * after 10 minutes.  When fewer than half of the slots hold a
 * connection (after a burst), the connections are moved down and the
 * slots renumbered: slot indices held across this call are then stale
 * (connection ids are not). */
void tl_tracker_expire(struct tl_tracker *t, uint64_t now);
/* Keep connection id's tombstone while its peer (in a watched namespace)
 * is still open, and then as long as the peer's: a connection whose other
 * end is still in it is not over (the lab shows its lesson's connection
 * to the end).  One at a time; 0 keeps none. */
void tl_tracker_keep(struct tl_tracker *t, uint32_t id);

/* What the tracker holds, for tests and benchmarks: memory follows the
 * connections down after a burst. */
struct tl_tracker_storage {
	size_t conns;       /* connections, tombstones included */
	size_t slots;       /* slots in use or free */
	size_t slot_cap;    /* slots allocated */
	size_t cookie_cap;  /* cookie map table size */
	size_t tuple_cap;   /* tuple map table size */
	size_t closed;      /* closed cookies remembered (at most 65536) */
	size_t closed_cap;  /* their map's table size */
	size_t event_cap;   /* events array */
	size_t pending_cap; /* pending lookups array */
	uint64_t compactions;
	size_t bytes; /* all of the above, allocated */
};
void tl_tracker_storage(const struct tl_tracker *t, struct tl_tracker_storage *st);
/* Exact mode: a record of the eBPF source (its time is mono_ns; wall is
 * that time as unix seconds) for namespace ns.  A state change is an
 * observed step at that time; an RST sent or received decides the
 * direction of the close it goes with; the full socket's end in
 * FIN-WAIT-2 or CLOSING without a reset is the hand-over to its TIME-WAIT
 * (or orphaned FIN-WAIT-2) mini-socket, which keeps the cookie.  Records
 * before the namespace's baseline dump are ignored (the dump shows their
 * outcome).  A SYN, SYN+ACK or FIN sent again is a TL_EV_RETRANSMIT event
 * (data sent again is not: tcp_info counts it); a request socket's SYN+ACK
 * only once the tracker knows the request socket (a dump saw it).  Events
 * made here have source TL_SOURCE_EBPF. */
void tl_tracker_observe(struct tl_tracker *t, unsigned ns, const struct tl_exact_rec *rec,
			double wall);
/* While a dump is applied, the sockets named here have records newer than
 * the dump, still to be applied: the dump does not judge them (nor does
 * it, in exact mode, bring back a socket whose close a record reported). */
void tl_tracker_hold(struct tl_tracker *t, uint64_t cookie);
void tl_tracker_release(struct tl_tracker *t);

/* Events since the last drain; valid until the next tracker call. */
const struct tl_event *tl_tracker_events(struct tl_tracker *t, size_t *n);
void tl_tracker_clear_events(struct tl_tracker *t);

/* All connection slots (free ones have id 0). */
struct tl_conn *tl_tracker_conns(struct tl_tracker *t, size_t *n);
/* The same array, read only (for views). */
const struct tl_conn *tl_tracker_view(const struct tl_tracker *t, size_t *n);
/* The paired end, or NULL. */
const struct tl_conn *tl_tracker_peer(const struct tl_tracker *t, const struct tl_conn *c);
struct tl_conn *tl_tracker_find(struct tl_tracker *t, uint64_t cookie);
/* Changes whenever a connection appears, changes state or goes: views
 * rebuild what they derive from the connections only then. */
uint64_t tl_tracker_generation(const struct tl_tracker *t);
/* The journal, for a consumer that keeps something per connection (the
 * steps) in step with the tracker at a cost of the changes, not of all
 * connections: once on, the tracker notes the slot of every connection
 * that appears and the id of every one it removes.  take gives what
 * was noted since the last clear and returns false when the consumer
 * must resync in full instead (the first time, or after a journal not
 * taken for a long time was given up); clear starts afresh. */
void tl_tracker_journal(struct tl_tracker *t);
bool tl_tracker_journal_take(const struct tl_tracker *t, const uint32_t **born, size_t *n_born,
			     const uint32_t **died, size_t *n_died);
void tl_tracker_journal_clear(struct tl_tracker *t);

#endif
