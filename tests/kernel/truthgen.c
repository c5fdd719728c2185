/*
 * truthgen - a random workload of short loopback TCP connections, for the
 * truth test (truth.sh), which compares tcpladder with the kernel's own
 * record of the same connections.
 *
 * Usage: truthgen [-s SEED] [-n COUNT] [-u UNIT] [-j PARALLEL] [-p PORT]
 *
 * Commands on stdin, one a line:
 *   sentinel   open one more listener (ports 30000 and up) and print
 *              "sentinel PORT": the harness waits until tcpladder reports
 *              one, which proves it sampled after its baseline.
 *   go         run the workload: COUNT connections to 127.0.0.1:PORT or
 *              [::1]:PORT, up to PARALLEL at a time, each following a
 *              script drawn from SEED, connection ID from client port
 *              61000 + ID; prints "conn ID FAMILY CPORT KIND" for each and
 *              "done" at the end.
 *   EOF        close everything and exit.
 *
 * Every pause is a multiple of UNIT seconds (the sampling interval under
 * test), drawn from the seed: zero (a connection far shorter than one
 * interval), a fraction of one, or several.  The pacing never looks at
 * the sampler, so what the kernel did does not depend on it; only what a
 * sampler could see does.  Data is always waited for (SIOCINQ) before a
 * close that is meant to leave it unread, so "unread" is certain.
 *
 * Kinds of connection:
 *   client-first   orderly close, the client first (it keeps TIME-WAIT)
 *   server-first   orderly close, the server first
 *   client-abort   the client closes with SO_LINGER 0 (RST)
 *   server-abort   the server closes with SO_LINGER 0
 *   server-unread  the server closes with unread data (RST), the client
 *                  having closed first or not
 *   client-unread  the client closes with unread data, the server having
 *                  closed first or not
 *   half-close     the client shuts down writing, the server answers and
 *                  closes, then the client
 *   quick-abort    connect, send a little, abort with SO_LINGER 0 at once
 * Libc only.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum kind {
	K_CLIENT_FIRST,
	K_SERVER_FIRST,
	K_CLIENT_ABORT,
	K_SERVER_ABORT,
	K_SERVER_UNREAD,
	K_CLIENT_UNREAD,
	K_HALF_CLOSE,
	K_QUICK_ABORT,
	K_N
};
static const char *const kind_names[K_N] = {
    "client-first",  "server-first",  "client-abort", "server-abort",
    "server-unread", "client-unread", "half-close",   "quick-abort",
};
/* Weights of the kinds, in percent. */
static const int kind_weight[K_N] = {22, 14, 12, 8, 16, 12, 8, 8};

enum opcode {
	OP_CONNECT,
	OP_C_SEND,
	OP_S_SEND,
	OP_C_READ, /* read all the client has been sent so far */
	OP_S_READ,
	OP_S_READ_PART, /* read part of it, leave the rest */
	OP_C_SHUT,
	OP_C_CLOSE,
	OP_S_CLOSE,
	OP_C_ABORT,
	OP_S_ABORT,
	OP_END,
};

#define MAX_OPS 12

struct op {
	uint8_t code;
	uint16_t bytes;
	uint32_t gap_ms; /* pause before it */
};

struct conn {
	int id, v6, kind;
	int c, s;                /* client and accepted server sockets, -1 when closed */
	long c_unread, s_unread; /* bytes sent to each end, not yet read */
	struct op ops[MAX_OPS];
	int n_ops, next;
	double due; /* monotonic seconds of the next op */
};

/* Client ports: above the server's and the sentinels', outside the
 * ephemeral range (32768-60999 by default). */
#define CLIENT_PORTS 61000
#define MAX_COUNT 4500

static uint64_t rng_state;
static double unit_s = 0.1;
static int port = 31000, l4 = -1, l6 = -1;

__attribute__((noreturn)) static void die(const char *what)
{
	fprintf(stderr, "truthgen: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* splitmix64: the whole workload follows from the seed */
static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int pick(int n)
{
	return (int)(rnd() % (uint64_t)n);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
	if (s <= 0)
		return;
	struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* A pause in units of the interval: none, a sliver, part of one, more
 * than one, several. */
static uint32_t gap(void)
{
	static const double f[] = {0, 0, 0, 0, 0.1, 0.1, 0.6, 0.6, 1.5, 3};
	return (uint32_t)(f[pick(10)] * unit_s * 1000.0);
}

static uint16_t some_bytes(void)
{
	static const uint16_t b[] = {1, 5, 100, 1000, 3000};
	return b[pick(5)];
}

static socklen_t addr(struct sockaddr_storage *ss, int v6, int p)
{
	memset(ss, 0, sizeof(*ss));
	if (v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)p);
		a->sin6_addr = in6addr_loopback;
		return sizeof(*a);
	}
	struct sockaddr_in *a = (struct sockaddr_in *)ss;
	a->sin_family = AF_INET;
	a->sin_port = htons((uint16_t)p);
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sizeof(*a);
}

static int listener(int v6, int p)
{
	struct sockaddr_storage ss;
	socklen_t len = addr(&ss, v6, p);
	int one = 1, fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (v6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		die("bind");
	if (listen(fd, 128) < 0)
		die("listen");
	return fd;
}

static void add(struct conn *c, int code, uint16_t bytes, uint32_t gap_ms)
{
	if (c->n_ops == MAX_OPS) {
		fprintf(stderr, "truthgen: script too long\n");
		exit(1);
	}
	c->ops[c->n_ops++] = (struct op){(uint8_t)code, bytes, gap_ms};
}

/* The script of one connection, drawn from the seed. */
static void script(struct conn *c)
{
	int r = pick(100), k = 0;
	for (int acc = 0; k < K_N - 1; k++) {
		acc += kind_weight[k];
		if (r < acc)
			break;
	}
	c->kind = k;
	c->v6 = pick(10) < 3;
	add(c, OP_CONNECT, 0, 0);
	int data = pick(2);
	switch (k) {
	case K_CLIENT_FIRST:
	case K_SERVER_FIRST:
		if (data) {
			add(c, OP_C_SEND, some_bytes(), gap());
			add(c, OP_S_READ, 0, gap());
			add(c, OP_S_SEND, some_bytes(), gap());
			add(c, OP_C_READ, 0, gap());
		}
		if (k == K_CLIENT_FIRST) {
			add(c, OP_C_CLOSE, 0, gap());
			add(c, OP_S_CLOSE, 0, gap());
		} else {
			add(c, OP_S_CLOSE, 0, gap());
			add(c, OP_C_CLOSE, 0, gap());
		}
		break;
	case K_CLIENT_ABORT:
	case K_SERVER_ABORT:
		if (data) {
			add(c, OP_C_SEND, some_bytes(), gap());
			if (pick(2))
				add(c, OP_S_READ, 0, gap());
		}
		if (k == K_CLIENT_ABORT) {
			add(c, OP_C_ABORT, 0, gap());
			add(c, OP_S_CLOSE, 0, gap());
		} else {
			add(c, OP_S_ABORT, 0, gap());
			add(c, OP_C_CLOSE, 0, gap());
		}
		break;
	case K_SERVER_UNREAD:
		add(c, OP_C_SEND, (uint16_t)(some_bytes() + 1), gap());
		if (pick(2))
			add(c, OP_S_READ_PART, 0, gap());
		if (pick(2)) {
			add(c, OP_C_CLOSE, 0, gap()); /* the server in CLOSE-WAIT, with data */
			add(c, OP_S_CLOSE, 0, gap());
		} else {
			add(c, OP_S_CLOSE, 0, gap());
			add(c, OP_C_CLOSE, 0, gap());
		}
		break;
	case K_CLIENT_UNREAD:
		add(c, OP_S_SEND, some_bytes(), gap());
		if (pick(2)) {
			add(c, OP_S_CLOSE, 0, gap());
			add(c, OP_C_CLOSE, 0, gap());
		} else {
			add(c, OP_C_CLOSE, 0, gap());
			add(c, OP_S_CLOSE, 0, gap());
		}
		break;
	case K_HALF_CLOSE:
		if (data)
			add(c, OP_C_SEND, some_bytes(), gap());
		add(c, OP_C_SHUT, 0, gap());
		add(c, OP_S_READ, 0, gap());
		add(c, OP_S_SEND, some_bytes(), gap());
		add(c, OP_S_CLOSE, 0, gap());
		add(c, OP_C_READ, 0, gap());
		add(c, OP_C_CLOSE, 0, gap());
		break;
	default: /* K_QUICK_ABORT */
		add(c, OP_C_SEND, some_bytes(), 0);
		add(c, OP_C_ABORT, 0, 0);
		add(c, OP_S_CLOSE, 0, gap());
		break;
	}
	add(c, OP_END, 0, 0);
}

/* Wait until fd has at least n bytes queued: a close meant to leave data
 * unread must find it there. */
static void wait_inq(int fd, long n)
{
	for (int i = 0; i < 20000; i++) {
		int q = 0;
		if (ioctl(fd, SIOCINQ, &q) < 0)
			die("SIOCINQ");
		if (q >= n)
			return;
		sleep_s(0.0005);
	}
	fprintf(stderr, "truthgen: data did not arrive\n");
	exit(1);
}

static void read_n(int fd, long n)
{
	char buf[4096];
	while (n > 0) {
		struct pollfd p = {fd, POLLIN, 0};
		if (poll(&p, 1, 20000) <= 0)
			die("waiting for data");
		ssize_t r =
		    recv(fd, buf, (size_t)(n < (long)sizeof(buf) ? n : (long)sizeof(buf)), 0);
		if (r <= 0)
			die("recv");
		n -= r;
	}
}

static void send_n(int fd, long n)
{
	static const char block[4096];
	while (n > 0) {
		ssize_t w = send(fd, block, (size_t)(n < 4096 ? n : 4096), MSG_NOSIGNAL);
		if (w < 0)
			die("send");
		n -= w;
	}
}

static void linger0(int fd)
{
	struct linger l = {1, 0};
	if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)) < 0)
		die("SO_LINGER");
}

static int local_port(int fd)
{
	struct sockaddr_storage me;
	socklen_t len = sizeof(me);
	if (getsockname(fd, (struct sockaddr *)&me, &len) < 0)
		die("getsockname");
	return me.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&me)->sin6_port)
	                                : ntohs(((struct sockaddr_in *)&me)->sin_port);
}

static void run_op(struct conn *c, const struct op *o)
{
	switch (o->code) {
	case OP_CONNECT: {
		struct sockaddr_storage ss;
		socklen_t len = addr(&ss, c->v6, port);
		c->c = socket(c->v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
		if (c->c < 0)
			die("socket");
		/* A port of its own: an ephemeral one can come back within a
		 * run (loopback reuses TIME-WAIT ports), and each connection
		 * is known by its client port.  The address stays a wildcard,
		 * chosen at connect() as for any client. */
		struct sockaddr_storage me;
		socklen_t mlen = addr(&me, c->v6, CLIENT_PORTS + c->id);
		if (c->v6)
			((struct sockaddr_in6 *)&me)->sin6_addr = in6addr_any;
		else
			((struct sockaddr_in *)&me)->sin_addr.s_addr = htonl(INADDR_ANY);
		if (bind(c->c, (struct sockaddr *)&me, mlen) < 0)
			die("bind");
		if (connect(c->c, (struct sockaddr *)&ss, len) < 0)
			die("connect");
		c->s = accept(c->v6 ? l6 : l4, NULL, NULL);
		if (c->s < 0)
			die("accept");
		printf("conn %d %s %d %s\n", c->id, c->v6 ? "inet6" : "inet", local_port(c->c),
		       kind_names[c->kind]);
		fflush(stdout);
		break;
	}
	case OP_C_SEND:
		send_n(c->c, o->bytes);
		c->s_unread += o->bytes;
		break;
	case OP_S_SEND:
		send_n(c->s, o->bytes);
		c->c_unread += o->bytes;
		break;
	case OP_C_READ:
		read_n(c->c, c->c_unread);
		c->c_unread = 0;
		break;
	case OP_S_READ:
		read_n(c->s, c->s_unread);
		c->s_unread = 0;
		break;
	case OP_S_READ_PART:
		read_n(c->s, c->s_unread / 2);
		c->s_unread -= c->s_unread / 2;
		break;
	case OP_C_SHUT:
		if (shutdown(c->c, SHUT_WR) < 0)
			die("shutdown");
		break;
	case OP_C_ABORT:
		linger0(c->c);
		/* fall through */
	case OP_C_CLOSE:
		if (c->c_unread)
			wait_inq(c->c, c->c_unread);
		close(c->c);
		c->c = -1;
		break;
	case OP_S_ABORT:
		linger0(c->s);
		/* fall through */
	case OP_S_CLOSE:
		if (c->s_unread)
			wait_inq(c->s, c->s_unread);
		close(c->s);
		c->s = -1;
		break;
	}
}

int main(int argc, char **argv)
{
	unsigned long long seed = 1;
	int count = 60, parallel = 6, opt;

	while ((opt = getopt(argc, argv, "s:n:u:j:p:")) != -1) {
		switch (opt) {
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			count = atoi(optarg);
			break;
		case 'u':
			unit_s = atof(optarg);
			break;
		case 'j':
			parallel = atoi(optarg);
			break;
		case 'p':
			port = atoi(optarg);
			break;
		default:
			fprintf(stderr,
			        "usage: truthgen [-s SEED] [-n COUNT] [-u UNIT] [-j PARALLEL] "
			        "[-p PORT]\n");
			return 2;
		}
	}
	if (count < 1 || count > MAX_COUNT || parallel < 1 || unit_s < 0) {
		fprintf(stderr, "truthgen: bad arguments\n");
		return 2;
	}
	rng_state = seed;
	l4 = listener(0, port);
	l6 = listener(1, port);
	printf("listening %d\n", port);
	fflush(stdout);

	struct conn *conns = calloc((size_t)count, sizeof(*conns));
	if (!conns)
		die("calloc");
	for (int i = 0; i < count; i++) {
		conns[i].id = i + 1;
		conns[i].c = conns[i].s = -1;
		script(&conns[i]);
	}
	/* Starts are drawn up front too, so the whole workload is the seed's. */
	double *start_gap = calloc((size_t)count, sizeof(*start_gap));
	if (!start_gap)
		die("calloc");
	for (int i = 0; i < count; i++)
		start_gap[i] = (double)pick(1000) / 1000.0 * 0.5 * unit_s;

	char line[64];
	int sentinel = 30000;
	while (fgets(line, sizeof(line), stdin)) {
		if (!strncmp(line, "sentinel", 8)) {
			listener(0, sentinel); /* held until exit */
			printf("sentinel %d\n", sentinel++);
			fflush(stdout);
			continue;
		}
		if (strncmp(line, "go", 2))
			continue;
		int started = 0, active = 0, finished = 0;
		double next_start = now_s();
		while (finished < count) {
			double t = now_s();
			if (started < count && active < parallel && t >= next_start) {
				struct conn *c = &conns[started++];
				c->due = t;
				active++;
				if (started < count)
					next_start = t + start_gap[started];
			}
			/* the earliest due op */
			struct conn *first = NULL;
			for (int i = 0; i < started; i++) {
				struct conn *c = &conns[i];
				if (c->next < c->n_ops && (!first || c->due < first->due))
					first = c;
			}
			double wake = first ? first->due : next_start;
			if (started < count && active < parallel && next_start < wake)
				wake = next_start;
			if (wake > t) {
				sleep_s(wake - t);
				continue;
			}
			if (!first)
				continue;
			const struct op *o = &first->ops[first->next++];
			if (o->code == OP_END) {
				active--;
				finished++;
				continue;
			}
			run_op(first, o);
			first->due = now_s() + (double)first->ops[first->next].gap_ms / 1000.0;
		}
		printf("done\n");
		fflush(stdout);
	}
	free(start_gap);
	free(conns);
	return 0;
}
