/* recfmt: the recording format's encoding and decoding (see recfmt.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "tcpladder/recfmt.h"

/* ---- a socket as a vector of numbers ----
 *
 * Times the kernel gives relative to the dump (time left on a timer, time
 * since the last data) are stored as absolute times against the sample's
 * own clock, so an idle socket's numbers do not change from one dump to
 * the next and it is copied, not rewritten. */
enum {
	F_COOKIE,
	F_FAMILY,
	F_PROTOCOL,
	F_STATE,
	F_TIMER,
	F_RETRANS,
	F_FLAGS,
	F_LOCAL0,
	F_LOCAL1,
	F_REMOTE0,
	F_REMOTE1,
	F_LPORT,
	F_RPORT,
	F_EXPIRES,
	F_IFINDEX,
	F_INODE,
	F_UID,
	F_RQUEUE,
	F_WQUEUE,
	F_ACKED,
	F_RECEIVED,
	F_SENT,
	F_RETRANS_B,
	F_RTT,
	F_RTTVAR,
	F_SEGS_IN,
	F_SEGS_OUT,
	F_LAST_SENT,
	F_LAST_RECV,
	F_LAST_ACK,
	F_ISTATE,
	F_IHAVE,
	NF
};

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void sock_to_fields(const struct tl_sock *s, uint64_t ref, uint64_t f[NF])
{
	f[F_COOKIE] = s->cookie;
	f[F_FAMILY] = s->family;
	f[F_PROTOCOL] = s->protocol;
	f[F_STATE] = s->state;
	f[F_TIMER] = s->timer;
	f[F_RETRANS] = s->retrans;
	f[F_FLAGS] = s->flags;
	f[F_LOCAL0] = get64(s->local);
	f[F_LOCAL1] = get64(s->local + 8);
	f[F_REMOTE0] = get64(s->remote);
	f[F_REMOTE1] = get64(s->remote + 8);
	f[F_LPORT] = s->lport;
	f[F_RPORT] = s->rport;
	/* a deadline; 0 stays 0 (ref + a u32 never wraps to 0) */
	f[F_EXPIRES] = s->expires_ms ? ref + s->expires_ms : 0;
	f[F_IFINDEX] = s->ifindex;
	f[F_INODE] = s->inode;
	f[F_UID] = s->uid;
	f[F_RQUEUE] = s->rqueue;
	f[F_WQUEUE] = s->wqueue;
	f[F_ACKED] = s->info.bytes_acked;
	f[F_RECEIVED] = s->info.bytes_received;
	f[F_SENT] = s->info.bytes_sent;
	f[F_RETRANS_B] = s->info.bytes_retrans;
	f[F_RTT] = s->info.rtt_us;
	f[F_RTTVAR] = s->info.rttvar_us;
	f[F_SEGS_IN] = s->info.segs_in;
	f[F_SEGS_OUT] = s->info.segs_out;
	/* moments in the past, modulo 2^64 (exactly invertible) */
	bool info = s->flags & TL_SOCK_HAS_INFO;
	f[F_LAST_SENT] = info ? ref - s->info.last_data_sent_ms : s->info.last_data_sent_ms;
	f[F_LAST_RECV] = info ? ref - s->info.last_data_recv_ms : s->info.last_data_recv_ms;
	f[F_LAST_ACK] = info ? ref - s->info.last_ack_recv_ms : s->info.last_ack_recv_ms;
	f[F_ISTATE] = s->info.state;
	f[F_IHAVE] = s->info.have;
}

static void fields_to_sock(const uint64_t f[NF], uint64_t ref, struct tl_sock *s)
{
	memset(s, 0, sizeof(*s));
	s->cookie = f[F_COOKIE];
	s->family = (uint8_t)f[F_FAMILY];
	s->protocol = (uint8_t)f[F_PROTOCOL];
	s->state = (uint8_t)f[F_STATE];
	s->timer = (uint8_t)f[F_TIMER];
	s->retrans = (uint8_t)f[F_RETRANS];
	s->flags = (uint8_t)f[F_FLAGS];
	put64(s->local, f[F_LOCAL0]);
	put64(s->local + 8, f[F_LOCAL1]);
	put64(s->remote, f[F_REMOTE0]);
	put64(s->remote + 8, f[F_REMOTE1]);
	s->lport = (uint16_t)f[F_LPORT];
	s->rport = (uint16_t)f[F_RPORT];
	s->expires_ms = f[F_EXPIRES] ? (uint32_t)(f[F_EXPIRES] - ref) : 0;
	s->ifindex = (uint32_t)f[F_IFINDEX];
	s->inode = (uint32_t)f[F_INODE];
	s->uid = (uint32_t)f[F_UID];
	s->rqueue = (uint32_t)f[F_RQUEUE];
	s->wqueue = (uint32_t)f[F_WQUEUE];
	s->info.bytes_acked = f[F_ACKED];
	s->info.bytes_received = f[F_RECEIVED];
	s->info.bytes_sent = f[F_SENT];
	s->info.bytes_retrans = f[F_RETRANS_B];
	s->info.rtt_us = (uint32_t)f[F_RTT];
	s->info.rttvar_us = (uint32_t)f[F_RTTVAR];
	s->info.segs_in = (uint32_t)f[F_SEGS_IN];
	s->info.segs_out = (uint32_t)f[F_SEGS_OUT];
	bool info = s->flags & TL_SOCK_HAS_INFO;
	s->info.last_data_sent_ms = (uint32_t)(info ? ref - f[F_LAST_SENT] : f[F_LAST_SENT]);
	s->info.last_data_recv_ms = (uint32_t)(info ? ref - f[F_LAST_RECV] : f[F_LAST_RECV]);
	s->info.last_ack_recv_ms = (uint32_t)(info ? ref - f[F_LAST_ACK] : f[F_LAST_ACK]);
	s->info.state = (uint8_t)f[F_ISTATE];
	s->info.have = (uint8_t)f[F_IHAVE];
}

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

static uint64_t zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static int64_t unzigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static void put_double(struct tl_buf *b, double d)
{
	uint64_t v;
	char tmp[8];
	memcpy(&v, &d, sizeof(v));
	for (int i = 0; i < 8; i++)
		tmp[i] = (char)(v >> (8 * i));
	tl_buf_add(b, tmp, 8);
}

static void put_str(struct tl_buf *b, const char *s, size_t max)
{
	size_t n = strnlen(s, max);
	put_var(b, n);
	tl_buf_add(b, s, n);
}

/* Fields present (nonzero) as a mask, then their values. */
static void put_fields(struct tl_buf *b, const uint64_t f[NF])
{
	uint64_t mask = 0;
	for (int i = 0; i < NF; i++)
		if (f[i])
			mask |= 1ULL << i;
	put_var(b, mask);
	for (int i = 0; i < NF; i++)
		if (f[i])
			put_var(b, f[i]);
}

static void put_sock(struct tl_buf *b, const struct tl_sock *s, uint64_t ref)
{
	uint64_t f[NF];
	sock_to_fields(s, ref, f);
	put_fields(b, f);
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
	uint64_t v = get64(r->p + r->pos);
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
	fields_to_sock(f, ref, s);
	return 0;
}

/* ---- the encoder ---- */

void tl_recenc_init(struct tl_recenc *e)
{
	memset(e, 0, sizeof(*e));
}

void tl_recenc_fini(struct tl_recenc *e)
{
	for (size_t i = 0; i < e->n_ns; i++)
		tl_snapshot_fini(&e->ns[i].prev);
	free(e->ns);
	free(e->idx_tab);
	memset(e, 0, sizeof(*e));
}

static struct tl_rec_ns *ns_get(struct tl_rec_ns **arr, size_t *n, uint32_t ns)
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

/* Sample body codes (key frames have only literals). */
enum { S_LIT = 0, S_COPY = 1, S_DIFF = 2 };

static void flush_copy(struct tl_buf *b, size_t *run_start, size_t *run_len, size_t *expect)
{
	if (!*run_len)
		return;
	put_var(b, S_COPY);
	put_var(b, zigzag((int64_t)*run_start - (int64_t)*expect));
	put_var(b, *run_len);
	*expect = *run_start + *run_len;
	*run_len = 0;
}

static void enc_sample(struct tl_recenc *e, struct tl_buf *b, const struct tl_rop *op)
{
	const struct tl_snapshot *s = op->snap;
	struct tl_rec_ns *ns = ns_get(&e->ns, &e->n_ns, op->ns);
	bool key = op->key || !ns->have;
	const struct tl_snapshot *prev = &ns->prev;
	uint64_t ref = ref_ms(s), pref = ref_ms(prev);

	put_var(b, key);
	put_var(b, s->mono_ns);
	put_var(b, s->dump_ns);
	put_double(b, s->wall);
	put_var(b, s->complete);
	put_var(b, zigzag(s->error));
	for (int i = 0; i < TL_OTHER_N; i++)
		put_var(b, zigzag(s->other[i]));
	put_var(b, s->n);
	if (key) {
		for (size_t i = 0; i < s->n; i++)
			put_sock(b, &s->socks[i], ref);
	} else {
		size_t run_start = 0, run_len = 0, expect = 0;
		/* a dump may list a socket twice (it is not atomic): each earlier
		 * socket is referred to once, as the decoder demands */
		uint8_t *used = tl_calloc(prev->n ? prev->n : 1, 1);
		index_prev(e, prev);
		for (size_t i = 0; i < s->n; i++) {
			size_t j;
			uint64_t f[NF], g[NF];
			if (!find_prev(e, prev, s->socks[i].cookie, &j) || used[j]) {
				flush_copy(b, &run_start, &run_len, &expect);
				put_var(b, S_LIT);
				put_sock(b, &s->socks[i], ref);
				continue;
			}
			used[j] = 1;
			sock_to_fields(&s->socks[i], ref, f);
			sock_to_fields(&prev->socks[j], pref, g);
			if (!memcmp(f, g, sizeof(f))) {
				if (run_len && j == run_start + run_len) {
					run_len++;
				} else {
					flush_copy(b, &run_start, &run_len, &expect);
					run_start = j;
					run_len = 1;
				}
				continue;
			}
			flush_copy(b, &run_start, &run_len, &expect);
			put_var(b, S_DIFF);
			put_var(b, zigzag((int64_t)j - (int64_t)expect));
			expect = j + 1;
			uint64_t mask = 0;
			for (int k = 0; k < NF; k++)
				if (f[k] != g[k])
					mask |= 1ULL << k;
			put_var(b, mask);
			for (int k = 0; k < NF; k++)
				if (mask & (1ULL << k))
					put_var(b, zigzag((int64_t)(f[k] - g[k])));
		}
		flush_copy(b, &run_start, &run_len, &expect);
		free(used);
	}
	/* the next sample is told against this one */
	tl_snapshot_clear(&ns->prev);
	for (size_t i = 0; i < s->n; i++)
		*tl_snapshot_add(&ns->prev) = s->socks[i];
	ns->prev.mono_ns = s->mono_ns;
	ns->have = true;
}

static void enc_exact(struct tl_buf *b, const struct tl_exact_rec *x)
{
	put_var(b, x->mono_ns);
	put_var(b, x->netns_ino);
	put_var(b, x->kind);
	put_var(b, x->from);
	put_var(b, x->to);
	put_var(b, x->flags);
	put_var(b, x->tcp_flags);
	put_sock(b, &x->sock, 0);
	if (x->flags & TL_EXACT_TASK) { /* the process the probe named */
		put_var(b, x->pid);
		put_str(b, x->comm, sizeof(x->comm));
	}
}

void tl_recenc_op(struct tl_recenc *e, struct tl_buf *b, const struct tl_rop *op)
{
	put_var(b, op->kind);
	switch (op->kind) {
	case TL_ROP_STEP:
		put_var(b, op->now);
		put_double(b, op->wall);
		break;
	case TL_ROP_NS:
		put_str(b, op->name, sizeof(op->name));
		break;
	case TL_ROP_NS_DROP:
		put_var(b, op->ns);
		break;
	case TL_ROP_SAMPLE:
		put_var(b, op->ns);
		enc_sample(e, b, op);
		break;
	case TL_ROP_DESTROY:
		put_var(b, op->ns);
		put_sock(b, &op->sock, 0);
		break;
	case TL_ROP_LOOKUP:
		put_var(b, op->ns);
		put_var(b, op->cookie);
		put_var(b, op->found);
		if (op->found)
			put_sock(b, &op->sock, 0);
		break;
	case TL_ROP_OBSERVE:
		put_var(b, op->ns);
		enc_exact(b, &op->x);
		break;
	case TL_ROP_HOLD:
		put_var(b, op->cookie);
		break;
	case TL_ROP_PENDING:
		put_var(b, op->arg);
		break;
	case TL_ROP_ROUND:
		put_var(b, op->cost_ns);
		put_var(b, op->wall_ns);
		put_var(b, op->interval_ns);
		put_var(b, op->sockets);
		put_var(b, op->exact);
		put_var(b, op->exact_lost);
		break;
	case TL_ROP_OWNER:
		put_var(b, op->arg);
		put_var(b, zigzag(op->owner.pid));
		put_str(b, op->owner.comm, sizeof(op->owner.comm));
		put_str(b, op->owner.cmdline, sizeof(op->owner.cmdline));
		break;
	case TL_ROP_SEG:
		put_var(b, op->seg.mono_ns);
		put_double(b, op->seg.wall);
		put_var(b, op->seg.from);
		put_var(b, op->seg.flags);
		put_var(b, op->seg.stale_ns);
		put_var(b, op->seg.pkt.tcp);
		put_var(b, op->seg.pkt.sport);
		put_var(b, op->seg.pkt.dport);
		put_var(b, op->seg.pkt.flags);
		put_var(b, op->seg.pkt.seq);
		put_var(b, op->seg.pkt.ack);
		put_var(b, op->seg.pkt.payload);
		break;
	case TL_ROP_RUN:
		put_var(b, op->arg);
		put_var(b, zigzag(op->scenario));
		break;
	default: /* RELEASE, EXPIRE: the kind says it all */
		break;
	}
}

/* ---- the decoder ---- */

void tl_recdec_init(struct tl_recdec *d)
{
	memset(d, 0, sizeof(*d));
	tl_snapshot_init(&d->cur);
}

void tl_recdec_fini(struct tl_recdec *d)
{
	for (size_t i = 0; i < d->n_ns; i++)
		tl_snapshot_fini(&d->ns[i].prev);
	free(d->ns);
	tl_snapshot_fini(&d->cur);
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
			   uint8_t *used, uint64_t n, bool key, uint64_t ref, uint64_t pref)
{
	size_t expect = 0;
	while (s->n < n) {
		uint64_t code = S_LIT;
		if (!key && get_var(r, &code) < 0)
			return -EINVAL;
		if (code == S_LIT) {
			if (get_sock(r, tl_snapshot_add(s), ref) < 0)
				return -EINVAL;
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
				sock_to_fields(&prev->socks[(uint64_t)j + k], pref, f);
				fields_to_sock(f, ref, tl_snapshot_add(s));
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
		sock_to_fields(&prev->socks[j], pref, f);
		for (int k = 0; k < NF; k++) {
			uint64_t dv;
			if (!(mask & (1ULL << k)))
				continue;
			if (get_var(r, &dv) < 0)
				return -EINVAL;
			f[k] += (uint64_t)unzigzag(dv);
		}
		fields_to_sock(f, ref, tl_snapshot_add(s));
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
	struct tl_rec_ns *ns = ns_get(&d->ns, &d->n_ns, op->ns);
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
	int rc = dec_sample_body(r, s, prev, used, n, key != 0, ref, pref);
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
		if (get_ns(&r, &op->ns) < 0 || get_sock(&r, &op->sock, 0) < 0)
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
		if (get_ns(&r, &op->ns) < 0 || dec_exact(&r, &op->x) < 0)
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
	return 0;
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
