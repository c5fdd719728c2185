/* filter: a filter's tree (parsed by filterparse.c) printed back in
 * normal form and evaluated in user space; filtercode.c compiles the same
 * tree to inet_diag bytecode that agrees with the evaluator. */
#include <arpa/inet.h>
#include <fnmatch.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tcpladder/filter.h"
#include "tcpladder/filtertree.h"
#include "tcpladder/tcpstate.h"
#include "tcpladder/util.h"

/* ---- text ---- */

static const char *cmp_text(enum cmp c)
{
	static const char *const text[] = {"=", "!=", "<", ">", "<=", ">="};
	return text[c];
}

static void host_text(struct tl_buf *b, const struct tl_hostcond *h)
{
	char ip[INET6_ADDRSTRLEN];

	if (h->family == AF_UNSPEC) {
		tl_buf_putc(b, '*');
	} else {
		if (!inet_ntop(h->family, h->addr, ip, sizeof(ip)))
			strcpy(ip, "?");
		if (h->family == AF_INET6)
			tl_buf_printf(b, "[%s]", ip);
		else
			tl_buf_puts(b, ip);
		if (h->plen != (h->family == AF_INET6 ? 128 : 32))
			tl_buf_printf(b, "/%u", h->plen);
	}
	if (h->port >= 0)
		tl_buf_printf(b, ":%d", h->port);
}

static void node_text(struct tl_buf *b, const struct tl_fnode *n);

static void child_text(struct tl_buf *b, const struct tl_fnode *c, bool parens)
{
	if (parens)
		tl_buf_putc(b, '(');
	node_text(b, c);
	if (parens)
		tl_buf_putc(b, ')');
}

static void node_text(struct tl_buf *b, const struct tl_fnode *n)
{
	switch (n->kind) {
	case N_LIST:
		/* Grouping is from the left, so no parentheses are needed
		 * where the operator changes; they are added anyway so that
		 * a reader used to "and before or" is not misled:
		 * "(a or b) and c" (see MAX_MARKED_CHANGES). */
		for (size_t i = 0; tl_fnode_marked(n) && i < n->changes; i++)
			tl_buf_putc(b, '(');
		child_text(b, n->terms[0].node, n->terms[0].node->kind == N_LIST);
		for (size_t i = 1; i < n->n; i++) {
			if (i >= 2 && n->terms[i].is_or != n->terms[i - 1].is_or &&
			    tl_fnode_marked(n))
				tl_buf_putc(b, ')');
			tl_buf_puts(b, n->terms[i].is_or ? " or " : " and ");
			child_text(b, n->terms[i].node, n->terms[i].node->kind == N_LIST);
		}
		break;
	case N_NOT:
		tl_buf_puts(b, "not ");
		child_text(b, n->a, n->a->kind == N_LIST);
		break;
	case N_PORT:
		tl_buf_printf(b, "%s %s ", n->dst ? "dport" : "sport", cmp_text(n->cmp));
		if (n->port < 0)
			tl_buf_putc(b, '*');
		else
			tl_buf_printf(b, ":%d", n->port);
		break;
	case N_HOST:
		tl_buf_puts(b, n->dst ? "dst " : "src ");
		if (n->cmp == C_NE)
			tl_buf_puts(b, "!= ");
		host_text(b, &n->host);
		break;
	case N_PID:
		tl_buf_printf(b, "pid %s %d", cmp_text(n->cmp), n->port);
		break;
	case N_COMM:
		tl_buf_printf(b, "comm %s %s", cmp_text(n->cmp), n->name);
		break;
	}
}

/* The states part in a canonical form: whichever of "state ..." and
 * "exclude ..." lists fewer names. */
static void states_text(struct tl_buf *b, uint32_t states)
{
	static const char *const names[TL_TCP_NSTATES] = {
	    [TL_TCP_ESTABLISHED] = "established",
	    [TL_TCP_SYN_SENT] = "syn-sent",
	    [TL_TCP_SYN_RECV] = "syn-recv",
	    [TL_TCP_FIN_WAIT1] = "fin-wait-1",
	    [TL_TCP_FIN_WAIT2] = "fin-wait-2",
	    [TL_TCP_TIME_WAIT] = "time-wait",
	    [TL_TCP_CLOSE] = "closed",
	    [TL_TCP_CLOSE_WAIT] = "close-wait",
	    [TL_TCP_LAST_ACK] = "last-ack",
	    [TL_TCP_LISTEN] = "listening",
	    [TL_TCP_CLOSING] = "closing",
	};
	int in = 0;

	if (states == TL_TCPF_ALL)
		return;
	if (states == 0) {
		tl_buf_puts(b, "exclude all");
		return;
	}
	for (int s = TL_TCP_ESTABLISHED; s <= TL_TCP_CLOSING; s++)
		in += !!(states & TL_TCPF(s));
	for (int s = TL_TCP_ESTABLISHED; s <= TL_TCP_CLOSING; s++) {
		bool set = states & TL_TCPF(s);
		if (set != (in <= TL_TCP_NSHOWN - in))
			continue;
		if (b->len)
			tl_buf_putc(b, ' ');
		tl_buf_printf(b, "%s %s", set ? "state" : "exclude", names[s]);
	}
}

/* ---- public ---- */

struct tl_filter *tl_filter_parse(const char *expr, char **cause)
{
	struct tl_filter parsed = {0}, *f;
	struct tl_fnode *root;
	struct tl_buf b;
	char *dummy;

	if (!cause)
		cause = &dummy;
	*cause = NULL;
	if (tl_ftree_parse(expr, &parsed, cause) < 0) {
		if (cause == &dummy)
			free(dummy);
		return NULL;
	}
	f = tl_calloc(1, sizeof(*f));
	*f = parsed;
	root = f->root;
	tl_buf_init(&b);
	states_text(&b, f->states);
	for (size_t i = 0; i < f->n_netns; i++)
		tl_buf_printf(&b, "%snetns %s", b.len ? " " : "", f->netns[i]);
	if (root) {
		/* The state mask applies to the whole: parentheses unless the
		 * outermost (last) operator is "and" and the list is marked. */
		bool parens = b.len && root->kind == N_LIST &&
			      (root->terms[root->n - 1].is_or || !tl_fnode_marked(root));
		if (b.len)
			tl_buf_puts(&b, " and ");
		child_text(&b, root, parens);
	}
	f->text = b.data;
	return f;
}

void tl_filter_free(struct tl_filter *f)
{
	if (!f)
		return;
	tl_fnode_free(f->root);
	free(f->text);
	for (size_t i = 0; i < f->n_netns; i++)
		free(f->netns[i]);
	free(f->netns);
	free(f);
}

bool tl_filter_netns(const struct tl_filter *f, const char *label)
{
	if (!f || !f->n_netns)
		return true;
	for (size_t i = 0; i < f->n_netns; i++)
		if (!strcmp(f->netns[i], label) || fnmatch(f->netns[i], label, 0) == 0)
			return true;
	return false;
}

const char *tl_filter_text(const struct tl_filter *f)
{
	return f->text;
}

uint32_t tl_filter_states(const struct tl_filter *f)
{
	return f->states;
}

/* ---- user-space evaluator (the kernel's semantics) ---- */

static bool prefix_match(const uint8_t *a, const uint8_t *b, int bits)
{
	int bytes = bits / 8, rest = bits % 8;

	if (memcmp(a, b, (size_t)bytes))
		return false;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));
		if ((a[bytes] ^ b[bytes]) & mask)
			return false;
	}
	return true;
}

static bool host_match(const struct tl_hostcond *h, int family, const uint8_t addr[16],
		       uint16_t port)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	if (h->port != -1 && h->port != port)
		return false;
	if (h->family == AF_UNSPEC)
		return true;
	if (h->family != family)
		/* A v4 condition matches a v4-mapped v6 socket. */
		return family == AF_INET6 && h->family == AF_INET &&
		       !memcmp(addr, mapped, sizeof(mapped)) &&
		       prefix_match(addr + 12, h->addr, h->plen);
	return prefix_match(addr, h->addr, h->plen);
}

/* The owner an evaluation knows: pid 0 when no process holds the socket. */
struct owner {
	int pid;
	const char *comm;
};

static bool cmp_int(enum cmp c, int a, int b)
{
	switch (c) {
	case C_EQ:
		return a == b;
	case C_NE:
		return a != b;
	case C_LT:
		return a < b;
	case C_GT:
		return a > b;
	case C_LE:
		return a <= b;
	case C_GE:
		return a >= b;
	}
	return false;
}

/* Without an owner (o NULL), a pid or comm term could go either way: it
 * counts as hi, flipped under "not", so that the result is an upper
 * bound (hi true) of what the owner would decide, as the bytecode is. */
static bool eval(const struct tl_fnode *n, const struct tl_sock *s, const struct owner *o, bool hi)
{
	int port;
	bool r;

	switch (n->kind) {
	case N_LIST:
		r = eval(n->terms[0].node, s, o, hi);
		for (size_t i = 1; i < n->n; i++)
			if (r != n->terms[i].is_or) /* else the prefix decides */
				r = eval(n->terms[i].node, s, o, hi);
		return r;
	case N_NOT:
		return !eval(n->a, s, o, !hi);
	case N_PID:
		if (!o)
			return hi;
		return o->pid > 0 && cmp_int(n->cmp, o->pid, n->port);
	case N_COMM:
		if (!o)
			return hi;
		if (o->pid <= 0 || !o->comm)
			return false;
		r = !strcmp(n->name, o->comm) || fnmatch(n->name, o->comm, 0) == 0;
		return n->cmp == C_NE ? !r : r;
	case N_PORT:
		port = n->dst ? s->rport : s->lport;
		switch (n->cmp) {
		case C_EQ:
			return n->port < 0 || port == n->port;
		case C_NE:
			return n->port >= 0 && port != n->port;
		case C_LT:
			return port < n->port;
		case C_GT:
			return port > n->port;
		case C_LE:
			return port <= n->port;
		case C_GE:
			return port >= n->port;
		}
		return false;
	case N_HOST:
		r = n->dst ? host_match(&n->host, s->family, s->remote, s->rport)
			   : host_match(&n->host, s->family, s->local, s->lport);
		return n->cmp == C_NE ? !r : r;
	}
	return false;
}

bool tl_filter_match(const struct tl_filter *f, const struct tl_sock *s)
{
	int st = tl_tcp_state_shown(s->state);

	if (st >= TL_TCP_NSTATES || !(f->states & TL_TCPF(st)))
		return false;
	return !f->root || eval(f->root, s, NULL, true);
}

bool tl_filter_match_owner(const struct tl_filter *f, const struct tl_sock *s, int pid,
			   const char *comm)
{
	struct owner o = {pid > 0 ? pid : 0, comm};
	int st = tl_tcp_state_shown(s->state);

	if (st >= TL_TCP_NSTATES || !(f->states & TL_TCPF(st)))
		return false;
	return !f->root || eval(f->root, s, &o, true);
}

bool tl_filter_has_owner(const struct tl_filter *f)
{
	return f && f->owner;
}
