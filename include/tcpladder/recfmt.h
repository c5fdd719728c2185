/* recfmt: the recording format (--record, --replay), as pure encoding and
 * decoding: no files, no clock.  A recording is what the sources handed
 * the tracker, in the order they did, so that replaying it through the
 * same core gives the same events.
 *
 * A file is a 16-byte header, then blocks:
 *
 *   header  "TCPLREC\n" | version u16 LE | 0 u16 | 0 u32
 *   block   type u8 | 0 u8 | 0 u16 | raw length u32 LE | stored length u32 LE
 *           | CRC-32 u32 LE (of the 12 bytes before it and the stored bytes)
 *           | stored bytes (zlib's deflate stream of the raw bytes)
 *
 * A block's raw bytes are a sequence of operations (struct tl_rop), each
 * an op byte and its fields as LEB128 varints (doubles as 8 bytes LE).
 * Samples are key frames (every socket) or changes against the
 * namespace's previous sample: runs of unchanged sockets copied by index,
 * changed ones as the fields that differ, new ones whole.  An exact-mode
 * record is the fields that differ from the last record of its cookie (or
 * of any cookie when that one is not remembered).  Decoding keeps the
 * previous sample of each namespace and the records remembered, so blocks
 * are read in order.
 *
 * Nothing is trusted on decoding: a bad length, checksum, op, index or
 * count is an error with its reason, and what came before stays valid. */
#ifndef TCPLADDER_RECFMT_H
#define TCPLADDER_RECFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpladder/exact.h"
#include "tcpladder/ownercache.h"
#include "tcpladder/relay.h"
#include "tcpladder/snapshot.h"
#include "tcpladder/util.h"

#define TL_REC_MAGIC "TCPLREC\n"
/* 2: an exact-mode record is its changes against the last record of its
 * cookie (1: every record whole; still read). */
#define TL_REC_VERSION 3
#define TL_REC_HEADER_LEN 16
#define TL_REC_BLOCK_HEAD 16
/* A block's raw and stored bytes at most (a sample of 400k sockets). */
#define TL_REC_BLOCK_MAX (64u << 20)
/* Exact-mode records remembered by cookie (a slot each, by hash) to code
 * the next record of the cookie against: part of format 2. */
#define TL_REC_XSLOT_BITS 13
#define TL_REC_XSLOTS (1u << TL_REC_XSLOT_BITS)
#define TL_REC_LSLOT_BITS 12
#define TL_REC_LSLOTS (1u << TL_REC_LSLOT_BITS)
/* Namespaces a recording may name. */
#define TL_REC_NS_MAX 4096
#define TL_REC_STREAMS 119 /* format 3 (recfmtint.h) */
#define TL_REC_NAME_MAX 256

enum tl_rec_block {
	TL_RBLK_OPS = 1,
};

enum tl_rop_kind {
	TL_ROP_STEP = 1, /* a step of the engine begins: now, wall */
	TL_ROP_NS,       /* a namespace watched from now on: name (index = count so far) */
	TL_ROP_NS_DROP,  /* ns no longer watched */
	TL_ROP_SAMPLE,   /* a dump of ns: snap (key: every socket) */
	TL_ROP_DESTROY,  /* a destroy event in ns: sock */
	TL_ROP_LOOKUP,   /* an exact lookup's answer: ns, cookie, found, sock */
	TL_ROP_OBSERVE,  /* an exact-mode record in ns: x */
	TL_ROP_HOLD,     /* cookie held while a dump is applied */
	TL_ROP_RELEASE,  /* the holds end */
	TL_ROP_PENDING,  /* the tracker was asked for up to arg lookups */
	TL_ROP_EXPIRE,   /* the tracker expired tombstones (at the step's now) */
	TL_ROP_ROUND,    /* a round of dumps ended: cost, wall, interval, sockets, exact mode */
	TL_ROP_OWNER,    /* a socket's owner was learnt: arg (inode), owner */
	TL_ROP_SEG,      /* a segment crossed the lab's link: seg */
	TL_ROP_RUN,      /* the lab's run: arg (client port), scenario */
	TL_ROP_LOST,     /* exact mode's lost records, so far: exact_lost (format 2) */
	TL_ROP_N
};

/* A segment of the lab's link (the shell's struct tl_demo_seg). */
struct tl_rec_seg {
	uint64_t mono_ns;
	double wall;
	uint8_t from;
	uint8_t flags; /* TL_RSEG_* */
	uint64_t stale_ns;
	struct tl_pkt pkt;
};
enum {
	TL_RSEG_DROPPED = 1 << 0,
	TL_RSEG_KEPT = 1 << 1,
	TL_RSEG_HELD = 1 << 2,
	TL_RSEG_RESENT = 1 << 3,
	TL_RSEG_RELEASED = 1 << 4,
	TL_RSEG_ANSWER = 1 << 5, /* resent as an answer (older readers ignore it) */
};

/* One operation.  Only the fields of its kind are meaningful. */
struct tl_rop {
	uint8_t kind; /* enum tl_rop_kind */
	bool key;     /* TL_ROP_SAMPLE: a key frame */
	bool found;   /* TL_ROP_LOOKUP */
	uint32_t ns;
	uint64_t now; /* TL_ROP_STEP */
	double wall;  /* TL_ROP_STEP */
	uint64_t cookie;
	uint32_t arg;
	int32_t scenario;               /* TL_ROP_RUN */
	uint64_t cost_ns, wall_ns;      /* TL_ROP_ROUND */
	uint64_t interval_ns, sockets;  /* TL_ROP_ROUND */
	uint64_t exact_lost;            /* TL_ROP_ROUND, TL_ROP_LOST: exact mode's lost records */
	bool exact;                     /* TL_ROP_ROUND: exact mode runs */
	char name[TL_REC_NAME_MAX];     /* TL_ROP_NS */
	const struct tl_snapshot *snap; /* TL_ROP_SAMPLE (decoded: the decoder's, valid until the
					   next op of that namespace) */
	struct tl_sock sock;            /* TL_ROP_DESTROY, TL_ROP_LOOKUP */
	struct tl_exact_rec x;          /* TL_ROP_OBSERVE */
	struct tl_owner owner;          /* TL_ROP_OWNER */
	struct tl_rec_seg seg;          /* TL_ROP_SEG */
};

/* The encoder keeps each namespace's last sample to encode the next as
 * changes; the decoder keeps them to rebuild. */
struct tl_rec_ns {
	struct tl_snapshot prev;
	bool have;
};

/* The exact-mode records the next one is coded against (format 2): the
 * last one, and the last of each cookie in its hash slot (allocated at the
 * first record; a slot of another cookie is not used). */
struct tl_rec_xstate {
	struct tl_exact_rec last;
	struct tl_sock gone;       /* the last destroy event's socket */
	uint32_t inode;            /* the last record's socket inode but 0 */
	struct tl_exact_rec *slot; /* TL_REC_XSLOTS */
	uint16_t *port;            /* TL_REC_XSLOTS: the slot's last local port but 0 */
	struct tl_sock *found;     /* TL_REC_LSLOTS: lookups' answers, by cookie (format 3) */
	struct tl_sock answer;     /* the last lookup's answer */
};

struct tl_recenc {
	struct tl_rec_ns *ns;
	size_t n_ns;
	struct tl_rec_xstate x;
	uint32_t *idx_tab; /* scratch: prev index by cookie (open addressing) */
	size_t idx_cap;
	struct tl_buf st[TL_REC_STREAMS]; /* the block being made */
	uint64_t step;                    /* the last step's time */
	uint64_t wall;                    /* the last step's unix time, as a double's bits */
	uint64_t hold;                    /* the last held cookie */
};

/* A stream of a block being read. */
struct tl_rec_cursor {
	const uint8_t *p;
	size_t n, pos;
};

struct tl_recdec {
	unsigned version; /* the file's (TL_REC_VERSION unless told) */
	struct tl_rec_ns *ns;
	size_t n_ns;
	struct tl_rec_xstate x;
	struct tl_snapshot cur;                  /* the sample being rebuilt */
	struct tl_rec_cursor in[TL_REC_STREAMS]; /* the block being read */
	uint64_t step, wall, hold;               /* as struct tl_recenc's */
};

void tl_recenc_init(struct tl_recenc *e);
void tl_recenc_fini(struct tl_recenc *e);
/* Adds op to the block being made.  A sample is encoded as a key frame
 * when op->key or when its namespace has none before. */
void tl_recenc_op(struct tl_recenc *e, const struct tl_rop *op);
/* The raw bytes of the block being made, so far. */
size_t tl_recenc_pending(const struct tl_recenc *e);
/* The block being made, as raw bytes appended to out (the count of its
 * streams, their lengths, the streams); the next op begins another. */
void tl_recenc_take(struct tl_recenc *e, struct tl_buf *out);

/* A decoder of the format's current version; set d->version to the
 * file's (tl_recfmt_header_check()) before the first op. */
void tl_recdec_init(struct tl_recdec *d);
void tl_recdec_fini(struct tl_recdec *d);
/* A block's raw bytes (kept by the caller until its last op is read): 0,
 * or -EINVAL with *why (static) when its streams do not add up. */
int tl_recdec_block(struct tl_recdec *d, const uint8_t *p, size_t n, const char **why);
/* The block's next op: 1 and *op filled, 0 at its end, or -EINVAL with
 * *why (static) on bad data. */
int tl_recdec_op(struct tl_recdec *d, struct tl_rop *op, const char **why);

/* The file header. */
void tl_recfmt_header(uint8_t out[TL_REC_HEADER_LEN]);
/* The file's version (1 to TL_REC_VERSION), or -EINVAL with *why
 * (static): not a recording, or -ENOTSUP: a newer version. */
int tl_recfmt_header_check(const uint8_t *p, size_t n, const char **why);
/* raw as a block (compressed, framed) appended to out: 0, or -EINVAL
 * when too big, -ENOMEM when zlib fails. */
int tl_recfmt_block(struct tl_buf *out, uint8_t type, const void *raw, size_t len);
/* The block at p (n bytes available): 1 with *type, *raw (malloc'd, the
 * caller frees), *raw_len and *used; 0 when n is 0 (the end); -EINVAL
 * with *why (static) for a bad or cut block. */
int tl_recfmt_unblock(const uint8_t *p, size_t n, uint8_t *type, uint8_t **raw, size_t *raw_len,
		      size_t *used, const char **why);

#endif
