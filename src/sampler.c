/* sampler: full sock_diag dumps in one namespace. */
#include <errno.h>
#include <stdio.h>
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

#include "tcpladder/clock.h"
#include "tcpladder/diag.h"
#include "tcpladder/filter.h"
#include "tcpladder/netns.h"
#include "tcpladder/sampler.h"
#include "tcpladder/sysio.h"
#include "tcpladder/tcpstate.h"
#include "tcpladder/util.h"

/* The kernel sizes dump datagrams from the reader's buffer, up to 32 KiB. */
#define TL_NL_BUFSZ 32768
#define TL_DUMP_TRIES 3
/* Requests are built in their own buffer, sized for the largest request
 * header plus the filter's bytecode attribute (up to 64 KiB). */
#define TL_REQ_HDR_MAX 64
_Static_assert(sizeof(struct inet_diag_req) <= TL_REQ_HDR_MAX &&
		   sizeof(struct inet_diag_req_v2) <= TL_REQ_HDR_MAX &&
		   sizeof(struct unix_diag_req) <= TL_REQ_HDR_MAX,
	       "request headers fit TL_REQ_HDR_MAX");

struct tl_sampler {
	char *name;
	int ns_fd; /* -1: our own namespace */
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
	char *buf; /* replies, TL_NL_BUFSZ */
	char *req; /* requests, req_size bytes */
	size_t req_size;
	/* /proc/net/raw and raw6 of the namespace, opened inside it: the
	 * count of raw sockets when the kernel has no raw_diag (as ss does). */
	int raw_fd[2];
	int sys_fd[2]; /* tcp_max_tw_buckets, ip_local_port_range of the namespace */
	uint64_t ns_ino;
	struct mnl_socket *ev; /* destroy events, when asked for */
	uint32_t ev_portid;
	bool compat_ok;    /* the one-walk TCPDIAG_GETSOCK dump works here */
	uint8_t *bytecode; /* INET_DIAG_REQ_BYTECODE for TCP dumps, or NULL */
	size_t bytecode_len;
};

static struct mnl_socket *open_events(int *err)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_SOCK_DIAG, SOCK_CLOEXEC | SOCK_NONBLOCK);
	int groups[] = {SKNLGRP_INET_TCP_DESTROY, SKNLGRP_INET6_TCP_DESTROY};
	int size = 8 << 20;

	if (!nl) {
		*err = -errno;
		return NULL;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	for (size_t i = 0; i < TL_ARRAY_SIZE(groups); i++)
		if (mnl_socket_setsockopt(nl, NETLINK_ADD_MEMBERSHIP, &groups[i],
					  sizeof(groups[i])) < 0 &&
		    !(groups[i] == SKNLGRP_INET6_TCP_DESTROY && errno == EINVAL))
			goto fail;
	/* Read promptly, and keep a big queue for bursts; forcing needs
	 * CAP_NET_ADMIN, the plain option is capped by rmem_max. */
	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	return nl;
fail:
	*err = -errno;
	mnl_socket_close(nl);
	return NULL;
}

/* Open the dump socket (and the event socket if events) in the namespace. */
static int open_sockets(struct tl_sampler *s, bool events, char **cause)
{
	int saved = -1, err = 0;

	if (s->ns_fd >= 0 && (err = tl_netns_enter(s->ns_fd, &saved, s->name, cause)) < 0)
		return err;
	for (int i = 0; i < 2; i++)
		if (s->raw_fd[i] < 0)
			s->raw_fd[i] = open(i ? "/proc/self/net/raw6" : "/proc/self/net/raw",
					    O_RDONLY | O_CLOEXEC);
	/* /proc/sys/net shows the namespace of the process that opens it. */
	for (int i = 0; i < 2; i++)
		if (s->sys_fd[i] < 0)
			s->sys_fd[i] = open(i ? "/proc/sys/net/ipv4/ip_local_port_range"
					      : "/proc/sys/net/ipv4/tcp_max_tw_buckets",
					    O_RDONLY | O_CLOEXEC);
	if (!s->ns_ino) {
		int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (self >= 0) {
			tl_netns_ino(self, &s->ns_ino);
			close(self);
		}
	}
	if (!s->nl) {
		s->nl = mnl_socket_open2(NETLINK_SOCK_DIAG, SOCK_CLOEXEC);
		err = s->nl ? 0 : -errno;
		if (s->nl && mnl_socket_bind(s->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
			err = -errno;
			mnl_socket_close(s->nl);
			s->nl = NULL;
		}
	}
	if (!err && events && !s->ev)
		s->ev = open_events(&err);
	if (saved >= 0 && tl_netns_leave(saved, cause) < 0)
		return -EIO;
	if (err) {
		*cause = tl_asprintf("cannot open a sock_diag netlink socket in '%s': %s", s->name,
				     strerror(-err));
		return err;
	}
	s->portid = mnl_socket_get_portid(s->nl);
	if (s->ev)
		s->ev_portid = mnl_socket_get_portid(s->ev);
	return 0;
}

static int open_socket(struct tl_sampler *s, char **cause)
{
	return open_sockets(s, false, cause);
}

struct tl_sampler *tl_sampler_new(const char *path, const char *name, unsigned flags, char **cause)
{
	struct tl_sampler *s = tl_calloc(1, sizeof(*s));

	s->name = tl_strdup(name);
	s->ns_fd = -1;
	s->raw_fd[0] = s->raw_fd[1] = -1;
	s->sys_fd[0] = s->sys_fd[1] = -1;
	s->compat_ok = true;
	s->buf = tl_malloc(TL_NL_BUFSZ);
	tl_diag_request_size(TL_REQ_HDR_MAX, 0, &s->req_size);
	s->req = tl_malloc(s->req_size);
	if (path) {
		int fd = tl_netns_open(path, name, cause);
		if (fd < 0) {
			tl_sampler_free(s);
			return NULL;
		}
		s->ns_fd = fd;
	}
	if (open_sockets(s, flags & TL_SAMPLER_EVENTS, cause) < 0) {
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
	if (s->ev)
		mnl_socket_close(s->ev);
	free(s->bytecode);
	if (s->ns_fd >= 0)
		close(s->ns_fd);
	for (int i = 0; i < 2; i++) {
		if (s->raw_fd[i] >= 0)
			close(s->raw_fd[i]);
		if (s->sys_fd[i] >= 0)
			close(s->sys_fd[i]);
	}
	free(s->buf);
	free(s->req);
	free(s->name);
	free(s);
}

/* A request in s->req (see tl_diag_request_put), or NULL. */
static struct nlmsghdr *put_request(struct tl_sampler *s, uint16_t type, uint16_t flags,
				    uint32_t seq, const void *req, size_t reqlen, bool code)
{
	return tl_diag_request_put(s->req, s->req_size, type, flags, seq, req, reqlen,
				   code ? s->bytecode : NULL, code ? s->bytecode_len : 0);
}

/* One dump request and its replies.  After a failure the socket may hold
 * the rest of the aborted dump, so it is replaced before a retry. */
static int dump_once(struct tl_sampler *s, uint16_t type, const void *req, size_t reqlen,
		     struct tl_diag_ctx *ctx)
{
	uint32_t seq = ++s->seq;
	bool code = ctx->kind == TL_DIAG_TCP && s->bytecode;
	struct nlmsghdr *nlh =
	    put_request(s, type, NLM_F_REQUEST | NLM_F_DUMP, seq, req, reqlen, code);

	if (!nlh)
		return -EMSGSIZE;
	if (TL_EINTR(mnl_socket_sendto(s->nl, nlh, nlh->nlmsg_len)) < 0)
		return -errno;
	for (;;) {
		ssize_t n = TL_EINTR(mnl_socket_recvfrom(s->nl, s->buf, TL_NL_BUFSZ));
		if (n < 0)
			return -errno;
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

static int dump(struct tl_sampler *s, uint16_t type, const void *req, size_t reqlen,
		enum tl_diag_kind kind, struct tl_snapshot *snap, long *count, char **cause)
{
	size_t base = snap ? snap->n : 0;
	int err = 0;

	for (int tries = 0; tries < TL_DUMP_TRIES; tries++) {
		struct tl_diag_ctx ctx;

		if (snap)
			tl_snapshot_truncate(snap, base);
		tl_diag_ctx_init(&ctx, kind, snap);
		err = dump_once(s, type, req, reqlen, &ctx);
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
	return dump(s, SOCK_DIAG_BY_FAMILY, &req, sizeof(req), kind, snap, count, cause);
}

/* Both families in one walk of the kernel's TCP tables: the older
 * TCPDIAG_GETSOCK request dumps with family AF_UNSPEC, where
 * SOCK_DIAG_BY_FAMILY needs one dump (one walk) per family. */
static int tcp_dump_compat(struct tl_sampler *s, uint8_t ext, uint32_t states,
			   struct tl_snapshot *snap, char **cause)
{
	struct inet_diag_req req;
	long n;

	memset(&req, 0, sizeof(req));
	req.idiag_family = AF_UNSPEC;
	req.idiag_ext = ext;
	req.idiag_states = states;
	return dump(s, TCPDIAG_GETSOCK, &req, sizeof(req), TL_DIAG_TCP, snap, &n, cause);
}

static const char *proto_name(int proto)
{
	return proto == IPPROTO_TCP       ? "TCP"
	       : proto == IPPROTO_UDP     ? "UDP"
	       : proto == IPPROTO_UDPLITE ? "UDP-Lite"
					  : "RAW";
}

/* Lines of a /proc/net table after its header; -1 if unreadable. */
static long proc_rows(int fd, char *buf, size_t bufsz)
{
	long lines = 0;
	off_t off = 0;
	ssize_t n;

	if (fd < 0)
		return -1;
	while ((n = TL_EINTR(pread(fd, buf, bufsz, off))) > 0) {
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
		int err = inet_dump(s, families[i], proto, 0, 0xffffffffu, TL_DIAG_COUNT_INET, NULL,
				    &n, cause);
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
	err = dump(s, SOCK_DIAG_BY_FAMILY, &req, sizeof(req), TL_DIAG_COUNT_UNIX, NULL, &n, cause);
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
	snap->mono_ns = tl_mono_ns();
	if (s->compat_ok) {
		err = tcp_dump_compat(s, ext, states, snap, cause);
		if (err == 0)
			goto tcp_done;
		if (err != -EINVAL && err != -ENOENT && err != -EOPNOTSUPP) {
			if (!*cause)
				*cause = tl_asprintf("listing TCP sockets in '%s' failed: %s",
						     s->name, strerror(-err));
			goto fail;
		}
		s->compat_ok = false; /* fall back to one dump per family */
		free(*cause);
		*cause = NULL;
	}
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
tcp_done:
	if (what & TL_SAMPLE_OTHER) {
		if ((err = count_other(s, IPPROTO_UDP, &snap->other[TL_OTHER_UDP], cause)) < 0 ||
		    (err = count_other(s, IPPROTO_UDPLITE, &snap->other[TL_OTHER_UDPLITE], cause)) <
			0 ||
		    (err = count_other(s, IPPROTO_RAW, &snap->other[TL_OTHER_RAW], cause)) < 0 ||
		    (err = count_unix(s, &snap->other[TL_OTHER_UNIX], cause)) < 0)
			goto fail;
	}
	snap->complete = true;
	snap->dump_ns = tl_mono_ns() - snap->mono_ns;
	return 0;
fail:
	snap->complete = false;
	snap->error = err;
	snap->dump_ns = tl_mono_ns() - snap->mono_ns;
	return err;
}

uint32_t tl_sampler_set_filter(struct tl_sampler *s, const struct tl_filter *f)
{
	uint8_t *code = NULL;
	size_t len = 0;

	free(s->bytecode);
	s->bytecode = NULL;
	s->bytecode_len = 0;
	if (!f)
		return TL_TCPF_ALL;
	/* What the bytecode cannot express (-EOPNOTSUPP, or a program too
	 * big for one attribute) is left to the evaluator; the kernel still
	 * drops by state. */
	if (tl_filter_bytecode(f, &code, &len) == 0 && code) {
		size_t need;
		if (tl_diag_request_size(TL_REQ_HDR_MAX, len, &need) == 0) {
			if (need > s->req_size) {
				s->req = tl_reallocarray(s->req, need, 1);
				s->req_size = need;
			}
			s->bytecode = code;
			s->bytecode_len = len;
			code = NULL;
		}
	}
	free(code);
	return tl_filter_states(f);
}

struct lookup_ctx {
	struct tl_sock *out;
	int found;
};

static int lookup_cb(const struct tl_sock *rec, void *arg)
{
	struct lookup_ctx *lc = arg;
	*lc->out = *rec;
	lc->found = 1;
	return 0;
}

/* A lookup request for key, with sequence number seq, at buf. */
static struct nlmsghdr *put_lookup(void *buf, size_t size, const struct tl_sock *key, unsigned what,
				   uint32_t seq)
{
	struct inet_diag_req_v2 req;

	memset(&req, 0, sizeof(req));
	req.sdiag_family = key->family;
	req.sdiag_protocol = IPPROTO_TCP;
	req.idiag_ext = (what & TL_SAMPLE_INFO) ? 1u << (INET_DIAG_INFO - 1) : 0;
	req.idiag_states = TL_TCPF_ALL;
	req.id.idiag_sport = htons(key->lport);
	req.id.idiag_dport = htons(key->rport);
	memcpy(req.id.idiag_src, key->local, sizeof(req.id.idiag_src));
	memcpy(req.id.idiag_dst, key->remote, sizeof(req.id.idiag_dst));
	req.id.idiag_if = key->ifindex;
	/* INET_DIAG_NOCOOKIE in both halves matches any socket. */
	req.id.idiag_cookie[0] =
	    key->cookie == TL_NOCOOKIE ? INET_DIAG_NOCOOKIE : (uint32_t)key->cookie;
	req.id.idiag_cookie[1] =
	    key->cookie == TL_NOCOOKIE ? INET_DIAG_NOCOOKIE : (uint32_t)(key->cookie >> 32);
	return tl_diag_request_put(buf, size, SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST, seq, &req,
				   sizeof(req), NULL, 0);
}

/* The answer to one lookup: 0 and *out filled, -ENOENT, or -errno. */
static int lookup_answer(const struct nlmsghdr *h, struct tl_sock *out)
{
	if (h->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);
		if (mnl_nlmsg_get_payload_len(h) < sizeof(*e))
			return -EBADMSG;
		/* ESTALE: the tuple now belongs to another socket. */
		return e->error == -ESTALE ? -ENOENT : e->error ? e->error : -ENOENT;
	}
	struct lookup_ctx lc = {out, 0};
	int r = tl_diag_each(h, h->nlmsg_len, lookup_cb, &lc);
	if (r < 0)
		return r;
	return lc.found ? 0 : -ENOENT;
}

int tl_sampler_lookup(struct tl_sampler *s, const struct tl_sock *key, unsigned what,
		      struct tl_sock *out)
{
	int res;
	int r = tl_sampler_lookup_batch(s, key, 1, what, out, &res);
	return r < 0 ? r : res;
}

/* Answers are read this many datagrams a call, each into its own slice of
 * s->buf: one answer is one datagram of well under a slice. */
#define LOOKUP_SLOTS 8
#define LOOKUP_SLOT_SIZE (TL_NL_BUFSZ / LOOKUP_SLOTS)

/* Points the first want of msgs at their slices of s->buf, for recvmmsg. */
static void slots_prepare(struct tl_sampler *s, struct mmsghdr *msgs, struct iovec *iov,
			  unsigned want)
{
	memset(msgs, 0, want * sizeof(*msgs));
	for (unsigned k = 0; k < want; k++) {
		iov[k].iov_base = s->buf + k * LOOKUP_SLOT_SIZE;
		iov[k].iov_len = LOOKUP_SLOT_SIZE;
		msgs[k].msg_hdr.msg_iov = &iov[k];
		msgs[k].msg_hdr.msg_iovlen = 1;
	}
}

int tl_sampler_lookup_batch(struct tl_sampler *s, const struct tl_sock *keys, size_t n,
			    unsigned what, struct tl_sock *out, int *res)
{
	char req[TL_LOOKUP_BATCH * NLMSG_ALIGN(NLMSG_HDRLEN + sizeof(struct inet_diag_req_v2))];
	struct mmsghdr msgs[LOOKUP_SLOTS];
	struct iovec iov[LOOKUP_SLOTS];
	size_t len = 0, left = n;
	uint32_t base = s->seq + 1;

	if (n > TL_LOOKUP_BATCH)
		return -EINVAL;
	/* Every request gets exactly one answer: the socket, or an error
	 * (no NLM_F_ACK, so a found socket is not acknowledged as well). */
	for (size_t i = 0; i < n; i++) {
		struct nlmsghdr *nlh =
		    put_lookup(req + len, sizeof(req) - len, &keys[i], what, base + (uint32_t)i);
		if (!nlh)
			return -EMSGSIZE;
		len += NLMSG_ALIGN(nlh->nlmsg_len);
		res[i] = 1; /* not answered yet */
	}
	s->seq += (uint32_t)n;
	if (!n)
		return 0;
	if (TL_EINTR(mnl_socket_sendto(s->nl, req, len)) < 0)
		return -errno;
	while (left) {
		unsigned want = (unsigned)TL_MIN(left, (size_t)LOOKUP_SLOTS);
		slots_prepare(s, msgs, iov, want);
		/* Blocks for the first answer only: they are all queued
		 * by the time sendto returns. */
		int got =
		    TL_EINTR(recvmmsg(mnl_socket_get_fd(s->nl), msgs, want, MSG_WAITFORONE, NULL));
		if (got < 0)
			return -errno;
		for (int k = 0; k < got; k++) {
			const struct nlmsghdr *h = iov[k].iov_base;
			size_t got_len = msgs[k].msg_len;
			if (msgs[k].msg_hdr.msg_flags & MSG_TRUNC)
				return -EMSGSIZE;
			if (got_len < sizeof(*h) || h->nlmsg_len > got_len)
				return -EBADMSG;
			uint32_t i = h->nlmsg_seq - base;
			if (h->nlmsg_pid != s->portid || i >= n || res[i] != 1)
				continue; /* a late answer to an earlier request */
			res[i] = lookup_answer(h, &out[i]);
			left--;
		}
	}
	return 0;
}

int tl_sampler_events_fd(const struct tl_sampler *s)
{
	return s->ev ? mnl_socket_get_fd(s->ev) : -1;
}

int tl_sampler_events_read(struct tl_sampler *s, unsigned max,
			   int (*cb)(const struct tl_sock *, void *), void *arg)
{
	struct mmsghdr msgs[LOOKUP_SLOTS];
	struct iovec iov[LOOKUP_SLOTS];
	unsigned done = 0;

	if (!s->ev)
		return 0;
	/* At most max: under churn events can come as fast as they are
	 * read, and a read to the end would then never end.  Up to
	 * LOOKUP_SLOTS datagrams a system call, one event each. */
	while (done < max) {
		unsigned want = TL_MIN(max - done, (unsigned)LOOKUP_SLOTS);
		slots_prepare(s, msgs, iov, want);
		int got = recvmmsg(mnl_socket_get_fd(s->ev), msgs, want, MSG_DONTWAIT, NULL);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return -errno; /* ENOBUFS: events were lost */
		}
		for (int k = 0; k < got; k++) {
			if (msgs[k].msg_hdr.msg_flags & MSG_TRUNC)
				return -EMSGSIZE;
			int r = tl_diag_each(iov[k].iov_base, msgs[k].msg_len, cb, arg);
			if (r < 0)
				return r;
		}
		done += (unsigned)got;
		if ((unsigned)got < want)
			break; /* the queue is empty */
	}
	return (int)done;
}

void tl_sampler_limits(struct tl_sampler *s, long *tw_max_buckets, int *port_lo, int *port_hi)
{
	char buf[64];
	ssize_t n;

	*tw_max_buckets = -1;
	*port_lo = *port_hi = 0;
	if (s->sys_fd[0] >= 0 && (n = TL_EINTR(pread(s->sys_fd[0], buf, sizeof(buf) - 1, 0))) > 0) {
		buf[n] = '\0';
		*tw_max_buckets = strtol(buf, NULL, 10);
	}
	if (s->sys_fd[1] >= 0 && (n = TL_EINTR(pread(s->sys_fd[1], buf, sizeof(buf) - 1, 0))) > 0) {
		buf[n] = '\0';
		if (sscanf(buf, "%d %d", port_lo, port_hi) != 2)
			*port_lo = *port_hi = 0;
	}
}

uint64_t tl_sampler_ns_ino(const struct tl_sampler *s)
{
	return s->ns_ino;
}
