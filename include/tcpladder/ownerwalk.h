/* ownerwalk: which process holds each socket, from one walk of every
 * process's open files inside the kernel (a BPF task-file iterator),
 * where exact mode's eBPF is available.  A shell.  One walk costs about
 * what reading a few hundred /proc/PID/fd links does, whatever the
 * number of processes and sockets; loading it costs one parse of the
 * kernel's BTF, so it is loaded once and walked many times.  owners.c
 * uses it when the cache has one (tl_owners_set_walk), else reads /proc. */
#ifndef TCPLADDER_OWNERWALK_H
#define TCPLADDER_OWNERWALK_H

#include <stdint.h>

struct tl_owner_walk;

/* NULL with *cause (malloc'd) when it cannot be loaded: no eBPF in this
 * build, not root, no BTF, or the kernel refused it. */
struct tl_owner_walk *tl_owner_walk_new(char **cause);
void tl_owner_walk_free(struct tl_owner_walk *w);

/* One socket a process holds: its inode, the socket's network namespace
 * (inode; 0 when unknown), the process and its name. */
typedef void (*tl_owner_walk_cb)(uint32_t inode, uint64_t netns, int pid, const char *comm,
				 void *arg);
/* Walks every process's open files once; cb for each socket.  Returns
 * the number of sockets seen, or -errno. */
long tl_owner_walk_run(struct tl_owner_walk *w, tl_owner_walk_cb cb, void *arg);

#endif
