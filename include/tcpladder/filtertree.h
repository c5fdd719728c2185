/* filtertree: the tree a filter expression parses to, shared by the
 * parser (filterparse.c), the printer and evaluator (filter.c) and the
 * bytecode compiler (filtercode.c).  Private to the filter module: nothing
 * else includes it. */
#ifndef TCPLADDER_FILTERTREE_H
#define TCPLADDER_FILTERTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A list's normal form marks each change of operator with parentheses,
 * "(a or b) and c", up to this many changes; a longer alternation is
 * printed without them (it groups from the left all the same), so that
 * its normal form is not nested deeper than it can be parsed back. */
#define MAX_MARKED_CHANGES 16
/* A netlink attribute's length is 16 bits and includes its 4-byte header. */
#define MAX_CODE 65528
/* N_PID and N_COMM test the socket's owner, which no dump carries: the
 * kernel's bytecode cannot hold them (filtercode.c compiles a superset). */
enum node_kind { N_LIST, N_NOT, N_PORT, N_HOST, N_PID, N_COMM };
enum cmp { C_EQ, C_NE, C_LT, C_GT, C_LE, C_GE };

/* One address condition, with the kernel's inet_diag_hostcond meaning:
 * family AF_UNSPEC matches any address; port -1 any port. */
struct tl_hostcond {
	uint8_t family;
	uint8_t plen;
	int port;
	uint8_t addr[16];
};

struct tl_fnode;

/* A term of a list and how it joins what precedes it. */
struct tl_fterm {
	struct tl_fnode *node;
	bool is_or; /* "or", else "and"; unused in the first term */
};

struct tl_fnode {
	enum node_kind kind;
	enum cmp cmp; /* N_PORT, N_PID, N_HOST and N_COMM (C_EQ or C_NE) */
	bool dst;     /* dport / dst rather than sport / src */
	int depth;
	int port;   /* N_PORT: 0..65535, or -1 for "*"; N_PID: the pid */
	char *name; /* N_COMM: a command name or a shell pattern of them */
	struct tl_hostcond host;
	struct tl_fnode *a; /* N_NOT */
	/* N_LIST: two or more terms grouped from the left, as ss groups
	 * them: "a or b and c" is ((a or b) and c).  A flat list of any
	 * length is one node, so its length costs no depth. */
	struct tl_fterm *terms;
	size_t n, cap;
	size_t changes; /* of operator, along the list */
	int kid_depth;  /* the deepest term's depth */
};

struct tl_filter {
	struct tl_fnode *root; /* NULL: every socket */
	uint32_t states;
	char *text;
	char **netns; /* "netns" clauses' patterns (none: every namespace) */
	size_t n_netns;
	bool owner; /* has pid or comm terms */
};

static inline bool tl_fnode_marked(const struct tl_fnode *l)
{
	return l->changes <= MAX_MARKED_CHANGES;
}

/* filterparse.c: expr (NULL: empty) parsed into f's root, states, netns
 * clauses and owner flag; 0, or -1 with *cause set to one line (caller
 * frees) and f untouched. */
int tl_ftree_parse(const char *expr, struct tl_filter *f, char **cause);
void tl_fnode_free(struct tl_fnode *n);

#endif
