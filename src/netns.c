/* netns: setns in and out. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "tcpladder/netns.h"
#include "tcpladder/util.h"

/* "/proc/PID/ns/net" (what --pid makes): the PID, or 0. */
static long proc_pid(const char *path)
{
	char *end;
	if (strncmp(path, "/proc/", 6) || path[6] < '1' || path[6] > '9')
		return 0;
	long pid = strtol(path + 6, &end, 10);
	return strcmp(end, "/ns/net") ? 0 : pid;
}

static const char *file_type(mode_t m)
{
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISCHR(m) || S_ISBLK(m))
		return "a device";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a namespace file";
}

static int open_error(int e, const char *path, const char *what, char **cause)
{
	/* what the user typed, cut: a name can be any length */
	char *w = tl_text_safe(what, TL_ECHO_MAX), *p = tl_text_safe(path, TL_ECHO_MAX);
	long pid = proc_pid(path);
	char dir[32];

	snprintf(dir, sizeof(dir), "/proc/%ld", pid);
	/* --pid N for a process that is gone: say that, not a path */
	if (e == ENOENT && pid && access(dir, F_OK) < 0)
		*cause = tl_asprintf("process %ld does not exist (%s)", pid, p);
	else if (e == ENOENT && !strcmp(what, path))
		*cause = tl_asprintf("network namespace '%s' not found (no such file)", w);
	else if (e == ENOENT)
		*cause = tl_asprintf("network namespace '%s' not found (%s does not exist)", w, p);
	else if (!strcmp(what, path))
		*cause = tl_asprintf("network namespace '%s': %s", w, strerror(e));
	else
		*cause = tl_asprintf("network namespace '%s': %s: %s", w, p, strerror(e));
	free(w);
	free(p);
	return -e;
}

int tl_netns_open(const char *path, const char *what, char **cause)
{
	struct stat st;
	char self[64];

	/* Look before opening: a FIFO would block open() for ever and a
	 * device could act on it.  O_PATH opens nothing. */
	int pfd = open(path, O_PATH | O_CLOEXEC);
	if (pfd < 0)
		return open_error(errno, path, what, cause);
	if (fstat(pfd, &st) < 0) {
		int e = errno;
		close(pfd);
		return open_error(e, path, what, cause);
	}
	if (!S_ISREG(st.st_mode)) {
		char *w = tl_text_safe(what, TL_ECHO_MAX);
		*cause =
		    tl_asprintf("'%s' is not a network namespace (%s)", w, file_type(st.st_mode));
		free(w);
		close(pfd);
		return -EINVAL;
	}
	/* the very file looked at, opened for real (setns needs that) */
	snprintf(self, sizeof(self), "/proc/self/fd/%d", pfd);
	int fd = open(self, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	int e = errno;
	close(pfd);
	if (fd < 0)
		return open_error(e, path, what, cause);
	/* a namespace file (nsfs), and of a network namespace (the type
	 * ioctl is Linux 4.11 and later; without it setns finds out) */
	struct statfs sf;
	int type = -1;
	bool nsfs = fstatfs(fd, &sf) < 0 || sf.f_type == NSFS_MAGIC;
	if (nsfs)
		type = ioctl(fd, NS_GET_NSTYPE);
	if (!nsfs || (type >= 0 && type != CLONE_NEWNET)) {
		char *w = tl_text_safe(what, TL_ECHO_MAX);
		*cause = tl_asprintf("'%s' is not a network namespace%s", w,
				     type >= 0 ? " (another kind of namespace)" : "");
		free(w);
		close(fd);
		return -EINVAL;
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
		char *w = tl_text_safe(what, TL_ECHO_MAX);
		if (e == EPERM)
			*cause = tl_asprintf("network namespace '%s': permission denied "
					     "(entering a namespace needs CAP_SYS_ADMIN)",
					     w);
		else if (e == EINVAL)
			*cause = tl_asprintf("'%s' is not a network namespace", w);
		else
			*cause = tl_asprintf("network namespace '%s': %s", w, strerror(e));
		free(w);
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
