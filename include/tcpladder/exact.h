/* exact: what the eBPF source (exact mode) reports, as plain data.
 *
 * A record is one thing the kernel did to one socket, at an exact
 * monotonic time: a state change (from -> to), an RST sent or received, a
 * segment retransmitted, or the end of an orphaned FIN-WAIT-2 mini-socket
 * (the peer's FIN made it TIME-WAIT, or an RST killed it).  The socket is
 * named by its cookie, the value sock_diag shows for it, so records and
 * dumps merge.  The shell (ebpf.c) fills these from its ring buffer; the
 * tracker and the tests use them without libbpf.
 *
 * Records come in per-socket order; across sockets only roughly in time
 * order (each CPU stamps its own). */
#ifndef TCPLADDER_EXACT_H
#define TCPLADDER_EXACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpladder/snapshot.h"

enum tl_exact_kind {
	TL_EXACT_STATE = 1,      /* from -> to */
	TL_EXACT_RST_OUT,        /* the socket sent an RST */
	TL_EXACT_RST_IN,         /* the socket received an RST */
	TL_EXACT_RETRANS,        /* a segment was sent again (tcp_flags says which) */
	TL_EXACT_RETRANS_SYNACK, /* a request socket sent its SYN+ACK again */
	TL_EXACT_TW_FIN,         /* orphaned FIN-WAIT-2 mini-socket: FIN in, now TIME-WAIT */
	TL_EXACT_TW_RST,         /* orphaned FIN-WAIT-2 mini-socket: RST in, gone */
	TL_EXACT_OWNER,          /* accept() gave the socket to the task named (pid, comm) */
	TL_EXACT_NKINDS
};

enum {
	TL_EXACT_FIN_RCVD = 1 << 0, /* the peer's FIN had come (at a state change) */
	TL_EXACT_ERROR = 1 << 1,    /* the socket had an error: reset or timed out */
	TL_EXACT_ORPHAN = 1 << 2,   /* no process holds the socket any more */
	TL_EXACT_TASK = 1 << 3,     /* pid and comm name the process that made the change (a
				       system call on the socket: connect, listen, accept,
				       close, shutdown) */
};

struct tl_exact_rec {
	uint64_t mono_ns;   /* when (CLOCK_MONOTONIC) */
	uint32_t netns_ino; /* the socket's namespace */
	uint8_t kind;       /* enum tl_exact_kind */
	uint8_t from;       /* TL_EXACT_STATE: the state left */
	uint8_t to;         /* the state entered; for other kinds the socket's state */
	uint8_t flags;      /* TL_EXACT_* */
	uint16_t tcp_flags; /* TL_EXACT_RETRANS: the segment's flags (FIN 0x01, SYN 0x02) */
	uint32_t pid;       /* TL_EXACT_TASK: the process (its thread group id) */
	char comm[16];      /* TL_EXACT_TASK: its name (the kernel's, NUL-terminated) */
	/* cookie, family, addresses, ports, state (= to), inode and uid where
	 * the socket had them; at a close the final counters in info */
	struct tl_sock sock;
};

/* Where a step's evidence came from (struct tl_event's source). */
enum tl_source {
	TL_SOURCE_SOCK_DIAG, /* dumps, destroy events, lookups */
	TL_SOURCE_EBPF,      /* a tracepoint record */
};

/* "state", "rst-out", ...; "?" for anything else.  Static. */
const char *tl_exact_kind_name(int kind);
/* "sock_diag", "ebpf".  Static. */
const char *tl_source_name(int source);

/* A growable array of records (a drained ring, waiting to be applied). */
struct tl_exact_batch {
	struct tl_exact_rec *recs;
	size_t n, cap;
};

void tl_exact_batch_init(struct tl_exact_batch *b);
void tl_exact_batch_fini(struct tl_exact_batch *b);
/* A zeroed record appended to b; valid until the next add. */
struct tl_exact_rec *tl_exact_batch_add(struct tl_exact_batch *b);
/* Drop the records for which keep() is false, keeping the order. */
void tl_exact_batch_filter(struct tl_exact_batch *b,
			   bool (*keep)(const struct tl_exact_rec *r, void *arg), void *arg);

#endif
