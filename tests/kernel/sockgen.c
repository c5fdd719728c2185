/*
 * sockgen - put real kernel TCP sockets into known states (test helper).
 *
 * Usage: sockgen [-6] [-p BASEPORT] [-c NAME] STATE=COUNT ...
 *
 * -c NAME sets the process name (/proc/PID/comm, prctl PR_SET_NAME), as any
 * process may: the tests name it with terminal escapes.
 *
 * Meant to run inside a private network namespace (unshare -n, lo up).
 * Standalone: libc only.  See sockgen-selftest.sh.
 *
 * How each state is produced (C = client, S = accepted server socket, every
 * group except "listen" has one helper listener on its own port):
 *   listen       COUNT listeners on consecutive ports.
 *   established  C connect(), S accept().          -> ESTAB x2
 *   close-wait   C close(): C orphan FIN-WAIT-2 (timewait mini-socket,
 *                substate FIN_WAIT2, 60 s), S CLOSE-WAIT.
 *   fin-wait-2   C shutdown(SHUT_WR): C full FIN-WAIT-2, S CLOSE-WAIT.
 *   fin-wait-2-orphan  same as close-wait, named side is the client.
 *   time-wait    C close(), wait for S CLOSE-WAIT, S close(): C TIME-WAIT.
 *   syn-recv     listener with TCP_DEFER_ACCEPT: bare final ACK is dropped,
 *                request socket stays SYN-RECV, C is ESTABLISHED.
 *   syn-sent     listener backlog 0 with accept queue filled by one helper
 *                connection (ESTAB x2); further SYNs are dropped, the
 *                non-blocking C stays SYN-SENT.
 *   fin-wait-1   S has a tiny receive buffer and never reads; C fills the
 *                window, then shutdown(SHUT_WR): the FIN stays queued behind
 *                unsent data -> C FIN-WAIT-1, S ESTAB.
 *   closing      as fin-wait-1, then S shutdown(SHUT_WR): S's FIN reaches C
 *                in FIN-WAIT-1 -> C CLOSING, S FIN-WAIT-2.
 *   last-ack     C shutdown(SHUT_WR) (C FIN-WAIT-2, S CLOSE-WAIT); C has a
 *                tiny receive buffer, S fills it, then S shutdown(SHUT_WR):
 *                S LAST-ACK with its FIN stuck behind unsent data.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* kernel TCP state numbers (include/net/tcp_states.h) */
enum { ST_ESTABLISHED = 1, ST_SYN_SENT, ST_SYN_RECV, ST_FIN_WAIT1,
       ST_FIN_WAIT2, ST_TIME_WAIT, ST_CLOSE, ST_CLOSE_WAIT, ST_LAST_ACK,
       ST_LISTEN, ST_CLOSING, ST_MAX };

static const struct { int st; const char *name; } outorder[] = {
	{ ST_LISTEN, "LISTEN" }, { ST_SYN_SENT, "SYN-SENT" },
	{ ST_SYN_RECV, "SYN-RECV" }, { ST_ESTABLISHED, "ESTABLISHED" },
	{ ST_FIN_WAIT1, "FIN-WAIT-1" }, { ST_FIN_WAIT2, "FIN-WAIT-2" },
	{ ST_CLOSE_WAIT, "CLOSE-WAIT" }, { ST_CLOSING, "CLOSING" },
	{ ST_LAST_ACK, "LAST-ACK" }, { ST_TIME_WAIT, "TIME-WAIT" },
	{ ST_CLOSE, "CLOSED" },
};

enum kind { K_LISTEN, K_ESTAB, K_CLOSE_WAIT, K_FW2, K_FW2_ORPHAN, K_TW,
	    K_SYN_RECV, K_SYN_SENT, K_FW1, K_CLOSING, K_LAST_ACK, K_UDP, K_RAW };

static const char *const kindnames[] = {
	"listen", "established", "close-wait", "fin-wait-2",
	"fin-wait-2-orphan", "time-wait", "syn-recv", "syn-sent",
	"fin-wait-1", "closing", "last-ack", "udp", "raw",
};

/* Non-TCP sockets, so the "other" counts have something to count. */
static int expect_udp, expect_raw;

struct group {
	enum kind kind;
	int count;
	int port;	/* first server port */
	int lfd;	/* helper listener */
	int *cfd;	/* client fds (-1 once closed) */
	int *sfd;	/* accepted fds (-1 once closed) */
};

static int v6;
static int expect[ST_MAX];
static int port_lo, port_hi;	/* our server ports: [port_lo, port_hi) */
static volatile sig_atomic_t stop;

__attribute__((format(printf, 1, 2), noreturn)) static void die(const char *fmt, ...)
{
	va_list ap;
	fputs("sockgen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void usage(void)
{
	fprintf(stderr, "usage: sockgen [-6] [-p BASEPORT] [-c NAME] STATE=COUNT ...\n"
		"states: listen established close-wait fin-wait-2 "
		"fin-wait-2-orphan time-wait syn-recv syn-sent fin-wait-1 "
		"closing last-ack udp raw\n");
	exit(2);
}

static void msleep(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static socklen_t mkaddr(struct sockaddr_storage *ss, int port)
{
	memset(ss, 0, sizeof(*ss));
	if (v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		a->sin6_port = htons(port);
		return sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;
		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a->sin_port = htons(port);
		return sizeof(*a);
	}
}

static int xsocket(void)
{
	int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	return fd;
}

static void xsetopt(int fd, int level, int opt, int val, const char *what)
{
	if (setsockopt(fd, level, opt, &val, sizeof(val)) < 0)
		die("setsockopt %s: %s", what, strerror(errno));
}

static int tcp_state(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
		die("getsockopt TCP_INFO: %s", strerror(errno));
	return ti.tcpi_state;
}

static int listener(int port, int backlog, int rcvbuf, int defer)
{
	struct sockaddr_storage ss;
	socklen_t len = mkaddr(&ss, port);
	struct timeval tv = { 2, 0 };
	int fd = xsocket();

	xsetopt(fd, SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR");
	if (rcvbuf)
		xsetopt(fd, SOL_SOCKET, SO_RCVBUF, rcvbuf, "SO_RCVBUF");
	if (defer)
		xsetopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, defer,
			"TCP_DEFER_ACCEPT");
	/* accept() gives up after 2 s instead of hanging */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		die("setsockopt SO_RCVTIMEO: %s", strerror(errno));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		die("bind port %d: %s", port, strerror(errno));
	if (listen(fd, backlog) < 0)
		die("listen: %s", strerror(errno));
	return fd;
}

/* blocking connect unless nonblock; rcvbuf/sndbuf set before connect */
static int client(int port, int rcvbuf, int sndbuf, int nonblock)
{
	struct sockaddr_storage ss;
	socklen_t len = mkaddr(&ss, port);
	int fd = xsocket();

	if (rcvbuf)
		xsetopt(fd, SOL_SOCKET, SO_RCVBUF, rcvbuf, "SO_RCVBUF");
	if (sndbuf)
		xsetopt(fd, SOL_SOCKET, SO_SNDBUF, sndbuf, "SO_SNDBUF");
	if (nonblock && fcntl(fd, F_SETFL, O_NONBLOCK) < 0)
		die("fcntl: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&ss, len) < 0 &&
	    !(nonblock && errno == EINPROGRESS))
		die("connect: %s", strerror(errno));
	return fd;
}

static int xaccept(int lfd)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		die("accept: %s", errno == EAGAIN ? "timed out" : strerror(errno));
	return fd;
}

static void xshutdown(int fd)
{
	if (shutdown(fd, SHUT_WR) < 0)
		die("shutdown: %s", strerror(errno));
}

/* Wait (up to ~2 s) until every open fd in fds[0..n) is in state st. */
static void wait_state(int *fds, int n, int st, const char *what)
{
	for (int tries = 0; ; tries++) {
		int bad = -1;
		for (int i = 0; i < n && bad < 0; i++)
			if (fds[i] >= 0 && tcp_state(fds[i]) != st)
				bad = i;
		if (bad < 0)
			return;
		if (tries >= 200)
			die("%s: socket stuck in kernel state %d (wanted %d)",
			    what, tcp_state(fds[bad]), st);
		msleep(10);
	}
}

/*
 * Write until the peer's receive window is exhausted: the send buffer is
 * full and some data is still unsent, so a later FIN cannot go out.
 * Done in passes over all fds so the settle delay is paid once per pass.
 */
static void fill(int *fds, int n)
{
	static char buf[65536];
	int left = n;

	for (int i = 0; i < n; i++)
		if (fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK) < 0)
			die("fcntl: %s", strerror(errno));
	for (int pass = 0; left > 0; pass++) {
		if (pass >= 100)
			die("could not fill peer receive window");
		if (pass > 0)
			msleep(10);
		left = 0;
		for (int i = 0; i < n; i++) {
			int unsent = 0;
			ssize_t r;
			while ((r = write(fds[i], buf, sizeof(buf))) > 0)
				;
			if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
				die("write: %s", strerror(errno));
			if (ioctl(fds[i], SIOCOUTQNSD, &unsent) < 0)
				die("ioctl SIOCOUTQNSD: %s", strerror(errno));
			if (pass == 0 || unsent == 0)
				left++;
		}
	}
}

static void build(struct group *g)
{
	int n = g->count, i;

	if (n == 0)
		return;
	if (g->kind == K_UDP || g->kind == K_RAW) {
		for (i = 0; i < n; i++) {
			int fd = g->kind == K_UDP
				? socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0)
				: socket(v6 ? AF_INET6 : AF_INET, SOCK_RAW,
					 v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
			if (fd < 0)
				die("socket: %s", strerror(errno));
			if (g->kind == K_UDP) { /* unbound UDP sockets are not listed */
				struct sockaddr_storage sa;
				socklen_t len = mkaddr(&sa, 0);
				if (bind(fd, (struct sockaddr *)&sa, len) < 0)
					die("bind udp: %s", strerror(errno));
			}
		}
		if (g->kind == K_UDP)
			expect_udp += n;
		else
			expect_raw += n;
		return;
	}
	if (g->kind == K_LISTEN) {
		for (i = 0; i < n; i++)
			listener(g->port + i, 16, 0, 0);
		expect[ST_LISTEN] += n;
		return;
	}
	g->cfd = malloc(n * sizeof(int));
	g->sfd = malloc(n * sizeof(int));
	if (!g->cfd || !g->sfd)
		die("out of memory");
	for (i = 0; i < n; i++)
		g->cfd[i] = g->sfd[i] = -1;
	expect[ST_LISTEN]++;

	switch (g->kind) {
	case K_SYN_RECV:
		/* 2n: keep the request queue far from "full" (SYN cookies,
		 * SYN-ACK retry trimming); 120 s -> 7 SYN-ACK timeouts ~127 s */
		g->lfd = listener(g->port, 2 * n + 16, 0, 120);
		for (i = 0; i < n; i++)
			g->cfd[i] = client(g->port, 0, 0, 0);
		wait_state(g->cfd, n, ST_ESTABLISHED, "syn-recv client");
		expect[ST_SYN_RECV] += n;
		expect[ST_ESTABLISHED] += n;
		return;
	case K_SYN_SENT: {
		struct tcp_info ti;
		socklen_t len;
		int tries;
		g->lfd = listener(g->port, 0, 0, 0);
		client(g->port, 0, 0, 0);	/* fills the accept queue */
		for (tries = 0; ; tries++) {
			len = sizeof(ti);
			memset(&ti, 0, sizeof(ti));
			if (getsockopt(g->lfd, IPPROTO_TCP, TCP_INFO, &ti,
				       &len) < 0)
				die("getsockopt TCP_INFO: %s", strerror(errno));
			if (ti.tcpi_unacked >= 1)	/* = sk_ack_backlog */
				break;
			if (tries >= 200)
				die("syn-sent: accept queue did not fill");
			msleep(10);
		}
		for (i = 0; i < n; i++)
			g->cfd[i] = client(g->port, 0, 0, 1);
		expect[ST_SYN_SENT] += n;
		expect[ST_ESTABLISHED] += 2;
		return;
	}
	default:
		break;
	}

	/* full connections */
	g->lfd = listener(g->port, n < 1024 ? n + 16 : 1040,
			  (g->kind == K_FW1 || g->kind == K_CLOSING) ? 4096 : 0,
			  0);
	for (i = 0; i < n; i++) {
		g->cfd[i] = client(g->port, g->kind == K_LAST_ACK ? 4096 : 0,
				   (g->kind == K_FW1 || g->kind == K_CLOSING) ?
				   4096 : 0, 0);
		g->sfd[i] = xaccept(g->lfd);
	}

	switch (g->kind) {
	case K_ESTAB:
		expect[ST_ESTABLISHED] += 2 * n;
		break;
	case K_CLOSE_WAIT:
	case K_FW2_ORPHAN:
		for (i = 0; i < n; i++) {
			close(g->cfd[i]);
			g->cfd[i] = -1;
		}
		wait_state(g->sfd, n, ST_CLOSE_WAIT, kindnames[g->kind]);
		expect[ST_CLOSE_WAIT] += n;
		expect[ST_FIN_WAIT2] += n;
		break;
	case K_FW2:
		for (i = 0; i < n; i++)
			xshutdown(g->cfd[i]);
		wait_state(g->sfd, n, ST_CLOSE_WAIT, "fin-wait-2 server");
		wait_state(g->cfd, n, ST_FIN_WAIT2, "fin-wait-2 client");
		expect[ST_CLOSE_WAIT] += n;
		expect[ST_FIN_WAIT2] += n;
		break;
	case K_TW:
		for (i = 0; i < n; i++) {
			close(g->cfd[i]);
			g->cfd[i] = -1;
		}
		/* client FIN must be fully processed before the server
		 * closes, or we get a simultaneous close */
		wait_state(g->sfd, n, ST_CLOSE_WAIT, "time-wait server");
		for (i = 0; i < n; i++) {
			close(g->sfd[i]);
			g->sfd[i] = -1;
		}
		expect[ST_TIME_WAIT] += n;
		break;
	case K_FW1:
	case K_CLOSING:
		fill(g->cfd, n);
		for (i = 0; i < n; i++)
			xshutdown(g->cfd[i]);
		wait_state(g->cfd, n, ST_FIN_WAIT1, "fin-wait-1 client");
		if (g->kind == K_FW1) {
			expect[ST_FIN_WAIT1] += n;
			expect[ST_ESTABLISHED] += n;
			break;
		}
		for (i = 0; i < n; i++)
			xshutdown(g->sfd[i]);
		wait_state(g->sfd, n, ST_FIN_WAIT2, "closing server");
		wait_state(g->cfd, n, ST_CLOSING, "closing client");
		expect[ST_CLOSING] += n;
		expect[ST_FIN_WAIT2] += n;
		break;
	case K_LAST_ACK:
		for (i = 0; i < n; i++)
			xshutdown(g->cfd[i]);
		wait_state(g->sfd, n, ST_CLOSE_WAIT, "last-ack server");
		for (i = 0; i < n; i++)
			xsetopt(g->sfd[i], SOL_SOCKET, SO_SNDBUF, 4096,
				"SO_SNDBUF");
		fill(g->sfd, n);
		for (i = 0; i < n; i++)
			xshutdown(g->sfd[i]);
		wait_state(g->sfd, n, ST_LAST_ACK, "last-ack server");
		wait_state(g->cfd, n, ST_FIN_WAIT2, "last-ack client");
		expect[ST_LAST_ACK] += n;
		expect[ST_FIN_WAIT2] += n;
		break;
	default:
		break;
	}
}

/* Count sockets touching our port range, per state, from /proc/net/tcp{,6}. */
static void count_proc(int *cnt)
{
	static const char *const files[] = { "/proc/net/tcp", "/proc/net/tcp6" };
	char line[512];

	memset(cnt, 0, ST_MAX * sizeof(int));
	for (int f = 0; f < 2; f++) {
		FILE *fp = fopen(files[f], "r");
		if (!fp)
			continue;	/* e.g. no IPv6 */
		while (fgets(line, sizeof(line), fp)) {
			unsigned lp, rp, st;
			if (sscanf(line, " %*d: %*[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%x %x",
				   &lp, &rp, &st) != 3)
				continue;
			if ((lp >= (unsigned)port_lo && lp < (unsigned)port_hi) ||
			    (rp >= (unsigned)port_lo && rp < (unsigned)port_hi))
				if (st < ST_MAX)
					cnt[st]++;
		}
		fclose(fp);
	}
}

static void verify(void)
{
	int cnt[ST_MAX];

	for (int tries = 0; ; tries++) {
		int bad = -1;
		count_proc(cnt);
		for (int s = 1; s < ST_MAX && bad < 0; s++)
			if (cnt[s] != expect[s])
				bad = s;
		if (bad < 0)
			return;
		if (tries >= 200) {
			const char *name = "?";
			for (size_t i = 0; i < sizeof(outorder) / sizeof(outorder[0]); i++)
				if (outorder[i].st == bad)
					name = outorder[i].name;
			die("verify: kernel shows %d %s sockets, expected %d",
			    cnt[bad], name, expect[bad]);
		}
		msleep(10);
	}
}

static void maybe_raise_somaxconn(int want)
{
	FILE *fp = fopen("/proc/sys/net/core/somaxconn", "r+");
	int cur = 0;
	if (!fp)
		return;
	if (fscanf(fp, "%d", &cur) == 1 && cur < want) {
		rewind(fp);
		fprintf(fp, "%d\n", want);
	}
	fclose(fp);
}

/* For LeakSanitizer runs: the kernel closes the sockets, we free memory. */
static void free_groups(struct group *groups, int n)
{
	for (int i = 0; i < n; i++) {
		free(groups[i].cfd);
		free(groups[i].sfd);
	}
	free(groups);
}

static void onsig(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	struct group *groups;
	int ngroups = 0, base = 20000, opt, maxn = 0;
	struct rlimit rl;
	struct sigaction sa;
	char c;

	while ((opt = getopt(argc, argv, "6p:c:")) != -1) {
		char *end;
		long v;
		switch (opt) {
		case '6':
			v6 = 1;
			break;
		case 'c':
			if (prctl(PR_SET_NAME, optarg, 0, 0, 0) < 0)
				die("prctl: %s", strerror(errno));
			break;
		case 'p':
			v = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end || v < 1 || v > 65535)
				usage();
			base = (int)v;
			break;
		default:
			usage();
		}
	}
	if (optind >= argc)
		usage();
	groups = calloc(argc - optind, sizeof(*groups));
	if (!groups)
		die("out of memory");
	port_lo = port_hi = base;
	for (int i = optind; i < argc; i++) {
		char *eq = strchr(argv[i], '='), *end;
		struct group *g = &groups[ngroups++];
		size_t k;
		long v;
		if (!eq)
			usage();
		for (k = 0; k < sizeof(kindnames) / sizeof(kindnames[0]); k++)
			if (strlen(kindnames[k]) == (size_t)(eq - argv[i]) &&
			    !strncmp(argv[i], kindnames[k], eq - argv[i]))
				break;
		if (k == sizeof(kindnames) / sizeof(kindnames[0]))
			usage();
		v = strtol(eq + 1, &end, 10);
		if (eq[1] == '\0' || *end || v < 0 || v > 100000)
			usage();
		g->kind = (enum kind)k;
		g->count = (int)v;
		g->port = port_hi;
		g->lfd = -1;
		if (v > maxn)
			maxn = (int)v;
		port_hi += (g->kind == K_LISTEN) ? (v ? v : 1) : 1;
		if (port_hi > 65536) {
			fprintf(stderr, "sockgen: port range exceeds 65535\n");
			exit(2);
		}
	}

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	maybe_raise_somaxconn(2 * maxn + 16);
	signal(SIGPIPE, SIG_IGN);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = onsig;	/* no SA_RESTART: read() gets EINTR */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	for (int i = 0; i < ngroups && !stop; i++)
		build(&groups[i]);
	if (stop) {
		free_groups(groups, ngroups);
		return 0;
	}
	verify();

	for (size_t i = 0; i < sizeof(outorder) / sizeof(outorder[0]); i++)
		printf("expect %s %d\n", outorder[i].name, expect[outorder[i].st]);
	printf("expect UDP %d\nexpect RAW %d\n", expect_udp, expect_raw);
	printf("ready\n");
	if (fflush(stdout) != 0)
		die("stdout: %s", strerror(errno));

	while (!stop) {
		ssize_t r = read(STDIN_FILENO, &c, 1);
		if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN))
			break;
	}
	free_groups(groups, ngroups);
	return 0;
}
