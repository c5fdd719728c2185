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
	const uint8_t *p;
	size_t n, pos;
	const char **why;
};

static int get_var(struct rd *r, uint64_t *v)
{
	uint64_t x = 0;
	for (int shift = 0; shift < 64; shift += 7) {
		if (r->pos >= r->n) {
			*r->why = "an operation is cut short";
			return -EINVAL;
		}
		uint8_t c = r->p[r->pos++];
		if (shift == 63 && c > 1) {
			*r->why = "a number is too long";
			return -EINVAL;
		}
		x |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80)) {
			*v = x;
			return 0;
		}
	}
	*r->why = "a number is too long";
	return -EINVAL;
}

static int get_u32(struct rd *r, uint32_t *v, uint32_t max)
{
	uint64_t x;
	if (get_var(r, &x) < 0)
		return -EINVAL;
	if (x > max) {
		*r->why = "a number is out of range";
		return -EINVAL;
	}
	*v = (uint32_t)x;
	return 0;
}

static int get_double(struct rd *r, double *d)
{
	if (r->n - r->pos < 8) {
		*r->why = "an operation is cut short";
		return -EINVAL;
	}
	uint64_t v = tl_recfmt_get64(r->p + r->pos);
	r->pos += 8;
	memcpy(d, &v, sizeof(*d));
	return 0;
}

static int get_str(struct rd *r, char *out, size_t size)
{
	uint32_t len;
	if (get_u32(r, &len, (uint32_t)size - 1) < 0)
		return -EINVAL;
	if (r->n - r->pos < len) {
		*r->why = "an operation is cut short";
		return -EINVAL;
	}
	memcpy(out, r->p + r->pos, len);
	out[len] = '\0';
	r->pos += len;
	return 0;
}

static int get_fields(struct rd *r, uint64_t f[NF])
{
	uint64_t mask;
	if (get_var(r, &mask) < 0)
		return -EINVAL;
	if (mask >> NF) {
		*r->why = "a socket has fields this version does not know";
		return -EINVAL;
	}
	for (int i = 0; i < NF; i++) {
		f[i] = 0;
		if ((mask & (1ULL << i)) && get_var(r, &f[i]) < 0)
			return -EINVAL;
	}
	return 0;
}

static int get_sock(struct rd *r, struct tl_sock *s, uint64_t ref)
{
	uint64_t f[NF];
	if (get_fields(r, f) < 0)
		return -EINVAL;
	tl_recfmt_from_fields(f, ref, s);
	return 0;
}
static int get_delta(struct rd *r, uint64_t *v, int n);

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

static int get_ns(struct rd *r, uint32_t *ns)
{
	return get_u32(r, ns, TL_REC_NS_MAX - 1);
}

/* A sample's sockets after its header.  Each earlier socket is used once
 * at most: otherwise a few bytes copying the same run again and again
 * would make a sample of any size. */
static int dec_sample_body(struct rd *r, struct tl_snapshot *s, const struct tl_snapshot *prev,
			   uint8_t *used, uint64_t n, bool key, uint64_t ref, uint64_t pref,
			   unsigned version)
{
	size_t expect = 0;
	uint64_t lit[NF] = {0}; /* format 2: the last new socket's numbers */
	while (s->n < n) {
		uint64_t code = S_LIT;
		if (!key && get_var(r, &code) < 0)
			return -EINVAL;
		if (code == S_LIT && version < 2) {
			if (get_sock(r, tl_snapshot_add(s), ref) < 0)
				return -EINVAL;
			continue;
		}
		if (code == S_LIT) {
			if (get_delta(r, lit, NF) < 0)
				return -EINVAL;
			tl_recfmt_from_fields(lit, ref, tl_snapshot_add(s));
			continue;
		}
		uint64_t zj, len;
		if (code > S_DIFF || get_var(r, &zj) < 0) {
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
			if (get_var(r, &len) < 0)
				return -EINVAL;
			if (len == 0 || len > prev->n - (uint64_t)j || len > n - s->n ||
			    memchr(used + j, 1, len)) {
				*r->why = "a sample copies more sockets than there are";
				return -EINVAL;
			}
			memset(used + j, 1, len);
			for (uint64_t k = 0; k < len; k++) {
				uint64_t f[NF];
				tl_recfmt_to_fields(&prev->socks[(uint64_t)j + k], pref, f);
				tl_recfmt_from_fields(f, ref, tl_snapshot_add(s));
			}
			expect = (size_t)j + (size_t)len;
			continue;
		}
		uint64_t mask, f[NF];
		if (get_var(r, &mask) < 0)
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
			if (get_var(r, &dv) < 0)
				return -EINVAL;
			f[k] += (uint64_t)unzigzag(dv);
		}
		tl_recfmt_from_fields(f, ref, tl_snapshot_add(s));
		expect = (size_t)j + 1;
	}
	return 0;
}

static int dec_sample(struct tl_recdec *d, struct rd *r, struct tl_rop *op)
{
	uint64_t key, mono, dump, complete, err, other[TL_OTHER_N], n;
	double wall;
	if (get_var(r, &key) < 0 || get_var(r, &mono) < 0 || get_var(r, &dump) < 0 ||
	    get_double(r, &wall) < 0 || get_var(r, &complete) < 0 || get_var(r, &err) < 0)
		return -EINVAL;
	for (int i = 0; i < TL_OTHER_N; i++)
		if (get_var(r, &other[i]) < 0)
			return -EINVAL;
	if (get_var(r, &n) < 0)
		return -EINVAL;
	struct tl_rec_ns *ns = tl_recfmt_ns(&d->ns, &d->n_ns, op->ns);
	/* a socket costs a byte at least, unless copied from the last sample */
	if (n > r->n - r->pos + (key ? 0 : ns->prev.n)) {
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
		if (get_var(r, &v[i]) < 0)
			return -EINVAL;
	memset(x, 0, sizeof(*x));
	x->mono_ns = v[0];
	x->netns_ino = (uint32_t)v[1];
	x->kind = (uint8_t)v[2];
	x->from = (uint8_t)v[3];
	x->to = (uint8_t)v[4];
	x->flags = (uint8_t)v[5];
	x->tcp_flags = (uint16_t)v[6];
	int err = get_sock(r, &x->sock, 0);
	if (err < 0)
		return err;
	if (x->flags & TL_EXACT_TASK)
		return get_u32(r, &x->pid, UINT32_MAX) < 0 ||
			       get_str(r, x->comm, sizeof(x->comm)) < 0
			   ? -EINVAL
			   : 0;
	return 0;
}

/* The other side of put_delta() (recfmt.c): v holds the numbers told
 * against and gets the new ones. */
static int get_delta(struct rd *r, uint64_t *v, int n)
{
	uint64_t mask;
	if (get_var(r, &mask) < 0)
		return -EINVAL;
	if (mask >> n) {
		*r->why = "a record has fields this version does not know";
		return -EINVAL;
	}
	for (int k = 0; k < n; k++) {
		uint64_t dv;
		if (!(mask & (1ULL << k)))
			continue;
		if (get_var(r, &dv) < 0)
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
	if (get_var(r, &dc) < 0)
		return -EINVAL;
	uint64_t cookie = st->gone.cookie + (uint64_t)unzigzag(dc);
	struct tl_sock ref;
	tl_recfmt_dref(st, cookie, &ref);
	tl_recfmt_to_fields(&ref, 0, f);
	if (get_delta(r, f + 1, NF - 1) < 0)
		return -EINVAL;
	f[F_COOKIE] = cookie;
	tl_recfmt_from_fields(f, 0, s);
	st->gone = *s;
	return 0;
}

/* Format 2 (see enc_exact() in recfmt.c). */
static int dec_exact2(struct tl_recdec *d, struct rd *r, struct tl_exact_rec *x)
{
	struct tl_rec_xstate *st = &d->x;
	uint64_t dt, dc, v[NX];
	if (get_var(r, &dt) < 0 || get_var(r, &dc) < 0)
		return -EINVAL;
	uint64_t cookie = st->last.sock.cookie + (uint64_t)unzigzag(dc);
	const struct tl_exact_rec *ref = tl_recfmt_xref(st, cookie);
	tl_recfmt_xref_vec(st, ref, v);
	if (get_delta(r, v, NX) < 0)
		return -EINVAL;
	memset(x, 0, sizeof(*x));
	tl_recfmt_x_from_vec(v, x);
	x->mono_ns = st->last.mono_ns + (uint64_t)unzigzag(dt);
	x->sock.cookie = cookie;
	bool task = x->flags & TL_EXACT_TASK;
	if (!task) { /* the process carried over, for the next record */
		x->pid = ref->pid;
		memcpy(x->comm, ref->comm, sizeof(x->comm));
	} else {
		uint32_t c;
		if (get_u32(r, &c, sizeof(x->comm)) < 0)
			return -EINVAL;
		if (c == 0) {
			memcpy(x->comm, ref->comm, sizeof(x->comm));
		} else if (r->n - r->pos < c - 1) {
			*r->why = "an operation is cut short";
			return -EINVAL;
		} else {
			memcpy(x->comm, r->p + r->pos, c - 1);
			r->pos += c - 1;
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
	if (get_var(r, &s->mono_ns) < 0 || get_double(r, &s->wall) < 0)
		return -EINVAL;
	for (int i = 0; i < 9; i++)
		if (get_var(r, &v[i]) < 0)
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
	if (get_u32(r, &payload, UINT32_MAX) < 0)
		return -EINVAL;
	s->pkt.payload = payload;
	return 0;
}

int tl_recdec_op(struct tl_recdec *d, const uint8_t *p, size_t n, size_t *pos, struct tl_rop *op,
		 const char **why)
{
	struct rd r = {p, n, *pos, why};
	uint64_t kind, v;
	uint32_t u;

	if (r.pos >= n)
		return 0;
	memset(op, 0, sizeof(*op));
	if (get_var(&r, &kind) < 0)
		return -EINVAL;
	op->kind = (uint8_t)kind;
	switch (kind) {
	case TL_ROP_STEP:
		if (get_var(&r, &op->now) < 0 || get_double(&r, &op->wall) < 0)
			return -EINVAL;
		break;
	case TL_ROP_NS:
		if (get_str(&r, op->name, sizeof(op->name)) < 0)
			return -EINVAL;
		break;
	case TL_ROP_NS_DROP:
		if (get_ns(&r, &op->ns) < 0)
			return -EINVAL;
		break;
	case TL_ROP_SAMPLE:
		if (get_ns(&r, &op->ns) < 0 || dec_sample(d, &r, op) < 0)
			return -EINVAL;
		break;
	case TL_ROP_DESTROY:
		if (get_ns(&r, &op->ns) < 0 || (d->version >= 2 ? dec_destroy2(d, &r, &op->sock)
								: get_sock(&r, &op->sock, 0)) < 0)
			return -EINVAL;
		break;
	case TL_ROP_LOOKUP:
		if (get_ns(&r, &op->ns) < 0 || get_var(&r, &op->cookie) < 0 || get_var(&r, &v) < 0)
			return -EINVAL;
		op->found = v != 0;
		if (op->found && get_sock(&r, &op->sock, 0) < 0)
			return -EINVAL;
		break;
	case TL_ROP_OBSERVE:
		if (get_ns(&r, &op->ns) < 0 ||
		    (d->version >= 2 ? dec_exact2(d, &r, &op->x) : dec_exact(&r, &op->x)) < 0)
			return -EINVAL;
		break;
	case TL_ROP_HOLD:
		if (get_var(&r, &op->cookie) < 0)
			return -EINVAL;
		break;
	case TL_ROP_PENDING:
		if (get_u32(&r, &op->arg, 1u << 20) < 0)
			return -EINVAL;
		break;
	case TL_ROP_ROUND:
		if (get_var(&r, &op->cost_ns) < 0 || get_var(&r, &op->wall_ns) < 0 ||
		    get_var(&r, &op->interval_ns) < 0 || get_var(&r, &op->sockets) < 0 ||
		    get_var(&r, &v) < 0 || get_var(&r, &op->exact_lost) < 0)
			return -EINVAL;
		op->exact = v != 0;
		break;
	case TL_ROP_OWNER:
		if (get_u32(&r, &op->arg, UINT32_MAX) < 0 || get_var(&r, &v) < 0 ||
		    get_str(&r, op->owner.comm, sizeof(op->owner.comm)) < 0 ||
		    get_str(&r, op->owner.cmdline, sizeof(op->owner.cmdline)) < 0)
			return -EINVAL;
		op->owner.pid = (int)unzigzag(v);
		break;
	case TL_ROP_SEG:
		if (dec_seg(&r, &op->seg) < 0)
			return -EINVAL;
		break;
	case TL_ROP_RUN:
		if (get_u32(&r, &u, 65535) < 0 || get_var(&r, &v) < 0)
			return -EINVAL;
		op->arg = u;
		op->scenario = (int32_t)unzigzag(v);
		break;
	case TL_ROP_LOST:
		if (d->version < 2) {
			*why = "an operation of an unknown kind";
			return -EINVAL;
		}
		if (get_var(&r, &op->exact_lost) < 0)
			return -EINVAL;
		break;
	case TL_ROP_RELEASE:
	case TL_ROP_EXPIRE:
		break;
	default:
		*why = "an operation of an unknown kind";
		return -EINVAL;
	}
	*pos = r.pos;
	return 1;
}
