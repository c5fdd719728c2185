/* sampler: full sock_diag dumps in one namespace. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>

#include "tcpladder/diag.h"
#include "tcpladder/netns.h"
#include "tcpladder/sampler.h"
#include "tcpladder/util.h"

/* The kernel sizes dump datagrams from the reader's buffer, up to 32 KiB. */
#define TL_NL_BUFSZ 32768
#define TL_DUMP_TRIES 3

struct tl_sampler {
	char *name;
	int ns_fd; /* -1: our own namespace */
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
	char *buf;
	/* /proc/net/raw and raw6 of the namespace, opened inside it: the
	 * count of raw sockets when the kernel has no raw_diag (as ss does). */
	int raw_fd[2];
};

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int open_socket(struct tl_sampler *s, char **cause)
{
	int saved = -1, err;

	if (s->ns_fd >= 0 && (err = tl_netns_enter(s->ns_fd, &saved, s->name, cause)) < 0)
		return err;
	for (int i = 0; i < 2; i++)
		if (s->raw_fd[i] < 0)
			s->raw_fd[i] = open(i ? "/proc/self/net/raw6" : "/proc/self/net/raw",
					    O_RDONLY | O_CLOEXEC);
	s->nl = mnl_socket_open2(NETLINK_SOCK_DIAG, SOCK_CLOEXEC);
	err = s->nl ? 0 : -errno;
	if (s->nl && mnl_socket_bind(s->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		mnl_socket_close(s->nl);
		s->nl = NULL;
	}
	if (saved >= 0 && tl_netns_leave(saved, cause) < 0) {
		if (s->nl)
			mnl_socket_close(s->nl);
		s->nl = NULL;
		return -EIO;
	}
	if (err) {
		*cause = tl_asprintf("cannot open a sock_diag netlink socket in '%s': %s", s->name,
				     strerror(-err));
		return err;
	}
	s->portid = mnl_socket_get_portid(s->nl);
	return 0;
}

struct tl_sampler *tl_sampler_new(const char *path, const char *name, char **cause)
{
	struct tl_sampler *s = tl_calloc(1, sizeof(*s));

	s->name = tl_strdup(name);
	s->ns_fd = -1;
	s->raw_fd[0] = s->raw_fd[1] = -1;
	s->buf = tl_malloc(TL_NL_BUFSZ);
	if (path) {
		int fd = tl_netns_open(path, name, cause);
		if (fd < 0) {
			tl_sampler_free(s);
			return NULL;
		}
		s->ns_fd = fd;
	}
	if (open_socket(s, cause) < 0) {
		tl_sampler_free(s);
		return NULL;
	}
	return s;
}

void tl_sampler_free(struct tl_sampler *s)
{
	if (!s)
		return;
	if (s->nl)
		mnl_socket_close(s->nl);
	if (s->ns_fd >= 0)
		close(s->ns_fd);
	for (int i = 0; i < 2; i++)
		if (s->raw_fd[i] >= 0)
			close(s->raw_fd[i]);
	free(s->buf);
	free(s->name);
	free(s);
}

const char *tl_sampler_name(const struct tl_sampler *s)
{
	return s->name;
}

/* One dump request and its replies.  After a failure the socket may hold
 * the rest of the aborted dump, so it is replaced before a retry. */
static int dump_once(struct tl_sampler *s, const void *req, size_t reqlen,
		     struct tl_diag_ctx *ctx)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(s->buf);
	uint32_t seq = ++s->seq;

	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	memcpy(mnl_nlmsg_put_extra_header(nlh, reqlen), req, reqlen);
	if (mnl_socket_sendto(s->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(s->nl, s->buf, TL_NL_BUFSZ);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		int r = tl_diag_feed(ctx, s->buf, (size_t)n, seq, s->portid);
		if (r <= 0)
			return r;
	}
}

static bool transient(int err)
{
	return err == -EINTR || err == -ENOBUFS || err == -EBUSY || err == -EAGAIN ||
	       err == -ESRCH || err == -EPROTO;
}

static int dump(struct tl_sampler *s, const void *req, size_t reqlen, enum tl_diag_kind kind,
		struct tl_snapshot *snap, long *count, char **cause)
{
	size_t base = snap ? snap->n : 0;
	int err = 0;

	for (int tries = 0; tries < TL_DUMP_TRIES; tries++) {
		struct tl_diag_ctx ctx;

		if (snap)
			tl_snapshot_truncate(snap, base);
		tl_diag_ctx_init(&ctx, kind, snap);
		err = dump_once(s, req, reqlen, &ctx);
		if (err == 0) {
			*count = ctx.count;
			return 0;
		}
		if (!transient(err))
			break;
		mnl_socket_close(s->nl);
		s->nl = NULL;
		if (open_socket(s, cause) < 0)
			return -EIO;
	}
	if (snap)
		tl_snapshot_truncate(snap, base);
	return err;
}

static int inet_dump(struct tl_sampler *s, int family, int proto, uint8_t ext, uint32_t states,
		     enum tl_diag_kind kind, struct tl_snapshot *snap, long *count, char **cause)
{
	struct inet_diag_req_v2 req;

	memset(&req, 0, sizeof(req));
	req.sdiag_family = (uint8_t)family;
	req.sdiag_protocol = (uint8_t)proto;
	req.idiag_ext = ext;
	req.idiag_states = states;
	/* raw_diag reads the wanted protocol from the pad byte; IPPROTO_RAW
	 * there means every raw socket. */
	if (proto == IPPROTO_RAW)
		req.pad = IPPROTO_RAW;
	return dump(s, &req, sizeof(req), kind, snap, count, cause);
}

static const char *proto_name(int proto)
{
	return proto == IPPROTO_TCP ? "TCP" : proto == IPPROTO_UDP ? "UDP"
		: proto == IPPROTO_UDPLITE ? "UDP-Lite" : "RAW";
}

/* Lines of a /proc/net table after its header; -1 if unreadable. */
static long proc_rows(int fd, char *buf, size_t bufsz)
{
	long lines = 0;
	off_t off = 0;
	ssize_t n;

	if (fd < 0)
		return -1;
	while ((n = pread(fd, buf, bufsz, off)) > 0) {
		for (ssize_t i = 0; i < n; i++)
			lines += buf[i] == '\n';
		off += n;
	}
	if (n < 0)
		return -1;
	return lines > 0 ? lines - 1 : 0;
}

static long raw_from_proc(struct tl_sampler *s)
{
	long v4 = proc_rows(s->raw_fd[0], s->buf, TL_NL_BUFSZ);
	long v6 = proc_rows(s->raw_fd[1], s->buf, TL_NL_BUFSZ);

	if (v4 < 0)
		return -1;
	return v4 + (v6 > 0 ? v6 : 0);
}

/* Count sockets of another protocol; -1 when the kernel has no diag
 * module for it (it answers ENOENT) and no fallback exists. */
static int count_other(struct tl_sampler *s, int proto, long *out, char **cause)
{
	static const int families[] = {AF_INET, AF_INET6};
	long total = 0;

	for (size_t i = 0; i < TL_ARRAY_SIZE(families); i++) {
		long n = 0;
		int err = inet_dump(s, families[i], proto, 0, 0xffffffffu, TL_DIAG_COUNT_INET,
				    NULL, &n, cause);
		if (err == -ENOENT || err == -EOPNOTSUPP || err == -EAFNOSUPPORT ||
		    err == -EINVAL) {
			if (families[i] == AF_INET) {
				*out = proto == IPPROTO_RAW ? raw_from_proc(s) : -1;
				return 0;
			}
			continue;
		}
		if (err < 0) {
			if (!*cause)
				*cause = tl_asprintf("listing %s sockets in '%s' failed: %s",
						     proto_name(proto), s->name, strerror(-err));
			return err;
		}
		total += n;
	}
	*out = total;
	return 0;
}

static int count_unix(struct tl_sampler *s, long *out, char **cause)
{
	struct unix_diag_req req;
	long n = 0;
	int err;

	memset(&req, 0, sizeof(req));
	req.sdiag_family = AF_UNIX;
	req.udiag_states = 0xffffffffu;
	err = dump(s, &req, sizeof(req), TL_DIAG_COUNT_UNIX, NULL, &n, cause);
	if (err == -ENOENT) {
		*out = -1;
		return 0;
	}
	if (err < 0) {
		if (!*cause)
			*cause = tl_asprintf("listing UNIX sockets in '%s' failed: %s", s->name,
					     strerror(-err));
		return err;
	}
	*out = n;
	return 0;
}

int tl_sampler_sample(struct tl_sampler *s, struct tl_snapshot *snap, unsigned what,
		      uint32_t states, char **cause)
{
	static const int families[] = {AF_INET, AF_INET6};
	uint8_t ext = (what & TL_SAMPLE_INFO) ? 1u << (INET_DIAG_INFO - 1) : 0;
	int err;

	tl_snapshot_clear(snap);
	snap->mono_ns = mono_ns();
	for (size_t i = 0; i < TL_ARRAY_SIZE(families); i++) {
		long n;
		err = inet_dump(s, families[i], IPPROTO_TCP, ext, states, TL_DIAG_TCP, snap, &n,
				cause);
		if (err == -ENOENT && families[i] == AF_INET) {
			if (!*cause)
				*cause = tl_asprintf("this kernel cannot list TCP sockets "
						     "(sock_diag answered ENOENT: is the tcp_diag "
						     "module available?)");
			goto fail;
		}
		if (err == -ENOENT || err == -EAFNOSUPPORT) /* no IPv6 in this kernel */
			continue;
		if (err < 0) {
			if (!*cause)
				*cause = tl_asprintf("listing TCP sockets in '%s' failed: %s",
						     s->name, strerror(-err));
			goto fail;
		}
	}
	if (what & TL_SAMPLE_OTHER) {
		if ((err = count_other(s, IPPROTO_UDP, &snap->other[TL_OTHER_UDP], cause)) < 0 ||
		    (err = count_other(s, IPPROTO_UDPLITE, &snap->other[TL_OTHER_UDPLITE],
				       cause)) < 0 ||
		    (err = count_other(s, IPPROTO_RAW, &snap->other[TL_OTHER_RAW], cause)) < 0 ||
		    (err = count_unix(s, &snap->other[TL_OTHER_UNIX], cause)) < 0)
			goto fail;
	}
	snap->complete = true;
	snap->dump_ns = mono_ns() - snap->mono_ns;
	return 0;
fail:
	snap->complete = false;
	snap->error = err;
	snap->dump_ns = mono_ns() - snap->mono_ns;
	return err;
}
