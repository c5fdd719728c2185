/* filtercode: a filter's tree compiled to inet_diag bytecode, the
 * kernel's filter language, so that the kernel sends only the sockets the
 * user-space evaluator (filter.c) would keep. */
#include <errno.h>
#include <linux/inet_diag.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tcpladder/filter.h"
#include "tcpladder/filtertree.h"
#include "tcpladder/util.h"

/* ---- bytecode ---- */

/* A compiled fragment: falling off its end means "yes"; "no" jumps to
 * 4 bytes past its end (ss's convention, so fragments concatenate). */
struct frag {
	uint8_t *code;
	size_t len, cap;
};

static void put_bytes(struct frag *f, const void *p, size_t n)
{
	if (n == 0)
		return;
	if (n > f->cap - f->len) { /* grown geometrically: lists are long */
		f->cap = TL_MAX(f->len + n, 2 * f->cap);
		f->code = tl_reallocarray(f->code, f->cap, 1);
	}
	memcpy(f->code + f->len, p, n);
	f->len += n;
}

static void put_op(struct frag *f, uint8_t code, uint8_t yes, uint16_t no)
{
	struct inet_diag_bc_op op = {.code = code, .yes = yes, .no = no};

	put_bytes(f, &op, sizeof(op));
}

static void get_op(const uint8_t *p, struct inet_diag_bc_op *op)
{
	memcpy(op, p, sizeof(*op));
}

/* Offsets into a fragment, to be patched once their target is known. */
struct patches {
	size_t *at;
	size_t n, cap;
};

static void patches_add(struct patches *p, size_t at)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 16;
		p->at = tl_reallocarray(p->at, p->cap, sizeof(*p->at));
	}
	p->at[p->n++] = at;
}

/* Point the "no" of each op in p at target (an offset in code); empty p.
 * Offsets stay below MAX_CODE + 8, so they fit in 16 bits. */
static void patches_apply(struct patches *p, uint8_t *code, size_t target)
{
	for (size_t i = 0; i < p->n; i++) {
		struct inet_diag_bc_op op;

		get_op(code + p->at[i], &op);
		op.no = (uint16_t)(target - p->at[i]);
		memcpy(code + p->at[i], &op, sizeof(op));
	}
	p->n = 0;
}

/* The "no" exits of a fragment of len bytes (ops jumping to 4 bytes past
 * its end), now placed at base, into p. */
static void find_exits(const uint8_t *code, size_t len, size_t base, struct patches *p)
{
	size_t at = 0;

	while (at < len) {
		struct inet_diag_bc_op op;

		get_op(code + at, &op);
		if (op.no == len - at + 4)
			patches_add(p, base + at);
		at += op.yes;
	}
}

static void emit_hostcond(struct frag *f, uint8_t code, const struct tl_hostcond *h)
{
	size_t alen = h->family == AF_INET6 ? 16 : h->family == AF_INET ? 4 : 0;
	struct inet_diag_hostcond c = {.family = h->family, .prefix_len = h->plen, .port = h->port};
	size_t oplen = sizeof(struct inet_diag_bc_op) + sizeof(c) + alen;

	put_op(f, code, (uint8_t)oplen, (uint16_t)(oplen + 4));
	put_bytes(f, &c, sizeof(c));
	put_bytes(f, h->addr, alen);
}

static void emit_port_cmp(struct frag *f, uint8_t code, int port)
{
	put_op(f, code, 8, 12);
	put_op(f, 0, 0, (uint16_t)port);
}

static void emit_not(struct frag *f)
{
	put_op(f, INET_DIAG_BC_JMP, 4, 8);
}

static int compile(const struct tl_fnode *n, struct frag *out, bool neg);

/* A list in one pass, its terms in a row.  Grouped from the left, the
 * list so far is the prefix: "and t" runs t when the prefix said yes and
 * keeps its "no" exits for the list's end; "or t" puts a jump over t for
 * the prefix's yes, and its "no" exits land on t.  Exits wait in yes and
 * no until their target is known, so each term is copied and scanned
 * once (no recursion per term, linear in the code's size). */
static int compile_list(const struct tl_fnode *n, struct frag *out, bool neg)
{
	struct patches yes = {0}, no = {0};
	int err = 0;

	for (size_t i = 0; i < n->n && !err; i++) {
		struct frag t = {0};

		if (i > 0 && n->terms[i].is_or) {
			patches_add(&yes, out->len);
			put_op(out, INET_DIAG_BC_JMP, 4, 0);
			patches_apply(&no, out->code, out->len);
		} else if (i > 0) {
			patches_apply(&yes, out->code, out->len);
		}
		err = compile(n->terms[i].node, &t, neg);
		if (!err && out->len + t.len > MAX_CODE)
			err = -EOPNOTSUPP;
		if (!err) {
			find_exits(t.code, t.len, out->len, &no);
			put_bytes(out, t.code, t.len);
		}
		free(t.code);
	}
	if (!err) {
		patches_apply(&yes, out->code, out->len);
		patches_apply(&no, out->code, out->len + 4);
	}
	free(yes.at);
	free(no.at);
	return err;
}

/* Compile n, appending to out; -EOPNOTSUPP once the code grows past
 * MAX_CODE (offsets are 16 bits).  The kernel knows no owners: a pid or
 * comm term passes (no code) where that lets more sockets through, and
 * fails (a jump to "no") under an odd number of "not"s (neg), so the
 * program keeps every socket the user-space evaluator might keep. */
static int compile(const struct tl_fnode *n, struct frag *out, bool neg)
{
	struct frag a = {0};
	int err = 0;

	switch (n->kind) {
	case N_LIST:
		err = compile_list(n, out, neg);
		break;
	case N_PID:
	case N_COMM:
		if (neg)
			put_op(out, INET_DIAG_BC_JMP, 4, 8);
		break;
	case N_NOT:
		if ((err = compile(n->a, &a, !neg)) < 0)
			break;
		put_bytes(out, a.code, a.len);
		emit_not(out);
		break;
	case N_PORT: {
		bool d = n->dst;
		switch (n->cmp) {
		case C_EQ:
		case C_NE: {
			struct tl_hostcond h = {.family = AF_UNSPEC, .port = n->port};
			emit_hostcond(out, d ? INET_DIAG_BC_D_COND : INET_DIAG_BC_S_COND, &h);
			if (n->cmp == C_NE)
				emit_not(out);
			break;
		}
		case C_GE:
		case C_LT:
			emit_port_cmp(out, d ? INET_DIAG_BC_D_GE : INET_DIAG_BC_S_GE, n->port);
			if (n->cmp == C_LT)
				emit_not(out);
			break;
		case C_LE:
		case C_GT:
			emit_port_cmp(out, d ? INET_DIAG_BC_D_LE : INET_DIAG_BC_S_LE, n->port);
			if (n->cmp == C_GT)
				emit_not(out);
			break;
		}
		break;
	}
	case N_HOST:
		emit_hostcond(out, n->dst ? INET_DIAG_BC_D_COND : INET_DIAG_BC_S_COND, &n->host);
		if (n->cmp == C_NE)
			emit_not(out);
		break;
	}
	free(a.code);
	if (!err && out->len > MAX_CODE)
		err = -EOPNOTSUPP;
	return err;
}

int tl_filter_bytecode(const struct tl_filter *f, uint8_t **code, size_t *len)
{
	struct frag out = {0};
	int err;

	*code = NULL;
	*len = 0;
	if (!f->root)
		return 0;
	err = compile(f->root, &out, false);
	if (err < 0 || !out.len) { /* nothing left but owner terms: no program */
		free(out.code);
		return err < 0 ? err : 0;
	}
	*code = out.code;
	*len = out.len;
	return 0;
}
