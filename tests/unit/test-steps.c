/* Each connection's own steps (steps.h): head and tail, the count of
 * those not shown, the first-seen record of a connection found open, the
 * global cap (closed connections' steps go first), and ladders built from
 * the store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "tcpladder/ladder.h"
#include "tcpladder/ladderview.h"
#include "tcpladder/narration.h"
#include "tcpladder/steps.h"
#include "tcpladder/tcpstate.h"
#include "tcpladder/util.h"
#include "tap.h"

#define MS 1000000ULL
#define WALL0 1764064800.0 /* 2025-11-25 10:00:00 UTC */

static struct tl_event ev_of(uint32_t conn, int kind, int from, int to, uint64_t ms)
{
	struct tl_event e;
	memset(&e, 0, sizeof(e));
	e.conn = conn;
	e.kind = (uint8_t)kind;
	e.from = (uint8_t)from;
	e.to = (uint8_t)to;
	e.mono_ns = ms * MS;
	e.wall = WALL0 + (double)ms / 1000;
	e.role = TL_ROLE_ACTIVE;
	e.sock.family = AF_INET;
	e.sock.local[0] = e.sock.remote[0] = 10;
	e.sock.local[3] = 1;
	e.sock.remote[3] = 2;
	e.sock.lport = 45000;
	e.sock.rport = 80;
	e.sock.state = (uint8_t)to;
	const struct tl_fsm_edge *edge =
	    tl_fsm_edge(from ? from : TL_TCP_CLOSE, to, TL_ROLE_ACTIVE);
	if (edge) {
		e.segment = edge->segment;
		e.dir = edge->dir;
		e.why = edge->why;
	}
	return e;
}

/* A client's whole life: 6 events. */
static void life(struct tl_steps *s, uint32_t conn, uint64_t t)
{
	static const int path[] = {0,
				   TL_TCP_SYN_SENT,
				   TL_TCP_ESTABLISHED,
				   TL_TCP_FIN_WAIT1,
				   TL_TCP_FIN_WAIT2,
				   TL_TCP_TIME_WAIT,
				   TL_TCP_CLOSE};
	for (size_t i = 1; i < sizeof(path) / sizeof(path[0]); i++) {
		int kind = i == 1                    ? TL_EV_OPEN
			   : path[i] == TL_TCP_CLOSE ? TL_EV_CLOSE
						     : TL_EV_TRANSITION;
		struct tl_event e = ev_of(conn, kind, path[i - 1], path[i], t + i);
		tl_steps_add(s, &e);
	}
}

static void test_head_tail(void)
{
	struct tl_steps *s = tl_steps_new(0);
	struct tl_event out[TL_STEPS_MAX];
	size_t gap;
	uint64_t hidden;

	life(s, 7, 0);
	size_t n = tl_steps_get(s, 7, out, TL_STEPS_MAX, &gap, &hidden);
	is_int(n, 6, "a short life is kept whole");
	is_int(hidden, 0, "nothing hidden");
	ok(out[0].kind == TL_EV_OPEN && out[5].kind == TL_EV_CLOSE, "in order, open first");
	is_int(tl_steps_get(s, 99, out, TL_STEPS_MAX, &gap, &hidden), 0, "unknown: nothing");

	/* a connection that flaps 100 times: its first and last are kept */
	for (uint64_t i = 0; i < 100; i++) {
		struct tl_event e =
		    ev_of(9, i ? TL_EV_TRANSITION : TL_EV_OPEN, 0, TL_TCP_ESTABLISHED, 1000 + i);
		tl_steps_add(s, &e);
	}
	n = tl_steps_get(s, 9, out, TL_STEPS_MAX, &gap, &hidden);
	is_int(n, TL_STEPS_MAX, "head and tail kept");
	is_int(hidden, 100 - TL_STEPS_MAX, "the rest counted");
	is_int(gap, TL_STEPS_HEAD, "the gap after the head");
	is_int(out[0].mono_ns, 1000 * MS, "the first event first");
	is_int(out[TL_STEPS_HEAD - 1].mono_ns, (1000 + TL_STEPS_HEAD - 1) * MS, "the head's last");
	is_int(out[TL_STEPS_HEAD].mono_ns, (1100 - TL_STEPS_TAIL) * MS, "the tail's first");
	is_int(out[n - 1].mono_ns, 1099 * MS, "the newest last");
	ok(tl_steps_events(s) == 6 + TL_STEPS_MAX, "events counted: %zu", tl_steps_events(s));
	tl_steps_free(s);
}

static void test_sync(void)
{
	struct tl_steps *s = tl_steps_new(0);
	struct tl_event out[TL_STEPS_MAX];
	size_t gap;
	uint64_t hidden;
	struct tl_conn c[3];
	memset(c, 0, sizeof(c));

	life(s, 7, 0);
	life(s, 8, 0);
	/* 8 is still known to the tracker, 7 is not; 11 was found open */
	c[0].id = 8;
	c[0].state = TL_TCP_CLOSE;
	c[2].id = 11;
	c[2].state = TL_TCP_ESTABLISHED;
	c[2].role = TL_ROLE_PASSIVE;
	c[2].first_seen_ns = 5000 * MS;
	c[2].first_seen_wall = WALL0 + 5.25;
	c[2].sock.lport = 80;
	tl_steps_sync(s, c, 3);
	ok(!tl_steps_has(s, 7), "forgotten by the tracker: dropped");
	ok(tl_steps_has(s, 8), "still known: kept");
	is_int(tl_steps_get(s, 8, out, TL_STEPS_MAX, &gap, &hidden), 6, "its steps intact");
	size_t n = tl_steps_get(s, 11, out, TL_STEPS_MAX, &gap, &hidden);
	is_int(n, 1, "found open: one record");
	ok(out[0].kind == TL_EV_OPEN && out[0].segment == TL_SEG_NONE && !out[0].inferred &&
	       !out[0].why && out[0].to == TL_TCP_ESTABLISHED && out[0].from == 0,
	   "an open of no segment, in the state first seen, not inferred");
	is_int(out[0].mono_ns, 5000 * MS, "at the time first seen");
	is_int(out[0].role, TL_ROLE_PASSIVE, "with its role");
	/* a second sync adds nothing */
	tl_steps_sync(s, c, 3);
	is_int(tl_steps_get(s, 11, out, TL_STEPS_MAX, &gap, &hidden), 1, "synced twice: once");
	is_int(tl_steps_conns(s), 2, "two connections");
	tl_steps_free(s);
}

static void test_cap(void)
{
	/* 64 events at most: 8 lives of 6 closed, one open connection (the
	 * oldest) with 2 events */
	struct tl_steps *s = tl_steps_new(64);
	struct tl_event out[TL_STEPS_MAX];
	size_t gap;
	uint64_t hidden;
	struct tl_event e = ev_of(1, TL_EV_OPEN, 0, TL_TCP_SYN_SENT, 0);
	tl_steps_add(s, &e);
	e = ev_of(1, TL_EV_TRANSITION, TL_TCP_SYN_SENT, TL_TCP_ESTABLISHED, 1);
	tl_steps_add(s, &e);
	for (uint32_t id = 2; id < 40; id++)
		life(s, id, id * 100);
	ok(tl_steps_events(s) <= 64, "under the cap: %zu", tl_steps_events(s));
	is_int(tl_steps_get(s, 1, out, TL_STEPS_MAX, &gap, &hidden), 2,
	       "the oldest open connection keeps its steps");
	is_int(hidden, 0, "none of its hidden");
	is_int(tl_steps_get(s, 39, out, TL_STEPS_MAX, &gap, &hidden), 6, "the newest keeps its");
	size_t n = tl_steps_get(s, 2, out, TL_STEPS_MAX, &gap, &hidden);
	ok(n == 1 && hidden == 5 && gap == 0 && out[0].kind == TL_EV_CLOSE,
	   "an old closed one: its newest step kept, the 5 before counted");
	ok(tl_steps_has(s, 2), "... and the connection still known");

	/* all open: the least recently changed go */
	struct tl_steps *t = tl_steps_new(64);
	for (uint32_t id = 1; id < 40; id++) {
		e = ev_of(id, TL_EV_OPEN, 0, TL_TCP_SYN_SENT, id);
		tl_steps_add(t, &e);
		e = ev_of(id, TL_EV_TRANSITION, TL_TCP_SYN_SENT, TL_TCP_ESTABLISHED, id);
		tl_steps_add(t, &e);
	}
	ok(tl_steps_events(t) <= 64, "open ones under the cap too: %zu", tl_steps_events(t));
	is_int(tl_steps_get(t, 39, out, TL_STEPS_MAX, &gap, &hidden), 2, "the newest kept");
	n = tl_steps_get(t, 1, out, TL_STEPS_MAX, &gap, &hidden);
	ok(n == 1 && hidden == 1 && out[0].to == TL_TCP_ESTABLISHED,
	   "the oldest kept only its newest");
	/* it closes later: what comes is kept after the gap */
	e = ev_of(1, TL_EV_TRANSITION, TL_TCP_ESTABLISHED, TL_TCP_FIN_WAIT1, 500);
	tl_steps_add(t, &e);
	n = tl_steps_get(t, 1, out, TL_STEPS_MAX, &gap, &hidden);
	ok(n == 2 && gap == 0 && hidden == 1 && out[1].to == TL_TCP_FIN_WAIT1,
	   "later steps kept after it, the gap before");
	ok(tl_steps_events(t) <= 64 + 64 / 8 + 1, "near the cap: %zu", tl_steps_events(t));

	/* TIME-WAIT counts as finished: its steps go before an older open one's */
	struct tl_steps *u = tl_steps_new(64);
	e = ev_of(1, TL_EV_OPEN, 0, TL_TCP_SYN_SENT, 0);
	tl_steps_add(u, &e);
	e = ev_of(1, TL_EV_TRANSITION, TL_TCP_SYN_SENT, TL_TCP_ESTABLISHED, 1);
	tl_steps_add(u, &e);
	for (uint32_t id = 2; id < 40; id++) {
		static const int tw[] = {0,
					 TL_TCP_SYN_SENT,
					 TL_TCP_ESTABLISHED,
					 TL_TCP_FIN_WAIT1,
					 TL_TCP_FIN_WAIT2,
					 TL_TCP_TIME_WAIT};
		for (size_t i = 1; i < 6; i++) {
			e = ev_of(id, i == 1 ? TL_EV_OPEN : TL_EV_TRANSITION, tw[i - 1], tw[i],
				  id * 100 + i);
			tl_steps_add(u, &e);
		}
	}
	is_int(tl_steps_get(u, 1, out, TL_STEPS_MAX, &gap, &hidden), 2,
	       "an old open connection outlives newer ones in TIME-WAIT");
	tl_steps_free(u);
	tl_steps_free(s);
	tl_steps_free(t);
}

static bool has_line(const char *text, const char *want)
{
	return strstr(text, want) != NULL;
}

static void test_ladder(void)
{
	struct tl_steps *s = tl_steps_new(0);
	struct tl_ladder *l = tl_ladder_new();
	struct tl_buf b;
	struct tl_conn c;
	tl_buf_init(&b);

	/* found in ESTABLISHED, then closes first: no handshake invented */
	memset(&c, 0, sizeof(c));
	c.id = 21;
	c.state = TL_TCP_ESTABLISHED;
	c.role = TL_ROLE_ACTIVE;
	c.first_seen_ns = 2000 * MS;
	c.first_seen_wall = WALL0 + 2.345;
	c.sock = ev_of(21, 0, 0, TL_TCP_ESTABLISHED, 0).sock;
	tl_steps_sync(s, &c, 1);
	struct tl_event e = ev_of(21, TL_EV_TRANSITION, TL_TCP_ESTABLISHED, TL_TCP_FIN_WAIT1, 3000);
	tl_steps_add(s, &e);
	tl_ladder_build_steps(l, s, 21, 0);
	ok(tl_ladder_steps(l) >= 2, "steps: %zu", tl_ladder_steps(l));
	const struct tl_ladder_step *st = tl_ladder_step(l, 0);
	ok(st->kind == TL_LADDER_SEEN && st->state == TL_TCP_ESTABLISHED && !st->inferred,
	   "the first row: first seen, observed");
	tl_narration_label(st, &b);
	is_str(b.data, "first seen in ESTABLISHED at 10:00:02.345", "its words");
	bool syn = false;
	for (size_t i = 0; i < tl_ladder_steps(l); i++)
		syn |= tl_ladder_step(l, i)->segment == TL_SEG_SYN ||
		       tl_ladder_step(l, i)->segment == TL_SEG_SYNACK;
	ok(!syn, "no handshake invented");
	is_int(tl_ladder_first_state(l, 0), TL_TCP_ESTABLISHED, "A starts ESTABLISHED");
	tl_buf_reset(&b);
	tl_ladder_text(l, 100, "en", true, &b);
	ok(has_line(b.data, "| first seen in ESTABLISHED") && has_line(b.data, "| at 10:00:02.345"),
	   "in the text, its time on the row below");
	if (!has_line(b.data, "first seen in"))
		tap_diag_text("text", b.data);

	/* a flapping one: the gap is a row of its own */
	for (uint64_t i = 0; i < 50; i++) {
		e = ev_of(22, i ? TL_EV_TRANSITION : TL_EV_OPEN, i ? TL_TCP_SYN_SENT : 0,
			  TL_TCP_SYN_SENT, 100 + i);
		tl_steps_add(s, &e);
	}
	tl_ladder_build_steps(l, s, 22, 0);
	size_t gaps = 0;
	for (size_t i = 0; i < tl_ladder_steps(l); i++) {
		st = tl_ladder_step(l, i);
		if (st->kind != TL_LADDER_GAP)
			continue;
		gaps++;
		tl_buf_reset(&b);
		tl_narration_label(st, &b);
		is_str(b.data, "18 steps not shown", "the gap's words");
	}
	is_int(gaps, 1, "one gap row");

	/* a replay shows the built ladder a row at a time: the first k
	 * rows, the newest arrow among them, each end's clock as it was */
	size_t all = tl_ladder_steps(l);
	size_t k = all / 2;
	struct tl_ladder_last before[2];
	bool had[2] = {tl_ladder_last(l, 0, &before[0]), tl_ladder_last(l, 1, &before[1])};
	tl_ladder_truncate(l, k);
	is_int(tl_ladder_steps(l), k, "truncated to %zu of %zu rows", k, all);
	ok(tl_ladder_newest(l) < (int)k, "the newest arrow among them (%d)", tl_ladder_newest(l));
	bool back = true;
	for (int x = 0; x < 2; x++) {
		struct tl_ladder_last now;
		if (tl_ladder_last(l, x, &now))
			back &= now.mono_ns <= tl_ladder_step(l, k - 1)->mono_ns &&
				(!had[x] || now.mono_ns <= before[x].mono_ns);
	}
	ok(back, "each end's last state no later than the last row shown");
	tl_ladder_truncate(l, all + 5);
	is_int(tl_ladder_steps(l), k, "a longer count changes nothing");
	tl_ladder_truncate(l, 0);
	ok(tl_ladder_steps(l) == 0 && tl_ladder_newest(l) == -1 &&
	       !tl_ladder_last(l, 0, &before[0]),
	   "none left: no arrow, no clock");

	tl_buf_fini(&b);
	tl_ladder_free(l);
	tl_steps_free(s);
}

/* What a connection costs: a whole life (6 events) in the store. */
static void test_size(void)
{
	struct tl_steps *s = tl_steps_new(0);
	size_t empty = tl_steps_bytes(s);
	for (uint32_t id = 1; id <= 1000; id++)
		life(s, id, id);
	size_t per = (tl_steps_bytes(s) - empty) / 1000;
	printf("# an event: %zu bytes; a connection of 6 events: about %zu bytes; "
	       "the cap (%d events): about %zu KB\n",
	       sizeof(struct tl_event), per, TL_STEPS_CAP,
	       (size_t)TL_STEPS_CAP * sizeof(struct tl_event) / 1024);
	ok(per < 8 * sizeof(struct tl_event) + 128, "a connection's cost is bounded: %zu", per);
	tl_steps_free(s);
}

/* The lab's link segments: a ring of the newest, found by the two ends'
 * ports (either way) from a time on. */
static void test_link(void)
{
	struct tl_steps *s = tl_steps_new(0);
	struct tl_link_seg g, out[8];
	memset(&g, 0, sizeof(g));
	for (uint32_t i = 0; i < TL_STEPS_LINK + 10; i++) {
		g.mono_ns = i;
		g.from = (int8_t)(i % 2);
		g.pkt.sport = i % 2 ? 80 : (uint16_t)(i < 5 ? 40000 : 40001);
		g.pkt.dport = i % 2 ? (uint16_t)(i < 5 ? 40000 : 40001) : 80;
		g.pkt.seq = i;
		tl_steps_link(s, &g);
	}
	size_t n = tl_steps_links(s, 40000, 80, 0, out, 8);
	ok(n == 0, "the oldest went when the ring was full (%zu left)", n);
	n = tl_steps_links(s, 40001, 80, TL_STEPS_LINK + 6, out, 8);
	ok(n == 4 && out[0].pkt.seq == TL_STEPS_LINK + 6 && out[3].pkt.seq == TL_STEPS_LINK + 9,
	   "both ways, from a time on, oldest first (%zu)", n);
	ok(tl_steps_bytes(s) >= TL_STEPS_LINK * sizeof(g), "the ring is counted in the bytes");
	tl_steps_free(s);
}

/* Connections come and go by the thousand: the blocks of those gone are
 * kept (a few) for the next, whose steps are then only its own, and the
 * store's bytes stay bounded. */
static void test_churn(void)
{
	struct tl_steps *s = tl_steps_new(0);
	struct tl_event out[TL_STEPS_MAX];
	size_t gap;
	uint64_t hidden;
	struct tl_conn c;
	memset(&c, 0, sizeof(c));
	int wrong = 0;
	size_t most = 0;
	for (uint32_t id = 1; id <= 5000; id++) {
		life(s, id, 10 * (uint64_t)id);
		size_t n = tl_steps_get(s, id, out, TL_STEPS_MAX, &gap, &hidden);
		wrong += n != 6 || out[0].conn != id || out[5].conn != id ||
			 out[0].mono_ns != (10 * (uint64_t)id + 1) * MS;
		c.id = id; /* the tracker keeps this one alone: the others go */
		c.state = TL_TCP_CLOSE;
		tl_steps_sync(s, &c, 1);
		most = TL_MAX(most, tl_steps_bytes(s));
	}
	is_int(wrong, 0, "5000 connections in turn: each one's steps its own");
	is_int(tl_steps_conns(s), 1, "the ones gone are dropped");
	ok(most < 300 * 1024, "the store stays small: at most %zu bytes", most);
	tl_steps_free(s);
}

int main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	test_head_tail();
	test_sync();
	test_cap();
	test_ladder();
	test_size();
	test_link();
	test_churn();
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}
