/* Exact mode in the core: the tracker on scripted eBPF records, alone and
 * merged with dumps and lookups. */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "tcpladder/exact.h"
#include "tcpladder/tracker.h"
#include "tcpladder/util.h"

#include "events-text.h"
#include "tap.h"

#define SEC 1000000000ULL
#define MS 1000000ULL

static uint64_t clock_ns = 100 * SEC;

/* One record, 1 ms after the last. */
static void rec(struct tl_tracker *t, int kind, uint64_t cookie, int from, int to, uint16_t lport,
		uint16_t rport, unsigned flags)
{
	struct tl_exact_rec x;
	memset(&x, 0, sizeof(x));
	clock_ns += MS;
	x.mono_ns = clock_ns;
	x.kind = (uint8_t)kind;
	x.from = (uint8_t)from;
	x.to = (uint8_t)to;
	x.flags = (uint8_t)flags;
	x.sock = sk(cookie, to, lport, rport);
	tl_tracker_observe(t, 0, &x, (double)clock_ns / 1e9);
}

static void state(struct tl_tracker *t, uint64_t cookie, int from, int to, uint16_t lport,
		  uint16_t rport, unsigned flags)
{
	rec(t, TL_EXACT_STATE, cookie, from, to, lport, rport, flags);
}

static void snap_of(struct tl_snapshot *s, const struct tl_sock *socks, size_t n, uint64_t at)
{
	tl_snapshot_clear(s);
	for (size_t i = 0; i < n; i++)
		*tl_snapshot_add(s) = socks[i];
	s->complete = true;
	s->mono_ns = at;
}

static const char *drain(struct tl_tracker *t)
{
	return events_text(t, true);
}

/* A tracker with an empty baseline taken. */
static struct tl_tracker *fresh(struct tl_snapshot *s)
{
	struct tl_tracker *t = tl_tracker_new(1);
	snap_of(s, NULL, 0, clock_ns);
	tl_tracker_sample(t, 0, s, clock_ns, 1.0);
	return t;
}

/* Listener c1 on :80, client c2 :40000 connects, child c3. */
static void handshake(struct tl_tracker *t)
{
	state(t, 1, TL_TCP_CLOSE, TL_TCP_LISTEN, 80, 0, 0);
	state(t, 2, TL_TCP_CLOSE, TL_TCP_SYN_SENT, 40000, 80, 0);
	state(t, 2, TL_TCP_SYN_SENT, TL_TCP_ESTABLISHED, 40000, 80, 0);
	state(t, 3, TL_TCP_LISTEN, TL_TCP_SYN_RECV, 80, 40000, 0);
	state(t, 3, TL_TCP_SYN_RECV, TL_TCP_ESTABLISHED, 80, 40000, 0);
}

static void test_client_close(void)
{
	struct tl_snapshot s;
	tl_snapshot_init(&s);
	struct tl_tracker *t = tl_tracker_new(1);

	state(t, 9, TL_TCP_CLOSE, TL_TCP_SYN_SENT, 40009, 80, 0);
	is_str(drain(t), "", "records before the namespace's baseline are ignored");
	ok(!tl_tracker_find(t, 9), "and make no connection");
	snap_of(&s, NULL, 0, clock_ns);
	tl_tracker_sample(t, 0, &s, clock_ns, 1.0);

	uint64_t t0 = clock_ns;
	handshake(t);
	is_str(drain(t),
	       "c1 open ->LISTEN -/- e\n"
	       "c2 open ->SYN-SENT SYN/out e\n"
	       "c2 trans SYN-SENT>ESTABLISHED SYN+ACK/in e\n"
	       "c3 open ->SYN-RECV SYN/in e\n"
	       "c3 trans SYN-RECV>ESTABLISHED ACK/in e\n",
	       "the handshake, every step observed on both ends, from eBPF");
	struct tl_conn *c2 = tl_tracker_find(t, 2), *c3 = tl_tracker_find(t, 3);
	ok(c2 && c3 && tl_tracker_peer(t, c2) == c3, "both ends paired");
	ok(c2 && c2->role == TL_ROLE_ACTIVE && c3 && c3->role == TL_ROLE_PASSIVE,
	   "roles from the records");
	ok(c2 && c2->first_seen_ns == t0 + 2 * MS, "the open's time is the record's");

	state(t, 2, TL_TCP_ESTABLISHED, TL_TCP_FIN_WAIT1, 40000, 80, 0);
	state(t, 3, TL_TCP_ESTABLISHED, TL_TCP_CLOSE_WAIT, 80, 40000, TL_EXACT_FIN_RCVD);
	state(t, 2, TL_TCP_FIN_WAIT1, TL_TCP_FIN_WAIT2, 40000, 80, TL_EXACT_ORPHAN);
	/* the orphan's hand-over to its FIN-WAIT-2 mini-socket; the port is
	 * already released in the record */
	state(t, 2, TL_TCP_FIN_WAIT2, TL_TCP_CLOSE, 0, 80, TL_EXACT_ORPHAN);
	is_str(drain(t),
	       "c2 trans ESTABLISHED>FIN-WAIT-1 FIN/out e\n"
	       "c3 trans ESTABLISHED>CLOSE-WAIT FIN/in e\n"
	       "c2 trans FIN-WAIT-1>FIN-WAIT-2 ACK/in e\n",
	       "the close begins; the hand-over to the mini-socket is no step");
	c2 = tl_tracker_find(t, 2);
	ok(c2 && c2->state == TL_TCP_FIN_WAIT2 && c2->sock.inode == 0 &&
	       !(c2->flags & TL_CONN_GONE),
	   "the client lives on as an orphaned FIN-WAIT-2 mini-socket");
	ok(c2 && c2->sock.lport == 40000, "a record without a port leaves the tuple alone");

	struct tl_lookup lk[4];
	is_int(tl_tracker_pending(t, lk, 4), 0, "nothing to look up yet");
	state(t, 3, TL_TCP_CLOSE_WAIT, TL_TCP_LAST_ACK, 80, 40000, TL_EXACT_FIN_RCVD);
	state(t, 3, TL_TCP_LAST_ACK, TL_TCP_CLOSE, 0, 40000, TL_EXACT_FIN_RCVD);
	is_str(drain(t),
	       "c3 trans CLOSE-WAIT>LAST-ACK FIN/out e\n"
	       "c3 close LAST-ACK>CLOSED ACK/in e\n",
	       "the server's passive close");
	size_t n = tl_tracker_pending(t, lk, 4);
	ok(n == 1 && lk[0].sock.cookie == 2,
	   "its last ACK came from the client's TIME-WAIT, which a lookup must see");
	struct tl_sock tw = sk(2, TL_TCP_TIME_WAIT, 40000, 80);
	tw.inode = 0;
	clock_ns += MS;
	tl_tracker_lookup_result(t, 0, 2, &tw, clock_ns, 2.0);
	is_str(drain(t), "c2 trans FIN-WAIT-2>TIME-WAIT FIN/in\n",
	       "the lookup observes TIME-WAIT (its source: sock_diag)");

	/* the freed full socket's destroy event comes late: already told */
	struct tl_sock gone = sk(3, TL_TCP_CLOSE, 80, 40000);
	tl_tracker_destroyed(t, 0, &gone, clock_ns, 2.0);
	struct tl_sock tws[] = {sk(1, TL_TCP_LISTEN, 80, 0), tw};
	snap_of(&s, tws, 2, clock_ns + MS);
	tl_tracker_sample(t, 0, &s, clock_ns + MS, 2.0);
	is_str(drain(t), "", "a late destroy event and the next dump add nothing");

	tl_tracker_free(t);
	tl_snapshot_fini(&s);
}

static void test_graceful_and_rst(void)
{
	struct tl_snapshot s;
	tl_snapshot_init(&s);
	struct tl_tracker *t = fresh(&s);
	handshake(t);
	drain(t);

	/* shutdown(): the client is not orphaned when the FIN comes */
	state(t, 2, TL_TCP_ESTABLISHED, TL_TCP_FIN_WAIT1, 40000, 80, 0);
	state(t, 3, TL_TCP_ESTABLISHED, TL_TCP_CLOSE_WAIT, 80, 40000, TL_EXACT_FIN_RCVD);
	state(t, 2, TL_TCP_FIN_WAIT1, TL_TCP_FIN_WAIT2, 40000, 80, 0);
	state(t, 3, TL_TCP_CLOSE_WAIT, TL_TCP_LAST_ACK, 80, 40000, TL_EXACT_FIN_RCVD);
	state(t, 2, TL_TCP_FIN_WAIT2, TL_TCP_CLOSE, 0, 80, TL_EXACT_FIN_RCVD);
	state(t, 3, TL_TCP_LAST_ACK, TL_TCP_CLOSE, 0, 40000, TL_EXACT_FIN_RCVD);
	is_str(drain(t),
	       "c2 trans ESTABLISHED>FIN-WAIT-1 FIN/out e\n"
	       "c3 trans ESTABLISHED>CLOSE-WAIT FIN/in e\n"
	       "c2 trans FIN-WAIT-1>FIN-WAIT-2 ACK/in e\n"
	       "c3 trans CLOSE-WAIT>LAST-ACK FIN/out e\n"
	       "c2 trans FIN-WAIT-2>TIME-WAIT FIN/in e\n"
	       "c3 close LAST-ACK>CLOSED ACK/in e\n",
	       "the full socket's end with the peer's FIN in is TIME-WAIT, observed");
	struct tl_lookup lk[4];
	is_int(tl_tracker_pending(t, lk, 4), 0, "and needs no lookup");
	struct tl_conn *c2 = tl_tracker_find(t, 2);
	ok(c2 && c2->state == TL_TCP_TIME_WAIT && !(c2->flags & TL_CONN_GONE),
	   "the connection lives on in TIME-WAIT under its cookie");
	tl_tracker_free(t);

	/* SO_LINGER 0 on the client: its close comes before its RST; the
	 * server's RST comes in before its close. */
	t = fresh(&s);
	handshake(t);
	drain(t);
	state(t, 2, TL_TCP_ESTABLISHED, TL_TCP_CLOSE, 0, 80, 0);
	rec(t, TL_EXACT_RST_IN, 3, TL_TCP_ESTABLISHED, TL_TCP_ESTABLISHED, 80, 40000, 0);
	state(t, 3, TL_TCP_ESTABLISHED, TL_TCP_CLOSE, 0, 40000, TL_EXACT_ERROR);
	rec(t, TL_EXACT_RST_OUT, 2, TL_TCP_CLOSE, TL_TCP_CLOSE, 0, 80, 0);
	is_str(drain(t),
	       "c2 close ESTABLISHED>CLOSED RST/out e\n"
	       "c3 close ESTABLISHED>CLOSED RST/in e\n",
	       "an abort: the RST out of the client, into the server");
	tl_tracker_free(t);

	/* The same with only the sender's RST record (the peer unwatched). */
	t = fresh(&s);
	state(t, 2, TL_TCP_CLOSE, TL_TCP_SYN_SENT, 40000, 80, 0);
	state(t, 2, TL_TCP_SYN_SENT, TL_TCP_ESTABLISHED, 40000, 80, 0);
	drain(t);
	state(t, 2, TL_TCP_ESTABLISHED, TL_TCP_CLOSE, 0, 80, 0);
	rec(t, TL_EXACT_RST_OUT, 2, TL_TCP_CLOSE, TL_TCP_CLOSE, 0, 80, 0);
	is_str(drain(t), "c2 close ESTABLISHED>CLOSED RST/out e\n",
	       "a close() that aborts: its RST goes out");
	/* The RST record may come in a later read than the close's: the
	 * close, told first, already has the direction. */
	state(t, 4, TL_TCP_CLOSE, TL_TCP_SYN_SENT, 40004, 80, 0);
	state(t, 4, TL_TCP_SYN_SENT, TL_TCP_ESTABLISHED, 40004, 80, 0);
	drain(t);
	state(t, 4, TL_TCP_ESTABLISHED, TL_TCP_CLOSE, 0, 80, 0);
	is_str(drain(t), "c4 close ESTABLISHED>CLOSED RST/out e\n",
	       "the abort's RST out, before its record");
	rec(t, TL_EXACT_RST_OUT, 4, TL_TCP_CLOSE, TL_TCP_CLOSE, 0, 80, 0);
	is_str(drain(t), "", "the late RST record adds nothing");

	/* Retransmissions gave up: an error, no RST */
	state(t, 5, TL_TCP_CLOSE, TL_TCP_SYN_SENT, 40005, 80, 0);
	state(t, 5, TL_TCP_SYN_SENT, TL_TCP_ESTABLISHED, 40005, 80, 0);
	drain(t);
	state(t, 5, TL_TCP_ESTABLISHED, TL_TCP_CLOSE, 0, 80, TL_EXACT_ERROR);
	{
		size_t n;
		const struct tl_event *ev = tl_tracker_events(t, &n);
		ok(n == 1 && ev[0].why && strstr(ev[0].why, "timed out"), "a time-out says so: %s",
		   n && ev[0].why ? ev[0].why : "(none)");
	}
	is_str(drain(t), "c5 close ESTABLISHED>CLOSED -/- e\n", "a time-out is no RST");
	/* Connection refused */
	state(t, 6, TL_TCP_CLOSE, TL_TCP_SYN_SENT, 40006, 81, 0);
	rec(t, TL_EXACT_RST_IN, 6, TL_TCP_SYN_SENT, TL_TCP_SYN_SENT, 40006, 81, 0);
	state(t, 6, TL_TCP_SYN_SENT, TL_TCP_CLOSE, 0, 81, TL_EXACT_ERROR);
	is_str(drain(t),
	       "c6 open ->SYN-SENT SYN/out e\n"
	       "c6 close SYN-SENT>CLOSED RST/in e\n",
	       "a refused connect()");
	tl_tracker_free(t);

	/* The server closes in CLOSE-WAIT with unread data: an RST, which
	 * ends the client's orphaned FIN-WAIT-2 mini-socket. */
	t = fresh(&s);
	handshake(t);
	state(t, 2, TL_TCP_ESTABLISHED, TL_TCP_FIN_WAIT1, 40000, 80, 0);
	state(t, 3, TL_TCP_ESTABLISHED, TL_TCP_CLOSE_WAIT, 80, 40000, TL_EXACT_FIN_RCVD);
	state(t, 2, TL_TCP_FIN_WAIT1, TL_TCP_FIN_WAIT2, 40000, 80, TL_EXACT_ORPHAN);
	state(t, 2, TL_TCP_FIN_WAIT2, TL_TCP_CLOSE, 0, 80, TL_EXACT_ORPHAN);
	drain(t);
	state(t, 3, TL_TCP_CLOSE_WAIT, TL_TCP_CLOSE, 0, 40000, TL_EXACT_FIN_RCVD);
	rec(t, TL_EXACT_RST_OUT, 3, TL_TCP_CLOSE, TL_TCP_CLOSE, 0, 40000, 0);
	is_str(drain(t),
	       "c3 close CLOSE-WAIT>CLOSED RST/out e\n"
	       "c2 close FIN-WAIT-2>CLOSED RST/in i e\n",
	       "unread data: RST out of the server; the client's mini-socket ends, inferred");
	tl_tracker_free(t);

	/* Where the kernel lets the mini-socket be traced, its end is observed. */
	t = fresh(&s);
	handshake(t);
	state(t, 2, TL_TCP_ESTABLISHED, TL_TCP_FIN_WAIT1, 40000, 80, 0);
	state(t, 2, TL_TCP_FIN_WAIT1, TL_TCP_FIN_WAIT2, 40000, 80, TL_EXACT_ORPHAN);
	state(t, 2, TL_TCP_FIN_WAIT2, TL_TCP_CLOSE, 0, 80, TL_EXACT_ORPHAN);
	drain(t);
	rec(t, TL_EXACT_TW_FIN, 2, TL_TCP_FIN_WAIT2, TL_TCP_TIME_WAIT, 40000, 80, 0);
	is_str(drain(t), "c2 trans FIN-WAIT-2>TIME-WAIT FIN/in e\n",
	       "the mini-socket's FIN: TIME-WAIT, observed");
	state(t, 7, TL_TCP_CLOSE, TL_TCP_SYN_SENT, 40007, 80, 0);
	state(t, 7, TL_TCP_SYN_SENT, TL_TCP_ESTABLISHED, 40007, 80, 0);
	state(t, 7, TL_TCP_ESTABLISHED, TL_TCP_FIN_WAIT1, 40007, 80, 0);
	state(t, 7, TL_TCP_FIN_WAIT1, TL_TCP_FIN_WAIT2, 40007, 80, TL_EXACT_ORPHAN);
	state(t, 7, TL_TCP_FIN_WAIT2, TL_TCP_CLOSE, 0, 80, TL_EXACT_ORPHAN);
	drain(t);
	rec(t, TL_EXACT_TW_RST, 7, TL_TCP_FIN_WAIT2, TL_TCP_CLOSE, 40007, 80, 0);
	is_str(drain(t), "c7 close FIN-WAIT-2>CLOSED RST/in e\n",
	       "the mini-socket's RST: gone, observed");
	tl_tracker_free(t);
	tl_snapshot_fini(&s);
}

static void test_merge(void)
{
	struct tl_snapshot s;
	tl_snapshot_init(&s);
	struct tl_tracker *t = fresh(&s);

	/* A record lost: the steps up to its old state are inferred. */
	state(t, 2, TL_TCP_CLOSE, TL_TCP_SYN_SENT, 40000, 80, 0);
	state(t, 2, TL_TCP_FIN_WAIT1, TL_TCP_FIN_WAIT2, 40000, 80, 0);
	is_str(drain(t),
	       "c2 open ->SYN-SENT SYN/out e\n"
	       "c2 trans SYN-SENT>ESTABLISHED SYN+ACK/in i e\n"
	       "c2 trans ESTABLISHED>FIN-WAIT-1 FIN/out i e\n"
	       "c2 trans FIN-WAIT-1>FIN-WAIT-2 ACK/in e\n",
	       "lost records: the gap inferred, the record observed");
	/* A socket first met in mid-life (its early records lost) */
	state(t, 8, TL_TCP_ESTABLISHED, TL_TCP_CLOSE_WAIT, 8080, 50000, TL_EXACT_FIN_RCVD);
	is_str(drain(t),
	       "c8 open ->SYN-RECV SYN/in i e\n"
	       "c8 trans SYN-RECV>ESTABLISHED ACK/in i e\n"
	       "c8 trans ESTABLISHED>CLOSE-WAIT FIN/in e\n",
	       "a socket met in mid-life: its history inferred");
	/* A stale record (the state is past it) changes nothing */
	state(t, 2, TL_TCP_ESTABLISHED, TL_TCP_FIN_WAIT1, 40000, 80, 0);
	is_str(drain(t), "", "a record older than the state is dropped");

	/* The SYN-SENT record without a port, completed by the next one */
	state(t, 10, TL_TCP_CLOSE, TL_TCP_SYN_SENT, 0, 90, 0);
	state(t, 11, TL_TCP_CLOSE, TL_TCP_LISTEN, 90, 0, 0);
	state(t, 12, TL_TCP_LISTEN, TL_TCP_SYN_RECV, 90, 40010, 0);
	state(t, 10, TL_TCP_SYN_SENT, TL_TCP_ESTABLISHED, 40010, 90, 0);
	drain(t);
	struct tl_conn *c10 = tl_tracker_find(t, 10), *c12 = tl_tracker_find(t, 12);
	ok(c10 && c10->sock.lport == 40010 && c12 && tl_tracker_peer(t, c10) == c12,
	   "a later record completes the tuple, and the ends pair");

	/* A dump saw the change first: the record adds nothing. */
	struct tl_sock now_est[] = {
	    sk(2, TL_TCP_FIN_WAIT2, 40000, 80),    sk(8, TL_TCP_CLOSE_WAIT, 8080, 50000),
	    sk(10, TL_TCP_ESTABLISHED, 40010, 90), sk(11, TL_TCP_LISTEN, 90, 0),
	    sk(12, TL_TCP_SYN_RECV, 90, 40010),    sk(13, TL_TCP_ESTABLISHED, 40013, 90)};
	clock_ns += MS;
	snap_of(&s, now_est, 6, clock_ns);
	tl_tracker_sample(t, 0, &s, clock_ns, 3.0);
	is_str(drain(t),
	       "c13 open ->SYN-SENT SYN/out i\n"
	       "c13 trans SYN-SENT>ESTABLISHED SYN+ACK/in\n",
	       "a socket only the dump saw comes from the dump");
	state(t, 13, TL_TCP_SYN_SENT, TL_TCP_ESTABLISHED, 40013, 90, 0);
	is_str(drain(t), "", "its record, later, is no second step");

	/* While a dump is applied, sockets with newer records are held. */
	uint64_t dump_at = clock_ns + MS;
	struct tl_sock mid[] = {sk(2, TL_TCP_FIN_WAIT2, 40000, 80),
				sk(8, TL_TCP_LAST_ACK, 8080, 50000), /* changed during the dump */
				sk(11, TL_TCP_LISTEN, 90, 0),
				sk(12, TL_TCP_SYN_RECV, 90, 40010),
				sk(13, TL_TCP_ESTABLISHED, 40013, 90),
				sk(14, TL_TCP_SYN_SENT, 40014, 90)}; /* born during it */
	/* 10 is missing from the dump: it closed while the dump ran */
	snap_of(&s, mid, 6, dump_at);
	tl_tracker_hold(t, 8);
	tl_tracker_hold(t, 10);
	tl_tracker_hold(t, 14);
	tl_tracker_sample(t, 0, &s, dump_at, 3.0);
	tl_tracker_release(t);
	is_str(drain(t), "", "the held sockets are not judged by the dump");
	struct tl_lookup lk[4];
	is_int(tl_tracker_pending(t, lk, 4), 0, "and none is taken for missing");
	clock_ns = dump_at;
	state(t, 8, TL_TCP_CLOSE_WAIT, TL_TCP_LAST_ACK, 8080, 50000, TL_EXACT_FIN_RCVD);
	state(t, 10, TL_TCP_ESTABLISHED, TL_TCP_CLOSE, 0, 90, TL_EXACT_ERROR);
	state(t, 14, TL_TCP_CLOSE, TL_TCP_SYN_SENT, 40014, 90, 0);
	is_str(drain(t),
	       "c8 trans CLOSE-WAIT>LAST-ACK FIN/out e\n"
	       "c10 close ESTABLISHED>CLOSED -/- e\n"
	       "c14 open ->SYN-SENT SYN/out e\n",
	       "their records tell, after the dump");
	/* A dump that began before a close was unhashed still shows it. */
	clock_ns += MS;
	snap_of(&s, mid, 6, clock_ns - MS / 2);
	s.socks[1].state = TL_TCP_LAST_ACK;
	struct tl_sock old10 = sk(10, TL_TCP_ESTABLISHED, 40010, 90);
	*tl_snapshot_add(&s) = old10;
	tl_tracker_sample(t, 0, &s, clock_ns, 3.0);
	is_str(drain(t), "", "a socket a record closed does not come back from a dump");
	tl_tracker_free(t);
	tl_snapshot_fini(&s);
}

/* A segment sent again, with its TCP flags. */
static void resent(struct tl_tracker *t, int kind, uint64_t cookie, int st, uint16_t lport,
		   uint16_t rport, uint16_t tcp_flags)
{
	struct tl_exact_rec x;
	memset(&x, 0, sizeof(x));
	clock_ns += MS;
	x.mono_ns = clock_ns;
	x.kind = (uint8_t)kind;
	x.from = x.to = (uint8_t)st;
	x.tcp_flags = tcp_flags;
	x.sock = sk(cookie, st, lport, rport);
	tl_tracker_observe(t, 0, &x, (double)clock_ns / 1e9);
}

static void test_retransmit(void)
{
	struct tl_snapshot s;
	tl_snapshot_init(&s);
	struct tl_tracker *t = fresh(&s);

	state(t, 1, TL_TCP_CLOSE, TL_TCP_LISTEN, 80, 0, 0);
	state(t, 2, TL_TCP_CLOSE, TL_TCP_SYN_SENT, 40000, 80, 0);
	resent(t, TL_EXACT_RETRANS, 2, TL_TCP_SYN_SENT, 40000, 80, 0x02);
	resent(t, TL_EXACT_RETRANS, 2, TL_TCP_SYN_SENT, 40000, 80, 0x02);
	resent(t, TL_EXACT_RETRANS_SYNACK, 3, TL_TCP_NEW_SYN_RECV, 80, 40000, 0x12);
	state(t, 2, TL_TCP_SYN_SENT, TL_TCP_ESTABLISHED, 40000, 80, 0);
	state(t, 3, TL_TCP_LISTEN, TL_TCP_SYN_RECV, 80, 40000, 0);
	state(t, 3, TL_TCP_SYN_RECV, TL_TCP_ESTABLISHED, 80, 40000, 0);
	is_str(drain(t),
	       "c1 open ->LISTEN -/- e\n"
	       "c2 open ->SYN-SENT SYN/out e\n"
	       "c2 re#1 SYN-SENT>SYN-SENT SYN/out e\n"
	       "c2 re#2 SYN-SENT>SYN-SENT SYN/out e\n"
	       "c2 trans SYN-SENT>ESTABLISHED SYN+ACK/in e\n"
	       "c3 open ->SYN-RECV SYN/in e\n"
	       "c3 trans SYN-RECV>ESTABLISHED ACK/in e\n",
	       "each SYN sent again is an event, numbered; an unknown request socket's "
	       "SYN+ACK is not");
	resent(t, TL_EXACT_RETRANS, 2, TL_TCP_ESTABLISHED, 40000, 80, 0x18);
	is_str(drain(t), "", "data sent again is no event");
	state(t, 2, TL_TCP_ESTABLISHED, TL_TCP_FIN_WAIT1, 40000, 80, 0);
	resent(t, TL_EXACT_RETRANS, 2, TL_TCP_FIN_WAIT1, 40000, 80, 0x11);
	is_str(drain(t),
	       "c2 trans ESTABLISHED>FIN-WAIT-1 FIN/out e\n"
	       "c2 re#1 FIN-WAIT-1>FIN-WAIT-1 FIN/out e\n",
	       "a FIN sent again counts from 1");
	struct tl_conn *c2 = tl_tracker_find(t, 2);
	ok(c2 && c2->state == TL_TCP_FIN_WAIT1, "and changes no state");

	/* A request socket a dump saw: its SYN+ACK sent again is told. */
	struct tl_sock req = sk(5, TL_TCP_SYN_RECV, 80, 40005);
	req.inode = 0;
	struct tl_sock socks[] = {sk(1, TL_TCP_LISTEN, 80, 0), sk(2, TL_TCP_FIN_WAIT1, 40000, 80),
				  sk(3, TL_TCP_ESTABLISHED, 80, 40000), req};
	clock_ns += MS;
	snap_of(&s, socks, 4, clock_ns);
	tl_tracker_sample(t, 0, &s, clock_ns, 2.0);
	drain(t);
	resent(t, TL_EXACT_RETRANS_SYNACK, 5, TL_TCP_NEW_SYN_RECV, 80, 40005, 0x12);
	is_str(drain(t), "c5 re#1 SYN-RECV>SYN-RECV SYN+ACK/out e\n",
	       "a known request socket's SYN+ACK sent again");
	tl_tracker_free(t);
	tl_snapshot_fini(&s);
}

/* Exact mode names the process a system call on the socket ran in. */
static void test_owner(void)
{
	struct tl_snapshot s;
	tl_snapshot_init(&s);
	struct tl_tracker *t = fresh(&s);
	struct tl_exact_rec x;
	memset(&x, 0, sizeof(x));
	clock_ns += MS;
	x.mono_ns = clock_ns;
	x.kind = TL_EXACT_STATE;
	x.from = TL_TCP_CLOSE;
	x.to = TL_TCP_SYN_SENT;
	x.flags = TL_EXACT_TASK;
	x.pid = 4242;
	strcpy(x.comm, "curl");
	x.sock = sk(2, TL_TCP_SYN_SENT, 40000, 80);
	tl_tracker_observe(t, 0, &x, 1.0);
	state(t, 2, TL_TCP_SYN_SENT, TL_TCP_ESTABLISHED, 40000, 80, 0);
	size_t n;
	const struct tl_event *ev = tl_tracker_events(t, &n);
	ok(n == 2 && ev[0].pid == 4242 && !strcmp(ev[0].comm, "curl"),
	   "the open names connect()'s process");
	ok(n == 2 && ev[1].pid == 4242 && !strcmp(ev[1].comm, "curl"),
	   "so do the steps after it while the socket has a file");
	drain(t);
	state(t, 2, TL_TCP_ESTABLISHED, TL_TCP_FIN_WAIT1, 40000, 80, 0);
	state(t, 2, TL_TCP_FIN_WAIT1, TL_TCP_FIN_WAIT2, 40000, 80, TL_EXACT_ORPHAN);
	state(t, 2, TL_TCP_FIN_WAIT2, TL_TCP_CLOSE, 0, 80, TL_EXACT_ORPHAN | TL_EXACT_FIN_RCVD);
	ev = tl_tracker_events(t, &n);
	ok(n == 3 && ev[0].pid == 4242 && ev[1].pid == 0 && ev[2].pid == 0 &&
	       ev[2].to == TL_TCP_TIME_WAIT,
	   "an orphan and its TIME-WAIT belong to no process");
	drain(t);
	tl_tracker_free(t);
	tl_snapshot_fini(&s);
}

static bool keep_odd(const struct tl_exact_rec *r, void *arg)
{
	(void)arg;
	return r->sock.cookie & 1;
}

static void test_batch(void)
{
	struct tl_exact_batch b;
	tl_exact_batch_init(&b);
	for (int i = 1; i <= 600; i++)
		tl_exact_batch_add(&b)->sock.cookie = (uint64_t)i;
	tl_exact_batch_filter(&b, keep_odd, NULL);
	ok(b.n == 300 && b.recs[0].sock.cookie == 1 && b.recs[299].sock.cookie == 599,
	   "a batch grows and filters in order");
	tl_exact_batch_fini(&b);
	is_str(tl_exact_kind_name(TL_EXACT_RST_OUT), "rst-out", "kind names");
	is_str(tl_exact_kind_name(99), "?", "an unknown kind");
	is_str(tl_source_name(TL_SOURCE_EBPF), "ebpf", "source names");
	is_str(tl_source_name(TL_SOURCE_SOCK_DIAG), "sock_diag", "the default source");
}

/* A connect()'s SYN-SENT record is written once the socket has its port,
 * after the kernel hashed it: a dump can see the socket first.  It is
 * passed over once and told from its record; with no record by the next
 * dump that still sees it, from the dump. */
static void test_syn_sent_before_record(void)
{
	struct tl_snapshot s;
	tl_snapshot_init(&s);
	struct tl_tracker *t = fresh(&s);
	state(t, 1, TL_TCP_CLOSE, TL_TCP_LISTEN, 80, 0, 0);
	drain(t);
	struct tl_sock socks[3] = {sk(1, TL_TCP_LISTEN, 80, 0), sk(2, TL_TCP_SYN_SENT, 40000, 80),
				   sk(4, TL_TCP_SYN_SENT, 40001, 80)};
	clock_ns += MS;
	snap_of(&s, socks, 3, clock_ns);
	tl_tracker_sample(t, 0, &s, clock_ns, 2.0);
	is_str(drain(t), "", "a dump's new SYN-SENT sockets wait for their records");
	state(t, 2, TL_TCP_CLOSE, TL_TCP_SYN_SENT, 40000, 80, 0);
	const char *got = drain(t);
	ok(strstr(got, "c2 open") && strstr(got, "SYN-SENT") && !strstr(got, "c4"),
	   "the record comes: told from it (%s)", got);
	size_t n;
	const struct tl_conn *c = tl_tracker_conns(t, &n);
	bool exact = false;
	for (size_t i = 0; i < n; i++)
		if (c[i].id && c[i].sock.cookie == 2)
			exact = (c[i].flags & TL_CONN_EXACT) && c[i].first_seen_ns == clock_ns;
	ok(exact, "at the record's time, as an exact-mode connection");
	clock_ns += SEC;
	snap_of(&s, socks, 3, clock_ns);
	tl_tracker_sample(t, 0, &s, clock_ns, 3.0);
	got = drain(t);
	ok(strstr(got, "c4 open") && strstr(got, "SYN-SENT"),
	   "no record by the next dump that sees it: told from the dump (%s)", got);
	/* one seen once and gone by the next dump is forgotten: seen again
	 * later, it waits again */
	struct tl_sock once[2] = {sk(1, TL_TCP_LISTEN, 80, 0), sk(5, TL_TCP_SYN_SENT, 40002, 80)};
	clock_ns += SEC;
	snap_of(&s, once, 2, clock_ns);
	tl_tracker_sample(t, 0, &s, clock_ns, 4.0);
	clock_ns += SEC;
	snap_of(&s, once, 1, clock_ns);
	tl_tracker_sample(t, 0, &s, clock_ns, 5.0);
	clock_ns += SEC;
	snap_of(&s, once, 2, clock_ns);
	tl_tracker_sample(t, 0, &s, clock_ns, 6.0);
	ok(!strstr(drain(t), "c5"), "a socket passed over, gone, and back waits again");
	tl_tracker_free(t);
	tl_snapshot_fini(&s);
}

/* A change a dump sees before its record is read (the ring hands records
 * out in reservation order: one can wait behind another CPU's record
 * still being written): passed over once, told from the record; with no
 * record by the next dump, from the dump.  TIME-WAIT, which the probe
 * does not see as a change, is told from the dump at once. */
static void test_change_before_record(void)
{
	struct tl_snapshot s;
	tl_snapshot_init(&s);
	struct tl_tracker *t = fresh(&s);
	handshake(t);
	drain(t);
	struct tl_sock socks[3] = {sk(1, TL_TCP_LISTEN, 80, 0), sk(2, TL_TCP_FIN_WAIT2, 40000, 80),
				   sk(3, TL_TCP_CLOSE_WAIT, 80, 40000)};
	clock_ns += MS;
	snap_of(&s, socks, 3, clock_ns);
	tl_tracker_sample(t, 0, &s, clock_ns, 2.0);
	is_str(drain(t), "", "a dump's changes with no record yet wait for their records");
	state(t, 2, TL_TCP_ESTABLISHED, TL_TCP_FIN_WAIT1, 40000, 80, 0);
	state(t, 3, TL_TCP_ESTABLISHED, TL_TCP_CLOSE_WAIT, 80, 40000, 0);
	state(t, 2, TL_TCP_FIN_WAIT1, TL_TCP_FIN_WAIT2, 40000, 80, 0);
	const char *got = drain(t);
	ok(strstr(got, "c2 trans FIN-WAIT-1>FIN-WAIT-2 ACK/in e") &&
	       strstr(got, "c3 trans ESTABLISHED>CLOSE-WAIT FIN/in e"),
	   "the records come: told from them (%s)", got);
	/* the server's close: no record by the next dump */
	socks[2] = sk(3, TL_TCP_LAST_ACK, 80, 40000);
	clock_ns += SEC;
	snap_of(&s, socks, 3, clock_ns);
	tl_tracker_sample(t, 0, &s, clock_ns, 3.0);
	is_str(drain(t), "", "a dump's change waits once");
	clock_ns += SEC;
	snap_of(&s, socks, 3, clock_ns);
	tl_tracker_sample(t, 0, &s, clock_ns, 4.0);
	ok(strstr(drain(t), "c3 trans CLOSE-WAIT>LAST-ACK") != NULL,
	   "no record by the next dump: told from the dump");
	/* TIME-WAIT: at once */
	socks[1] = sk(2, TL_TCP_TIME_WAIT, 40000, 80);
	clock_ns += SEC;
	snap_of(&s, socks, 2, clock_ns);
	tl_tracker_sample(t, 0, &s, clock_ns, 5.0);
	ok(strstr(drain(t), "c2 trans FIN-WAIT-2>TIME-WAIT") != NULL,
	   "a TIME-WAIT mini-socket: told from the dump at once");
	tl_tracker_free(t);
	tl_snapshot_fini(&s);
}

/* A record held back longer than a short interval (a writer preempted on
 * a loaded machine): dumps 50 ms apart pass the change over until a
 * second has gone, and the record, when it comes, tells it. */
static void test_record_late(void)
{
	struct tl_snapshot s;
	tl_snapshot_init(&s);
	struct tl_tracker *t = fresh(&s);
	handshake(t);
	state(t, 2, TL_TCP_ESTABLISHED, TL_TCP_FIN_WAIT1, 40000, 80, 0);
	drain(t);
	struct tl_sock socks[3] = {sk(1, TL_TCP_LISTEN, 80, 0), sk(2, TL_TCP_FIN_WAIT2, 40000, 80),
				   sk(3, TL_TCP_CLOSE_WAIT, 80, 40000)};
	state(t, 3, TL_TCP_ESTABLISHED, TL_TCP_CLOSE_WAIT, 80, 40000, 0);
	drain(t);
	int told = 0;
	for (int i = 0; i < 10; i++) { /* half a second of dumps */
		clock_ns += 50 * MS;
		snap_of(&s, socks, 3, clock_ns);
		tl_tracker_sample(t, 0, &s, clock_ns, 2.0 + i * 0.05);
		told += strstr(drain(t), "c2 trans") != NULL;
	}
	is_int(told, 0, "ten dumps 50 ms apart: the change with no record yet still waits");
	state(t, 2, TL_TCP_FIN_WAIT1, TL_TCP_FIN_WAIT2, 40000, 80, 0);
	const char *got = drain(t);
	ok(strstr(got, "c2 trans FIN-WAIT-1>FIN-WAIT-2 ACK/in e") != NULL,
	   "the late record tells it, observed (%s)", got);
	tl_tracker_free(t);
	tl_snapshot_fini(&s);
}

/* Exact mode makes every cookie before a copy could lose it: a socket
 * under a new cookie on a held connection's tuple is never taken for it,
 * and the held one's record goes on with its own connection. */
static void test_new_cookie_held(void)
{
	struct tl_snapshot s;
	tl_snapshot_init(&s);
	struct tl_tracker *t = fresh(&s);
	struct tl_sock lis = sk(1, TL_TCP_LISTEN, 80, 0), req = sk(20, TL_TCP_SYN_RECV, 80, 41000);
	req.inode = 0;
	struct tl_sock a[] = {lis, req};
	clock_ns += MS;
	snap_of(&s, a, 2, clock_ns);
	tl_tracker_sample(t, 0, &s, clock_ns, 1.0);
	drain(t);
	struct tl_sock b[] = {lis, sk(21, TL_TCP_ESTABLISHED, 80, 41000)};
	clock_ns += MS;
	snap_of(&s, b, 2, clock_ns);
	tl_tracker_hold(t, 20);
	tl_tracker_sample(t, 0, &s, clock_ns, 1.1);
	tl_tracker_release(t);
	drain(t);
	state(t, 20, TL_TCP_SYN_RECV, TL_TCP_ESTABLISHED, 80, 41000, 0);
	const char *got = drain(t);
	ok(strstr(got, "c20 trans SYN-RECV>ESTABLISHED") && !strstr(got, "c20 open"),
	   "a held connection's record goes on with it, not under a new cookie's");
	tl_tracker_free(t);
	tl_snapshot_fini(&s);
}

/* The server closes first; its TIME-WAIT, known from a lookup (no
 * timer), is taken over 70 ms later by the client's new connection from
 * the same port, whose SYN ends it: told so, not as an expiry. */
static void test_tw_reused(void)
{
	struct tl_snapshot s;
	tl_snapshot_init(&s);
	struct tl_tracker *t = fresh(&s);
	handshake(t);
	state(t, 3, TL_TCP_ESTABLISHED, TL_TCP_FIN_WAIT1, 80, 40000, 0);
	state(t, 2, TL_TCP_ESTABLISHED, TL_TCP_CLOSE_WAIT, 40000, 80, TL_EXACT_FIN_RCVD);
	state(t, 3, TL_TCP_FIN_WAIT1, TL_TCP_FIN_WAIT2, 80, 40000, 0);
	state(t, 2, TL_TCP_CLOSE_WAIT, TL_TCP_LAST_ACK, 40000, 80, TL_EXACT_FIN_RCVD);
	state(t, 2, TL_TCP_LAST_ACK, TL_TCP_CLOSE, 0, 80, TL_EXACT_FIN_RCVD);
	struct tl_sock tw = sk(3, TL_TCP_TIME_WAIT, 80, 40000);
	tw.inode = 0;
	clock_ns += MS;
	tl_tracker_lookup_result(t, 0, 3, &tw, clock_ns, 2.0);
	const char *got = drain(t);
	ok(strstr(got, "c3 trans FIN-WAIT-2>TIME-WAIT") != NULL, "the server in TIME-WAIT");
	clock_ns += 70 * MS;
	state(t, 4, TL_TCP_CLOSE, TL_TCP_SYN_SENT, 40000, 80, 0);
	state(t, 5, TL_TCP_LISTEN, TL_TCP_SYN_RECV, 80, 40000, 0);
	state(t, 4, TL_TCP_SYN_SENT, TL_TCP_ESTABLISHED, 40000, 80, 0);
	state(t, 5, TL_TCP_SYN_RECV, TL_TCP_ESTABLISHED, 80, 40000, 0);
	struct tl_sock after[] = {sk(1, TL_TCP_LISTEN, 80, 0), sk(4, TL_TCP_ESTABLISHED, 40000, 80),
				  sk(5, TL_TCP_ESTABLISHED, 80, 40000)};
	for (int i = 0; i < 3; i++) {
		clock_ns += 100 * MS;
		snap_of(&s, after, 3, clock_ns);
		tl_tracker_sample(t, 0, &s, clock_ns, 3.0);
	}
	got = drain(t);
	if (!ok(strstr(got, "c3 close TIME-WAIT>CLOSED SYN/in") != NULL,
		"the client's SYN ended the server's TIME-WAIT, its timer unknown"))
		printf("#   got:\n%s", got);

	/* Again on :40001, nothing in its place: the TIME-WAIT entered 70 ms
	 * before, by the record's time, so not expired: an RST ended it. */
	state(t, 6, TL_TCP_CLOSE, TL_TCP_SYN_SENT, 40001, 80, 0);
	state(t, 7, TL_TCP_LISTEN, TL_TCP_SYN_RECV, 80, 40001, 0);
	state(t, 6, TL_TCP_SYN_SENT, TL_TCP_ESTABLISHED, 40001, 80, 0);
	state(t, 7, TL_TCP_SYN_RECV, TL_TCP_ESTABLISHED, 80, 40001, 0);
	state(t, 7, TL_TCP_ESTABLISHED, TL_TCP_FIN_WAIT1, 80, 40001, 0);
	state(t, 6, TL_TCP_ESTABLISHED, TL_TCP_CLOSE_WAIT, 40001, 80, TL_EXACT_FIN_RCVD);
	state(t, 7, TL_TCP_FIN_WAIT1, TL_TCP_FIN_WAIT2, 80, 40001, 0);
	state(t, 6, TL_TCP_CLOSE_WAIT, TL_TCP_LAST_ACK, 40001, 80, TL_EXACT_FIN_RCVD);
	state(t, 6, TL_TCP_LAST_ACK, TL_TCP_CLOSE, 0, 80, TL_EXACT_FIN_RCVD);
	tw = sk(7, TL_TCP_TIME_WAIT, 80, 40001);
	tw.inode = 0;
	clock_ns += MS;
	tl_tracker_lookup_result(t, 0, 7, &tw, clock_ns, 4.0);
	drain(t);
	clock_ns += 70 * MS;
	for (int i = 0; i < 3; i++) {
		clock_ns += 100 * MS;
		snap_of(&s, after, 3, clock_ns);
		tl_tracker_sample(t, 0, &s, clock_ns, 5.0);
	}
	got = drain(t);
	if (!ok(strstr(got, "c7 close TIME-WAIT>CLOSED RST/in") != NULL,
		"a TIME-WAIT gone 0.3 s after it began, by the records, nothing in its place: an "
		"RST, not an expiry"))
		printf("#   got:\n%s", got);
	tl_tracker_free(t);
	tl_snapshot_fini(&s);
}

/* A TIME-WAIT of the baseline, listed with 0 ms left (its timer due and
 * late: the timer wheel's slack), gone at the next dumps: it expired.
 * Its entry into TIME-WAIT is not known, so the baseline's time is no
 * start for its 60 s. */
static void test_baseline_tw_due(void)
{
	struct tl_snapshot s;
	tl_snapshot_init(&s);
	struct tl_tracker *t = tl_tracker_new(1);
	struct tl_sock lst = sk(1, TL_TCP_LISTEN, 80, 0);
	struct tl_sock tw = sk(9, TL_TCP_TIME_WAIT, 80, 40009);
	tw.inode = 0;
	tw.timer = 3;
	tw.expires_ms = 0;
	struct tl_sock base[] = {lst, tw};
	clock_ns += 100 * MS;
	snap_of(&s, base, 2, clock_ns);
	tl_tracker_sample(t, 0, &s, clock_ns, 6.0);
	state(t, 10, TL_TCP_CLOSE, TL_TCP_LISTEN, 81, 0, 0); /* exact mode runs */
	for (int i = 0; i < 3; i++) {
		clock_ns += 500 * MS;
		snap_of(&s, base, 1, clock_ns);
		tl_tracker_sample(t, 0, &s, clock_ns, 7.0);
	}
	const char *got = drain(t);
	if (!ok(strstr(got, "c9 close TIME-WAIT>CLOSED -/-") != NULL,
		"a TIME-WAIT of the baseline listed with 0 ms left, gone: expired, no RST"))
		printf("#   got:\n%s", got);
	tl_tracker_free(t);
	tl_snapshot_fini(&s);
}

/* Records read after the baseline but stamped before it (they waited in
 * the ring): a connection the baseline did not list, whose close came
 * first.  Its history before the first record is inferred, and may be
 * older than the run: no window starting at the run (an inverted one
 * before), unbounded. */
static void test_record_before_baseline(void)
{
	struct tl_snapshot s;
	tl_snapshot_init(&s);
	struct tl_tracker *t = tl_tracker_new(1);
	uint64_t first = clock_ns + MS; /* the records' time */
	clock_ns += 100 * MS;
	snap_of(&s, NULL, 0, clock_ns);
	tl_tracker_sample(t, 0, &s, clock_ns, 8.0);
	uint64_t base = clock_ns;
	clock_ns = first - MS;
	state(t, 20, TL_TCP_ESTABLISHED, TL_TCP_FIN_WAIT1, 40020, 80, 0);
	size_t n;
	const struct tl_event *ev = tl_tracker_events(t, &n);
	size_t inferred = 0, bounded = 0;
	for (size_t i = 0; i < n; i++)
		if (ev[i].inferred) {
			inferred++;
			bounded += ev[i].after_ns != 0;
		}
	ok(n >= 3 && inferred >= 2 && !bounded,
	   "a record stamped before the baseline: its inferred history unbounded (%zu events, "
	   "%zu inferred, %zu with a start)",
	   n, inferred, bounded);
	tl_tracker_clear_events(t);
	/* stamped after the baseline but before a later dump: born after the
	 * baseline at least */
	clock_ns = base + 300 * MS;

	snap_of(&s, NULL, 0, clock_ns);
	tl_tracker_sample(t, 0, &s, clock_ns, 8.3);
	tl_tracker_clear_events(t);
	clock_ns = base + 100 * MS;
	state(t, 21, TL_TCP_ESTABLISHED, TL_TCP_FIN_WAIT1, 40021, 80, 0);
	ev = tl_tracker_events(t, &n);
	size_t bad = 0;
	inferred = 0;
	for (size_t i = 0; i < n; i++)
		if (ev[i].inferred) {
			inferred++;
			bad += ev[i].after_ns != base || ev[i].after_ns > ev[i].mono_ns;
		}
	ok(inferred >= 2 && !bad,
	   "... stamped between two dumps, read after the second: born after the first (%zu of "
	   "%zu otherwise)",
	   bad, inferred);
	tl_tracker_free(t);
	tl_snapshot_fini(&s);
}

int main(void)
{
	test_client_close();
	test_graceful_and_rst();
	test_merge();
	test_retransmit();
	test_owner();
	test_batch();
	test_syn_sent_before_record();
	test_change_before_record();
	test_new_cookie_held();
	test_tw_reused();
	test_baseline_tw_due();
	test_record_before_baseline();
	test_record_late();
	return tap_done();
}
