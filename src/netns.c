/* netns: setns in and out. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tcpladder/netns.h"
#include "tcpladder/util.h"

int tl_netns_open(const char *path, const char *what, char **cause)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		if (e == ENOENT)
			*cause = tl_asprintf("network namespace '%s' not found (%s does not exist)",
					     what, path);
		else
			*cause = tl_asprintf("network namespace '%s': %s: %s", what, path,
					     strerror(e));
		return -e;
	}
	return fd;
}

int tl_netns_ino(int ns_fd, uint64_t *ino)
{
	struct stat st;
	if (fstat(ns_fd, &st) < 0)
		return -errno;
	*ino = (uint64_t)st.st_ino;
	return 0;
}

int tl_netns_enter(int ns_fd, int *saved, const char *what, char **cause)
{
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0) {
		int e = errno;
		*cause = tl_asprintf("cannot open /proc/self/ns/net: %s", strerror(e));
		return -e;
	}
	if (setns(ns_fd, CLONE_NEWNET) < 0) {
		int e = errno;
		close(self);
		if (e == EPERM)
			*cause = tl_asprintf("network namespace '%s': permission denied "
					     "(entering a namespace needs CAP_SYS_ADMIN)",
					     what);
		else if (e == EINVAL)
			*cause = tl_asprintf("'%s' is not a network namespace", what);
		else
			*cause = tl_asprintf("network namespace '%s': %s", what, strerror(e));
		return -e;
	}
	*saved = self;
	return 0;
}

int tl_netns_leave(int saved, char **cause)
{
	int ret = 0;
	if (setns(saved, CLONE_NEWNET) < 0) {
		ret = -errno;
		*cause = tl_asprintf("cannot return to the original network namespace: %s",
				     strerror(errno));
	}
	close(saved);
	return ret;
}
