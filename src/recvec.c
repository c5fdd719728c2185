/* recvec: the numbers of the recording format (recfmtint.h), shared by
 * its encoder (recfmt.c) and decoder (recdec.c): a socket and an
 * exact-mode record as vectors of numbers, and what both ends keep to tell
 * one against another (the last records by cookie, the last answers, the
 * clocks of a sample, the guess of a unix time). */
#include <stdlib.h>
#include <string.h>

#include "tcpladder/recfmt.h"
#include "tcpladder/recfmtint.h"

/* ---- a socket as a vector of numbers (recfmtint.h) ---- */

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void tl_recfmt_to_fields(const struct tl_sock *s, uint64_t ref, uint64_t f[NF])
{
	tl_recfmt_to_fields_at(s, (struct tl_rec_refs){ref, ref}, f);
}

void tl_recfmt_from_fields(const uint64_t f[NF], uint64_t ref, struct tl_sock *s)
{
	tl_recfmt_from_fields_at(f, (struct tl_rec_refs){ref, ref}, s);
}

void tl_recfmt_refs_follow(struct tl_rec_refs *r, uint64_t pref, const struct tl_sock *cur,
			   const struct tl_sock *prev)
{
	if (cur->expires_ms && prev->expires_ms) {
		uint64_t t =
		    pref + (uint64_t)((int64_t)prev->expires_ms - (int64_t)cur->expires_ms);
		/* a deadline is then never 0 (no timer) by wrapping */
		if (t <= UINT64_MAX - UINT32_MAX)
			r->timer = t;
	}
	if ((cur->flags & TL_SOCK_HAS_INFO) && (prev->flags & TL_SOCK_HAS_INFO))
		r->age = pref + (uint64_t)((int64_t)cur->info.last_ack_recv_ms -
					   (int64_t)prev->info.last_ack_recv_ms);
}

void tl_recfmt_to_fields_at(const struct tl_sock *s, struct tl_rec_refs at, uint64_t f[NF])
{
	uint64_t ref = at.timer;
	f[F_COOKIE] = s->cookie;
	f[F_FAMILY] = s->family;
	f[F_PROTOCOL] = s->protocol;
	f[F_STATE] = s->state;
	f[F_TIMER] = s->timer;
	f[F_RETRANS] = s->retrans;
	f[F_FLAGS] = s->flags;
	f[F_LOCAL0] = tl_recfmt_get64(s->local);
	f[F_LOCAL1] = tl_recfmt_get64(s->local + 8);
	f[F_REMOTE0] = tl_recfmt_get64(s->remote);
	f[F_REMOTE1] = tl_recfmt_get64(s->remote + 8);
	f[F_LPORT] = s->lport;
	f[F_RPORT] = s->rport;
	/* a deadline; 0 stays 0 (ref + a u32 never wraps to 0) */
	f[F_EXPIRES] = s->expires_ms ? ref + s->expires_ms : 0;
	ref = at.age;
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

void tl_recfmt_from_fields_at(const uint64_t f[NF], struct tl_rec_refs at, struct tl_sock *s)
{
	uint64_t ref = at.age;
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
	s->expires_ms = f[F_EXPIRES] ? (uint32_t)(f[F_EXPIRES] - at.timer) : 0;
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

/* The socket's fields in an exact-mode record's tail (X_SOCK on). */
static bool x_tail(int k)
{
	return k != F_COOKIE && k != F_STATE && k != F_INODE && k != F_LPORT;
}

/* Where socket field k (a tail one) is in an exact-mode record's numbers. */
static int x_at(int k)
{
	int j = X_SOCK;
	for (int i = 0; i < k; i++)
		j += x_tail(i);
	return j;
}

void tl_recfmt_x_to_vec(const struct tl_exact_rec *x, uint64_t v[NX])
{
	uint64_t f[NF];
	tl_recfmt_to_fields(&x->sock, 0, f);
	v[X_STATE] = f[F_STATE];
	v[X_FROM] = x->from;
	v[X_FLAGS] = x->flags;
	v[X_INODE] = f[F_INODE];
	v[X_LPORT] = f[F_LPORT];
	v[X_PID] = x->pid;
	v[X_TO] = (uint64_t)x->to - f[F_STATE]; /* 0: the state entered is the socket's */
	v[X_KIND] = x->kind;
	v[X_TCP_FLAGS] = x->tcp_flags;
	v[X_NETNS] = x->netns_ino;
	int j = X_SOCK;
	for (int k = 0; k < NF; k++)
		if (x_tail(k))
			v[j++] = f[k];
}

void tl_recfmt_x_from_vec(const uint64_t v[NX], struct tl_exact_rec *x)
{
	uint64_t f[NF];
	int j = X_SOCK;
	for (int k = 0; k < NF; k++)
		if (x_tail(k))
			f[k] = v[j++];
	f[F_COOKIE] = 0;
	f[F_STATE] = v[X_STATE];
	f[F_INODE] = v[X_INODE];
	f[F_LPORT] = v[X_LPORT];
	tl_recfmt_from_fields(f, 0, &x->sock);
	x->from = (uint8_t)v[X_FROM];
	x->to = (uint8_t)(v[X_TO] + v[X_STATE]);
	x->kind = (uint8_t)v[X_KIND];
	x->flags = (uint8_t)v[X_FLAGS];
	x->tcp_flags = (uint16_t)v[X_TCP_FLAGS];
	x->netns_ino = (uint32_t)v[X_NETNS];
	x->pid = (uint32_t)v[X_PID];
}

/* A cookie's slot: the multiplicative hash's top bits. */
static size_t xslot(uint64_t cookie)
{
	return (size_t)((cookie * 0x9e3779b97f4a7c15ULL) >> (64 - TL_REC_XSLOT_BITS));
}

void tl_recfmt_xref_vec(const struct tl_rec_xstate *st, const struct tl_exact_rec *ref,
			uint64_t r[NX])
{
	tl_recfmt_x_to_vec(ref, r);
	r[X_FROM] = ref->to;
	if (ref == &st->last) {
		/* a cookie's first record follows its peer's, often: its ports
		 * are the last record's, swapped */
		r[X_LPORT] = ref->sock.rport;
		r[x_at(F_RPORT)] = ref->sock.lport;
	}
	/* inodes come in sequence: a socket that has none yet gets one near
	 * the last given */
	if (!r[X_INODE])
		r[X_INODE] = st->inode;
}

/* The slots, allocated at the first record or destroy event. */
static void tables(struct tl_rec_xstate *st)
{
	if (!st->slot) {
		st->slot = tl_calloc(TL_REC_XSLOTS, sizeof(*st->slot));
		st->port = tl_calloc(TL_REC_XSLOTS, sizeof(*st->port));
	}
}

const struct tl_exact_rec *tl_recfmt_xref(struct tl_rec_xstate *st, uint64_t cookie)
{
	tables(st);
	/* an empty slot is a zero record: both ends agree on it too */
	const struct tl_exact_rec *s = &st->slot[xslot(cookie)];
	return s->sock.cookie == cookie ? s : &st->last;
}

void tl_recfmt_dref(struct tl_rec_xstate *st, uint64_t cookie, struct tl_sock *out)
{
	tables(st);
	size_t i = xslot(cookie);
	if (st->slot[i].sock.cookie != cookie) {
		/* the last destroyed socket as its peer: both ends of a
		 * connection often go one after the other */
		*out = st->gone;
		memcpy(out->local, st->gone.remote, sizeof(out->local));
		memcpy(out->remote, st->gone.local, sizeof(out->remote));
		out->lport = st->gone.rport;
		out->rport = st->gone.lport;
		return;
	}
	*out = st->slot[i].sock;
	/* a closed socket's last record has lost its port; a dump still
	 * names it */
	if (!out->lport)
		out->lport = st->port[i];
}

void tl_recfmt_xkeep(struct tl_rec_xstate *st, const struct tl_exact_rec *x)
{
	size_t i = xslot(x->sock.cookie);
	st->last = *x;
	st->slot[i] = *x;
	if (x->sock.lport)
		st->port[i] = x->sock.lport;
	if (x->sock.inode)
		st->inode = x->sock.inode;
}

const struct tl_sock *tl_recfmt_lref(struct tl_rec_xstate *st, uint64_t cookie)
{
	if (!st->found)
		st->found = tl_calloc(TL_REC_LSLOTS, sizeof(*st->found));
	const struct tl_sock *s =
	    &st->found[(cookie * 0x9e3779b97f4a7c15ULL) >> (64 - TL_REC_LSLOT_BITS)];
	return s->cookie == cookie ? s : &st->answer;
}

void tl_recfmt_lkeep(struct tl_rec_xstate *st, const struct tl_sock *s)
{
	st->answer = *s;
	st->found[(s->cookie * 0x9e3779b97f4a7c15ULL) >> (64 - TL_REC_LSLOT_BITS)] = *s;
}

void tl_recfmt_xfini(struct tl_rec_xstate *st)
{
	free(st->slot);
	free(st->port);
	free(st->found);
	memset(st, 0, sizeof(*st));
}

uint64_t tl_recfmt_wall_guess(uint64_t bits, uint64_t dt_ns)
{
	/* a positive normal double is its 53-bit mantissa times 2^e (its
	 * bits grow with it): dt_ns / 1e9 seconds is dt_ns * 2^-e / 1e9 of
	 * its last bit */
	int e = (int)((bits >> 52) & 0x7ff) - 1075;
	if ((bits >> 63) || !(bits >> 52) || e > 0 || e < -52 || dt_ns >> (62 + e))
		return bits;
	return bits + (dt_ns << -e) / 1000000000ULL;
}
