/* netns: enter a network namespace to open sockets there, and come back.
 *
 * A netlink socket stays bound to the namespace it was created in, so the
 * shells create their sockets between tl_netns_enter() and
 * tl_netns_leave().  Errors come back as -errno with *cause set to one
 * line for the user (caller frees). */
#ifndef TCPLADDER_NETNS_H
#define TCPLADDER_NETNS_H

#include <stdint.h>

/* Open a namespace file (a path such as /var/run/netns/NAME or
 * /proc/PID/ns/net; what is the user's name for it, for messages).
 * Returns an fd or -errno. */
int tl_netns_open(const char *path, const char *what, char **cause);
/* Switch this thread into ns_fd; *saved gets an fd of the namespace left. */
int tl_netns_enter(int ns_fd, int *saved, const char *what, char **cause);
/* Return to the namespace saved by tl_netns_enter and close it.  Failing
 * to come back is not recoverable: returns -errno and the caller exits. */
int tl_netns_leave(int saved, char **cause);
/* The namespace's inode number (to tell two specs naming one namespace). */
int tl_netns_ino(int ns_fd, uint64_t *ino);

#endif
