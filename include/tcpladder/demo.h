/* demo: the slow-motion lab.  Two private network namespaces owned by the
 * process (never named: they vanish with it, however it exits), a TUN
 * device in each, and a relay that carries every packet across after the
 * link delay, so the kernel's own TCP runs slowly enough for every state
 * to be seen.  A scenario drives a client in A and a server in B, in
 * runs, with a caption before each.  Without the privilege to make
 * namespaces, the same scenarios run on loopback in the current one.
 * Errors: -errno with *cause (caller frees). */
#ifndef TCPLADDER_DEMO_H
#define TCPLADDER_DEMO_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpladder/options.h"
#include "tcpladder/relay.h"
#include "tcpladder/scenario.h"

/* A segment that crossed (or was dropped by) the relay. */
struct tl_demo_seg {
	uint64_t mono_ns;
	double wall;
	int from; /* 0: A to B, 1: B to A */
	bool dropped;
	bool kept;         /* the link kept a copy of it (dup-syn) */
	uint64_t stale_ns; /* a kept copy sent now: its original's age; else 0 */
	bool held;         /* step mode: it stops mid-link until released */
	bool resent;       /* the same segment is still on the link: sent again */
	bool answer;       /* ... as an answer to a copy delivered to its sender, not by a timer */
	bool released;     /* not a new segment: this held one was released now */
	struct tl_pkt pkt;
};

struct tl_demo;

struct tl_demo *tl_demo_new(int scenario, uint64_t link_delay_ns, bool allow_loopback,
			    char **cause);
void tl_demo_free(struct tl_demo *d);
/* True when the lab runs on loopback (no privilege): fast steps inferred. */
bool tl_demo_loopback(const struct tl_demo *d);
/* The namespaces to watch, as the engine takes them: "A (client)" and
 * "B (server)", or the current namespace on loopback.  The strings are
 * the demo's.  Returns how many (1 or 2). */
size_t tl_demo_netns(const struct tl_demo *d, struct tl_ns_arg out[2]);
/* The descriptors the lab waits on: its two links, and the listener while
 * the timeline waits for a handshake to complete. */
size_t tl_demo_pollfds(const struct tl_demo *d, struct pollfd *pfd, size_t max);
/* The scenario's own schedule (its steps, a stale copy's delivery, the
 * pause between runs) stands still while step mode holds a segment: the
 * lesson waits for the user, the kernels' timers do not. */
uint64_t tl_demo_deadline(const struct tl_demo *d);
void tl_demo_step(struct tl_demo *d, uint64_t now, double wall);
/* The current run's caption in lang (scenario.h). */
const char *tl_demo_caption(const struct tl_demo *d, const char *lang);
/* The client port of the run's main connection (0 before it exists). */
uint16_t tl_demo_client_port(const struct tl_demo *d);
/* The server's port (8080 in the lab; any free one on loopback). */
uint16_t tl_demo_server_port(const struct tl_demo *d);
/* Segments since the last call (valid until the next step). */
const struct tl_demo_seg *tl_demo_segments(struct tl_demo *d, size_t *n);
/* Step mode: each segment sent from now on stops in the middle of the
 * link until released; leaving it releases every held one. */
void tl_demo_set_step(struct tl_demo *d, bool on, uint64_t now, double wall);
bool tl_demo_stepping(const struct tl_demo *d);
/* Release the first held segment: 0, or -ENOENT when none is held. */
int tl_demo_release(struct tl_demo *d, uint64_t now, double wall);
/* How many segments are held (or on their way to the middle). */
size_t tl_demo_held(const struct tl_demo *d);
/* Switch scenario (takes effect at the next run). */
void tl_demo_set_scenario(struct tl_demo *d, int scenario);
int tl_demo_scenario(const struct tl_demo *d);

#endif
