/* exporter: /metrics over HTTP (libmicrohttpd, polled by the runtime) and
 * the textfile. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tcpladder/exporter.h"
#include "tcpladder/sysio.h"
#include "tcpladder/util.h"

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
/* Bounds that keep bad clients from costing much: connections at once,
 * seconds a connection may idle (a slow client is dropped), and the
 * memory of one connection (a longer request line or header gets 414 or
 * 431 from libmicrohttpd). */
#define MAX_CONNECTIONS 32
#define IDLE_TIMEOUT_S 10
#define CONNECTION_MEMORY (16 * 1024)

struct tl_exporter {
	struct MHD_Daemon *d;
	int epoll_fd;
	uint16_t port;
	struct MHD_Response *current; /* the last sample's text, or NULL */
	struct MHD_Response *not_found, *not_allowed, *no_sample;
	char *textfile;
	char *dir;  /* the textfile's directory */
	char *base; /* its name */
};

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **req)
{
	struct tl_exporter *x = cls;
	(void)version;
	(void)upload;
	(void)upload_size;
	(void)req;
	/* Answered at once, whatever the request carries: a body is never
	 * read (libmicrohttpd closes the connection after such a reply). */
	if (strcmp(url, "/metrics") != 0)
		return MHD_queue_response(conn, MHD_HTTP_NOT_FOUND, x->not_found);
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return MHD_queue_response(conn, MHD_HTTP_METHOD_NOT_ALLOWED, x->not_allowed);
	if (!x->current)
		return MHD_queue_response(conn, MHD_HTTP_SERVICE_UNAVAILABLE, x->no_sample);
	return MHD_queue_response(conn, MHD_HTTP_OK, x->current);
}

static struct MHD_Response *fixed(const char *text)
{
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
	if (r)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
					"text/plain; charset=utf-8");
	return r;
}

/* The listening socket, opened here so that its error is ours to name. */
static int open_listener(const struct tl_listen_addr *a, char **cause)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1, zero = 0;
	bool any = true;

	memset(&ss, 0, sizeof(ss));
	for (int i = 0; i < 16; i++)
		any &= a->addr[i] == 0;
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(a->port);
		memcpy(&sin->sin_addr, a->addr, 4);
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(a->port);
		memcpy(&sin6->sin6_addr, a->addr, 16);
		len = sizeof(*sin6);
	}
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 && ss.ss_family == AF_INET6 && any && errno == EAFNOSUPPORT) {
		/* ":PORT" where IPv6 is off: every IPv4 address */
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		memset(&ss, 0, sizeof(ss));
		sin->sin_family = AF_INET;
		sin->sin_port = htons(a->port);
		len = sizeof(*sin);
		fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	}
	if (fd < 0)
		goto fail;
	/* a restart is not refused for the last run's TIME-WAIT sockets;
	 * another listener on the port still is */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6 && any)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 64) < 0) {
		int err = errno;
		close(fd);
		errno = err;
		goto fail;
	}
	return fd;
fail:;
	int err = errno;
	*cause =
	    tl_asprintf("cannot listen on %s for --metrics-listen: %s", a->text, strerror(err));
	return -err;
}

static void split_path(struct tl_exporter *x, const char *path)
{
	const char *slash = strrchr(path, '/');
	x->textfile = tl_strdup(path);
	if (!slash) {
		x->dir = tl_strdup(".");
		x->base = tl_strdup(path);
	} else {
		size_t n = (size_t)(slash - path);
		x->dir = n ? tl_asprintf("%.*s", (int)n, path) : tl_strdup("/");
		x->base = tl_strdup(slash + 1);
	}
}

/* A temporary file beside the textfile: hidden and not ending in .prom,
 * so the textfile collector never reads it. */
static int temp_file(struct tl_exporter *x, char **tmp)
{
	*tmp = tl_asprintf("%s/.%s.tmp.XXXXXX", x->dir, x->base);
	int fd = mkostemp(*tmp, O_CLOEXEC);
	if (fd < 0) {
		int err = errno;
		free(*tmp);
		*tmp = NULL;
		return -err;
	}
	return fd;
}

static int check_textfile(struct tl_exporter *x, char **cause)
{
	struct stat st;
	char *tmp;

	if (!x->base[0] || (stat(x->textfile, &st) == 0 && S_ISDIR(st.st_mode))) {
		*cause =
		    tl_asprintf("--metrics-textfile %s is a directory, not a file", x->textfile);
		return -EISDIR;
	}
	int fd = temp_file(x, &tmp);
	if (fd < 0) {
		*cause = tl_asprintf("cannot write the metrics textfile in %s: %s", x->dir,
				     strerror(-fd));
		return fd;
	}
	close(fd);
	unlink(tmp);
	free(tmp);
	return 0;
}

struct tl_exporter *tl_exporter_new(const struct tl_listen_addr *listen, const char *textfile,
				    char **cause)
{
	struct tl_exporter *x = tl_calloc(1, sizeof(*x));
	x->epoll_fd = -1;
	if (textfile) {
		split_path(x, textfile);
		if (check_textfile(x, cause) < 0)
			goto fail;
	}
	if (listen && listen->family) {
		int fd = open_listener(listen, cause);
		if (fd < 0)
			goto fail;
		x->port = listen->port;
		x->not_found = fixed("404 not found: the metrics are at /metrics\n");
		x->not_allowed = fixed("405 method not allowed: GET or HEAD\n");
		x->no_sample = fixed("503 no sample taken yet\n");
		if (x->not_allowed)
			MHD_add_response_header(x->not_allowed, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
		/* No thread of its own: polled through its epoll descriptor
		 * (exporter.h says why).  No error log: it would write on
		 * the screen the interactive view owns. */
		x->d = MHD_start_daemon(
		    MHD_USE_EPOLL, listen->port, NULL, NULL, answer, x, MHD_OPTION_LISTEN_SOCKET,
		    fd, MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS,
		    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IDLE_TIMEOUT_S,
		    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY, MHD_OPTION_END);
		const union MHD_DaemonInfo *info =
		    x->d ? MHD_get_daemon_info(x->d, MHD_DAEMON_INFO_EPOLL_FD) : NULL;
		if (!x->d || !info || !x->not_found || !x->not_allowed || !x->no_sample) {
			if (!x->d)
				close(fd);
			*cause = tl_asprintf("cannot start the metrics server on %s", listen->text);
			goto fail;
		}
		x->epoll_fd = info->epoll_fd;
	}
	return x;
fail:
	tl_exporter_free(x);
	return NULL;
}

void tl_exporter_free(struct tl_exporter *x)
{
	if (!x)
		return;
	if (x->d)
		MHD_stop_daemon(x->d);
	if (x->current)
		MHD_destroy_response(x->current);
	if (x->not_found)
		MHD_destroy_response(x->not_found);
	if (x->not_allowed)
		MHD_destroy_response(x->not_allowed);
	if (x->no_sample)
		MHD_destroy_response(x->no_sample);
	free(x->textfile);
	free(x->dir);
	free(x->base);
	free(x);
}

size_t tl_exporter_pollfds(const struct tl_exporter *x, struct pollfd *pfd, size_t max)
{
	if (!x || x->epoll_fd < 0 || !max)
		return 0;
	pfd[0] = (struct pollfd){x->epoll_fd, POLLIN, 0};
	return 1;
}

uint64_t tl_exporter_deadline(const struct tl_exporter *x, uint64_t now)
{
	MHD_UNSIGNED_LONG_LONG ms;
	if (!x || !x->d || MHD_get_timeout(x->d, &ms) != MHD_YES)
		return UINT64_MAX;
	return tl_add_sat(now, (uint64_t)ms * 1000000ULL);
}

void tl_exporter_step(struct tl_exporter *x)
{
	if (x && x->d)
		MHD_run(x->d);
}

uint16_t tl_exporter_port(const struct tl_exporter *x)
{
	return x ? x->port : 0;
}

static int write_textfile(struct tl_exporter *x, const char *text, size_t len, char **cause)
{
	char *tmp;
	int fd = temp_file(x, &tmp), err = 0;
	if (fd < 0) {
		*cause = tl_asprintf("cannot write the metrics textfile in %s: %s", x->dir,
				     strerror(-fd));
		return fd;
	}
	err = -tl_write_all(fd, text, len);
	/* mkstemp made it 0600; the collector may run as another user */
	if (!err && fchmod(fd, 0644) < 0)
		err = errno;
	if (close(fd) < 0 && !err && errno != EINTR) /* closed all the same */
		err = errno;
	if (!err && rename(tmp, x->textfile) < 0)
		err = errno;
	if (err) {
		unlink(tmp);
		*cause = tl_asprintf("cannot write the metrics textfile %s: %s", x->textfile,
				     strerror(err));
	}
	free(tmp);
	return -err;
}

int tl_exporter_publish(struct tl_exporter *x, const char *text, size_t len, char **cause)
{
	if (x->d) {
		struct MHD_Response *r =
		    MHD_create_response_from_buffer(len, (void *)text, MHD_RESPMEM_MUST_COPY);
		if (r) {
			MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_TYPE);
			/* scrapes under way keep their reference to the old one */
			if (x->current)
				MHD_destroy_response(x->current);
			x->current = r;
		}
	}
	if (x->textfile)
		return write_textfile(x, text, len, cause);
	return 0;
}
