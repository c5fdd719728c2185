/* ebpf: the exact-mode source.  Loads the CO-RE probe (src/bpf/), attaches
 * what the running kernel has, tells it which namespaces to watch, and
 * hands out its records as struct tl_exact_rec.
 *
 * Needs root (CAP_BPF and CAP_PERFMON), a kernel with BTF, and a build with
 * libbpf (HAVE_EBPF); without them tl_ebpf_new() fails with the reason.
 * Errors: NULL or -errno, with *cause set to one line (caller frees). */
#ifndef TCPLADDER_EBPF_H
#define TCPLADDER_EBPF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpladder/exact.h"

#define TL_EBPF_RING_DEFAULT (4u << 20)
/* While records flow the probe wakes the reader at most this often: a
 * read that found records is to be followed by another this much later. */
#define TL_EBPF_REREAD_NS 5000000ULL

struct tl_ebpf;

/* Whether exact mode was built in. */
bool tl_ebpf_built(void);

/* Load and attach; ring_bytes is rounded up to a power of two of at least
 * a page (0: the default). */
struct tl_ebpf *tl_ebpf_new(size_t ring_bytes, char **cause);
void tl_ebpf_free(struct tl_ebpf *x);

/* Record the sockets of this namespace (by its inode) too. */
int tl_ebpf_watch(struct tl_ebpf *x, uint32_t netns_ino, char **cause);
/* Its records are no longer wanted (the namespace went away). */
void tl_ebpf_unwatch(struct tl_ebpf *x, uint32_t netns_ino);
/* Readable when records are waiting (an epoll descriptor). */
int tl_ebpf_fd(const struct tl_ebpf *x);
/* Every record waiting, in ring order, appended to out; returns how many. */
int tl_ebpf_read(struct tl_ebpf *x, struct tl_exact_batch *out);
/* Records the kernel could not write because the ring was full, so far. */
uint64_t tl_ebpf_lost(const struct tl_ebpf *x);
/* What is attached, e.g. "state rst-out rst-in retransmit connect timewait". */
const char *tl_ebpf_attached(const struct tl_ebpf *x);

#endif
