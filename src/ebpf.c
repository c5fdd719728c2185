/* ebpf: load the exact-mode probe, attach what the kernel has, read its
 * ring buffer. */
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tcpladder/ebpf.h"
#include "tcpladder/tcpstate.h"
#include "tcpladder/util.h"

#ifdef HAVE_EBPF

#include <linux/types.h>

#include <linux/bpf.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "tcpladder.bpf.h"
#include "tcpladder.skel.h"

#define BTF_PATH "/sys/kernel/btf/vmlinux"

_Static_assert(TL_EBPF_REREAD_NS == TL_BPF_WAKE_GAP_NS,
	       "the reader comes back as the probe expects");

struct tl_ebpf {
	struct tl_bpf *skel;
	struct ring_buffer *rb;
	struct bpf_link **links;
	size_t n_links;
	struct tl_exact_batch *out; /* during tl_ebpf_read() */
	char attached[128];
};

bool tl_ebpf_built(void)
{
	return true;
}

/* libbpf's messages are kept, not printed (the screen may be curses'), so
 * that a failure can name the verifier's complaint. */
static char lib_log[16384];
static size_t lib_log_len;

__attribute__((format(printf, 2, 0))) static int on_libbpf_print(enum libbpf_print_level level,
								 const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG || lib_log_len >= sizeof(lib_log) - 1)
		return 0;
	int n = vsnprintf(lib_log + lib_log_len, sizeof(lib_log) - lib_log_len, fmt, ap);
	if (n > 0)
		lib_log_len = TL_MIN(lib_log_len + (size_t)n, sizeof(lib_log) - 1);
	return 0;
}

/* The line of the kept log that says why: the verifier's last word before
 * its statistics, else libbpf's last line. */
static char *log_reason(void)
{
	char *copy = tl_strdup(lib_log), *save = NULL, *best = NULL, *last = NULL;
	bool in_log = false;
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (strstr(l, "-- BEGIN PROG LOAD LOG --")) {
			in_log = true;
			continue;
		}
		if (strstr(l, "-- END PROG LOAD LOG --")) {
			in_log = false;
			continue;
		}
		if (in_log && *l && strncmp(l, "processed ", 10) &&
		    strncmp(l, "verification time", 17))
			best = l;
		if (!in_log && *l)
			last = l;
	}
	char *r = best ? tl_strdup(best) : last ? tl_strdup(last) : NULL;
	free(copy);
	return r;
}

/* The capabilities loading and attaching need (CAP_BPF and CAP_PERFMON,
 * or CAP_SYS_ADMIN), from /proc/self/status. */
static bool privileged(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	unsigned long long eff = 0;
	bool found = false;
	if (!f)
		return geteuid() == 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1) {
			found = true;
			break;
		}
	fclose(f);
	if (!found)
		return geteuid() == 0;
	const unsigned long long sys_admin = 1ULL << 21, perfmon = 1ULL << 38, bpf = 1ULL << 39;
	return (eff & sys_admin) || ((eff & perfmon) && (eff & bpf));
}

/* ---- what the running kernel offers, from its BTF ---- */

static const struct btf_type *skip_mods(const struct btf *btf, __u32 id, __u32 *out_id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	while (t && (btf_is_mod(t) || btf_is_typedef(t))) {
		id = t->type;
		t = btf__type_by_id(btf, id);
	}
	if (out_id)
		*out_id = id;
	return t;
}

/* Does parameter i of proto point to a struct of this name? */
static bool param_is(const struct btf *btf, const struct btf_type *proto, unsigned i,
		     const char *strct)
{
	if (!strct)
		return true;
	if (i >= btf_vlen(proto))
		return false;
	const struct btf_type *t = skip_mods(btf, btf_params(proto)[i].type, NULL);
	if (!t || !btf_is_ptr(t))
		return false;
	t = skip_mods(btf, t->type, NULL);
	return t && btf_is_struct(t) && !strcmp(btf__name_by_offset(btf, t->name_off), strct);
}

/* A BTF tracepoint's prototype: void (*)(void *, ARGS...). */
static const struct btf_type *tp_proto(const struct btf *btf, const char *tp)
{
	char name[96];
	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	int id = btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF);
	if (id <= 0)
		return NULL;
	const struct btf_type *t = skip_mods(btf, (__u32)id, NULL);
	if (!t || !btf_is_ptr(t))
		return NULL;
	t = skip_mods(btf, t->type, NULL);
	return t && btf_is_func_proto(t) ? t : NULL;
}

/* Whether the kernel lets a program trace this function (some refuse
 * fentry and fexit altogether, with EPERM, even to root), tried with a
 * program of two instructions, or of five that ask for the return value.
 * Cheaper than a refused load of the whole object and a second one. */
static bool can_trace(__u32 btf_id, bool fexit)
{
	const struct bpf_insn ret0[] = {
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
	    {.code = BPF_JMP | BPF_EXIT},
	};
	const struct bpf_insn get_ret[] = {
	    {.code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = BPF_REG_2, .src_reg = BPF_REG_10},
	    {.code = BPF_ALU64 | BPF_ADD | BPF_K, .dst_reg = BPF_REG_2, .imm = -8},
	    {.code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_get_func_ret},
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
	    {.code = BPF_JMP | BPF_EXIT},
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts,
		    .expected_attach_type = fexit ? BPF_TRACE_FEXIT : BPF_TRACE_FENTRY,
		    .attach_btf_id = btf_id);
	int fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "tl_probe", "GPL", fexit ? get_ret : ret0,
			       fexit ? TL_ARRAY_SIZE(get_ret) : TL_ARRAY_SIZE(ret0), &opts);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static const struct btf_type *func_proto(const struct btf *btf, const char *fn, bool fexit)
{
	int id = btf__find_by_name_kind(btf, fn, BTF_KIND_FUNC);
	if (id <= 0)
		return NULL;
	const struct btf_type *t = btf__type_by_id(btf, (__u32)id);
	t = t ? btf__type_by_id(btf, t->type) : NULL;
	if (!t || !btf_is_func_proto(t) || !can_trace((__u32)id, fexit))
		return NULL;
	return t;
}

/* The programs, what each attaches to and what it reads of its
 * arguments (a struct pointer per argument, NULL for anything). */
struct probe {
	const char *label;
	const char *target;
	bool func;     /* fentry/fexit of a kernel function, else a tracepoint */
	bool required; /* without it there is no exact mode */
	bool extra;    /* a refused load is tried again without the extras */
	const char *args[3];
};

enum {
	P_STATE,
	P_SYN_TIMER,
	P_CONNECT,
	P_SEND_RESET,
	P_RECV_RESET,
	P_RETRANS,
	P_SYNACK,
	P_TW_ENTER,
	P_TW_EXIT,
	P_ACCEPT,
	P_N
};

static const struct probe probes[P_N] = {
    [P_STATE] = {"state", "inet_sock_set_state", false, true, false, {"sock", NULL, NULL}},
    [P_SYN_TIMER] = {"syn-timer", "inet_sock_set_state", false, false, true, {"sock", NULL, NULL}},
    [P_CONNECT] = {"connect", "tcp_connect", true, false, true, {"sock", NULL, NULL}},
    [P_SEND_RESET] = {"rst-out", "tcp_send_reset", false, false, false, {"sock", NULL, NULL}},
    [P_RECV_RESET] = {"rst-in", "tcp_receive_reset", false, false, false, {"sock", NULL, NULL}},
    [P_RETRANS] =
	{"retransmit", "tcp_retransmit_skb", false, false, false, {"sock", "sk_buff", NULL}},
    [P_SYNACK] = {"retransmit-synack",
		  "tcp_retransmit_synack",
		  false,
		  false,
		  false,
		  {"sock", "request_sock", NULL}},
    [P_TW_ENTER] = {"timewait",
		    "tcp_timewait_state_process",
		    true,
		    false,
		    true,
		    {"inet_timewait_sock", "sk_buff", "tcphdr"}},
    [P_TW_EXIT] =
	{NULL, "tcp_timewait_state_process", true, false, true, {"inet_timewait_sock", NULL, NULL}},
    [P_ACCEPT] = {"accept", "__inet_accept", true, false, true, {"socket", "socket", "sock"}},
};

static struct bpf_program *prog_of(struct tl_bpf *s, int i)
{
	switch (i) {
	case P_STATE:
		return s->progs.tl_state;
	case P_SYN_TIMER:
		return s->progs.tl_syn_timer;
	case P_CONNECT:
		return s->progs.tl_connect;
	case P_SEND_RESET:
		return s->progs.tl_send_reset;
	case P_RECV_RESET:
		return s->progs.tl_receive_reset;
	case P_RETRANS:
		return s->progs.tl_retransmit;
	case P_SYNACK:
		return s->progs.tl_retransmit_synack;
	case P_TW_ENTER:
		return s->progs.tl_tw_enter;
	case P_ACCEPT:
		return s->progs.tl_accept;
	default:
		return s->progs.tl_tw_exit;
	}
}

/* Which probes the kernel can take: its BTF has the tracepoint or
 * function, with the arguments the program reads where it reads them
 * (the reset tracepoints' arguments changed across versions). */
static void kernel_offers(bool have[P_N])
{
	struct btf *btf = btf__load_vmlinux_btf();
	for (int i = 0; i < P_N; i++) {
		const struct probe *p = &probes[i];
		have[i] = false;
		if (!btf)
			continue;
		const struct btf_type *proto =
		    p->func ? func_proto(btf, p->target, i == P_TW_EXIT) : tp_proto(btf, p->target);
		if (!proto)
			continue;
		unsigned first = p->func ? 0 : 1; /* a tracepoint's first is its context */
		have[i] = true;
		for (unsigned a = 0; a < 3; a++)
			if (!param_is(btf, proto, first + a, p->args[a]))
				have[i] = false;
	}
	have[P_TW_ENTER] = have[P_TW_EXIT] = have[P_TW_ENTER] && have[P_TW_EXIT];
	/* tcp_connect() gives the SYN-SENT record its port at once */
	have[P_SYN_TIMER] = have[P_SYN_TIMER] && !have[P_CONNECT];
	btf__free(btf);
}

static size_t ring_size(size_t want)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), n = page;
	if (!want)
		want = TL_EBPF_RING_DEFAULT;
	while (n < want && n < ((size_t)1 << 30))
		n <<= 1;
	return n;
}

/* Make the SYN-SENT timers before the probes attach (tl_syn_prepare):
 * the kernel may refuse some while it is short of memory, so ask again,
 * a few times.  A timer still missing is made, or counted as unarmed,
 * when its turn comes. */
static void prepare_syn_timers(struct tl_bpf *s)
{
	int fd = bpf_program__fd(s->progs.tl_syn_prepare);
	for (int i = 0; i < 50 && fd >= 0; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, run);
		if (bpf_prog_test_run_opts(fd, &run) < 0 || run.retval == 0)
			return;
		sched_yield();
	}
}

/* Open and load with the probes in use[]; NULL and -errno on failure. */
static struct tl_bpf *load(const bool use[P_N], size_t ring, int *err)
{
	struct tl_bpf *s = tl_bpf__open();
	if (!s) {
		*err = -errno;
		return NULL;
	}
	bpf_map__set_max_entries(s->maps.events, (__u32)ring);
	for (int i = 0; i < P_N; i++)
		bpf_program__set_autoload(prog_of(s, i), use[i]);
	bpf_program__set_autoload(s->progs.tl_syn_prepare, use[P_SYN_TIMER]);
	*err = tl_bpf__load(s);
	if (*err) {
		tl_bpf__destroy(s);
		return NULL;
	}
	if (use[P_SYN_TIMER])
		prepare_syn_timers(s);
	return s;
}

static void convert(const struct tl_bpf_rec *b, struct tl_exact_rec *r)
{
	/* to the microsecond: the views show milliseconds, and the
	 * nanoseconds were half of what a recording of records cost */
	r->mono_ns = b->ts - b->ts % 1000;
	r->netns_ino = b->netns;
	r->kind = b->kind < TL_EXACT_NKINDS ? b->kind : 0;
	r->from = b->oldstate;
	r->to = b->newstate;
	r->flags = (uint8_t)(((b->flags & TL_BPF_F_FIN_RCVD) ? TL_EXACT_FIN_RCVD : 0) |
			     ((b->flags & TL_BPF_F_ERROR) ? TL_EXACT_ERROR : 0) |
			     ((b->flags & TL_BPF_F_ORPHAN) ? TL_EXACT_ORPHAN : 0) |
			     ((b->flags & TL_BPF_F_TASK) && b->pid ? TL_EXACT_TASK : 0));
	if (r->flags & TL_EXACT_TASK) {
		r->pid = b->pid;
		memcpy(r->comm, b->comm, sizeof(b->comm));
		r->comm[sizeof(b->comm) - 1] = '\0';
	}
	r->tcp_flags = b->tcp_flags;
	struct tl_sock *s = &r->sock;
	s->cookie = b->cookie;
	s->family = b->family == AF_INET6 ? AF_INET6 : AF_INET;
	s->protocol = 6;
	s->state = b->newstate;
	memcpy(s->local, b->saddr, 16);
	memcpy(s->remote, b->daddr, 16);
	s->lport = b->sport;
	s->rport = b->dport;
	s->inode = b->ino;
	s->uid = b->uid;
	if (b->flags & TL_BPF_F_INFO) {
		s->flags |= TL_SOCK_HAS_INFO;
		s->info.bytes_acked = b->bytes_acked;
		s->info.bytes_received = b->bytes_received;
		s->info.segs_in = b->segs_in;
		s->info.segs_out = b->segs_out;
		s->info.rtt_us = b->srtt_us;
		s->info.state = b->newstate;
		s->info.have = TL_INFO_RTT | TL_INFO_BYTES_ACKED | TL_INFO_BYTES_RECEIVED |
			       TL_INFO_SEGS | TL_INFO_AT_CHANGE;
	}
}

static int on_sample(void *ctx, void *data, size_t size)
{
	struct tl_ebpf *x = ctx;
	if (size < sizeof(struct tl_bpf_rec) || !x->out)
		return 0;
	struct tl_bpf_rec b;
	memcpy(&b, data, sizeof(b));
	if (!b.kind || b.kind >= TL_EXACT_NKINDS)
		return 0;
	convert(&b, tl_exact_batch_add(x->out));
	return 0;
}

void tl_ebpf_free(struct tl_ebpf *x)
{
	if (!x)
		return;
	ring_buffer__free(x->rb);
	for (size_t i = 0; i < x->n_links; i++)
		bpf_link__destroy(x->links[i]);
	free(x->links);
	tl_bpf__destroy(x->skel);
	free(x);
}

struct tl_ebpf *tl_ebpf_new(size_t ring_bytes, char **cause)
{
	if (access(BTF_PATH, R_OK) < 0) {
		*cause = tl_strdup("exact mode needs a kernel with BTF (" BTF_PATH " is missing)");
		return NULL;
	}
	if (!privileged()) {
		*cause = tl_strdup("exact mode needs root (CAP_BPF and CAP_PERFMON)");
		return NULL;
	}
	libbpf_print_fn_t old_print = libbpf_set_print(on_libbpf_print);
	lib_log_len = 0;
	lib_log[0] = 0;

	bool have[P_N], use[P_N];
	kernel_offers(have);
	if (!have[P_STATE]) {
		libbpf_set_print(old_print);
		*cause = tl_strdup("exact mode needs the inet_sock_set_state tracepoint, which "
				   "this kernel's BTF does not have");
		return NULL;
	}
	memcpy(use, have, sizeof(use));
	size_t ring = ring_size(ring_bytes);
	int err;
	struct tl_bpf *s = load(use, ring, &err);
	if (!s) {
		/* An older verifier may refuse an extra (timers in tracing
		 * programs, bpf_get_func_ret): try without the extras. */
		char *first = log_reason();
		int first_err = err;
		for (int i = 0; i < P_N; i++)
			use[i] = have[i] && !probes[i].extra;
		lib_log_len = 0;
		lib_log[0] = 0;
		s = load(use, ring, &err);
		if (!s) {
			char *why = log_reason();
			if (!why) {
				why = first;
				first = NULL;
			}
			*cause =
			    tl_asprintf("the kernel refused the exact-mode eBPF program (%s)%s%s",
					strerror(-first_err), why ? ": " : "", why ? why : "");
			free(why);
			free(first);
			libbpf_set_print(old_print);
			return NULL;
		}
		free(first);
	}

	struct tl_ebpf *x = tl_calloc(1, sizeof(*x));
	x->skel = s;
	x->links = tl_calloc(P_N, sizeof(*x->links));
	size_t len = 0;
	for (int i = 0; i < P_N; i++) {
		if (!use[i])
			continue;
		struct bpf_link *l = bpf_program__attach(prog_of(s, i));
		if (!l) {
			err = -errno;
			if (probes[i].required) {
				*cause = tl_asprintf("attaching the exact-mode probe to %s: %s",
						     probes[i].target, strerror(-err));
				libbpf_set_print(old_print);
				tl_ebpf_free(x);
				return NULL;
			}
			continue;
		}
		x->links[x->n_links++] = l;
		if (probes[i].label && len < sizeof(x->attached))
			len += (size_t)snprintf(x->attached + len, sizeof(x->attached) - len,
						"%s%s", len ? " " : "", probes[i].label);
	}
	x->rb = ring_buffer__new(bpf_map__fd(s->maps.events), on_sample, x, NULL);
	libbpf_set_print(old_print);
	if (!x->rb) {
		*cause = tl_asprintf("exact mode: ring buffer: %s", strerror(errno));
		tl_ebpf_free(x);
		return NULL;
	}
	return x;
}

int tl_ebpf_watch(struct tl_ebpf *x, uint32_t netns_ino, char **cause)
{
	__u8 one = 1;
	__u32 key = netns_ino;
	if (bpf_map__update_elem(x->skel->maps.netns, &key, sizeof(key), &one, sizeof(one),
				 BPF_ANY) < 0) {
		int err = -errno;
		*cause =
		    tl_asprintf("exact mode: watching namespace %u: %s", netns_ino, strerror(-err));
		return err;
	}
	return 0;
}

void tl_ebpf_unwatch(struct tl_ebpf *x, uint32_t netns_ino)
{
	__u32 key = netns_ino;
	bpf_map__delete_elem(x->skel->maps.netns, &key, sizeof(key), 0);
}

int tl_ebpf_fd(const struct tl_ebpf *x)
{
	return ring_buffer__epoll_fd(x->rb);
}

int tl_ebpf_read(struct tl_ebpf *x, struct tl_exact_batch *out)
{
	size_t n0 = out->n;
	x->out = out;
	int r = ring_buffer__consume(x->rb);
	x->out = NULL;
	return r < 0 ? r : (int)(out->n - n0);
}

uint64_t tl_ebpf_lost(const struct tl_ebpf *x)
{
	return __atomic_load_n(&x->skel->bss->lost, __ATOMIC_RELAXED);
}

const char *tl_ebpf_attached(const struct tl_ebpf *x)
{
	return x->attached;
}

#else /* !HAVE_EBPF */

bool tl_ebpf_built(void)
{
	return false;
}

struct tl_ebpf *tl_ebpf_new(size_t ring_bytes, char **cause)
{
	(void)ring_bytes;
	*cause = tl_strdup("this build has no exact mode (it needs libbpf, bpftool and clang "
			   "with the BPF target when it is built)");
	return NULL;
}

void tl_ebpf_free(struct tl_ebpf *x)
{
	(void)x;
}

int tl_ebpf_watch(struct tl_ebpf *x, uint32_t netns_ino, char **cause)
{
	(void)x;
	(void)netns_ino;
	(void)cause;
	return -ENOSYS;
}

void tl_ebpf_unwatch(struct tl_ebpf *x, uint32_t netns_ino)
{
	(void)x;
	(void)netns_ino;
}

int tl_ebpf_fd(const struct tl_ebpf *x)
{
	(void)x;
	return -1;
}

int tl_ebpf_read(struct tl_ebpf *x, struct tl_exact_batch *out)
{
	(void)x;
	(void)out;
	return 0;
}

uint64_t tl_ebpf_lost(const struct tl_ebpf *x)
{
	(void)x;
	return 0;
}

const char *tl_ebpf_attached(const struct tl_ebpf *x)
{
	(void)x;
	return "";
}

#endif
