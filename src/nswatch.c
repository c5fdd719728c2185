/* nswatch: find every network namespace, keep the set current. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tcpladder/map.h"
#include "tcpladder/nswatch.h"
#include "tcpladder/util.h"

/* Bytes read of a cgroup file or a runtime's state file. */
#define SMALL_MAX 4096
#define STATE_MAX (1 << 20)

struct tl_nswatch {
	char *proc;
	struct tl_ns_entry *v;
	size_t n, cap;
};

/* What one scan found of a namespace before it is opened. */
struct found {
	uint64_t dev, ino;
	int pid;     /* lowest, 0: none */
	char *mount; /* a bind mount's path, or NULL */
	char *name;  /* its name when under /run/netns */
	bool self;
};

struct tl_nswatch *tl_nswatch_new(const char *proc)
{
	struct tl_nswatch *w = tl_calloc(1, sizeof(*w));
	/* a descriptor per namespace, and its sampler's sockets: more than
	 * the usual 1024 on a host with many containers */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	w->proc = tl_strdup(proc ? proc : "/proc");
	return w;
}

static void entry_fini(struct tl_ns_entry *e)
{
	if (e->fd >= 0)
		close(e->fd);
	free(e->name);
	free(e->path);
}

void tl_nswatch_free(struct tl_nswatch *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n; i++)
		entry_fini(&w->v[i]);
	free(w->v);
	free(w->proc);
	free(w);
}

struct tl_ns_entry *tl_nswatch_list(struct tl_nswatch *w, size_t *n)
{
	*n = w->n;
	return w->v;
}

void tl_nswatch_fd_path(const struct tl_ns_entry *ns, char *buf, size_t size)
{
	snprintf(buf, size, "/proc/self/fd/%d", ns->fd);
}

static uint64_t key_of(uint64_t dev, uint64_t ino)
{
	uint64_t k = ino ^ (dev << 40) ^ (dev >> 24);
	return k ? k : 1;
}

/* Up to max bytes of a file; the length, or -1. */
static ssize_t read_file(const char *path, char *buf, size_t max)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -1;
	size_t got = 0;
	while (got < max) {
		ssize_t r = read(fd, buf + got, max - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	return (ssize_t)got;
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *d = s;
	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 4;
		} else {
			*d++ = *s++;
		}
	}
	*d = '\0';
}

static struct found *add_found(struct found **f, size_t *n, size_t *cap, struct tl_map *idx,
			       uint64_t dev, uint64_t ino)
{
	uint32_t at;
	if (tl_map_get(idx, key_of(dev, ino), &at) && (*f)[at].dev == dev && (*f)[at].ino == ino)
		return &(*f)[at];
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*f = tl_reallocarray(*f, *cap, sizeof(**f));
	}
	struct found *x = &(*f)[*n];
	memset(x, 0, sizeof(*x));
	x->dev = dev;
	x->ino = ino;
	tl_map_put(idx, key_of(dev, ino), (uint32_t)*n);
	(*n)++;
	return x;
}

/* nsfs bind mounts of network namespaces: "ID PARENT MAJ:MIN ROOT POINT
 * ... - nsfs ...", ROOT "net:[INODE]". */
static void scan_mounts(struct tl_nswatch *w, struct found **f, size_t *n, size_t *cap,
			struct tl_map *idx)
{
	char path[64];
	snprintf(path, sizeof(path), "%s/self/mountinfo", w->proc);
	FILE *fp = fopen(path, "re");
	if (!fp)
		return;
	char *line = NULL;
	size_t sz = 0;
	while (getline(&line, &sz, fp) > 0) {
		char *sep = strstr(line, " - nsfs ");
		if (!sep)
			continue;
		/* fields: id, parent, maj:min, root, mount point, ... */
		char *field[5] = {NULL}, *save = NULL;
		char *tok = strtok_r(line, " ", &save);
		for (int i = 0; tok && i < 5; i++) {
			field[i] = tok;
			tok = strtok_r(NULL, " ", &save);
		}
		char *root = field[3], *point = field[4];
		if (!root || !point || strncmp(root, "net:[", 5))
			continue;
		unescape(point);
		struct stat st;
		if (stat(point, &st) < 0)
			continue; /* hidden under another mount, or gone */
		struct found *x = add_found(f, n, cap, idx, st.st_dev, st.st_ino);
		if (x->mount)
			continue;
		x->mount = tl_strdup(point);
		const char *base = strrchr(point, '/');
		bool named =
		    !strncmp(point, "/run/netns/", 11) || !strncmp(point, "/var/run/netns/", 15);
		if (named && base && base[1])
			x->name = tl_strdup(base + 1);
	}
	free(line);
	fclose(fp);
}

/* Every process's namespace; the lowest pid of each. */
static int scan_procs(struct tl_nswatch *w, struct found **f, size_t *n, size_t *cap,
		      struct tl_map *idx, char **cause)
{
	DIR *d = opendir(w->proc);
	if (!d) {
		int e = errno;
		*cause = tl_asprintf("cannot read %s: %s", w->proc, strerror(e));
		return -e;
	}
	int dfd = dirfd(d);
	struct dirent *de;
	char rel[48];
	while ((de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 0 || pid > 0x7fffffff)
			continue;
		snprintf(rel, sizeof(rel), "%ld/ns/net", pid);
		struct stat st;
		/* a process exiting now, a kernel thread, another user's:
		 * skipped; its namespace is found through another or later */
		if (fstatat(dfd, rel, &st, 0) < 0)
			continue;
		struct found *x = add_found(f, n, cap, idx, st.st_dev, st.st_ino);
		if (!x->pid || pid < x->pid)
			x->pid = (int)pid;
	}
	closedir(d);
	return 0;
}

/* The comm and the cgroup of a process: what labels the namespace. */
static void describe(struct tl_nswatch *w, struct tl_ns_entry *e)
{
	char path[160], buf[SMALL_MAX];
	ssize_t len;

	if (e->pid <= 0)
		return;
	snprintf(path, sizeof(path), "%s/%d/comm", w->proc, e->pid);
	len = read_file(path, e->comm, sizeof(e->comm) - 1);
	e->comm[len > 0 ? len : 0] = '\0';
	e->comm[strcspn(e->comm, "\n")] = '\0';
	snprintf(path, sizeof(path), "%s/%d/cgroup", w->proc, e->pid);
	len = read_file(path, buf, sizeof(buf));
	if (len > 0)
		tl_cgroup_parse(buf, (size_t)len, &e->cg);
	tl_nswatch_state_name("", &e->cg);
}

/* A state file read whole into json (STATE_MAX at most): its length, or
 * -1. */
static ssize_t state_file(char *json, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static ssize_t state_file(char *json, const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -1;
	return read_file(path, json, STATE_MAX);
}

void tl_nswatch_state_name(const char *root, struct tl_cgroup_info *cg)
{
	ssize_t len = -1;

	if (cg->kind != TL_CG_CONTAINER || !cg->id[0] || cg->name[0])
		return;
	/* the runtimes' own state files, read without asking a daemon */
	char *json = tl_malloc(STATE_MAX);
	if (!strcmp(cg->runtime, "docker")) {
		len = state_file(json, "%s/var/lib/docker/containers/%s/config.v2.json", root,
				 cg->id);
		if (len > 0)
			tl_cgroup_docker_name(json, (size_t)len, cg->name, sizeof(cg->name));
	} else if (!strcmp(cg->runtime, "podman")) {
		static const char *const drivers[] = {"overlay", "vfs", "btrfs", "zfs"};
		for (size_t i = 0; i < TL_ARRAY_SIZE(drivers) && !cg->name[0]; i++) {
			len = state_file(json,
					 "%s/var/lib/containers/storage/%s-containers/"
					 "containers.json",
					 root, drivers[i]);
			if (len > 0)
				tl_cgroup_podman_name(json, (size_t)len, cg->id, cg->name,
						      sizeof(cg->name));
		}
	} else if (!strcmp(cg->runtime, "cri-o")) {
		len = state_file(json,
				 "%s/run/containers/storage/overlay-containers/%s/userdata/"
				 "config.json",
				 root, cg->id);
		if (len > 0)
			tl_cgroup_oci_name(json, (size_t)len, cg->name, sizeof(cg->name));
	} else if (!strcmp(cg->runtime, "containerd") || !cg->runtime[0]) {
		/* the task's bundle, under one of containerd's namespaces
		 * (k8s.io, default, moby, ...) */
		char dir[PATH_MAX];
		snprintf(dir, sizeof(dir), "%s/run/containerd/io.containerd.runtime.v2.task", root);
		DIR *d = opendir(dir);
		struct dirent *de;
		while (d && !cg->name[0] && (de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			len = state_file(json, "%s/%s/%s/config.json", dir, de->d_name, cg->id);
			if (len > 0)
				tl_cgroup_oci_name(json, (size_t)len, cg->name, sizeof(cg->name));
		}
		if (d)
			closedir(d);
		if (cg->name[0] && !cg->runtime[0]) /* kubepods under cgroupfs */
			snprintf(cg->runtime, sizeof(cg->runtime), "containerd");
	}
	free(json);
}

static bool label_taken(const struct tl_nswatch *w, const char *label, size_t upto)
{
	for (size_t i = 0; i < upto; i++)
		if (!strcmp(w->v[i].label, label))
			return true;
	return false;
}

/* Open a namespace found; false when it is gone already or is not the
 * one stat saw (a pid reused in between). */
static bool open_found(struct tl_nswatch *w, const struct found *x, struct tl_ns_entry *e)
{
	char path[64];
	const char *p = x->mount;
	if (!p) {
		snprintf(path, sizeof(path), "%s/%d/ns/net", w->proc, x->pid);
		p = path;
	}
	int fd = open(p, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	struct stat st;
	if (fd < 0)
		return false;
	if (fstat(fd, &st) < 0 || (uint64_t)st.st_dev != x->dev || (uint64_t)st.st_ino != x->ino) {
		close(fd);
		return false;
	}
	memset(e, 0, sizeof(*e));
	e->fd = fd;
	e->dev = x->dev;
	e->ino = x->ino;
	e->self = x->self;
	e->pid = x->pid;
	e->path = tl_strdup(p);
	e->name = x->name ? tl_strdup(x->name) : NULL;
	e->flags = TL_NSW_NEW;
	e->user = -1;
	return true;
}

int tl_nswatch_scan(struct tl_nswatch *w, char **cause)
{
	struct found *f = NULL;
	size_t n = 0, cap = 0;
	struct tl_map idx;
	char path[64];
	struct stat st;
	int err = 0;

	tl_map_init(&idx);
	/* ours first: it is "host" */
	snprintf(path, sizeof(path), "%s/self/ns/net", w->proc);
	if (stat(path, &st) == 0)
		add_found(&f, &n, &cap, &idx, st.st_dev, st.st_ino)->self = true;
	if ((err = scan_procs(w, &f, &n, &cap, &idx, cause)) < 0)
		goto out;
	scan_mounts(w, &f, &n, &cap, &idx);

	/* drop what was gone at the last scan; mark what is gone now */
	size_t k = 0;
	for (size_t i = 0; i < w->n; i++) {
		struct tl_ns_entry *e = &w->v[i];
		if (e->flags & TL_NSW_GONE) {
			entry_fini(e);
			continue;
		}
		uint32_t at;
		bool here = tl_map_get(&idx, key_of(e->dev, e->ino), &at) && f[at].dev == e->dev &&
			    f[at].ino == e->ino;
		e->flags = here ? 0 : TL_NSW_GONE;
		if (here)
			f[at].dev = f[at].ino = 0; /* known: not new */
		w->v[k++] = *e;
	}
	w->n = k;
	for (size_t i = 0; i < n; i++) {
		if (!f[i].dev && !f[i].ino)
			continue;
		if (w->n == w->cap) {
			w->cap = w->cap ? w->cap * 2 : 16;
			w->v = tl_reallocarray(w->v, w->cap, sizeof(*w->v));
		}
		struct tl_ns_entry *e = &w->v[w->n];
		if (!open_found(w, &f[i], e))
			continue; /* gone while looking: found next time, if back */
		describe(w, e);
		tl_nslabel_make(e->label, sizeof(e->label), e->self, e->name, &e->cg, e->pid,
				e->comm);
		if (!strcmp(e->label, "?") && e->pid == 0 && strncmp(e->path, "/proc/", 6)) {
			/* held by a bind mount alone, not under /run/netns (a
			 * runtime's sandbox): the mount's file name */
			const char *base = strrchr(e->path, '/');
			snprintf(e->label, sizeof(e->label), "%.*s", TL_NSLABEL_MAX - 1,
				 base && base[1] ? base + 1 : e->path);
		}
		if (label_taken(w, e->label, w->n)) {
			/* two namespaces of one unit, say: told apart by pid */
			char more[TL_NSLABEL_MAX];
			if (e->pid)
				snprintf(more, sizeof(more), "%.40s/%d", e->label, e->pid);
			else
				snprintf(more, sizeof(more), "%.40s/%llu", e->label,
					 (unsigned long long)e->ino);
			memcpy(e->label, more, sizeof(more));
		}
		w->n++;
	}
out:
	for (size_t i = 0; i < n; i++) {
		free(f[i].mount);
		free(f[i].name);
	}
	free(f);
	tl_map_fini(&idx);
	return err;
}
