/* demo: the lab's namespaces, TUN devices, relay and scenarios. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tcpladder/demo.h"
#include "tcpladder/util.h"
#include "tcpladder/sysio.h"

#define DEMO_PORT 8080
#define MAX_SOCKS 128
/* How long, in link delays, the timeline waits for a handshake to complete. */
#define HOLD_MAX 60.0
/* How long the timeline waits for B's socket to be closed by its kernel:
 * B's FIN backoff outlasting A's TIME-WAIT takes minutes.  Then checked
 * every link delay. */
#define GONE_MAX_NS (600ULL * 1000000000ULL)

enum act {
	CONNECT,
	ACCEPT,
	A_SEND,
	B_SEND,
	A_CLOSE,
	B_CLOSE,
	A_RST,
	A_SHUT,    /* shutdown(SHUT_WR): A's FIN, and A still receives */
	STALE_SYN, /* the link delivers its copy of A's first SYN */
	B_SHUT,    /* shutdown(SHUT_WR): B's FIN, and B keeps its socket */
	B_GONE,    /* wait until B's socket is closed by the kernel (an RST) */
	CONNECT_MANY,
	CLOSE_MANY,
	END
};

struct step {
	double at; /* in link delays from the start of the run */
	int act;
};

/* Each scenario's timeline.  With a link delay D, a segment takes D to
 * cross, so every state lasts a few D: long enough to be seen. */
static const struct step timelines[TL_SCENARIO_N][12] = {
    {{0, CONNECT}, {4, ACCEPT}, {5, A_SEND}, {8, B_SEND}, {11, A_CLOSE}, {17, B_CLOSE}, {26, END}},
    {{0, CONNECT}, {4, ACCEPT}, {5, A_SEND}, {8, B_SEND}, {11, B_CLOSE}, {17, A_CLOSE}, {26, END}},
    {{0, CONNECT}, {4, ACCEPT}, {5, A_SEND}, {8, B_SEND}, {11, A_RST}, {17, B_CLOSE}, {22, END}},
    {{0, CONNECT}, {4, ACCEPT}, {5, A_SEND}, {8, B_SEND}, {11, A_CLOSE}, {17, B_CLOSE}, {40, END}},
    {{0, CONNECT}, {4, ACCEPT}, {5, A_CLOSE}, {8, END}},
    {{0, CONNECT_MANY}, {5, ACCEPT}, {6, CLOSE_MANY}, {9, B_CLOSE}, {16, END}},
    /* half-close: B sends on while A sits in FIN-WAIT-2 */
    {{0, CONNECT},
     {4, ACCEPT},
     {5, A_SEND},
     {8, A_SHUT},
     {12, B_SEND},
     {14, B_SEND},
     {16, B_SEND},
     {19, B_CLOSE},
     {23, A_CLOSE},
     {30, END}},
    /* dup-syn: the full life, then the old SYN arrives while A's
     * TIME-WAIT still remembers the connection */
    {{0, CONNECT},
     {4, ACCEPT},
     {5, A_SEND},
     {8, B_SEND},
     {11, A_CLOSE},
     {14, B_CLOSE},
     {19, STALE_SYN},
     {32, END}},
    /* late-fin: B keeps its socket (an orphan would give up after 8
     * retransmissions) until an RST closes it */
    {{0, CONNECT},
     {4, ACCEPT},
     {5, A_SEND},
     {8, B_SEND},
     {11, A_CLOSE},
     {14, B_SHUT},
     {15, B_GONE},
     {18, B_CLOSE},
     {24, END}},
};

struct tl_demo {
	int scenario, next_scenario;
	bool loopback;
	uint64_t delay;
	int orig_ns;
	int ns[2];
	char path[2][32];
	int tun[2];
	struct tl_relay relay;
	int listener;
	struct sockaddr_storage server_addr;
	socklen_t server_len;
	int client, server; /* the run's main connection */
	int many[MAX_SOCKS];
	size_t n_many;
	int kept[MAX_SOCKS]; /* the leak's server ends, never closed */
	size_t n_kept;
	uint16_t client_port;
	uint64_t run_start;
	int next_step; /* index in the timeline; -1 between runs */
	uint64_t pause_until;
	bool holding; /* the timeline waits for a handshake (ACCEPT found nothing) */
	bool waiting; /* the timeline waits for B's socket to close (B_GONE) */
	uint64_t wait_start, wait_check;
	uint64_t last_now; /* the last step's time: the schedule stands still while held */
	struct tl_demo_seg *segs;
	size_t n_segs, cap_segs;
	uint8_t buf[TL_RELAY_MTU];
};

static int if_config(const char *name, const char *addr)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	if (addr) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
		sin->sin_family = AF_INET;
		inet_pton(AF_INET, addr, &sin->sin_addr);
		if (ioctl(fd, SIOCSIFADDR, &ifr) < 0)
			goto fail;
		inet_pton(AF_INET, "255.255.255.0", &sin->sin_addr);
		if (ioctl(fd, SIOCSIFNETMASK, &ifr) < 0)
			goto fail;
	}
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		goto fail;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		goto fail;
	close(fd);
	return 0;
fail:;
	int e = -errno;
	close(fd);
	return e;
}

/* In namespace i: a socket (setns there and back). */
static int socket_in(struct tl_demo *d, int i)
{
	if (d->loopback)
		return socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (setns(d->ns[i], CLONE_NEWNET) < 0)
		return -1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int e = errno;
	if (setns(d->orig_ns, CLONE_NEWNET) < 0)
		abort(); /* stranded in the lab's namespace: nothing sane to do */
	errno = e;
	return fd;
}

static int make_listener(struct tl_demo *d, char **cause)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	int one = 1;
	d->listener = socket_in(d, 1);
	if (d->listener < 0)
		goto fail;
	setsockopt(d->listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	a.sin_port = htons(d->loopback ? 0 : DEMO_PORT);
	inet_pton(AF_INET, d->loopback ? "127.0.0.1" : "10.77.0.2", &a.sin_addr);
	if (bind(d->listener, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(d->listener, 64) < 0)
		goto fail;
	d->server_len = sizeof(d->server_addr);
	getsockname(d->listener, (struct sockaddr *)&d->server_addr, &d->server_len);
	return 0;
fail:
	*cause = tl_asprintf("demo: cannot listen: %s", strerror(errno));
	return -errno;
}

/* The two namespaces, each with lo and a TUN device on 10.77.0.0/24. */
static int make_lab(struct tl_demo *d, char **cause)
{
	static const char *const addr[2] = {"10.77.0.1", "10.77.0.2"};
	for (int i = 0; i < 2; i++) {
		if (unshare(CLONE_NEWNET) < 0) {
			int e = errno;
			if (i == 1)
				setns(d->orig_ns, CLONE_NEWNET);
			*cause =
			    tl_asprintf("demo: cannot create a network namespace: %s", strerror(e));
			return -e;
		}
		d->ns[i] = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		snprintf(d->path[i], sizeof(d->path[i]), "/proc/self/fd/%d", d->ns[i]);
		int err = if_config("lo", NULL);
		struct ifreq ifr;
		memset(&ifr, 0, sizeof(ifr));
		ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
		snprintf(ifr.ifr_name, IFNAMSIZ, "tl0");
		d->tun[i] = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (!err && (d->tun[i] < 0 || ioctl(d->tun[i], TUNSETIFF, &ifr) < 0))
			err = -errno;
		if (!err)
			err = if_config("tl0", addr[i]);
		if (setns(d->orig_ns, CLONE_NEWNET) < 0)
			abort();
		if (err) {
			*cause =
			    tl_asprintf("demo: cannot set up the TUN device: %s", strerror(-err));
			return err;
		}
	}
	return 0;
}

struct tl_demo *tl_demo_new(int scenario, uint64_t link_delay_ns, bool allow_loopback, char **cause)
{
	struct tl_demo *d = tl_calloc(1, sizeof(*d));
	d->scenario = d->next_scenario = scenario;
	d->delay = link_delay_ns;
	d->ns[0] = d->ns[1] = d->tun[0] = d->tun[1] = d->listener = -1;
	d->client = d->server = -1;
	d->next_step = -1;
	tl_relay_init(&d->relay, link_delay_ns, 4096);
	d->orig_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (make_lab(d, cause) < 0) {
		if (!allow_loopback) {
			tl_demo_free(d);
			return NULL;
		}
		/* Without the privilege: loopback in our own namespace. */
		free(*cause);
		*cause = NULL;
		for (int i = 0; i < 2; i++) {
			if (d->ns[i] >= 0)
				close(d->ns[i]);
			if (d->tun[i] >= 0)
				close(d->tun[i]);
			d->ns[i] = d->tun[i] = -1;
		}
		d->loopback = true;
	}
	if (make_listener(d, cause) < 0) {
		tl_demo_free(d);
		return NULL;
	}
	return d;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void tl_demo_free(struct tl_demo *d)
{
	if (!d)
		return;
	close_fd(&d->client);
	close_fd(&d->server);
	close_fd(&d->listener);
	for (size_t i = 0; i < d->n_many; i++)
		close(d->many[i]);
	for (size_t i = 0; i < d->n_kept; i++)
		close(d->kept[i]);
	for (int i = 0; i < 2; i++) {
		close_fd(&d->tun[i]);
		close_fd(&d->ns[i]);
	}
	close_fd(&d->orig_ns);
	tl_relay_fini(&d->relay);
	free(d->segs);
	free(d);
}

bool tl_demo_loopback(const struct tl_demo *d)
{
	return d->loopback;
}

size_t tl_demo_netns(const struct tl_demo *d, struct tl_ns_arg out[2])
{
	if (d->loopback) {
		out[0] = (struct tl_ns_arg){NULL, (char *)"self (loopback)"};
		return 1;
	}
	out[0] = (struct tl_ns_arg){(char *)d->path[0], (char *)"A (client)"};
	out[1] = (struct tl_ns_arg){(char *)d->path[1], (char *)"B (server)"};
	return 2;
}

size_t tl_demo_pollfds(const struct tl_demo *d, struct pollfd *pfd, size_t max)
{
	size_t n = 0;
	for (int i = 0; i < 2 && n < max; i++)
		if (d->tun[i] >= 0)
			pfd[n++] = (struct pollfd){d->tun[i], POLLIN, 0};
	if (d->holding && n < max) /* readable once a connection can be accepted */
		pfd[n++] = (struct pollfd){d->listener, POLLIN, 0};
	return n;
}

static const struct step *cur_step(const struct tl_demo *d)
{
	if (d->next_step < 0)
		return NULL;
	return &timelines[d->scenario][d->next_step];
}

uint64_t tl_demo_deadline(const struct tl_demo *d)
{
	uint64_t t = tl_relay_next_due(&d->relay);
	if (tl_relay_held(&d->relay))
		return t; /* the schedule waits for the held segments */
	const struct step *s = cur_step(d);
	double at = s ? s->at + (d->holding ? HOLD_MAX : 0.0) : 0.0;
	uint64_t next = s ? d->run_start + (uint64_t)(at * (double)d->delay) : d->pause_until;
	if (d->waiting)
		next = d->wait_check;
	return TL_MIN(t, next);
}

static struct tl_demo_seg *seg(struct tl_demo *d, int from, bool dropped, const struct tl_pkt *pkt,
			       uint64_t now, double wall)
{
	if (d->n_segs == d->cap_segs) {
		d->cap_segs = d->cap_segs ? d->cap_segs * 2 : 64;
		d->segs = tl_reallocarray(d->segs, d->cap_segs, sizeof(*d->segs));
	}
	d->segs[d->n_segs] = (struct tl_demo_seg){
	    .mono_ns = now, .wall = wall, .from = from, .dropped = dropped, .pkt = *pkt};
	return &d->segs[d->n_segs++];
}

const struct tl_demo_seg *tl_demo_segments(struct tl_demo *d, size_t *n)
{
	*n = d->n_segs;
	d->n_segs = 0;
	return d->segs;
}

static void drain(int fd)
{
	char b[4096];
	while (fd >= 0 && recv(fd, b, sizeof(b), MSG_DONTWAIT) > 0)
		;
}

static int connect_one(struct tl_demo *d)
{
	int fd = socket_in(d, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&d->server_addr, d->server_len) < 0 &&
	    errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Accept every connection the listener has ready; returns how many. */
static int accept_all(struct tl_demo *d)
{
	int n = 0;

	for (;;) {
		int fd = accept4(d->listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			break;
		n++;
		if (tl_scenario_keeps_sockets(d->scenario) &&
		    d->n_kept < MAX_SOCKS) /* the leak keeps them */
			d->kept[d->n_kept++] = fd;
		else if (d->server < 0)
			d->server = fd;
		else if (d->n_many < MAX_SOCKS)
			d->many[d->n_many++] = fd;
		else
			close(fd);
	}
	return n;
}

/* B's socket is closed (its kernel took an RST, or gave up), or was never. */
static bool b_closed(const struct tl_demo *d)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	if (d->server < 0 || getsockopt(d->server, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
		return true;
	return ti.tcpi_state == TCP_CLOSE;
}

static void do_step(struct tl_demo *d, int act, uint64_t now, double wall)
{
	struct sockaddr_in me;
	socklen_t len = sizeof(me);
	struct linger lg = {1, 0};

	switch (act) {
	case CONNECT:
		d->client = connect_one(d);
		if (d->client >= 0 && getsockname(d->client, (struct sockaddr *)&me, &len) == 0)
			d->client_port = ntohs(me.sin_port);
		break;
	case CONNECT_MANY:
		for (int i = 0; i < 20 && d->n_many < MAX_SOCKS; i++) {
			int fd = connect_one(d);
			if (fd >= 0)
				d->many[d->n_many++] = fd;
		}
		d->client_port = 0;
		break;
	case ACCEPT:
		accept_all(d);
		break;
	case A_SEND:
		if (d->client >= 0 && send(d->client, "hello\n", 6, MSG_NOSIGNAL) < 0)
			break;
		break;
	case B_SEND:
		accept_all(d); /* a handshake slower than the timeline (a loaded machine) */
		drain(d->server);
		if (d->server >= 0 && send(d->server, "hi there\n", 9, MSG_NOSIGNAL) < 0)
			break;
		break;
	case A_CLOSE:
		drain(d->client); /* unread data would turn the close into an RST */
		close_fd(&d->client);
		break;
	case B_CLOSE:
		accept_all(d);
		drain(d->server);
		close_fd(&d->server);
		for (size_t i = 0; i < d->n_many; i++)
			close(d->many[i]);
		d->n_many = 0;
		break;
	case STALE_SYN: {
		uint64_t age;
		struct tl_pkt pkt;
		const struct tl_relay *r = &d->relay;
		if (tl_pkt_parse(r->kept_data, r->kept_len, &pkt) == 0 && r->kept &&
		    tl_relay_send_kept(&d->relay, now, &age) == 0)
			seg(d, 0, false, &pkt, now, wall)->stale_ns = age;
		break;
	}
	case B_SHUT:
		accept_all(d);
		drain(d->server);
		if (d->server >= 0)
			shutdown(d->server, SHUT_WR);
		break;
	case A_SHUT:
		if (d->client >= 0)
			shutdown(d->client, SHUT_WR);
		break;
	case A_RST:
		if (d->client >= 0)
			setsockopt(d->client, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close_fd(&d->client);
		break;
	case CLOSE_MANY:
		for (size_t i = 0; i < d->n_many; i++) {
			drain(d->many[i]);
			close(d->many[i]); /* the clients: each leaves a TIME-WAIT */
		}
		d->n_many = 0;
		break;
	}
}

/* The schedule stood still since the last step while a segment was held
 * mid-link (step mode): its times move on by as much. */
static void hold_schedule(struct tl_demo *d, uint64_t now)
{
	if (d->last_now && now > d->last_now && tl_relay_held(&d->relay)) {
		uint64_t dt = now - d->last_now;
		d->run_start += dt;
		d->wait_start += dt;
		d->wait_check += dt;
		if (d->next_step < 0 && d->pause_until)
			d->pause_until += dt;
	}
	d->last_now = now;
}

void tl_demo_step(struct tl_demo *d, uint64_t now, double wall)
{
	hold_schedule(d, now);
	/* Carry the packets: read what each side sent, deliver what is due. */
	for (int i = 0; i < 2; i++) {
		if (d->tun[i] < 0)
			continue;
		for (;;) {
			ssize_t n = TL_EINTR(read(d->tun[i], d->buf, sizeof(d->buf)));
			if (n <= 0)
				break;
			struct tl_pkt pkt;
			tl_pkt_parse(d->buf, (size_t)n, &pkt);
			bool resent = pkt.tcp && tl_relay_on_link(&d->relay, i, &pkt);
			bool answer = resent && tl_relay_answers(&d->relay, i, &pkt);
			bool queued = tl_relay_push(&d->relay, i, d->buf, (size_t)n, now, &pkt);
			if (pkt.tcp) {
				struct tl_demo_seg *sg = seg(d, i, !queued, &pkt, now, wall);
				sg->kept = tl_relay_just_kept(&d->relay);
				sg->held = queued && d->relay.step;
				sg->resent = resent;
				sg->answer = answer;
			}
		}
	}
	const struct tl_relay_entry *e;
	while ((e = tl_relay_pop(&d->relay, now)))
		if (TL_EINTR(write(d->tun[e->to], e->data, e->len)) < 0 && errno != EAGAIN)
			break;

	/* The scenario. */
	if (d->next_step < 0) {
		/* The first run waits a second: the watchers' first dump is
		 * their baseline, and the run must come after it. */
		if (!d->pause_until)
			d->pause_until = now + 1000000000ULL;
		if (now < d->pause_until)
			return;
		/* a new run */
		if (d->next_scenario != d->scenario) {
			for (size_t i = 0; i < d->n_kept; i++)
				close(d->kept[i]);
			d->n_kept = 0;
		}
		d->scenario = d->next_scenario;
		tl_relay_set_rule(&d->relay, tl_scenario_link_rule(d->scenario));
		d->run_start = now;
		d->next_step = 0;
		d->client_port = 0;
	}
	const struct step *s;
	while ((s = cur_step(d)) && now >= d->run_start + (uint64_t)(s->at * (double)d->delay)) {
		if (s->act == END) {
			d->next_step = -1;
			/* a short pause between runs, for the caption */
			d->pause_until = now + 2000000000ULL;
			close_fd(&d->client);
			close_fd(&d->server);
			break;
		}
		if (s->act == B_GONE && !b_closed(d) &&
		    (!d->waiting || now < d->wait_start + GONE_MAX_NS)) {
			if (!d->waiting)
				d->wait_start = now;
			d->waiting = true;
			d->wait_check = now + d->delay;
			break;
		}
		if (s->act == B_GONE) {
			d->waiting = false;
			uint64_t due = d->run_start + (uint64_t)(s->at * (double)d->delay);
			if (now > due) /* after the wait, the rest keeps its pace */
				d->run_start += now - due;
			d->next_step++;
			continue;
		}
		if (s->act == ACCEPT && !accept_all(d) && (d->client >= 0 || d->n_many) &&
		    now < d->run_start + (uint64_t)((s->at + HOLD_MAX) * (double)d->delay)) {
			/* The handshake has not completed yet (a loaded machine, a
			 * lost segment): the timeline waits for it, so every later
			 * step keeps its distance from the accept. */
			d->holding = true;
			break;
		}
		d->holding = false;
		if (s->act == ACCEPT) {
			uint64_t due = d->run_start + (uint64_t)(s->at * (double)d->delay);
			if (now > due) /* after a wait, the rest keeps its pace */
				d->run_start += now - due;
		} else {
			do_step(d, s->act, now, wall);
		}
		d->next_step++;
	}
}

void tl_demo_set_step(struct tl_demo *d, bool on, uint64_t now, double wall)
{
	if (!on)
		while (tl_demo_release(d, now, wall) == 0)
			;
	tl_relay_set_step(&d->relay, on, now);
}

bool tl_demo_stepping(const struct tl_demo *d)
{
	return d->relay.step;
}

int tl_demo_release(struct tl_demo *d, uint64_t now, double wall)
{
	struct tl_pkt pkt;
	int from;
	int err = tl_relay_release(&d->relay, now, &from, &pkt);
	if (err == 0 && pkt.tcp)
		seg(d, from, false, &pkt, now, wall)->released = true;
	return err;
}

size_t tl_demo_held(const struct tl_demo *d)
{
	return tl_relay_held(&d->relay);
}

const char *tl_demo_caption(const struct tl_demo *d, const char *lang)
{
	return tl_scenario_caption(d->scenario, lang);
}

uint16_t tl_demo_client_port(const struct tl_demo *d)
{
	return d->client_port;
}

void tl_demo_set_scenario(struct tl_demo *d, int scenario)
{
	if (tl_scenario_name(scenario))
		d->next_scenario = scenario;
}

int tl_demo_scenario(const struct tl_demo *d)
{
	return d->scenario;
}

uint16_t tl_demo_server_port(const struct tl_demo *d)
{
	return ntohs(((const struct sockaddr_in *)&d->server_addr)->sin_port);
}
