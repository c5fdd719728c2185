/* owners: inode -> process, by reading /proc/PID/fd (the scanner; the
 * cache it fills is in ownercache.c, in the pure core). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tcpladder/map.h"
#include "tcpladder/owners.h"
#include "tcpladder/util.h"

static void read_small(const char *path, char *buf, size_t len, bool nul_to_space)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	buf[0] = '\0';
	if (fd < 0)
		return;
	ssize_t n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] == '\0' && nul_to_space)
			buf[i] = ' ';
		if (buf[i] == '\n' && i == n - 1)
			buf[i] = '\0';
	}
	while (n > 0 && buf[n - 1] == ' ')
		buf[--n] = '\0';
}

static bool uid_wanted(uid_t uid, const uint32_t *uids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (uids[i] == uid)
			return true;
	return false;
}

size_t tl_owners_resolve(struct tl_owners *o, const uint32_t *inodes, size_t n, uint64_t ns_ino,
			 const uint32_t *uids, size_t n_uids, size_t *dirs_read)
{
	struct tl_map want;
	size_t missing = 0, known = 0;
	char path[512];

	tl_map_init(&want);
	for (size_t i = 0; i < n; i++) {
		if (!inodes[i])
			continue;
		if (tl_owners_find(o, inodes[i])) {
			known++;
		} else {
			uint32_t dummy;
			if (!tl_map_get(&want, (uint64_t)inodes[i] + 1, &dummy)) {
				tl_map_put(&want, (uint64_t)inodes[i] + 1, 1);
				missing++;
			}
		}
	}
	if (dirs_read)
		*dirs_read = 0;
	DIR *proc = missing ? opendir(tl_owners_proc(o)) : NULL;
	struct dirent *de;
	while (proc && missing && (de = readdir(proc))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 0)
			continue;
		struct stat st;
		snprintf(path, sizeof(path), "%s/%ld", tl_owners_proc(o), pid);
		if (uids && (stat(path, &st) < 0 || !uid_wanted(st.st_uid, uids, n_uids)))
			continue;
		if (ns_ino) {
			snprintf(path, sizeof(path), "%s/%ld/ns/net", tl_owners_proc(o), pid);
			if (stat(path, &st) < 0 || (uint64_t)st.st_ino != ns_ino)
				continue;
		}
		snprintf(path, sizeof(path), "%s/%ld/fd", tl_owners_proc(o), pid);
		DIR *fds = opendir(path);
		if (!fds)
			continue; /* gone, or not ours to read */
		if (dirs_read)
			(*dirs_read)++;
		struct dirent *fe;
		struct tl_owner w;
		bool named = false; /* comm and cmdline read once per process */
		while (missing && (fe = readdir(fds))) {
			if (fe->d_name[0] == '.')
				continue;
			/* stat through the link, relative to the directory: the
			 * socket's inode without formatting "socket:[N]" and
			 * without walking the path from the root each time. */
			struct stat sst;
			if (fe->d_type != DT_LNK && fe->d_type != DT_UNKNOWN)
				continue;
			if (fstatat(dirfd(fds), fe->d_name, &sst, 0) < 0 || !S_ISSOCK(sst.st_mode))
				continue;
			unsigned long ino = (unsigned long)sst.st_ino;
			uint32_t dummy;
			if (!ino || !tl_map_get(&want, (uint64_t)ino + 1, &dummy))
				continue;
			tl_map_del(&want, (uint64_t)ino + 1);
			missing--;
			if (!named) {
				memset(&w, 0, sizeof(w));
				w.pid = (int)pid;
				snprintf(path, sizeof(path), "%s/%ld/comm", tl_owners_proc(o), pid);
				read_small(path, w.comm, sizeof(w.comm), false);
				snprintf(path, sizeof(path), "%s/%ld/cmdline", tl_owners_proc(o), pid);
				read_small(path, w.cmdline, sizeof(w.cmdline), true);
				named = true;
			}
			tl_owners_add(o, (uint32_t)ino, &w);
			known++;
		}
		closedir(fds);
	}
	if (proc)
		closedir(proc);
	tl_map_fini(&want);
	return known;
}
