/* bc-model.h: a model of the kernel's inet_diag bytecode (the audit and
 * the interpreter of net/ipv4/inet_diag.c), shared by test-filter and the
 * filter fuzz target, to check what tl_filter_bytecode() emits. */
#ifndef TL_BC_MODEL_H
#define TL_BC_MODEL_H

#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "tcpladder/snapshot.h"
#include "tcpladder/tcpstate.h"

#define SOCK_BINDPORT_LOCK 8 /* include/net/sock.h */

struct entry {
	int family;
	const uint8_t *saddr, *daddr;
	unsigned sport, dport;
	uint32_t ifindex, userlocks, mark;
};

static uint32_t word(const uint8_t *p)
{
	uint32_t w;
	memcpy(&w, p, 4);
	return w;
}

/* bitstring_match(): whole 32-bit words, then the masked rest. */
static int bitstring_match(const uint8_t *a1, const uint8_t *a2, int bits)
{
	int words = bits >> 5;

	bits &= 0x1f;
	if (words && memcmp(a1, a2, (size_t)words << 2))
		return 0;
	if (bits) {
		uint32_t mask = htonl(0xffffffffu << (32 - bits));
		if ((word(a1 + 4 * words) ^ word(a2 + 4 * words)) & mask)
			return 0;
	}
	return 1;
}

static struct inet_diag_bc_op op_at(const uint8_t *p)
{
	struct inet_diag_bc_op op;
	memcpy(&op, p, sizeof(op));
	return op;
}

/* inet_diag_bc_run(): "yes" and "no" are byte offsets from the current
 * op; the program accepts when it runs exactly to its end. */
static int bc_run(const uint8_t *bc, int len, const struct entry *e)
{
	while (len > 0) {
		struct inet_diag_bc_op op = op_at(bc);
		int yes = 1;

		switch (op.code) {
		case INET_DIAG_BC_NOP:
			break;
		case INET_DIAG_BC_JMP:
			yes = 0;
			break;
		case INET_DIAG_BC_S_EQ:
			yes = e->sport == op_at(bc + 4).no;
			break;
		case INET_DIAG_BC_S_GE:
			yes = e->sport >= op_at(bc + 4).no;
			break;
		case INET_DIAG_BC_S_LE:
			yes = e->sport <= op_at(bc + 4).no;
			break;
		case INET_DIAG_BC_D_EQ:
			yes = e->dport == op_at(bc + 4).no;
			break;
		case INET_DIAG_BC_D_GE:
			yes = e->dport >= op_at(bc + 4).no;
			break;
		case INET_DIAG_BC_D_LE:
			yes = e->dport <= op_at(bc + 4).no;
			break;
		case INET_DIAG_BC_AUTO:
			yes = !(e->userlocks & SOCK_BINDPORT_LOCK);
			break;
		case INET_DIAG_BC_S_COND:
		case INET_DIAG_BC_D_COND: {
			struct inet_diag_hostcond cond;
			const uint8_t *caddr = bc + 4 + sizeof(cond);
			const uint8_t *addr;

			memcpy(&cond, bc + 4, sizeof(cond));
			if (cond.port != -1 &&
			    cond.port !=
			        (int)(op.code == INET_DIAG_BC_S_COND ? e->sport : e->dport)) {
				yes = 0;
				break;
			}
			addr = op.code == INET_DIAG_BC_S_COND ? e->saddr : e->daddr;
			if (cond.family != AF_UNSPEC && cond.family != e->family) {
				if (e->family == AF_INET6 && cond.family == AF_INET) {
					if (word(addr) == 0 && word(addr + 4) == 0 &&
					    word(addr + 8) == htonl(0xffff) &&
					    bitstring_match(addr + 12, caddr, cond.prefix_len))
						break;
				}
				yes = 0;
				break;
			}
			if (cond.prefix_len == 0)
				break;
			if (bitstring_match(addr, caddr, cond.prefix_len))
				break;
			yes = 0;
			break;
		}
		case INET_DIAG_BC_DEV_COND:
			if (word(bc + 4) != e->ifindex)
				yes = 0;
			break;
		case INET_DIAG_BC_MARK_COND: {
			struct inet_diag_markcond c;
			memcpy(&c, bc + 4, sizeof(c));
			if ((e->mark & c.mask) != c.mark)
				yes = 0;
			break;
		}
		}
		if (yes) {
			len -= op.yes;
			bc += op.yes;
		} else {
			len -= op.no;
			bc += op.no;
		}
	}
	return len == 0;
}

/* valid_cc(): a jump target must lie on the chain of "yes" offsets. */
static int valid_cc(const uint8_t *bc, int len, int cc)
{
	while (len >= 0) {
		struct inet_diag_bc_op op;

		if (cc > len)
			return 0;
		if (cc == len)
			return 1;
		op = op_at(bc);
		if (op.yes < 4 || op.yes & 3)
			return 0;
		len -= op.yes;
		bc += op.yes;
	}
	return 0;
}

/* inet_diag_bc_audit(), as for a caller with CAP_NET_ADMIN. */
static int bc_audit(const uint8_t *code, int total)
{
	const uint8_t *bc = code;
	int len = total;

	if (total < (int)sizeof(struct inet_diag_bc_op))
		return -EINVAL;
	while (len > 0) {
		int min_len = sizeof(struct inet_diag_bc_op);
		struct inet_diag_bc_op op;

		if (len < min_len)
			return -EINVAL;
		op = op_at(bc);
		switch (op.code) {
		case INET_DIAG_BC_S_COND:
		case INET_DIAG_BC_D_COND: {
			struct inet_diag_hostcond cond;
			int alen;

			min_len += sizeof(cond);
			if (len < min_len)
				return -EINVAL;
			memcpy(&cond, bc + 4, sizeof(cond));
			alen = cond.family == AF_UNSPEC  ? 0
			       : cond.family == AF_INET  ? 4
			       : cond.family == AF_INET6 ? 16
			                                 : -1;
			if (alen < 0)
				return -EINVAL;
			min_len += alen;
			if (len < min_len || cond.prefix_len > 8 * alen)
				return -EINVAL;
			break;
		}
		case INET_DIAG_BC_DEV_COND:
			min_len += 4;
			if (len < min_len)
				return -EINVAL;
			break;
		case INET_DIAG_BC_S_EQ:
		case INET_DIAG_BC_S_GE:
		case INET_DIAG_BC_S_LE:
		case INET_DIAG_BC_D_EQ:
		case INET_DIAG_BC_D_GE:
		case INET_DIAG_BC_D_LE:
			min_len += 4;
			if (len < min_len)
				return -EINVAL;
			break;
		case INET_DIAG_BC_MARK_COND:
			min_len += sizeof(struct inet_diag_markcond);
			if (len < min_len)
				return -EINVAL;
			break;
		case INET_DIAG_BC_AUTO:
		case INET_DIAG_BC_JMP:
		case INET_DIAG_BC_NOP:
			break;
		default:
			return -EINVAL;
		}
		if (op.code != INET_DIAG_BC_NOP) {
			if (op.no < min_len || op.no > len + 4 || op.no & 3)
				return -EINVAL;
			if (op.no < len && !valid_cc(code, total, len - op.no))
				return -EINVAL;
		}
		if (op.yes < min_len || op.yes > len + 4 || op.yes & 3)
			return -EINVAL;
		bc += op.yes;
		len -= op.yes;
	}
	return len == 0 ? 0 : -EINVAL;
}

/* What a dump with this mask and program returns for s. */
static bool kernel_keeps(uint32_t states, const uint8_t *code, size_t len, const struct tl_sock *s)
{
	struct entry e = {
	    .family = s->family,
	    .saddr = s->local,
	    .daddr = s->remote,
	    .sport = s->lport,
	    .dport = s->rport,
	    .ifindex = s->ifindex,
	};

	if (states & TL_TCPF(TL_TCP_SYN_RECV))
		states |= TL_TCPF(TL_TCP_NEW_SYN_RECV);
	if (s->state >= 32 || !(states & (1u << s->state)))
		return false;
	return !code || bc_run(code, (int)len, &e);
}

#endif
