/* nswatch: the set of network namespaces watched with --all-netns (a
 * shell: it reads /proc and the mount table).  A scan finds every
 * distinct namespace, by the device and inode of its namespace file,
 * from /proc/PID/ns/net of every process and from the nsfs bind mounts
 * (what `ip netns add` and container runtimes make), opens each new one
 * and labels it (nslabel.h).
 *
 * The set is the interface other parts consume: a list of entries, each
 * with the namespace's inode and an open descriptor of it (owned by the
 * set), so a sampler per entry, or a filter map of inodes, can be fed
 * from it.  A scan marks entries that appeared (TL_NSW_NEW) and those no
 * process or mount holds any more (TL_NSW_GONE); a gone entry is kept,
 * descriptor open, until the next scan, then dropped, so each is seen
 * gone exactly once.  Holding the descriptor keeps the namespace alive:
 * a namespace never disappears under a dump; it is dropped here. */
#ifndef TCPLADDER_NSWATCH_H
#define TCPLADDER_NSWATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpladder/nslabel.h"

enum {
	TL_NSW_NEW = 1 << 0,  /* appeared in the last scan */
	TL_NSW_GONE = 1 << 1, /* held by nothing since the last scan */
};

struct tl_ns_entry {
	uint64_t dev, ino; /* the namespace file's device and inode */
	int fd;            /* an open descriptor of the namespace (the set's) */
	unsigned flags;    /* TL_NSW_* */
	bool self;         /* the namespace tcpladder runs in */
	char *name;        /* `ip netns` name (or a bind mount's file name), or NULL */
	char *path;        /* where it was found (/proc/PID/ns/net or a mount) */
	int pid;           /* the lowest pid living in it when found, 0: none */
	char comm[17];
	struct tl_cgroup_info cg;
	char label[TL_NSLABEL_MAX];
	long user; /* the consumer's own index for it (-1 until set) */
};

struct tl_nswatch;

/* A container's name from its runtime's state files under root ("" for
 * the host's own; a test's fake tree otherwise): docker's config.v2.json,
 * podman's containers.json, containerd's and CRI-O's task config.json.
 * Left empty where none says. */
void tl_nswatch_state_name(const char *root, struct tl_cgroup_info *cg);

/* proc: the /proc to read (NULL: "/proc"). */
struct tl_nswatch *tl_nswatch_new(const char *proc);
void tl_nswatch_free(struct tl_nswatch *w);
/* Rescan: drops the entries gone at the last scan, marks what appeared
 * and what vanished.  Processes exiting during the scan are skipped.
 * Returns 0, or -errno with *cause when /proc cannot be read at all. */
int tl_nswatch_scan(struct tl_nswatch *w, char **cause);
/* The set, in the order found (self first); valid until the next scan. */
struct tl_ns_entry *tl_nswatch_list(struct tl_nswatch *w, size_t *n);
/* "/proc/self/fd/N" of an entry's descriptor, a path tl_netns_open()
 * accepts, into buf. */
void tl_nswatch_fd_path(const struct tl_ns_entry *ns, char *buf, size_t size);

#endif
