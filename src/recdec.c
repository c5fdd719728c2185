/* recdec: the recording format's decoder (see recfmt.h): a block's raw
 * bytes back into operations, each sample rebuilt against its namespace's
 * previous one.  Nothing is trusted: every failure names its reason. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tcpladder/recfmt.h"
#include "tcpladder/recfmtint.h"

static int64_t unzigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* ---- decoding primitives: each fails on a short or overlong input ---- */

struct rd {
	struct tl_recdec *d;
	const char **why;
};

/* Stream st of the block being read (before format 3, its one stream). */
static struct tl_rec_cursor *in(struct rd *r, int st)
{
	return &r->d->in[r->d->version >= 3 ? st : ST_OP];
}

static int get_var(struct rd *r, int st, uint64_t *v)
{
	struct tl_rec_cursor *c = in(r, st);
	uint64_t x = 0;
	for (int shift = 0; shift < 64; shift += 7) {
		if (c->pos >= c->n) {
			*r->why = "an operation is cut short";
			return -EINVAL;
		}
		uint8_t b = c->p[c->pos++];
		if (shift == 63 && b > 1) {
			*r->why = "a number is too long";
			return -EINVAL;
		}
		x |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = x;
			return 0;
		}
	}
	*r->why = "a number is too long";
	return -EINVAL;
}

static int get_u32(struct rd *r, int st, uint32_t *v, uint32_t max)
{
	uint64_t x;
	if (get_var(r, st, &x) < 0)
		return -EINVAL;
	if (x > max) {
		*r->why = "a number is out of range";
		return -EINVAL;
	}
	*v = (uint32_t)x;
	return 0;
}

/* n bytes of stream st. */
static const uint8_t *get_bytes(struct rd *r, int st, size_t n)
{
	struct tl_rec_cursor *c = in(r, st);
	if (c->n - c->pos < n) {
		*r->why = "an operation is cut short";
		return NULL;
	}
	c->pos += n;
	return c->p + c->pos - n;
}

static int get_double(struct rd *r, double *d)
{
	const uint8_t *p = get_bytes(r, ST_WALL, 8);
	if (!p)
		return -EINVAL;
	uint64_t v = tl_recfmt_get64(p);
	memcpy(d, &v, sizeof(*d));
	return 0;
}

static int get_str(struct rd *r, int st, char *out, size_t size)
{
	uint32_t len;
	const uint8_t *p;
	if (get_u32(r, st, &len, (uint32_t)size - 1) < 0 || !(p = get_bytes(r, st, len)))
		return -EINVAL;
	memcpy(out, p, len);
	out[len] = '\0';
	return 0;
}

/* The other side of put_ns() (recfmt.c); before format 3 a plain zigzag. */
static int get_ns(struct rd *r, int st, uint64_t *d)
{
	uint64_t v, rest = 0;
	if (get_var(r, st, &v) < 0)
		return -EINVAL;
	if (r->d->version < 3) {
		*d = (uint64_t)unzigzag(v);
		return 0;
	}
	if ((v & 1) && get_var(r, st, &rest) < 0)
		return -EINVAL;
	*d = (uint64_t)unzigzag(v >> 1) * 1000 + (uint64_t)unzigzag(rest);
	return 0;
}

/* What is left of the block, in all its streams. */
static size_t left(const struct tl_recdec *d)
{
	size_t n = 0;
	for (int i = 0; i < ST_N; i++)
		n += d->in[i].n - d->in[i].pos;
	return n;
}

static int get_fields(struct rd *r, int st, uint64_t f[NF])
{
	uint64_t mask;
	if (get_var(r, st, &mask) < 0)
		return -EINVAL;
	if (mask >> NF) {
		*r->why = "a socket has fields this version does not know";
		return -EINVAL;
	}
	for (int i = 0; i < NF; i++) {
		f[i] = 0;
		if ((mask & (1ULL << i)) && get_var(r, st, &f[i]) < 0)
			return -EINVAL;
	}
	return 0;
}

static int get_sock(struct rd *r, int st, struct tl_sock *s, uint64_t ref)
{
	uint64_t f[NF];
	if (get_fields(r, st, f) < 0)
		return -EINVAL;
	tl_recfmt_from_fields(f, ref, s);
	return 0;
}
static int get_delta(struct rd *r, int mst, int vst, bool by_number, uint64_t *v, int n);

/* ---- the decoder ---- */

void tl_recdec_init(struct tl_recdec *d)
{
	memset(d, 0, sizeof(*d));
	d->version = TL_REC_VERSION;
	tl_snapshot_init(&d->cur);
}

void tl_recdec_fini(struct tl_recdec *d)
{
	for (size_t i = 0; i < d->n_ns; i++)
		tl_snapshot_fini(&d->ns[i].prev);
	free(d->ns);
	tl_snapshot_fini(&d->cur);
	tl_recfmt_xfini(&d->x);
	memset(d, 0, sizeof(*d));
}

static int get_nsidx(struct rd *r, uint32_t *ns)
{
	return get_u32(r, ST_OP, ns, TL_REC_NS_MAX - 1);
}

/* A sample's sockets after its header.  Each earlier socket is used once
 * at most: otherwise a few bytes copying the same run again and again
 * would make a sample of any size. */
static int dec_sample_body(struct rd *r, struct tl_snapshot *s, const struct tl_snapshot *prev,
			   uint8_t *used, uint64_t n, bool key, uint64_t ref, uint64_t pref,
			   unsigned version)
{
	size_t expect = 0;
	uint64_t lit[NF] = {0};             /* format 2: the last new socket's numbers */
	struct tl_rec_refs at = {ref, ref}; /* format 3: they follow the dump */
	while (s->n < n) {
		uint64_t code = S_LIT;
		if (!key && get_var(r, ST_S_CODE, &code) < 0)
			return -EINVAL;
		if (code == S_LIT && version < 2) {
			if (get_sock(r, ST_OP, tl_snapshot_add(s), ref) < 0)
				return -EINVAL;
			continue;
		}
		if (code == S_LIT) {
			if (get_delta(r, ST_S_MASK, ST_S_VAL, true, lit, NF) < 0)
				return -EINVAL;
			tl_recfmt_from_fields(lit, ref, tl_snapshot_add(s));
			continue;
		}
		uint64_t zj, len;
		if (code > S_DIFF || get_var(r, ST_S_POS, &zj) < 0) {
			if (code > S_DIFF)
				*r->why = "a sample has an unknown code";
			return -EINVAL;
		}
		int64_t j = (int64_t)expect + unzigzag(zj);
		if (j < 0 || (uint64_t)j >= prev->n || (code == S_DIFF && used[j])) {
			*r->why = "a sample refers to a socket its previous sample lacks";
			return -EINVAL;
		}
		if (code == S_COPY) {
			if (get_var(r, ST_S_RUN, &len) < 0)
				return -EINVAL;
			if (len == 0 || len > prev->n - (uint64_t)j || len > n - s->n ||
			    memchr(used + j, 1, len)) {
				*r->why = "a sample copies more sockets than there are";
				return -EINVAL;
			}
			memset(used + j, 1, len);
			for (uint64_t k = 0; k < len; k++) {
				uint64_t f[NF];
				const struct tl_sock *was = &prev->socks[(uint64_t)j + k];
				struct tl_sock *now = tl_snapshot_add(s);
				tl_recfmt_to_fields(was, pref, f);
				tl_recfmt_from_fields_at(f, at, now);
				if (version >= 3)
					tl_recfmt_refs_follow(&at, pref, now, was);
			}
			expect = (size_t)j + (size_t)len;
			continue;
		}
		uint64_t mask, f[NF];
		if (get_var(r, ST_S_MASK, &mask) < 0)
			return -EINVAL;
		if (mask >> NF) {
			*r->why = "a socket has fields this version does not know";
			return -EINVAL;
		}
		used[j] = 1;
		tl_recfmt_to_fields(&prev->socks[j], pref, f);
		for (int k = 0; k < NF; k++) {
			uint64_t dv;
			if (!(mask & (1ULL << k)))
				continue;
			if (get_var(r, ST_S_VAL + k, &dv) < 0)
				return -EINVAL;
			f[k] += (uint64_t)unzigzag(dv);
		}
		struct tl_sock *now = tl_snapshot_add(s);
		tl_recfmt_from_fields_at(f, at, now);
		if (version >= 3)
			tl_recfmt_refs_follow(&at, pref, now, &prev->socks[j]);
		expect = (size_t)j + 1;
	}
	return 0;
}

static int dec_sample(struct tl_recdec *d, struct rd *r, struct tl_rop *op)
{
	uint64_t key, mono, dump, complete, err, other[TL_OTHER_N], n;
	double wall;
	if (get_var(r, ST_OP, &key) < 0 || get_var(r, ST_OP, &mono) < 0 ||
	    get_var(r, ST_OP, &dump) < 0 || get_double(r, &wall) < 0 ||
	    get_var(r, ST_OP, &complete) < 0 || get_var(r, ST_OP, &err) < 0)
		return -EINVAL;
	for (int i = 0; i < TL_OTHER_N; i++)
		if (get_var(r, ST_OP, &other[i]) < 0)
			return -EINVAL;
	if (get_var(r, ST_OP, &n) < 0)
		return -EINVAL;
	struct tl_rec_ns *ns = tl_recfmt_ns(&d->ns, &d->n_ns, op->ns);
	/* a socket costs a byte at least, unless copied from the last sample */
	if (n > left(d) + (key ? 0 : ns->prev.n)) {
		*r->why = "a sample counts more sockets than it holds";
		return -EINVAL;
	}
	if (!key && !ns->have) {
		*r->why = "a sample's changes come before any key frame";
		return -EINVAL;
	}
	struct tl_snapshot *s = &d->cur, *prev = &ns->prev;
	uint64_t ref = mono / 1000000ULL, pref = prev->mono_ns / 1000000ULL;
	tl_snapshot_clear(s);
	s->mono_ns = mono;
	s->dump_ns = dump;
	s->wall = wall;
	s->complete = complete != 0;
	s->error = (int)unzigzag(err);
	for (int i = 0; i < TL_OTHER_N; i++)
		s->other[i] = (long)unzigzag(other[i]);
	uint8_t *used = tl_calloc(prev->n ? prev->n : 1, 1);
	int rc = dec_sample_body(r, s, prev, used, n, key != 0, ref, pref, d->version);
	free(used);
	if (rc < 0)
		return rc;
	tl_snapshot_swap(s, prev);
	prev->mono_ns = mono;
	ns->have = true;
	op->key = key != 0;
	op->snap = prev;
	return 0;
}

static int dec_exact(struct rd *r, struct tl_exact_rec *x)
{
	uint64_t v[7];
	for (int i = 0; i < 7; i++)
		if (get_var(r, ST_OP, &v[i]) < 0)
			return -EINVAL;
	memset(x, 0, sizeof(*x));
	x->mono_ns = v[0];
	x->netns_ino = (uint32_t)v[1];
	x->kind = (uint8_t)v[2];
	x->from = (uint8_t)v[3];
	x->to = (uint8_t)v[4];
	x->flags = (uint8_t)v[5];
	x->tcp_flags = (uint16_t)v[6];
	int err = get_sock(r, ST_OP, &x->sock, 0);
	if (err < 0)
		return err;
	if (x->flags & TL_EXACT_TASK)
		return get_u32(r, ST_OP, &x->pid, UINT32_MAX) < 0 ||
			       get_str(r, ST_OP, x->comm, sizeof(x->comm)) < 0
			   ? -EINVAL
			   : 0;
	return 0;
}

/* The other side of put_delta() (recfmt.c): v holds the numbers told
 * against and gets the new ones. */
static int get_delta(struct rd *r, int mst, int vst, bool by_number, uint64_t *v, int n)
{
	uint64_t mask;
	if (get_var(r, mst, &mask) < 0)
		return -EINVAL;
	if (mask >> n) {
		*r->why = "a record has fields this version does not know";
		return -EINVAL;
	}
	for (int k = 0; k < n; k++) {
		uint64_t dv;
		if (!(mask & (1ULL << k)))
			continue;
		if (get_var(r, vst + (by_number ? k : 0), &dv) < 0)
			return -EINVAL;
		v[k] = dv ? v[k] + (uint64_t)unzigzag(dv) : 0;
	}
	return 0;
}

/* Format 2 (see enc_destroy() in recfmt.c). */
static int dec_destroy2(struct tl_recdec *d, struct rd *r, struct tl_sock *s)
{
	struct tl_rec_xstate *st = &d->x;
	uint64_t dc, f[NF];
	if (get_var(r, ST_D_COOKIE, &dc) < 0)
		return -EINVAL;
	uint64_t cookie = st->gone.cookie + (uint64_t)unzigzag(dc);
	struct tl_sock ref;
	tl_recfmt_dref(st, cookie, &ref);
	tl_recfmt_to_fields(&ref, 0, f);
	if (get_delta(r, ST_D_MASK, ST_D_VAL, false, f + 1, NF - 1) < 0)
		return -EINVAL;
	f[F_COOKIE] = cookie;
	tl_recfmt_from_fields(f, 0, s);
	st->gone = *s;
	return 0;
}

/* Format 3 (see enc_answer() in recfmt.c). */
static int dec_answer(struct tl_recdec *d, struct rd *r, uint64_t cookie, struct tl_sock *s)
{
	uint64_t f[NF];
	tl_recfmt_to_fields(tl_recfmt_lref(&d->x, cookie), 0, f);
	if (get_delta(r, ST_L_MASK, ST_L_VAL, true, f, NF) < 0)
		return -EINVAL;
	tl_recfmt_from_fields(f, 0, s);
	tl_recfmt_lkeep(&d->x, s);
	return 0;
}

/* Format 2 (see enc_exact() in recfmt.c). */
static int dec_exact2(struct tl_recdec *d, struct rd *r, struct tl_exact_rec *x)
{
	struct tl_rec_xstate *st = &d->x;
	uint64_t dt, dc, v[NX];
	if (get_ns(r, ST_X_TIME, &dt) < 0 || get_var(r, ST_X_COOKIE, &dc) < 0)
		return -EINVAL;
	uint64_t cookie = st->last.sock.cookie + (uint64_t)unzigzag(dc);
	const struct tl_exact_rec *ref = tl_recfmt_xref(st, cookie);
	tl_recfmt_xref_vec(st, ref, v);
	if (get_delta(r, ST_X_MASK, ST_X_VAL, true, v, NX) < 0)
		return -EINVAL;
	memset(x, 0, sizeof(*x));
	tl_recfmt_x_from_vec(v, x);
	x->mono_ns = st->last.mono_ns + dt;
	x->sock.cookie = cookie;
	bool task = x->flags & TL_EXACT_TASK;
	if (!task) { /* the process carried over, for the next record */
		x->pid = ref->pid;
		memcpy(x->comm, ref->comm, sizeof(x->comm));
	} else {
		uint32_t c;
		const uint8_t *name;
		if (get_u32(r, ST_X_NAME, &c, sizeof(x->comm)) < 0)
			return -EINVAL;
		if (c == 0) {
			memcpy(x->comm, ref->comm, sizeof(x->comm));
		} else if (!(name = get_bytes(r, ST_X_NAME, c - 1))) {
			return -EINVAL;
		} else {
			memcpy(x->comm, name, c - 1);
		}
	}
	tl_recfmt_xkeep(st, x);
	if (!task) { /* a record names a process only with TL_EXACT_TASK */
		x->pid = 0;
		memset(x->comm, 0, sizeof(x->comm));
	}
	return 0;
}

static int dec_seg(struct rd *r, struct tl_rec_seg *s)
{
	uint64_t v[9];
	memset(s, 0, sizeof(*s));
	if (get_var(r, ST_OP, &s->mono_ns) < 0 || get_double(r, &s->wall) < 0)
		return -EINVAL;
	for (int i = 0; i < 9; i++)
		if (get_var(r, ST_OP, &v[i]) < 0)
			return -EINVAL;
	s->from = v[0] != 0;
	s->flags = (uint8_t)v[1];
	s->stale_ns = v[2];
	s->pkt.tcp = v[3] != 0;
	s->pkt.sport = (uint16_t)v[4];
	s->pkt.dport = (uint16_t)v[5];
	s->pkt.flags = (uint8_t)v[6];
	s->pkt.seq = (uint32_t)v[7];
	s->pkt.ack = (uint32_t)v[8];
	uint32_t payload;
	if (get_u32(r, ST_OP, &payload, UINT32_MAX) < 0)
		return -EINVAL;
	s->pkt.payload = payload;
	return 0;
}

int tl_recdec_block(struct tl_recdec *d, const uint8_t *p, size_t n, const char **why)
{
	memset(d->in, 0, sizeof(d->in));
	if (d->version < 3) {
		d->in[ST_OP] = (struct tl_rec_cursor){p, n, 0};
		return 0;
	}
	/* the count of streams, their lengths, then the streams */
	struct tl_rec_cursor head = {p, n, 0};
	d->in[ST_OP] = head;
	struct rd r = {d, why};
	uint64_t count, len[ST_N];
	if (get_var(&r, ST_OP, &count) < 0)
		return -EINVAL;
	if (count > ST_N) {
		*why = "a block has streams this version does not know";
		return -EINVAL;
	}
	for (uint64_t i = 0; i < count; i++)
		if (get_var(&r, ST_OP, &len[i]) < 0)
			return -EINVAL;
	size_t at = d->in[ST_OP].pos;
	for (uint64_t i = 0; i < count; i++) {
		if (len[i] > n - at) {
			*why = "a block's streams are longer than the block";
			return -EINVAL;
		}
		d->in[i] = (struct tl_rec_cursor){p + at, (size_t)len[i], 0};
		at += (size_t)len[i];
	}
	if (count == 0)
		d->in[ST_OP] = (struct tl_rec_cursor){p, 0, 0};
	if (at != n) {
		*why = "a block's streams are shorter than the block";
		return -EINVAL;
	}
	return 0;
}

int tl_recdec_op(struct tl_recdec *d, struct tl_rop *op, const char **why)
{
	struct rd r = {d, why};
	uint64_t kind, v, dt;
	uint32_t u;

	if (d->in[ST_OP].pos >= d->in[ST_OP].n) {
		if (left(d)) {
			*why = "a block's streams hold more than its operations";
			return -EINVAL;
		}
		return 0;
	}
	memset(op, 0, sizeof(*op));
	if (get_var(&r, ST_OP, &kind) < 0)
		return -EINVAL;
	op->kind = (uint8_t)kind;
	switch (kind) {
	case TL_ROP_STEP:
		if (d->version < 3) {
			if (get_var(&r, ST_OP, &op->now) < 0 || get_double(&r, &op->wall) < 0)
				return -EINVAL;
			break;
		}
		if (get_var(&r, ST_WALL, &v) < 0 || get_ns(&r, ST_STEP, &dt) < 0)
			return -EINVAL;
		d->wall = tl_recfmt_wall_guess(d->wall, dt) + (uint64_t)unzigzag(v);
		op->now = d->step += dt;
		memcpy(&op->wall, &d->wall, sizeof(op->wall));
		break;
	case TL_ROP_NS:
		if (get_str(&r, ST_OP, op->name, sizeof(op->name)) < 0)
			return -EINVAL;
		break;
	case TL_ROP_NS_DROP:
		if (get_nsidx(&r, &op->ns) < 0)
			return -EINVAL;
		break;
	case TL_ROP_SAMPLE:
		if (get_nsidx(&r, &op->ns) < 0 || dec_sample(d, &r, op) < 0)
			return -EINVAL;
		break;
	case TL_ROP_DESTROY:
		if (get_nsidx(&r, &op->ns) < 0 ||
		    (d->version >= 2 ? dec_destroy2(d, &r, &op->sock)
				     : get_sock(&r, ST_OP, &op->sock, 0)) < 0)
			return -EINVAL;
		break;
	case TL_ROP_LOOKUP:
		if (get_nsidx(&r, &op->ns) < 0 || get_var(&r, ST_LOOKUP, &op->cookie) < 0 ||
		    get_var(&r, ST_LOOKUP, &v) < 0)
			return -EINVAL;
		op->found = v != 0;
		if (d->version >= 3)
			op->cookie = d->x.answer.cookie + (uint64_t)unzigzag(op->cookie);
		if (op->found && (d->version >= 3 ? dec_answer(d, &r, op->cookie, &op->sock)
						  : get_sock(&r, ST_OP, &op->sock, 0)) < 0)
			return -EINVAL;
		break;
	case TL_ROP_OBSERVE:
		if (get_nsidx(&r, &op->ns) < 0 ||
		    (d->version >= 2 ? dec_exact2(d, &r, &op->x) : dec_exact(&r, &op->x)) < 0)
			return -EINVAL;
		break;
	case TL_ROP_HOLD:
		if (get_var(&r, ST_HOLD, &v) < 0)
			return -EINVAL;
		op->cookie = d->version < 3 ? v : (d->hold += (uint64_t)unzigzag(v));
		break;
	case TL_ROP_PENDING:
		if (get_u32(&r, ST_OP, &op->arg, 1u << 20) < 0)
			return -EINVAL;
		break;
	case TL_ROP_ROUND:
		if (get_var(&r, ST_OP, &op->cost_ns) < 0 || get_var(&r, ST_OP, &op->wall_ns) < 0 ||
		    get_var(&r, ST_OP, &op->interval_ns) < 0 ||
		    get_var(&r, ST_OP, &op->sockets) < 0 || get_var(&r, ST_OP, &v) < 0 ||
		    get_var(&r, ST_OP, &op->exact_lost) < 0)
			return -EINVAL;
		op->exact = v != 0;
		break;
	case TL_ROP_OWNER:
		if (get_u32(&r, ST_OP, &op->arg, UINT32_MAX) < 0 || get_var(&r, ST_OP, &v) < 0 ||
		    get_str(&r, ST_OP, op->owner.comm, sizeof(op->owner.comm)) < 0 ||
		    get_str(&r, ST_OP, op->owner.cmdline, sizeof(op->owner.cmdline)) < 0)
			return -EINVAL;
		op->owner.pid = (int)unzigzag(v);
		break;
	case TL_ROP_SEG:
		if (dec_seg(&r, &op->seg) < 0)
			return -EINVAL;
		break;
	case TL_ROP_RUN:
		if (get_u32(&r, ST_OP, &u, 65535) < 0 || get_var(&r, ST_OP, &v) < 0)
			return -EINVAL;
		op->arg = u;
		op->scenario = (int32_t)unzigzag(v);
		break;
	case TL_ROP_LOST:
		if (d->version < 2) {
			*why = "an operation of an unknown kind";
			return -EINVAL;
		}
		if (get_var(&r, ST_OP, &op->exact_lost) < 0)
			return -EINVAL;
		break;
	case TL_ROP_RELEASE:
	case TL_ROP_EXPIRE:
		break;
	default:
		*why = "an operation of an unknown kind";
		return -EINVAL;
	}
	return 1;
}
