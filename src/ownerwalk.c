/* ownerwalk: the owners' walk (src/bpf/owners.bpf.c) loaded and read. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tcpladder/ownerwalk.h"
#include "tcpladder/util.h"

#ifdef HAVE_EBPF

#include <linux/types.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "owners.bpf.h"
#include "owners.skel.h"

struct tl_owner_walk {
	struct tl_owners_bpf *skel;
	struct bpf_link *link;
};

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

struct tl_owner_walk *tl_owner_walk_new(char **cause)
{
	char msg[256];
	if (geteuid() != 0) {
		*cause = tl_strdup("the owners' walk needs root");
		return NULL;
	}
	libbpf_print_fn_t old = libbpf_set_print(quiet);
	struct tl_owner_walk *w = tl_calloc(1, sizeof(*w));
	w->skel = tl_owners_bpf__open_and_load();
	int err = w->skel ? 0 : -errno;
	if (w->skel) {
		w->link = bpf_program__attach_iter(w->skel->progs.tl_owners_walk, NULL);
		if (!w->link)
			err = -errno;
	}
	libbpf_set_print(old);
	if (err) {
		snprintf(msg, sizeof(msg), "the owners' walk could not be loaded: %s",
			 strerror(-err));
		*cause = tl_strdup(msg);
		tl_owner_walk_free(w);
		return NULL;
	}
	return w;
}

void tl_owner_walk_free(struct tl_owner_walk *w)
{
	if (!w)
		return;
	bpf_link__destroy(w->link);
	tl_owners_bpf__destroy(w->skel);
	free(w);
}

long tl_owner_walk_run(struct tl_owner_walk *w, tl_owner_walk_cb cb, void *arg)
{
	int fd = bpf_iter_create(bpf_link__fd(w->link));
	if (fd < 0)
		return -errno;
	/* whole records: the kernel never splits one across reads */
	static __thread struct tl_owner_rec buf[1024];
	long seen = 0;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			return -e;
		}
		if (n == 0)
			break;
		size_t k = (size_t)n / sizeof(*buf);
		for (size_t i = 0; i < k; i++) {
			char comm[sizeof(buf[i].comm) + 1];
			memcpy(comm, buf[i].comm, sizeof(buf[i].comm));
			comm[sizeof(buf[i].comm)] = '\0';
			cb((uint32_t)buf[i].ino, buf[i].netns, (int)buf[i].tgid, comm, arg);
		}
		seen += (long)k;
	}
	close(fd);
	return seen;
}

#else /* !HAVE_EBPF */

struct tl_owner_walk *tl_owner_walk_new(char **cause)
{
	*cause = tl_strdup("this build has no eBPF (the owners are read from /proc)");
	return NULL;
}

void tl_owner_walk_free(struct tl_owner_walk *w)
{
	(void)w;
}

long tl_owner_walk_run(struct tl_owner_walk *w, tl_owner_walk_cb cb, void *arg)
{
	(void)w;
	(void)cb;
	(void)arg;
	return -ENOSYS;
}

#endif
