/* record: recordings written and read (see record.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tcpladder/record.h"
#include "tcpladder/sysio.h"
#include "tcpladder/util.h"

/* A block is written once it holds this much, or this long after it began:
 * a crash loses at most a second, and a block stays small to read. */
#define BLOCK_BYTES (1u << 20)
#define BLOCK_NS 1000000000ULL

struct key_due {
	uint64_t at;
	bool have;
};

struct tl_recorder {
	int fd;
	char *path;
	struct tl_recenc enc;
	struct tl_buf ops, blk; /* the block's raw bytes, then compressed */
	uint64_t block_began;
	bool block_open;
	struct key_due *key;
	size_t n_key;
	uint64_t written; /* whole blocks on disk */
	char *notice;
};

/* A write failed: the recording stops here, and what was written whole
 * stays readable (a part of a block is cut off where it can be). */
static void fail(struct tl_recorder *r, int err)
{
	if (r->fd < 0)
		return;
	if (ftruncate(r->fd, (off_t)r->written) == 0)
		(void)fsync(r->fd);
	close(r->fd);
	r->fd = -1;
	char *safe = tl_text_safe(r->path, 200);
	r->notice = tl_asprintf("recording to '%s' stopped: %s (%llu bytes kept, readable)", safe,
				strerror(-err), (unsigned long long)r->written);
	free(safe);
	tl_buf_reset(&r->ops);
}

struct tl_recorder *tl_recorder_open(const char *path, char **cause)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		char *safe = tl_text_safe(path, 200);
		*cause = tl_asprintf("cannot record to '%s': %s", safe, strerror(errno));
		free(safe);
		return NULL;
	}
	uint8_t head[TL_REC_HEADER_LEN];
	tl_recfmt_header(head);
	int err = tl_write_all(fd, head, sizeof(head));
	if (err < 0) {
		char *safe = tl_text_safe(path, 200);
		*cause = tl_asprintf("cannot record to '%s': %s", safe, strerror(-err));
		free(safe);
		close(fd);
		return NULL;
	}
	struct tl_recorder *r = tl_calloc(1, sizeof(*r));
	r->fd = fd;
	r->path = tl_strdup(path);
	r->written = sizeof(head);
	tl_recenc_init(&r->enc);
	tl_buf_init(&r->ops);
	tl_buf_init(&r->blk);
	return r;
}

static void write_block(struct tl_recorder *r)
{
	r->block_open = false;
	if (r->fd < 0 || !tl_recenc_pending(&r->enc))
		return;
	tl_buf_reset(&r->blk);
	tl_buf_reset(&r->ops);
	tl_recenc_take(&r->enc, &r->ops);
	int err = tl_recfmt_block(&r->blk, TL_RBLK_OPS, r->ops.data, r->ops.len);
	tl_buf_reset(&r->ops);
	if (err == 0)
		err = tl_write_all(r->fd, r->blk.data, r->blk.len);
	if (err < 0) {
		fail(r, err);
		return;
	}
	r->written += r->blk.len;
	/* big buffers after a burst are not kept */
	if (r->blk.cap > 4 * BLOCK_BYTES) {
		tl_buf_fini(&r->blk);
		tl_buf_init(&r->blk);
	}
}

void tl_recorder_free(struct tl_recorder *r)
{
	if (!r)
		return;
	write_block(r);
	if (r->fd >= 0) {
		if (fsync(r->fd) < 0 && errno != EINVAL)
			fail(r, -errno);
		else
			close(r->fd);
	}
	tl_recenc_fini(&r->enc);
	tl_buf_fini(&r->ops);
	tl_buf_fini(&r->blk);
	free(r->key);
	free(r->path);
	free(r->notice);
	free(r);
}

void tl_recorder_op(struct tl_recorder *r, const struct tl_rop *op, uint64_t now)
{
	if (!r || r->fd < 0)
		return;
	if (!r->block_open) {
		r->block_open = true;
		r->block_began = now;
	}
	struct tl_rop o = *op;
	if (o.kind == TL_ROP_SAMPLE) {
		if (o.ns >= r->n_key) {
			r->key = tl_reallocarray(r->key, o.ns + 1, sizeof(*r->key));
			memset(r->key + r->n_key, 0, (o.ns + 1 - r->n_key) * sizeof(*r->key));
			r->n_key = o.ns + 1;
		}
		struct key_due *k = &r->key[o.ns];
		o.key = !k->have || now >= k->at;
		if (o.key) {
			k->have = true;
			k->at = now + TL_REC_KEY_NS;
		}
	}
	tl_recenc_op(&r->enc, &o);
}

void tl_recorder_step_end(struct tl_recorder *r, uint64_t now)
{
	if (!r || !r->block_open)
		return;
	if (tl_recenc_pending(&r->enc) >= BLOCK_BYTES || now - r->block_began >= BLOCK_NS)
		write_block(r);
}

bool tl_recorder_active(const struct tl_recorder *r)
{
	return r && r->fd >= 0;
}

char *tl_recorder_take_notice(struct tl_recorder *r)
{
	if (!r)
		return NULL;
	char *n = r->notice;
	r->notice = NULL;
	return n;
}

uint64_t tl_recorder_bytes(const struct tl_recorder *r)
{
	return r ? r->written : 0;
}

/* ---- the player ---- */

struct tl_player {
	FILE *f;
	char *path;
	uint64_t off; /* where the next block begins */
	struct tl_recdec dec;
	uint8_t *raw;
	size_t raw_len;
	uint64_t raw_off; /* where the block being read began */
	struct tl_rop op;
	bool peeked, ended;
	char *notice;
};

static void damaged(struct tl_player *p, uint64_t off, const char *why)
{
	char *safe = tl_text_safe(p->path, 200);
	free(p->notice);
	p->notice = tl_asprintf("%s: damaged at byte %llu: %s; replayed what came before", safe,
				(unsigned long long)off, why);
	free(safe);
	p->ended = true;
}

struct tl_player *tl_player_open(const char *path, char **cause)
{
	FILE *f = fopen(path, "rbe");
	char *safe = tl_text_safe(path, 200);
	if (!f) {
		*cause = tl_asprintf("cannot replay '%s': %s", safe, strerror(errno));
		free(safe);
		return NULL;
	}
	uint8_t head[TL_REC_HEADER_LEN];
	size_t n = fread(head, 1, sizeof(head), f);
	const char *why = NULL;
	int version = tl_recfmt_header_check(head, n, &why);
	if (version < 0) {
		*cause = tl_asprintf("cannot replay '%s': at byte 0: %s", safe, why);
		free(safe);
		fclose(f);
		return NULL;
	}
	free(safe);
	struct tl_player *p = tl_calloc(1, sizeof(*p));
	p->f = f;
	p->path = tl_strdup(path);
	p->off = TL_REC_HEADER_LEN;
	tl_recdec_init(&p->dec);
	p->dec.version = (unsigned)version;
	return p;
}

void tl_player_free(struct tl_player *p)
{
	if (!p)
		return;
	if (p->f)
		fclose(p->f);
	tl_recdec_fini(&p->dec);
	free(p->raw);
	free(p->path);
	free(p->notice);
	free(p);
}

/* The next block into p->raw: 1, or 0 at the end or at damage. */
static int next_block(struct tl_player *p)
{
	uint8_t head[TL_REC_BLOCK_HEAD];
	const char *why = NULL;
	free(p->raw);
	p->raw = NULL;
	p->raw_len = 0;
	size_t n = fread(head, 1, sizeof(head), p->f);
	if (n == 0 && !ferror(p->f))
		return 0;
	if (ferror(p->f)) {
		damaged(p, p->off, strerror(errno ? errno : EIO));
		return 0;
	}
	uint32_t zlen = (uint32_t)head[8] | (uint32_t)head[9] << 8 | (uint32_t)head[10] << 16 |
			(uint32_t)head[11] << 24;
	size_t want = n == sizeof(head) && zlen <= TL_REC_BLOCK_MAX ? zlen : 0;
	uint8_t *blk = tl_malloc(sizeof(head) + want);
	memcpy(blk, head, n);
	size_t got = n == sizeof(head) ? fread(blk + n, 1, want, p->f) : 0;
	uint8_t type;
	size_t used;
	int r = tl_recfmt_unblock(blk, n + got, &type, &p->raw, &p->raw_len, &used, &why);
	free(blk);
	if (r <= 0) {
		damaged(p, p->off, r == 0 ? "a block header is cut short" : why);
		return 0;
	}
	if (tl_recdec_block(&p->dec, p->raw, p->raw_len, &why) < 0) {
		damaged(p, p->off, why);
		return 0;
	}
	p->raw_off = p->off;
	p->off += used;
	return 1;
}

static int read_op(struct tl_player *p)
{
	const char *why = NULL;
	while (!p->ended) {
		if (p->raw) {
			int r = tl_recdec_op(&p->dec, &p->op, &why);
			if (r > 0)
				return 1;
			if (r < 0) {
				/* the offset of the block; its raw bytes are compressed */
				damaged(p, p->raw_off, why);
				return 0;
			}
		}
		if (!next_block(p)) {
			p->ended = true;
			return 0;
		}
	}
	return 0;
}

int tl_player_peek(struct tl_player *p, const struct tl_rop **op)
{
	if (!p->peeked) {
		if (!read_op(p))
			return 0;
		p->peeked = true;
	}
	*op = &p->op;
	return 1;
}

int tl_player_next(struct tl_player *p, struct tl_rop *op)
{
	const struct tl_rop *o;
	if (!tl_player_peek(p, &o))
		return 0;
	*op = *o;
	p->peeked = false;
	return 1;
}

char *tl_player_take_notice(struct tl_player *p)
{
	char *n = p->notice;
	p->notice = NULL;
	return n;
}
