/* The record the eBPF program writes into its ring buffer, shared by the
 * program (src/bpf/tcpladder.bpf.c, built against vmlinux.h) and the shell
 * that reads it (src/ebpf.c, built against <linux/types.h>).  The shell
 * turns each into a struct tl_exact_rec (include/tcpladder/exact.h). */
#ifndef TCPLADDER_BPF_H
#define TCPLADDER_BPF_H

/* Records within this long of a wake-up wake nobody: the reader comes back
 * for them after as long once it has found records. */
#define TL_BPF_WAKE_GAP_NS 5000000ULL

enum tl_bpf_kind {
	TL_BPF_STATE = 1,      /* inet_sock_set_state: old -> new */
	TL_BPF_RST_OUT,        /* tcp_send_reset */
	TL_BPF_RST_IN,         /* tcp_receive_reset */
	TL_BPF_RETRANS,        /* tcp_retransmit_skb: tcp_flags says which segment */
	TL_BPF_RETRANS_SYNACK, /* tcp_retransmit_synack (a request socket) */
	TL_BPF_TW_FIN,         /* an orphaned FIN-WAIT-2 mini-socket got the FIN: TIME-WAIT */
	TL_BPF_TW_RST,         /* an orphaned FIN-WAIT-2 mini-socket was reset */
	TL_BPF_OWNER,          /* accept() gave the socket to the task named in the record */
};

enum {
	TL_BPF_F_FIN_RCVD = 1 << 0, /* SOCK_DONE: the peer's FIN has come */
	TL_BPF_F_ERROR = 1 << 1,    /* sk_err set: reset or timed out */
	TL_BPF_F_ORPHAN = 1 << 2,   /* SOCK_DEAD: no file holds it any more */
	TL_BPF_F_INFO = 1 << 3,     /* the counters below are valid */
	TL_BPF_F_TASK = 1 << 4,     /* pid and comm: the task that made the change */
};

struct tl_bpf_rec {
	__u64 ts; /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u64 cookie;
	__u64 bytes_acked; /* at a close (TL_BPF_F_INFO) */
	__u64 bytes_received;
	__u32 netns; /* the namespace's inode */
	__u32 ino;   /* the socket's inode, 0 if none */
	__u32 uid;
	__u32 segs_in;
	__u32 segs_out;
	__u32 srtt_us;
	__u8 saddr[16]; /* network byte order; IPv4 in the first 4 bytes */
	__u8 daddr[16];
	__u16 sport; /* host byte order */
	__u16 dport;
	__u16 family;
	__u16 tcp_flags; /* TL_BPF_RETRANS: the segment's TCP flags */
	__u8 kind;       /* enum tl_bpf_kind */
	__u8 oldstate;
	__u8 newstate; /* for other kinds: the socket's state */
	__u8 flags;    /* TL_BPF_F_* */
	__u32 pid;     /* TL_BPF_F_TASK: the process (tgid) */
	char comm[16];
};

#endif
