// SPDX-License-Identifier: GPL-2.0-or-later
/* The exact-mode probe: TCP state changes, resets, retransmissions and the
 * orphaned FIN-WAIT-2 mini-socket's end, each as one record in a ring
 * buffer, with the socket cookie that sock_diag shows for the same socket.
 *
 * CO-RE: built against the vmlinux.h of the build machine, relocated by
 * libbpf against the running kernel's BTF.  BTF tracepoints (tp_btf) need
 * no tracefs.  Only sockets of watched namespaces are recorded (the
 * netns map, or every one with watch_all), so the rest cost a hash
 * lookup each.
 *
 * Two transitions are recorded late, because the kernel reports them
 * before the socket has its identity: CLOSE -> SYN-SENT comes before
 * connect() picks the local port, and a passive child's LISTEN -> SYN-RECV
 * comes while it still carries the listener's addresses and no cookie (its
 * request socket's cookie is copied in just after).  Their time is kept in
 * the pending map and the record is written at the socket's next event
 * (tcp_connect, which sends the SYN, or its next state change, reset or
 * retransmission), when its tuple and cookie are right. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "tcpladder.bpf.h"

#define AF_INET 2
#define AF_INET6 10
#define TL_IPPROTO_TCP 6

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20); /* set by the loader */
} events SEC(".maps");

/* Watched namespaces by inode. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u8);
} netns SEC(".maps");

struct pending {
	__u64 ts;
	__u64 cookie; /* SYN-SENT only: a child's is not its own yet */
	__u32 netns;
	__u8 oldstate;
	__u8 newstate;
	__u32 pid; /* SYN-SENT: connect()'s task, 0 for none */
	char comm[16];
};

/* Transitions waiting for their socket's identity, by socket address. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct pending);
} pending SEC(".maps");

/* A SYN-SENT record waits for the local port, which connect() picks just
 * after; where tcp_connect() cannot be traced, a timer a moment later
 * writes it (its own program, so that a kernel refusing timers refuses
 * only it).  The timers are a ring of slots made ready once, at load, by
 * tl_syn_prepare: making a timer allocates, and an allocation in the
 * middle of connect() fails when the machine is busy, which left the
 * record to the socket's next event (its first retransmission, a second
 * later). */
struct syn_slot {
	struct bpf_timer t;
	__u64 sk;
	__u32 tries;
	__u32 ready;
};

#define TL_SYN_SLOTS 1024

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TL_SYN_SLOTS);
	__type(key, __u32);
	__type(value, struct syn_slot);
} syn_slots SEC(".maps");

#define SYN_TIMER_NS 200000ULL /* 0.2 ms */
/* Each CPU takes the next of its own 64 slots (more than 16 CPUs share). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} syn_cursor SEC(".maps");

/* SYN-SENT records whose timer could not be set (read by the shell, like
 * lost): each waits for its socket's next event. */
__u64 syn_unarmed = 0;
#define TL_CLOCK_MONOTONIC 1

/* What tcp_timewait_state_process() was given, from its entry to its exit
 * (softirq: one at a time per CPU). */
struct tw_call {
	__u64 tw;
	__u8 th_flags;
	struct tl_bpf_rec rec;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tw_call);
} tw_calls SEC(".maps");

/* Records that found the ring full (read by the shell through .bss). */
__u64 lost = 0;
/* Record every namespace (no lookup in the netns map). */
__u32 watch_all = 0;

static __always_inline bool watched(const struct sock_common *skc, __u32 *ino)
{
	*ino = skc->skc_net.net->ns.inum;
	return watch_all || bpf_map_lookup_elem(&netns, ino);
}

/* Wake-ups cost the reader more than the records: while records flow, at
 * most one every TL_BPF_WAKE_GAP_NS may wake it (the ring's default: only
 * if it has read everything), and the reader, having found records, reads
 * again that much later for the rest (src/ebpf.c, the engine's deadline). */
__u64 last_wake = 0;

static __always_inline void submit(struct tl_bpf_rec *r)
{
	__u64 now = bpf_ktime_get_ns();
	if (now - last_wake < TL_BPF_WAKE_GAP_NS) {
		bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
		return;
	}
	last_wake = now;
	bpf_ringbuf_submit(r, 0);
}

static __always_inline struct tl_bpf_rec *reserve(void)
{
	struct tl_bpf_rec *r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		__sync_fetch_and_add(&lost, 1);
		return NULL;
	}
	__builtin_memset(r, 0, sizeof(*r));
	return r;
}

/* Family, addresses and ports, as sock_diag reports them. */
static __always_inline void fill_tuple(struct tl_bpf_rec *r, const struct sock_common *skc)
{
	r->family = skc->skc_family;
	r->sport = skc->skc_num;
	r->dport = __builtin_bswap16(skc->skc_dport);
	if (r->family == AF_INET6) {
		BPF_CORE_READ_INTO(&r->saddr, skc, skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO(&r->daddr, skc, skc_v6_daddr);
	} else {
		__u32 s = skc->skc_rcv_saddr, d = skc->skc_daddr;
		__builtin_memcpy(r->saddr, &s, 4);
		__builtin_memcpy(r->daddr, &d, 4);
	}
}

/* What only a full socket has: its inode and owner, the flags that tell
 * a hand-over from an abort, and at a close its final counters. */
static __always_inline void fill_full(struct tl_bpf_rec *r, const struct sock *sk, bool counters)
{
	unsigned long f = sk->__sk_common.skc_flags;
	if (f & (1UL << bpf_core_enum_value(enum sock_flags, SOCK_DONE)))
		r->flags |= TL_BPF_F_FIN_RCVD;
	if (f & (1UL << bpf_core_enum_value(enum sock_flags, SOCK_DEAD)))
		r->flags |= TL_BPF_F_ORPHAN;
	if (sk->sk_err)
		r->flags |= TL_BPF_F_ERROR;
	r->uid = sk->sk_uid.val;
	struct socket *so = sk->sk_socket;
	if (so) {
		struct socket_alloc *sa = container_of(so, struct socket_alloc, socket);
		r->ino = (__u32)BPF_CORE_READ(sa, vfs_inode.i_ino);
	}
	if (counters) {
		const struct tcp_sock *tp = (const struct tcp_sock *)sk;
		r->bytes_acked = BPF_CORE_READ(tp, bytes_acked);
		r->bytes_received = BPF_CORE_READ(tp, bytes_received);
		r->segs_in = BPF_CORE_READ(tp, segs_in);
		r->segs_out = BPF_CORE_READ(tp, segs_out);
		r->srtt_us = BPF_CORE_READ(tp, srtt_us) >> 3;
		r->flags |= TL_BPF_F_INFO;
	}
}

/* The task running now is the socket's owner only in a system call on
 * it: connect(), listen(), close() or shutdown() (the state changes below),
 * accept().  Most other changes run in softirq, on whatever task the CPU
 * was interrupted in. */
static __always_inline bool by_owner(int oldstate, int newstate)
{
	return (oldstate == TCP_CLOSE && (newstate == TCP_SYN_SENT || newstate == TCP_LISTEN)) ||
	       newstate == TCP_FIN_WAIT1 ||
	       (oldstate == TCP_CLOSE_WAIT && newstate == TCP_LAST_ACK);
}

static __always_inline void task_of(struct tl_bpf_rec *r)
{
	r->pid = (__u32)(bpf_get_current_pid_tgid() >> 32);
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	r->flags |= TL_BPF_F_TASK;
}

static __always_inline void state_rec(const struct sock *sk, __u32 ino, __u64 ts, int oldstate,
				      int newstate, const struct pending *p)
{
	struct tl_bpf_rec *r = reserve();
	if (!r)
		return;
	if (p && p->pid) {
		r->pid = p->pid;
		__builtin_memcpy(r->comm, p->comm, sizeof(r->comm));
		r->flags |= TL_BPF_F_TASK;
	} else if (!p && by_owner(oldstate, newstate)) {
		task_of(r);
	}
	r->ts = ts;
	r->kind = TL_BPF_STATE;
	r->oldstate = (__u8)oldstate;
	r->newstate = (__u8)newstate;
	r->netns = ino;
	r->cookie = bpf_get_socket_cookie((void *)sk);
	fill_tuple(r, &sk->__sk_common);
	/* the counters where data may have moved since the last record: after
	 * the handshake (at each FIN and ACK of the close, and the end), so
	 * that the ladder's data rows fall between the right rows */
	fill_full(r, sk,
		  newstate == TCP_CLOSE || (oldstate != TCP_SYN_SENT && oldstate != TCP_SYN_RECV &&
					    oldstate != TCP_CLOSE && oldstate != TCP_LISTEN));
	submit(r);
}

/* Write a transition held back for this socket, if it is still the
 * socket's last one (a stale entry of a freed socket whose address was
 * reused does not match the new socket's state). */
static __always_inline void flush_pending(const struct sock *sk, __u32 ino, int state)
{
	__u64 key = (__u64)sk;
	struct pending *p = bpf_map_lookup_elem(&pending, &key);
	if (!p)
		return;
	struct pending copy = *p;
	bpf_map_delete_elem(&pending, &key);
	if (copy.newstate == state)
		state_rec(sk, ino, copy.ts, copy.oldstate, copy.newstate, &copy);
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(tl_state, const struct sock *sk, const int oldstate, const int newstate)
{
	__u32 ino;
	if (sk->sk_protocol != TL_IPPROTO_TCP || !watched(&sk->__sk_common, &ino))
		return 0;
	__u64 ts = bpf_ktime_get_ns();
	flush_pending(sk, ino, oldstate);
	if ((oldstate == TCP_CLOSE && newstate == TCP_SYN_SENT) ||
	    (oldstate == TCP_LISTEN && newstate == TCP_SYN_RECV)) {
		__u64 key = (__u64)sk;
		struct pending p = {
		    .ts = ts, .netns = ino, .oldstate = (__u8)oldstate, .newstate = (__u8)newstate};
		if (newstate == TCP_SYN_SENT) {
			p.cookie = bpf_get_socket_cookie((void *)sk);
			p.pid = (__u32)(bpf_get_current_pid_tgid() >> 32);
			bpf_get_current_comm(p.comm, sizeof(p.comm));
		}
		bpf_map_update_elem(&pending, &key, &p, BPF_ANY);
		return 0;
	}
	state_rec(sk, ino, ts, oldstate, newstate, NULL);
	return 0;
}

/* The timer's end: write the SYN-SENT record if the socket is still
 * waiting for it and has its port (else try again, a few times).  The
 * socket is known here by its address only: read through probes. */
static int syn_timer_fire(void *map, __u32 *idx, struct syn_slot *slot)
{
	__u64 key = slot->sk;
	const struct sock *sk = (const struct sock *)key;
	struct pending *p = bpf_map_lookup_elem(&pending, &key);
	if (!key || !p || BPF_CORE_READ(sk, __sk_common.skc_state) != TCP_SYN_SENT) {
		slot->sk = 0;
		return 0;
	}
	if (!BPF_CORE_READ(sk, __sk_common.skc_num) && slot->tries++ < 50) {
		bpf_timer_start(&slot->t, SYN_TIMER_NS, 0);
		return 0;
	}
	slot->sk = 0;
	struct pending copy = *p;
	bpf_map_delete_elem(&pending, &key);
	struct tl_bpf_rec *r = reserve();
	if (!r)
		return 0;
	r->ts = copy.ts;
	r->kind = TL_BPF_STATE;
	r->oldstate = copy.oldstate;
	r->newstate = copy.newstate;
	r->netns = copy.netns;
	r->cookie = copy.cookie;
	if (copy.pid) {
		r->pid = copy.pid;
		__builtin_memcpy(r->comm, copy.comm, sizeof(r->comm));
		r->flags |= TL_BPF_F_TASK;
	}
	r->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	r->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	r->dport = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (r->family == AF_INET6) {
		BPF_CORE_READ_INTO(&r->saddr, sk, __sk_common.skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO(&r->daddr, sk, __sk_common.skc_v6_daddr);
	} else {
		BPF_CORE_READ_INTO(&r->saddr, sk, __sk_common.skc_rcv_saddr);
		BPF_CORE_READ_INTO(&r->daddr, sk, __sk_common.skc_daddr);
	}
	r->uid = BPF_CORE_READ(sk, sk_uid.val);
	struct socket *so = BPF_CORE_READ(sk, sk_socket);
	if (so) {
		struct socket_alloc *sa = container_of(so, struct socket_alloc, socket);
		r->ino = (__u32)BPF_CORE_READ(sa, vfs_inode.i_ino);
	}
	submit(r);
	return 0;
}

/* Make one slot's timer, if it has none yet; 0 when it is ready. */
static __always_inline int slot_ready(struct syn_slot *slot)
{
	if (slot->ready)
		return 0;
	long e = bpf_timer_init(&slot->t, &syn_slots, TL_CLOCK_MONOTONIC);
	if (e && e != -16 /* EBUSY: made already */)
		return -1;
	slot->ready = 1;
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(tl_syn_timer, const struct sock *sk, const int oldstate, const int newstate)
{
	__u32 ino;
	if (oldstate != TCP_CLOSE || newstate != TCP_SYN_SENT ||
	    sk->sk_protocol != TL_IPPROTO_TCP || !watched(&sk->__sk_common, &ino))
		return 0;
	__u32 zero = 0;
	__u32 *next = bpf_map_lookup_elem(&syn_cursor, &zero);
	if (!next)
		return 0;
	__u32 idx = (bpf_get_smp_processor_id() * 64 + (*next)++ % 64) % TL_SYN_SLOTS;
	struct syn_slot *slot = bpf_map_lookup_elem(&syn_slots, &idx);
	if (!slot || slot_ready(slot) || bpf_timer_set_callback(&slot->t, syn_timer_fire)) {
		__sync_fetch_and_add(&syn_unarmed, 1);
		return 0;
	}
	if (slot->sk) /* still waiting: a thousand connects in 10 ms */
		__sync_fetch_and_add(&syn_unarmed, 1);
	slot->sk = (__u64)sk;
	slot->tries = 0;
	if (bpf_timer_start(&slot->t, SYN_TIMER_NS, 0)) {
		slot->sk = 0;
		__sync_fetch_and_add(&syn_unarmed, 1);
	}
	return 0;
}

/* Run once by the loader (BPF_PROG_RUN), again while it returns more
 * than 0: makes the slots' timers, and says how many are still missing. */
SEC("syscall")
int tl_syn_prepare(void *ctx)
{
	int missing = 0;
	for (__u32 i = 0; i < TL_SYN_SLOTS; i++) {
		__u32 idx = i;
		struct syn_slot *slot = bpf_map_lookup_elem(&syn_slots, &idx);
		if (!slot || slot_ready(slot))
			missing++;
	}
	return missing;
}

/* connect() has picked the local port and is about to send the SYN. */
SEC("fentry/tcp_connect")
int BPF_PROG(tl_connect, struct sock *sk)
{
	__u32 ino;
	if (!watched(&sk->__sk_common, &ino))
		return 0;
	flush_pending(sk, ino, sk->__sk_common.skc_state);
	return 0;
}

/* accept() hands the child to the task running it (kernels since 6.10,
 * where __inet_accept() has these arguments). */
SEC("fentry/__inet_accept")
int BPF_PROG(tl_accept, struct socket *sock, struct socket *newsock, struct sock *newsk)
{
	__u32 ino;
	if (!newsk || newsk->sk_protocol != TL_IPPROTO_TCP || !watched(&newsk->__sk_common, &ino))
		return 0;
	struct tl_bpf_rec *r = reserve();
	if (!r)
		return 0;
	r->ts = bpf_ktime_get_ns();
	r->kind = TL_BPF_OWNER;
	r->netns = ino;
	r->cookie = bpf_get_socket_cookie((void *)newsk);
	r->newstate = r->oldstate = newsk->__sk_common.skc_state;
	fill_tuple(r, &newsk->__sk_common);
	if (newsock) {
		struct socket_alloc *sa = container_of(newsock, struct socket_alloc, socket);
		r->ino = (__u32)BPF_CORE_READ(sa, vfs_inode.i_ino);
	}
	r->uid = newsk->sk_uid.val;
	task_of(r);
	submit(r);
	return 0;
}

static __always_inline void seg_rec(const struct sock_common *skc, __u32 ino, int kind,
				    __u16 tcp_flags)
{
	struct tl_bpf_rec *r = reserve();
	if (!r)
		return;
	r->ts = bpf_ktime_get_ns();
	r->kind = (__u8)kind;
	r->netns = ino;
	r->cookie = bpf_get_socket_cookie((void *)skc);
	r->newstate = r->oldstate = skc->skc_state;
	r->tcp_flags = tcp_flags;
	fill_tuple(r, skc);
	submit(r);
}

/* Also called for a TIME-WAIT or request socket's reply, and without a
 * socket at all (a segment for no socket): only sock_common is read. */
SEC("tp_btf/tcp_send_reset")
int BPF_PROG(tl_send_reset, const struct sock *sk)
{
	__u32 ino;
	if (!sk || !watched(&sk->__sk_common, &ino))
		return 0;
	int st = sk->__sk_common.skc_state;
	if (st != TCP_TIME_WAIT && st != TCP_NEW_SYN_RECV)
		flush_pending(sk, ino, st);
	seg_rec(&sk->__sk_common, ino, TL_BPF_RST_OUT, 0);
	return 0;
}

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(tl_receive_reset, struct sock *sk)
{
	__u32 ino;
	if (!sk || !watched(&sk->__sk_common, &ino))
		return 0;
	flush_pending(sk, ino, sk->__sk_common.skc_state);
	seg_rec(&sk->__sk_common, ino, TL_BPF_RST_IN, 0);
	return 0;
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(tl_retransmit, const struct sock *sk, const struct sk_buff *skb)
{
	__u32 ino;
	if (!sk || !watched(&sk->__sk_common, &ino))
		return 0;
	flush_pending(sk, ino, sk->__sk_common.skc_state);
	__u16 flags = 0;
	if (skb) {
		const struct tcp_skb_cb *cb = (const struct tcp_skb_cb *)skb->cb;
		flags = (__u16)BPF_CORE_READ_BITFIELD_PROBED(cb, tcp_flags);
	}
	seg_rec(&sk->__sk_common, ino, TL_BPF_RETRANS, flags);
	return 0;
}

SEC("tp_btf/tcp_retransmit_synack")
int BPF_PROG(tl_retransmit_synack, const struct sock *sk, const struct request_sock *req)
{
	__u32 ino;
	if (!req || !watched(&req->__req_common, &ino))
		return 0;
	seg_rec(&req->__req_common, ino, TL_BPF_RETRANS_SYNACK, 0x12 /* SYN+ACK */);
	return 0;
}

/* An orphaned FIN-WAIT-2 lives on as a mini-socket, whose moves (to
 * TIME-WAIT on the FIN, or gone on an RST) no tracepoint reports: the
 * entry notes what came in, the exit what became of it. */
SEC("fentry/tcp_timewait_state_process")
int BPF_PROG(tl_tw_enter, struct inet_timewait_sock *tw, struct sk_buff *skb,
	     const struct tcphdr *th)
{
	__u32 zero = 0, ino;
	struct tw_call *call = bpf_map_lookup_elem(&tw_calls, &zero);
	if (!call)
		return 0;
	call->tw = 0;
	if (tw->tw_substate != TCP_FIN_WAIT2 || !watched(&tw->__tw_common, &ino))
		return 0;
	__u8 fl = 0;
	bpf_probe_read_kernel(&fl, 1, (const __u8 *)th + 13);
	if (!(fl & 0x05)) /* neither FIN nor RST */
		return 0;
	call->tw = (__u64)tw;
	call->th_flags = fl;
	struct tl_bpf_rec *r = &call->rec;
	__builtin_memset(r, 0, sizeof(*r));
	r->ts = bpf_ktime_get_ns();
	r->netns = ino;
	r->cookie = tw->__tw_common.skc_cookie.counter;
	r->oldstate = TCP_FIN_WAIT2;
	fill_tuple(r, &tw->__tw_common);
	return 0;
}

SEC("fexit/tcp_timewait_state_process")
int BPF_PROG(tl_tw_exit, struct inet_timewait_sock *tw)
{
	__u32 zero = 0;
	struct tw_call *call = bpf_map_lookup_elem(&tw_calls, &zero);
	if (!call || !call->tw || call->tw != (__u64)tw)
		return 0;
	call->tw = 0;
	__u64 ret = 0;
	bpf_get_func_ret(ctx, &ret);
	int kind;
	if ((call->th_flags & 0x04) &&
	    ret == bpf_core_enum_value(enum tcp_tw_status, TCP_TW_SUCCESS))
		kind = TL_BPF_TW_RST; /* killed (the mini-socket may be freed now) */
	else if ((call->th_flags & 0x01) &&
		 ret == bpf_core_enum_value(enum tcp_tw_status, TCP_TW_ACK) &&
		 tw->tw_substate == TCP_TIME_WAIT)
		kind = TL_BPF_TW_FIN;
	else
		return 0;
	struct tl_bpf_rec *r = reserve();
	if (!r)
		return 0;
	__builtin_memcpy(r, &call->rec, sizeof(*r));
	r->kind = (__u8)kind;
	r->newstate = kind == TL_BPF_TW_FIN ? TCP_TIME_WAIT : TCP_CLOSE;
	submit(r);
	return 0;
}
