/* ownercache: which process holds a socket, as far as known, by inode
 * (pure).  The shell module `owners` fills it from /proc; views and
 * reports only read it.  Entries are owned by the cache; a pointer from
 * tl_owners_find() stays valid until the next tl_owners_add(). */
#ifndef TCPLADDER_OWNERCACHE_H
#define TCPLADDER_OWNERCACHE_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

struct tl_owner {
	int pid;
	char comm[17];
	char cmdline[160];
};

struct tl_owners;

/* proc: the /proc the filling shell reads (tests may point elsewhere);
 * NULL for "/proc". */
struct tl_owners *tl_owners_new(const char *proc);
void tl_owners_free(struct tl_owners *o);
const struct tl_owner *tl_owners_find(const struct tl_owners *o, uint32_t inode);
/* At most this many owners are kept (about 13 MB): a cache full of a
 * churn's short connections starts over, and what is shown again is
 * looked up again. */
#define TL_OWNERS_MAX 65536

/* Record an owner; the /proc root in use. */
void tl_owners_add(struct tl_owners *o, uint32_t inode, const struct tl_owner *w);
const char *tl_owners_proc(const struct tl_owners *o);
/* The kernel-side walk the filling shell uses instead of /proc (NULL:
 * none); the cache keeps the pointer only, its owner frees it after the
 * cache. */
struct tl_owner_walk;
void tl_owners_set_walk(struct tl_owners *o, struct tl_owner_walk *w);
struct tl_owner_walk *tl_owners_walk(const struct tl_owners *o);
/* Processes that were candidates but could not be read (EACCES/EPERM:
 * another user's, without root or CAP_SYS_PTRACE): counted by the
 * scanner; while nonzero, an unknown owner may be one of them, and
 * tl_owners_hidden_reason says so to the user. */
void tl_owners_note_hidden(struct tl_owners *o, size_t n);
size_t tl_owners_hidden(const struct tl_owners *o);
/* Inodes looked for in vain, and when (the caller's clock, in seconds):
 * a socket no process the walk can see holds (a kernel socket, one of a
 * process in another PID namespace) is then not looked for again at
 * every frame.  missed_since: it was missed at since_s or later. */
void tl_owners_note_missed(struct tl_owners *o, uint32_t inode, uint32_t when_s);
bool tl_owners_missed_since(const struct tl_owners *o, uint32_t inode, uint32_t since_s);
/* Owners known now. */
size_t tl_owners_count(const struct tl_owners *o);
extern const char tl_owners_hidden_reason[];

#endif
