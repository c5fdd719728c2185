/* sampler: the netlink source.  One per watched namespace; it owns one
 * NETLINK_SOCK_DIAG socket created inside that namespace and fills
 * snapshots from full dumps.
 *
 * Errors are -errno with *cause set to one line for the user (caller
 * frees).  A failed sample leaves snap->complete false. */
#ifndef TCPLADDER_SAMPLER_H
#define TCPLADDER_SAMPLER_H

#include <stdint.h>

#include "tcpladder/snapshot.h"

enum {
	TL_SAMPLE_INFO = 1 << 0,  /* ask for tcp_info (costs ~25%) */
	TL_SAMPLE_OTHER = 1 << 1, /* count UDP, UDP-Lite, RAW and UNIX sockets too */
};

enum {
	TL_SAMPLER_EVENTS = 1 << 0, /* also subscribe to TCP destroy events */
};

struct tl_sampler;

/* path NULL: the caller's own namespace.  name is how it is shown. */
struct tl_sampler *tl_sampler_new(const char *path, const char *name, unsigned flags, char **cause);
void tl_sampler_free(struct tl_sampler *s);
/* Full dump of TCP (IPv4 and IPv6) in the states of mask (TL_TCPF_ALL). */
int tl_sampler_sample(struct tl_sampler *s, struct tl_snapshot *snap, unsigned what,
		      uint32_t states, char **cause);

struct tl_filter;

/* Let the kernel drop what the filter excludes: its inet_diag bytecode is
 * attached to TCP dumps (NULL removes it).  Returns the state mask to
 * sample with; the caller still applies tl_filter_match() for whatever
 * the bytecode could not express. */
uint32_t tl_sampler_set_filter(struct tl_sampler *s, const struct tl_filter *f);

/* A key cookie that matches any socket on the tuple. */
#define TL_NOCOOKIE UINT64_MAX

/* Exact lookup of one socket by tuple and cookie: 0 and *out filled,
 * -ENOENT when it is gone (or the tuple has a new owner), or -errno. */
int tl_sampler_lookup(struct tl_sampler *s, const struct tl_sock *key, unsigned what,
		      struct tl_sock *out);

/* At most this many lookups go in one batch. */
#define TL_LOOKUP_BATCH 32

/* n (at most TL_LOOKUP_BATCH) lookups in one request datagram: res[i] is
 * what tl_sampler_lookup would return for keys[i], out[i] its socket.
 * Returns 0, or -errno when the batch failed as a whole (res[i] is then
 * 1 for each key left without an answer). */
int tl_sampler_lookup_batch(struct tl_sampler *s, const struct tl_sock *keys, size_t n,
			    unsigned what, struct tl_sock *out, int *res);

/* The destroy-event socket (poll it for POLLIN), or -1. */
int tl_sampler_events_fd(const struct tl_sampler *s);
/* Read queued destroy events without blocking, at most max datagrams
 * (the kernel sends one event a datagram); cb gets each record (state
 * CLOSE, final tcp_info).  Returns the number of datagrams read (fewer
 * than max: the queue is empty), -ENOBUFS when the kernel dropped events
 * (resynchronise with a dump), or -errno. */
int tl_sampler_events_read(struct tl_sampler *s, unsigned max,
			   int (*cb)(const struct tl_sock *, void *), void *arg);

/* The namespace's TIME-WAIT bucket limit and ephemeral port range (-1 and
 * 0 0 when unreadable). */
void tl_sampler_limits(struct tl_sampler *s, long *tw_max_buckets, int *port_lo, int *port_hi);
/* The namespace's inode (to find the processes that live in it). */
uint64_t tl_sampler_ns_ino(const struct tl_sampler *s);

#endif
