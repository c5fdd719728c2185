/* The tracker on scripted snapshots, destroy events and lookups. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "tcpladder/tracker.h"
#include "tcpladder/util.h"
#include "tap.h"

#define SEC 1000000000ULL

static struct tl_sock sk(uint64_t cookie, int state, uint16_t lport, uint16_t rport)
{
	struct tl_sock s;
	memset(&s, 0, sizeof(s));
	s.cookie = cookie;
	s.family = AF_INET;
	s.state = (uint8_t)state;
	s.local[0] = s.remote[0] = 127;
	s.local[3] = s.remote[3] = 1;
	s.lport = lport;
	s.rport = rport;
	s.inode = 1000 + (uint32_t)cookie;
	return s;
}

static void snap_of(struct tl_snapshot *s, const struct tl_sock *socks, size_t n)
{
	tl_snapshot_clear(s);
	for (size_t i = 0; i < n; i++)
		*tl_snapshot_add(s) = socks[i];
	s->complete = true;
}

/* Events as text, one per line: "c<cookie> KIND FROM>TO SEG/DIR [i]". */
static const char *drain(struct tl_tracker *t)
{
	static char buf[4096];
	size_t n;
	const struct tl_event *ev = tl_tracker_events(t, &n);
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		char line[160];
		static const char *const kinds[] = {"open", "trans", "close"};
		snprintf(line, sizeof(line), "c%llu %s %s>%s %s/%s%s\n",
			 (unsigned long long)ev[i].cookie, kinds[ev[i].kind],
			 ev[i].from ? tl_tcp_state_name(ev[i].from) : "-",
			 tl_tcp_state_name(ev[i].to),
			 tl_segment_name(ev[i].segment) ? tl_segment_name(ev[i].segment) : "-",
			 tl_dir_name(ev[i].dir) ? tl_dir_name(ev[i].dir) : "-",
			 ev[i].inferred ? " i" : "");
		strcat(buf, line);
	}
	tl_tracker_clear_events(t);
	return buf;
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
	is_str(drain(t), "c2 close ESTABLISHED>CLOSED RST/-\n",
	       "missing twice: closed; ESTABLISHED then gone, no successor: an abort");

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
	is_str(drain(t), "c20 close ESTABLISHED>CLOSED RST/-\n",
	       "no TIME-WAIT successor and no peer: an abort");
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
	is_str(drain(t), "", "a late destroy event of a known TIME-WAIT's full socket adds nothing");
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
	is_str(drain(t), "c61 trans CLOSE-WAIT>LAST-ACK FIN/out i\nc61 close LAST-ACK>CLOSED ACK/in\n",
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
	return tap_done();
}
