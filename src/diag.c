/* diag: parse sock_diag replies. */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <linux/unix_diag.h>

#include "tcpladder/diag.h"
#include "tcpladder/tcpstate.h"
#include "tcpladder/util.h"

void tl_diag_ctx_init(struct tl_diag_ctx *ctx, enum tl_diag_kind kind, struct tl_snapshot *snap)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->kind = kind;
	ctx->snap = snap;
}

void tl_diag_parse_tcpinfo(const void *data, size_t len, struct tl_tcpinfo *out)
{
	struct tcp_info ti;

	memset(&ti, 0, sizeof(ti));
	memcpy(&ti, data, TL_MIN(len, sizeof(ti)));
	memset(out, 0, sizeof(*out));
/* A field is usable only if the kernel's structure reached its end. */
#define HAVE(f) (offsetof(struct tcp_info, f) + sizeof(ti.f) <= len)
	if (HAVE(tcpi_state))
		out->state = ti.tcpi_state;
	if (HAVE(tcpi_rttvar)) {
		out->rtt_us = ti.tcpi_rtt;
		out->rttvar_us = ti.tcpi_rttvar;
		out->have |= TL_INFO_RTT;
	}
	if (HAVE(tcpi_last_ack_recv)) {
		out->last_data_sent_ms = ti.tcpi_last_data_sent;
		out->last_data_recv_ms = ti.tcpi_last_data_recv;
		out->last_ack_recv_ms = ti.tcpi_last_ack_recv;
		out->have |= TL_INFO_LAST_DATA;
	}
	if (HAVE(tcpi_bytes_acked)) {
		out->bytes_acked = ti.tcpi_bytes_acked;
		out->have |= TL_INFO_BYTES_ACKED;
	}
	if (HAVE(tcpi_bytes_received)) {
		out->bytes_received = ti.tcpi_bytes_received;
		out->have |= TL_INFO_BYTES_RECEIVED;
	}
	if (HAVE(tcpi_bytes_retrans)) {
		out->bytes_sent = ti.tcpi_bytes_sent;
		out->bytes_retrans = ti.tcpi_bytes_retrans;
		out->have |= TL_INFO_BYTES_SENT;
	}
	if (HAVE(tcpi_segs_in)) {
		out->segs_out = ti.tcpi_segs_out;
		out->segs_in = ti.tcpi_segs_in;
		out->have |= TL_INFO_SEGS;
	}
#undef HAVE
}

int tl_diag_parse_inet(const struct nlmsghdr *nlh, struct tl_sock *out)
{
	const struct inet_diag_msg *m;
	const char *at, *end;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*m))
		return -EBADMSG;
	m = mnl_nlmsg_get_payload(nlh);
	if (m->idiag_family != AF_INET && m->idiag_family != AF_INET6)
		return -EBADMSG;
	if (m->idiag_state == 0 || m->idiag_state >= TL_TCP_NSTATES)
		return -EBADMSG;

	memset(out, 0, sizeof(*out));
	out->family = m->idiag_family;
	out->protocol = IPPROTO_TCP;
	out->state = m->idiag_state;
	out->timer = m->idiag_timer;
	out->retrans = m->idiag_retrans;
	out->expires_ms = m->idiag_expires;
	out->rqueue = m->idiag_rqueue;
	out->wqueue = m->idiag_wqueue;
	out->uid = m->idiag_uid;
	out->inode = m->idiag_inode;
	out->ifindex = m->id.idiag_if;
	out->cookie = (uint64_t)m->id.idiag_cookie[1] << 32 | m->id.idiag_cookie[0];
	out->lport = ntohs(m->id.idiag_sport);
	out->rport = ntohs(m->id.idiag_dport);
	memcpy(out->local, m->id.idiag_src, m->idiag_family == AF_INET ? 4 : 16);
	memcpy(out->remote, m->id.idiag_dst, m->idiag_family == AF_INET ? 4 : 16);

	/* The attributes are walked by hand, bounded by the message's real
	 * length: libmnl's walk ends at the aligned length, up to 3 bytes
	 * past the datagram when the last message's length is not aligned. */
	at = (const char *)m + MNL_ALIGN(sizeof(*m));
	end = (const char *)nlh + nlh->nlmsg_len;
	while (end - at >= (ptrdiff_t)MNL_ATTR_HDRLEN) {
		const struct nlattr *a = (const void *)at;
		if (a->nla_len < MNL_ATTR_HDRLEN || a->nla_len > end - at)
			return -EBADMSG;
		if ((a->nla_type & NLA_TYPE_MASK) == INET_DIAG_INFO) {
			tl_diag_parse_tcpinfo(at + MNL_ATTR_HDRLEN, a->nla_len - MNL_ATTR_HDRLEN,
					      &out->info);
			out->flags |= TL_SOCK_HAS_INFO;
		}
		/* Every other attribute is skipped: we did not ask for it.
		 * The last one's padding may be missing. */
		at += TL_MIN((size_t)MNL_ALIGN(a->nla_len), (size_t)(end - at));
	}
	/* Bytes left over are a truncated attribute header. */
	if (at != end)
		return -EBADMSG;
	return 0;
}

static int data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct tl_diag_ctx *ctx = data;
	int err;

	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		ctx->interrupted = true;
	/* Replies carry the request's type: the one-walk TCP dump uses the
	 * older TCPDIAG_GETSOCK request. */
	if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY && nlh->nlmsg_type != TCPDIAG_GETSOCK) {
		ctx->error = -EBADMSG;
		return MNL_CB_ERROR;
	}
	switch (ctx->kind) {
	case TL_DIAG_TCP: {
		struct tl_sock *r = tl_snapshot_add(ctx->snap);
		err = tl_diag_parse_inet(nlh, r);
		if (err) {
			ctx->snap->n--;
			ctx->error = err;
			return MNL_CB_ERROR;
		}
		break;
	}
	case TL_DIAG_COUNT_INET:
		if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct inet_diag_msg)) {
			ctx->error = -EBADMSG;
			return MNL_CB_ERROR;
		}
		break;
	case TL_DIAG_COUNT_UNIX:
		if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct unix_diag_msg)) {
			ctx->error = -EBADMSG;
			return MNL_CB_ERROR;
		}
		break;
	}
	ctx->count++;
	return MNL_CB_OK;
}

static int done_cb(const struct nlmsghdr *nlh, void *data)
{
	struct tl_diag_ctx *ctx = data;

	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		ctx->interrupted = true;
	/* A dump's DONE carries an int: negative when the dump failed. */
	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int)) {
		int e;
		memcpy(&e, mnl_nlmsg_get_payload(nlh), sizeof(e));
		if (e < 0) {
			ctx->error = e;
			return MNL_CB_ERROR;
		}
	}
	ctx->done = true;
	return MNL_CB_STOP;
}

static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	struct tl_diag_ctx *ctx = data;
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e)) {
		ctx->error = -EBADMSG;
		return MNL_CB_ERROR;
	}
	if (e->error == 0) { /* an ACK: the request is finished */
		ctx->done = true;
		return MNL_CB_STOP;
	}
	ctx->error = e->error < 0 ? e->error : -EPROTO;
	return MNL_CB_ERROR;
}

static int noop_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_OK;
}

/* Check the framing ourselves, in unsigned arithmetic: libmnl's
 * mnl_nlmsg_ok() casts nlmsg_len to int, so a length of 0xffffffff passes
 * it and mnl_nlmsg_next() then never advances.  libmnl also stops quietly
 * at a message that does not fit; a datagram must hold whole messages. */
static bool framing_ok(const void *buf, size_t len)
{
	size_t off = 0;
	while (len - off >= sizeof(struct nlmsghdr)) {
		const struct nlmsghdr *h = (const void *)((const char *)buf + off);
		size_t step = NLMSG_ALIGN((size_t)h->nlmsg_len);
		if (h->nlmsg_len < sizeof(*h) || h->nlmsg_len > len - off)
			return false;
		off += TL_MIN(step, len - off);
	}
	return off == len;
}

int tl_diag_each(const void *buf, size_t len, int (*cb)(const struct tl_sock *, void *), void *arg)
{
	struct tl_sock rec;
	size_t off = 0;
	int n = 0;

	if (!framing_ok(buf, len))
		return -EBADMSG;
	while (len - off >= sizeof(struct nlmsghdr)) {
		const struct nlmsghdr *h = (const void *)((const char *)buf + off);
		off += TL_MIN((size_t)NLMSG_ALIGN(h->nlmsg_len), len - off);
		if (h->nlmsg_type == NLMSG_ERROR || h->nlmsg_type == NLMSG_DONE ||
		    h->nlmsg_type == NLMSG_NOOP)
			continue;
		if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY)
			return -EBADMSG;
		int err = tl_diag_parse_inet(h, &rec);
		if (err)
			return err;
		n++;
		if ((err = cb(&rec, arg)) != 0)
			return err;
	}
	return n;
}

int tl_diag_feed(struct tl_diag_ctx *ctx, const void *buf, size_t len, uint32_t seq,
		 uint32_t portid)
{
	static mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
	    [NLMSG_NOOP] = noop_cb,
	    [NLMSG_ERROR] = error_cb,
	    [NLMSG_DONE] = done_cb,
	    [NLMSG_OVERRUN] = noop_cb,
	};
	int ret;

	if (ctx->error)
		return ctx->error;
	if (ctx->done)
		return 0;
	if (len > INT_MAX)
		return ctx->error = -EMSGSIZE;
	if (!framing_ok(buf, len))
		return ctx->error = -EBADMSG;

	errno = 0;
	ret = mnl_cb_run2(buf, len, seq, portid, data_cb, ctx, ctl, NLMSG_MIN_TYPE);
	if (ret == MNL_CB_ERROR) {
		if (!ctx->error && errno == EINTR) {
			/* NLM_F_DUMP_INTR: the kernel's tables changed under
			 * the dump; the caller redoes it. */
			ctx->interrupted = true;
			ctx->error = -EINTR;
		}
		if (!ctx->error)
			ctx->error = errno ? -errno : -EBADMSG;
		return ctx->error;
	}
	if (ret == MNL_CB_STOP && !ctx->done) {
		ctx->error = -EBADMSG;
		return ctx->error;
	}
	return ctx->done ? 0 : 1;
}

int tl_diag_request_size(size_t reqlen, size_t code_len, size_t *size)
{
	/* nla_len is 16 bits and counts the attribute's own header. */
	if (reqlen > UINT16_MAX || code_len > UINT16_MAX - MNL_ATTR_HDRLEN)
		return -EMSGSIZE;
	*size = MNL_NLMSG_HDRLEN + MNL_ALIGN(reqlen) +
		(code_len ? MNL_ALIGN(MNL_ATTR_HDRLEN + code_len) : 0);
	return 0;
}

struct nlmsghdr *tl_diag_request_put(void *buf, size_t size, uint16_t type, uint16_t flags,
				     uint32_t seq, const void *req, size_t reqlen, const void *code,
				     size_t code_len)
{
	struct nlmsghdr *nlh;
	size_t need;

	if (!code)
		code_len = 0;
	if (tl_diag_request_size(reqlen, code_len, &need) < 0 || need > size)
		return NULL;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	memcpy(mnl_nlmsg_put_extra_header(nlh, reqlen), req, reqlen);
	/* Checked again by libmnl against the same size. */
	if (code_len && !mnl_attr_put_check(nlh, size, INET_DIAG_REQ_BYTECODE, code_len, code))
		return NULL;
	return nlh;
}
