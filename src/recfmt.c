/* recfmt: the recording format's encoder and framing (see recfmt.h); the
 * numbers both ends share are recvec.c, the decoder recdec.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "tcpladder/recfmt.h"
#include "tcpladder/recfmtint.h"

/* ---- primitive encoding ---- */

static void put_var(struct tl_buf *b, uint64_t v)
{
	char tmp[10];
	size_t n = 0;
	do {
		uint8_t c = v & 0x7f;
		v >>= 7;
		tmp[n++] = (char)(c | (v ? 0x80 : 0));
	} while (v);
	tl_buf_add(b, tmp, n);
}

/* A number to stream st of the block being made. */
static void put(struct tl_recenc *e, int st, uint64_t v)
{
	put_var(&e->st[st], v);
}

static uint64_t zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static void put_double(struct tl_recenc *e, double d)
{
	uint64_t v;
	char tmp[8];
	memcpy(&v, &d, sizeof(v));
	for (int i = 0; i < 8; i++)
		tmp[i] = (char)(v >> (8 * i));
	tl_buf_add(&e->st[ST_WALL], tmp, 8);
}

static void put_str(struct tl_recenc *e, int st, const char *s, size_t max)
{
	size_t n = strnlen(s, max);
	put(e, st, n);
	tl_buf_add(&e->st[st], s, n);
}

/* v told against r (n numbers): a mask of those that differ (to stream
 * mst), then each (to stream vst, or vst + its index when by_number) as 0
 * when it is 0 (a port or inode a socket lost), else its zigzag
 * difference (never 0, since they differ). */
static void put_delta(struct tl_recenc *e, int mst, int vst, bool by_number, const uint64_t *v,
		      const uint64_t *r, int n)
{
	uint64_t mask = 0;
	for (int k = 0; k < n; k++)
		if (v[k] != r[k])
			mask |= 1ULL << k;
	put(e, mst, mask);
	for (int k = 0; k < n; k++)
		if (mask & (1ULL << k))
			put(e, vst + (by_number ? k : 0),
			    v[k] ? zigzag((int64_t)(v[k] - r[k])) : 0);
}

/* ---- the encoder ---- */

void tl_recenc_init(struct tl_recenc *e)
{
	memset(e, 0, sizeof(*e));
	for (int i = 0; i < ST_N; i++)
		tl_buf_init(&e->st[i]);
}

void tl_recenc_fini(struct tl_recenc *e)
{
	for (size_t i = 0; i < e->n_ns; i++)
		tl_snapshot_fini(&e->ns[i].prev);
	free(e->ns);
	free(e->idx_tab);
	tl_recfmt_xfini(&e->x);
	for (int i = 0; i < ST_N; i++)
		tl_buf_fini(&e->st[i]);
	memset(e, 0, sizeof(*e));
}

struct tl_rec_ns *tl_recfmt_ns(struct tl_rec_ns **arr, size_t *n, uint32_t ns)
{
	if (ns >= *n) {
		*arr = tl_reallocarray(*arr, ns + 1, sizeof(**arr));
		memset(*arr + *n, 0, (ns + 1 - *n) * sizeof(**arr));
		for (size_t i = *n; i <= ns; i++)
			tl_snapshot_init(&(*arr)[i].prev);
		*n = ns + 1;
	}
	return &(*arr)[ns];
}

static uint64_t ref_ms(const struct tl_snapshot *s)
{
	return s->mono_ns / 1000000ULL;
}

static size_t hash_slot(uint64_t cookie, size_t cap)
{
	return (size_t)((cookie * 0x9e3779b97f4a7c15ULL) >> 20) & (cap - 1);
}

/* prev's indices by cookie, in e->idx_tab (UINT32_MAX: empty). */
static void index_prev(struct tl_recenc *e, const struct tl_snapshot *prev)
{
	size_t cap = 64;
	while (cap < prev->n * 2)
		cap <<= 1;
	if (cap != e->idx_cap) {
		free(e->idx_tab);
		e->idx_tab = tl_calloc(cap, sizeof(*e->idx_tab));
		e->idx_cap = cap;
	}
	memset(e->idx_tab, 0xff, cap * sizeof(*e->idx_tab));
	for (size_t i = 0; i < prev->n; i++) {
		size_t h = hash_slot(prev->socks[i].cookie, cap);
		while (e->idx_tab[h] != UINT32_MAX)
			h = (h + 1) & (cap - 1);
		e->idx_tab[h] = (uint32_t)i;
	}
}

static bool find_prev(const struct tl_recenc *e, const struct tl_snapshot *prev, uint64_t cookie,
		      size_t *out)
{
	size_t h = hash_slot(cookie, e->idx_cap);
	while (e->idx_tab[h] != UINT32_MAX) {
		if (prev->socks[e->idx_tab[h]].cookie == cookie) {
			*out = e->idx_tab[h];
			return true;
		}
		h = (h + 1) & (e->idx_cap - 1);
	}
	return false;
}

static void flush_copy(struct tl_recenc *e, size_t *run_start, size_t *run_len, size_t *expect)
{
	if (!*run_len)
		return;
	put(e, ST_S_CODE, S_COPY);
	put(e, ST_S_POS, zigzag((int64_t)*run_start - (int64_t)*expect));
	put(e, ST_S_RUN, *run_len);
	*expect = *run_start + *run_len;
	*run_len = 0;
}

static void enc_sample(struct tl_recenc *e, const struct tl_rop *op)
{
	const struct tl_snapshot *s = op->snap;
	struct tl_rec_ns *ns = tl_recfmt_ns(&e->ns, &e->n_ns, op->ns);
	bool key = op->key || !ns->have;
	const struct tl_snapshot *prev = &ns->prev;
	uint64_t ref = ref_ms(s), pref = ref_ms(prev);

	put(e, ST_OP, key);
	put(e, ST_OP, s->mono_ns);
	put(e, ST_OP, s->dump_ns);
	put_double(e, s->wall);
	put(e, ST_OP, s->complete);
	put(e, ST_OP, zigzag(s->error));
	for (int i = 0; i < TL_OTHER_N; i++)
		put(e, ST_OP, zigzag(s->other[i]));
	put(e, ST_OP, s->n);
	/* a new socket is told against the one before it in the sample (format 2):
	 * a dump lists alike sockets together */
	uint64_t lit[NF] = {0}, f0[NF];
	if (key) {
		for (size_t i = 0; i < s->n; i++) {
			tl_recfmt_to_fields(&s->socks[i], ref, f0);
			put_delta(e, ST_S_MASK, ST_S_VAL, true, f0, lit, NF);
			memcpy(lit, f0, sizeof(lit));
		}
	} else {
		size_t run_start = 0, run_len = 0, expect = 0;
		/* a dump may list a socket twice (it is not atomic): each earlier
		 * socket is referred to once, as the decoder demands */
		uint8_t *used = tl_calloc(prev->n ? prev->n : 1, 1);
		struct tl_rec_refs at = {ref, ref};
		index_prev(e, prev);
		for (size_t i = 0; i < s->n; i++) {
			size_t j;
			uint64_t f[NF], g[NF];
			if (!find_prev(e, prev, s->socks[i].cookie, &j) || used[j]) {
				flush_copy(e, &run_start, &run_len, &expect);
				put(e, ST_S_CODE, S_LIT);
				tl_recfmt_to_fields(&s->socks[i], ref, f0);
				put_delta(e, ST_S_MASK, ST_S_VAL, true, f0, lit, NF);
				memcpy(lit, f0, sizeof(lit));
				continue;
			}
			used[j] = 1;
			tl_recfmt_to_fields_at(&s->socks[i], at, f);
			tl_recfmt_to_fields(&prev->socks[j], pref, g);
			tl_recfmt_refs_follow(&at, pref, &s->socks[i], &prev->socks[j]);
			if (!memcmp(f, g, sizeof(f))) {
				if (run_len && j == run_start + run_len) {
					run_len++;
				} else {
					flush_copy(e, &run_start, &run_len, &expect);
					run_start = j;
					run_len = 1;
				}
				continue;
			}
			flush_copy(e, &run_start, &run_len, &expect);
			put(e, ST_S_CODE, S_DIFF);
			put(e, ST_S_POS, zigzag((int64_t)j - (int64_t)expect));
			expect = j + 1;
			uint64_t mask = 0;
			for (int k = 0; k < NF; k++)
				if (f[k] != g[k])
					mask |= 1ULL << k;
			put(e, ST_S_MASK, mask);
			for (int k = 0; k < NF; k++)
				if (mask & (1ULL << k))
					put(e, ST_S_VAL + k, zigzag((int64_t)(f[k] - g[k])));
		}
		flush_copy(e, &run_start, &run_len, &expect);
		free(used);
	}
	/* the next sample is told against this one */
	tl_snapshot_clear(&ns->prev);
	for (size_t i = 0; i < s->n; i++)
		*tl_snapshot_add(&ns->prev) = s->socks[i];
	ns->prev.mono_ns = s->mono_ns;
	ns->have = true;
}

/* A time difference in ns (signed, modulo 2^64): a whole number of
 * microseconds as twice its zigzag, else as twice the zigzag of the
 * microseconds, plus 1, then the zigzag of the ns left over. */
static void put_ns(struct tl_recenc *e, int st, uint64_t d)
{
	int64_t v = (int64_t)d, us = v / 1000, rest = v % 1000;
	put(e, st, zigzag(us) << 1 | (rest != 0));
	if (rest)
		put(e, st, zigzag(rest));
}

/* The time and cookie against the last record's, then the fields that
 * differ from the record told against (the cookie's last, or the last),
 * then the process's name unless it is that record's.  What is remembered
 * is the record as the decoder rebuilds it, with the process of the record
 * told against when this one names none. */
static void enc_exact(struct tl_recenc *e, const struct tl_exact_rec *x)
{
	struct tl_rec_xstate *st = &e->x;
	const struct tl_exact_rec *ref = tl_recfmt_xref(st, x->sock.cookie);
	uint64_t v[NX], r[NX];
	struct tl_exact_rec norm;
	bool task = x->flags & TL_EXACT_TASK;

	tl_recfmt_x_to_vec(x, v);
	tl_recfmt_xref_vec(st, ref, r);
	if (!task)
		v[X_PID] = r[X_PID];
	put_ns(e, ST_X_TIME, x->mono_ns - st->last.mono_ns);
	put(e, ST_X_COOKIE, zigzag((int64_t)(x->sock.cookie - st->last.sock.cookie)));
	put_delta(e, ST_X_MASK, ST_X_VAL, true, v, r, NX);
	memset(&norm, 0, sizeof(norm));
	tl_recfmt_x_from_vec(v, &norm);
	norm.mono_ns = x->mono_ns;
	norm.sock.cookie = x->sock.cookie;
	if (task) {
		size_t n = strnlen(x->comm, sizeof(x->comm) - 1);
		memcpy(norm.comm, x->comm, n);
		if (!memcmp(norm.comm, ref->comm, sizeof(norm.comm))) {
			put(e, ST_X_NAME, 0);
		} else {
			put(e, ST_X_NAME, n + 1);
			tl_buf_add(&e->st[ST_X_NAME], norm.comm, n);
		}
	} else {
		memcpy(norm.comm, ref->comm, sizeof(norm.comm));
	}
	tl_recfmt_xkeep(st, &norm);
}

/* The cookie against the last destroyed socket's, the other fields told
 * against the cookie's last exact-mode record, or the last destroyed
 * socket when none is remembered. */
static void enc_destroy(struct tl_recenc *e, const struct tl_sock *s)
{
	uint64_t f[NF], g[NF];
	struct tl_sock ref;
	tl_recfmt_dref(&e->x, s->cookie, &ref);
	tl_recfmt_to_fields(s, 0, f);
	tl_recfmt_to_fields(&ref, 0, g);
	put(e, ST_D_COOKIE, zigzag((int64_t)(s->cookie - e->x.gone.cookie)));
	put_delta(e, ST_D_MASK, ST_D_VAL, false, f + 1, g + 1, NF - 1);
	/* as the decoder rebuilds it */
	tl_recfmt_from_fields(f, 0, &e->x.gone);
}

/* A lookup's answer: told against the last answer about the cookie asked
 * about, or the last answer (cookie included). */
static void enc_answer(struct tl_recenc *e, uint64_t cookie, const struct tl_sock *s)
{
	uint64_t f[NF], g[NF];
	tl_recfmt_to_fields(s, 0, f);
	tl_recfmt_to_fields(tl_recfmt_lref(&e->x, cookie), 0, g);
	put_delta(e, ST_L_MASK, ST_L_VAL, true, f, g, NF);
	/* as the decoder rebuilds it */
	struct tl_sock norm;
	tl_recfmt_from_fields(f, 0, &norm);
	tl_recfmt_lkeep(&e->x, &norm);
}

void tl_recenc_op(struct tl_recenc *e, const struct tl_rop *op)
{
	put(e, ST_OP, op->kind);
	switch (op->kind) {
	case TL_ROP_STEP: {
		/* the unix time against the last step's moved on by as much */
		uint64_t bits;
		memcpy(&bits, &op->wall, sizeof(bits));
		put(e, ST_WALL,
		    zigzag((int64_t)(bits - tl_recfmt_wall_guess(e->wall, op->now - e->step))));
		put_ns(e, ST_STEP, op->now - e->step);
		e->step = op->now;
		e->wall = bits;
		break;
	}
	case TL_ROP_NS:
		put_str(e, ST_OP, op->name, sizeof(op->name));
		break;
	case TL_ROP_NS_DROP:
		put(e, ST_OP, op->ns);
		break;
	case TL_ROP_SAMPLE:
		put(e, ST_OP, op->ns);
		enc_sample(e, op);
		break;
	case TL_ROP_DESTROY:
		put(e, ST_OP, op->ns);
		enc_destroy(e, &op->sock);
		break;
	case TL_ROP_LOOKUP:
		put(e, ST_OP, op->ns);
		put(e, ST_LOOKUP, zigzag((int64_t)(op->cookie - e->x.answer.cookie)));
		put(e, ST_LOOKUP, op->found);
		if (op->found)
			enc_answer(e, op->cookie, &op->sock);
		break;
	case TL_ROP_OBSERVE:
		put(e, ST_OP, op->ns);
		enc_exact(e, &op->x);
		break;
	case TL_ROP_HOLD:
		put(e, ST_HOLD, zigzag((int64_t)(op->cookie - e->hold)));
		e->hold = op->cookie;
		break;
	case TL_ROP_PENDING:
		put(e, ST_OP, op->arg);
		break;
	case TL_ROP_ROUND:
		put(e, ST_OP, op->cost_ns);
		put(e, ST_OP, op->wall_ns);
		put(e, ST_OP, op->interval_ns);
		put(e, ST_OP, op->sockets);
		put(e, ST_OP, op->exact);
		put(e, ST_OP, op->exact_lost);
		break;
	case TL_ROP_OWNER:
		put(e, ST_OP, op->arg);
		put(e, ST_OP, zigzag(op->owner.pid));
		put_str(e, ST_OP, op->owner.comm, sizeof(op->owner.comm));
		put_str(e, ST_OP, op->owner.cmdline, sizeof(op->owner.cmdline));
		break;
	case TL_ROP_SEG:
		put(e, ST_OP, op->seg.mono_ns);
		put_double(e, op->seg.wall);
		put(e, ST_OP, op->seg.from);
		put(e, ST_OP, op->seg.flags);
		put(e, ST_OP, op->seg.stale_ns);
		put(e, ST_OP, op->seg.pkt.tcp);
		put(e, ST_OP, op->seg.pkt.sport);
		put(e, ST_OP, op->seg.pkt.dport);
		put(e, ST_OP, op->seg.pkt.flags);
		put(e, ST_OP, op->seg.pkt.seq);
		put(e, ST_OP, op->seg.pkt.ack);
		put(e, ST_OP, op->seg.pkt.payload);
		break;
	case TL_ROP_LOST:
		put(e, ST_OP, op->exact_lost);
		break;
	case TL_ROP_RUN:
		put(e, ST_OP, op->arg);
		put(e, ST_OP, zigzag(op->scenario));
		break;
	default: /* RELEASE, EXPIRE: the kind says it all */
		break;
	}
}

size_t tl_recenc_pending(const struct tl_recenc *e)
{
	size_t n = 0;
	for (int i = 0; i < ST_N; i++)
		n += e->st[i].len;
	return n;
}

void tl_recenc_take(struct tl_recenc *e, struct tl_buf *out)
{
	int count = ST_N;
	while (count > 0 && !e->st[count - 1].len)
		count--;
	put_var(out, (uint64_t)count);
	for (int i = 0; i < count; i++)
		put_var(out, e->st[i].len);
	for (int i = 0; i < count; i++) {
		tl_buf_add(out, e->st[i].data, e->st[i].len);
		tl_buf_reset(&e->st[i]);
	}
}

/* ---- framing ---- */

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void tl_recfmt_header(uint8_t out[TL_REC_HEADER_LEN])
{
	memset(out, 0, TL_REC_HEADER_LEN);
	memcpy(out, TL_REC_MAGIC, 8);
	out[8] = TL_REC_VERSION & 0xff;
	out[9] = TL_REC_VERSION >> 8;
}

int tl_recfmt_header_check(const uint8_t *p, size_t n, const char **why)
{
	if (n < 8 || memcmp(p, TL_REC_MAGIC, 8) != 0) {
		*why = "not a tcpladder recording";
		return -EINVAL;
	}
	if (n < TL_REC_HEADER_LEN) {
		*why = "the file header is cut short";
		return -EINVAL;
	}
	unsigned v = p[8] | (unsigned)p[9] << 8;
	if (v > TL_REC_VERSION) {
		*why = "a recording of a newer version of the format";
		return -ENOTSUP;
	}
	if (v == 0) {
		*why = "a recording of format version 0";
		return -EINVAL;
	}
	return (int)v;
}

int tl_recfmt_block(struct tl_buf *out, uint8_t type, const void *raw, size_t len)
{
	if (len > TL_REC_BLOCK_MAX)
		return -EINVAL;
	uLongf zlen = compressBound((uLong)len);
	uint8_t *z = tl_malloc(TL_REC_BLOCK_HEAD + zlen);
	if (compress2(z + TL_REC_BLOCK_HEAD, &zlen, raw, (uLong)len, 6) != Z_OK ||
	    zlen > TL_REC_BLOCK_MAX) {
		free(z);
		return -ENOMEM;
	}
	memset(z, 0, TL_REC_BLOCK_HEAD);
	z[0] = type;
	put32(z + 4, (uint32_t)len);
	put32(z + 8, (uint32_t)zlen);
	uLong crc = crc32(0, z, 12);
	crc = crc32(crc, z + TL_REC_BLOCK_HEAD, (uInt)zlen);
	put32(z + 12, (uint32_t)crc);
	tl_buf_add(out, (const char *)z, TL_REC_BLOCK_HEAD + zlen);
	free(z);
	return 0;
}

int tl_recfmt_unblock(const uint8_t *p, size_t n, uint8_t *type, uint8_t **raw, size_t *raw_len,
		      size_t *used, const char **why)
{
	*raw = NULL;
	if (n == 0)
		return 0;
	if (n < TL_REC_BLOCK_HEAD) {
		*why = "a block header is cut short";
		return -EINVAL;
	}
	uint32_t len = get32(p + 4), zlen = get32(p + 8), want = get32(p + 12);
	/* deflate expands at most 1032 to 1: a bigger claim is damage */
	if (p[1] || p[2] || p[3] || len > TL_REC_BLOCK_MAX || zlen > TL_REC_BLOCK_MAX ||
	    (uint64_t)len > (uint64_t)zlen * 1032 + 64) {
		*why = "a block header is damaged";
		return -EINVAL;
	}
	if (n - TL_REC_BLOCK_HEAD < zlen) {
		*why = "a block is cut short";
		return -EINVAL;
	}
	uLong crc = crc32(0, p, 12);
	crc = crc32(crc, p + TL_REC_BLOCK_HEAD, zlen);
	if ((uint32_t)crc != want) {
		*why = "a block's checksum does not match";
		return -EINVAL;
	}
	if (p[0] != TL_RBLK_OPS) {
		*why = "a block of an unknown type";
		return -EINVAL;
	}
	uint8_t *out = tl_malloc(len ? len : 1);
	uLongf got = len;
	if (uncompress(out, &got, p + TL_REC_BLOCK_HEAD, zlen) != Z_OK || got != len) {
		free(out);
		*why = "a block does not decompress to its length";
		return -EINVAL;
	}
	*type = p[0];
	*raw = out;
	*raw_len = len;
	*used = TL_REC_BLOCK_HEAD + zlen;
	return 1;
}
