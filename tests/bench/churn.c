/*
 * churn - open and close short TCP connections on loopback at a target rate.
 *
 * Part of the tcpladder by-hand churn benchmark (tests/bench/churn.sh).  Not
 * built or run by "make check".  libc + pthreads only:
 *
 *     gcc -O2 -Wall -pthread -o churn churn.c
 *
 * Run it INSIDE A PRIVATE NETWORK NAMESPACE (churn.sh does this): it makes
 * up to hundreds of thousands of loopback connections, and leaves every
 * client end in TIME-WAIT for 60 s.
 *
 *     churn --rate R [--duration S] [--ports FILE] [--listeners K]
 *           [--clients W] [--port-base P]
 *
 *   --rate R        connections per second to aim for (open loop: the i-th
 *                   connection is due at t0 + i/R, whether or not the
 *                   previous ones were on time)
 *   --duration S    seconds to run (default 10); no connection is started
 *                   after t0 + S, so a rate that cannot be sustained shows
 *                   up as fewer connections and a lower achieved rate
 *   --ports FILE    write one line per completed connection:
 *                       CLIENT_PORT LISTENER_PORT
 *                   both on 127.0.0.1 (the client's local port is unique per
 *                   listener port within a run, since tcp_tw_reuse=0)
 *   --listeners K   listening sockets 127.0.0.1:P .. P+K-1, used in turn;
 *                   default enough that no listener needs more than 25000
 *                   of the ephemeral ports (a 4-tuple stays in TIME-WAIT for
 *                   60 s, so one destination allows ~55k connections/min)
 *   --clients W     client threads sharing the schedule (default 1)
 *   --port-base P   default 5000 (keep it below ip_local_port_range)
 *
 * Each connection: socket(), connect() (blocking; on loopback the
 * handshake completes inside it), send a few bytes, close().  The client
 * closes first, so the client end goes FIN-WAIT-1, FIN-WAIT-2, TIME-WAIT;
 * a server thread (epoll) accepts, reads to EOF and closes, so the server
 * end goes CLOSE-WAIT, LAST-ACK, CLOSED.
 *
 * Set in the namespace: net.ipv4.ip_local_port_range wide (e.g. 10000
 * 65535), net.ipv4.tcp_max_tw_buckets high, net.ipv4.tcp_tw_reuse=0,
 * net.core.somaxconn high.
 *
 * Prints one summary line of key=value pairs on stdout:
 *   target_rate scheduled done failed elapsed_s achieved_rate
 *   max_lag_ms listeners clients accepted server_closed
 * and a warning on stderr if the achieved rate is below 95% of the target
 * or connections failed.  Exit status 0 if it ran (whatever the rate), 1 on
 * a setup error; SIGINT/SIGTERM/SIGHUP stop it early: the summary is still
 * printed (over the time actually run), then it dies of the signal.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_LISTENERS 64
#define MAX_CLIENTS 16
#define PORTS_PER_LISTENER 25000.0
#define DRAIN_TIMEOUT_NS (5 * 1000000000LL)

static double rate;
static double duration = 10;
static const char *ports_path;
static int n_listeners;
static int n_clients = 1;
static int port_base = 5000;

static int lfd[MAX_LISTENERS];
static long long t0_ns;
static long long n_sched; /* connections scheduled within the duration */
static volatile sig_atomic_t stop_flag;
static volatile int clients_done;

struct client {
	pthread_t th;
	int idx;
	long long done, failed;
	long long max_lag_ns;
	long long last_end_ns;
	unsigned short *lport, *dport; /* per completed connection */
	long long cap;
	int first_errno;
};
static struct client cli[MAX_CLIENTS];

/* server counters (server thread only, read after join) */
static long long accepted, srv_closed, accept_errs;

static void die(const char *fmt, ...)
{
	va_list ap;
	int e = errno;

	fprintf(stderr, "churn: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (e)
		fprintf(stderr, ": %s", strerror(e));
	fputc('\n', stderr);
	exit(1);
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_until(long long t)
{
	struct timespec ts = {t / 1000000000LL, t % 1000000000LL};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		if (stop_flag)
			return;
}

static void on_signal(int sig)
{
	stop_flag = sig;
}

static void mkaddr(struct sockaddr_in *sa, int port)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((unsigned short)port);
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

static void *client_main(void *arg)
{
	struct client *c = arg;
	static const char msg[] = "churn\n";
	long long i, t, due, t_deadline = t0_ns + (long long)(duration * 1e9);
	struct sockaddr_in sa, me;
	socklen_t len;
	int fd;

	c->cap = n_sched / n_clients + 1;
	c->lport = malloc(c->cap * sizeof(*c->lport));
	c->dport = malloc(c->cap * sizeof(*c->dport));
	if (!c->lport || !c->dport)
		die("out of memory");
	/* Connection i (global) is due at t0 + i/rate; thread w takes
	 * i = w, w + W, w + 2W, ... */
	for (i = c->idx; i < n_sched && !stop_flag; i += n_clients) {
		due = t0_ns + (long long)(i * 1e9 / rate);
		t = now_ns();
		if (t >= t_deadline)
			break; /* behind schedule: do not run over the duration */
		if (t < due)
			sleep_until(due);
		else if (t - due > c->max_lag_ns)
			c->max_lag_ns = t - due;
		if (stop_flag)
			break;
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			if (!c->first_errno)
				c->first_errno = errno;
			c->failed++;
			continue;
		}
		mkaddr(&sa, port_base + (int)(i % n_listeners));
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			if (!c->first_errno)
				c->first_errno = errno;
			c->failed++;
			close(fd);
			continue;
		}
		len = sizeof(me);
		if (getsockname(fd, (struct sockaddr *)&me, &len) < 0)
			me.sin_port = 0;
		/* a few bytes; the send buffer is empty, so this never blocks */
		if (send(fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL) < 0 && !c->first_errno)
			c->first_errno = errno;
		close(fd); /* client closes first: its end keeps TIME-WAIT */
		if (c->done < c->cap) {
			c->lport[c->done] = ntohs(me.sin_port);
			c->dport[c->done] = ntohs(sa.sin_port);
		}
		c->done++;
		c->last_end_ns = now_ns();
	}
	return NULL;
}

/* Read what is there; close on EOF or error.  Returns 1 if fd was closed. */
static int drain(int fd)
{
	char buf[256];
	ssize_t r;

	for (;;) {
		r = read(fd, buf, sizeof(buf));
		if (r > 0)
			continue;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return 0;
		close(fd); /* EOF (or reset): the server end now closes */
		srv_closed++;
		return 1;
	}
}

static void *server_main(void *arg)
{
	struct epoll_event ev, evs[256];
	long long expect, drain_deadline = 0;
	int ep, n, i, fd;

	(void)arg;
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		die("epoll_create1");
	for (i = 0; i < n_listeners; i++) {
		ev.events = EPOLLIN;
		ev.data.u64 = (1ULL << 32) | (unsigned)lfd[i];
		if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd[i], &ev) < 0)
			die("epoll_ctl(listener)");
	}
	for (;;) {
		n = epoll_wait(ep, evs, 256, 50);
		if (n < 0 && errno != EINTR)
			die("epoll_wait");
		for (i = 0; i < n; i++) {
			if (evs[i].data.u64 >> 32) {
				int l = (int)(evs[i].data.u64 & 0xffffffffu);
				for (;;) {
					fd = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
					if (fd < 0) {
						if (errno != EAGAIN && errno != EINTR)
							accept_errs++;
						if (errno == EINTR)
							continue;
						break;
					}
					accepted++;
					/* data and FIN are usually queued already */
					if (drain(fd))
						continue;
					ev.events = EPOLLIN | EPOLLRDHUP;
					ev.data.u64 = (unsigned)fd;
					if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
						die("epoll_ctl(conn)");
				}
			} else {
				drain((int)evs[i].data.u64); /* close() removes it */
			}
		}
		if (clients_done) {
			long long done = 0;
			for (i = 0; i < n_clients; i++)
				done += cli[i].done;
			expect = done;
			if (!drain_deadline)
				drain_deadline = now_ns() + DRAIN_TIMEOUT_NS;
			if (srv_closed >= expect || now_ns() > drain_deadline)
				break;
		}
	}
	close(ep);
	return NULL;
}

static double parse_num(const char *s, const char *what)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 0))
		die("bad %s '%s'", what, s);
	errno = 0;
	return v;
}

static void usage(void)
{
	fprintf(stderr, "usage: churn --rate R [--duration S] [--ports FILE] "
			"[--listeners K] [--clients W] [--port-base P]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct sigaction sa_sig;
	struct sockaddr_in sa;
	struct rlimit rl;
	pthread_t srv;
	long long done = 0, failed = 0, max_lag = 0, t_end = 0, t_stop;
	double elapsed, achieved;
	int i, one = 1, first_errno = 0;
	FILE *f;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (i + 1 >= argc)
			usage();
		if (!strcmp(a, "--rate"))
			rate = parse_num(argv[++i], "rate");
		else if (!strcmp(a, "--duration"))
			duration = parse_num(argv[++i], "duration");
		else if (!strcmp(a, "--ports"))
			ports_path = argv[++i];
		else if (!strcmp(a, "--listeners"))
			n_listeners = (int)parse_num(argv[++i], "listeners");
		else if (!strcmp(a, "--clients"))
			n_clients = (int)parse_num(argv[++i], "clients");
		else if (!strcmp(a, "--port-base"))
			port_base = (int)parse_num(argv[++i], "port base");
		else
			usage();
	}
	if (!(rate > 0))
		usage();
	n_sched = (long long)(rate * duration + 0.5);
	if (n_sched < 1)
		n_sched = 1;
	if (!n_listeners) {
		n_listeners = (int)(n_sched / PORTS_PER_LISTENER) + 1;
		if (n_listeners > MAX_LISTENERS)
			n_listeners = MAX_LISTENERS;
	}
	if (n_listeners < 1 || n_listeners > MAX_LISTENERS)
		die("--listeners must be 1..%d", MAX_LISTENERS);
	if (n_clients < 1 || n_clients > MAX_CLIENTS)
		die("--clients must be 1..%d", MAX_CLIENTS);
	if (port_base < 1 || port_base + n_listeners > 65536)
		die("bad --port-base");

	/* fds: listeners + connections the server has not closed yet */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}

	for (i = 0; i < n_listeners; i++) {
		lfd[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (lfd[i] < 0)
			die("socket(listener)");
		if (setsockopt(lfd[i], SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
			die("SO_REUSEADDR");
		mkaddr(&sa, port_base + i);
		if (bind(lfd[i], (struct sockaddr *)&sa, sizeof(sa)) < 0)
			die("bind 127.0.0.1:%d", port_base + i);
		if (listen(lfd[i], 65535) < 0) /* capped by net.core.somaxconn */
			die("listen");
	}

	memset(&sa_sig, 0, sizeof(sa_sig));
	sa_sig.sa_handler = on_signal; /* no SA_RESTART: wake the sleepers */
	sigaction(SIGINT, &sa_sig, NULL);
	sigaction(SIGTERM, &sa_sig, NULL);
	sigaction(SIGHUP, &sa_sig, NULL);

	if (pthread_create(&srv, NULL, server_main, NULL))
		die("pthread_create(server)");
	t0_ns = now_ns() + 20000000LL; /* let the threads get going */
	for (i = 0; i < n_clients; i++) {
		cli[i].idx = i;
		if (pthread_create(&cli[i].th, NULL, client_main, &cli[i]))
			die("pthread_create(client)");
	}
	for (i = 0; i < n_clients; i++)
		pthread_join(cli[i].th, NULL);
	t_stop = now_ns();
	__atomic_store_n(&clients_done, 1, __ATOMIC_SEQ_CST);
	pthread_join(srv, NULL);
	for (i = 0; i < n_listeners; i++)
		close(lfd[i]);

	for (i = 0; i < n_clients; i++) {
		done += cli[i].done;
		failed += cli[i].failed;
		if (cli[i].max_lag_ns > max_lag)
			max_lag = cli[i].max_lag_ns;
		if (cli[i].last_end_ns > t_end)
			t_end = cli[i].last_end_ns;
		if (!first_errno)
			first_errno = cli[i].first_errno;
	}
	if (!t_end)
		t_end = t_stop;
	/* The schedule spans [t0, t0 + (n_sched - 1)/rate]; on time, the
	 * last connection ends ~1/rate before t0 + duration.  Measure over
	 * at least the nominal duration so that an on-time run reports the
	 * target rate, and a late one reports less. */
	elapsed = (t_end - t0_ns) / 1e9;
	if (elapsed < n_sched / rate && !stop_flag)
		elapsed = n_sched / rate;
	if (elapsed <= 0)
		elapsed = 1e-9;
	achieved = done / elapsed;

	if (ports_path) {
		f = fopen(ports_path, "w");
		if (!f)
			die("%s", ports_path);
		for (i = 0; i < n_clients; i++)
			for (long long k = 0; k < cli[i].done && k < cli[i].cap; k++)
				fprintf(f, "%u %u\n", cli[i].lport[k], cli[i].dport[k]);
		if (fclose(f))
			die("%s", ports_path);
	}

	printf("target_rate=%g scheduled=%lld done=%lld failed=%lld elapsed_s=%.3f "
	       "achieved_rate=%.1f max_lag_ms=%.1f listeners=%d clients=%d "
	       "accepted=%lld server_closed=%lld\n",
	       rate, n_sched, done, failed, elapsed, achieved, max_lag / 1e6, n_listeners,
	       n_clients, accepted, srv_closed);
	fflush(stdout);
	if (stop_flag)
		fprintf(stderr, "churn: interrupted after %lld of %lld connections\n", done,
			n_sched);
	else if (achieved < 0.95 * rate)
		fprintf(stderr,
			"churn: warning: could not sustain the target rate: achieved %.1f/s of "
			"%g/s (%lld of %lld connections, fell up to %.1f ms behind schedule)\n",
			achieved, rate, done, n_sched, max_lag / 1e6);
	if (failed)
		fprintf(stderr, "churn: warning: %lld connections failed (first error: %s)\n",
			failed, strerror(first_errno));
	if (accept_errs || srv_closed < done)
		fprintf(stderr,
			"churn: warning: server accepted %lld and closed %lld of %lld "
			"(accept errors: %lld)\n",
			accepted, srv_closed, done, accept_errs);
	if (stop_flag) {
		/* die of the signal, so that a calling shell sees it */
		signal((int)stop_flag, SIG_DFL);
		raise((int)stop_flag);
	}
	return 0;
}
