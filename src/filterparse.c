/* filterparse: ss-style filter expressions parsed to the tree of
 * filtertree.h: the lexer, the values (ports, addresses, states) and the
 * parser, with a message naming the column of what is wrong.  filter.c
 * prints and evaluates the tree, filtercode.c compiles it. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "tcpladder/filter.h"
#include "tcpladder/filtertree.h"
#include "tcpladder/tcpstate.h"
#include "tcpladder/util.h"

/* Deeper trees are refused, so evaluation, compilation and printing
 * (recursive in the depth, iterative along a list of terms) have a
 * bounded stack, whatever a fuzzer sends. */
#define MAX_DEPTH 256

/* ---- lexer ---- */

enum tok_kind { T_END, T_LP, T_RP, T_AND, T_OR, T_NOT, T_OP, T_WORD };

struct tok {
	enum tok_kind kind;
	enum cmp cmp; /* T_OP */
	const char *s;
	size_t n;
	size_t col; /* 1-based */
};

struct parser {
	const char *in;
	size_t pos;
	struct tok t; /* current token */
	char *cause;
	bool saw_state; /* a state clause sits on the top-level "and" chain */
	uint32_t want;  /* union of "state" clauses */
	uint32_t drop;  /* union of "exclude" clauses */
	char **netns;   /* "netns" clauses */
	size_t n_netns;
	int nest;
	bool owner; /* a pid or comm term was parsed */
};

static bool word_char(char c)
{
	return c && !strchr(" \t\n\r\f\v()=!<>&|", c);
}

static bool tok_is(const struct tok *t, const char *w)
{
	return t->kind == T_WORD && strlen(w) == t->n && !strncasecmp(t->s, w, t->n);
}

static void next(struct parser *p)
{
	static const struct {
		const char *w;
		enum tok_kind kind;
		enum cmp cmp;
	} words[] = {
	    {"and", T_AND, 0},   {"or", T_OR, 0},     {"not", T_NOT, 0},  {"eq", T_OP, C_EQ},
	    {"neq", T_OP, C_NE}, {"ne", T_OP, C_NE},  {"lt", T_OP, C_LT}, {"gt", T_OP, C_GT},
	    {"le", T_OP, C_LE},  {"leq", T_OP, C_LE}, {"ge", T_OP, C_GE}, {"geq", T_OP, C_GE},
	};
	const char *in = p->in;
	struct tok *t = &p->t;
	size_t i = p->pos;

	while (in[i] && strchr(" \t\n\r\f\v", in[i]))
		i++;
	t->s = in + i;
	t->col = i + 1;
	t->n = 1;
	switch (in[i]) {
	case '\0':
		t->kind = T_END;
		t->n = 0;
		break;
	case '(':
		t->kind = T_LP;
		break;
	case ')':
		t->kind = T_RP;
		break;
	case '&':
	case '|':
		t->kind = in[i] == '&' ? T_AND : T_OR;
		if (in[i + 1] == in[i])
			t->n = 2;
		break;
	case '!':
		t->kind = T_NOT;
		if (in[i + 1] == '=') {
			t->kind = T_OP;
			t->cmp = C_NE;
			t->n = 2;
		}
		break;
	case '=':
		t->kind = T_OP;
		t->cmp = C_EQ;
		if (in[i + 1] == '=')
			t->n = 2;
		break;
	case '<':
	case '>':
		t->kind = T_OP;
		t->cmp = in[i] == '<' ? C_LT : C_GT;
		if (in[i + 1] == '=') {
			t->cmp = in[i] == '<' ? C_LE : C_GE;
			t->n = 2;
		}
		break;
	default:
		t->kind = T_WORD;
		t->n = 0;
		while (word_char(in[i + t->n]))
			t->n++;
		for (size_t k = 0; k < TL_ARRAY_SIZE(words); k++)
			if (tok_is(t, words[k].w)) {
				t->kind = words[k].kind;
				t->cmp = words[k].cmp;
			}
		break;
	}
	p->pos = i + t->n;
}

TL_PRINTF(2, 3) static void fail(struct parser *p, const char *fmt, ...)
{
	struct tl_buf b;
	va_list ap;

	if (p->cause)
		return;
	tl_buf_init(&b);
	va_start(ap, fmt);
	tl_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	p->cause = b.data;
}

/* How a token is quoted in messages (long words are cut). */
#define TOKQ(t) (int)((t)->n > 40 ? 40 : (t)->n), (t)->s

/* ---- nodes ---- */

void tl_fnode_free(struct tl_fnode *n)
{
	if (!n)
		return;
	tl_fnode_free(n->a);
	free(n->name);
	for (size_t i = 0; i < n->n; i++)
		tl_fnode_free(n->terms[i].node);
	free(n->terms);
	free(n);
}

static struct tl_fnode *node_new(enum node_kind kind, struct tl_fnode *a)
{
	struct tl_fnode *n = tl_calloc(1, sizeof(*n));

	n->kind = kind;
	n->a = a;
	n->depth = 1 + (a ? a->depth : 0);
	return n;
}

/* acc joined with t: t appended when acc is a list already (a list from
 * parentheses too: grouping from the left, "(a or b) and c" is the list
 * "a or b and c"), else a new list of the two.  The depth counts the
 * parentheses of the normal form, so that what parses prints as
 * something that parses back. */
static struct tl_fnode *list_add(struct tl_fnode *acc, bool is_or, struct tl_fnode *t)
{
	if (acc->kind != N_LIST) {
		struct tl_fnode *l = node_new(N_LIST, NULL);
		l->cap = 4;
		l->terms = tl_reallocarray(NULL, l->cap, sizeof(*l->terms));
		l->terms[l->n++] = (struct tl_fterm){acc, false};
		l->kid_depth = acc->depth;
		acc = l;
	}
	if (acc->n == acc->cap) {
		acc->cap *= 2;
		acc->terms = tl_reallocarray(acc->terms, acc->cap, sizeof(*acc->terms));
	}
	if (acc->n >= 2 && acc->terms[acc->n - 1].is_or != is_or)
		acc->changes++;
	acc->terms[acc->n++] = (struct tl_fterm){t, is_or};
	acc->kid_depth = TL_MAX(acc->kid_depth, t->depth);
	acc->depth = 1 + acc->kid_depth + (tl_fnode_marked(acc) ? (int)acc->changes : 0);
	return acc;
}

/* ---- values ---- */

/* A decimal port, 0..65535; *out -1 for "*".  0 or -1. */
static int parse_port(const char *s, size_t n, int *out)
{
	long v = 0;

	if (n == 1 && s[0] == '*') {
		*out = -1;
		return 0;
	}
	if (n == 0 || n > 5)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v > 65535)
		return -1;
	*out = (int)v;
	return 0;
}

static int parse_plen(const char *s, size_t n, int max)
{
	int v = 0;

	if (n == 0 || n > 3)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v > max ? -1 : v;
}

/* ADDR (no brackets) into h; 0 or -1. */
static int parse_addr(const char *s, size_t n, bool v6, struct tl_hostcond *h)
{
	char buf[INET6_ADDRSTRLEN + 1];

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	memset(h->addr, 0, sizeof(h->addr));
	if (!v6 && inet_pton(AF_INET, buf, h->addr) == 1) {
		h->family = AF_INET;
		h->plen = 32;
		return 0;
	}
	if (v6 && inet_pton(AF_INET6, buf, h->addr) == 1) {
		h->family = AF_INET6;
		h->plen = 128;
		return 0;
	}
	return -1;
}

/* HOST as in the header: "*", "*:22", ":22", "10.0.0.0/8", "10.0.0.1:80",
 * "[::1]", "[2001:db8::/32]:443", "[2001:db8::]/32:443". */
static int parse_host(struct parser *p, const struct tok *t, struct tl_hostcond *h)
{
	const char *s = t->s, *end = t->s + t->n, *a, *ae, *rest;
	bool v6 = false;
	int plen = -1, inner = -1;

	memset(h, 0, sizeof(*h));
	h->family = AF_UNSPEC;
	h->port = -1;
	if (s[0] != '[') {
		size_t colons = 0;

		for (const char *c = s; c < end; c++)
			colons += *c == ':';
		if (colons > 1) {
			fail(p,
			     "write IPv6 addresses in brackets, as in [::1] or [::1]:22, at column "
			     "%zu",
			     t->col);
			return -1;
		}
	}
	if (s[0] == '*' || s[0] == ':') {
		rest = s + (s[0] == '*');
		if (rest == end)
			return 0;
		if (*rest == ':' && parse_port(rest + 1, (size_t)(end - rest - 1), &h->port) == 0)
			return 0;
		fail(p, "invalid port in '%.*s' at column %zu", TOKQ(t), t->col);
		return -1;
	}
	if (s[0] == '[') {
		a = s + 1;
		ae = memchr(a, ']', (size_t)(end - a));
		if (!ae) {
			fail(p, "missing ']' in '%.*s' at column %zu", TOKQ(t), t->col);
			return -1;
		}
		rest = ae + 1;
		v6 = memchr(a, ':', (size_t)(ae - a)) != NULL;
		const char *sl = memchr(a, '/', (size_t)(ae - a));
		if (sl) {
			inner = parse_plen(sl + 1, (size_t)(ae - sl - 1), v6 ? 128 : 32);
			if (inner < 0) {
				fail(p, "invalid prefix length in '%.*s' at column %zu", TOKQ(t),
				     t->col);
				return -1;
			}
			ae = sl;
		}
	} else {
		a = s;
		ae = s;
		while (ae < end && *ae != '/' && *ae != ':')
			ae++;
		rest = ae;
	}
	if (parse_addr(a, (size_t)(ae - a), v6, h) < 0) {
		fail(p, "invalid address '%.*s' at column %zu", (int)TL_MIN(ae - a, 40), a, t->col);
		return -1;
	}
	if (rest < end && *rest == '/') {
		const char *pe = rest + 1;

		while (pe < end && *pe != ':')
			pe++;
		plen = parse_plen(rest + 1, (size_t)(pe - rest - 1), v6 ? 128 : 32);
		if (plen < 0 || inner >= 0) {
			fail(p, "invalid prefix length in '%.*s' at column %zu", TOKQ(t), t->col);
			return -1;
		}
		rest = pe;
	}
	if (inner >= 0)
		plen = inner;
	if (plen >= 0)
		h->plen = (uint8_t)plen;
	if (rest < end) {
		if (*rest != ':' || parse_port(rest + 1, (size_t)(end - rest - 1), &h->port) < 0) {
			fail(p, "invalid port in '%.*s' at column %zu", TOKQ(t), t->col);
			return -1;
		}
	}
	return 0;
}

/* State names and ss's groups, as an idiag_states mask. */
static uint32_t state_mask(const struct tok *t)
{
	static const struct {
		const char *name;
		uint32_t mask;
	} groups[] = {
	    {"all", TL_TCPF_ALL},
	    {"connected", TL_TCPF_ALL & ~(TL_TCPF(TL_TCP_LISTEN) | TL_TCPF(TL_TCP_CLOSE))},
	    {"synchronized", TL_TCPF_ALL & ~(TL_TCPF(TL_TCP_LISTEN) | TL_TCPF(TL_TCP_CLOSE) |
					     TL_TCPF(TL_TCP_SYN_SENT))},
	    {"bucket",
	     TL_TCPF(TL_TCP_SYN_RECV) | TL_TCPF(TL_TCP_NEW_SYN_RECV) | TL_TCPF(TL_TCP_TIME_WAIT)},
	    {"big", TL_TCPF_ALL & ~(TL_TCPF(TL_TCP_SYN_RECV) | TL_TCPF(TL_TCP_NEW_SYN_RECV) |
				    TL_TCPF(TL_TCP_TIME_WAIT))},
	    {"listening", TL_TCPF(TL_TCP_LISTEN)},
	    {"closed", TL_TCPF(TL_TCP_CLOSE)},
	    {"unconnected", TL_TCPF(TL_TCP_CLOSE)},
	};
	char name[32];
	int s;

	for (size_t i = 0; i < TL_ARRAY_SIZE(groups); i++)
		if (tok_is(t, groups[i].name))
			return groups[i].mask;
	if (t->kind != T_WORD || t->n >= sizeof(name))
		return 0;
	memcpy(name, t->s, t->n);
	name[t->n] = '\0';
	s = tl_tcp_state_parse(name);
	if (s == TL_TCP_UNKNOWN)
		return 0;
	if (s == TL_TCP_SYN_RECV)
		return TL_TCPF(TL_TCP_SYN_RECV) | TL_TCPF(TL_TCP_NEW_SYN_RECV);
	return TL_TCPF(s);
}

/* ---- parser ---- */

static struct tl_fnode *parse_expr(struct parser *p, bool top);

/* sport / dport / src / dst, the keyword being the current token. */
static struct tl_fnode *parse_cond(struct parser *p)
{
	struct tok kw = p->t, op = {.kind = T_END, .cmp = C_EQ};
	bool port = tok_is(&kw, "sport") || tok_is(&kw, "dport");
	struct tl_fnode *n;

	next(p);
	if (p->t.kind == T_OP) {
		op = p->t;
		next(p);
	}
	n = node_new(port ? N_PORT : N_HOST, NULL);
	n->dst = kw.s[0] == 'd' || kw.s[0] == 'D';
	n->cmp = op.cmp;
	if (!port && op.cmp != C_EQ && op.cmp != C_NE) {
		fail(p, "'%.*s' compares ports, not addresses (use sport or dport) at column %zu",
		     TOKQ(&op), op.col);
		goto bad;
	}
	if (p->t.kind != T_WORD) {
		if (op.kind == T_END)
			fail(p, "expected %s after '%.*s' at column %zu",
			     port ? "a port" : "an address", TOKQ(&kw), p->t.col);
		else
			fail(p, "expected %s after '%.*s %.*s' at column %zu",
			     port ? "a port" : "an address", TOKQ(&kw), TOKQ(&op), p->t.col);
		goto bad;
	}
	if (port) {
		const char *s = p->t.s;
		size_t len = p->t.n;

		if (s[0] == ':') {
			s++;
			len--;
		}
		if (parse_port(s, len, &n->port) < 0 ||
		    (n->port < 0 && n->cmp != C_EQ && n->cmp != C_NE)) {
			if (op.kind == T_END)
				fail(p, "expected a port after '%.*s' at column %zu", TOKQ(&kw),
				     p->t.col);
			else
				fail(p, "expected a port after '%.*s %.*s' at column %zu",
				     TOKQ(&kw), TOKQ(&op), p->t.col);
			goto bad;
		}
	} else if (parse_host(p, &p->t, &n->host) < 0) {
		goto bad;
	}
	next(p);
	return n;
bad:
	tl_fnode_free(n);
	return NULL;
}

/* pid / comm (tcpladder's own), the keyword being the current token:
 * "pid [OP] N", "comm [= | !=] NAME"; NAME may be a shell pattern. */
static struct tl_fnode *parse_owner(struct parser *p)
{
	struct tok kw = p->t, op = {.kind = T_END, .cmp = C_EQ};
	bool pid = tok_is(&kw, "pid");
	struct tl_fnode *n;

	next(p);
	if (p->t.kind == T_OP) {
		op = p->t;
		next(p);
	}
	n = node_new(pid ? N_PID : N_COMM, NULL);
	n->cmp = op.cmp;
	p->owner = true;
	if (!pid && op.cmp != C_EQ && op.cmp != C_NE) {
		fail(p, "'%.*s' compares numbers, not names, at column %zu", TOKQ(&op), op.col);
		goto bad;
	}
	if (p->t.kind != T_WORD) {
		if (op.kind == T_END)
			fail(p, "expected %s after '%.*s' at column %zu",
			     pid ? "a process id" : "a command name", TOKQ(&kw), p->t.col);
		else
			fail(p, "expected %s after '%.*s %.*s' at column %zu",
			     pid ? "a process id" : "a command name", TOKQ(&kw), TOKQ(&op),
			     p->t.col);
		goto bad;
	}
	if (pid) {
		long v = 0;
		bool ok = p->t.n > 0 && p->t.n <= 10;
		for (size_t i = 0; ok && i < p->t.n; i++) {
			ok = p->t.s[i] >= '0' && p->t.s[i] <= '9';
			v = v * 10 + (p->t.s[i] - '0');
		}
		if (!ok || v < 1 || v > 0x3fffffff) {
			fail(p, "invalid process id '%.*s' at column %zu", TOKQ(&p->t), p->t.col);
			goto bad;
		}
		n->port = (int)v;
	} else {
		n->name = tl_malloc(p->t.n + 1);
		memcpy(n->name, p->t.s, p->t.n);
		n->name[p->t.n] = '\0';
	}
	next(p);
	return n;
bad:
	tl_fnode_free(n);
	return NULL;
}

static struct tl_fnode *parse_term(struct parser *p, const struct tok *after)
{
	struct tok t = p->t;
	struct tl_fnode *n;

	if (++p->nest > MAX_DEPTH) {
		fail(p, "filter nested too deeply at column %zu", t.col);
		return NULL;
	}
	switch (t.kind) {
	case T_NOT:
		next(p);
		n = parse_term(p, &t);
		if (n)
			n = node_new(N_NOT, n);
		break;
	case T_LP:
		next(p);
		n = parse_expr(p, false);
		if (n && p->t.kind != T_RP) {
			fail(p, "missing ')' at column %zu for the '(' at column %zu", p->t.col,
			     t.col);
			tl_fnode_free(n);
			n = NULL;
		}
		if (n)
			next(p);
		break;
	case T_WORD:
		if (tok_is(&t, "sport") || tok_is(&t, "dport") || tok_is(&t, "src") ||
		    tok_is(&t, "dst")) {
			n = parse_cond(p);
			break;
		}
		if (tok_is(&t, "pid") || tok_is(&t, "comm")) {
			n = parse_owner(p);
			break;
		}
		if (tok_is(&t, "state") || tok_is(&t, "exclude") || tok_is(&t, "excl") ||
		    tok_is(&t, "netns")) {
			fail(p, "'%.*s' must be at the top level, joined by 'and', at column %zu",
			     TOKQ(&t), t.col);
			return NULL;
		}
		/* fall through */
	default:
		if (t.kind == T_END && after)
			fail(p, "expected a condition after '%.*s' at column %zu", TOKQ(after),
			     t.col);
		else if (t.kind == T_END)
			fail(p, "expected a condition at column %zu", t.col);
		else
			fail(p,
			     "unexpected '%.*s' at column %zu: expected sport, dport, src, dst, "
			     "comm, pid, state, not or '('",
			     TOKQ(&t), t.col);
		return NULL;
	}
	p->nest--;
	if (n && n->depth > MAX_DEPTH) {
		fail(p, "filter nested too deeply at column %zu", t.col);
		tl_fnode_free(n);
		return NULL;
	}
	return n;
}

/* A state clause, the keyword being the current token. */
static int parse_state(struct parser *p)
{
	struct tok kw = p->t;
	uint32_t m;

	next(p);
	if (p->t.kind != T_WORD) {
		fail(p, "expected a state name after '%.*s' at column %zu", TOKQ(&kw), p->t.col);
		return -1;
	}
	m = state_mask(&p->t);
	if (!m) {
		fail(p, "unknown state '%.*s' at column %zu", TOKQ(&p->t), p->t.col);
		return -1;
	}
	if (tok_is(&kw, "state"))
		p->want |= m;
	else
		p->drop |= m;
	next(p);
	return 0;
}

/* A netns clause (tcpladder's own): a namespace's label, or a pattern
 * of them (fnmatch), the keyword being the current token. */
static int parse_netns(struct parser *p)
{
	struct tok kw = p->t;

	next(p);
	if (p->t.kind != T_WORD) {
		fail(p, "expected a namespace name or pattern after '%.*s' at column %zu",
		     TOKQ(&kw), p->t.col);
		return -1;
	}
	p->netns = tl_reallocarray(p->netns, p->n_netns + 1, sizeof(*p->netns));
	char *w = tl_malloc(p->t.n + 1);
	memcpy(w, p->t.s, p->t.n);
	w[p->t.n] = '\0';
	p->netns[p->n_netns++] = w;
	next(p);
	return 0;
}

/* term { [joiner] term }, grouping from the left as ss does.  At the top
 * level state clauses may appear on the "and" chain. */
static struct tl_fnode *parse_expr(struct parser *p, bool top)
{
	struct tl_fnode *acc = NULL;
	struct tok prev = {.kind = T_END};
	bool first = true;

	for (;;) {
		enum tok_kind join = T_AND;
		struct tok jt = p->t;

		if (p->t.kind == T_END || p->t.kind == T_RP) {
			if (!first && prev.kind != T_END) {
				fail(p, "expected a condition after '%.*s' at column %zu",
				     TOKQ(&prev), p->t.col);
				goto bad;
			}
			if (p->t.kind == T_RP && top) {
				fail(p, "unmatched ')' at column %zu", p->t.col);
				goto bad;
			}
			if (first && !top) {
				fail(p, "expected a condition after '(' at column %zu", p->t.col);
				goto bad;
			}
			return acc;
		}
		prev.kind = T_END;
		if (p->t.kind == T_AND || p->t.kind == T_OR) {
			if (first) {
				fail(p, "expected a condition before '%.*s' at column %zu",
				     TOKQ(&p->t), p->t.col);
				goto bad;
			}
			join = p->t.kind;
			prev = p->t;
			next(p);
			if (p->t.kind == T_END || p->t.kind == T_RP)
				continue;
		}
		first = false;
		if (top && tok_is(&p->t, "netns")) {
			if (join == T_OR) {
				fail(p, "a netns clause cannot be joined with 'or' at column %zu",
				     jt.col);
				goto bad;
			}
			if (acc)
				p->saw_state = true;
			if (parse_netns(p) < 0)
				goto bad;
			prev.kind = T_END;
			continue;
		}
		if (top &&
		    (tok_is(&p->t, "state") || tok_is(&p->t, "exclude") || tok_is(&p->t, "excl"))) {
			if (join == T_OR) {
				fail(p, "a state clause cannot be joined with 'or' at column %zu",
				     jt.col);
				goto bad;
			}
			/* Leading clauses apply to all that follows, as in ss;
			 * later ones sit on the "and" chain. */
			if (acc)
				p->saw_state = true;
			if (parse_state(p) < 0)
				goto bad;
			prev.kind = T_END;
			continue;
		}
		/* Grouping from the left, an "or" after a state clause would
		 * put the clause under it. */
		if (top && join == T_OR && (p->saw_state || !acc)) {
			fail(p, "a state clause cannot be joined with 'or' at column %zu", jt.col);
			goto bad;
		}
		struct tl_fnode *t = parse_term(p, prev.kind != T_END ? &prev : NULL);
		if (!t)
			goto bad;
		prev.kind = T_END;
		if (!acc) {
			acc = t;
			continue;
		}
		acc = list_add(acc, join == T_OR, t);
		if (acc->depth > MAX_DEPTH) {
			fail(p, "filter nested too deeply at column %zu", jt.col);
			goto bad;
		}
	}
bad:
	tl_fnode_free(acc);
	return NULL;
}

/* ---- entry ---- */

int tl_ftree_parse(const char *expr, struct tl_filter *f, char **cause)
{
	struct parser p = {.in = expr ? expr : ""};
	struct tl_fnode *root;

	next(&p);
	root = parse_expr(&p, true);
	if (p.cause) {
		tl_fnode_free(root);
		for (size_t i = 0; i < p.n_netns; i++)
			free(p.netns[i]);
		free(p.netns);
		*cause = p.cause;
		return -1;
	}
	f->root = root;
	f->states = (p.want ? p.want : TL_TCPF_ALL) & ~p.drop;
	f->netns = p.netns;
	f->n_netns = p.n_netns;
	f->owner = p.owner;
	return 0;
}
