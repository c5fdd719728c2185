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

struct tl_sampler;

/* path NULL: the caller's own namespace.  name is how it is shown. */
struct tl_sampler *tl_sampler_new(const char *path, const char *name, char **cause);
void tl_sampler_free(struct tl_sampler *s);
const char *tl_sampler_name(const struct tl_sampler *s);
/* Full dump of TCP (IPv4 and IPv6) in the states of mask (TL_TCPF_ALL). */
int tl_sampler_sample(struct tl_sampler *s, struct tl_snapshot *snap, unsigned what,
		      uint32_t states, char **cause);

#endif
