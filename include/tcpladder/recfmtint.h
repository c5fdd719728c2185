/* recfmtint: what the recording format's encoder (recfmt.c) and decoder
 * (recdec.c) share: the socket as a vector of numbers and the codes of a
 * sample's body.  Only those two files include it; everyone else uses
 * recfmt.h. */
#ifndef TCPLADDER_RECFMTINT_H
#define TCPLADDER_RECFMTINT_H

#include <stddef.h>
#include <stdint.h>

#include "tcpladder/recfmt.h"
#include "tcpladder/snapshot.h"

/* A socket as a vector of numbers.  Times the kernel gives relative to
 * the dump (time left on a timer, time since the last data) are stored as
 * absolute times against the sample's own clock, so an idle socket's
 * numbers do not change from one dump to the next and it is copied, not
 * rewritten. */
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

/* An exact-mode record as numbers (format 2) besides its time and cookie,
 * which are told against the last record's: first what changes from one
 * record of a connection to the next, so that the mask of the fields that
 * changed is one byte; then the socket's other fields but its cookie, in
 * the F_ order.  X_TO is the state entered less the socket's state (0
 * nearly always). */
enum {
	X_STATE,
	X_FROM,
	X_FLAGS,
	X_INODE,
	X_LPORT,
	X_PID,
	X_TO,
	X_KIND,
	X_TCP_FLAGS,
	X_NETNS,
	X_SOCK
};
#define NX (X_SOCK + NF - 4)

/* Format 3: a block's numbers go to streams, one for each kind of number
 * (docs/recording.md), so that zlib finds alike numbers side by side.
 * Before format 3 every stream is the block's one stream. */
enum {
	ST_OP,                    /* op kinds, and the numbers without a stream of their own */
	ST_STEP,                  /* a step's time less the last step's */
	ST_WALL,                  /* unix times (8-byte doubles) */
	ST_X_TIME,                /* an exact-mode record's time less the last record's */
	ST_X_COOKIE,              /* its cookie less the last record's */
	ST_X_MASK,                /* the mask of its numbers that differ */
	ST_X_NAME,                /* the process it names */
	ST_D_COOKIE,              /* a destroy event's cookie less the last one's */
	ST_D_MASK,                /* the mask of its numbers that differ */
	ST_D_VAL,                 /* their differences */
	ST_S_CODE,                /* a sample's codes */
	ST_S_POS,                 /* where in the previous sample each code refers to */
	ST_S_RUN,                 /* how many sockets a copy takes */
	ST_S_MASK,                /* the masks of its sockets' numbers */
	ST_LOOKUP,                /* a lookup's cookie less the last answer's, found or not */
	ST_HOLD,                  /* a held cookie less the last held */
	ST_L_MASK,                /* a lookup's answer: the mask of its numbers that differ */
	ST_L_VAL,                 /* NF streams: their differences, by number */
	ST_X_VAL = ST_L_VAL + NF, /* NX streams: an exact-mode record's differences, by number */
	ST_S_VAL = ST_X_VAL + NX, /* NF streams: a sample's sockets' numbers, by number */
	ST_N = ST_S_VAL + NF
};
_Static_assert(ST_N == TL_REC_STREAMS, "TL_REC_STREAMS counts the streams");

/* Sample body codes (key frames have only literals). */
enum { S_LIT = 0, S_COPY = 1, S_DIFF = 2 };

/* 8 bytes little-endian. */
static inline uint64_t tl_recfmt_get64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* s as fields (ref: the sample's clock in ms, 0 outside a sample), and
 * back. */
void tl_recfmt_to_fields(const struct tl_sock *s, uint64_t ref, uint64_t f[NF]);
void tl_recfmt_from_fields(const uint64_t f[NF], uint64_t ref, struct tl_sock *s);

/* The clocks a socket's relative times are made absolute against: its
 * timer's time left, and the times since its last data and ACK. */
struct tl_rec_refs {
	uint64_t timer, age;
};
void tl_recfmt_to_fields_at(const struct tl_sock *s, struct tl_rec_refs at, uint64_t f[NF]);
void tl_recfmt_from_fields_at(const uint64_t f[NF], struct tl_rec_refs at, struct tl_sock *s);
/* Format 3: the bits of a positive unix time (a double) dt_ns later than
 * the one whose bits are given, as integers only (the same on every
 * machine); bits when it cannot tell. */
uint64_t tl_recfmt_wall_guess(uint64_t bits, uint64_t dt_ns);

/* Format 3: the socket a lookup's answer about cookie is told against:
 * the last answer about that cookie when its slot (of TL_REC_LSLOTS)
 * still holds it, else the last answer (about another). */
const struct tl_sock *tl_recfmt_lref(struct tl_rec_xstate *st, uint64_t cookie);
/* Remembers an answer (as the decoder rebuilt it). */
void tl_recfmt_lkeep(struct tl_rec_xstate *st, const struct tl_sock *s);

/* Format 3: in a sample of changes, the clocks follow the dump (which
 * reads each socket a little later than the one before, in jiffies): after
 * a socket found in the previous sample (prev, whose clock is pref), they
 * become those against which the socket's timer and last ACK had not
 * moved, so that an idle socket's numbers do not change. */
void tl_recfmt_refs_follow(struct tl_rec_refs *r, uint64_t pref, const struct tl_sock *cur,
			   const struct tl_sock *prev);
/* x as numbers (the socket's with ref 0), and back (time, cookie and the
 * process's name not included: the caller's). */
void tl_recfmt_x_to_vec(const struct tl_exact_rec *x, uint64_t v[NX]);
void tl_recfmt_x_from_vec(const uint64_t v[NX], struct tl_exact_rec *x);
/* The record a record of cookie is told against (format 2), and its
 * numbers as told against: its X_FROM is its state entered (the next
 * record's state left, nearly always), its X_INODE when 0 the last inode
 * a record had, and its ports swapped when it is not the cookie's (a
 * connection's first record on one end follows the other end's); then x
 * remembered for the next. */
const struct tl_exact_rec *tl_recfmt_xref(struct tl_rec_xstate *st, uint64_t cookie);
void tl_recfmt_xref_vec(const struct tl_rec_xstate *st, const struct tl_exact_rec *ref,
			uint64_t r[NX]);
/* The socket a destroy event's is told against (format 2), in *out: the
 * cookie's last exact-mode record's (its local port, when 0, the last
 * nonzero one of the slot's records), or the last destroyed (st->gone)
 * with its addresses and ports swapped. */
void tl_recfmt_dref(struct tl_rec_xstate *st, uint64_t cookie, struct tl_sock *out);
void tl_recfmt_xkeep(struct tl_rec_xstate *st, const struct tl_exact_rec *x);
void tl_recfmt_xfini(struct tl_rec_xstate *st);

/* Namespace ns's state in *arr, grown (and *n with it) to hold it. */
struct tl_rec_ns *tl_recfmt_ns(struct tl_rec_ns **arr, size_t *n, uint32_t ns);

#endif
