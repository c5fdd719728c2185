/* owners: inode -> process, by reading /proc/PID/fd (the scanner; the
 * cache it fills is in ownercache.c, in the pure core). */
#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tcpladder/clock.h"
#include "tcpladder/map.h"
#include "tcpladder/ownerwalk.h"
#include "tcpladder/owners.h"
#include "tcpladder/util.h"
#include "tcpladder/sysio.h"

static void read_small(const char *path, char *buf, size_t len, bool nul_to_space)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	buf[0] = '\0';
	if (fd < 0)
		return;
	ssize_t n = TL_EINTR(read(fd, buf, len - 1));
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

/* With root or CAP_SYS_PTRACE every process can be read, and a refusal
 * is a process caught exiting, not one hidden from us. */
static bool may_read_all(void)
{
	if (geteuid() == 0)
		return true;
	char buf[4096];
	read_small("/proc/self/status", buf, sizeof(buf), false);
	const char *cap = strstr(buf, "CapEff:");
	unsigned long long eff = cap ? strtoull(cap + 7, NULL, 16) : 0;
	return eff & (1ULL << 19); /* CAP_SYS_PTRACE */
}

static bool uid_wanted(uid_t uid, const uint32_t *uids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (uids[i] == uid)
			return true;
	return false;
}

/* One scanner's share of the processes; scanners run in parallel (the
 * cost is the kernel's, one fd link at a time, so cores help). */
struct scan_job {
	const struct tl_owners *o;
	const struct tl_map *want; /* inode + 1 -> index into claimed */
	atomic_uchar *claimed;
	atomic_size_t *remaining;
	const long *pids;
	size_t n_pids, start, stride;
	uint64_t ns_ino;
	const uint32_t *uids;
	size_t n_uids;
	struct found {
		uint32_t ino;
		struct tl_owner w;
	} * found;
	size_t n_found, cap_found;
	size_t dirs;
	size_t hidden; /* candidates we were not allowed to read */
};

static void *scan(void *arg)
{
	struct scan_job *j = arg;
	char path[512];
	const char *proc = tl_owners_proc(j->o);

	for (size_t i = j->start; i < j->n_pids && atomic_load(j->remaining); i += j->stride) {
		long pid = j->pids[i];
		struct stat st;
		snprintf(path, sizeof(path), "%s/%ld", proc, pid);
		if (j->uids && (stat(path, &st) < 0 || !uid_wanted(st.st_uid, j->uids, j->n_uids)))
			continue;
		if (j->ns_ino) {
			snprintf(path, sizeof(path), "%s/%ld/ns/net", proc, pid);
			if (stat(path, &st) < 0) {
				j->hidden += errno == EACCES || errno == EPERM;
				continue;
			}
			if ((uint64_t)st.st_ino != j->ns_ino)
				continue;
		}
		snprintf(path, sizeof(path), "%s/%ld/fd", proc, pid);
		DIR *fds = opendir(path);
		if (!fds) {
			/* gone, or not ours to read: another user's process
			 * needs root or CAP_SYS_PTRACE, and the user is told */
			j->hidden += errno == EACCES || errno == EPERM;
			continue;
		}
		j->dirs++;
		struct dirent *fe;
		struct tl_owner w;
		bool named = false; /* comm and cmdline read once per process */
		while (atomic_load(j->remaining) && (fe = readdir(fds))) {
			if (fe->d_name[0] == '.')
				continue;
			if (fe->d_type != DT_LNK && fe->d_type != DT_UNKNOWN)
				continue;
			/* stat through the link, relative to the directory: the
			 * socket's inode without formatting "socket:[N]" and
			 * without walking the path from the root each time. */
			struct stat sst;
			if (fstatat(dirfd(fds), fe->d_name, &sst, 0) < 0 || !S_ISSOCK(sst.st_mode))
				continue;
			uint32_t idx;
			if (!tl_map_get(j->want, (uint64_t)sst.st_ino + 1, &idx))
				continue;
			/* a socket shared by two processes: the first one keeps it */
			if (atomic_exchange(&j->claimed[idx], 1))
				continue;
			atomic_fetch_sub(j->remaining, 1);
			if (!named) {
				memset(&w, 0, sizeof(w));
				w.pid = (int)pid;
				snprintf(path, sizeof(path), "%s/%ld/comm", proc, pid);
				read_small(path, w.comm, sizeof(w.comm), false);
				snprintf(path, sizeof(path), "%s/%ld/cmdline", proc, pid);
				read_small(path, w.cmdline, sizeof(w.cmdline), true);
				named = true;
			}
			if (j->n_found == j->cap_found) {
				j->cap_found = j->cap_found ? j->cap_found * 2 : 64;
				j->found =
				    tl_reallocarray(j->found, j->cap_found, sizeof(*j->found));
			}
			j->found[j->n_found].ino = (uint32_t)sst.st_ino;
			j->found[j->n_found++].w = w;
		}
		closedir(fds);
	}
	return NULL;
}

/* The kernel's walk: every socket every process holds, in one pass; the
 * wanted ones are kept, each process's command line read once. */
struct walk_job {
	struct tl_owners *o;
	const struct tl_map *want;
	unsigned char *claimed;
	uint64_t ns_ino;
	size_t found;
	int last_pid; /* the walk gives a process's files together */
	char cmdline[sizeof(((struct tl_owner *)0)->cmdline)];
};

static void walk_one(uint32_t inode, uint64_t netns, int pid, const char *comm, void *arg)
{
	struct walk_job *j = arg;
	uint32_t idx;
	if (j->ns_ino && netns && netns != j->ns_ino)
		return;
	if (!tl_map_get(j->want, (uint64_t)inode + 1, &idx) || j->claimed[idx])
		return;
	j->claimed[idx] = 1; /* a socket shared by two processes: the first keeps it */
	if (pid != j->last_pid) {
		char path[64];
		snprintf(path, sizeof(path), "%s/%d/cmdline", tl_owners_proc(j->o), pid);
		read_small(path, j->cmdline, sizeof(j->cmdline), true);
		j->last_pid = pid;
	}
	struct tl_owner w;
	memset(&w, 0, sizeof(w));
	w.pid = pid;
	snprintf(w.comm, sizeof(w.comm), "%s", comm);
	snprintf(w.cmdline, sizeof(w.cmdline), "%s", j->cmdline);
	tl_owners_add(j->o, inode, &w);
	j->found++;
}

static size_t resolve(struct tl_owners *o, const uint32_t *inodes, size_t n, uint64_t ns_ino,
		      const uint32_t *uids, size_t n_uids, size_t *dirs_read)
{
	struct tl_map want;
	size_t missing = 0, known = 0;

	if (dirs_read)
		*dirs_read = 0;
	tl_map_init(&want);
	for (size_t i = 0; i < n; i++) {
		uint32_t dummy;
		if (!inodes[i])
			continue;
		if (tl_owners_find(o, inodes[i]))
			known++;
		else if (!tl_map_get(&want, (uint64_t)inodes[i] + 1, &dummy))
			tl_map_put(&want, (uint64_t)inodes[i] + 1, (uint32_t)missing++);
	}
	if (!missing) {
		tl_map_fini(&want);
		return known;
	}
	if (tl_owners_walk(o)) {
		struct walk_job j = {.o = o, .want = &want, .ns_ino = ns_ino, .last_pid = -1};
		j.claimed = tl_calloc(missing, 1);
		long r = tl_owner_walk_run(tl_owners_walk(o), walk_one, &j);
		free(j.claimed);
		if (r >= 0) {
			tl_map_fini(&want);
			return known + j.found;
		}
		tl_owners_set_walk(o, NULL); /* it failed: /proc from now on */
	}
	/* the processes, then the scanners */
	long *pids = NULL;
	size_t n_pids = 0, cap = 0;
	DIR *proc = opendir(tl_owners_proc(o));
	struct dirent *de;
	while (proc && (de = readdir(proc))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 0)
			continue;
		if (n_pids == cap) {
			cap = cap ? cap * 2 : 256;
			pids = tl_reallocarray(pids, cap, sizeof(*pids));
		}
		pids[n_pids++] = pid;
	}
	if (proc)
		closedir(proc);

	atomic_uchar *claimed = tl_calloc(missing, sizeof(*claimed));
	atomic_size_t remaining = missing;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nt = (size_t)TL_MAX(1, TL_MIN(cpus, 4));
	if (nt > n_pids)
		nt = n_pids ? n_pids : 1;
	struct scan_job *jobs = tl_calloc(nt, sizeof(*jobs));
	pthread_t *th = tl_calloc(nt, sizeof(*th));
	bool *started = tl_calloc(nt, sizeof(*started));
	for (size_t t = 0; t < nt; t++) {
		jobs[t] = (struct scan_job){o,      &want, claimed, &remaining, pids, n_pids, t, nt,
					    ns_ino, uids,  n_uids,  NULL,       0,    0,      0, 0};
		started[t] = t > 0 && pthread_create(&th[t], NULL, scan, &jobs[t]) == 0;
	}
	scan(&jobs[0]);
	for (size_t t = 1; t < nt; t++) {
		if (started[t])
			pthread_join(th[t], NULL);
		else
			scan(&jobs[t]); /* no thread: do its share here */
	}
	for (size_t t = 0; t < nt; t++) {
		for (size_t k = 0; k < jobs[t].n_found; k++)
			tl_owners_add(o, jobs[t].found[k].ino, &jobs[t].found[k].w);
		known += jobs[t].n_found;
		if (!may_read_all())
			tl_owners_note_hidden(o, jobs[t].hidden);
		if (dirs_read)
			*dirs_read += jobs[t].dirs;
		free(jobs[t].found);
	}
	free(started);
	free(th);
	free(jobs);
	free(claimed);
	free(pids);
	tl_map_fini(&want);
	return known;
}

/* An inode a complete look found no process for (a kernel socket, one
 * held by a process of another PID namespace) is looked for again only
 * this long after: a view asks for its rows every second. */
#define MISS_RETRY_S 5

size_t tl_owners_resolve(struct tl_owners *o, const uint32_t *inodes, size_t n, uint64_t ns_ino,
			 const uint32_t *uids, size_t n_uids, size_t *dirs_read)
{
	uint32_t now = (uint32_t)(tl_mono_ns() / 1000000000ULL);
	uint32_t since = now >= MISS_RETRY_S ? now - MISS_RETRY_S : 0;
	uint32_t *ask = tl_calloc(n ? n : 1, sizeof(*ask));
	size_t k = 0, known = 0;
	for (size_t i = 0; i < n; i++)
		if (inodes[i] && !tl_owners_missed_since(o, inodes[i], since))
			ask[k++] = inodes[i];
	if (dirs_read)
		*dirs_read = 0;
	if (k)
		resolve(o, ask, k, ns_ino, uids, n_uids, dirs_read);
	/* a look narrowed to some users' processes proves nothing */
	bool complete = !uids || tl_owners_walk(o);
	for (size_t i = 0; i < k; i++)
		if (!tl_owners_find(o, ask[i]) && complete)
			tl_owners_note_missed(o, ask[i], now);
	for (size_t i = 0; i < n; i++)
		known += inodes[i] && tl_owners_find(o, inodes[i]);
	free(ask);
	return known;
}

void tl_owners_fill(struct tl_owners *o, struct tl_cw_item *items, const uint32_t *inodes,
		    const uint32_t *uids, size_t n, uint64_t ns_ino, bool lookup, bool full_scan)
{
	if (lookup) {
		uint32_t *want = tl_calloc(n ? n : 1, sizeof(*want));
		uint32_t *want_uid = tl_calloc(n ? n : 1, sizeof(*want_uid));
		size_t nw = 0, nu = 0;
		for (size_t i = 0; i < n; i++) {
			if (!inodes[i] || tl_owners_find(o, inodes[i]))
				continue;
			want[nw++] = inodes[i];
			size_t k = 0;
			while (k < nu && want_uid[k] != uids[i])
				k++;
			if (k == nu)
				want_uid[nu++] = uids[i];
		}
		if (nw && tl_owners_resolve(o, want, nw, ns_ino, want_uid, nu, NULL) < nw &&
		    full_scan)
			tl_owners_resolve(o, want, nw, ns_ino, NULL, 0, NULL);
		free(want);
		free(want_uid);
	}
	for (size_t i = 0; i < n; i++) {
		const struct tl_owner *ow = inodes[i] ? tl_owners_find(o, inodes[i]) : NULL;
		items[i].pid = ow ? ow->pid : -1;
		items[i].comm = ow ? ow->comm : NULL;
		items[i].cmdline = ow ? ow->cmdline : NULL;
	}
}
