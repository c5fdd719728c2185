/* The tracker on scripted snapshots, destroy events and lookups. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "tcpladder/steps.h"
#include "tcpladder/tracker.h"
#include "tcpladder/util.h"

#include "events-text.h"
#include "tap.h"

#define SEC 1000000000ULL

/* The socket's destroy record: freed (state CLOSE, no inode), with the
 * Recv-Q it had then. */
static struct tl_sock freed(struct tl_sock s, uint32_t rq)
{
	s.state = TL_TCP_CLOSE;
	s.inode = 0;
	s.rqueue = rq;
	return s;
}

/* A mini-socket (TIME-WAIT or orphaned FIN-WAIT-2): no inode, a timer. */
static struct tl_sock mini(struct tl_sock s, int state, uint32_t expires_ms)
{
	s.state = (uint8_t)state;
	s.inode = 0;
	s.timer = 3;
	s.expires_ms = expires_ms;
	return s;
}

static void snap_of(struct tl_snapshot *s, const struct tl_sock *socks, size_t n)
{
	tl_snapshot_clear(s);
	for (size_t i = 0; i < n; i++)
		*tl_snapshot_add(s) = socks[i];
	s->complete = true;
}

static const char *drain(struct tl_tracker *t)
{
	return events_text(t, false);
}

static const char *drain(struct tl_tracker *t);

/* The last event's explanation. */
static const char *last_why(struct tl_tracker *t)
{
	size_t n;
	const struct tl_event *ev = tl_tracker_events(t, &n);
	return n && ev[n - 1].why ? ev[n - 1].why : "";
}

/* Any connection with this cookie, tombstones included. */
static const struct tl_conn *any_conn(struct tl_tracker *t, uint64_t cookie)
{
	size_t n;
	const struct tl_conn *c = tl_tracker_conns(t, &n);
	for (size_t i = 0; i < n; i++)
		if (c[i].id && c[i].sock.cookie == cookie)
			return &c[i];
	return NULL;
}

/* One dump of socks at *now (a second later each time). */
static void dump(struct tl_tracker *t, struct tl_snapshot *s, const struct tl_sock *socks, size_t n,
		 uint64_t *now)
{
	*now += SEC;
	snap_of(s, socks, n);
	tl_tracker_sample(t, 0, s, *now, (double)(*now / SEC));
}

/* A client last seen in SYN-SENT, freed after its handshake completed
 * (an RTT was measured) and with unread data: it went through ESTABLISHED
 * (inferred), then sent an RST; never SYN-SENT -> CLOSED. */
static void handshake_then_abort(void)
{
	struct tl_snapshot s;
	uint64_t now = 2000 * SEC;
	tl_snapshot_init(&s);
	struct tl_tracker *t = tl_tracker_new(1);
	struct tl_sock lst = sk(1, TL_TCP_LISTEN, 80, 0);
	struct tl_sock a1[] = {lst};
	dump(t, &s, a1, 1, &now);
	struct tl_sock c = sk(301, TL_TCP_SYN_SENT, 50300, 80);
	struct tl_sock a2[] = {lst, c};
	dump(t, &s, a2, 2, &now);
	drain(t);
	struct tl_sock cd = freed(c, 7);
	cd.flags |= TL_SOCK_HAS_INFO;
	cd.info.have |= TL_INFO_RTT;
	cd.info.rtt_us = 40;
	tl_tracker_destroyed(t, 0, &cd, now, 2.0);
	struct tl_sock a3[] = {lst};
	dump(t, &s, a3, 1, &now);
	dump(t, &s, a3, 1, &now);
	tl_tracker_flush(t);
	const char *got = drain(t);
	ok(strstr(got, "c301 trans SYN-SENT>ESTABLISHED SYN+ACK/in i\n") != NULL,
	   "handshake done before the free: SYN-SENT -> ESTABLISHED, inferred");
	ok(!strstr(got, "SYN-SENT>CLOSED"), "never SYN-SENT -> CLOSED");
	ok(strstr(got, "c301 close ESTABLISHED>CLOSED RST/out") != NULL,
	   "unread data at the close: an RST out");
	if (!strstr(got, "RST/out"))
		printf("#   got:\n%s", got);
	tl_tracker_free(t);
	tl_snapshot_fini(&s);
}

/* A client last seen in SYN-SENT that left the tables unfreed (reset
 * under its owner, or refused) says nothing of its handshake until its
 * owner frees it; its other end may: a server that aborted after the
 * handshake, or one seen past it.  Without either, after a round of
 * dumps, the cheapest path; freed without an RTT, refused at once. */
static void syn_sent_held(void)
{
	struct tl_snapshot s;
	uint64_t now = 3000 * SEC;
	tl_snapshot_init(&s);
	struct tl_sock lst = sk(1, TL_TCP_LISTEN, 80, 0);
	struct tl_sock a1[] = {lst};

	/* the server's abort (its cleared record) came before the client
	 * was found gone */
	struct tl_tracker *t = tl_tracker_new(1);
	dump(t, &s, a1, 1, &now);
	struct tl_sock c = sk(401, TL_TCP_SYN_SENT, 50400, 80);
	struct tl_sock a2[] = {lst, c};
	dump(t, &s, a2, 2, &now);
	drain(t);
	struct tl_sock sab = freed(sk(402, TL_TCP_CLOSE, 80, 0), 0);
	tl_tracker_destroyed(t, 0, &sab, now, 3.0);
	dump(t, &s, a1, 1, &now);
	dump(t, &s, a1, 1, &now);
	dump(t, &s, a1, 1, &now);
	const char *got = drain(t);
	ok(strstr(got, "c401 trans SYN-SENT>ESTABLISHED SYN+ACK/in i\n") &&
	       strstr(got, "c401 close ESTABLISHED>CLOSED RST/in") &&
	       !strstr(got, "SYN-SENT>CLOSED"),
	   "a client in SYN-SENT whose server aborted: through ESTABLISHED, then reset");
	if (!strstr(got, "RST/in"))
		printf("#   got:\n%s", got);
	tl_tracker_free(t);

	/* the server's child seen ESTABLISHED, then gone with its client */
	t = tl_tracker_new(1);
	dump(t, &s, a1, 1, &now);
	struct tl_sock sv = sk(404, TL_TCP_ESTABLISHED, 80, 50410);
	struct tl_sock c2 = sk(403, TL_TCP_SYN_SENT, 50410, 80);
	struct tl_sock a3[] = {lst, c2, sv};
	dump(t, &s, a3, 3, &now);
	drain(t);
	dump(t, &s, a1, 1, &now);
	dump(t, &s, a1, 1, &now);
	tl_tracker_flush(t);
	got = drain(t);
	ok(strstr(got, "c403 trans SYN-SENT>ESTABLISHED SYN+ACK/in i\n") &&
	       !strstr(got, "SYN-SENT>CLOSED"),
	   "a client in SYN-SENT whose server end was seen ESTABLISHED: through ESTABLISHED");
	if (!strstr(got, "c403 trans"))
		printf("#   got:\n%s", got);
	tl_tracker_free(t);

	/* no evidence: it waits a round of dumps, then the cheapest path */
	t = tl_tracker_new(1);
	dump(t, &s, a1, 1, &now);
	struct tl_sock c3 = sk(405, TL_TCP_SYN_SENT, 50420, 80);
	struct tl_sock a4[] = {lst, c3};
	dump(t, &s, a4, 2, &now);
	drain(t);
	dump(t, &s, a1, 1, &now);
	dump(t, &s, a1, 1, &now);
	is_str(drain(t), "", "a client gone from SYN-SENT, unfreed, no evidence: it waits a round");
	dump(t, &s, a1, 1, &now);
	is_str(drain(t), "c405 close SYN-SENT>CLOSED -/-\n", "then the cheapest path");
	tl_tracker_free(t);

	/* freed without an RTT: the handshake never completed (refused) */
	t = tl_tracker_new(1);
	dump(t, &s, a1, 1, &now);
	struct tl_sock c4 = sk(406, TL_TCP_SYN_SENT, 50430, 80);
	struct tl_sock a5[] = {lst, c4};
	dump(t, &s, a5, 2, &now);
	drain(t);
	struct tl_sock c4d = freed(c4, 0);
	tl_tracker_destroyed(t, 0, &c4d, now, 4.0);
	dump(t, &s, a1, 1, &now);
	got = drain(t);
	ok(strstr(got, "c406 close SYN-SENT>CLOSED") && !strstr(got, "ESTABLISHED"),
	   "a client freed from SYN-SENT without an RTT: never established");
	if (!strstr(got, "c406 close"))
		printf("#   got:\n%s", got);
	tl_tracker_free(t);
	tl_snapshot_fini(&s);
}

/* Both ends gone from the tables, neither freed: a destroy event is late
 * (the kernel's worker runs late on a loaded machine).  They wait for it
 * longer than a round; the server's abort, when it comes, decides both. */
static void late_destroy(void)
{
	struct tl_snapshot s;
	uint64_t now = 4000 * SEC;
	tl_snapshot_init(&s);
	struct tl_tracker *t = tl_tracker_new(1);
	struct tl_sock lst = sk(1, TL_TCP_LISTEN, 80, 0);
	struct tl_sock a1[] = {lst};
	dump(t, &s, a1, 1, &now);
	struct tl_sock c = sk(501, TL_TCP_ESTABLISHED, 50500, 80);
	struct tl_sock v = sk(502, TL_TCP_ESTABLISHED, 80, 50500);
	struct tl_sock a2[] = {lst, c, v};
	dump(t, &s, a2, 3, &now);
	drain(t);
	for (int i = 0; i < 4; i++)
		dump(t, &s, a1, 1, &now);
	is_str(drain(t), "", "both ends gone, neither freed: they wait for a destroy event");
	struct tl_sock vd = freed(v, 0);
	vd.rport = 0; /* the server aborted: SO_LINGER 0 cleared its peer's port */
	tl_tracker_destroyed(t, 0, &vd, now, 4.0);
	dump(t, &s, a1, 1, &now);
	dump(t, &s, a1, 1, &now);
	const char *got = drain(t);
	ok(strstr(got, "c502 close ESTABLISHED>CLOSED RST/out") &&
	       strstr(got, "c501 close ESTABLISHED>CLOSED RST/in"),
	   "the server's late record: it aborted, its client was reset");
	if (!strstr(got, "c502 close ESTABLISHED>CLOSED RST/out"))
		printf("#   got:\n%s", got);
	/* and without one, in time, the weaker signs decide */
	struct tl_sock c2 = sk(503, TL_TCP_ESTABLISHED, 50510, 80);
	struct tl_sock v2 = sk(504, TL_TCP_ESTABLISHED, 80, 50510);
	struct tl_sock a3[] = {lst, c2, v2};
	dump(t, &s, a3, 3, &now);
	drain(t);
	for (int i = 0; i < 12; i++)
		dump(t, &s, a1, 1, &now);
	got = drain(t);
	ok(strstr(got, "c503 close") && strstr(got, "c504 close"),
	   "no destroy event after eight rounds and two seconds: decided anyway");
	tl_tracker_free(t);
	tl_snapshot_fini(&s);
}

/* A TIME-WAIT gone long before its timer ran out was ended by an RST
 * (Linux lets one: RFC 1337); one gone at its time expired. */
static void time_wait_ended(void)
{
	struct tl_snapshot s;
	uint64_t now = 5000 * SEC;
	tl_snapshot_init(&s);
	struct tl_tracker *t = tl_tracker_new(1);
	struct tl_sock lst = sk(1, TL_TCP_LISTEN, 80, 0);
	struct tl_sock a1[] = {lst};
	dump(t, &s, a1, 1, &now);
	struct tl_sock tw1 = mini(sk(601, TL_TCP_TIME_WAIT, 50600, 80), TL_TCP_TIME_WAIT, 57000);
	struct tl_sock tw2 = mini(sk(602, TL_TCP_TIME_WAIT, 50610, 80), TL_TCP_TIME_WAIT, 1500);
	/* listed with 0 ms left: due, its timer late (the timer wheel's slack) */
	struct tl_sock tw3 = mini(sk(603, TL_TCP_TIME_WAIT, 50620, 80), TL_TCP_TIME_WAIT, 0);
	struct tl_sock a2[] = {lst, tw1, tw2, tw3};
	dump(t, &s, a2, 4, &now);
	drain(t);
	for (int i = 0; i < 3; i++)
		dump(t, &s, a1, 1, &now);
	const char *got = drain(t);
	ok(strstr(got, "c601 close TIME-WAIT>CLOSED RST/in") != NULL,
	   "a TIME-WAIT gone 56 s early: an RST ended it");
	ok(strstr(got, "c602 close TIME-WAIT>CLOSED -/-") != NULL,
	   "one gone at its time: it expired");
	ok(strstr(got, "c603 close TIME-WAIT>CLOSED -/-") != NULL,
	   "one listed with 0 ms left, gone: it expired (not an RST)");
	if (!strstr(got, "c601 close TIME-WAIT>CLOSED RST/in") ||
	    !strstr(got, "c602 close TIME-WAIT>CLOSED -/-"))
		printf("#   got:\n%s", got);
	tl_tracker_free(t);
	tl_snapshot_fini(&s);
}

/* A TIME-WAIT gone early with a new connection on its ports in its place
 * was taken over, not reset: the peer's SYN went to the listener (a
 * passive successor), or connect() reused the port (tcp_tw_reuse, an
 * active one).  A new connection born long after an early end is no
 * successor of it. */
static void time_wait_reused(void)
{
	struct tl_snapshot s;
	uint64_t now = 6000 * SEC;
	tl_snapshot_init(&s);
	struct tl_tracker *t = tl_tracker_new(1);
	struct tl_sock lst = sk(1, TL_TCP_LISTEN, 80, 0);
	struct tl_sock tw_s = mini(sk(611, TL_TCP_TIME_WAIT, 80, 50700), TL_TCP_TIME_WAIT, 57000);
	struct tl_sock tw_c =
	    mini(sk(612, TL_TCP_TIME_WAIT, 50710, 8080), TL_TCP_TIME_WAIT, 57000);
	struct tl_sock tw_r = mini(sk(613, TL_TCP_TIME_WAIT, 50720, 8080), TL_TCP_TIME_WAIT, 57000);
	struct tl_sock a1[] = {lst, tw_s, tw_c, tw_r};
	dump(t, &s, a1, 4, &now);
	dump(t, &s, a1, 4, &now);
	drain(t);
	/* in their place: B's new connection from A's SYN, A's own new one */
	struct tl_sock a2[] = {lst, sk(621, TL_TCP_ESTABLISHED, 80, 50700),
			       sk(622, TL_TCP_SYN_SENT, 50710, 8080)};
	for (int i = 0; i < 3; i++)
		dump(t, &s, a2, 3, &now);
	size_t n;
	const struct tl_event *ev = tl_tracker_events(t, &n);
	int whys = 0;
	for (size_t i = 0; i < n; i++)
		if (ev[i].sock.cookie == 612 && ev[i].kind == TL_EV_CLOSE)
			whys += ev[i].why && strstr(ev[i].why, "tcp_tw_reuse") != NULL;
	const char *got = drain(t);
	bool in = strstr(got, "c611 close TIME-WAIT>CLOSED SYN/in") != NULL;
	bool none = strstr(got, "c612 close TIME-WAIT>CLOSED -/-") != NULL;
	bool rst = strstr(got, "c613 close TIME-WAIT>CLOSED RST/in") != NULL;
	ok(in, "a server's TIME-WAIT with a new accepted connection in its place: the peer's SYN "
	       "ended it");
	ok(none, "a client's with its own new connection in its place: connect() reused the port");
	ok(rst, "one with no successor: an RST, as before");
	if (!in || !none || !rst)
		printf("#   got:\n%s", got);
	ok(whys == 1, "the port reuse says so, apart from an expiry");

	/* a connection on the same ports, born a minute after: no successor */
	struct tl_sock tw_l = mini(sk(631, TL_TCP_TIME_WAIT, 80, 50800), TL_TCP_TIME_WAIT, 57000);
	struct tl_sock b1[] = {lst, tw_l};
	dump(t, &s, b1, 2, &now);
	for (int i = 0; i < 3; i++)
		dump(t, &s, &lst, 1, &now);
	now += 60 * SEC;
	struct tl_sock b2[] = {lst, sk(632, TL_TCP_ESTABLISHED, 80, 50800)};
	dump(t, &s, b2, 2, &now);
	got = drain(t);
	ok(strstr(got, "c631 close TIME-WAIT>CLOSED RST/in") != NULL,
	   "a TIME-WAIT gone before the new connection came: an RST");
	tl_tracker_free(t);
	tl_snapshot_fini(&s);
}

/* A connection last seen sending again what went unanswered (its
 * retransmission timer, three retries), then gone with no other sign:
 * timed out, not reset; one last seen idle: the RST of the default. */
static void timed_out(void)
{
	struct tl_snapshot s;
	uint64_t now = 8000 * SEC;
	tl_snapshot_init(&s);
	struct tl_tracker *t = tl_tracker_new(1);
	struct tl_sock idle = sk(711, TL_TCP_ESTABLISHED, 50910, 9000);
	struct tl_sock busy = sk(712, TL_TCP_ESTABLISHED, 50920, 9000);
	busy.timer = 1;
	busy.retrans = 3;
	struct tl_sock a1[] = {idle, busy};
	dump(t, &s, a1, 2, &now);
	dump(t, &s, a1, 2, &now);
	drain(t);
	for (int i = 0; i < 4; i++)
		dump(t, &s, NULL, 0, &now);
	size_t n;
	const struct tl_event *ev = tl_tracker_events(t, &n);
	bool timed = false, rst = false;
	for (size_t i = 0; i < n; i++) {
		if (ev[i].sock.cookie == 712 && ev[i].kind == TL_EV_CLOSE)
			timed = ev[i].segment == TL_SEG_NONE && ev[i].why &&
				strstr(ev[i].why, "timed out");
		if (ev[i].sock.cookie == 711 && ev[i].kind == TL_EV_CLOSE)
			rst = ev[i].segment == TL_SEG_RST;
	}
	ok(timed, "retrying when last seen, then gone: timed out, no segment");
	ok(rst, "idle when last seen, then gone: an RST, as before");
	drain(t);
	tl_tracker_free(t);
	tl_snapshot_fini(&s);
}

/* late-fin: A's TIME-WAIT ends while B, in the other namespace, is still
 * in LAST-ACK.  Kept (the lab's lesson), A's tombstone stays while B is
 * open and as long as B's after it; not kept, it goes on its own time. */
static bool kept_until_peer_done(bool keep)
{
	struct tl_snapshot s;
	uint64_t now = 7000 * SEC;
	tl_snapshot_init(&s);
	struct tl_tracker *t = tl_tracker_new(2);
	struct tl_sock lst = sk(1, TL_TCP_LISTEN, 8080, 0);
	struct tl_sock a1[] = {sk(700, TL_TCP_ESTABLISHED, 45000, 8080)};
	struct tl_sock b1[] = {lst, sk(800, TL_TCP_ESTABLISHED, 8080, 45000)};
	struct tl_sock a2[] = {mini(sk(700, TL_TCP_TIME_WAIT, 45000, 8080), TL_TCP_TIME_WAIT, 900)};
	struct tl_sock b2[] = {lst, sk(800, TL_TCP_LAST_ACK, 8080, 45000)};
	struct tl_sock *as[] = {a1, a1, a2, a2, NULL, NULL, NULL};
	struct tl_sock *bs[] = {b1, b1, b2, b2, b2, b2, b2};
	for (size_t i = 0; i < TL_ARRAY_SIZE(as); i++) {
		now += SEC;
		snap_of(&s, as[i], as[i] ? 1 : 0);
		tl_tracker_sample(t, 0, &s, now, (double)(now / SEC));
		snap_of(&s, bs[i], 2);
		tl_tracker_sample(t, 1, &s, now, (double)(now / SEC));
		const struct tl_conn *a = tl_tracker_find(t, 700);
		if (i == 1 && a)
			tl_tracker_keep(t, keep ? a->id : 0);
	}
	drain(t);
	const struct tl_conn *a = any_conn(t, 700);
	bool ok_ = a && (a->flags & TL_CONN_GONE) && a->state == TL_TCP_CLOSE;
	now += 60 * SEC; /* B's FIN backoff: a minute later, A's tombstone is old */
	tl_tracker_expire(t, now);
	bool stays = any_conn(t, 700) != NULL;
	if (keep) {
		/* B's RST: its end; A goes only a tombstone time after that */
		snap_of(&s, &lst, 1);
		for (int i = 0; i < 3; i++) {
			now += SEC;
			tl_tracker_sample(t, 1, &s, now, (double)(now / SEC));
		}
		size_t n;
		const struct tl_event *ev = tl_tracker_events(t, &n);
		bool rst_in = false;
		for (size_t i = 0; i < n; i++)
			rst_in |= ev[i].cookie == 800 && ev[i].from == TL_TCP_LAST_ACK &&
				  ev[i].to == TL_TCP_CLOSE && ev[i].segment == TL_SEG_RST &&
				  ev[i].dir == TL_DIR_IN;
		ok(rst_in, "kept: B left LAST-ACK after A's TIME-WAIT was over: an RST came in, "
			   "not the ACK of its FIN");
		tl_tracker_expire(t, now);
		ok(any_conn(t, 700) && any_conn(t, 800), "kept: both still shown after B's end");
		tl_tracker_expire(t, now + 11 * SEC);
		ok(!any_conn(t, 700) && !any_conn(t, 800), "and both go a tombstone time after it");
	}
	tl_tracker_free(t);
	tl_snapshot_fini(&s);
	return ok_ && stays;
}

static void keep_lesson(void)
{
	ok(kept_until_peer_done(true),
	   "kept: A's tombstone stays while its peer is open, a minute after its end");
	ok(!kept_until_peer_done(false), "not kept: it goes after the tombstone time");
}

/* Honest times: a step found by a dump happened after the sample that
 * last saw the socket as it was (a window); a close told by a destroy
 * event is exact, the steps inferred before it are windows; a connection
 * born between dumps is dated from the namespace's last dump. */
static void time_windows(void)
{
	struct tl_snapshot s;
	uint64_t now = 3000 * SEC;
	tl_snapshot_init(&s);
	struct tl_tracker *t = tl_tracker_new(1);
	struct tl_sock lst = sk(1, TL_TCP_LISTEN, 80, 0);
	struct tl_sock a1[] = {lst};
	dump(t, &s, a1, 1, &now); /* baseline at 3001 s */
	uint64_t base = now;
	struct tl_sock c = sk(401, TL_TCP_ESTABLISHED, 50400, 80);
	struct tl_sock a2[] = {lst, c};
	dump(t, &s, a2, 2, &now); /* born between 3001 and 3002 s */
	size_t n;
	const struct tl_event *ev = tl_tracker_events(t, &n);
	bool born = n >= 2;
	for (size_t i = 0; i < n; i++)
		born &= ev[i].after_ns == base && ev[i].mono_ns == now;
	ok(born, "a new connection's steps: after the last dump, by this one (%zu events)", n);
	tl_tracker_clear_events(t);
	uint64_t seen = now;
	c.state = TL_TCP_CLOSE_WAIT;
	a2[1] = c;
	dump(t, &s, a2, 2, &now);
	ev = tl_tracker_events(t, &n);
	ok(n == 1 && ev[0].after_ns == seen && ev[0].mono_ns == now,
	   "a change seen by a dump: between the dump that last saw it and this one");
	tl_tracker_clear_events(t);
	seen = now;
	uint64_t freed_at = now + SEC / 2;
	struct tl_sock cd = freed(c, 0);
	tl_tracker_destroyed(t, 0, &cd, freed_at, 0);
	ev = tl_tracker_events(t, &n);
	ok(n == 2 && ev[0].after_ns == seen && ev[0].mono_ns == freed_at &&
	       ev[1].after_ns == freed_at && ev[1].mono_ns == freed_at,
	   "a destroy event: the inferred LAST-ACK a window, the close exact (%zu events)", n);
	tl_tracker_clear_events(t);
	tl_tracker_free(t);
	tl_snapshot_fini(&s);
}

/* Sockets freed before the baseline (their destroy events queued while
 * the tool started, read only after its first dump): not events.  The
 * orphaned client's FIN-WAIT-2 successor has a cookie of its own, in the
 * baseline; later it ends in order. */
static void destroyed_before_baseline(void)
{
	struct tl_snapshot s;
	uint64_t now = 3000 * SEC;
	tl_snapshot_init(&s);
	struct tl_tracker *t = tl_tracker_new(1);
	struct tl_sock lst = sk(1, TL_TCP_LISTEN, 80, 0);
	struct tl_sock full = sk(401, TL_TCP_FIN_WAIT2, 50400, 80);
	struct tl_sock fw2 = mini(sk(402, TL_TCP_FIN_WAIT2, 50400, 80), TL_TCP_FIN_WAIT2, 50000);
	struct tl_sock srv = sk(403, TL_TCP_CLOSE_WAIT, 80, 50400);
	struct tl_sock fd = freed(full, 0);
	tl_tracker_destroyed(t, 0, &fd, now, 1.0);
	struct tl_sock a1[] = {lst, fw2, srv};
	dump(t, &s, a1, 3, &now);
	tl_tracker_destroyed(t, 0, &fd, now, 1.5);
	is_str(drain(t), "", "freed before the baseline: no events");
	struct tl_sock tw = mini(sk(402, TL_TCP_TIME_WAIT, 50400, 80), TL_TCP_TIME_WAIT, 60000);
	struct tl_sock a2[] = {lst, tw};
	struct tl_sock sd = freed(srv, 0);
	tl_tracker_destroyed(t, 0, &sd, now, 2.0);
	dump(t, &s, a2, 2, &now);
	tl_tracker_flush(t);
	const char *got = drain(t);
	ok(strstr(got, "c402 trans FIN-WAIT-2>TIME-WAIT FIN/in\n") && !strstr(got, "c401") &&
	       !strstr(got, "RST"),
	   "the successor ends in order, and nothing else is told");
	if (strstr(got, "c401") || strstr(got, "RST"))
		printf("#   got:\n%s", got);
	tl_tracker_free(t);
	tl_snapshot_fini(&s);
}

/* The evidence rules: how a connection ended, from what the kernel says. */
static void evidence(void)
{
	struct tl_snapshot s;
	uint64_t now = 1000 * SEC;
	tl_snapshot_init(&s);
	struct tl_sock lst = sk(1, TL_TCP_LISTEN, 80, 0);

	/* A server in CLOSE-WAIT with unread data closes: an RST, not a FIN;
	 * the client's orphaned FIN-WAIT-2 then vanishes: it took that RST. */
	struct tl_tracker *t = tl_tracker_new(1);
	struct tl_sock c = sk(101, TL_TCP_ESTABLISHED, 50000, 80);
	struct tl_sock v = sk(102, TL_TCP_ESTABLISHED, 80, 50000);
	struct tl_sock a1[] = {lst};
	dump(t, &s, a1, 1, &now);
	struct tl_sock a2[] = {lst, c, v};
	dump(t, &s, a2, 3, &now);
	drain(t);
	struct tl_sock vcw = v;
	vcw.state = TL_TCP_CLOSE_WAIT;
	vcw.rqueue = 4;
	struct tl_sock a3[] = {lst, mini(c, TL_TCP_FIN_WAIT2, 60000), vcw};
	dump(t, &s, a3, 3, &now);
	drain(t);
	struct tl_sock vd = freed(vcw, 4);
	tl_tracker_destroyed(t, 0, &vd, now, 1.0);
	ok(strstr(last_why(t), "unread"), "the reason given is the unread data (%s)", last_why(t));
	is_str(drain(t), "c102 close CLOSE-WAIT>CLOSED RST/out\n",
	       "CLOSE-WAIT freed with unread data (Recv-Q 4: 3 bytes and the FIN): an RST sent, "
	       "no LAST-ACK");
	struct tl_lookup lk[8];
	dump(t, &s, a1, 1, &now);
	is_int(tl_tracker_pending(t, lk, 8), 1, "the vanished FIN-WAIT-2 is looked up");
	tl_tracker_lookup_result(t, 0, 101, NULL, now, 2.0);
	is_str(drain(t), "c101 close FIN-WAIT-2>CLOSED RST/in\n",
	       "its orphaned FIN-WAIT-2 took that RST: no TIME-WAIT, no timeout");
	tl_tracker_free(t);

	/* A dump is not atomic: it may see the client's FIN-WAIT-2 before the
	 * server's close with unread data resets it, and miss the server
	 * after.  That client is no proof of an orderly close: the server's
	 * destroy record decides. */
	t = tl_tracker_new(1);
	dump(t, &s, a1, 1, &now);
	dump(t, &s, a2, 3, &now);
	drain(t);
	struct tl_sock r3[] = {lst, mini(c, TL_TCP_FIN_WAIT2, 60000)};
	dump(t, &s, r3, 2, &now);
	tl_tracker_pending(t, lk, 8);
	tl_tracker_lookup_result(t, 0, 102, NULL, now, 2.5);
	is_str(drain(t),
	       "c101 trans ESTABLISHED>FIN-WAIT-1 FIN/out i\n"
	       "c101 trans FIN-WAIT-1>FIN-WAIT-2 ACK/in\n",
	       "the server missed in the dump that saw the client's FIN-WAIT-2: not decided");
	struct tl_sock vr = freed(v, 3002);
	tl_tracker_destroyed(t, 0, &vr, now, 2.6);
	is_str(drain(t),
	       "c102 trans ESTABLISHED>CLOSE-WAIT FIN/in i\n"
	       "c102 close CLOSE-WAIT>CLOSED RST/out\n",
	       "its destroy record: 3001 bytes unread and the FIN, an RST");
	dump(t, &s, a1, 1, &now);
	tl_tracker_pending(t, lk, 8);
	tl_tracker_lookup_result(t, 0, 101, NULL, now, 2.7);
	is_str(drain(t), "c101 close FIN-WAIT-2>CLOSED RST/in\n", "the client took it");
	tl_tracker_free(t);

	/* LAST-ACK seen, then freed: by the ACK of its FIN (Send-Q 0), or by an
	 * RST (its FIN still unacked, Send-Q 1); told at once either way. */
	for (int rst = 0; rst < 2; rst++) {
		t = tl_tracker_new(1);
		dump(t, &s, a1, 1, &now);
		dump(t, &s, a2, 3, &now);
		struct tl_sock la = v;
		la.state = TL_TCP_LAST_ACK;
		la.inode = 0;
		struct tl_sock l3[] = {lst, mini(c, TL_TCP_FIN_WAIT2, 60000), la};
		dump(t, &s, l3, 3, &now);
		drain(t);
		struct tl_sock lad = freed(la, 0);
		lad.wqueue = (uint32_t)rst;
		tl_tracker_destroyed(t, 0, &lad, now, 2.8);
		is_str(drain(t),
		       rst ? "c102 close LAST-ACK>CLOSED RST/in\n"
			   : "c102 close LAST-ACK>CLOSED ACK/in\n",
		       rst ? "LAST-ACK freed with its FIN unacked: an RST came in"
			   : "LAST-ACK freed with nothing unacked: the ACK of its FIN");
		tl_tracker_free(t);
	}

	/* The same with nothing unread: Recv-Q 1 is the FIN, an orderly close. */
	t = tl_tracker_new(1);
	dump(t, &s, a1, 1, &now);
	dump(t, &s, a2, 3, &now);
	vcw.rqueue = 1;
	struct tl_sock a3b[] = {lst, mini(c, TL_TCP_FIN_WAIT2, 60000), vcw};
	dump(t, &s, a3b, 3, &now);
	drain(t);
	vd = freed(vcw, 1);
	tl_tracker_destroyed(t, 0, &vd, now, 3.0);
	is_str(drain(t),
	       "c102 trans CLOSE-WAIT>LAST-ACK FIN/out i\nc102 close LAST-ACK>CLOSED ACK/in\n",
	       "Recv-Q 1 after a FIN is no data: CLOSE-WAIT closes through LAST-ACK");
	tl_tracker_free(t);

	/* A server closes an ESTABLISHED socket with unread data; the client,
	 * reset, leaves the tables but its owner still holds it. */
	t = tl_tracker_new(1);
	dump(t, &s, a1, 1, &now);
	v.rqueue = 3;
	struct tl_sock b2[] = {lst, c, v};
	dump(t, &s, b2, 3, &now);
	drain(t);
	vd = freed(v, 3);
	tl_tracker_destroyed(t, 0, &vd, now, 4.0);
	is_int(tl_tracker_pending(t, lk, 8), 1, "the freed server is looked up (a TIME-WAIT?)");
	tl_tracker_lookup_result(t, 0, 102, NULL, now, 4.0);
	is_str(drain(t), "c102 close ESTABLISHED>CLOSED RST/out\n",
	       "ESTABLISHED freed with 3 bytes unread: it sent an RST");
	dump(t, &s, a1, 1, &now);
	tl_tracker_pending(t, lk, 8);
	tl_tracker_lookup_result(t, 0, 101, NULL, now, 5.0);
	is_str(drain(t), "c101 close ESTABLISHED>CLOSED RST/in\n", "the client took it");
	ok(strstr(last_why(t), "") != NULL, "(explained)");
	tl_tracker_free(t);

	/* One end watched: a socket that leaves the tables and is not freed
	 * by the next dump was reset under its owner. */
	t = tl_tracker_new(1);
	struct tl_sock far = sk(110, TL_TCP_ESTABLISHED, 50100, 443);
	far.remote[0] = 10;
	struct tl_sock c1[] = {lst, far};
	dump(t, &s, a1, 1, &now);
	dump(t, &s, c1, 2, &now);
	drain(t);
	dump(t, &s, a1, 1, &now);
	tl_tracker_pending(t, lk, 8);
	tl_tracker_lookup_result(t, 0, 110, NULL, now, 6.0);
	is_str(drain(t), "", "gone, not freed: wait for a late destroy event");
	dump(t, &s, a1, 1, &now);
	is_str(drain(t), "c110 close ESTABLISHED>CLOSED RST/in\n",
	       "still not freed a dump later: held by its owner, it took an RST");
	tl_tracker_free(t);
	/* Freed meanwhile (its owner closed it): that alone does not tell. */
	t = tl_tracker_new(1);
	dump(t, &s, a1, 1, &now);
	dump(t, &s, c1, 2, &now);
	drain(t);
	dump(t, &s, a1, 1, &now);
	tl_tracker_pending(t, lk, 8);
	tl_tracker_lookup_result(t, 0, 110, NULL, now, 7.0);
	struct tl_sock fd = freed(far, 0);
	tl_tracker_destroyed(t, 0, &fd, now, 7.1);
	dump(t, &s, a1, 1, &now);
	is_str(drain(t), "c110 close ESTABLISHED>CLOSED RST/-\n",
	       "gone and freed, nothing else known: an RST of unknown direction");
	tl_tracker_free(t);

	/* A client connects, sends a little and aborts with SO_LINGER 0 between
	 * two dumps: its destroy record has the peer's port (and its own
	 * address) cleared.  It is told when its server end turns up. */
	t = tl_tracker_new(1);
	dump(t, &s, a1, 1, &now);
	struct tl_sock ab = freed(sk(201, TL_TCP_CLOSE, 50500, 0), 0);
	memset(ab.local, 0, sizeof(ab.local));
	tl_tracker_destroyed(t, 0, &ab, now, 8.0);
	is_str(drain(t), "", "a cleared record alone: nothing yet");
	struct tl_sock sv = freed(sk(202, TL_TCP_CLOSE, 80, 50500), 5);
	sv.flags = TL_SOCK_HAS_INFO;
	sv.info.have = TL_INFO_RTT;
	sv.info.rtt_us = 40;
	tl_tracker_destroyed(t, 0, &sv, now, 8.1);
	tl_tracker_pending(t, lk, 8);
	tl_tracker_lookup_result(t, 0, 202, NULL, now, 8.1);
	is_str(drain(t),
	       "c202 open ->SYN-RECV SYN/in i\n"
	       "c202 trans SYN-RECV>ESTABLISHED ACK/in i\n"
	       "c201 open ->SYN-SENT SYN/out i\n"
	       "c201 trans SYN-SENT>ESTABLISHED SYN+ACK/in i\n"
	       "c201 close ESTABLISHED>CLOSED RST/out\n"
	       "c202 close ESTABLISHED>CLOSED RST/in\n",
	       "both ends told: the client aborted (RST out), the server took it (RST in), "
	       "its unread data notwithstanding");
	const struct tl_conn *ca = any_conn(t, 201), *cs = any_conn(t, 202);
	ok(ca && cs && ca->sock.rport == 80 && ca->sock.local[0] == 127 &&
	       tl_tracker_peer(t, ca) == cs,
	   "the client's cleared address and port are taken from its server end, and paired");
	tl_tracker_free(t);

	/* The same with the server end dumped before: it is looked up at once. */
	t = tl_tracker_new(1);
	dump(t, &s, a1, 1, &now);
	struct tl_sock sv2 = sk(212, TL_TCP_ESTABLISHED, 80, 50600);
	struct tl_sock e2[] = {lst, sv2};
	dump(t, &s, e2, 2, &now);
	drain(t);
	struct tl_sock ab2 = freed(sk(211, TL_TCP_CLOSE, 50600, 0), 0);
	memset(ab2.local, 0, sizeof(ab2.local));
	tl_tracker_destroyed(t, 0, &ab2, now, 9.0);
	dump(t, &s, a1, 1, &now);
	is_int(tl_tracker_pending(t, lk, 8), 1, "its server end, reset, is missing: looked up");
	tl_tracker_lookup_result(t, 0, 212, NULL, now, 9.0);
	is_str(drain(t),
	       "c211 open ->SYN-SENT SYN/out i\n"
	       "c211 trans SYN-SENT>ESTABLISHED SYN+ACK/in i\n"
	       "c211 close ESTABLISHED>CLOSED RST/out\n"
	       "c212 close ESTABLISHED>CLOSED RST/in\n",
	       "gone from the tables: the client's abort and the server's reset, at once");
	tl_tracker_free(t);

	/* A server aborts with SO_LINGER 0 between dumps: its cleared record
	 * names the listener's port, shared by every client, so it is taken
	 * only by a client nothing else explains; a client that closed with
	 * unread data itself is not it. */
	t = tl_tracker_new(1);
	dump(t, &s, a1, 1, &now);
	struct tl_sock w1 = sk(251, TL_TCP_ESTABLISHED, 50650, 80);
	struct tl_sock w2 = sk(252, TL_TCP_ESTABLISHED, 50660, 80);
	struct tl_sock w0[] = {lst, w1, w2};
	dump(t, &s, w0, 3, &now);
	drain(t);
	struct tl_sock sab = freed(sk(253, TL_TCP_CLOSE, 80, 0), 0);
	tl_tracker_destroyed(t, 0, &sab, now, 9.2);
	struct tl_sock w2d = freed(w2, 1);
	tl_tracker_destroyed(t, 0, &w2d, now, 9.3);
	tl_tracker_pending(t, lk, 8);
	tl_tracker_lookup_result(t, 0, 252, NULL, now, 9.3);
	is_str(drain(t), "", "one byte unread, or a FIN? wait for the next dump");
	dump(t, &s, a1, 1, &now);
	is_str(drain(t), "c252 close ESTABLISHED>CLOSED RST/out\n",
	       "no FIN came: the client with one byte unread aborted itself; the server's "
	       "record is not its");
	tl_tracker_pending(t, lk, 8);
	tl_tracker_lookup_result(t, 0, 251, NULL, now, 9.4);
	is_str(drain(t), "", "the other client, gone: its evidence waits a dump");
	dump(t, &s, a1, 1, &now);
	is_str(drain(t),
	       "c253 open ->SYN-RECV SYN/in i\n"
	       "c253 trans SYN-RECV>ESTABLISHED ACK/in i\n"
	       "c253 close ESTABLISHED>CLOSED RST/out\n"
	       "c251 close ESTABLISHED>CLOSED RST/in\n",
	       "then nothing else explains it: the server's abort, and its peer found");
	ok(any_conn(t, 253) && any_conn(t, 253)->sock.rport == 50650,
	   "the server's cleared port is its client's");
	tl_tracker_free(t);

	/* A cleared record on loopback whose peer is never seen: its peer
	 * was watched, so there was no connection (a connect() refused or
	 * timed out is cleared as an abort is): nothing told, ever. */
	t = tl_tracker_new(1);
	dump(t, &s, a1, 1, &now);
	struct tl_sock rf = freed(sk(231, TL_TCP_CLOSE, 50710, 0), 0);
	memset(rf.local, 0, sizeof(rf.local));
	tl_tracker_destroyed(t, 0, &rf, now, 10.0);
	for (int i = 0; i < 9; i++)
		dump(t, &s, a1, 1, &now);
	is_str(drain(t), "", "a cleared record on loopback, no peer in time: nothing told (a refused connect)");
	tl_tracker_flush(t);
	is_str(drain(t), "", "... nor at the end: it is not waiting any more");
	tl_tracker_free(t);

	/* A cleared record whose peer (not on loopback, not watched) is never
	 * seen is told alone, in time. */
	t = tl_tracker_new(1);
	dump(t, &s, a1, 1, &now);
	struct tl_sock ab3 = freed(sk(221, TL_TCP_CLOSE, 50700, 0), 0);
	ab3.remote[0] = 10;
	tl_tracker_destroyed(t, 0, &ab3, now, 10.0);
	for (int i = 0; i < 7; i++)
		dump(t, &s, a1, 1, &now);
	is_str(drain(t), "", "a cleared record waits for its peer");
	dump(t, &s, a1, 1, &now);
	is_str(drain(t),
	       "c221 open ->SYN-SENT SYN/out i\n"
	       "c221 trans SYN-SENT>ESTABLISHED SYN+ACK/in i\n"
	       "c221 close ESTABLISHED>CLOSED RST/out\n",
	       "then it is told alone, its peer's port unknown");
	tl_tracker_free(t);

	/* At the end of a run, what still waits is told with what is known. */
	t = tl_tracker_new(1);
	dump(t, &s, a1, 1, &now);
	dump(t, &s, c1, 2, &now);
	drain(t);
	dump(t, &s, a1, 1, &now);
	tl_tracker_pending(t, lk, 8);
	tl_tracker_lookup_result(t, 0, 110, NULL, now, 10.5);
	struct tl_sock ab4 = freed(sk(222, TL_TCP_CLOSE, 50710, 0), 0);
	ab4.remote[0] = 10; /* (on loopback its peer would be watched) */
	tl_tracker_destroyed(t, 0, &ab4, now, 10.6);
	struct tl_sock ab5 = freed(sk(223, TL_TCP_CLOSE, 50711, 0), 0);
	tl_tracker_destroyed(t, 0, &ab5, now, 10.6);
	is_str(drain(t), "", "an end waiting for evidence, a cleared record waiting for its peer");
	tl_tracker_flush(t);
	is_str(drain(t),
	       "c110 close ESTABLISHED>CLOSED RST/in\n"
	       "c222 open ->SYN-SENT SYN/out i\n"
	       "c222 trans SYN-SENT>ESTABLISHED SYN+ACK/in i\n"
	       "c222 close ESTABLISHED>CLOSED RST/out\n",
	       "flushed: both told (not the one on loopback, whose peer never came)");
	tl_tracker_flush(t);
	is_str(drain(t), "", "a second flush tells nothing more");
	tl_tracker_free(t);

	/* An abort storm: at most 4096 cleared records wait, the oldest is told
	 * when another comes. */
	t = tl_tracker_new(1);
	dump(t, &s, a1, 1, &now);
	for (int i = 0; i < 4100; i++) {
		struct tl_sock st = freed(sk(10000 + (uint64_t)i, TL_TCP_CLOSE, 0, 0), 0);
		st.lport = (uint16_t)(40000 + i);
		tl_tracker_destroyed(t, 0, &st, now, 10.8);
	}
	size_t nstorm;
	const struct tl_event *evs = tl_tracker_events(t, &nstorm);
	is_int(nstorm, 4 * 3, "4100 aborts: the 4 oldest told at once (3 events each)");
	ok(nstorm == 12 && evs[0].cookie == 10000 && evs[11].cookie == 10003, "the oldest ones");
	drain(t);
	tl_tracker_free(t);

	/* A known socket's cleared record: its own abort, at once; its peer
	 * then vanishes: reset. */
	t = tl_tracker_new(1);
	dump(t, &s, a1, 1, &now);
	struct tl_sock k1 = sk(231, TL_TCP_ESTABLISHED, 50800, 80);
	struct tl_sock k2 = sk(232, TL_TCP_ESTABLISHED, 80, 50800);
	struct tl_sock g2[] = {lst, k1, k2};
	dump(t, &s, g2, 3, &now);
	drain(t);
	struct tl_sock k1d = freed(k1, 0);
	k1d.rport = 0;
	tl_tracker_destroyed(t, 0, &k1d, now, 11.0);
	ok(strstr(last_why(t), "SO_LINGER"), "an abort by SO_LINGER 0 (%s)", last_why(t));
	is_str(drain(t), "c231 close ESTABLISHED>CLOSED RST/out\n",
	       "a known socket freed with its peer's port cleared: it aborted");
	dump(t, &s, a1, 1, &now);
	tl_tracker_pending(t, lk, 8);
	tl_tracker_lookup_result(t, 0, 232, NULL, now, 12.0);
	is_str(drain(t), "c232 close ESTABLISHED>CLOSED RST/in\n", "its peer took the RST");
	tl_tracker_free(t);

	/* An orphaned FIN-WAIT-2 whose timer ran out timed out; one that
	 * vanished long before took an RST. */
	t = tl_tracker_new(1);
	dump(t, &s, a1, 1, &now);
	struct tl_sock f1 = sk(241, TL_TCP_FIN_WAIT2, 50900, 81);
	struct tl_sock f2 = sk(242, TL_TCP_FIN_WAIT2, 50901, 81);
	f1.remote[0] = f2.remote[0] = 10;
	struct tl_sock f3 = sk(243, TL_TCP_FIN_WAIT2, 50902, 81);
	f3.remote[0] = 10;
	struct tl_sock h1[] = {lst, mini(f1, TL_TCP_FIN_WAIT2, 1500),
			       mini(f2, TL_TCP_FIN_WAIT2, 50000), mini(f3, TL_TCP_FIN_WAIT2, 0)};
	dump(t, &s, h1, 4, &now);
	drain(t);
	now += SEC;
	dump(t, &s, a1, 1, &now);
	tl_tracker_pending(t, lk, 8);
	tl_tracker_lookup_result(t, 0, 241, NULL, now, 13.0);
	tl_tracker_lookup_result(t, 0, 242, NULL, now, 13.0);
	tl_tracker_lookup_result(t, 0, 243, NULL, now, 13.0);
	is_str(drain(t), "c241 close FIN-WAIT-2>CLOSED -/-\nc243 close FIN-WAIT-2>CLOSED -/-\n",
	       "gone as its timer ran out (or listed with 0 ms left, due): timed out "
	       "(tcp_fin_timeout), at once");
	dump(t, &s, a1, 1, &now);
	is_str(drain(t), "c242 close FIN-WAIT-2>CLOSED RST/in\n",
	       "gone with 48 s left: an RST came in (its owner had closed it)");
	tl_tracker_free(t);

	/* Born and freed between two dumps, both ends: the server closed with
	 * unread data after the client had closed.  The client's final
	 * counters: 10 bytes sent, 12 acked (its SYN, its data, its FIN), none
	 * unacked: it had handed over to an orphaned FIN-WAIT-2, which the RST
	 * then killed. */
	t = tl_tracker_new(1);
	dump(t, &s, a1, 1, &now);
	struct tl_sock i1 = freed(sk(301, TL_TCP_CLOSE, 51000, 80), 0);
	struct tl_sock i2 = freed(sk(302, TL_TCP_CLOSE, 80, 51000), 3);
	i1.flags = i2.flags = TL_SOCK_HAS_INFO;
	i1.info.have = i2.info.have =
	    TL_INFO_RTT | TL_INFO_BYTES_ACKED | TL_INFO_BYTES_SENT | TL_INFO_BYTES_RECEIVED;
	i1.info.rtt_us = i2.info.rtt_us = 30;
	i1.info.bytes_sent = 10;
	i1.info.bytes_acked = 12;
	i2.info.bytes_received = 11;
	tl_tracker_destroyed(t, 0, &i1, now, 14.0);
	tl_tracker_destroyed(t, 0, &i2, now, 14.0);
	drain(t);
	is_int(tl_tracker_pending(t, lk, 8), 2, "both looked up for a successor");
	tl_tracker_lookup_result(t, 0, 301, NULL, now, 14.0);
	tl_tracker_lookup_result(t, 0, 302, NULL, now, 14.0);
	is_str(drain(t),
	       "c301 trans ESTABLISHED>FIN-WAIT-1 FIN/out i\n"
	       "c301 trans FIN-WAIT-1>FIN-WAIT-2 ACK/in i\n"
	       "c301 close FIN-WAIT-2>CLOSED RST/in\n"
	       "c302 trans ESTABLISHED>CLOSE-WAIT FIN/in i\n"
	       "c302 close CLOSE-WAIT>CLOSED RST/out\n",
	       "the server's unread data: its RST; the client's counters: it had sent a FIN, "
	       "acked, so a FIN went each way first");
	tl_tracker_free(t);

	/* The same order of events, but the client's counters show no FIN (6
	 * acked: its SYN and 5 bytes): a server's abort freed after its
	 * client is no sign that the client closed first. */
	t = tl_tracker_new(1);
	dump(t, &s, a1, 1, &now);
	i1.cookie = 321;
	i1.lport = 51020;
	i1.info.bytes_sent = 5;
	i1.info.bytes_acked = 6;
	i2 = freed(sk(322, TL_TCP_CLOSE, 80, 51020), 0);
	i2.rport = 0;
	tl_tracker_destroyed(t, 0, &i1, now, 14.5);
	tl_tracker_destroyed(t, 0, &i2, now, 14.5);
	tl_tracker_pending(t, lk, 8);
	tl_tracker_lookup_result(t, 0, 321, NULL, now, 14.5);
	dump(t, &s, a1, 1, &now);
	is_str(drain(t),
	       "c321 open ->SYN-SENT SYN/out i\n"
	       "c321 trans SYN-SENT>ESTABLISHED SYN+ACK/in i\n"
	       "c322 open ->SYN-RECV SYN/in i\n"
	       "c322 trans SYN-RECV>ESTABLISHED ACK/in i\n"
	       "c322 close ESTABLISHED>CLOSED RST/out\n"
	       "c321 close ESTABLISHED>CLOSED RST/in\n",
	       "the server aborted, the client took it in ESTABLISHED");
	tl_tracker_free(t);

	/* Its FIN sent but not acked (Send-Q 1: the peer delays the ACK of a
	 * FIN, and its RST came first): FIN-WAIT-1, not FIN-WAIT-2. */
	t = tl_tracker_new(1);
	dump(t, &s, a1, 1, &now);
	i1.cookie = 331;
	i1.lport = 51030;
	i1.wqueue = 1;
	i2 = freed(sk(332, TL_TCP_CLOSE, 80, 51030), 6);
	i2.flags = TL_SOCK_HAS_INFO;
	i2.info.have = TL_INFO_RTT;
	i2.info.rtt_us = 30;
	tl_tracker_destroyed(t, 0, &i1, now, 14.7);
	tl_tracker_destroyed(t, 0, &i2, now, 14.7);
	tl_tracker_pending(t, lk, 8);
	tl_tracker_lookup_result(t, 0, 331, NULL, now, 14.7);
	tl_tracker_lookup_result(t, 0, 332, NULL, now, 14.7);
	is_str(drain(t),
	       "c331 open ->SYN-SENT SYN/out i\n"
	       "c331 trans SYN-SENT>ESTABLISHED SYN+ACK/in i\n"
	       "c332 open ->SYN-RECV SYN/in i\n"
	       "c332 trans SYN-RECV>ESTABLISHED ACK/in i\n"
	       "c331 trans ESTABLISHED>FIN-WAIT-1 FIN/out i\n"
	       "c331 close FIN-WAIT-1>CLOSED RST/in\n"
	       "c332 trans ESTABLISHED>CLOSE-WAIT FIN/in i\n"
	       "c332 close CLOSE-WAIT>CLOSED RST/out\n",
	       "a FIN unacked when the RST came: FIN-WAIT-1");
	tl_tracker_free(t);

	/* A half-closed client's server end answers, closes and is freed
	 * between dumps; the client's TIME-WAIT, seen at the next dump, says
	 * that was an orderly close. */
	t = tl_tracker_new(1);
	dump(t, &s, a1, 1, &now);
	struct tl_sock j1 = sk(311, TL_TCP_ESTABLISHED, 51100, 80);
	struct tl_sock j2 = sk(312, TL_TCP_ESTABLISHED, 80, 51100);
	struct tl_sock m2[] = {lst, j1, j2};
	dump(t, &s, m2, 3, &now);
	drain(t);
	struct tl_sock j2d = freed(j2, 0);
	j2d.flags = TL_SOCK_HAS_INFO; /* 100 bytes sent, acked with its FIN */
	j2d.info.have = TL_INFO_BYTES_ACKED | TL_INFO_BYTES_SENT;
	j2d.info.bytes_sent = 100;
	j2d.info.bytes_acked = 101;
	tl_tracker_destroyed(t, 0, &j2d, now, 15.0);
	tl_tracker_pending(t, lk, 8);
	tl_tracker_lookup_result(t, 0, 312, NULL, now, 15.0);
	is_str(drain(t), "",
	       "ESTABLISHED, then freed, its peer still there: wait for the next dump");
	struct tl_sock m3[] = {lst, mini(j1, TL_TCP_TIME_WAIT, 60000)};
	dump(t, &s, m3, 2, &now);
	is_str(drain(t),
	       "c311 trans ESTABLISHED>FIN-WAIT-1 FIN/out i\n"
	       "c311 trans FIN-WAIT-1>FIN-WAIT-2 ACK/in i\n"
	       "c311 trans FIN-WAIT-2>TIME-WAIT FIN/in\n"
	       "c312 trans ESTABLISHED>CLOSE-WAIT FIN/in i\n"
	       "c312 trans CLOSE-WAIT>LAST-ACK FIN/out i\n"
	       "c312 close LAST-ACK>CLOSED ACK/in\n",
	       "the peer's TIME-WAIT: a passive close (its own FIN second), not an abort");
	tl_tracker_free(t);
	tl_snapshot_fini(&s);
}

/* Storage after a burst: 80000 short connections come and go (as under
 * churn) beside 40000 steady ones, then only the steady ones remain.  Once the tombstones expire
 * the slots, the maps and the event and lookup arrays shrink back, and
 * the remembered closed cookies are bounded and forgotten after 10
 * minutes.  Checked by capacities, not by RSS. */
static void burst_storage(void)
{
	enum { STEADY = 40000, BATCH = 10000, BATCHES = 8 };
	struct tl_tracker *t = tl_tracker_new(1);
	struct tl_snapshot s;
	struct tl_tracker_storage st0, peak, st;

	memset(&peak, 0, sizeof(peak));
	static struct tl_sock socks[STEADY + BATCH];
	static struct tl_lookup lk[4096];
	uint64_t now = 1000 * SEC;
	size_t most_slots = 0, most_events = 0, overdue = 0;

	tl_snapshot_init(&s);
	/* steady: 100 pairs, both ends watched */
	for (int i = 0; i < STEADY; i += 2) {
		socks[i] = sk(1 + (uint64_t)i, TL_TCP_ESTABLISHED, 443, (uint16_t)(20000 + i));
		socks[i + 1] = sk(2 + (uint64_t)i, TL_TCP_ESTABLISHED, (uint16_t)(20000 + i), 443);
	}
	socks[0] = sk(1, TL_TCP_LISTEN, 443, 0);
	snap_of(&s, socks, STEADY);
	tl_tracker_sample(t, 0, &s, now, 1.0);
	tl_tracker_clear_events(t);
	tl_tracker_storage(t, &st0);

	for (int b = 0; b <= BATCHES + 2; b++) {
		size_t n = STEADY;
		for (int i = 0; b < BATCHES && i < BATCH; i++)
			socks[n++] = sk(100000 + (uint64_t)b * BATCH + (uint64_t)i,
					TL_TCP_ESTABLISHED, (uint16_t)(30000 + i), 8443);
		snap_of(&s, socks, n);
		now += SEC;
		tl_tracker_sample(t, 0, &s, now, 2.0);
		while (tl_tracker_pending(t, lk, 4096))
			; /* the lookups go unanswered: the next dump decides */
		tl_tracker_storage(t, &st);
		most_events = TL_MAX(most_events, st.event_cap);
		most_slots = TL_MAX(most_slots, st.slot_cap);
		if (b == BATCHES - 1)
			peak = st;
		tl_tracker_clear_events(t);
		tl_tracker_expire(t, now);
		size_t nc;
		const struct tl_conn *cs = tl_tracker_conns(t, &nc);
		for (size_t i = 0; i < nc; i++)
			overdue += cs[i].id && (cs[i].flags & TL_CONN_GONE) &&
				   now - cs[i].gone_ns >= 10 * SEC;
	}
	is_int(overdue, 0, "every tombstone due is expired, in every round");
	ok(most_slots >= 2 * BATCH && peak.cookie_cap >= 2 * BATCH && most_events >= BATCH,
	   "the burst needed %zu slots, a cookie table of %zu, %zu events", most_slots,
	   peak.cookie_cap, most_events);
	/* Quiet: the tombstones expire. */
	for (int i = 0; i < 3; i++) {
		snap_of(&s, socks, STEADY);
		now += 10 * SEC;
		tl_tracker_sample(t, 0, &s, now, 3.0);
		tl_tracker_clear_events(t);
		tl_tracker_expire(t, now);
	}
	tl_tracker_storage(t, &st);
	is_int(st.conns, STEADY, "the steady connections remain");
	ok(st.compactions >= 1, "the slots were compacted (%llu times)",
	   (unsigned long long)st.compactions);
	ok(st.slot_cap <= 2 * STEADY + 256, "slots back to %zu (steady %zu, peak %zu)", st.slot_cap,
	   st0.slot_cap, most_slots);
	ok(st.cookie_cap <= 4 * STEADY && st.tuple_cap <= 4 * STEADY,
	   "cookie and tuple tables back to %zu and %zu (peak %zu)", st.cookie_cap, st.tuple_cap,
	   peak.cookie_cap);
	ok(st.event_cap <= 16384 && st.pending_cap <= 16384,
	   "event and lookup arrays back to %zu and %zu (peak events %zu)", st.event_cap,
	   st.pending_cap, most_events);
	ok(st.closed == 65536, "closed cookies remembered: %zu of %d (at most 65536)", st.closed,
	   BATCH * BATCHES);

	/* Renumbered slots still hold the right connections. */
	int bad = 0;
	for (int i = 1; i < STEADY; i++) {
		struct tl_conn *c = tl_tracker_find(t, 1 + (uint64_t)i);
		const struct tl_conn *p = c ? tl_tracker_peer(t, c) : NULL;
		uint64_t want_peer = (i % 2) ? (uint64_t)i : 2 + (uint64_t)i;
		if (!c || c->sock.cookie != 1 + (uint64_t)i ||
		    (i > 1 && (!p || p->sock.cookie != want_peer)))
			bad++;
	}
	is_int(bad, 0, "after compaction every connection is found by cookie, with its peer");
	socks[10].state = TL_TCP_CLOSE_WAIT;
	snap_of(&s, socks, STEADY);
	now += SEC;
	tl_tracker_sample(t, 0, &s, now, 4.0);
	is_str(drain(t), "c11 trans ESTABLISHED>CLOSE-WAIT FIN/in\n",
	       "and a change after it is told once, for the right connection");

	/* Ten minutes on, the closed cookies are forgotten too. */
	now += 601 * SEC;
	snap_of(&s, socks, STEADY);
	tl_tracker_sample(t, 0, &s, now, 5.0);
	tl_tracker_clear_events(t);
	tl_tracker_expire(t, now);
	tl_tracker_storage(t, &st);
	ok(st.closed == 0 && st.closed_cap <= 64, "closed cookies forgotten: %zu, table %zu",
	   st.closed, st.closed_cap);
	ok(st.bytes < st0.bytes * 2, "memory back near where it began: %zu bytes (%zu before)",
	   st.bytes, st0.bytes);
	tl_tracker_free(t);
	tl_snapshot_fini(&s);
}

/* The journal: steps synced from it at each dump hold the same
 * connections as steps synced in full, through churn, expiry and
 * compactions (slots renumbered between takes). */
static void journal(void)
{
	enum { LIVE = 2000, NEW = 1500, ROUNDS = 12, QUIET = 3 };
	struct tl_tracker *t = tl_tracker_new(1);
	struct tl_steps *jst = tl_steps_new(0), *full = tl_steps_new(0);
	static struct tl_sock socks[LIVE];
	struct tl_snapshot s;
	uint64_t now = 1000 * SEC, next = 1;
	int differ = 0, missing = 0, full_takes = 0;
	size_t changes = 0, all = 0;

	tl_snapshot_init(&s);
	tl_tracker_set_tombstone(t, 2 * SEC);
	tl_tracker_journal(t);
	for (int r = 0; r < ROUNDS + QUIET; r++) {
		/* the oldest NEW go, NEW new ones come; then quiet: most gone,
		 * a few new ones (born in the dump before a compaction) */
		size_t n_socks = r < ROUNDS ? LIVE : LIVE / 10 + 10;
		if (r && r < ROUNDS)
			memmove(socks, socks + NEW, (LIVE - NEW) * sizeof(*socks));
		for (size_t i = r < ROUNDS && r ? LIVE - NEW
				: r             ? LIVE / 10
						: 0;
		     i < n_socks; i++, next++)
			socks[i] =
			    sk(next, TL_TCP_ESTABLISHED, (uint16_t)(10000 + next % 50000), 443);
		snap_of(&s, socks, n_socks);
		now += SEC;
		tl_tracker_sample(t, 0, &s, now, (double)r);
		tl_tracker_flush(t);
		size_t ne;
		const struct tl_event *ev = tl_tracker_events(t, &ne);
		/* quiet rounds' events are not kept: their new connections
		 * get their steps from the sync alone */
		for (size_t i = 0; r < ROUNDS && i < ne; i++) {
			tl_steps_add(jst, &ev[i]);
			tl_steps_add(full, &ev[i]);
		}
		tl_tracker_clear_events(t);
		tl_tracker_expire(t, now);
		const uint32_t *born, *died;
		size_t n_born, n_died, n;
		const struct tl_conn *c = tl_tracker_conns(t, &n);
		if (tl_tracker_journal_take(t, &born, &n_born, &died, &n_died)) {
			tl_steps_sync_changes(jst, c, n, born, n_born, died, n_died);
			changes += n_born + n_died;
		} else {
			tl_steps_sync(jst, c, n);
			full_takes++;
		}
		tl_tracker_journal_clear(t);
		tl_steps_sync(full, c, n);
		size_t live = 0;
		for (size_t i = 0; i < n; i++) {
			if (!c[i].id)
				continue;
			live++;
			missing += !tl_steps_has(jst, c[i].id);
		}
		differ +=
		    tl_steps_conns(jst) != tl_steps_conns(full) || tl_steps_conns(jst) != live;
		all += live;
	}
	struct tl_tracker_storage st;
	tl_tracker_storage(t, &st);
	ok(st.compactions >= 1, "the slots were compacted meanwhile (%llu times)",
	   (unsigned long long)st.compactions);
	is_int(full_takes, 1, "the journal's first take asks for a full sync, later ones do not");
	is_int(missing, 0, "every live connection has its steps");
	is_int(differ, 0, "synced from the journal: the same connections as synced in full");
	ok(changes > 0 && changes < all,
	   "the journal held the changes (%zu), fewer than the connections synced in full (%zu)",
	   changes, all);
	tl_steps_free(jst);
	tl_steps_free(full);
	tl_tracker_free(t);
	tl_snapshot_fini(&s);
}

/* Slots compacted while an end waits for evidence (its peer's next
 * dump): the wait follows the connection to its new slot, and the next
 * dump decides it as it would have without the compaction. */
static void compact_while_waiting(void)
{
	enum { BURST = 3000 };
	static struct tl_sock socks[BURST + 1];
	struct tl_snapshot s;
	struct tl_lookup lk[8];
	struct tl_tracker_storage st;
	uint64_t now = 3000 * SEC;

	tl_snapshot_init(&s);
	struct tl_tracker *t = tl_tracker_new(1);
	struct tl_sock lst = sk(1, TL_TCP_LISTEN, 80, 0);
	socks[0] = lst;
	for (int i = 0; i < BURST; i++)
		socks[1 + i] =
		    sk(10000 + (uint64_t)i, TL_TCP_ESTABLISHED, (uint16_t)(20000 + i), 443);
	dump(t, &s, socks, BURST + 1, &now);
	/* The burst goes; a pair comes, in slots above it. */
	struct tl_sock j1 = sk(411, TL_TCP_ESTABLISHED, 51200, 80);
	struct tl_sock j2 = sk(412, TL_TCP_ESTABLISHED, 80, 51200);
	struct tl_sock m2[] = {lst, j1, j2};
	for (int i = 0; i < 4; i++)
		dump(t, &s, m2, 3, &now);
	while (tl_tracker_pending(t, lk, 8))
		;
	tl_tracker_clear_events(t); /* thousands: more than drain() holds */
	struct tl_sock j2d = freed(j2, 0);
	j2d.flags = TL_SOCK_HAS_INFO;
	j2d.info.have = TL_INFO_BYTES_ACKED | TL_INFO_BYTES_SENT;
	j2d.info.bytes_sent = 100;
	j2d.info.bytes_acked = 101;
	tl_tracker_destroyed(t, 0, &j2d, now, 30.0);
	while (tl_tracker_pending(t, lk, 8))
		tl_tracker_lookup_result(t, 0, 412, NULL, now, 30.0);
	is_str(drain(t), "", "compaction: the freed end waits for its peer's next dump");
	/* The burst's tombstones expire: most slots are free. */
	now += 11 * SEC;
	tl_tracker_expire(t, now);
	tl_tracker_storage(t, &st);
	ok(st.compactions == 1 && st.slots == 3, "the slots were compacted (%llu times, %zu slots)",
	   (unsigned long long)st.compactions, st.slots);
	struct tl_sock m3[] = {lst, mini(j1, TL_TCP_TIME_WAIT, 60000)};
	dump(t, &s, m3, 2, &now);
	is_str(drain(t),
	       "c411 trans ESTABLISHED>FIN-WAIT-1 FIN/out i\n"
	       "c411 trans FIN-WAIT-1>FIN-WAIT-2 ACK/in i\n"
	       "c411 trans FIN-WAIT-2>TIME-WAIT FIN/in\n"
	       "c412 trans ESTABLISHED>CLOSE-WAIT FIN/in i\n"
	       "c412 trans CLOSE-WAIT>LAST-ACK FIN/out i\n"
	       "c412 close LAST-ACK>CLOSED ACK/in\n",
	       "after the compaction the waiting end is decided by its peer's TIME-WAIT");
	tl_snapshot_fini(&s);
	tl_tracker_free(t);
}

/* --all-netns: a namespace joins (its first dump is its baseline), has
 * events of its own, and leaves: its connections are forgotten without
 * events, and the others go on. */
static void namespaces_join_and_leave(void)
{
	struct tl_tracker *t = tl_tracker_new(1);
	struct tl_snapshot s;
	uint64_t now = 100 * SEC;
	tl_snapshot_init(&s);

	struct tl_sock a[] = {sk(1, TL_TCP_LISTEN, 80, 0)};
	snap_of(&s, a, 1);
	tl_tracker_sample(t, 0, &s, now, 100.0);
	is_int(tl_tracker_add_ns(t), 1, "a namespace joins as index 1");
	struct tl_sock b[] = {sk(10, TL_TCP_LISTEN, 8080, 0),
			      sk(11, TL_TCP_ESTABLISHED, 8080, 40000),
			      sk(12, TL_TCP_ESTABLISHED, 40000, 8080)};
	snap_of(&s, b, 3);
	tl_tracker_sample(t, 1, &s, now + SEC, 101.0);
	is_str(drain(t), "", "its first dump is its baseline: no events");
	struct tl_sock b2[] = {b[0], b[1], b[2], sk(13, TL_TCP_CLOSE_WAIT, 8080, 40001)};
	snap_of(&s, b2, 4);
	tl_tracker_sample(t, 1, &s, now + 2 * SEC, 102.0);
	is_str(drain(t),
	       "c13 open ->SYN-RECV SYN/in i\nc13 trans SYN-RECV>ESTABLISHED ACK/in i\n"
	       "c13 trans ESTABLISHED>CLOSE-WAIT FIN/in\n",
	       "then its own events");
	const struct tl_conn *c = tl_tracker_find(t, 11);
	ok(c && c->ns == 1, "its connections carry its index");
	tl_tracker_drop_ns(t, 1);
	is_str(drain(t), "", "it leaves: no events for its connections");
	/* many come and go: the ones gone are not waited for */
	for (unsigned i = 2; i < 12; i++) {
		tl_tracker_add_ns(t);
		tl_tracker_drop_ns(t, i);
	}
	tl_tracker_expire(t, now + 3 * SEC);
	ok(!any_conn(t, 10) && !any_conn(t, 11) && !any_conn(t, 13),
	   "its connections are forgotten at the next expiry");
	ok(any_conn(t, 1) != NULL, "the other namespace's are kept");
	/* the one left goes on: a close is decided after its own dumps */
	struct tl_sock a2[] = {a[0], sk(2, TL_TCP_ESTABLISHED, 80, 41000)};
	snap_of(&s, a2, 2);
	tl_tracker_sample(t, 0, &s, now + 4 * SEC, 104.0);
	drain(t);
	snap_of(&s, a, 1);
	tl_tracker_sample(t, 0, &s, now + 5 * SEC, 105.0);
	tl_tracker_sample(t, 0, &s, now + 6 * SEC, 106.0);
	tl_tracker_sample(t, 0, &s, now + 7 * SEC, 107.0);
	ok(strstr(drain(t), "c2 close") != NULL,
	   "a connection of the namespace left is closed after its dumps alone");
	tl_tracker_free(t);
	tl_snapshot_fini(&s);
}

/* The kernel gives a child its request socket's cookie, and a mini-socket
 * its full socket's, but only a cookie made before the copy: one made by a
 * dump at the same moment is lost, and the successor, in the very next
 * dump, has a cookie of its own.  Same tuple, a state that can follow:
 * the same connection, never a close and a new open. */
static void cookie_changed_in_one_dump(void)
{
	struct tl_tracker *t = tl_tracker_new(1);
	struct tl_snapshot s;
	uint64_t now = 100 * SEC;
	tl_snapshot_init(&s);

	struct tl_sock lis = sk(1, TL_TCP_LISTEN, 80, 0);
	dump(t, &s, &lis, 1, &now);
	struct tl_sock req = sk(70, TL_TCP_SYN_RECV, 80, 56000);
	req.inode = 0;
	struct tl_sock cli = sk(71, TL_TCP_ESTABLISHED, 56000, 80);
	struct tl_sock a[] = {lis, req, cli};
	dump(t, &s, a, 3, &now);
	drain(t);
	struct tl_sock child = sk(72, TL_TCP_ESTABLISHED, 80, 56000);
	struct tl_sock b[] = {lis, cli, child};
	dump(t, &s, b, 3, &now);
	is_str(drain(t), "c72 trans SYN-RECV>ESTABLISHED ACK/in\n",
	       "a request socket's child under a new cookie, in the next dump: one connection");
	dump(t, &s, b, 3, &now);
	is_str(drain(t), "", "and the request socket is not closed a dump later");

	/* a full socket first listed by the last dump, its TIME-WAIT under a
	 * new cookie in this one */
	struct tl_sock cw = sk(72, TL_TCP_CLOSE_WAIT, 80, 56000);
	struct tl_sock c2 = sk(75, TL_TCP_ESTABLISHED, 57000, 80);
	struct tl_sock c2s = sk(76, TL_TCP_ESTABLISHED, 80, 57000);
	struct tl_sock c[] = {lis, cli, cw, c2, c2s};
	dump(t, &s, c, 5, &now);
	drain(t);
	struct tl_sock tw = mini(sk(77, TL_TCP_TIME_WAIT, 57000, 80), TL_TCP_TIME_WAIT, 60000);
	struct tl_sock cw2 = sk(76, TL_TCP_CLOSE_WAIT, 80, 57000);
	struct tl_sock d[] = {lis, cli, cw, tw, cw2};
	dump(t, &s, d, 5, &now);
	is_str(drain(t),
	       "c77 trans ESTABLISHED>FIN-WAIT-1 FIN/out i\n"
	       "c77 trans FIN-WAIT-1>FIN-WAIT-2 ACK/in i\n"
	       "c77 trans FIN-WAIT-2>TIME-WAIT FIN/in\n"
	       "c76 trans ESTABLISHED>CLOSE-WAIT FIN/in\n",
	       "a TIME-WAIT under a new cookie, in the next dump: the same connection");

	/* a connection listed by earlier dumps had its cookie copied: a
	 * TIME-WAIT of its tuple under another is a new connection on a
	 * reused port, and a child under another cookie is another's */
	struct tl_sock tw2 = mini(sk(78, TL_TCP_TIME_WAIT, 56000, 80), TL_TCP_TIME_WAIT, 60000);
	struct tl_sock e[] = {lis, cw, tw, cw2, tw2};
	dump(t, &s, e, 5, &now);
	ok(strstr(drain(t), "c78 open ->SYN-SENT") != NULL,
	   "an old connection's tuple in TIME-WAIT under another cookie: a new connection");
	struct tl_sock req2 = sk(79, TL_TCP_SYN_RECV, 80, 58000);
	req2.inode = 0;
	struct tl_sock f[] = {lis, cw, tw, cw2, tw2, req2};
	dump(t, &s, f, 6, &now);
	dump(t, &s, f, 6, &now);
	drain(t);
	struct tl_sock child2 = sk(80, TL_TCP_ESTABLISHED, 80, 58000);
	struct tl_sock g[] = {lis, cw, tw, cw2, tw2, child2};
	dump(t, &s, g, 6, &now);
	ok(strstr(drain(t), "c80 open ->SYN-RECV") != NULL,
	   "a request socket listed twice, then a child under another cookie: another's");

	/* a new connection on a TIME-WAIT's tuple is a new connection */
	struct tl_sock again = sk(81, TL_TCP_SYN_SENT, 57000, 80);
	struct tl_sock h[] = {lis, cw, cw2, again};
	dump(t, &s, h, 4, &now);
	ok(strstr(drain(t), "c81 open ->SYN-SENT") != NULL,
	   "a SYN-SENT on a TIME-WAIT's tuple: a new connection");
	tl_tracker_free(t);
	tl_snapshot_fini(&s);
}

int main(void)
{
	struct tl_snapshot s;
	struct tl_tracker *t = tl_tracker_new(1);
	struct tl_lookup lk[8];
	uint64_t now = 100 * SEC;

	tl_snapshot_init(&s);

	/* Baseline: a listener on :80 and an old connection. */
	struct tl_sock base[] = {sk(1, TL_TCP_LISTEN, 80, 0), sk(2, TL_TCP_ESTABLISHED, 80, 40000),
				 sk(3, TL_TCP_ESTABLISHED, 40000, 80)};
	snap_of(&s, base, 3);
	is_int(tl_tracker_sample(t, 0, &s, now, 1.0), 0, "baseline accepted");
	is_str(drain(t), "", "the baseline yields no events");
	struct tl_conn *c2 = tl_tracker_find(t, 2), *c3 = tl_tracker_find(t, 3);
	ok(c2 && c2->role == TL_ROLE_PASSIVE, "a socket on a listening port is the passive opener");
	ok(c3 && c3->role == TL_ROLE_ACTIVE, "its peer is the active opener");
	ok(c2 && c3 && tl_tracker_peer(t, c2) == c3 && tl_tracker_peer(t, c3) == c2,
	   "both ends paired");
	ok(c2 && !(c2->flags & TL_CONN_EXACT), "baseline ages are lower bounds");

	/* A new connection, born between two dumps. */
	struct tl_sock s2[] = {base[0], base[1], base[2], sk(10, TL_TCP_ESTABLISHED, 50000, 80),
			       sk(11, TL_TCP_ESTABLISHED, 80, 50000)};
	snap_of(&s, s2, 5);
	now += SEC;
	tl_tracker_sample(t, 0, &s, now, 2.0);
	is_str(drain(t),
	       "c10 open ->SYN-SENT SYN/out i\n"
	       "c10 trans SYN-SENT>ESTABLISHED SYN+ACK/in\n"
	       "c11 open ->SYN-RECV SYN/in i\n"
	       "c11 trans SYN-RECV>ESTABLISHED ACK/in\n",
	       "a new connection: handshake inferred, ESTABLISHED observed, on both ends");
	ok(tl_tracker_peer(t, tl_tracker_find(t, 10)) == tl_tracker_find(t, 11),
	   "the new ends are paired");

	/* Client closes first: FIN-WAIT-2 and CLOSE-WAIT seen. */
	struct tl_sock s3[] = {base[0], base[1], base[2], sk(10, TL_TCP_FIN_WAIT2, 50000, 80),
			       sk(11, TL_TCP_CLOSE_WAIT, 80, 50000)};
	snap_of(&s, s3, 5);
	now += SEC;
	tl_tracker_sample(t, 0, &s, now, 3.0);
	is_str(drain(t),
	       "c10 trans ESTABLISHED>FIN-WAIT-1 FIN/out i\n"
	       "c10 trans FIN-WAIT-1>FIN-WAIT-2 ACK/in\n"
	       "c11 trans ESTABLISHED>CLOSE-WAIT FIN/in\n",
	       "the skipped FIN-WAIT-1 is inferred, the rest observed");

	/* The server's socket vanishes from one dump: not closed yet. */
	struct tl_sock s4[] = {base[0], base[1], base[2], sk(10, TL_TCP_TIME_WAIT, 50000, 80)};
	snap_of(&s, s4, 4);
	now += SEC;
	tl_tracker_sample(t, 0, &s, now, 4.0);
	is_str(drain(t), "c10 trans FIN-WAIT-2>TIME-WAIT FIN/in\n",
	       "TIME-WAIT observed; the vanished socket is not closed on one dump");
	size_t n = tl_tracker_pending(t, lk, 8);
	ok(n == 1 && lk[0].sock.cookie == 11, "the vanished socket is handed out for a lookup");
	is_int(tl_tracker_pending(t, lk, 8), 0, "only once");
	tl_tracker_lookup_result(t, 0, 11, NULL, now, 4.1);
	is_str(drain(t),
	       "c11 trans CLOSE-WAIT>LAST-ACK FIN/out i\n"
	       "c11 close LAST-ACK>CLOSED ACK/in\n",
	       "the lookup confirms it gone: LAST-ACK inferred, the close observed");
	const struct tl_conn *conns = tl_tracker_conns(t, &n), *c11 = NULL;
	for (size_t i = 0; i < n; i++)
		if (conns[i].sock.cookie == 11)
			c11 = &conns[i];
	ok(c11 && (c11->flags & TL_CONN_GONE), "a tombstone stays");
	ok(tl_tracker_find(t, 11) == NULL, "but it is no longer found by cookie");

	/* A socket missing once then back: no events at all. */
	struct tl_sock s5[] = {base[0], base[2], sk(10, TL_TCP_TIME_WAIT, 50000, 80)};
	snap_of(&s, s5, 3);
	now += SEC;
	tl_tracker_sample(t, 0, &s, now, 5.0);
	snap_of(&s, s4, 4);
	now += SEC;
	tl_tracker_sample(t, 0, &s, now, 6.0);
	is_str(drain(t), "", "missing from one dump, back in the next: nothing happened");
	tl_tracker_pending(t, lk, 8);

	/* Missing twice, no lookup: confirmed by the second dump. */
	snap_of(&s, s5, 3);
	now += SEC;
	tl_tracker_sample(t, 0, &s, now, 7.0);
	is_str(drain(t), "", "missing once");
	now += SEC;
	tl_tracker_sample(t, 0, &s, now, 8.0);
	is_str(drain(t), "", "missing twice: gone, how is decided by the next dump");
	now += SEC;
	tl_tracker_sample(t, 0, &s, now, 8.5);
	is_str(drain(t), "c2 close ESTABLISHED>CLOSED RST/-\n",
	       "ESTABLISHED then gone, no successor, its peer still there: an abort, its "
	       "direction unknown");

	/* TIME-WAIT expires. */
	struct tl_sock s6[] = {base[0], base[2]};
	snap_of(&s, s6, 2);
	now += SEC;
	tl_tracker_sample(t, 0, &s, now, 9.0);
	tl_tracker_lookup_result(t, 0, 10, NULL, now, 9.0);
	is_str(drain(t), "c10 close TIME-WAIT>CLOSED -/-\n", "TIME-WAIT expiry is a close");

	/* Born and died between dumps, seen only by its destroy event. */
	struct tl_sock d = sk(20, TL_TCP_CLOSE, 80, 51000);
	d.flags = TL_SOCK_HAS_INFO;
	d.info.have = TL_INFO_RTT | TL_INFO_BYTES_RECEIVED;
	d.info.rtt_us = 50;
	d.info.bytes_received = 1234;
	tl_tracker_destroyed(t, 0, &d, now, 9.5);
	is_str(drain(t),
	       "c20 open ->SYN-RECV SYN/in i\n"
	       "c20 trans SYN-RECV>ESTABLISHED ACK/in i\n",
	       "a destroy event for an unseen socket: its open, all inferred");
	n = tl_tracker_pending(t, lk, 8);
	ok(n == 1 && lk[0].sock.cookie == 20, "its successor is looked up");
	tl_tracker_lookup_result(t, 0, 20, NULL, now, 9.5);
	is_str(drain(t), "", "no successor: decided by the next dump");
	now += SEC;
	tl_tracker_sample(t, 0, &s, now, 9.7);
	is_str(drain(t), "c20 close ESTABLISHED>CLOSED RST/-\n",
	       "no TIME-WAIT successor, no peer, no evidence: an abort, its direction unknown");
	struct tl_conn *all = tl_tracker_conns(t, &n);
	uint64_t got = 0;
	for (size_t i = 0; i < n; i++)
		if (all[i].sock.cookie == 20 && all[i].id)
			got = all[i].sock.info.bytes_received;
	is_int(got, 1234, "the final counters are kept");

	/* The active closer's destroy event is the hand-over to TIME-WAIT. */
	struct tl_sock e1 = sk(30, TL_TCP_ESTABLISHED, 52000, 80);
	struct tl_sock e2 = sk(31, TL_TCP_ESTABLISHED, 80, 52000);
	struct tl_sock s7[] = {base[0], base[2], e1, e2};
	snap_of(&s, s7, 4);
	now += SEC;
	tl_tracker_sample(t, 0, &s, now, 10.0);
	drain(t);
	struct tl_sock dd = e1;
	dd.state = TL_TCP_CLOSE;
	tl_tracker_destroyed(t, 0, &dd, now, 10.2);
	struct tl_sock dd2 = e2;
	dd2.state = TL_TCP_CLOSE;
	tl_tracker_destroyed(t, 0, &dd2, now, 10.2);
	is_str(drain(t), "", "a destroy event alone closes nothing");
	n = tl_tracker_pending(t, lk, 8);
	is_int(n, 2, "both destroyed sockets are looked up");
	struct tl_sock tw = e1;
	tw.state = TL_TCP_TIME_WAIT;
	tw.inode = 0;
	tl_tracker_lookup_result(t, 0, 30, &tw, now, 10.3);
	tl_tracker_lookup_result(t, 0, 31, NULL, now, 10.3);
	is_str(drain(t),
	       "c30 trans ESTABLISHED>FIN-WAIT-1 FIN/out i\n"
	       "c30 trans FIN-WAIT-1>FIN-WAIT-2 ACK/in i\n"
	       "c30 trans FIN-WAIT-2>TIME-WAIT FIN/in\n"
	       "c31 trans ESTABLISHED>CLOSE-WAIT FIN/in i\n"
	       "c31 trans CLOSE-WAIT>LAST-ACK FIN/out i\n"
	       "c31 close LAST-ACK>CLOSED ACK/in\n",
	       "TIME-WAIT found: a hand-over; its peer then closed in order, not by RST");

	/* A TIME-WAIT under a new cookie, same tuple: stitched, no new open. */
	struct tl_sock e3 = sk(40, TL_TCP_FIN_WAIT2, 53000, 80);
	struct tl_sock s8[] = {base[0], base[2], tw, e3};
	snap_of(&s, s8, 4);
	now += SEC;
	tl_tracker_sample(t, 0, &s, now, 11.0);
	drain(t);
	struct tl_sock s9[] = {base[0], base[2], tw};
	snap_of(&s, s9, 3);
	now += SEC;
	tl_tracker_sample(t, 0, &s, now, 12.0);
	struct tl_sock e4 = sk(41, TL_TCP_TIME_WAIT, 53000, 80);
	struct tl_sock s10[] = {base[0], base[2], tw, e4};
	snap_of(&s, s10, 4);
	now += SEC;
	tl_tracker_sample(t, 0, &s, now, 13.0);
	is_str(drain(t), "c41 trans FIN-WAIT-2>TIME-WAIT FIN/in\n",
	       "a changed cookie on the same tuple is the same connection");

	/* A dump saw the TIME-WAIT successor before the destroy event of
	 * its full socket (never dumped) was read: no second connection. */
	struct tl_sock e5 = sk(50, TL_TCP_TIME_WAIT, 54000, 80);
	e5.inode = 0;
	struct tl_sock s11[] = {base[0], base[2], tw, e4, e5};
	snap_of(&s, s11, 5);
	now += SEC;
	tl_tracker_sample(t, 0, &s, now, 13.5);
	drain(t);
	struct tl_sock late = sk(49, TL_TCP_CLOSE, 54000, 80);
	tl_tracker_destroyed(t, 0, &late, now, 13.6);
	is_str(drain(t), "",
	       "a late destroy event of a known TIME-WAIT's full socket adds nothing");
	is_int(tl_tracker_pending(t, lk, 8), 0, "and asks for no lookup");

	/* The passive closer's destroy event, with its peer already in
	 * TIME-WAIT: the end, told at once, without a lookup. */
	struct tl_sock p1 = sk(60, TL_TCP_TIME_WAIT, 55000, 80);
	p1.inode = 0;
	struct tl_sock p2 = sk(61, TL_TCP_CLOSE_WAIT, 80, 55000);
	struct tl_sock s12[] = {base[0], base[2], tw, e4, e5, p1, p2};
	snap_of(&s, s12, 7);
	now += SEC;
	tl_tracker_sample(t, 0, &s, now, 13.7);
	drain(t);
	struct tl_sock p2d = p2;
	p2d.state = TL_TCP_CLOSE;
	tl_tracker_destroyed(t, 0, &p2d, now, 13.8);
	is_str(drain(t),
	       "c61 trans CLOSE-WAIT>LAST-ACK FIN/out i\nc61 close LAST-ACK>CLOSED ACK/in\n",
	       "a destroyed CLOSE-WAIT socket closes through LAST-ACK at once");
	is_int(tl_tracker_pending(t, lk, 8), 0, "no lookup for it");

	/* Incomplete snapshots are never diffed. */
	s.complete = false;
	is_int(tl_tracker_sample(t, 0, &s, now, 14.0), -EAGAIN, "an incomplete dump is refused");
	is_int(tl_tracker_sample(t, 5, &s, now, 14.0), -EINVAL, "an unknown namespace is refused");

	/* Tombstones go after their time. */
	size_t live_before = 0, live_after = 0;
	all = tl_tracker_conns(t, &n);
	for (size_t i = 0; i < n; i++)
		live_before += all[i].id != 0;
	tl_tracker_expire(t, now + 11 * SEC);
	all = tl_tracker_conns(t, &n);
	for (size_t i = 0; i < n; i++)
		live_after += all[i].id != 0;
	ok(live_after < live_before, "expired tombstones are freed (%zu -> %zu)", live_before,
	   live_after);

	/* Two namespaces: the ends of one connection, one in each. */
	struct tl_tracker *t2 = tl_tracker_new(2);
	struct tl_sock a0[] = {sk(100, TL_TCP_SYN_SENT, 45000, 8080)};
	struct tl_sock b0[] = {sk(200, TL_TCP_LISTEN, 8080, 0)};
	snap_of(&s, a0, 0);
	tl_tracker_sample(t2, 0, &s, now, 1.0);
	snap_of(&s, b0, 1);
	tl_tracker_sample(t2, 1, &s, now, 1.0);
	snap_of(&s, a0, 1);
	tl_tracker_sample(t2, 0, &s, now + 1, 2.0);
	struct tl_sock b1[] = {b0[0], sk(201, TL_TCP_SYN_RECV, 8080, 45000)};
	snap_of(&s, b1, 2);
	tl_tracker_sample(t2, 1, &s, now + 2, 2.0);
	is_str(drain(t2), "c100 open ->SYN-SENT SYN/out\nc201 open ->SYN-RECV SYN/in\n",
	       "SYN-SENT and SYN-RECV observed in two namespaces");
	struct tl_conn *ca = tl_tracker_find(t2, 100), *cb = tl_tracker_find(t2, 201);
	ok(ca && cb && tl_tracker_peer(t2, ca) == cb && ca->role == TL_ROLE_ACTIVE &&
	       cb->role == TL_ROLE_PASSIVE,
	   "paired across namespaces: A active, B passive");
	/* The request socket's cookie stays with the accepted child. */
	struct tl_sock b2[] = {b0[0], sk(201, TL_TCP_ESTABLISHED, 8080, 45000)};
	snap_of(&s, b2, 2);
	tl_tracker_sample(t2, 1, &s, now + 3, 3.0);
	is_str(drain(t2), "c201 trans SYN-RECV>ESTABLISHED ACK/in\n",
	       "request socket to accepted child: one connection");
	tl_tracker_free(t2);

	tl_tracker_free(t);
	tl_snapshot_fini(&s);
	evidence();
	handshake_then_abort();
	syn_sent_held();
	late_destroy();
	time_wait_ended();
	time_wait_reused();
	timed_out();
	keep_lesson();
	time_windows();
	burst_storage();
	journal();
	compact_while_waiting();
	destroyed_before_baseline();
	namespaces_join_and_leave();
	cookie_changed_in_one_dump();
	return tap_done();
}
