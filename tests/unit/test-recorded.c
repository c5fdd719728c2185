/* The parser fed dumps recorded from a real kernel (tests/data, made by
 * tests/data/capture.py in a namespace holding known sockets). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>

#include "tcpladder/diag.h"
#include "tcpladder/histogram.h"
#include "tap.h"

/* Replay a file of [u32 length][datagram] records; returns the last
 * tl_diag_feed() result. */
static int replay(const char *name, struct tl_snapshot *snap)
{
	char path[4096];
	const char *top = getenv("top_srcdir");
	static _Alignas(8) char buf[65536];
	struct tl_diag_ctx ctx;
	uint32_t len;
	int ret = -ENODATA;

	snprintf(path, sizeof(path), "%s/tests/data/%s", top ? top : ".", name);
	FILE *f = fopen(path, "rb");
	if (!ok(f != NULL, "open %s", name))
		return -ENOENT;
	tl_snapshot_clear(snap);
	tl_diag_ctx_init(&ctx, TL_DIAG_TCP, snap);
	while (fread(&len, sizeof(len), 1, f) == 1 && len <= sizeof(buf) &&
	       fread(buf, 1, len, f) == len) {
		const struct nlmsghdr *nlh = (const void *)buf;
		ret = tl_diag_feed(&ctx, buf, len, nlh->nlmsg_seq, nlh->nlmsg_pid);
		if (ret <= 0)
			break;
	}
	fclose(f);
	return ret;
}

int main(void)
{
	struct tl_snapshot snap;
	struct tl_hist h;
	size_t info = 0, mini_with_info = 0;

	tl_snapshot_init(&snap);

	is_int(replay("dump-tcp4-info.bin", &snap), 0, "IPv4 dump with tcp_info parses to DONE");
	tl_hist_from_snapshot(&h, &snap);
	is_int(h.total, 23, "IPv4: 23 sockets");
	ok(h.count[TL_TCP_LISTEN] == 7 && h.count[TL_TCP_ESTABLISHED] == 7 &&
	       h.count[TL_TCP_CLOSE_WAIT] == 3 && h.count[TL_TCP_FIN_WAIT2] == 3 &&
	       h.count[TL_TCP_TIME_WAIT] == 2 && h.count[TL_TCP_SYN_RECV] == 1,
	   "IPv4: the states ss showed at capture time");
	for (size_t i = 0; i < snap.n; i++) {
		const struct tl_sock *r = &snap.socks[i];
		if (r->flags & TL_SOCK_HAS_INFO)
			info++;
		if ((r->state == TL_TCP_TIME_WAIT || r->state == TL_TCP_SYN_RECV) &&
		    (r->flags & TL_SOCK_HAS_INFO))
			mini_with_info++;
	}
	is_int(info, 23 - 2 - 1 - 2, "tcp_info on every full socket (not on mini-sockets)");
	is_int(mini_with_info, 0, "TIME-WAIT and request sockets carry no tcp_info");
	int est_ok = 1;
	for (size_t i = 0; i < snap.n; i++) {
		const struct tl_sock *r = &snap.socks[i];
		if (r->state == TL_TCP_ESTABLISHED)
			est_ok &= r->family == AF_INET && r->inode != 0 && r->cookie != 0 &&
				  (r->info.have & TL_INFO_BYTES_RECEIVED) &&
				  r->info.state == TL_TCP_ESTABLISHED && r->local[0] == 127;
	}
	ok(est_ok, "ESTABLISHED records: inode, cookie, 127.x address, full tcp_info");
	int tw_ok = 1;
	for (size_t i = 0; i < snap.n; i++) {
		const struct tl_sock *r = &snap.socks[i];
		if (r->state == TL_TCP_TIME_WAIT)
			tw_ok &= r->inode == 0 && r->timer == 3 && r->expires_ms > 0 &&
				 r->expires_ms <= 60000;
	}
	ok(tw_ok, "TIME-WAIT records: no inode, timer 3 with time left");

	is_int(replay("dump-tcp6-noinfo.bin", &snap), 0, "IPv6 dump without tcp_info");
	tl_hist_from_snapshot(&h, &snap);
	is_int(h.total, 11, "IPv6: 11 sockets");
	ok(h.count[TL_TCP_LISTEN] == 4 && h.count[TL_TCP_ESTABLISHED] == 4 &&
	       h.count[TL_TCP_LAST_ACK] == 1 && h.count[TL_TCP_FIN_WAIT2] == 1 &&
	       h.count[TL_TCP_TIME_WAIT] == 1,
	   "IPv6: the states ss showed at capture time");
	int v6 = 1;
	for (size_t i = 0; i < snap.n; i++)
		v6 &= snap.socks[i].family == AF_INET6 && !(snap.socks[i].flags & TL_SOCK_HAS_INFO);
	ok(v6, "IPv6: every record AF_INET6, no tcp_info requested, none parsed");

	tl_snapshot_fini(&snap);
	return tap_done();
}
