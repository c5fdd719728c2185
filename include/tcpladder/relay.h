/* relay: the slow link of the lab, as a pure queue.  IP packets read from
 * one side's TUN device are held for the link delay, then handed to the
 * other side; a drop rule can lose one chosen segment (the last ACK of a
 * close, which shows why TIME-WAIT exists); the link can keep a copy of
 * side 0's SYN and deliver it much later (an old duplicate).  The TUN I/O
 * is demo.c's. */
#ifndef TCPLADDER_RELAY_H
#define TCPLADDER_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a packet is, as far as the lab cares. */
struct tl_pkt {
	bool tcp;
	uint16_t sport, dport;
	uint8_t flags; /* TCP flags: FIN 1, SYN 2, RST 4, PSH 8, ACK 16 */
	uint32_t seq, ack;
	uint32_t payload;
};

/* A TCP segment the link carried (or dropped, held, or sent as a stale
 * copy), at the exact time it was put on the link: what the ladder draws
 * in the lab (steps.h keeps them, ladder.h joins them to a connection). */
struct tl_link_seg {
	uint64_t mono_ns;
	double wall;
	int8_t from;       /* 0: A (the client's side) to B, 1: B to A */
	bool dropped;      /* lost by the link */
	bool held;         /* step mode: stopped mid-link until released */
	bool resent;       /* the same segment still on the link: sent again */
	bool answer;       /* ... not by a timer: an answer to a copy delivered to its sender */
	bool released;     /* not a new segment: a held one released now */
	uint64_t stale_ns; /* a kept copy sent now: its original's age; else 0 */
	struct tl_pkt pkt;
};

/* Parse an IPv4 packet (TUN without packet information): 0 or -EINVAL. */
int tl_pkt_parse(const uint8_t *p, size_t n, struct tl_pkt *out);
/* "SYN", "SYN+ACK", "ACK", "FIN+ACK", "RST", "data 5 B" ... */
void tl_pkt_describe(const struct tl_pkt *pkt, char *out, size_t len);

enum tl_drop_rule {
	TL_DROP_NONE,
	TL_DROP_LAST_ACK, /* side 0's pure ACK of side 1's FIN, once */
	TL_KEEP_SYN,      /* nothing dropped; a copy of side 0's first SYN kept */
	TL_DROP_ACKS,     /* every pure ACK from side 0 after side 1's FIN */
};

#define TL_RELAY_MTU 2048

struct tl_relay_entry {
	uint64_t due;
	uint64_t stale_ns; /* a kept copy: how long ago the original crossed; else 0 */
	bool held;         /* step mode: stops in the middle of the link until released */
	int to;
	size_t len;
	uint8_t data[TL_RELAY_MTU];
};

struct tl_relay {
	uint64_t delay_ns;
	struct tl_relay_entry *q; /* FIFO: one delay, so arrival order is due order */
	size_t head, n, cap;
	int rule;
	bool fin_seen[2]; /* a FIN came from side i */
	bool dropped;     /* the rule fired */
	bool step;        /* step mode: each new TCP segment is held mid-link */
	/* what each side was handed and sent, in one count of pushes and pops:
	 * the last SYN delivered to side i, the last SYN+ACK it sent */
	uint64_t count, syn_in[2], synack_out[2];
	/* TL_KEEP_SYN: the copy, and when its original was sent */
	bool kept, just_kept;
	uint64_t kept_at;
	size_t kept_len;
	uint8_t kept_data[TL_RELAY_MTU];
};

void tl_relay_init(struct tl_relay *r, uint64_t delay_ns, size_t cap);
void tl_relay_fini(struct tl_relay *r);
void tl_relay_set_rule(struct tl_relay *r, int rule);
/* A packet from side `from` (0 or 1) at now: queued for the other side
 * unless dropped (by the rule, a full queue or its size).  Returns true
 * when queued; *pkt says what it was. */
bool tl_relay_push(struct tl_relay *r, int from, const uint8_t *p, size_t n, uint64_t now,
		   struct tl_pkt *pkt);
/* A copy of that packet was kept (TL_KEEP_SYN): true once, for the push
 * that made it. */
bool tl_relay_just_kept(const struct tl_relay *r);
/* Put the kept copy on the link to side 1 at now, as a packet sent now;
 * *age_ns says how long ago its original was sent.  0, -ENOENT when no
 * copy is kept, -ENOBUFS when the link is full.  The copy is forgotten. */
int tl_relay_send_kept(struct tl_relay *r, uint64_t now, uint64_t *age_ns);
/* Step mode: every TCP segment pushed from now on stops in the middle of
 * the link (half the delay) until released; it then takes the other half;
 * what follows a held packet waits behind it.
 * Turning it off releases every held packet. */
void tl_relay_set_step(struct tl_relay *r, bool on, uint64_t now);
/* Release the first held packet (the others wait behind it, in order):
 * 0, or -ENOENT when none is held.  *from and *pkt say which side sent
 * it and what it was (either may be NULL). */
int tl_relay_release(struct tl_relay *r, uint64_t now, int *from, struct tl_pkt *pkt);
/* How many packets are held, or on their way to be held. */
size_t tl_relay_held(const struct tl_relay *r);
/* A packet from side `from` with pkt's flags and sequence number is still
 * on the link: pkt, pushed now, is the sender's retransmission.  Only a
 * SYN, a FIN or data can be: a pure ACK or an RST is never sent again by a
 * timer, and a second one answers a second segment. */
bool tl_relay_on_link(const struct tl_relay *r, int from, const struct tl_pkt *pkt);
/* pkt, pushed now from side `from` and still on the link
 * (tl_relay_on_link), was not sent again by a timer: it answers a copy
 * the link delivered to its sender since its previous copy was sent (a
 * SYN+ACK after a SYN delivered again: the request socket answers every
 * SYN).  Call before pushing pkt. */
bool tl_relay_answers(const struct tl_relay *r, int from, const struct tl_pkt *pkt);
/* The oldest packet due by now: returns its entry (valid until the next
 * push or pop) or NULL. */
const struct tl_relay_entry *tl_relay_pop(struct tl_relay *r, uint64_t now);
/* When the next packet is due (UINT64_MAX when empty, or when the first
 * is held). */
uint64_t tl_relay_next_due(const struct tl_relay *r);

#endif
