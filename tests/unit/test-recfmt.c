/* test-recfmt: the recording format.  Samples round trip exactly, as key
 * frames and as changes (sockets added, changed, removed, reordered, idle
 * ones whose relative times grow); every operation round trips; exact-mode
 * records, told against the last of their cookie, round trip exactly and
 * cost a few bytes after a connection's first; format 1's are still read;
 * a file cut at any byte or with any byte flipped is refused at its
 * block, never read as something else. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "tcpladder/recfmt.h"
#include "tcpladder/recfmtint.h"

static void sock(struct tl_sock *s, uint64_t cookie, int state, uint32_t since)
{
	memset(s, 0, sizeof(*s));
	s->cookie = cookie;
	s->family = 2;
	s->protocol = 6;
	s->state = (uint8_t)state;
	s->local[0] = 127;
	s->local[3] = 1;
	s->lport = (uint16_t)(1000 + cookie);
	s->rport = 80;
	s->inode = (uint32_t)cookie * 7;
	s->flags = TL_SOCK_HAS_INFO;
	s->info.have = 0x3f;
	s->info.last_data_sent_ms = since;
	s->info.last_data_recv_ms = since + 2;
	s->info.last_ack_recv_ms = since + 3;
	s->info.bytes_acked = cookie * 1000;
	s->expires_ms = cookie % 3 ? 0 : 5000 - since;
}

static struct tl_snapshot snaps[4];

static void make_snaps(void)
{
	for (int k = 0; k < 4; k++) {
		tl_snapshot_init(&snaps[k]);
		snaps[k].mono_ns = 1000000000ULL * (10 + (uint64_t)k);
		snaps[k].wall = 1.7e9 + k;
		snaps[k].complete = true;
		snaps[k].other[0] = k;
		snaps[k].other[1] = -1;
		for (uint64_t c = 1; c <= 300; c++) {
			if (k >= 2 && c % 50 == 0)
				continue; /* removed */
			sock(tl_snapshot_add(&snaps[k]), c, 1, 100 + 1000 * (uint32_t)k);
		}
		if (k == 3) { /* one changed, new ones, two swapped */
			snaps[k].socks[5].state = 8;
			snaps[k].socks[6].info.bytes_acked += 77;
			struct tl_sock t = snaps[k].socks[10];
			snaps[k].socks[10] = snaps[k].socks[11];
			snaps[k].socks[11] = t;
			for (uint64_t c = 1000; c < 1010; c++)
				sock(tl_snapshot_add(&snaps[k]), c, 2, 0);
			/* a dump that lists a socket twice */
			*tl_snapshot_add(&snaps[k]) = snaps[k].socks[20];
		}
	}
}

static int same_snap(const struct tl_snapshot *a, const struct tl_snapshot *b)
{
	if (a->n != b->n || a->mono_ns != b->mono_ns || a->wall != b->wall ||
	    a->complete != b->complete || memcmp(a->other, b->other, sizeof(a->other)))
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (memcmp(&a->socks[i], &b->socks[i], sizeof(a->socks[i])))
			return 0;
	return 1;
}

/* A file of every kind of op; its raw ops in *ops. */
static void make_file(struct tl_buf *file, size_t *ops_len)
{
	struct tl_recenc e;
	struct tl_buf ops;
	uint8_t head[TL_REC_HEADER_LEN];
	tl_recenc_init(&e);
	tl_buf_init(&ops);
	tl_buf_init(file);
	tl_recfmt_header(head);
	tl_buf_add(file, (const char *)head, sizeof(head));
	struct tl_rop op = {.kind = TL_ROP_NS};
	strcpy(op.name, "self");
	tl_recenc_op(&e, &op);
	for (int k = 0; k < 4; k++) {
		op = (struct tl_rop){.kind = TL_ROP_STEP, .now = snaps[k].mono_ns, .wall = 1.5};
		tl_recenc_op(&e, &op);
		op = (struct tl_rop){.kind = TL_ROP_SAMPLE, .snap = &snaps[k], .key = k == 0};
		tl_recenc_op(&e, &op);
		if (k == 1) {
			op = (struct tl_rop){.kind = TL_ROP_DESTROY, .sock = snaps[0].socks[3]};
			tl_recenc_op(&e, &op);
			op = (struct tl_rop){.kind = TL_ROP_LOOKUP,
					     .cookie = 9,
					     .found = true,
					     .sock = snaps[0].socks[4]};
			tl_recenc_op(&e, &op);
			op = (struct tl_rop){.kind = TL_ROP_OBSERVE,
					     .x = {.mono_ns = 5,
						   .kind = 1,
						   .from = 2,
						   .to = 1,
						   .sock = snaps[0].socks[1]}};
			tl_recenc_op(&e, &op);
			/* a record that names the process the probe saw */
			op.x.flags = TL_EXACT_TASK;
			op.x.pid = 3087;
			strcpy(op.x.comm, "scenario");
			tl_recenc_op(&e, &op);
			op = (struct tl_rop){.kind = TL_ROP_OWNER, .arg = 42, .owner = {.pid = 7}};
			strcpy(op.owner.comm, "nginx");
			tl_recenc_op(&e, &op);
			op = (struct tl_rop){
			    .kind = TL_ROP_ROUND, .cost_ns = 3, .sockets = 300, .exact = true};
			tl_recenc_op(&e, &op);
			op = (struct tl_rop){.kind = TL_ROP_LOST, .exact_lost = 531915};
			tl_recenc_op(&e, &op);
		}
		if (k == 1 || k == 3) { /* a block boundary: state carries over */
			tl_recenc_take(&e, &ops);
			tl_recfmt_block(file, TL_RBLK_OPS, ops.data, ops.len);
			*ops_len += ops.len;
			tl_buf_reset(&ops);
		}
	}
	tl_buf_fini(&ops);
	tl_recenc_fini(&e);
}

/* Reads a file: the samples seen (compared with snaps), ops, and the
 * offset of damage (or -1). */
static long read_file(const uint8_t *p, size_t n, int *samples_ok, int *n_ops)
{
	const char *why = NULL;
	struct tl_recdec d;
	long bad = -1;
	int k = 0;
	*samples_ok = 1;
	*n_ops = 0;
	if (tl_recfmt_header_check(p, n, &why) < 0)
		return 0;
	tl_recdec_init(&d);
	size_t off = TL_REC_HEADER_LEN;
	for (;;) {
		uint8_t type, *raw;
		size_t len, used;
		int r = tl_recfmt_unblock(p + off, n - off, &type, &raw, &len, &used, &why);
		if (r < 0)
			bad = (long)off;
		if (r <= 0)
			break;
		struct tl_rop op;
		r = tl_recdec_block(&d, raw, len, &why);
		while (r >= 0 && (r = tl_recdec_op(&d, &op, &why)) > 0) {
			(*n_ops)++;
			if (op.kind == TL_ROP_SAMPLE && !(k < 4 && same_snap(op.snap, &snaps[k++])))
				*samples_ok = 0;
			if (op.kind == TL_ROP_LOST && op.exact_lost != 531915)
				*samples_ok = 0;
			if (op.kind == TL_ROP_OWNER &&
			    (op.arg != 42 || strcmp(op.owner.comm, "nginx")))
				*samples_ok = 0;
			if (op.kind == TL_ROP_OBSERVE && (op.x.flags & TL_EXACT_TASK) &&
			    (op.x.pid != 3087 || strcmp(op.x.comm, "scenario")))
				*samples_ok = 0;
		}
		free(raw);
		if (r < 0) {
			bad = (long)off;
			break;
		}
		off += used;
	}
	tl_recdec_fini(&d);
	if (k != 4 && bad < 0)
		*samples_ok = 0;
	return bad;
}

/* A connection's exact-mode records: its state changes, some naming the
 * process, the last with the final counters. */
static void conn_rec(struct tl_exact_rec *x, uint64_t cookie, int step)
{
	static const uint8_t path[][2] = {{7, 2}, {2, 1}, {1, 4}, {4, 5}, {5, 6}, {6, 7}};
	memset(x, 0, sizeof(*x));
	x->mono_ns = 5000000000ULL + cookie * 1000003ULL + (uint64_t)step * 40000ULL;
	x->netns_ino = 4026531840u;
	x->kind = 1;
	x->from = path[step][0];
	x->to = path[step][1];
	x->sock.cookie = cookie;
	x->sock.family = 2;
	x->sock.protocol = 6;
	x->sock.state = x->to;
	x->sock.local[0] = x->sock.remote[0] = 127;
	x->sock.local[3] = x->sock.remote[3] = 1;
	x->sock.lport = (uint16_t)(40000 + cookie);
	x->sock.rport = 8080;
	x->sock.inode = (uint32_t)(900000 + cookie);
	if (step < 2) {
		x->flags = TL_EXACT_TASK;
		x->pid = 4242;
		strcpy(x->comm, cookie % 3 ? "churn" : "curl");
	}
	if (step == 5) { /* closed: its port gone */
		x->sock.lport = 0;
		x->sock.flags = TL_SOCK_HAS_INFO;
		x->sock.info.bytes_acked = 1 + cookie;
		x->sock.info.segs_out = 6;
		x->sock.info.last_data_sent_ms = 3;
	}
}

/* The records of 40 connections, interleaved (and the slots' collisions
 * met: 2,000 cookies further on), and destroy events of some (and of a
 * socket never recorded), round trip exactly; after a connection's first
 * record each costs a few raw bytes. */
static void test_exact(void)
{
	static struct tl_rop want[6 * 80 + 40];
	struct tl_recenc e;
	struct tl_recdec d;
	struct tl_buf ops;
	size_t n = 0, first_bytes = 0, later_bytes = 0, n_later = 0, n_first = 0;
	tl_recenc_init(&e);
	tl_recdec_init(&d);
	tl_buf_init(&ops);
	for (int round = 0; round < 2; round++)
		for (int step = 0; step < 6; step++)
			for (uint64_t c = 1; c <= 40; c++) {
				struct tl_rop *op = &want[n++];
				memset(op, 0, sizeof(*op));
				op->kind = TL_ROP_OBSERVE;
				conn_rec(&op->x, c + (uint64_t)round * 2000, step);
				size_t before = tl_recenc_pending(&e);
				tl_recenc_op(&e, op);
				if (step == 0) {
					first_bytes += tl_recenc_pending(&e) - before;
					n_first++;
				} else {
					later_bytes += tl_recenc_pending(&e) - before;
					n_later++;
				}
				if (step == 5 && c % 4 == 0) { /* its socket as a dump sees it */
					struct tl_rop *g = &want[n++];
					memset(g, 0, sizeof(*g));
					g->kind = TL_ROP_DESTROY;
					g->sock = op->x.sock;
					g->sock.cookie += c == 40 ? 77777 : 0;
					g->sock.lport = (uint16_t)(40000 + c);
					g->sock.info.rtt_us = 31 + (uint32_t)c;
					g->sock.info.last_ack_recv_ms = 2;
					tl_recenc_op(&e, g);
				}
			}
	size_t i = 0;
	int same = 1, r;
	const char *why = NULL;
	struct tl_rop op;
	tl_recenc_take(&e, &ops);
	r = tl_recdec_block(&d, (const uint8_t *)ops.data, ops.len, &why);
	while (r >= 0 && (r = tl_recdec_op(&d, &op, &why)) > 0) {
		if (i >= n || op.kind != want[i].kind ||
		    (op.kind == TL_ROP_OBSERVE && memcmp(&op.x, &want[i].x, sizeof(op.x))) ||
		    (op.kind == TL_ROP_DESTROY && memcmp(&op.sock, &want[i].sock, sizeof(op.sock))))
			same = 0;
		i++;
	}
	ok(r == 0 && i == n && same,
	   "%zu exact-mode records and destroy events round trip exactly (%s)", n,
	   r < 0 ? why : "to the end");
	ok(n_later && later_bytes <= 12 * n_later,
	   "a connection's later records are told as changes: %zu raw bytes for %zu (first ones: "
	   "%zu for %zu)",
	   later_bytes, n_later, first_bytes, n_first);
	tl_buf_fini(&ops);
	tl_recdec_fini(&d);
	tl_recenc_fini(&e);
}

/* Format 1's exact-mode record (every field whole) is read by a decoder
 * told the file is of version 1, and refused as a newer version reads it. */
static void test_exact_v1(void)
{
	/* op 7, ns 0, time 5, netns 9, kind 1, from 2, to 1, flags TASK (8),
	 * tcp flags 0, socket: mask 0b1001 (cookie, state) 77 1, pid 3, "ab" */
	static const uint8_t v1[] = {7, 0, 5, 9, 1, 2, 1, 8, 0, 9, 77, 1, 3, 2, 'a', 'b'};
	struct tl_recdec d;
	struct tl_rop op;
	const char *why = NULL;
	tl_recdec_init(&d);
	d.version = 1;
	int r = tl_recdec_block(&d, v1, sizeof(v1), &why);
	r = r < 0 ? r : tl_recdec_op(&d, &op, &why);
	ok(r == 1 && op.x.mono_ns == 5 && op.x.netns_ino == 9 && op.x.sock.cookie == 77 &&
	       op.x.sock.state == 1 && op.x.pid == 3 && !strcmp(op.x.comm, "ab") &&
	       tl_recdec_op(&d, &op, &why) == 0,
	   "a format 1 exact-mode record is still read, to its last byte");
	tl_recdec_fini(&d);
	for (unsigned v = 2; v <= TL_REC_VERSION; v++) {
		tl_recdec_init(&d);
		d.version = v;
		r = tl_recdec_block(&d, v1, sizeof(v1), &why);
		r = r < 0 ? r : tl_recdec_op(&d, &op, &why);
		ok(r < 0 || op.x.sock.cookie != 77 || tl_recdec_op(&d, &op, &why) != 0,
		   "format %u reads the same bytes differently (the version decides)", v);
		tl_recdec_fini(&d);
	}
}

/* Format 3's streams: a step's time and a held cookie told against the
 * last (going back too), exact-mode times in whole microseconds or not;
 * a block whose streams do not add up is refused, naming why. */
static void test_streams(void)
{
	static const uint64_t now[] = {7000000000ULL, 7000001000ULL, 7000000999ULL, UINT64_MAX - 5,
				       3};
	static const uint64_t held[] = {1ULL << 63, 5, 4, UINT64_MAX, 0};
	struct tl_recenc e;
	struct tl_recdec d;
	struct tl_buf ops;
	struct tl_rop op;
	const char *why = NULL;
	tl_recenc_init(&e);
	tl_buf_init(&ops);
	for (int i = 0; i < 5; i++) {
		op = (struct tl_rop){.kind = TL_ROP_STEP, .now = now[i], .wall = 1.25 * i};
		tl_recenc_op(&e, &op);
		op = (struct tl_rop){.kind = TL_ROP_HOLD, .cookie = held[i]};
		tl_recenc_op(&e, &op);
		op = (struct tl_rop){.kind = TL_ROP_OBSERVE, .x = {.mono_ns = now[i], .kind = 1}};
		op.x.sock.cookie = held[i];
		tl_recenc_op(&e, &op);
	}
	tl_recenc_take(&e, &ops);
	tl_recdec_init(&d);
	int r = tl_recdec_block(&d, (const uint8_t *)ops.data, ops.len, &why), same = 1, n = 0;
	while (r >= 0 && (r = tl_recdec_op(&d, &op, &why)) > 0) {
		int i = n++ / 3;
		if (i >= 5 ||
		    (op.kind == TL_ROP_STEP && (op.now != now[i] || op.wall != 1.25 * i)) ||
		    (op.kind == TL_ROP_HOLD && op.cookie != held[i]) ||
		    (op.kind == TL_ROP_OBSERVE &&
		     (op.x.mono_ns != now[i] || op.x.sock.cookie != held[i])))
			same = 0;
	}
	ok(r == 0 && n == 15 && same,
	   "steps, holds and records round trip through the streams (%s)",
	   r < 0 ? why : "to the end");
	tl_recdec_fini(&d);

	/* steps a millisecond apart: a unix time is told against the last one
	 * moved on by as much, and costs a byte or so */
	struct tl_recenc e2;
	tl_recenc_init(&e2);
	uint64_t t = 5000000000ULL;
	for (int i = 0; i < 1000; i++) {
		t += 1000000 + (uint64_t)(i % 7) * 911;
		op = (struct tl_rop){.kind = TL_ROP_STEP,
				     .now = t,
				     .wall = 1764700000.123456 + (double)(t - 5000000000ULL) / 1e9 +
					     (i % 3) * 1e-7};
		tl_recenc_op(&e2, &op);
	}
	size_t wall_bytes = e2.st[ST_WALL].len;
	struct tl_buf steps;
	tl_buf_init(&steps);
	tl_recenc_take(&e2, &steps);
	tl_recdec_init(&d);
	r = tl_recdec_block(&d, (const uint8_t *)steps.data, steps.len, &why);
	n = 0;
	same = 1;
	t = 5000000000ULL;
	while (r >= 0 && (r = tl_recdec_op(&d, &op, &why)) > 0) {
		t += 1000000 + (uint64_t)(n % 7) * 911;
		same &= op.now == t && op.wall == 1764700000.123456 +
						      (double)(t - 5000000000ULL) / 1e9 +
						      (n % 3) * 1e-7;
		n++;
	}
	ok(r == 0 && n == 1000 && same && wall_bytes <= 2 * 1000,
	   "1000 steps' unix times round trip, in %zu raw bytes", wall_bytes);
	tl_recdec_fini(&d);
	tl_buf_fini(&steps);
	tl_recenc_fini(&e2);

	/* a byte more in the last stream than its ops read */
	uint8_t *more = malloc(ops.len + 1);
	memcpy(more, ops.data, ops.len);
	more[ops.len] = 0;
	size_t count = (uint8_t)ops.data[0]; /* the count and lengths are a byte each here */
	ok(count < 128 && more[count] < 127, "the test's block has short lengths");
	more[count]++;
	tl_recdec_init(&d);
	r = tl_recdec_block(&d, more, ops.len + 1, &why);
	while (r >= 0 && (r = tl_recdec_op(&d, &op, &why)) > 0)
		;
	ok(r < 0 && strstr(why, "more than its operations"),
	   "a stream longer than its ops read is damage: %s", r < 0 ? why : "not seen");
	tl_recdec_fini(&d);
	/* lengths that add up to more, or to less, than the block */
	tl_recdec_init(&d);
	r = tl_recdec_block(&d, more, ops.len, &why);
	ok(r < 0 && strstr(why, "longer than the block"), "streams longer than the block: %s",
	   r < 0 ? why : "not seen");
	r = tl_recdec_block(&d, (const uint8_t *)ops.data, ops.len - 1, &why);
	ok(r < 0, "a block cut short is refused: %s", r < 0 ? why : "not seen");
	more[0] = ST_N + 1;
	r = tl_recdec_block(&d, more, ops.len, &why);
	ok(r < 0 && strstr(why, "streams this version does not know"), "too many streams: %s",
	   r < 0 ? why : "not seen");
	tl_recdec_fini(&d);
	free(more);
	tl_buf_fini(&ops);
	tl_recenc_fini(&e);
}

/* Format 3: lookups' answers are told against the last answer about the
 * same cookie, or the last answer; they round trip, found or not, and an
 * answer again about a cookie costs little. */
static void test_lookups(void)
{
	static struct tl_rop want[3 * 2 * 40];
	struct tl_recenc e;
	struct tl_recdec d;
	struct tl_buf ops;
	const char *why = NULL;
	size_t n = 0, again = 0, n_again = 0, first = 0, n_first = 0;
	tl_recenc_init(&e);
	tl_buf_init(&ops);
	for (int round = 0; round < 3; round++)
		for (uint64_t c = 1; c <= 80; c++) {
			struct tl_rop *op = &want[n++];
			*op = (struct tl_rop){
			    .kind = TL_ROP_LOOKUP, .cookie = c * 4099, .found = c % 7};
			if (op->found) { /* sockets unlike one another; again, acked more */
				sock(&op->sock, op->cookie, 1, 100);
				op->sock.local[1] = (uint8_t)(c * 37);
				op->sock.remote[2] = (uint8_t)(c * 91);
				op->sock.rport = (uint16_t)(1000 + c * 613 % 50000);
				op->sock.inode = (uint32_t)(c * 7919 % 100003);
				op->sock.info.bytes_acked += (uint64_t)round * 1460;
			}
			size_t before = tl_recenc_pending(&e);
			tl_recenc_op(&e, op);
			if (round && op->found) {
				again += tl_recenc_pending(&e) - before;
				n_again++;
			} else if (op->found) {
				first += tl_recenc_pending(&e) - before;
				n_first++;
			}
		}
	tl_recenc_take(&e, &ops);
	tl_recdec_init(&d);
	struct tl_rop op;
	size_t i = 0;
	int same = 1, r = tl_recdec_block(&d, (const uint8_t *)ops.data, ops.len, &why);
	while (r >= 0 && (r = tl_recdec_op(&d, &op, &why)) > 0) {
		if (i >= n || op.cookie != want[i].cookie || op.found != want[i].found ||
		    (op.found && memcmp(&op.sock, &want[i].sock, sizeof(op.sock))))
			same = 0;
		i++;
	}
	ok(r == 0 && i == n && same, "%zu lookups round trip (%s)", n, r < 0 ? why : "to the end");
	ok(n_again && n_first && again * n_first * 2 < first * n_again,
	   "an answer again about a cookie is told as its changes: %zu raw bytes for %zu (the "
	   "first answers: %zu for %zu)",
	   again, n_again, first, n_first);
	tl_recdec_fini(&d);
	tl_buf_fini(&ops);
	tl_recenc_fini(&e);
}

/* Format 3: a dump reads its sockets one after another, so their times
 * since the last ACK and their timers move by a jiffy or more along the
 * dump, differently from one dump to the next.  Idle sockets still cost
 * (almost) nothing; a socket that did move, and timers so far apart that
 * a clock that followed them would make a deadline of 0, round trip. */
static void test_drift(void)
{
	struct tl_snapshot a, b;
	struct tl_recenc e;
	struct tl_recdec d;
	struct tl_buf ops;
	const char *why = NULL;
	tl_snapshot_init(&a);
	tl_snapshot_init(&b);
	a.mono_ns = 1000000;   /* 1 ms: a clock that follows can go below 0 */
	b.mono_ns = 701000000; /* 700 ms later */
	for (uint64_t c = 1; c <= 2000; c++) {
		uint32_t late = 4 * (uint32_t)(c / 300); /* ms, along the second dump */
		sock(tl_snapshot_add(&a), c, 1, 100);
		struct tl_sock *t = tl_snapshot_add(&b);
		sock(t, c, 1, 100 + 700 + late);
		if (t->expires_ms)
			t->expires_ms = a.socks[c - 1].expires_ms - 700 - late;
	}
	b.socks[1000].info.last_ack_recv_ms = 0; /* it got an ACK */
	/* a timer far from its last: the clock must not follow to where the
	 * next deadline would be 0 */
	a.socks[1500].expires_ms = 1;
	b.socks[1500].expires_ms = UINT32_MAX;
	a.socks[1501].expires_ms = b.socks[1501].expires_ms = 4294967293u;
	tl_recenc_init(&e);
	tl_buf_init(&ops);
	struct tl_rop op = {.kind = TL_ROP_SAMPLE, .snap = &a, .key = true};
	tl_recenc_op(&e, &op);
	size_t key = tl_recenc_pending(&e);
	op = (struct tl_rop){.kind = TL_ROP_SAMPLE, .snap = &b};
	tl_recenc_op(&e, &op);
	size_t changes = tl_recenc_pending(&e) - key;
	tl_recenc_take(&e, &ops);
	tl_recdec_init(&d);
	int r = tl_recdec_block(&d, (const uint8_t *)ops.data, ops.len, &why), n = 0, same = 1;
	while (r >= 0 && (r = tl_recdec_op(&d, &op, &why)) > 0)
		same &= same_snap(op.snap, n++ ? &b : &a);
	ok(r == 0 && n == 2 && same, "two dumps whose times drift along them round trip (%s)",
	   r < 0 ? why : "to the end");
	ok(changes < 400, "the second, of 2,000 idle sockets, costs %zu raw bytes (the first %zu)",
	   changes, key);
	tl_recdec_fini(&d);
	tl_buf_fini(&ops);
	tl_recenc_fini(&e);
	tl_snapshot_fini(&a);
	tl_snapshot_fini(&b);
}

int main(void)
{
	struct tl_buf file;
	size_t ops_len = 0;
	int samples_ok, n_ops;

	make_snaps();
	make_file(&file, &ops_len);
	long bad = read_file((const uint8_t *)file.data, file.len, &samples_ok, &n_ops);
	ok(bad < 0 && samples_ok, "four samples (a key frame, then changes) round trip exactly");
	is_int(n_ops, 16, "every operation is read back");
	/* a fraction of the raw size: the idle sockets are copied */
	ok(file.len * 4 < ops_len + 4 * 300 * 40, "the file (%zu bytes) is small (raw ops %zu)",
	   file.len, ops_len);

	/* every cut: damage named at a block boundary, or a clean end at one */
	int cuts_ok = 1;
	for (size_t n = TL_REC_HEADER_LEN; n < file.len; n++) {
		bad = read_file((const uint8_t *)file.data, n, &samples_ok, &n_ops);
		/* a clean end only at a block's end (where the first block ends) */
		uint32_t z = (uint32_t)(uint8_t)file.data[24] |
			     (uint32_t)(uint8_t)file.data[25] << 8 |
			     (uint32_t)(uint8_t)file.data[26] << 16;
		if (bad < 0 && n != TL_REC_HEADER_LEN && n != TL_REC_HEADER_LEN * 2 + z)
			cuts_ok = 0;
	}
	ok(cuts_ok, "a file cut at any byte is said to be damaged");

	/* every byte flipped: refused (header or checksum), never misread */
	int flips_ok = 1;
	for (size_t i = 0; i < file.len; i++) {
		if (i >= 10 && i < TL_REC_HEADER_LEN)
			continue; /* the header's reserved bytes are not read */
		uint8_t *copy = malloc(file.len);
		memcpy(copy, file.data, file.len);
		copy[i] ^= 0x20;
		bad = read_file(copy, file.len, &samples_ok, &n_ops);
		if (i < 10 ? bad != 0 : !(bad >= TL_REC_HEADER_LEN))
			flips_ok = 0;
		free(copy);
	}
	ok(flips_ok, "any byte flipped is caught (header, or the block's checksum)");

	const char *why;
	uint8_t head[TL_REC_HEADER_LEN];
	tl_recfmt_header(head);
	head[8] = TL_REC_VERSION + 1;
	is_int(tl_recfmt_header_check(head, sizeof(head), &why), -ENOTSUP,
	       "a newer version is refused as such");
	is_int(tl_recfmt_header_check((const uint8_t *)"GIF89a", 6, &why), -EINVAL,
	       "a foreign file is refused");
	tl_recfmt_header(head);
	is_int(tl_recfmt_header_check(head, sizeof(head), &why), TL_REC_VERSION,
	       "the header gives the file's version");
	head[8] = 1;
	is_int(tl_recfmt_header_check(head, sizeof(head), &why), 1, "version 1 is still read");

	test_exact();
	test_exact_v1();
	test_streams();
	test_drift();
	test_lookups();

	tl_buf_fini(&file);
	for (int k = 0; k < 4; k++)
		tl_snapshot_fini(&snaps[k]);
	return tap_done();
}
