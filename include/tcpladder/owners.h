/* owners: which process holds a socket, from /proc/PID/fd links (sock_diag
 * has no pid).  A shell: it reads /proc.  Results are cached by inode;
 * only the inodes asked for are searched, the scan stops when all are
 * found, and it can be narrowed to processes of some uids and of one
 * network namespace.  Full rescans for inodes still unknown are rate
 * limited by the caller passing `now`. */
#ifndef TCPLADDER_OWNERS_H
#define TCPLADDER_OWNERS_H

#include <stddef.h>
#include <stdint.h>

struct tl_owner {
	int pid;
	char comm[17];
	char cmdline[160];
};

struct tl_owners;

/* proc: the /proc to read (tests may point elsewhere); NULL for "/proc". */
struct tl_owners *tl_owners_new(const char *proc);
void tl_owners_free(struct tl_owners *o);

/* Look the inodes up.  ns_ino: only processes in that network namespace
 * (0: any).  uids: only processes of these uids (NULL: any).  Returns the
 * number of inodes now known; counts the fd directories read in
 * *dirs_read when not NULL. */
size_t tl_owners_resolve(struct tl_owners *o, const uint32_t *inodes, size_t n, uint64_t ns_ino,
			 const uint32_t *uids, size_t n_uids, size_t *dirs_read);
const struct tl_owner *tl_owners_find(const struct tl_owners *o, uint32_t inode);
/* The cache side (pure): record an owner; the /proc root in use. */
void tl_owners_add(struct tl_owners *o, uint32_t inode, const struct tl_owner *w);
const char *tl_owners_proc(const struct tl_owners *o);
/* Processes that were candidates but could not be read (EACCES/EPERM:
 * another user's, without root or CAP_SYS_PTRACE): counted by the
 * scanner; while nonzero, an unknown owner may be one of them, and
 * tl_owners_hidden_reason says so to the user. */
void tl_owners_note_hidden(struct tl_owners *o, size_t n);
size_t tl_owners_hidden(const struct tl_owners *o);
extern const char tl_owners_hidden_reason[];

#endif
