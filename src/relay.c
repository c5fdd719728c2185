/* relay: a delaying FIFO with a drop rule. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcpladder/relay.h"
#include "tcpladder/util.h"

int tl_pkt_parse(const uint8_t *p, size_t n, struct tl_pkt *out)
{
	memset(out, 0, sizeof(*out));
	if (n < 20 || (p[0] >> 4) != 4)
		return -EINVAL;
	size_t ihl = (size_t)(p[0] & 15) * 4;
	size_t total = (size_t)p[2] << 8 | p[3];
	if (ihl < 20 || total < ihl || total > n)
		return -EINVAL;
	if (p[9] != 6) /* not TCP: relayed, not described */
		return 0;
	const uint8_t *t = p + ihl;
	size_t tlen = total - ihl;
	if (tlen < 20)
		return -EINVAL;
	size_t doff = (size_t)(t[12] >> 4) * 4;
	if (doff < 20 || doff > tlen)
		return -EINVAL;
	out->tcp = true;
	out->sport = (uint16_t)(t[0] << 8 | t[1]);
	out->dport = (uint16_t)(t[2] << 8 | t[3]);
	out->seq = (uint32_t)t[4] << 24 | (uint32_t)t[5] << 16 | (uint32_t)t[6] << 8 | t[7];
	out->ack = (uint32_t)t[8] << 24 | (uint32_t)t[9] << 16 | (uint32_t)t[10] << 8 | t[11];
	out->flags = t[13];
	out->payload = (uint32_t)(tlen - doff);
	return 0;
}

void tl_pkt_describe(const struct tl_pkt *pkt, char *out, size_t len)
{
	uint8_t f = pkt->flags;
	if (!pkt->tcp) {
		snprintf(out, len, "(not TCP)");
		return;
	}
	if (f & 4)
		snprintf(out, len, "RST");
	else if ((f & 2) && (f & 16))
		snprintf(out, len, "SYN+ACK");
	else if (f & 2)
		snprintf(out, len, "SYN");
	else if (f & 1)
		snprintf(out, len, pkt->payload ? "FIN+ACK, data %u B" : "FIN+ACK", pkt->payload);
	else if (pkt->payload)
		snprintf(out, len, "data %u B", pkt->payload);
	else
		snprintf(out, len, "ACK");
}

void tl_relay_init(struct tl_relay *r, uint64_t delay_ns, size_t cap)
{
	memset(r, 0, sizeof(*r));
	r->delay_ns = delay_ns;
	r->cap = cap ? cap : 1;
	r->q = tl_calloc(r->cap, sizeof(*r->q));
}

void tl_relay_fini(struct tl_relay *r)
{
	free(r->q);
	memset(r, 0, sizeof(*r));
}

void tl_relay_set_rule(struct tl_relay *r, int rule)
{
	r->rule = rule;
	r->fin_seen[0] = r->fin_seen[1] = false;
	r->dropped = false;
	r->kept = r->just_kept = false;
}

/* Queue n bytes for side `to`, due at `due`; false when the link is full. */
static bool enqueue(struct tl_relay *r, int to, const uint8_t *p, size_t n, uint64_t due,
		    uint64_t stale_ns, bool hold)
{
	if (hold) /* half way, then it waits */
		due -= r->delay_ns - r->delay_ns / 2;
	if (n > TL_RELAY_MTU || r->n == r->cap)
		return false; /* a full link drops, as a real one would */
	struct tl_relay_entry *e = &r->q[(r->head + r->n) % r->cap];
	e->due = due;
	e->stale_ns = stale_ns;
	e->held = hold;
	e->to = to;
	e->len = n;
	memcpy(e->data, p, n);
	r->n++;
	return true;
}

bool tl_relay_push(struct tl_relay *r, int from, const uint8_t *p, size_t n, uint64_t now,
		   struct tl_pkt *pkt)
{
	struct tl_pkt local;
	if (!pkt)
		pkt = &local;
	tl_pkt_parse(p, n, pkt);
	r->just_kept = false;
	if (r->rule == TL_KEEP_SYN && !r->kept && from == 0 && pkt->tcp && pkt->flags == 2 &&
	    n <= TL_RELAY_MTU) {
		/* the first SYN: a copy stays behind on the link */
		r->kept = r->just_kept = true;
		r->kept_at = now;
		r->kept_len = n;
		memcpy(r->kept_data, p, n);
	}
	if (pkt->tcp && (pkt->flags & 1))
		r->fin_seen[from & 1] = true;
	if (pkt->tcp && (pkt->flags & 18) == 18)
		r->synack_out[from & 1] = ++r->count;
	/* The last ACK of a close: side 0 acknowledging side 1's FIN, with
	 * nothing else in it. */
	if (r->rule == TL_DROP_LAST_ACK && !r->dropped && from == 0 && pkt->tcp && r->fin_seen[1] &&
	    r->fin_seen[0] && pkt->flags == 16 && !pkt->payload) {
		r->dropped = true;
		return false;
	}
	/* Every answer A gives to B's FIN, however often B sends it. */
	if (r->rule == TL_DROP_ACKS && from == 0 && pkt->tcp && r->fin_seen[1] &&
	    pkt->flags == 16 && !pkt->payload) {
		r->dropped = true;
		return false;
	}
	/* only TCP segments are held: the rest (neighbour discovery) is not
	 * what the lab shows */
	return enqueue(r, !from, p, n, now + r->delay_ns, 0, r->step && pkt->tcp);
}

bool tl_relay_just_kept(const struct tl_relay *r)
{
	return r->just_kept;
}

int tl_relay_send_kept(struct tl_relay *r, uint64_t now, uint64_t *age_ns)
{
	if (!r->kept)
		return -ENOENT;
	uint64_t age = now > r->kept_at ? now - r->kept_at : 0;
	r->kept = false;
	if (age_ns)
		*age_ns = age;
	/* at least 1 ns old, so the entry is marked stale */
	return enqueue(r, 1, r->kept_data, r->kept_len, now + r->delay_ns, age ? age : 1, r->step)
		   ? 0
		   : -ENOBUFS;
}

static struct tl_relay_entry *entry(const struct tl_relay *r, size_t i)
{
	return &r->q[(r->head + i) % r->cap];
}

/* A held packet goes on: the second half of the link from now, or from
 * the middle if it has not reached it yet, and never before the one ahead. */
static void release(struct tl_relay *r, size_t i, uint64_t now)
{
	struct tl_relay_entry *e = entry(r, i);
	uint64_t from = e->due > now ? e->due : now;
	e->held = false;
	e->due = from + (r->delay_ns - r->delay_ns / 2);
	if (i && entry(r, i - 1)->due > e->due)
		e->due = entry(r, i - 1)->due;
}

void tl_relay_set_step(struct tl_relay *r, bool on, uint64_t now)
{
	r->step = on;
	if (!on)
		for (size_t i = 0; i < r->n; i++)
			if (entry(r, i)->held)
				release(r, i, now);
}

int tl_relay_release(struct tl_relay *r, uint64_t now, int *from, struct tl_pkt *pkt)
{
	for (size_t i = 0; i < r->n; i++) {
		struct tl_relay_entry *e = entry(r, i);
		if (!e->held)
			continue;
		release(r, i, now);
		if (from)
			*from = !e->to;
		if (pkt)
			tl_pkt_parse(e->data, e->len, pkt);
		return 0;
	}
	return -ENOENT;
}

size_t tl_relay_held(const struct tl_relay *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n; i++)
		n += entry(r, i)->held;
	return n;
}

bool tl_relay_on_link(const struct tl_relay *r, int from, const struct tl_pkt *pkt)
{
	/* Only what takes sequence space (SYN 2, FIN 1, data) is sent again by
	 * a timer; a second pure ACK or RST (4) answers a second segment. */
	if ((pkt->flags & 4) || (!pkt->payload && !(pkt->flags & 3)))
		return false;
	for (size_t i = 0; i < r->n; i++) {
		const struct tl_relay_entry *e = entry(r, i);
		struct tl_pkt q;
		if (e->to != from && tl_pkt_parse(e->data, e->len, &q) == 0 && q.tcp &&
		    q.flags == pkt->flags && q.seq == pkt->seq && q.sport == pkt->sport &&
		    q.payload == pkt->payload)
			return true;
	}
	return false;
}

bool tl_relay_answers(const struct tl_relay *r, int from, const struct tl_pkt *pkt)
{
	return pkt->tcp && (pkt->flags & 22) == 18 && r->syn_in[from & 1] > r->synack_out[from & 1];
}

const struct tl_relay_entry *tl_relay_pop(struct tl_relay *r, uint64_t now)
{
	if (!r->n || r->q[r->head].held || r->q[r->head].due > now)
		return NULL;
	const struct tl_relay_entry *e = &r->q[r->head];
	struct tl_pkt pkt;
	if (tl_pkt_parse(e->data, e->len, &pkt) == 0 && pkt.tcp && (pkt.flags & 18) == 2)
		r->syn_in[e->to & 1] = ++r->count;
	r->head = (r->head + 1) % r->cap;
	r->n--;
	return e;
}

uint64_t tl_relay_next_due(const struct tl_relay *r)
{
	return r->n && !r->q[r->head].held ? r->q[r->head].due : UINT64_MAX;
}
