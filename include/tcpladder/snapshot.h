/* snapshot: the socket records of one namespace taken at one time.
 *
 * A source (the netlink sampler, later the replay reader) fills a
 * snapshot; the core never learns which.  The snapshot owns its record
 * array.  Times are passed in by the caller: the core reads no clock. */
#ifndef TCPLADDER_SNAPSHOT_H
#define TCPLADDER_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* tcp_info fields we use; valid only when TL_SOCK_HAS_INFO is set, and
 * each only when the running kernel's tcp_info was long enough (the
 * matching TL_INFO_* bit in info.have). */
enum {
	TL_INFO_RTT = 1 << 0,
	TL_INFO_BYTES_ACKED = 1 << 1,
	TL_INFO_BYTES_RECEIVED = 1 << 2,
	TL_INFO_SEGS = 1 << 3,
	TL_INFO_LAST_DATA = 1 << 4,
	TL_INFO_BYTES_SENT = 1 << 5,
	/* read at the state change itself (an exact-mode record), in the
	 * state it entered: what it counts happened at or before the change */
	TL_INFO_AT_CHANGE = 1 << 6,
};

struct tl_tcpinfo {
	uint64_t bytes_acked;
	uint64_t bytes_received;
	uint64_t bytes_sent; /* data, retransmissions included */
	uint64_t bytes_retrans;
	uint32_t rtt_us;
	uint32_t rttvar_us;
	uint32_t segs_in;
	uint32_t segs_out;
	uint32_t last_data_sent_ms;
	uint32_t last_data_recv_ms;
	uint32_t last_ack_recv_ms; /* for an idle CLOSE-WAIT socket: since the FIN came */
	uint8_t state;             /* tcpi_state */
	uint8_t have;              /* TL_INFO_* */
};

enum {
	TL_SOCK_HAS_INFO = 1 << 0, /* info holds a kernel tcp_info */
};

/* One socket as the kernel reported it.  Addresses are in network byte
 * order (IPv4 in the first 4 bytes), ports in host byte order. */
struct tl_sock {
	uint64_t cookie;
	uint8_t local[16];
	uint8_t remote[16];
	uint16_t lport;
	uint16_t rport;
	uint8_t family;   /* AF_INET or AF_INET6 */
	uint8_t protocol; /* IPPROTO_TCP */
	uint8_t state;    /* enum tl_tcp_state */
	uint8_t timer;    /* idiag_timer: 0 none, 1 retransmit, 2 keepalive, 3 TIME-WAIT, 4 probe */
	uint8_t retrans;
	uint8_t flags; /* TL_SOCK_* */
	uint32_t expires_ms;
	uint32_t ifindex;
	uint32_t inode;
	uint32_t uid;
	uint32_t rqueue;
	uint32_t wqueue;
	struct tl_tcpinfo info;
};

/* Counts of the namespace's sockets other than TCP; -1 when the kernel
 * cannot report that kind (its diag module is missing). */
enum tl_other { TL_OTHER_UDP, TL_OTHER_UDPLITE, TL_OTHER_RAW, TL_OTHER_UNIX, TL_OTHER_N };
extern const char *const tl_other_names[TL_OTHER_N];

struct tl_snapshot {
	uint64_t mono_ns; /* when the dump started (monotonic) */
	uint64_t dump_ns; /* how long the dump took */
	double wall;      /* unix time of the sample, for output */
	bool complete;    /* the dump reached NLMSG_DONE for every part */
	int error;        /* -errno that left it incomplete, else 0 */
	struct tl_sock *socks;
	size_t n;
	size_t cap;
	long other[TL_OTHER_N];
};

void tl_snapshot_init(struct tl_snapshot *s);
void tl_snapshot_fini(struct tl_snapshot *s);
/* Forget the records, keep the memory. */
void tl_snapshot_clear(struct tl_snapshot *s);
/* A zeroed record appended to s; valid until the next add. */
struct tl_sock *tl_snapshot_add(struct tl_snapshot *s);
/* Drop the records added after the first n (a part that failed). */
void tl_snapshot_truncate(struct tl_snapshot *s, size_t n);
/* Swap contents (for previous/current double buffering). */
void tl_snapshot_swap(struct tl_snapshot *a, struct tl_snapshot *b);

/* "127.0.0.1:80", "[::1]:443", "*:22" for the wildcard address. */
void tl_sock_format_addr(int family, const uint8_t addr[16], uint16_t port, char *out,
			 size_t outlen);

#endif
