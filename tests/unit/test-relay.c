/* The lab's relay: packet parsing, the delay queue and the drop rule. */
#include <errno.h>
#include <string.h>

#include "tcpladder/relay.h"
#include "tcpladder/scenario.h"
#include "tap.h"

#define MS 1000000ULL

/* A minimal IPv4+TCP packet with these flags and payload length. */
static size_t packet(uint8_t *p, uint8_t flags, uint32_t payload)
{
	size_t len = 40 + payload;
	memset(p, 0, len);
	p[0] = 0x45;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	p[9] = 6;
	p[20] = 0x1f; /* sport 8080 */
	p[21] = 0x90;
	p[22] = 0xc3; /* dport 50000 */
	p[23] = 0x50;
	p[24 + 3] = 7; /* seq 7 */
	p[32] = 0x50; /* data offset 5 words */
	p[33] = flags;
	return len;
}

int main(void)
{
	uint8_t p[200];
	struct tl_pkt pkt;
	char d[48];

	is_int(tl_pkt_parse(p, packet(p, 2, 0), &pkt), 0, "a SYN parses");
	ok(pkt.tcp && pkt.sport == 8080 && pkt.dport == 50000 && pkt.seq == 7 && pkt.flags == 2,
	   "ports, sequence and flags");
	tl_pkt_describe(&pkt, d, sizeof(d));
	is_str(d, "SYN", "SYN");
	tl_pkt_parse(p, packet(p, 18, 0), &pkt);
	tl_pkt_describe(&pkt, d, sizeof(d));
	is_str(d, "SYN+ACK", "SYN+ACK");
	tl_pkt_parse(p, packet(p, 17, 0), &pkt);
	tl_pkt_describe(&pkt, d, sizeof(d));
	is_str(d, "FIN+ACK", "FIN+ACK");
	tl_pkt_parse(p, packet(p, 24, 12), &pkt);
	tl_pkt_describe(&pkt, d, sizeof(d));
	is_str(d, "data 12 B", "data");
	tl_pkt_parse(p, packet(p, 4, 0), &pkt);
	tl_pkt_describe(&pkt, d, sizeof(d));
	is_str(d, "RST", "RST");
	is_int(tl_pkt_parse(p, 10, &pkt), -EINVAL, "a truncated packet is refused");
	size_t n = packet(p, 16, 0);
	p[32] = 0xf0; /* data offset past the end */
	is_int(tl_pkt_parse(p, n, &pkt), -EINVAL, "a lying data offset is refused");
	n = packet(p, 16, 0);
	p[3] = 200; /* total length past the buffer */
	is_int(tl_pkt_parse(p, n, &pkt), -EINVAL, "a lying total length is refused");

	struct tl_relay r;
	tl_relay_init(&r, 300 * MS, 4);
	ok(tl_relay_push(&r, 0, p, packet(p, 2, 0), 1000 * MS, &pkt), "queued");
	ok(tl_relay_push(&r, 1, p, packet(p, 18, 0), 1100 * MS, &pkt), "queued");
	ok(tl_relay_pop(&r, 1299 * MS) == NULL, "nothing before the delay");
	const struct tl_relay_entry *e = tl_relay_pop(&r, 1300 * MS);
	ok(e && e->to == 1 && e->len == 40, "after the delay, to the other side");
	is_int(tl_relay_next_due(&r), 1400 * MS, "the next is due 300 ms after it came");
	e = tl_relay_pop(&r, 2000 * MS);
	ok(e && e->to == 0, "in order");
	ok(tl_relay_pop(&r, 3000 * MS) == NULL && tl_relay_next_due(&r) == UINT64_MAX, "empty");
	for (int i = 0; i < 4; i++)
		tl_relay_push(&r, 0, p, packet(p, 16, 0), 4000 * MS, NULL);
	ok(!tl_relay_push(&r, 0, p, packet(p, 16, 0), 4000 * MS, NULL), "a full link drops");
	tl_relay_fini(&r);

	/* The drop rule loses A's ACK of B's FIN, once. */
	tl_relay_init(&r, 1, 64);
	tl_relay_set_rule(&r, TL_DROP_LAST_ACK);
	ok(tl_relay_push(&r, 0, p, packet(p, 16, 0), 0, NULL), "an ACK before any FIN passes");
	ok(tl_relay_push(&r, 0, p, packet(p, 17, 0), 0, NULL), "A's FIN passes");
	ok(tl_relay_push(&r, 1, p, packet(p, 16, 0), 0, NULL), "B's ACK passes");
	ok(tl_relay_push(&r, 1, p, packet(p, 17, 0), 0, NULL), "B's FIN passes");
	ok(!tl_relay_push(&r, 0, p, packet(p, 16, 0), 0, NULL) && r.dropped, "A's last ACK is lost");
	ok(tl_relay_push(&r, 1, p, packet(p, 17, 0), 0, NULL), "B's FIN again passes");
	ok(tl_relay_push(&r, 0, p, packet(p, 16, 0), 0, NULL), "and TIME-WAIT's answer gets through");
	tl_relay_fini(&r);

	/* An old duplicate: a copy of A's first SYN, delivered on demand. */
	uint64_t age = 0;
	tl_relay_init(&r, 300 * MS, 8);
	tl_relay_set_rule(&r, TL_KEEP_SYN);
	is_int(tl_relay_send_kept(&r, 0, &age), -ENOENT, "no copy before a SYN");
	ok(tl_relay_push(&r, 1, p, packet(p, 2, 0), 1000 * MS, NULL) && !tl_relay_just_kept(&r),
	   "a SYN from B is not kept");
	ok(tl_relay_push(&r, 0, p, packet(p, 18, 0), 1000 * MS, NULL) && !tl_relay_just_kept(&r),
	   "a SYN+ACK from A is not kept");
	size_t syn_len = packet(p, 2, 0);
	p[24 + 3] = 42; /* seq 42: the copy is this packet */
	ok(tl_relay_push(&r, 0, p, syn_len, 2000 * MS, &pkt) && tl_relay_just_kept(&r),
	   "A's SYN crosses, and a copy is kept");
	ok(tl_relay_push(&r, 0, p, packet(p, 2, 0), 3000 * MS, NULL) && !tl_relay_just_kept(&r),
	   "only the first SYN is kept");
	for (int i = 0; i < 4; i++)
		ok(tl_relay_pop(&r, 3300 * MS) != NULL, "the original and the others arrive (%d)", i);
	ok(!tl_relay_pop(&r, 100000 * MS), "then the link is empty: the copy waits aside");
	is_int(tl_relay_send_kept(&r, 14000 * MS, &age), 0, "the copy is sent later");
	is_int(age, 12000 * MS, "its age: 12 s since the original");
	ok(!tl_relay_pop(&r, 14299 * MS), "it crosses the link like any packet");
	e = tl_relay_pop(&r, 14300 * MS);
	ok(e && e->to == 1 && e->stale_ns == 12000 * MS && e->len == syn_len && e->data[27] == 42,
	   "to B, marked stale, the kept packet itself");
	is_int(tl_relay_send_kept(&r, 15000 * MS, &age), -ENOENT, "sent once");
	tl_relay_set_rule(&r, TL_KEEP_SYN);
	tl_relay_push(&r, 0, p, packet(p, 2, 0), 16000 * MS, NULL);
	ok(tl_relay_just_kept(&r), "a new rule keeps a new copy");
	tl_relay_set_rule(&r, TL_DROP_NONE);
	is_int(tl_relay_send_kept(&r, 17000 * MS, &age), -ENOENT, "a rule change forgets it");
	tl_relay_fini(&r);

	/* Step mode: each packet stops half way until released. */
	tl_relay_init(&r, 300 * MS, 8);
	tl_relay_set_step(&r, true, 0);
	tl_relay_push(&r, 0, p, packet(p, 2, 0), 1000 * MS, NULL);
	tl_pkt_parse(p, packet(p, 18, 0), &pkt);
	ok(!tl_relay_on_link(&r, 1, &pkt), "B's SYN+ACK is not a copy of anything on the link");
	tl_relay_push(&r, 1, p, packet(p, 18, 0), 1000 * MS, NULL);
	is_int(tl_relay_held(&r), 2, "both held");
	uint8_t v6[40] = {0x60};
	ok(tl_relay_push(&r, 0, v6, sizeof(v6), 1000 * MS, NULL) && tl_relay_held(&r) == 2,
	   "a packet that is not TCP is not held (it waits behind those that are)");
	ok(!tl_relay_pop(&r, 60000 * MS) && tl_relay_next_due(&r) == UINT64_MAX,
	   "nothing arrives while held, however long");
	tl_pkt_parse(p, packet(p, 2, 0), &pkt);
	ok(tl_relay_on_link(&r, 0, &pkt), "A's SYN sent again is seen as a retransmission");
	ok(!tl_relay_on_link(&r, 1, &pkt), "the same segment from B would not be");
	int from = -1;
	is_int(tl_relay_release(&r, 60000 * MS, &from, &pkt), 0, "Space releases one");
	ok(pkt.flags == 2 && from == 0, "the first held: A's SYN");
	is_int(tl_relay_held(&r), 1, "the other still held");
	ok(!tl_relay_pop(&r, 60149 * MS), "the released one takes the other half of the link");
	e = tl_relay_pop(&r, 60150 * MS);
	ok(e && e->to == 1, "then arrives");
	ok(!tl_relay_pop(&r, 99000 * MS), "the next stays held");
	tl_relay_set_step(&r, false, 100000 * MS);
	is_int(tl_relay_held(&r), 0, "leaving step mode releases all");
	e = tl_relay_pop(&r, 100150 * MS);
	ok(e && e->to == 0, "which arrive after the other half");
	e = tl_relay_pop(&r, 100150 * MS);
	ok(e && e->len == sizeof(v6), "and what waited behind them");
	ok(tl_relay_push(&r, 0, p, packet(p, 16, 0), 200000 * MS, NULL) && !tl_relay_held(&r) &&
		   tl_relay_next_due(&r) == 200300 * MS,
	   "then the normal delay again");
	is_int(tl_relay_release(&r, 200000 * MS, NULL, NULL), -ENOENT, "nothing to release");
	tl_relay_set_step(&r, true, 200000 * MS);
	tl_relay_push(&r, 0, p, packet(p, 17, 0), 200100 * MS, NULL);
	is_int(tl_relay_release(&r, 200110 * MS, NULL, NULL), 0, "released before it reached the middle");
	ok(tl_relay_pop(&r, 200300 * MS) && !tl_relay_pop(&r, 200399 * MS) && tl_relay_pop(&r, 200400 * MS),
	   "it still takes the whole delay, behind the one ahead");
	tl_relay_fini(&r);

	/* Only what a timer can send again is a retransmission: a second
	 * identical pure ACK or RST answers a second segment. */
	tl_relay_init(&r, 300 * MS, 8);
	tl_relay_set_step(&r, true, 0);
	tl_relay_push(&r, 1, p, packet(p, 16, 0), 1000 * MS, NULL);
	tl_relay_push(&r, 1, p, packet(p, 4, 0), 1000 * MS, NULL);
	tl_relay_push(&r, 1, p, packet(p, 17, 0), 1000 * MS, NULL);
	tl_relay_push(&r, 1, p, packet(p, 24, 5), 1000 * MS, NULL);
	tl_pkt_parse(p, packet(p, 16, 0), &pkt);
	ok(!tl_relay_on_link(&r, 1, &pkt), "a pure ACK again is not a retransmission");
	tl_pkt_parse(p, packet(p, 4, 0), &pkt);
	ok(!tl_relay_on_link(&r, 1, &pkt), "nor is an RST again");
	tl_pkt_parse(p, packet(p, 17, 0), &pkt);
	ok(tl_relay_on_link(&r, 1, &pkt), "a FIN again is");
	tl_pkt_parse(p, packet(p, 24, 5), &pkt);
	ok(tl_relay_on_link(&r, 1, &pkt), "and data again");
	tl_relay_fini(&r);

	/* Step mode: A's SYN held, sent again by A's timer (held too); one
	 * released reaches B, whose SYN+ACK is held; the second copy
	 * released reaches B too, and B's kernel answers it with its SYN+ACK
	 * again: still on the link, but an answer, not B's timer. */
	tl_relay_init(&r, 300 * MS, 16);
	tl_relay_set_step(&r, true, 0);
	tl_relay_push(&r, 0, p, packet(p, 2, 0), 0, NULL);
	tl_relay_push(&r, 0, p, packet(p, 2, 0), 1000 * MS, NULL);
	tl_relay_release(&r, 2000 * MS, NULL, NULL);
	e = tl_relay_pop(&r, 2150 * MS);
	ok(e && e->to == 1, "the first SYN reaches B");
	tl_pkt_parse(p, packet(p, 18, 0), &pkt);
	ok(!tl_relay_on_link(&r, 1, &pkt), "B's first SYN+ACK is new");
	tl_relay_push(&r, 1, p, packet(p, 18, 0), 2160 * MS, NULL);
	tl_pkt_parse(p, packet(p, 18, 0), &pkt);
	ok(tl_relay_on_link(&r, 1, &pkt) && !tl_relay_answers(&r, 1, &pkt),
	   "B's SYN+ACK again with no SYN delivered since: its timer");
	tl_relay_release(&r, 3000 * MS, NULL, NULL);
	e = tl_relay_pop(&r, 3150 * MS);
	ok(e && e->to == 1, "the SYN's second copy reaches B");
	ok(tl_relay_on_link(&r, 1, &pkt) && tl_relay_answers(&r, 1, &pkt),
	   "B's SYN+ACK sent now answers that SYN (still on the link, not its timer)");
	tl_relay_push(&r, 1, p, packet(p, 18, 0), 3160 * MS, NULL);
	ok(!tl_relay_answers(&r, 1, &pkt), "and one more after that, with no SYN since: the timer");
	tl_pkt_parse(p, packet(p, 17, 0), &pkt);
	ok(!tl_relay_answers(&r, 1, &pkt), "only a SYN+ACK answers a SYN");
	tl_relay_fini(&r);

	/* late-fin: every ACK from A after B's FIN is lost. */
	tl_relay_init(&r, 1, 64);
	tl_relay_set_rule(&r, TL_DROP_ACKS);
	ok(tl_relay_push(&r, 0, p, packet(p, 17, 0), 0, NULL), "A's FIN passes");
	ok(tl_relay_push(&r, 0, p, packet(p, 16, 0), 0, NULL), "A's ACK before B's FIN passes");
	ok(tl_relay_push(&r, 1, p, packet(p, 17, 0), 0, NULL), "B's FIN passes");
	for (int i = 0; i < 5; i++) {
		ok(!tl_relay_push(&r, 0, p, packet(p, 16, 0), 0, NULL), "A's ACK after it is lost (%d)", i);
		ok(tl_relay_push(&r, 1, p, packet(p, 17, 0), 0, NULL), "B's FIN again passes (%d)", i);
	}
	ok(tl_relay_push(&r, 0, p, packet(p, 4, 0), 0, NULL), "A's RST passes");
	tl_relay_fini(&r);

	is_int(tl_scenario_find("lost-ack"), TL_SCENARIO_LOST_ACK, "scenarios by name");
	is_int(tl_scenario_find("nope"), -1, "unknown scenario");
	for (int i = 0; i < TL_SCENARIO_N; i++)
		is_int(tl_scenario_find(tl_scenario_name(i)), i, "scenario %d found by its name", i);
	ok(!tl_scenario_name(TL_SCENARIO_N) && !tl_scenario_name(-1), "no scenario out of range");
	for (int i = 0; i < TL_SCENARIO_N; i++) {
		const char *en = tl_scenario_caption(i, "en"), *zh = tl_scenario_caption(i, "zh");
		ok(en && zh && strcmp(en, zh) && !strchr(en, '\n') && !strchr(zh, '\n'),
		   "%s: a one-line caption in English and in Chinese", tl_scenario_name(i));
		ok(tl_scenario_explain(i, "en") && tl_scenario_explain(i, "zh") &&
			   strcmp(tl_scenario_explain(i, "en"), tl_scenario_explain(i, "zh")),
		   "%s: an explanation in each", tl_scenario_name(i));
		ok(tl_scenario_caption(i, NULL) == en && tl_scenario_explain(i, "fr") ==
			   tl_scenario_explain(i, "en"), "%s: English by default", tl_scenario_name(i));
	}
	ok(!tl_scenario_caption(TL_SCENARIO_N, "en") && !tl_scenario_explain(-1, "zh"),
	   "no caption out of range");
	is_str(tl_scenario_list(), "full, server-first, rst, lost-ack, leak, tw-storm, half-close, dup-syn, late-fin",
	       "the names, listed for the usage error");
	for (int i = 0; i < TL_SCENARIO_N; i++)
		is_int(tl_scenario_link_rule(i),
		       i == TL_SCENARIO_LOST_ACK   ? TL_DROP_LAST_ACK
		       : i == TL_SCENARIO_DUP_SYN  ? TL_KEEP_SYN
		       : i == TL_SCENARIO_LATE_FIN ? TL_DROP_ACKS
						   : TL_DROP_NONE,
		       "%s: the link's rule", tl_scenario_name(i));
	return tap_done();
}
