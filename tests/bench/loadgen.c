/*
 * loadgen - hold a requested number of TCP sockets in chosen states.
 *
 * Part of the tcpladder by-hand benchmark (tests/bench/run.sh).  Not built
 * or run by "make check".  libc only:
 *
 *     gcc -O2 -Wall -o loadgen loadgen.c
 *
 * Run it INSIDE A PRIVATE NETWORK NAMESPACE (run.sh does this); it creates
 * many loopback connections and must never be pointed at a real host.
 *
 *     loadgen [--established N] [--close-wait N] [--time-wait N]
 *             [--listen N] [--workers K] [--fds-per-worker F]
 *             [--batch B] [--port-base P] [--no-refresh] [-q]
 *
 *   --established N  N connection pairs in ESTABLISHED (2N sockets)
 *   --close-wait N   N server sockets in CLOSE-WAIT whose clients closed;
 *                    this also leaves N orphaned client sockets in
 *                    FIN-WAIT-2 (they live for net.ipv4.tcp_fin_timeout)
 *   --time-wait N    N client sockets in TIME-WAIT (no fds needed)
 *   --listen N       N listening sockets (127.0.0.2, .3, ... port P+1000)
 *
 * Work is split over worker processes (each holds at most F fds, default
 * 18000, since the fd hard limit may be as low as 20000); each worker uses
 * its own temporary listener 127.0.0.1:(P+i) so every worker has its own
 * destination 4-tuple space.  Those temporary listeners are closed once
 * set-up is done, so the LISTEN count equals --listen exactly.
 *
 * TIME-WAIT lasts a fixed 60 s (TCP_TIMEWAIT_LEN).  Unless --no-refresh is
 * given, each worker re-creates a TIME-WAIT batch (--batch sockets) as soon
 * as the kernel has reaped it (checked with an exact sock_diag lookup), so
 * the count is held, with a dip of a few tens of ms at each refresh.  Set net.ipv4.tcp_tw_reuse=0,
 * net.ipv4.tcp_max_tw_buckets high and net.ipv4.ip_local_port_range wide
 * in the namespace; set net.ipv4.tcp_fin_timeout high to keep the
 * FIN-WAIT-2 orphans alive.
 *
 * Prints "ready" on stdout once everything is set up, then blocks until
 * stdin reaches EOF or SIGTERM/SIGINT/SIGHUP arrives; then kills its
 * workers (which closes all sockets) and exits.  Progress/summary go to
 * stderr.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TW_LIFETIME_MS 60000L /* TCP_TIMEWAIT_LEN */
#define TW_POLL_MS 20L          /* re-check interval once a batch is due */
#define TW_BLIND_SLACK_MS 2000L /* if sock_diag is unavailable */
#define MAX_WORKERS 256

struct share {
	long est, cw, tw, listen;
	long listen_first; /* global index of first listener */
};

static int quiet;
static int batch = 512;
static int port_base = 2000;
static int refresh = 1;
static volatile sig_atomic_t stop_flag;

static void die(const char *fmt, ...)
{
	va_list ap;
	int e = errno;

	fprintf(stderr, "loadgen[%d]: ", (int)getpid());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (e)
		fprintf(stderr, ": %s", strerror(e));
	fputc('\n', stderr);
	exit(1);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static long read_sysctl(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static void mkaddr(struct sockaddr_in *sa, uint32_t host_ip, int port)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	sa->sin_addr.s_addr = htonl(host_ip);
}

static int open_listener(uint32_t ip, int port, int backlog)
{
	struct sockaddr_in sa;
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket(listener)");
	/* SO_REUSEADDR lets the temporary listener be re-opened for a
	 * TIME-WAIT refresh while accepted children still hold the port. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		die("SO_REUSEADDR");
	mkaddr(&sa, ip, port);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("bind %s:%d", inet_ntoa(sa.sin_addr), port);
	if (listen(fd, backlog) < 0)
		die("listen");
	return fd;
}

/*
 * Create n loopback connections to listener lfd (bound to 127.0.0.1:port).
 * cli[] and srv[] receive the fds (not paired with each other: pairing is
 * irrelevant for what we do with them).  n must not exceed the backlog.
 */
static void connect_batch(int lfd, int port, int n, int *cli, int *srv)
{
	struct sockaddr_in sa;
	int i;

	mkaddr(&sa, INADDR_LOOPBACK, port);
	for (i = 0; i < n; i++) {
		cli[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (cli[i] < 0)
			die("socket(client)");
		/* On loopback the handshake completes inside connect(). */
		if (connect(cli[i], (struct sockaddr *)&sa, sizeof(sa)) < 0)
			die("connect 127.0.0.1:%d (connection %d of batch)",
			    port, i);
	}
	for (i = 0; i < n; i++) {
		srv[i] = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (srv[i] < 0)
			die("accept");
	}
}

/* Wait until the peer's FIN has arrived on fd (read returns 0). */
static void wait_eof(int fd)
{
	char c;
	ssize_t r;

	for (;;) {
		r = recv(fd, &c, 1, 0);
		if (r == 0)
			return;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die("recv(wait for FIN)");
		/* unexpected data: ignore and keep waiting */
	}
}

/*
 * n client sockets end in TIME-WAIT; no fds are kept.  Returns the local
 * port of the youngest client, used to detect when the batch has expired.
 */
static int make_time_wait(int lfd, int port, int n, int *cli, int *srv)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int i;

	connect_batch(lfd, port, n, cli, srv);
	if (getsockname(cli[n - 1], (struct sockaddr *)&sa, &len) < 0)
		die("getsockname");
	for (i = 0; i < n; i++)
		close(cli[i]); /* client: active close -> FIN-WAIT-2 */
	for (i = 0; i < n; i++) {
		wait_eof(srv[i]); /* server saw FIN: CLOSE-WAIT */
		close(srv[i]);    /* LAST-ACK; client -> TIME-WAIT */
	}
	return ntohs(sa.sin_port);
}

struct twbatch {
	long born_ms;
	int n;
	int sport; /* youngest client's local port */
};

/*
 * Is the TIME-WAIT socket 127.0.0.1:sport -> 127.0.0.1:dport (created
 * about 60 s ago) still there?  Exact sock_diag lookup (no dump).
 * Returns 1 yes, 0 no, -1 cannot tell.  A TIME-WAIT socket with more than
 * 30 s left is a newer one that reused the 4-tuple, so counts as "no".
 */
static int tw_alive(int nlfd, int sport, int dport)
{
	static unsigned int seq;
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 r;
	} req;
	union {
		struct nlmsghdr nlh;
		char buf[8192];
	} resp;
	struct sockaddr_nl nladdr = { .nl_family = AF_NETLINK };
	struct nlmsghdr *h;
	ssize_t n;

	if (nlfd < 0)
		return -1;
	memset(&req, 0, sizeof(req));
	req.nlh.nlmsg_len = sizeof(req);
	req.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.nlh.nlmsg_flags = NLM_F_REQUEST;
	req.nlh.nlmsg_seq = ++seq;
	req.r.sdiag_family = AF_INET;
	req.r.sdiag_protocol = IPPROTO_TCP;
	req.r.idiag_states = ~0U;
	req.r.id.idiag_sport = htons((uint16_t)sport);
	req.r.id.idiag_dport = htons((uint16_t)dport);
	req.r.id.idiag_src[0] = htonl(INADDR_LOOPBACK);
	req.r.id.idiag_dst[0] = htonl(INADDR_LOOPBACK);
	req.r.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
	req.r.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	if (sendto(nlfd, &req, sizeof(req), 0, (struct sockaddr *)&nladdr,
		   sizeof(nladdr)) < 0)
		return -1;
	for (;;) {
		n = recv(nlfd, &resp, sizeof(resp), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		for (h = &resp.nlh; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);

				return e->error == -ENOENT ? 0 : -1;
			}
			if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY) {
				struct inet_diag_msg *m = NLMSG_DATA(h);

				return m->idiag_state == 6 /* TCP_TIME_WAIT */
				       && m->idiag_expires < 30000;
			}
		}
	}
}

static void worker(int idx, const struct share *sh, int status_fd)
{
	int lport = port_base + idx;
	int lfd, *cli, *srv, *held, nlfd = -1;
	long nheld = 0, done, n, i;
	struct twbatch *twb = NULL;
	long ntwb = 0;
	struct rlimit rl;
	char msg[64];

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}

	cli = malloc(sizeof(int) * batch);
	srv = malloc(sizeof(int) * batch);
	held = malloc(sizeof(int) * (size_t)(2 * sh->est + sh->cw + sh->listen + 1));
	if (!cli || !srv || !held)
		die("malloc");

	/* Requested listeners: 127.0.0.(2+j), port base+1000. */
	for (i = 0; i < sh->listen; i++) {
		uint32_t ip = (INADDR_LOOPBACK + 1) + (uint32_t)(sh->listen_first + i);
		held[nheld++] = open_listener(ip, port_base + 1000, 128);
	}

	lfd = open_listener(INADDR_LOOPBACK, lport, batch);

	for (done = 0; done < sh->est; done += n) {
		n = sh->est - done < batch ? sh->est - done : batch;
		connect_batch(lfd, lport, (int)n, cli, srv);
		for (i = 0; i < n; i++) {
			held[nheld++] = cli[i];
			held[nheld++] = srv[i];
		}
	}

	for (done = 0; done < sh->cw; done += n) {
		n = sh->cw - done < batch ? sh->cw - done : batch;
		connect_batch(lfd, lport, (int)n, cli, srv);
		for (i = 0; i < n; i++)
			close(cli[i]); /* client orphan -> FIN-WAIT-2 */
		for (i = 0; i < n; i++) {
			wait_eof(srv[i]); /* server -> CLOSE-WAIT */
			held[nheld++] = srv[i];
		}
	}

	if (sh->tw > 0) {
		twb = calloc((size_t)(sh->tw / batch + 2), sizeof(*twb));
		if (!twb)
			die("calloc");
	}
	for (done = 0; done < sh->tw; done += n) {
		n = sh->tw - done < batch ? sh->tw - done : batch;
		twb[ntwb].sport = make_time_wait(lfd, lport, (int)n, cli, srv);
		twb[ntwb].born_ms = now_ms();
		twb[ntwb].n = (int)n;
		ntwb++;
	}

	close(lfd);
	lfd = -1;

	snprintf(msg, sizeof(msg), "ok %d %ld\n", idx, nheld);
	if (write(status_fd, msg, strlen(msg)) < 0)
		die("write status");
	close(status_fd);

	/*
	 * Hold.  Once a TIME-WAIT batch is 60 s old, poll (exact sock_diag
	 * lookup of its youngest socket) until the kernel has reaped it,
	 * then re-create it: the count dips briefly but never overshoots.
	 */
	if (refresh && ntwb > 0)
		nlfd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
			      NETLINK_SOCK_DIAG);
	for (;;) {
		long next = -1, t, due;

		if (!refresh || ntwb == 0) {
			pause();
			continue;
		}
		t = now_ms();
		for (i = 0; i < ntwb; i++) {
			due = twb[i].born_ms + TW_LIFETIME_MS;
			if (due <= t) {
				int alive = tw_alive(nlfd, twb[i].sport, lport);

				if (alive < 0 &&
				    t < due + TW_BLIND_SLACK_MS)
					alive = 1;
				if (alive > 0) {
					due = t + TW_POLL_MS;
				} else {
					if (lfd < 0)
						lfd = open_listener(INADDR_LOOPBACK,
								    lport, batch);
					twb[i].sport = make_time_wait(
						lfd, lport, twb[i].n, cli, srv);
					twb[i].born_ms = t = now_ms();
					due = t + TW_LIFETIME_MS;
				}
			}
			if (next < 0 || due < next)
				next = due;
		}
		if (lfd >= 0) {
			close(lfd);
			lfd = -1;
		}
		t = next - now_ms();
		if (t < 1)
			t = 1;
		poll(NULL, 0, (int)t);
	}
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: loadgen [--established N] [--close-wait N] [--time-wait N]\n"
		"               [--listen N] [--workers K] [--fds-per-worker F]\n"
		"               [--batch B] [--port-base P] [--no-refresh] [-q]\n"
		"Run inside a private network namespace. Prints \"ready\", then\n"
		"holds the sockets until stdin EOF or SIGTERM.\n");
}

static long parse_num(const char *opt, const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s ? s : "", &end, 10);
	if (!s || errno || *end || v < 0) {
		fprintf(stderr, "loadgen: bad value for %s: %s\n", opt,
			s ? s : "(missing)");
		exit(2);
	}
	return v;
}

static void split(long total, int k, int i, long *out)
{
	*out = total / k + (i < total % k ? 1 : 0);
}

int main(int argc, char **argv)
{
	long est = 0, cw = 0, tw = 0, nlisten = 0, fdcap = 18000;
	int nworkers = 0, i, status_pipe[2];
	pid_t pids[MAX_WORKERS];
	struct share sh[MAX_WORKERS];
	struct rlimit rl;
	struct sigaction sa;
	long t0, need_fds, per, lfirst = 0, held = 0, somax;
	FILE *st;
	char line[128];
	int ok = 0, failed = 0;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--established"))
			est = parse_num(a, v), i++;
		else if (!strcmp(a, "--close-wait"))
			cw = parse_num(a, v), i++;
		else if (!strcmp(a, "--time-wait"))
			tw = parse_num(a, v), i++;
		else if (!strcmp(a, "--listen"))
			nlisten = parse_num(a, v), i++;
		else if (!strcmp(a, "--workers"))
			nworkers = (int)parse_num(a, v), i++;
		else if (!strcmp(a, "--fds-per-worker"))
			fdcap = parse_num(a, v), i++;
		else if (!strcmp(a, "--batch"))
			batch = (int)parse_num(a, v), i++;
		else if (!strcmp(a, "--port-base"))
			port_base = (int)parse_num(a, v), i++;
		else if (!strcmp(a, "--no-refresh"))
			refresh = 0;
		else if (!strcmp(a, "-q"))
			quiet = 1;
		else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}

	/* A batch of connections sits in the accept queue at once. */
	somax = read_sysctl("/proc/sys/net/core/somaxconn");
	if (somax > 0 && batch > somax)
		batch = (int)somax;
	if (batch < 1)
		batch = 1;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		if (rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
		if (rl.rlim_max != RLIM_INFINITY &&
		    (long)rl.rlim_max - 64 < fdcap)
			fdcap = (long)rl.rlim_max - 64;
	}
	/* room for a batch in flight plus stdio and the like */
	per = fdcap - 2L * batch - 32;
	if (per < 2) {
		fprintf(stderr, "loadgen: fd limit too small\n");
		return 1;
	}
	need_fds = 2 * est + cw + nlisten;
	if (nworkers <= 0) {
		long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

		nworkers = (int)((need_fds + per - 1) / per);
		if (nworkers < ncpu)
			nworkers = (int)ncpu;
		if (nworkers < 1)
			nworkers = 1;
	}
	if (nworkers > MAX_WORKERS) {
		fprintf(stderr, "loadgen: too many workers (%d)\n", nworkers);
		return 1;
	}
	for (i = 0; i < nworkers; i++) {
		split(est, nworkers, i, &sh[i].est);
		split(cw, nworkers, i, &sh[i].cw);
		split(tw, nworkers, i, &sh[i].tw);
		split(nlisten, nworkers, i, &sh[i].listen);
		sh[i].listen_first = lfirst;
		lfirst += sh[i].listen;
		if (2 * sh[i].est + sh[i].cw + sh[i].listen > per) {
			fprintf(stderr,
				"loadgen: worker %d would need %ld fds (> %ld); use more --workers\n",
				i, 2 * sh[i].est + sh[i].cw + sh[i].listen, per);
			return 1;
		}
	}
	if (port_base + nworkers > 65535 || port_base + 1000 > 65535 ||
	    nworkers > 1000) {
		fprintf(stderr, "loadgen: bad --port-base / worker count\n");
		return 1;
	}

	if (!quiet) {
		long lo = -1, hi = -1;
		FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");

		if (f) {
			if (fscanf(f, "%ld %ld", &lo, &hi) != 2)
				lo = hi = -1;
			fclose(f);
		}
		fprintf(stderr,
			"loadgen: %d workers; established %ld pairs, close-wait %ld (+%ld fin-wait-2 orphans), time-wait %ld, listen %ld; expect %ld sockets\n",
			nworkers, est, cw, cw, tw, nlisten,
			2 * est + 2 * cw + tw + nlisten);
		if (read_sysctl("/proc/sys/net/ipv4/tcp_tw_reuse") != 0 && tw)
			fprintf(stderr, "loadgen: warning: net.ipv4.tcp_tw_reuse != 0 may recycle TIME-WAIT sockets\n");
		if (read_sysctl("/proc/sys/net/ipv4/tcp_max_tw_buckets") < tw + cw)
			fprintf(stderr, "loadgen: warning: net.ipv4.tcp_max_tw_buckets < %ld\n", tw + cw);
		if (read_sysctl("/proc/sys/net/ipv4/tcp_fin_timeout") <= 60 && cw)
			fprintf(stderr, "loadgen: note: tcp_fin_timeout <= 60: FIN-WAIT-2 orphans expire after it\n");
		if (lo > 0 && hi - lo + 1 < (est + cw + 2 * tw) / nworkers + 1000)
			fprintf(stderr, "loadgen: warning: ip_local_port_range %ld-%ld looks narrow\n", lo, hi);
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (pipe2(status_pipe, O_CLOEXEC) < 0)
		die("pipe");
	t0 = now_ms();
	for (i = 0; i < nworkers; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			int j;

			perror("loadgen: fork");
			for (j = 0; j < i; j++)
				kill(pids[j], SIGKILL);
			return 1;
		}
		if (pids[i] == 0) {
			close(status_pipe[0]);
			close(STDIN_FILENO);
			open("/dev/null", O_RDONLY);
			worker(i, &sh[i], status_pipe[1]);
			_exit(0);
		}
	}
	close(status_pipe[1]);

	/* Collect one "ok" per worker; EOF before that means a failure. */
	st = fdopen(status_pipe[0], "r");
	while (!stop_flag && ok < nworkers && fgets(line, sizeof(line), st)) {
		int idx;
		long n;

		if (sscanf(line, "ok %d %ld", &idx, &n) == 2) {
			ok++;
			held += n;
		}
	}
	if (ok < nworkers) {
		failed = 1;
		fprintf(stderr, "loadgen: %s (%d of %d workers ready)\n",
			stop_flag ? "interrupted" : "a worker failed", ok,
			nworkers);
	} else {
		if (!quiet)
			fprintf(stderr,
				"loadgen: set-up took %.1f s, %ld fds held\n",
				(now_ms() - t0) / 1000.0, held);
		printf("ready\n");
		fflush(stdout);

		/* Block until stdin EOF or a signal. */
		while (!stop_flag) {
			char buf[256];
			ssize_t r = read(STDIN_FILENO, buf, sizeof(buf));

			if (r == 0)
				break;
			if (r < 0 && errno != EINTR)
				break;
		}
	}

	for (i = 0; i < nworkers; i++)
		kill(pids[i], SIGKILL);
	for (i = 0; i < nworkers; i++)
		while (waitpid(pids[i], NULL, 0) < 0 && errno == EINTR)
			;
	if (!quiet)
		fprintf(stderr, "loadgen: workers stopped\n");
	return failed;
}
