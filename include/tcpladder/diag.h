/* diag: the sock_diag message parser (pure: bytes in, records out).
 *
 * The sampler receives buffers from the kernel and hands each to
 * tl_diag_feed(); tests and the fuzz target hand it recorded or broken
 * ones.  Every length is checked before it is read; unknown attributes
 * are skipped; a malformed message fails the whole dump (it is reported,
 * never turned into fewer sockets). */
#ifndef TCPLADDER_DIAG_H
#define TCPLADDER_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpladder/snapshot.h"

struct nlmsghdr;

enum tl_diag_kind {
	TL_DIAG_TCP,        /* parse inet_diag_msg records into ctx->snap */
	TL_DIAG_COUNT_INET, /* count inet_diag_msg records (UDP, RAW) */
	TL_DIAG_COUNT_UNIX, /* count unix_diag_msg records */
};

struct tl_diag_ctx {
	enum tl_diag_kind kind;
	struct tl_snapshot *snap; /* TL_DIAG_TCP only */
	long count;               /* records accepted */
	bool done;                /* NLMSG_DONE seen */
	bool interrupted;         /* NLM_F_DUMP_INTR seen: the dump must be redone */
	int error;                /* -errno from the kernel or the parser */
};

void tl_diag_ctx_init(struct tl_diag_ctx *ctx, enum tl_diag_kind kind, struct tl_snapshot *snap);

/* Feed one received datagram.  Returns 1 when more is expected, 0 when
 * the dump is finished (ctx->done), or -errno (also left in ctx->error):
 * -EBADMSG malformed, -ESRCH/-EPROTO wrong sequence or port id, or the
 * kernel's error. */
int tl_diag_feed(struct tl_diag_ctx *ctx, const void *buf, size_t len, uint32_t seq,
		 uint32_t portid);

/* Every inet record of a datagram that is not a dump reply (destroy
 * events, an exact lookup's answer): cb is called for each; a non-zero
 * return stops the walk and is returned.  Returns the number of records,
 * or -EBADMSG for malformed data. */
int tl_diag_each(const void *buf, size_t len, int (*cb)(const struct tl_sock *, void *), void *arg);

/* One SOCK_DIAG_BY_FAMILY inet message into a record: 0 or -EBADMSG. */
int tl_diag_parse_inet(const struct nlmsghdr *nlh, struct tl_sock *out);

/* Copy a kernel tcp_info of any length; fields beyond len stay unset
 * (their TL_INFO_* bit clear). */
void tl_diag_parse_tcpinfo(const void *data, size_t len, struct tl_tcpinfo *out);

/* Requests.  The size in bytes of a request carrying reqlen bytes of
 * request header and, when code_len is not 0, an INET_DIAG_REQ_BYTECODE
 * attribute of code_len bytes: 0, or -EMSGSIZE when either cannot be
 * expressed (an attribute's length is 16 bits, its header included, so
 * a program holds at most 65531 bytes). */
int tl_diag_request_size(size_t reqlen, size_t code_len, size_t *size);
/* Build that request in buf (size bytes): the header with type, flags and
 * seq, a copy of req, and the bytecode attribute when code is not NULL.
 * NULL, and the message unusable, when it does not fit in size. */
struct nlmsghdr *tl_diag_request_put(void *buf, size_t size, uint16_t type, uint16_t flags,
				     uint32_t seq, const void *req, size_t reqlen, const void *code,
				     size_t code_len);

#endif
