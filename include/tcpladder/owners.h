/* owners: fill the owner cache (ownercache.h) from /proc/PID/fd links
 * (sock_diag has no pid).  A shell: it reads /proc.  Only the inodes
 * asked for are searched, the scan stops when all are found, and it can
 * be narrowed to processes of some uids and of one network namespace.
 * Full rescans for inodes still unknown are rate limited by the caller. */
#ifndef TCPLADDER_OWNERS_H
#define TCPLADDER_OWNERS_H

#include <stddef.h>
#include <stdint.h>

#include "tcpladder/leak.h"
#include "tcpladder/ownercache.h"

/* Look the inodes up.  ns_ino: only processes in that network namespace
 * (0: any).  uids: only processes of these uids (NULL: any).  Returns the
 * number of inodes now known; counts the fd directories read in
 * *dirs_read when not NULL.  An inode a complete look (no uids, or the
 * kernel's walk) found no process for is not looked for again for 5 s. */
size_t tl_owners_resolve(struct tl_owners *o, const uint32_t *inodes, size_t n, uint64_t ns_ino,
			 const uint32_t *uids, size_t n_uids, size_t *dirs_read);

/* CLOSE-WAIT items and their sockets' inodes and uids (inodes[i] of
 * items[i]; 0: none).  With lookup, owners not yet known are searched: the
 * processes of the sockets' uids first, then, with full_scan and some
 * left, every process (a daemon that changed uid).  Then each item's pid,
 * comm and cmdline are filled from the cache (pointers into it). */
void tl_owners_fill(struct tl_owners *o, struct tl_cw_item *items, const uint32_t *inodes,
		    const uint32_t *uids, size_t n, uint64_t ns_ino, bool lookup, bool full_scan);

#endif
