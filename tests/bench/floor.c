/*
 * floor - the cheapest reasonable TCP sock_diag dump, used by run.sh as
 * the "floor" that tcpladder is compared against.
 *
 *     gcc -O2 -Wall -o floor floor.c -lmnl
 *     floor [-v]
 *
 * One NETLINK_SOCK_DIAG socket; one SOCK_DIAG_BY_FAMILY dump of TCP for
 * AF_INET, then one for AF_INET6; states mask 0x1ffe (TCP_ESTABLISHED ..
 * TCP_NEW_SYN_RECV; not ~0U, because bit 13 on kernels >= 6.8 also
 * returns bound-but-inactive sockets), idiag_ext = 0 (no extensions), a
 * 32 KiB receive buffer, mnl_cb_run() with the real sequence number and
 * port id.  Messages are counted per state in the same pass.  Prints the
 * total on stdout; -v adds a per-state breakdown on stderr.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>

#define STATES_MASK 0x1ffeU
#define RCVBUF_SIZE 32768
_Static_assert(RCVBUF_SIZE >= MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct inet_diag_req_v2)),
	       "the request fits the buffer it is built in");

static unsigned long counts[16];

static const char *const state_name[16] = {
	"?",          "ESTAB",     "SYN-SENT",  "SYN-RECV",
	"FIN-WAIT-1", "FIN-WAIT-2", "TIME-WAIT", "UNCONN",
	"CLOSE-WAIT", "LAST-ACK",  "LISTEN",    "CLOSING",
	"NEW-SYN-RECV", "BOUND-INACTIVE", "?", "?",
};

static int msg_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct inet_diag_msg *m = mnl_nlmsg_get_payload(nlh);

	(void)data;
	if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*m))
		return MNL_CB_OK;
	counts[m->idiag_state & 15]++;
	return MNL_CB_OK;
}

static int dump(struct mnl_socket *nl, unsigned int portid, unsigned int seq,
		int family, char *buf)
{
	struct nlmsghdr *nlh;
	struct inet_diag_req_v2 *req;
	ssize_t n;
	int ret;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = (unsigned char)family;
	req->sdiag_protocol = IPPROTO_TCP;
	req->idiag_states = STATES_MASK;
	req->idiag_ext = 0;

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		perror("floor: mnl_socket_sendto");
		return -1;
	}
	for (;;) {
		n = mnl_socket_recvfrom(nl, buf, RCVBUF_SIZE);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("floor: mnl_socket_recvfrom");
			return -1;
		}
		ret = mnl_cb_run(buf, (size_t)n, seq, portid, msg_cb, NULL);
		if (ret == MNL_CB_STOP)
			return 0;
		if (ret < 0) {
			/* no IPv6 in this kernel: nothing to count */
			if (family == AF_INET6 && errno == ENOENT)
				return 0;
			perror("floor: mnl_cb_run");
			return -1;
		}
	}
}

int main(int argc, char **argv)
{
	static char buf[RCVBUF_SIZE];
	struct mnl_socket *nl;
	unsigned int portid, seq = (unsigned int)time(NULL);
	unsigned long total = 0;
	int verbose = argc > 1 && !strcmp(argv[1], "-v");
	int i;

	nl = mnl_socket_open(NETLINK_SOCK_DIAG);
	if (!nl) {
		perror("floor: mnl_socket_open");
		return 1;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("floor: mnl_socket_bind");
		return 1;
	}
	portid = mnl_socket_get_portid(nl);

	if (dump(nl, portid, seq, AF_INET, buf) < 0 ||
	    dump(nl, portid, seq + 1, AF_INET6, buf) < 0)
		return 1;
	mnl_socket_close(nl);

	for (i = 0; i < 16; i++) {
		total += counts[i];
		if (verbose && counts[i])
			fprintf(stderr, "%-14s %lu\n", state_name[i], counts[i]);
	}
	printf("%lu\n", total);
	return 0;
}
