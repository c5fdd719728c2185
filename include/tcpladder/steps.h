/* steps: each connection's events, kept with the connection, so that its
 * ladder (ladder.h) can be drawn, replayed and printed at any age instead
 * of being rebuilt from a shared ring that forgets the old.
 *
 * Bounded twice.  Per connection: the first TL_STEPS_HEAD events and the
 * last TL_STEPS_TAIL; the ones between are counted, not kept ("k steps
 * not shown").  In all: at most `cap` events (TL_STEPS_CAP by default);
 * beyond it the steps of finished connections (closed or in TIME-WAIT) go
 * first, least recently changed first, then those of open ones; a
 * connection whose steps went keeps its newest and a count of the rest,
 * and gathers its later ones anew (so the cap may be passed by one event
 * a connection).
 *
 * A connection with no event of its own (found already open when watching
 * began) gets one record when it is first synchronised: an open of
 * segment NONE, not inferred, at the time and in the state it was first
 * seen in ("first seen in STATE at ...").  Nothing before it is invented.
 *
 * Pure: no clock, no printing.  The store owns copies of the events;
 * pointers it hands out stay valid until the next call that changes it. */
#ifndef TCPLADDER_STEPS_H
#define TCPLADDER_STEPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpladder/relay.h"
#include "tcpladder/tracker.h"

#define TL_STEPS_HEAD 8
#define TL_STEPS_TAIL 24
#define TL_STEPS_MAX (TL_STEPS_HEAD + TL_STEPS_TAIL)
/* 65536 events of about 200 bytes: at most about 13 MB. */
#define TL_STEPS_CAP 65536

struct tl_steps;

/* cap: events kept in all, 0 for TL_STEPS_CAP. */
struct tl_steps *tl_steps_new(size_t cap);
void tl_steps_free(struct tl_steps *s);

/* One event of a connection (ev->conn), in the order they happen. */
void tl_steps_add(struct tl_steps *s, const struct tl_event *ev);
/* Keep the store in step with the tracker's connections: one that has no
 * steps yet gets its "first seen" record; the steps of connections the
 * tracker no longer has are dropped. */
void tl_steps_sync(struct tl_steps *s, const struct tl_conn *conns, size_t n);
/* The same from the tracker's journal (tl_tracker_journal_take): the
 * connections removed (their ids) and those that appeared (their slots
 * in conns; a slot freed since holds id 0 or a later connection). */
void tl_steps_sync_changes(struct tl_steps *s, const struct tl_conn *conns, size_t n,
			   const uint32_t *born, size_t n_born, const uint32_t *died,
			   size_t n_died);

/* A connection's kept events, oldest first, copied into out (at most max;
 * TL_STEPS_MAX is always enough).  *gap_at is where the events not kept
 * belong (an index into out), *hidden how many they are (0: none).
 * Returns how many were copied; 0 for an unknown connection. */
size_t tl_steps_get(const struct tl_steps *s, uint32_t conn, struct tl_event *out, size_t max,
		    size_t *gap_at, uint64_t *hidden);
bool tl_steps_has(const struct tl_steps *s, uint32_t conn);
/* The connection other than `skip` whose socket had local port lport and
 * remote port rport with an event at or before `before` (the newest such
 * event's), or 0: the end of a tuple another connection now holds. */
uint32_t tl_steps_by_ports(const struct tl_steps *s, uint16_t lport, uint16_t rport,
			   uint64_t before, uint32_t skip);

/* The lab's link: the segments it carried, the newest TL_STEPS_LINK of
 * them (a ring), for the ladders of the connections they belong to. */
#define TL_STEPS_LINK 4096
void tl_steps_link(struct tl_steps *s, const struct tl_link_seg *seg);
/* The kept segments between ports pa and pb (either way), sent at or
 * after since, oldest first, copied into out (at most max; out NULL:
 * only counted).  Returns how many. */
size_t tl_steps_links(const struct tl_steps *s, uint16_t pa, uint16_t pb, uint64_t since,
		      struct tl_link_seg *out, size_t max);

/* What it holds: connections, events, and the bytes they take. */
size_t tl_steps_conns(const struct tl_steps *s);
size_t tl_steps_events(const struct tl_steps *s);
size_t tl_steps_bytes(const struct tl_steps *s);

#endif
