/* scenario: scripted TCP connections on loopback for the event tests.
 *
 *   scenario [-6] [-s] [-p PORT] [-d SECONDS] NAME [COUNT]
 *
 * NAME: client-close, server-close, rst-client, rst-server, data, short,
 * client-shutdown (the client sends its FIN with shutdown() and closes
 * after the server's: it is not orphaned when the FIN comes), unread (the
 * server closes with the client's data unread: an RST), unread-cw (the
 * same after the client closed: the server is in CLOSE-WAIT),
 * leak (COUNT clients close, one every pause; the server never closes its
 * ends: CLOSE-WAIT climbs) and tidy (the same load, the server closes
 * each end a pause later: CLOSE-WAIT comes and goes); these two then hold
 * everything until killed.
 * Every step is followed by a pause of -d seconds (default 0.5) so that a
 * sampler sees each state, except in "short", which opens and closes
 * COUNT connections back to back, faster than any sampling.  With -s
 * (stepped) each pause is instead "step" printed and a line read from
 * stdin: a test holds every state until it has seen it, whatever the
 * machine's load (at EOF the pauses are timed again).  Prints "client
 * PORT" for every connection's client port, then "done". */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <signal.h>

static int v6, stepped, port = 31000;
static double pause_s = 0.5;

__attribute__((noreturn)) static void die(const char *what)
{
	fprintf(stderr, "scenario: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void nap(void)
{
	if (stepped) {
		char line[64];
		printf("step\n");
		fflush(stdout);
		if (fgets(line, sizeof(line), stdin))
			return;
		stepped = 0;
	}
	struct timespec ts = {(time_t)pause_s, (long)((pause_s - (double)(time_t)pause_s) * 1e9)};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static socklen_t addr(struct sockaddr_storage *ss, int p)
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

static int listener(void)
{
	struct sockaddr_storage ss;
	socklen_t len = addr(&ss, port);
	int one = 1, fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		die("bind");
	if (listen(fd, 128) < 0)
		die("listen");
	return fd;
}

static int client(void)
{
	struct sockaddr_storage ss, me;
	socklen_t len = addr(&ss, port), mlen = sizeof(me);
	int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		die("socket");
	if (connect(fd, (struct sockaddr *)&ss, len) < 0)
		die("connect");
	getsockname(fd, (struct sockaddr *)&me, &mlen);
	printf("client %u\n", ntohs(v6 ? ((struct sockaddr_in6 *)&me)->sin6_port
				       : ((struct sockaddr_in *)&me)->sin_port));
	fflush(stdout);
	return fd;
}

static void rst_close(int fd)
{
	struct linger l = {1, 0}; /* close() sends RST */
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

static void drain(int fd)
{
	char buf[65536];
	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

int main(int argc, char **argv)
{
	int opt;
	while ((opt = getopt(argc, argv, "6sp:d:")) != -1) {
		if (opt == '6')
			v6 = 1;
		else if (opt == 's')
			stepped = 1;
		else if (opt == 'p')
			port = atoi(optarg);
		else if (opt == 'd')
			pause_s = atof(optarg);
		else
			return 2;
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: scenario [-6] [-s] [-p PORT] [-d SECONDS] NAME [COUNT]\n");
		return 2;
	}
	const char *name = argv[optind];
	int count = optind + 1 < argc ? atoi(argv[optind + 1]) : 1;
	int l = listener();
	nap();

	if (!strcmp(name, "leak") || !strcmp(name, "tidy")) {
		int prev = -1;
		for (int i = 0; i < count; i++) {
			int c = client(), s = accept(l, NULL, NULL);
			if (s < 0)
				die("accept");
			close(c);
			if (!strcmp(name, "tidy") && prev >= 0)
				close(prev);
			prev = s; /* leak: kept open, never closed */
			nap();
		}
		printf("done\n");
		fflush(stdout);
		pause();
		return 0;
	}
	if (!strcmp(name, "short")) {
		for (int i = 0; i < count; i++) {
			int c = client(), s = accept(l, NULL, NULL);
			if (s < 0)
				die("accept");
			if (send(c, "hello", 5, 0) != 5)
				die("send");
			close(c); /* client closes first: it keeps TIME-WAIT */
			drain(s);
			close(s);
		}
		nap();
		printf("done\n");
		return 0;
	}
	int c = client(), s = accept(l, NULL, NULL);
	if (s < 0)
		die("accept");
	nap();
	if (!strcmp(name, "client-close") || !strcmp(name, "data")) {
		if (!strcmp(name, "data")) {
			static char block[100000];
			if (send(c, block, sizeof(block), 0) < 0)
				die("send");
			nap();
			drain(s);
			if (send(s, block, 1000, 0) < 0)
				die("send");
			nap();
			drain(c);
		}
		close(c); /* client: FIN-WAIT-2 (orphan); server: CLOSE-WAIT */
		nap();
		close(s); /* client: TIME-WAIT; server: gone after LAST-ACK */
	} else if (!strcmp(name, "client-shutdown")) {
		shutdown(c, SHUT_WR); /* client: FIN-WAIT-2, still owned */
		nap();
		close(s); /* client: TIME-WAIT from its full socket */
		nap();
		close(c);
	} else if (!strcmp(name, "unread") || !strcmp(name, "unread-cw")) {
		if (send(c, "hello", 5, 0) != 5)
			die("send");
		nap();
		if (!strcmp(name, "unread-cw")) {
			close(c); /* server: CLOSE-WAIT with 5 bytes unread */
			c = -1;
			nap();
		}
		close(s); /* unread data: RST, not FIN */
		nap();
		if (c >= 0)
			close(c);
	} else if (!strcmp(name, "server-close")) {
		close(s);
		nap();
		close(c);
	} else if (!strcmp(name, "rst-client")) {
		rst_close(c);
		nap();
		close(s);
	} else if (!strcmp(name, "rst-server")) {
		rst_close(s);
		nap();
		close(c);
	} else {
		fprintf(stderr, "scenario: unknown scenario '%s'\n", name);
		return 2;
	}
	nap();
	close(l);
	nap();
	printf("done\n");
	return 0;
}
