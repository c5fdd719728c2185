/* bcdump: a test helper that asks the real kernel to run a filter.
 *
 * Usage: bcdump [-u] EXPR
 *
 * Compiles EXPR with tl_filter_parse(), tl_filter_states() and
 * tl_filter_bytecode(), dumps TCP over IPv4 and IPv6 through sock_diag
 * with the states mask and INET_DIAG_REQ_BYTECODE attached, and prints
 * one line per socket the kernel returned, "STATE local remote", sorted,
 * addresses written as ss writes them.  With -u it dumps every socket
 * and filters with tl_filter_match() instead, so both back ends can be
 * compared with ss.  Exit status: 0, 1 on a netlink error, 2 on a bad
 * expression or usage, 3 when the filter has no bytecode form. */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tcpladder/diag.h"
#include "tcpladder/filter.h"
#include "tcpladder/snapshot.h"
#include "tcpladder/tcpstate.h"
#include "tcpladder/util.h"

#define RECV_BUFSZ 32768

static void ss_addr(int family, const uint8_t addr[16], uint16_t port, char *out, size_t n)
{
	static const uint8_t zero[16];
	char ip[INET6_ADDRSTRLEN], pt[8];

	if (port)
		snprintf(pt, sizeof(pt), "%u", port);
	else
		strcpy(pt, "*");
	if (family == AF_INET6 && !memcmp(addr, zero, 16)) {
		snprintf(out, n, "*:%s", pt);
		return;
	}
	if (!inet_ntop(family, addr, ip, sizeof(ip)))
		strcpy(ip, "?");
	if (family == AF_INET6)
		snprintf(out, n, "[%s]:%s", ip, pt);
	else
		snprintf(out, n, "%s:%s", ip, pt);
}

static int dump(struct mnl_socket *nl, uint32_t portid, uint32_t seq, int family, uint32_t states,
                const uint8_t *code, size_t len, struct tl_snapshot *snap)
{
	struct inet_diag_req_v2 r;
	size_t reqsz;
	char *req, *buf;
	struct nlmsghdr *nlh;
	struct tl_diag_ctx ctx;
	int rc;

	memset(&r, 0, sizeof(r));
	r.sdiag_family = (uint8_t)family;
	r.sdiag_protocol = IPPROTO_TCP;
	r.idiag_states = states;
	if (tl_diag_request_size(sizeof(r), code ? len : 0, &reqsz) < 0)
		return -EMSGSIZE;
	req = tl_calloc(1, reqsz);
	buf = tl_malloc(RECV_BUFSZ);
	nlh = tl_diag_request_put(req, reqsz, SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP, seq,
				  &r, sizeof(r), code, len);
	if (!nlh) {
		rc = -EMSGSIZE;
		goto out;
	}
	tl_diag_ctx_init(&ctx, TL_DIAG_TCP, snap);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		rc = -errno;
		goto out;
	}
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, RECV_BUFSZ);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			break;
		}
		rc = tl_diag_feed(&ctx, buf, (size_t)n, seq, portid);
		if (rc <= 0)
			break;
	}
out:
	free(req);
	free(buf);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	struct tl_snapshot snap;
	struct tl_filter *f;
	struct mnl_socket *nl;
	uint8_t *code = NULL;
	size_t len = 0, n = 0;
	uint32_t states, portid, seq = (uint32_t)time(NULL);
	char *cause = NULL, **lines;
	int user = 0, opt;

	while ((opt = getopt(argc, argv, "u")) != -1) {
		if (opt != 'u')
			goto usage;
		user = 1;
	}
	if (optind != argc - 1)
		goto usage;
	f = tl_filter_parse(argv[optind], &cause);
	if (!f) {
		fprintf(stderr, "bcdump: %s\n", cause);
		free(cause);
		return 2;
	}
	states = tl_filter_states(f);
	if (user) {
		states = TL_TCPF_ALL;
	} else if (tl_filter_bytecode(f, &code, &len) < 0) {
		fprintf(stderr, "bcdump: '%s' has no bytecode form\n", tl_filter_text(f));
		tl_filter_free(f);
		return 3;
	}

	nl = mnl_socket_open(NETLINK_SOCK_DIAG);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("bcdump: netlink");
		return 1;
	}
	portid = mnl_socket_get_portid(nl);
	tl_snapshot_init(&snap);
	for (int i = 0; i < 2; i++) {
		int rc = dump(nl, portid, ++seq, i ? AF_INET6 : AF_INET, states, code, len, &snap);
		if (rc < 0) {
			fprintf(stderr, "bcdump: sock_diag dump: %s\n", strerror(-rc));
			return 1;
		}
	}
	mnl_socket_close(nl);

	lines = tl_calloc(snap.n + 1, sizeof(*lines));
	for (size_t i = 0; i < snap.n; i++) {
		const struct tl_sock *s = &snap.socks[i];
		char a[80], b[80];

		if (user && !tl_filter_match(f, s))
			continue;
		ss_addr(s->family, s->local, s->lport, a, sizeof(a));
		ss_addr(s->family, s->remote, s->rport, b, sizeof(b));
		lines[n++] = tl_asprintf("%s %s %s", tl_tcp_state_name(s->state), a, b);
	}
	qsort(lines, n, sizeof(*lines), cmp_str);
	for (size_t i = 0; i < n; i++) {
		puts(lines[i]);
		free(lines[i]);
	}
	free(lines);
	free(code);
	tl_snapshot_fini(&snap);
	tl_filter_free(f);
	return 0;
usage:
	fprintf(stderr, "usage: bcdump [-u] EXPR\n");
	return 2;
}
