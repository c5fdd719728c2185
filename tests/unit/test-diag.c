/* The netlink parser fed well-formed and broken messages. */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <linux/unix_diag.h>

#include "tcpladder/diag.h"
#include "tcpladder/tcpstate.h"
#include "tap.h"

#define SEQ 77
#define PORTID 4242

static _Alignas(4) char buf[65536];

/* Every message is built in buf, each write checked against its end. */
static size_t room(const void *at)
{
	return (size_t)(buf + sizeof(buf) - (const char *)at);
}

static void need(const void *at, size_t n)
{
	if (n > room(at)) {
		printf("Bail out! a test message does not fit its buffer\n");
		exit(1);
	}
}

static void put_attr(struct nlmsghdr *nlh, uint16_t type, size_t len, const void *data)
{
	if (!mnl_attr_put_check(nlh, room(nlh), type, len, data))
		need(nlh, SIZE_MAX);
}

static struct nlmsghdr *put_inet(char *at, int family, int state, uint32_t cookie_lo)
{
	struct nlmsghdr *nlh;
	struct inet_diag_msg *m;

	need(at, MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*m)));
	nlh = mnl_nlmsg_put_header(at);

	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_MULTI;
	nlh->nlmsg_seq = SEQ;
	nlh->nlmsg_pid = PORTID;
	m = mnl_nlmsg_put_extra_header(nlh, sizeof(*m));
	m->idiag_family = (uint8_t)family;
	m->idiag_state = (uint8_t)state;
	m->idiag_timer = 3;
	m->idiag_retrans = 1;
	m->idiag_expires = 59000;
	m->idiag_rqueue = 5;
	m->idiag_wqueue = 6;
	m->idiag_uid = 1000;
	m->idiag_inode = 123456;
	m->id.idiag_sport = htons(8080);
	m->id.idiag_dport = htons(51000);
	m->id.idiag_if = 2;
	m->id.idiag_cookie[0] = cookie_lo;
	m->id.idiag_cookie[1] = 0x1;
	if (family == AF_INET) {
		inet_pton(AF_INET, "10.1.2.3", m->id.idiag_src);
		inet_pton(AF_INET, "10.9.8.7", m->id.idiag_dst);
	} else {
		inet_pton(AF_INET6, "2001:db8::1", m->id.idiag_src);
		inet_pton(AF_INET6, "::1", m->id.idiag_dst);
	}
	return nlh;
}

static size_t put_done(char *at, int err)
{
	need(at, MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(int)));
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(at);
	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_flags = NLM_F_MULTI;
	nlh->nlmsg_seq = SEQ;
	nlh->nlmsg_pid = PORTID;
	int *p = mnl_nlmsg_put_extra_header(nlh, sizeof(int));
	*p = err;
	return nlh->nlmsg_len;
}

static size_t put_error(char *at, int err)
{
	need(at, MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct nlmsgerr)));
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(at);
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_seq = SEQ;
	nlh->nlmsg_pid = PORTID;
	struct nlmsgerr *e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = err;
	return nlh->nlmsg_len;
}

static int feed(struct tl_snapshot *snap, struct tl_diag_ctx *ctx, const char *data, size_t len)
{
	tl_snapshot_clear(snap);
	tl_diag_ctx_init(ctx, TL_DIAG_TCP, snap);
	return tl_diag_feed(ctx, data, len, SEQ, PORTID);
}

/* The last message of a datagram with a length that is not a multiple of
 * 4: its last attribute must end within that length, not within the
 * aligned one (found by fuzz-diag: an INET_DIAG_INFO attribute read 3
 * bytes past the datagram).  The datagram is copied to a heap block of
 * its exact size, so that a sanitizer sees any read past it. */
static int feed_exact(struct tl_snapshot *snap, struct tl_diag_ctx *ctx, size_t len)
{
	char *copy = malloc(len);
	int r;

	memcpy(copy, buf, len);
	r = feed(snap, ctx, copy, len);
	free(copy);
	return r;
}

static void test_unaligned_end(struct tl_snapshot *snap)
{
	struct tl_diag_ctx ctx;
	struct nlmsghdr *nlh;
	char info[20];
	struct tl_sock rec;

	memset(info, 0x11, sizeof(info));
	/* An unknown attribute (88..104), then INET_DIAG_INFO (104..128),
	 * the message's length saying 125. */
	nlh = put_inet(buf, AF_INET, TL_TCP_ESTABLISHED, 1);
	put_attr(nlh, 200, 12, info);
	put_attr(nlh, INET_DIAG_INFO, sizeof(info), info);
	is_int(nlh->nlmsg_len, 128, "reproducer: 128 bytes as built");
	nlh->nlmsg_len = 125;
	is_int(feed_exact(snap, &ctx, 125), -EBADMSG,
	       "an attribute ending past an unaligned nlmsg_len is rejected");
	is_int(snap->n, 0, "no record from it");
	is_int(tl_diag_each(buf, 125, NULL, NULL), -EBADMSG, "tl_diag_each rejects it too");
	is_int(tl_diag_parse_inet(nlh, &rec), -EBADMSG, "and tl_diag_parse_inet");

	/* The same message with an attribute that ends at 125 exactly (its
	 * padding cut off) is whole. */
	nlh = put_inet(buf, AF_INET, TL_TCP_ESTABLISHED, 1);
	put_attr(nlh, 200, 12, info);
	put_attr(nlh, INET_DIAG_INFO, 17, info);
	nlh->nlmsg_len = 125;
	is_int(feed_exact(snap, &ctx, 125), 1, "an attribute ending at an unaligned end is read");
	ok(snap->n == 1 && (snap->socks[0].flags & TL_SOCK_HAS_INFO), "with its tcp_info");

	/* 1 to 3 bytes after the last attribute: a truncated header. */
	for (unsigned extra = 1; extra < 4; extra++) {
		nlh = put_inet(buf, AF_INET, TL_TCP_ESTABLISHED, 1);
		put_attr(nlh, 200, 12, info);
		nlh->nlmsg_len += extra;
		is_int(feed_exact(snap, &ctx, nlh->nlmsg_len), -EBADMSG,
		       "%u stray bytes after the attributes rejected", extra);
	}
	/* The stray bytes straight after inet_diag_msg. */
	nlh = put_inet(buf, AF_INET, TL_TCP_ESTABLISHED, 1);
	nlh->nlmsg_len += 2;
	is_int(feed_exact(snap, &ctx, nlh->nlmsg_len), -EBADMSG,
	       "2 stray bytes after inet_diag_msg rejected");
}

/* Requests are built with their size checked: a filter's bytecode of up
 * to 65531 bytes fits one attribute, and the buffer is sized for it. */
static void test_requests(void)
{
	struct inet_diag_req_v2 req;
	struct nlmsghdr *nlh;
	size_t size = 0, big = 35196;
	uint8_t *code = malloc(65536);
	char *req_buf;

	memset(&req, 0, sizeof(req));
	req.sdiag_family = AF_INET;
	for (size_t i = 0; i < 65536; i++)
		code[i] = (uint8_t)i;

	is_int(tl_diag_request_size(sizeof(req), 0, &size), 0, "a plain request");
	is_int(size, MNL_NLMSG_HDRLEN + sizeof(req), "is header plus request");
	is_int(tl_diag_request_size(sizeof(req), big, &size), 0, "with 35196 bytes of code");
	is_int(size, MNL_NLMSG_HDRLEN + sizeof(req) + MNL_ATTR_HDRLEN + big,
	       "adds the attribute");
	is_int(tl_diag_request_size(sizeof(req), 65531, &size), 0, "65531 bytes fit an attribute");
	is_int(tl_diag_request_size(sizeof(req), 65532, &size), -EMSGSIZE,
	       "65532 bytes do not (nla_len is 16 bits)");
	is_int(tl_diag_request_size(70000, 0, &size), -EMSGSIZE, "nor does a 70000-byte header");

	/* The fixed 32 KiB buffer a big filter once overflowed. */
	req_buf = malloc(32768);
	ok(tl_diag_request_put(req_buf, 32768, SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST, 1, &req,
			       sizeof(req), code, big) == NULL,
	   "35196 bytes of code are refused by a 32 KiB buffer");
	free(req_buf);

	/* A buffer of the computed size takes it, to the byte. */
	tl_diag_request_size(sizeof(req), big, &size);
	req_buf = malloc(size);
	nlh = tl_diag_request_put(req_buf, size, SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP,
				  9, &req, sizeof(req), code, big);
	if (ok(nlh != NULL, "the computed size holds the request")) {
		const struct nlattr *a = (const void *)(req_buf + MNL_NLMSG_HDRLEN + sizeof(req));
		is_int(nlh->nlmsg_len, size, "nlmsg_len is the computed size");
		ok(nlh->nlmsg_type == SOCK_DIAG_BY_FAMILY && nlh->nlmsg_seq == 9 &&
		       nlh->nlmsg_flags == (NLM_F_REQUEST | NLM_F_DUMP),
		   "type, flags and sequence");
		ok(!memcmp(req_buf + MNL_NLMSG_HDRLEN, &req, sizeof(req)), "the request copied");
		ok(a->nla_type == INET_DIAG_REQ_BYTECODE && a->nla_len == MNL_ATTR_HDRLEN + big &&
		       !memcmp(a + 1, code, big),
		   "the bytecode attribute");
	}
	ok(tl_diag_request_put(req_buf, size - 1, SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST, 1, &req,
			       sizeof(req), code, big) == NULL,
	   "one byte less is refused");
	free(req_buf);

	/* The largest program an attribute holds. */
	tl_diag_request_size(sizeof(req), 65531, &size);
	req_buf = malloc(size);
	nlh = tl_diag_request_put(req_buf, size, SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST, 1, &req,
				  sizeof(req), code, 65531);
	ok(nlh && ((const struct nlattr *)(req_buf + MNL_NLMSG_HDRLEN + sizeof(req)))->nla_len ==
			  65535,
	   "65531 bytes of code: nla_len 65535");
	free(req_buf);
	req_buf = malloc(1 << 17);
	ok(tl_diag_request_put(req_buf, 1 << 17, SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST, 1, &req,
			       sizeof(req), code, 65532) == NULL,
	   "65532 bytes are refused, however big the buffer (nla_len would wrap)");
	/* Too small even for the header. */
	ok(tl_diag_request_put(req_buf, MNL_NLMSG_HDRLEN + sizeof(req) - 1, SOCK_DIAG_BY_FAMILY,
			       NLM_F_REQUEST, 1, &req, sizeof(req), NULL, 0) == NULL,
	   "a buffer too small for the header is refused");
	free(req_buf);
	free(code);
}

int main(void)
{
	struct tl_snapshot snap;
	struct tl_diag_ctx ctx;
	struct nlmsghdr *nlh;
	size_t len;
	char addr[64];

	tl_snapshot_init(&snap);

	/* A v4 and a v6 record and DONE in one datagram. */
	len = put_inet(buf, AF_INET, TL_TCP_TIME_WAIT, 0xdeadbeef)->nlmsg_len;
	len += put_inet(buf + len, AF_INET6, TL_TCP_ESTABLISHED, 2)->nlmsg_len;
	len += put_done(buf + len, 0);
	is_int(feed(&snap, &ctx, buf, len), 0, "well-formed dump finishes");
	is_int(snap.n, 2, "two records");
	ok(ctx.done && !ctx.interrupted, "done, not interrupted");
	const struct tl_sock *r = &snap.socks[0];
	ok(r->cookie == 0x1deadbeefULL, "cookie joins both halves (got %llx)",
	   (unsigned long long)r->cookie);
	is_int(r->family, AF_INET, "family");
	is_int(r->state, TL_TCP_TIME_WAIT, "state");
	is_int(r->lport, 8080, "local port in host order");
	is_int(r->rport, 51000, "remote port in host order");
	tl_sock_format_addr(r->family, r->local, r->lport, addr, sizeof(addr));
	is_str(addr, "10.1.2.3:8080", "IPv4 local address");
	tl_sock_format_addr(r->family, r->remote, r->rport, addr, sizeof(addr));
	is_str(addr, "10.9.8.7:51000", "IPv4 remote address");
	ok(r->inode == 123456 && r->uid == 1000 && r->rqueue == 5 && r->wqueue == 6 &&
	       r->timer == 3 && r->expires_ms == 59000 && r->ifindex == 2 && r->retrans == 1,
	   "inode, uid, queues, timer, interface");
	ok(!(r->flags & TL_SOCK_HAS_INFO), "no tcp_info when none was sent");
	tl_sock_format_addr(snap.socks[1].family, snap.socks[1].local, 8080, addr, sizeof(addr));
	is_str(addr, "[2001:db8::1]:8080", "IPv6 address in brackets");

	/* Data in one datagram, DONE in the next. */
	len = put_inet(buf, AF_INET, TL_TCP_LISTEN, 1)->nlmsg_len;
	is_int(feed(&snap, &ctx, buf, len), 1, "more expected before DONE");
	len = put_done(buf, 0);
	is_int(tl_diag_feed(&ctx, buf, len, SEQ, PORTID), 0, "DONE in a later datagram");
	is_int(snap.n, 1, "record kept across datagrams");

	/* tcp_info: full, short and long. */
	struct tcp_info ti;
	memset(&ti, 0, sizeof(ti));
	ti.tcpi_state = TL_TCP_ESTABLISHED;
	ti.tcpi_rtt = 1234;
	ti.tcpi_rttvar = 55;
	ti.tcpi_bytes_acked = 1ULL << 40;
	ti.tcpi_bytes_received = 777;
	ti.tcpi_segs_in = 9;
	ti.tcpi_segs_out = 10;
	ti.tcpi_last_data_sent = 11;
	ti.tcpi_last_data_recv = 12;
	ti.tcpi_bytes_sent = 300;
	ti.tcpi_bytes_retrans = 7;
	nlh = put_inet(buf, AF_INET, TL_TCP_ESTABLISHED, 1);
	put_attr(nlh, INET_DIAG_INFO, sizeof(ti), &ti);
	len = nlh->nlmsg_len;
	len += put_done(buf + len, 0);
	is_int(feed(&snap, &ctx, buf, len), 0, "record with tcp_info");
	r = &snap.socks[0];
	ok(r->flags & TL_SOCK_HAS_INFO, "tcp_info flagged");
	ok(r->info.rtt_us == 1234 && r->info.rttvar_us == 55 && r->info.bytes_acked == 1ULL << 40 &&
	       r->info.bytes_received == 777 && r->info.segs_in == 9 && r->info.segs_out == 10 &&
	       r->info.last_data_sent_ms == 11 && r->info.last_data_recv_ms == 12 &&
	       r->info.bytes_sent == 300 && r->info.bytes_retrans == 7,
	   "tcp_info fields");
	is_int(r->info.have, TL_INFO_RTT | TL_INFO_BYTES_ACKED | TL_INFO_BYTES_RECEIVED |
				     TL_INFO_SEGS | TL_INFO_LAST_DATA | TL_INFO_BYTES_SENT,
	       "all fields present");

	/* An old kernel's tcp_info ends before tcpi_bytes_acked. */
	size_t shortlen = offsetof(struct tcp_info, tcpi_bytes_acked);
	nlh = put_inet(buf, AF_INET, TL_TCP_ESTABLISHED, 1);
	put_attr(nlh, INET_DIAG_INFO, shortlen, &ti);
	len = nlh->nlmsg_len;
	len += put_done(buf + len, 0);
	is_int(feed(&snap, &ctx, buf, len), 0, "short tcp_info accepted");
	r = &snap.socks[0];
	ok((r->info.have & TL_INFO_RTT) && r->info.rtt_us == 1234, "short: rtt present");
	ok(!(r->info.have & (TL_INFO_BYTES_ACKED | TL_INFO_BYTES_RECEIVED | TL_INFO_SEGS |
			     TL_INFO_BYTES_SENT)) &&
	       r->info.bytes_acked == 0,
	   "short: later fields absent and zero");

	/* A newer kernel sends more than our headers know. */
	char longinfo[sizeof(ti) + 96];
	memset(longinfo, 0xab, sizeof(longinfo));
	memcpy(longinfo, &ti, sizeof(ti));
	nlh = put_inet(buf, AF_INET, TL_TCP_ESTABLISHED, 1);
	put_attr(nlh, INET_DIAG_INFO, sizeof(longinfo), longinfo);
	len = nlh->nlmsg_len;
	len += put_done(buf + len, 0);
	is_int(feed(&snap, &ctx, buf, len), 0, "long tcp_info accepted");
	ok(snap.socks[0].info.bytes_received == 777, "long: known fields intact");

	/* Tiny tcp_info: nothing usable, nothing read past it. */
	nlh = put_inet(buf, AF_INET, TL_TCP_ESTABLISHED, 1);
	put_attr(nlh, INET_DIAG_INFO, 3, "abc");
	len = nlh->nlmsg_len;
	len += put_done(buf + len, 0);
	is_int(feed(&snap, &ctx, buf, len), 0, "3-byte tcp_info accepted");
	is_int(snap.socks[0].info.have, 0, "3-byte tcp_info gives no fields");

	/* Unknown attributes are skipped. */
	nlh = put_inet(buf, AF_INET, TL_TCP_ESTABLISHED, 1);
	if (!mnl_attr_put_u32_check(nlh, room(nlh), 200, 7) ||
	    !mnl_attr_put_u64_check(nlh, room(nlh), INET_DIAG_MARK, 7))
		need(nlh, SIZE_MAX);
	len = nlh->nlmsg_len;
	len += put_done(buf + len, 0);
	is_int(feed(&snap, &ctx, buf, len), 0, "unknown attributes skipped");
	is_int(snap.n, 1, "record kept");

	/* Broken: message truncated mid-way. */
	len = put_inet(buf, AF_INET, TL_TCP_ESTABLISHED, 1)->nlmsg_len;
	is_int(feed(&snap, &ctx, buf, len - 10), -EBADMSG, "truncated datagram rejected");
	is_int(snap.n, 0, "no record from a truncated datagram");

	/* Broken: a length of 0xffffffff (libmnl's int cast accepts it and its
	 * iterator then never advances: found by the fuzzer). */
	len = put_inet(buf, AF_INET, TL_TCP_ESTABLISHED, 1)->nlmsg_len;
	nlh = (struct nlmsghdr *)(buf + len);
	memset(nlh, 0xff, 64);
	len += 64;
	is_int(feed(&snap, &ctx, buf, len), -EBADMSG, "nlmsg_len 0xffffffff rejected");
	/* Broken: trailing bytes too short for a header. */
	len = put_inet(buf, AF_INET, TL_TCP_ESTABLISHED, 1)->nlmsg_len;
	is_int(feed(&snap, &ctx, buf, len + 8), -EBADMSG, "trailing partial header rejected");

	/* Broken: payload shorter than inet_diag_msg. */
	nlh = put_inet(buf, AF_INET, TL_TCP_ESTABLISHED, 1);
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN + 16;
	len = nlh->nlmsg_len;
	len += put_done(buf + len, 0);
	is_int(feed(&snap, &ctx, buf, len), -EBADMSG, "short payload rejected");
	is_int(snap.n, 0, "no record from a short payload");

	/* Broken: attribute length runs past the message. */
	nlh = put_inet(buf, AF_INET, TL_TCP_ESTABLISHED, 1);
	put_attr(nlh, INET_DIAG_INFO, 16, &ti);
	((struct nlattr *)((char *)nlh + MNL_NLMSG_HDRLEN + sizeof(struct inet_diag_msg)))->nla_len = 200;
	len = nlh->nlmsg_len;
	len += put_done(buf + len, 0);
	is_int(feed(&snap, &ctx, buf, len), -EBADMSG, "attribute longer than message rejected");

	/* Broken: attribute length below its own header. */
	nlh = put_inet(buf, AF_INET, TL_TCP_ESTABLISHED, 1);
	put_attr(nlh, INET_DIAG_INFO, 16, &ti);
	((struct nlattr *)((char *)nlh + MNL_NLMSG_HDRLEN + sizeof(struct inet_diag_msg)))->nla_len = 2;
	len = nlh->nlmsg_len;
	len += put_done(buf + len, 0);
	is_int(feed(&snap, &ctx, buf, len), -EBADMSG, "attribute shorter than its header rejected");

	/* Broken: impossible state and family. */
	len = put_inet(buf, AF_INET, 13, 1)->nlmsg_len;
	is_int(feed(&snap, &ctx, buf, len), -EBADMSG, "state 13 rejected");
	len = put_inet(buf, AF_UNIX, TL_TCP_LISTEN, 1)->nlmsg_len;
	is_int(feed(&snap, &ctx, buf, len), -EBADMSG, "family AF_UNIX rejected in a TCP dump");

	/* Someone else's messages. */
	len = put_inet(buf, AF_INET, TL_TCP_LISTEN, 1)->nlmsg_len;
	tl_snapshot_clear(&snap);
	tl_diag_ctx_init(&ctx, TL_DIAG_TCP, &snap);
	is_int(tl_diag_feed(&ctx, buf, len, SEQ + 1, PORTID), -EPROTO, "wrong sequence rejected");
	tl_diag_ctx_init(&ctx, TL_DIAG_TCP, &snap);
	is_int(tl_diag_feed(&ctx, buf, len, SEQ, PORTID + 1), -ESRCH, "wrong port id rejected");

	/* Kernel errors. */
	len = put_error(buf, -ENOENT);
	is_int(feed(&snap, &ctx, buf, len), -ENOENT, "NLMSG_ERROR carries the errno");
	len = put_error(buf, 0);
	is_int(feed(&snap, &ctx, buf, len), 0, "an ACK ends the request");
	len = put_done(buf, -EMSGSIZE);
	is_int(feed(&snap, &ctx, buf, len), -EMSGSIZE, "a failed dump's DONE is an error");
	nlh = (struct nlmsghdr *)buf;
	len = put_error(buf, -ENOENT);
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN + 2;
	is_int(feed(&snap, &ctx, buf, nlh->nlmsg_len), -EBADMSG, "short NLMSG_ERROR rejected");

	/* The tables changed under the dump. */
	nlh = put_inet(buf, AF_INET, TL_TCP_LISTEN, 1);
	nlh->nlmsg_flags |= NLM_F_DUMP_INTR;
	len = nlh->nlmsg_len;
	is_int(feed(&snap, &ctx, buf, len), -EINTR, "NLM_F_DUMP_INTR reported");
	ok(ctx.interrupted, "interrupted flag set");

	/* Counting dumps check their own message sizes. */
	len = put_inet(buf, AF_INET, TL_TCP_CLOSE, 1)->nlmsg_len;
	len += put_done(buf + len, 0);
	tl_diag_ctx_init(&ctx, TL_DIAG_COUNT_INET, NULL);
	is_int(tl_diag_feed(&ctx, buf, len, SEQ, PORTID), 0, "inet count dump");
	is_int(ctx.count, 1, "one counted");
	nlh = put_inet(buf, AF_INET, TL_TCP_CLOSE, 1);
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN + sizeof(struct unix_diag_msg) - 1;
	tl_diag_ctx_init(&ctx, TL_DIAG_COUNT_UNIX, NULL);
	is_int(tl_diag_feed(&ctx, buf, nlh->nlmsg_len, SEQ, PORTID), -EBADMSG,
	       "short unix_diag_msg rejected");

	/* Feeding after an error keeps the error. */
	is_int(tl_diag_feed(&ctx, buf, 0, SEQ, PORTID), -EBADMSG, "errors are sticky");

	test_unaligned_end(&snap);
	test_requests();

	tl_snapshot_fini(&snap);
	return tap_done();
}
