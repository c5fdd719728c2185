/* test-filter: the ss-style filter parser, its normal form, its error
 * messages, and the agreement of its two back ends: tl_filter_match()
 * against the bytecode from tl_filter_bytecode() run by an interpreter
 * that mirrors the kernel's inet_diag_bc_run() (net/ipv4/inet_diag.c),
 * behind the idiag_states mask, on random expressions and sockets. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bc-model.h"
#include "tap.h"
#include "tcpladder/filter.h"
#include "tcpladder/tcpstate.h"
#include "tcpladder/util.h"

/* ---- fixtures ---- */

static struct tl_sock mk(int state, const char *local, int lport, const char *remote, int rport)
{
	struct tl_sock s;

	memset(&s, 0, sizeof(s));
	s.state = (uint8_t)state;
	s.protocol = IPPROTO_TCP;
	s.family = strchr(local, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(s.family, local, s.local) != 1 || inet_pton(s.family, remote, s.remote) != 1)
		abort();
	s.lport = (uint16_t)lport;
	s.rport = (uint16_t)rport;
	return s;
}

static void sock_text(const struct tl_sock *s, char *out, size_t n)
{
	char a[64], b[64];
	tl_sock_format_addr(s->family, s->local, s->lport, a, sizeof(a));
	tl_sock_format_addr(s->family, s->remote, s->rport, b, sizeof(b));
	snprintf(out, n, "%s(%d) %s %s", tl_tcp_state_name(s->state), s->state, a, b);
}

/* Does expr match s, by both back ends?  -1 when they disagree or the
 * expression does not compile. */
static int both(const char *expr, const struct tl_sock *s)
{
	char *cause = NULL;
	struct tl_filter *f = tl_filter_parse(expr, &cause);
	uint8_t *code;
	size_t len;
	int r = -1;

	if (!f) {
		printf("#   %s: %s\n", expr, cause);
		free(cause);
		return -1;
	}
	if (tl_filter_bytecode(f, &code, &len) == 0) {
		bool u = tl_filter_match(f, s);
		bool k = kernel_keeps(tl_filter_states(f), code, len, s);
		r = u == k ? u : -1;
		free(code);
	}
	tl_filter_free(f);
	return r;
}

static void test_valid(void)
{
	static const struct {
		const char *in, *text;
	} cases[] = {
	    {"", ""},
	    {"   \t ", ""},
	    {"sport = :22", "sport = :22"},
	    {"sport == 22", "sport = :22"},
	    {"sport eq :22", "sport = :22"},
	    {"sport :22", "sport = :22"},
	    {"sport=:22", "sport = :22"},
	    {"dport != :443", "dport != :443"},
	    {"dport neq 443", "dport != :443"},
	    {"dport ne 443", "dport != :443"},
	    {"sport < :1024", "sport < :1024"},
	    {"sport lt 1024", "sport < :1024"},
	    {"sport > :1024", "sport > :1024"},
	    {"sport gt 1024", "sport > :1024"},
	    {"dport <= :1024", "dport <= :1024"},
	    {"dport le 1024", "dport <= :1024"},
	    {"dport leq 1024", "dport <= :1024"},
	    {"dport >= :1024", "dport >= :1024"},
	    {"dport ge 1024", "dport >= :1024"},
	    {"dport geq 1024", "dport >= :1024"},
	    {"sport>=:1024", "sport >= :1024"},
	    {"sport = :0", "sport = :0"},
	    {"sport = :65535", "sport = :65535"},
	    {"sport = *", "sport = *"},
	    {"sport = :*", "sport = *"},
	    {"src 10.0.0.0/8", "src 10.0.0.0/8"},
	    {"src = 10.0.0.0/8", "src 10.0.0.0/8"},
	    {"src == 10.0.0.0/8", "src 10.0.0.0/8"},
	    {"src eq 10.0.0.0/8", "src 10.0.0.0/8"},
	    {"src != 10.0.0.0/8", "src != 10.0.0.0/8"},
	    {"dst neq 127.0.0.1", "dst != 127.0.0.1"},
	    {"dst 127.0.0.1", "dst 127.0.0.1"},
	    {"dst 127.0.0.1/32", "dst 127.0.0.1"},
	    {"dst 10.1.2.3/8", "dst 10.1.2.3/8"},
	    {"dst 0.0.0.0/0", "dst 0.0.0.0/0"},
	    {"dst 10.0.0.1:80", "dst 10.0.0.1:80"},
	    {"dst 10.0.0.0/8:80", "dst 10.0.0.0/8:80"},
	    {"dst [10.0.0.1]:80", "dst 10.0.0.1:80"},
	    {"dst [::1]", "dst [::1]"},
	    {"dst [::1]:443", "dst [::1]:443"},
	    {"dst [::1/128]", "dst [::1]"},
	    {"dst [2001:db8::]/32", "dst [2001:db8::]/32"},
	    {"dst [2001:db8::/32]", "dst [2001:db8::]/32"},
	    {"dst [2001:db8::/32]:443", "dst [2001:db8::]/32:443"},
	    {"dst [2001:db8::]/32:443", "dst [2001:db8::]/32:443"},
	    {"dst [2001:DB8:0::1]", "dst [2001:db8::1]"},
	    {"dst [::ffff:10.1.2.3]", "dst [::ffff:10.1.2.3]"},
	    {"dst [::]/0", "dst [::]/0"},
	    {"src *", "src *"},
	    {"src *:22", "src *:22"},
	    {"src :22", "src *:22"},
	    {"src *:*", "src *"},
	    {"sport = :22 and dport = :80", "sport = :22 and dport = :80"},
	    {"sport = :22 && dport = :80", "sport = :22 and dport = :80"},
	    {"sport = :22 & dport = :80", "sport = :22 and dport = :80"},
	    {"sport = :22 dport = :80", "sport = :22 and dport = :80"},
	    {"sport = :22 or dport = :80", "sport = :22 or dport = :80"},
	    {"sport = :22 || dport = :80", "sport = :22 or dport = :80"},
	    {"sport = :22 | dport = :80", "sport = :22 or dport = :80"},
	    {"SPORT = :22 OR DPORT = :80", "sport = :22 or dport = :80"},
	    {"not sport = :22", "not sport = :22"},
	    {"! sport = :22", "not sport = :22"},
	    {"!sport = :22", "not sport = :22"},
	    {"not not sport = :22", "not not sport = :22"},
	    {"not (sport = :22 or sport = :80)", "not (sport = :22 or sport = :80)"},
	    {"( sport = :22 )", "sport = :22"},
	    {"((sport = :22))", "sport = :22"},
	    /* ss groups from the left, with no precedence between and/or. */
	    {"sport = :1 or sport = :2 and sport = :3",
	     "(sport = :1 or sport = :2) and sport = :3"},
	    {"sport = :1 and sport = :2 or sport = :3",
	     "(sport = :1 and sport = :2) or sport = :3"},
	    {"sport = :1 or (sport = :2 and sport = :3)",
	     "sport = :1 or (sport = :2 and sport = :3)"},
	    {"not sport = :1 or sport = :1", "not sport = :1 or sport = :1"},
	    {"sport = :1 and sport = :2 and sport = :3",
	     "sport = :1 and sport = :2 and sport = :3"},
	    {"state established", "state established"},
	    {"state estab", "state established"},
	    {"state ESTABLISHED", "state established"},
	    {"state syn-sent", "state syn-sent"},
	    {"state syn-recv", "state syn-recv"},
	    {"state fin-wait-1", "state fin-wait-1"},
	    {"state fin-wait-2", "state fin-wait-2"},
	    {"state time-wait", "state time-wait"},
	    {"state time_wait", "state time-wait"},
	    {"state closed", "state closed"},
	    {"state unconnected", "state closed"},
	    {"state close-wait", "state close-wait"},
	    {"state last-ack", "state last-ack"},
	    {"state listening", "state listening"},
	    {"state listen", "state listening"},
	    {"state closing", "state closing"},
	    {"state all", ""},
	    {"state connected", "exclude closed exclude listening"},
	    {"state synchronized", "exclude syn-sent exclude closed exclude listening"},
	    {"state bucket", "state syn-recv state time-wait"},
	    {"state big", "exclude syn-recv exclude time-wait"},
	    {"state established state listening", "state established state listening"},
	    {"exclude listening", "exclude listening"},
	    {"excl listening", "exclude listening"},
	    {"state connected exclude established",
	     "exclude established exclude closed exclude listening"},
	    {"state established state syn-sent state syn-recv state fin-wait-1",
	     "state established state syn-sent state syn-recv state fin-wait-1"},
	    {"state established dst 127.0.0.1 or dst [::1]",
	     "state established and (dst 127.0.0.1 or dst [::1])"},
	    {"state established and dst 127.0.0.1 or dst [::1]",
	     "state established and (dst 127.0.0.1 or dst [::1])"},
	    {"exclude established state established", "exclude all"},
	    {"state established exclude all", "exclude all"},
	    {"state established sport = :22", "state established and sport = :22"},
	    {"state established and sport = :22", "state established and sport = :22"},
	    {"state established && sport = :22", "state established and sport = :22"},
	    {"sport = :22 state established", "state established and sport = :22"},
	    {"state close-wait and ( sport = :443 or dst 10.0.0.0/8 )",
	     "state close-wait and (sport = :443 or dst 10.0.0.0/8)"},
	    {"state established ( sport = :443 or dst 10.0.0.0/8 )",
	     "state established and (sport = :443 or dst 10.0.0.0/8)"},
	    {"sport = :1 or sport = :2 state established",
	     "state established and (sport = :1 or sport = :2)"},
	    {"sport = :1 state established sport = :2",
	     "state established and sport = :1 and sport = :2"},
	    {"(sport = :1 or sport = :2) and not dst [::1] state listening exclude listening",
	     "exclude all and (sport = :1 or sport = :2) and not dst [::1]"},
	    {"dst 10.0.0.0/8 or dst [2001:db8::/32] and (sport > :1023 or not dport < :1024)",
	     "(dst 10.0.0.0/8 or dst [2001:db8::]/32) and (sport > :1023 or not dport < :1024)"},
	};

	for (size_t i = 0; i < TL_ARRAY_SIZE(cases); i++) {
		char *cause = NULL, *cause2 = NULL;
		struct tl_filter *f = tl_filter_parse(cases[i].in, &cause);

		if (!ok(f != NULL, "parses: %s", cases[i].in)) {
			printf("#   %s\n", cause);
			free(cause);
			continue;
		}
		is_str(tl_filter_text(f), cases[i].text, "normal form of: %s", cases[i].in);
		struct tl_filter *g = tl_filter_parse(tl_filter_text(f), &cause2);
		ok(g && !strcmp(tl_filter_text(g), tl_filter_text(f)) &&
		       tl_filter_states(g) == tl_filter_states(f),
		   "normal form parses back: %s", tl_filter_text(f));
		free(cause2);
		tl_filter_free(g);
		tl_filter_free(f);
	}
}

static void test_errors(void)
{
	static const struct {
		const char *in, *cause;
	} cases[] = {
	    {"sport = foo", "expected a port after 'sport =' at column 9"},
	    {"sport =", "expected a port after 'sport =' at column 8"},
	    {"sport", "expected a port after 'sport' at column 6"},
	    {"dport eq :http", "expected a port after 'dport eq' at column 10"},
	    {"sport = :65536", "expected a port after 'sport =' at column 9"},
	    {"sport = :-1", "expected a port after 'sport =' at column 9"},
	    {"sport > *", "expected a port after 'sport >' at column 9"},
	    {"sport = :22 and", "expected a condition after 'and' at column 16"},
	    {"sport = :22 or", "expected a condition after 'or' at column 15"},
	    {"not", "expected a condition after 'not' at column 4"},
	    {"sport = :22 and not", "expected a condition after 'not' at column 20"},
	    {"and sport = :22", "expected a condition before 'and' at column 1"},
	    {"|| sport = :22", "expected a condition before '||' at column 1"},
	    {"(", "expected a condition after '(' at column 2"},
	    {"()", "expected a condition after '(' at column 2"},
	    {"(sport = :22", "missing ')' at column 13 for the '(' at column 1"},
	    {"((sport = :22)", "missing ')' at column 15 for the '(' at column 1"},
	    {"sport = :22)", "unmatched ')' at column 12"},
	    {")", "unmatched ')' at column 1"},
	    {"(sport = :1 or)", "expected a condition after 'or' at column 15"},
	    {"sport = :1 and or dport = :2",
	     "unexpected 'or' at column 16: expected sport, dport, src, dst, comm, pid, state, not or '('"},
	    {"bogus",
	     "unexpected 'bogus' at column 1: expected sport, dport, src, dst, comm, pid, state, not or '('"},
	    {"sport = :1 = 3",
	     "unexpected '=' at column 12: expected sport, dport, src, dst, comm, pid, state, not or '('"},
	    {"dev = eth0",
	     "unexpected 'dev' at column 1: expected sport, dport, src, dst, comm, pid, state, not or '('"},
	    {"dst", "expected an address after 'dst' at column 4"},
	    {"src =", "expected an address after 'src =' at column 6"},
	    {"src < 10.0.0.1",
	     "'<' compares ports, not addresses (use sport or dport) at column 5"},
	    {"dst ge 10.0.0.1",
	     "'ge' compares ports, not addresses (use sport or dport) at column 5"},
	    {"dst localhost", "invalid address 'localhost' at column 5"},
	    {"dst 10.0.0", "invalid address '10.0.0' at column 5"},
	    {"dst 10.0.0.256", "invalid address '10.0.0.256' at column 5"},
	    {"dst []", "invalid address '' at column 5"},
	    {"dst [zz::1]", "invalid address 'zz::1' at column 5"},
	    {"dst ::1", "write IPv6 addresses in brackets, as in [::1] or [::1]:22, at column 5"},
	    {"src 2001:db8::/32",
	     "write IPv6 addresses in brackets, as in [::1] or [::1]:22, at column 5"},
	    {"dst [::1", "missing ']' in '[::1' at column 5"},
	    {"dst 10.0.0.0/33", "invalid prefix length in '10.0.0.0/33' at column 5"},
	    {"dst 10.0.0.0/", "invalid prefix length in '10.0.0.0/' at column 5"},
	    {"dst [::1]/129", "invalid prefix length in '[::1]/129' at column 5"},
	    {"dst [::1/129]", "invalid prefix length in '[::1/129]' at column 5"},
	    {"dst [::/8]/16", "invalid prefix length in '[::/8]/16' at column 5"},
	    {"dst 10.0.0.1:http", "invalid port in '10.0.0.1:http' at column 5"},
	    {"dst 10.0.0.1:", "invalid port in '10.0.0.1:' at column 5"},
	    {"dst [::1]:70000", "invalid port in '[::1]:70000' at column 5"},
	    {"dst [::1]x", "invalid port in '[::1]x' at column 5"},
	    {"dst *x", "invalid port in '*x' at column 5"},
	    {"dst :", "invalid port in ':' at column 5"},
	    {"state", "expected a state name after 'state' at column 6"},
	    {"exclude (", "expected a state name after 'exclude' at column 9"},
	    {"state bogus", "unknown state 'bogus' at column 7"},
	    {"state new-syn-recv-x", "unknown state 'new-syn-recv-x' at column 7"},
	    {"(state established)",
	     "'state' must be at the top level, joined by 'and', at column 2"},
	    {"not state listening",
	     "'state' must be at the top level, joined by 'and', at column 5"},
	    {"sport = :1 or state listening",
	     "a state clause cannot be joined with 'or' at column 12"},
	    {"state listening or sport = :1",
	     "a state clause cannot be joined with 'or' at column 17"},
	    {"sport = :1 state listening || sport = :2",
	     "a state clause cannot be joined with 'or' at column 28"},
	    {"sport = :1 # comment",
	     "unexpected '#' at column 12: expected sport, dport, src, dst, comm, pid, state, not or '('"},
	};

	for (size_t i = 0; i < TL_ARRAY_SIZE(cases); i++) {
		char *cause = NULL;
		struct tl_filter *f = tl_filter_parse(cases[i].in, &cause);

		ok(f == NULL, "rejects: %s", cases[i].in);
		is_str(cause, cases[i].cause, "message for: %s", cases[i].in);
		tl_filter_free(f);
		free(cause);
	}

	/* Depth is bounded (the evaluator, compiler and printer recurse). */
	struct tl_buf b;
	char *cause = NULL;
	tl_buf_init(&b);
	for (int i = 0; i < 300; i++)
		tl_buf_puts(&b, "(");
	tl_buf_puts(&b, "sport = :1");
	for (int i = 0; i < 300; i++)
		tl_buf_puts(&b, ")");
	struct tl_filter *f = tl_filter_parse(b.data, &cause);
	ok(f == NULL && cause && strstr(cause, "nested too deeply"), "300 parentheses are refused");
	free(cause);
	tl_filter_free(f);
	tl_buf_reset(&b);
	for (int i = 0; i < 100; i++)
		tl_buf_puts(&b, "(");
	tl_buf_puts(&b, "sport = :1");
	for (int i = 0; i < 100; i++)
		tl_buf_puts(&b, ")");
	f = tl_filter_parse(b.data, &cause);
	ok(f != NULL, "100 parentheses are fine");
	tl_filter_free(f);
	tl_buf_fini(&b);
	ok(tl_filter_parse("sport = x", NULL) == NULL, "a NULL cause pointer is allowed");
	/* In a child, so that a crash is a failed test point. */
	pid_t pid = fork();
	if (pid == 0) {
		tl_filter_free(NULL);
		_exit(0);
	}
	int status = -1;
	ok(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 0,
	   "tl_filter_free(NULL) returns");
}

static void test_match(void)
{
	struct tl_sock est4 = mk(TL_TCP_ESTABLISHED, "10.1.2.3", 40000, "192.168.1.7", 443);
	struct tl_sock lis6 = mk(TL_TCP_LISTEN, "::1", 22, "::", 0);
	struct tl_sock map6 =
	    mk(TL_TCP_ESTABLISHED, "::ffff:10.1.2.3", 8080, "::ffff:127.0.0.1", 5555);
	struct tl_sock tw = mk(TL_TCP_TIME_WAIT, "127.0.0.1", 20001, "127.0.0.1", 20000);
	struct tl_sock fw2 = mk(TL_TCP_FIN_WAIT2, "127.0.0.1", 20001, "127.0.0.1", 20000);
	struct tl_sock req = mk(TL_TCP_SYN_RECV, "127.0.0.1", 20000, "127.0.0.1", 41000);
	struct tl_sock nreq = mk(TL_TCP_NEW_SYN_RECV, "127.0.0.1", 20000, "127.0.0.1", 41000);
	struct tl_sock bound = mk(13, "127.0.0.1", 20000, "0.0.0.0", 0);
	static const struct {
		const char *expr;
		int want[8]; /* est4 lis6 map6 tw fw2 req nreq bound */
	} cases[] = {
	    {"", {1, 1, 1, 1, 1, 1, 1, 0}},
	    {"sport = :22", {0, 1, 0, 0, 0, 0, 0, 0}},
	    {"dport = :443", {1, 0, 0, 0, 0, 0, 0, 0}},
	    {"dport != :443", {0, 1, 1, 1, 1, 1, 1, 0}},
	    {"sport < :1024", {0, 1, 0, 0, 0, 0, 0, 0}},
	    {"sport <= :22", {0, 1, 0, 0, 0, 0, 0, 0}},
	    {"sport > :22", {1, 0, 1, 1, 1, 1, 1, 0}},
	    {"sport >= :20001", {1, 0, 0, 1, 1, 0, 0, 0}},
	    {"src 10.0.0.0/8", {1, 0, 1, 0, 0, 0, 0, 0}},
	    {"src 10.1.2.3", {1, 0, 1, 0, 0, 0, 0, 0}},
	    {"src [::ffff:10.1.2.3]", {0, 0, 1, 0, 0, 0, 0, 0}},
	    {"src [::ffff:10.0.0.0/104]", {0, 0, 1, 0, 0, 0, 0, 0}},
	    {"dst 127.0.0.0/8", {0, 0, 1, 1, 1, 1, 1, 0}},
	    {"dst 0.0.0.0/0", {1, 0, 1, 1, 1, 1, 1, 0}},
	    {"dst [::]/0", {0, 1, 1, 0, 0, 0, 0, 0}},
	    {"src [::1]", {0, 1, 0, 0, 0, 0, 0, 0}},
	    {"src [::1]:22", {0, 1, 0, 0, 0, 0, 0, 0}},
	    {"src [::1]:23", {0, 0, 0, 0, 0, 0, 0, 0}},
	    {"src *:22", {0, 1, 0, 0, 0, 0, 0, 0}},
	    {"src *", {1, 1, 1, 1, 1, 1, 1, 0}},
	    {"src != 10.0.0.0/8", {0, 1, 0, 1, 1, 1, 1, 0}},
	    {"dst 192.168.1.0/24:443", {1, 0, 0, 0, 0, 0, 0, 0}},
	    {"dst 192.168.1.0/24:444", {0, 0, 0, 0, 0, 0, 0, 0}},
	    {"state time-wait", {0, 0, 0, 1, 0, 0, 0, 0}},
	    {"state fin-wait-2", {0, 0, 0, 0, 1, 0, 0, 0}},
	    {"state syn-recv", {0, 0, 0, 0, 0, 1, 1, 0}},
	    {"state bucket", {0, 0, 0, 1, 0, 1, 1, 0}},
	    {"exclude syn-recv", {1, 1, 1, 1, 1, 0, 0, 0}},
	    {"state connected", {1, 0, 1, 1, 1, 1, 1, 0}},
	    {"state listening src [::1]", {0, 1, 0, 0, 0, 0, 0, 0}},
	    {"state listening src 127.0.0.1", {0, 0, 0, 0, 0, 0, 0, 0}},
	    {"not (sport = :22 or dport = :443)", {0, 0, 1, 1, 1, 1, 1, 0}},
	    {"sport = :22 or dport = :443 and src 10.0.0.0/8", {1, 0, 0, 0, 0, 0, 0, 0}},
	    {"exclude all", {0, 0, 0, 0, 0, 0, 0, 0}},
	};
	const struct tl_sock *socks[8] = {&est4, &lis6, &map6, &tw, &fw2, &req, &nreq, &bound};

	for (size_t i = 0; i < TL_ARRAY_SIZE(cases); i++) {
		char got[9] = "", want[9] = "";
		for (int k = 0; k < 8; k++) {
			int r = both(cases[i].expr, socks[k]);
			got[k] = r < 0 ? '?' : (char)('0' + r);
			want[k] = (char)('0' + cases[i].want[k]);
		}
		is_str(got, want, "matches of: %s", cases[i].expr);
	}
	/* the states mask */
	struct tl_filter *f = tl_filter_parse("", NULL);
	is_int(tl_filter_states(f), TL_TCPF_ALL, "no state clause: every state");
	tl_filter_free(f);
	f = tl_filter_parse("state syn-recv", NULL);
	is_int(tl_filter_states(f), TL_TCPF(TL_TCP_SYN_RECV) | TL_TCPF(TL_TCP_NEW_SYN_RECV),
	       "syn-recv brings request sockets");
	tl_filter_free(f);
	f = tl_filter_parse("state time-wait state listening", NULL);
	is_int(tl_filter_states(f), TL_TCPF(TL_TCP_TIME_WAIT) | TL_TCPF(TL_TCP_LISTEN),
	       "state clauses add up");
	tl_filter_free(f);
	f = tl_filter_parse("state big exclude closed", NULL);
	ok((tl_filter_states(f) & ~TL_TCPF_ALL) == 0, "masks stay within TL_TCPF_ALL");
	is_int(tl_filter_states(f),
	       TL_TCPF_ALL & ~(TL_TCPF(TL_TCP_SYN_RECV) | TL_TCPF(TL_TCP_NEW_SYN_RECV) |
	                       TL_TCPF(TL_TCP_TIME_WAIT) | TL_TCPF(TL_TCP_CLOSE)),
	       "big minus closed");
	tl_filter_free(f);
}

static void test_bytecode(void)
{
	struct tl_filter *f;
	uint8_t *code;
	size_t len;

	f = tl_filter_parse("state listening", NULL);
	is_int(tl_filter_bytecode(f, &code, &len), 0, "states only: no error");
	ok(code == NULL && len == 0, "states only: no bytecode");
	tl_filter_free(f);

	/* sport = :22 is one S_COND with an AF_UNSPEC hostcond, as ss emits it */
	f = tl_filter_parse("sport = :22", NULL);
	is_int(tl_filter_bytecode(f, &code, &len), 0, "sport = :22 compiles");
	is_int(len, 12, "sport = :22 is 12 bytes");
	if (code && len == 12) {
		struct inet_diag_bc_op op = op_at(code);
		struct inet_diag_hostcond c;
		memcpy(&c, code + 4, sizeof(c));
		ok(op.code == INET_DIAG_BC_S_COND && op.yes == 12 && op.no == 16,
		   "S_COND, yes 12, no 16 (reject)");
		ok(c.family == AF_UNSPEC && c.prefix_len == 0 && c.port == 22, "hostcond any:22");
	}
	free(code);
	tl_filter_free(f);

	/* sport > :1024 is not S_LE, as ss emits it */
	f = tl_filter_parse("sport > :1024", NULL);
	tl_filter_bytecode(f, &code, &len);
	is_int(len, 12, "sport > :1024 is 12 bytes");
	if (code && len == 12) {
		struct inet_diag_bc_op a = op_at(code), b = op_at(code + 4), c = op_at(code + 8);
		ok(a.code == INET_DIAG_BC_S_LE && a.yes == 8 && a.no == 12 && b.no == 1024 &&
		       c.code == INET_DIAG_BC_JMP && c.yes == 4 && c.no == 8,
		   "S_LE 1024 then JMP");
	}
	free(code);
	tl_filter_free(f);

	f = tl_filter_parse("dst [2001:db8::/32]:443", NULL);
	tl_filter_bytecode(f, &code, &len);
	is_int(len, 4 + 8 + 16, "v6 hostcond carries 16 address bytes");
	is_int(code ? bc_audit(code, (int)len) : -1, 0, "and passes the audit");
	free(code);
	tl_filter_free(f);

	/* A huge filter does not fit a netlink attribute: user space only. */
	struct tl_buf b;
	tl_buf_init(&b);
	for (int i = 0; i < 3000; i++)
		tl_buf_printf(&b, "%sdst [2001:db8::%x]", i ? " or " : "", i);
	f = tl_filter_parse(b.data, NULL);
	if (ok(f != NULL, "3000 conditions joined by 'or' parse (a flat list is not nested)")) {
		is_int(tl_filter_bytecode(f, &code, &len), -EOPNOTSUPP,
		       "3000 v6 conditions: over 64 KiB of bytecode, -EOPNOTSUPP");
		struct tl_sock s = mk(TL_TCP_ESTABLISHED, "::1", 1, "2001:db8::bb7", 2);
		ok(tl_filter_match(f, &s), "user space evaluates it: the 2999th matches");
		s = mk(TL_TCP_ESTABLISHED, "::1", 1, "2001:db8::bb8", 2);
		ok(!tl_filter_match(f, &s), "one past the last does not");
	}
	tl_filter_free(f);
	tl_buf_reset(&b);
	/* 12 groups of 200: shallow enough, but 2400 v6 conditions */
	for (int g = 0; g < 12; g++) {
		tl_buf_puts(&b, g ? " or (" : "(");
		for (int i = 0; i < 200; i++)
			tl_buf_printf(&b, "%sdst [2001:db8::%x:%x]", i ? " or " : "", g, i);
		tl_buf_puts(&b, ")");
	}
	f = tl_filter_parse(b.data, NULL);
	if (ok(f != NULL, "a wide, shallow filter parses")) {
		is_int(tl_filter_bytecode(f, &code, &len), -EOPNOTSUPP,
		       "over 64 KiB of bytecode: -EOPNOTSUPP");
		ok(code == NULL && len == 0, "and no code");
		struct tl_sock s = mk(TL_TCP_ESTABLISHED, "::1", 1, "2001:db8::b:7", 2);
		ok(tl_filter_match(f, &s), "user space still evaluates it");
	}
	tl_filter_free(f);
	tl_buf_fini(&b);

	/* The interpreter itself, on programs we do not emit. */
	uint8_t prog[64];
	struct inet_diag_bc_op ops[4];
	struct entry e = {
	    .family = AF_INET, .sport = 80, .dport = 1000, .ifindex = 3, .mark = 0x15};
	uint8_t zero[16] = {0};
	e.saddr = e.daddr = zero;
	ops[0] = (struct inet_diag_bc_op){INET_DIAG_BC_S_EQ, 8, 12};
	ops[1] = (struct inet_diag_bc_op){0, 0, 80};
	memcpy(prog, ops, 8);
	is_int(bc_audit(prog, 8), 0, "S_EQ audits");
	is_int(bc_run(prog, 8, &e), 1, "S_EQ 80 matches port 80");
	ops[1].no = 81;
	memcpy(prog, ops, 8);
	is_int(bc_run(prog, 8, &e), 0, "S_EQ 81 does not");
	ops[0] = (struct inet_diag_bc_op){INET_DIAG_BC_D_EQ, 8, 12};
	ops[1] = (struct inet_diag_bc_op){0, 0, 1000};
	memcpy(prog, ops, 8);
	is_int(bc_run(prog, 8, &e), 1, "D_EQ 1000");
	ops[0] = (struct inet_diag_bc_op){INET_DIAG_BC_NOP, 4, 0};
	ops[1] = (struct inet_diag_bc_op){INET_DIAG_BC_AUTO, 4, 8};
	memcpy(prog, ops, 8);
	is_int(bc_audit(prog, 8), 0, "NOP, AUTO audit");
	is_int(bc_run(prog, 8, &e), 1, "AUTO: port not bound explicitly");
	e.userlocks = SOCK_BINDPORT_LOCK;
	is_int(bc_run(prog, 8, &e), 0, "AUTO: bound port");
	ops[0] = (struct inet_diag_bc_op){INET_DIAG_BC_DEV_COND, 8, 12};
	uint32_t ifi = 3;
	memcpy(prog, ops, 4);
	memcpy(prog + 4, &ifi, 4);
	is_int(bc_audit(prog, 8), 0, "DEV_COND audits");
	is_int(bc_run(prog, 8, &e), 1, "DEV_COND 3");
	ifi = 4;
	memcpy(prog + 4, &ifi, 4);
	is_int(bc_run(prog, 8, &e), 0, "DEV_COND 4");
	struct inet_diag_markcond mc = {.mark = 0x5, .mask = 0xf};
	ops[0] = (struct inet_diag_bc_op){INET_DIAG_BC_MARK_COND, 12, 16};
	memcpy(prog, ops, 4);
	memcpy(prog + 4, &mc, sizeof(mc));
	is_int(bc_audit(prog, 12), 0, "MARK_COND audits");
	is_int(bc_run(prog, 12, &e), 1, "MARK_COND 0x5/0xf matches 0x15");
	mc.mask = 0xff;
	memcpy(prog + 4, &mc, sizeof(mc));
	is_int(bc_run(prog, 12, &e), 0, "MARK_COND 0x5/0xff does not");
	ops[0] = (struct inet_diag_bc_op){INET_DIAG_BC_JMP, 4, 12};
	memcpy(prog, ops, 4);
	is_int(bc_audit(prog, 4), -EINVAL, "a jump past end+4 fails the audit");
	ops[0] = (struct inet_diag_bc_op){INET_DIAG_BC_S_GE, 8, 6};
	memcpy(prog, ops, 4);
	is_int(bc_audit(prog, 8), -EINVAL, "a misaligned jump fails the audit");
}

/* ---- the property: both back ends agree ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)((rng >> 11) % n);
}

#define PICK(a) (a)[rnd(TL_ARRAY_SIZE(a))]

static const char *const port_vals[] = {"22",    ":22",    ":80", "443",    ":1023", ":1024",
                                        ":8080", ":65535", ":0",  ":20000", "20001", "1"};
static const char *const eq_ops[] = {"", "=", "==", "eq", "!=", "ne", "neq"};
static const char *const ord_ops[] = {"<", "lt", ">", "gt", "<=", "le", "leq", ">=", "ge", "geq"};
static const char *const hosts[] = {
    "127.0.0.1",
    "127.0.0.0/8",
    "10.0.0.0/8",
    "10.1.2.3:80",
    "10.1.0.0/16:443",
    "0.0.0.0/0",
    "*",
    "*:22",
    ":80",
    "[::1]",
    "[::1]:443",
    "[2001:db8::/32]",
    "[2001:db8::]/32:22",
    "[::ffff:10.1.2.3]",
    "[::/0]",
    "[fe80::]/10",
    "192.168.1.0/24",
    "10.1.2.3/31",
    "[2001:db8::1]/127",
    "[::ffff:0.0.0.0/96]",
    "10.1.2.2/32:1024",
    "[::ffff:127.0.0.1]:20000",
    "0.0.0.0/1",
    "128.0.0.0/1",
};
static const char *const states[] = {
    "established",  "syn-sent",   "syn-recv", "fin-wait-1", "fin-wait-2", "time-wait",
    "closed",       "close-wait", "last-ack", "listening",  "closing",    "connected",
    "synchronized", "bucket",     "big",      "all",        "listen",     "estab"};
static const char *const v4s[] = {"127.0.0.1",    "127.1.2.3", "10.1.2.3", "10.1.2.2", "10.1.255.1",
                                  "192.168.1.77", "0.0.0.0",   "10.0.0.1", "200.1.1.1"};
static const char *const v6s[] = {"::1",
                                  "::",
                                  "2001:db8::1",
                                  "2001:db8:1::5",
                                  "fe80::1",
                                  "::ffff:10.1.2.3",
                                  "::ffff:127.0.0.1",
                                  "2001:db9::1",
                                  "2001:db8::",
                                  "::ffff:200.1.1.1"};
static const uint32_t ports[] = {0, 1, 22, 80, 443, 1023, 1024, 1025, 8080, 20000, 20001, 65535};

static void gen_cond(struct tl_buf *b)
{
	switch (rnd(4)) {
	case 0:
	case 1: {
		const char *kw = rnd(2) ? "sport" : "dport";
		if (rnd(2))
			tl_buf_printf(b, "%s %s %s", kw, PICK(eq_ops),
			              rnd(8) ? PICK(port_vals) : "*");
		else
			tl_buf_printf(b, "%s %s %s", kw, PICK(ord_ops), PICK(port_vals));
		break;
	}
	default:
		tl_buf_printf(b, "%s %s %s", rnd(2) ? "src" : "dst", PICK(eq_ops), PICK(hosts));
		break;
	}
}

static void gen_expr(struct tl_buf *b, int depth)
{
	static const char *const joins[] = {" and ", " && ", " & ", " ", " or ", " || ", " | "};

	if (depth <= 0 || rnd(10) < 3) {
		gen_cond(b);
		return;
	}
	switch (rnd(5)) {
	case 0:
		tl_buf_puts(b, rnd(2) ? "not " : "!");
		gen_expr(b, depth - 1);
		break;
	case 4: /* a longer list */
		for (int i = 0, n = 3 + (int)rnd(6); i < n; i++) {
			if (i)
				tl_buf_puts(b, PICK(joins));
			gen_expr(b, depth - 2);
		}
		break;
	case 1:
		tl_buf_puts(b, rnd(2) ? "( " : "(");
		gen_expr(b, depth - 1);
		tl_buf_puts(b, rnd(2) ? " )" : ")");
		break;
	default:
		gen_expr(b, depth - 1);
		tl_buf_puts(b, PICK(joins));
		gen_expr(b, depth - 1);
		break;
	}
}

static void gen_filter(struct tl_buf *b)
{
	int nstates = (int)rnd(4) - 1; /* -1..2: mostly none */

	tl_buf_reset(b);
	if (rnd(5) == 0) {
		gen_expr(b, 0);
		return;
	}
	if (nstates > 0 && rnd(2)) {
		for (int i = 0; i < nstates; i++)
			tl_buf_printf(b, "%s %s ", rnd(3) ? "state" : "exclude", PICK(states));
		tl_buf_puts(b, rnd(2) ? "and (" : "(");
		gen_expr(b, 4);
		tl_buf_puts(b, ")");
		return;
	}
	gen_expr(b, 4);
	for (int i = 0; i < nstates; i++)
		tl_buf_printf(b, "%s%s %s", rnd(2) ? " and " : " ", rnd(3) ? "state" : "exclude",
		              PICK(states));
}

static void gen_sock(struct tl_sock *s)
{
	memset(s, 0, sizeof(*s));
	s->state = (uint8_t)rnd(14);
	s->protocol = IPPROTO_TCP;
	s->family = rnd(3) ? AF_INET : AF_INET6;
	const char *const *pool = s->family == AF_INET ? v4s : v6s;
	size_t n = s->family == AF_INET ? TL_ARRAY_SIZE(v4s) : TL_ARRAY_SIZE(v6s);
	inet_pton(s->family, pool[rnd((uint32_t)n)], s->local);
	inet_pton(s->family, pool[rnd((uint32_t)n)], s->remote);
	if (rnd(4) == 0) /* a random low byte */
		s->remote[s->family == AF_INET ? 3 : 15] = (uint8_t)rnd(256);
	s->lport = (uint16_t)(rnd(5) ? ports[rnd(TL_ARRAY_SIZE(ports))] : rnd(65536));
	s->rport = (uint16_t)(rnd(5) ? ports[rnd(TL_ARRAY_SIZE(ports))] : rnd(65536));
	s->ifindex = rnd(3);
}

/* ---- long lists ---- */

struct big_job {
	const char *text;
	const struct tl_sock *socks;
	size_t n_socks;
	bool parsed, roundtrip, compiled;
	int match; /* bit i: socks[i] matches */
	size_t code_len;
	int code_match; /* bit i: the bytecode keeps socks[i] (compiled only) */
	bool audited;
};

/* Parse, print, re-parse, compile, evaluate and free: what a long list
 * goes through.  Run on a small stack, so recursion per term (thousands
 * of frames) would crash where recursion per level of nesting does not. */
static void *big_run(void *arg)
{
	struct big_job *j = arg;
	struct tl_filter *f = tl_filter_parse(j->text, NULL), *g;
	uint8_t *code = NULL;
	size_t len = 0;

	j->parsed = f != NULL;
	if (!f)
		return NULL;
	g = tl_filter_parse(tl_filter_text(f), NULL);
	j->roundtrip = g && !strcmp(tl_filter_text(g), tl_filter_text(f));
	tl_filter_free(g);
	j->compiled = tl_filter_bytecode(f, &code, &len) == 0 && code;
	j->code_len = len;
	j->audited = j->compiled && bc_audit(code, (int)len) == 0;
	for (size_t i = 0; i < j->n_socks; i++) {
		j->match |= tl_filter_match(f, &j->socks[i]) << i;
		if (j->compiled)
			j->code_match |= kernel_keeps(TL_TCPF_ALL, code, len, &j->socks[i]) << i;
	}
	free(code);
	tl_filter_free(f);
	return NULL;
}

#define SMALL_STACK (256 * 1024)

static void big_job_run(struct big_job *j)
{
	pthread_attr_t attr;
	pthread_t t;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, SMALL_STACK);
	if (pthread_create(&t, &attr, big_run, j) != 0) {
		printf("Bail out! pthread_create\n");
		exit(1);
	}
	pthread_join(t, NULL);
	pthread_attr_destroy(&attr);
}

static void test_long_lists(void)
{
	struct tl_sock socks[4];
	struct tl_buf b;
	struct big_job j;

	socks[0] = mk(TL_TCP_ESTABLISHED, "127.0.0.1", 1001, "127.0.0.1", 40000);
	socks[1] = mk(TL_TCP_ESTABLISHED, "127.0.0.1", 5000, "127.0.0.1", 40000);
	socks[2] = mk(TL_TCP_ESTABLISHED, "127.0.0.1", 5001, "127.0.0.1", 40000);
	socks[3] = mk(TL_TCP_LISTEN, "127.0.0.1", 7, "0.0.0.0", 0);
	tl_buf_init(&b);

	/* 5000 conditions joined by "or": 80 KB of code, user space only. */
	for (int i = 1; i <= 5000; i++)
		tl_buf_printf(&b, "%ssport = :%d", i > 1 ? " or " : "", i);
	memset(&j, 0, sizeof(j));
	j.text = b.data;
	j.socks = socks;
	j.n_socks = 4;
	big_job_run(&j);
	ok(j.parsed, "5000 conditions joined by 'or' parse");
	ok(j.roundtrip, "and their normal form parses back to itself");
	ok(!j.compiled && j.code_len == 0, "their 80 KB of code is refused (-EOPNOTSUPP)");
	is_int(j.match, 0xb, "user space: ports 1001, 5000 and 7 match, 5001 does not");

	/* The same joined by "and": only a socket on every port would do. */
	tl_buf_reset(&b);
	for (int i = 1; i <= 5000; i++)
		tl_buf_printf(&b, "%ssport != :%d", i > 1 ? " and " : "", i);
	memset(&j, 0, sizeof(j));
	j.text = b.data;
	j.socks = socks;
	j.n_socks = 4;
	big_job_run(&j);
	ok(j.parsed && j.roundtrip, "5000 conditions joined by 'and' parse and print");
	is_int(j.match, 0x4, "user space: only port 5001 is none of 1..5000");

	/* 2000 conditions: 32 KB of code that the kernel's audit accepts and
	 * that agrees with the evaluator. */
	tl_buf_reset(&b);
	for (int i = 4001; i <= 6000; i++)
		tl_buf_printf(&b, "%ssport = :%d", i > 4001 ? " or " : "", i);
	memset(&j, 0, sizeof(j));
	j.text = b.data;
	j.socks = socks;
	j.n_socks = 4;
	big_job_run(&j);
	ok(j.parsed && j.compiled, "2000 conditions joined by 'or' compile");
	is_int(j.code_len, 2000 * 12 + 1999 * 4, "to 12 bytes each and a 4-byte jump between");
	ok(j.audited, "the kernel's audit accepts the code");
	is_int(j.match, 0x6, "user space: ports 5000 and 5001 match");
	is_int(j.code_match, j.match, "the bytecode agrees");

	/* Alternating operators, no parentheses: grouped from the left, a
	 * list too, however long.  ((((p1 or p2) and q) or p3) and q) ...
	 * with q = "dport = :40000" true for the first three sockets. */
	tl_buf_reset(&b);
	for (int i = 0; i < 1500; i++)
		tl_buf_printf(&b, "%ssport = :%d and dport = :40000", i ? " or " : "", 3501 + i);
	memset(&j, 0, sizeof(j));
	j.text = b.data;
	j.socks = socks;
	j.n_socks = 4;
	big_job_run(&j);
	ok(j.parsed && j.roundtrip, "3000 alternating 'and' and 'or' parse and print");
	ok(j.compiled && j.audited, "and compile to code the kernel accepts (%zu bytes)",
	   j.code_len);
	is_int(j.match, 0x2, "user space: port 5000 matches, 1001 and 5001 do not");
	is_int(j.code_match, j.match, "the bytecode agrees");

	/* Changes of operator are marked with parentheses in the normal
	 * form, up to 16 of them; beyond, the list is printed flat. */
	for (int n = 18; n <= 19; n++) {
		tl_buf_reset(&b);
		for (int i = 0; i < n; i++) {
			const char *join = i % 2 ? " or " : " and ";
			tl_buf_printf(&b, "%ssport = :%d", i ? join : "", i);
		}
		char *cause = NULL;
		struct tl_filter *f = tl_filter_parse(b.data, &cause), *g;
		const char *text = f ? tl_filter_text(f) : "";
		size_t open = strspn(text, "(");
		if (n == 18)
			is_int(open, 16, "16 changes of operator: 16 parentheses");
		else
			is_int(open, 0, "17 changes: none, the list printed as written");
		g = f ? tl_filter_parse(text, NULL) : NULL;
		ok(g && !strcmp(tl_filter_text(g), text), "and it parses back to itself");
		tl_filter_free(g);
		tl_filter_free(f);
		free(cause);
	}

	/* Real nesting is still bounded. */
	tl_buf_reset(&b);
	for (int i = 0; i < 300; i++)
		tl_buf_puts(&b, "not ");
	tl_buf_puts(&b, "sport = :1");
	char *cause = NULL;
	struct tl_filter *f = tl_filter_parse(b.data, &cause);
	ok(f == NULL && cause && strstr(cause, "nested too deeply"), "300 'not' are refused");
	free(cause);
	tl_filter_free(f);
	tl_buf_reset(&b);
	for (int i = 0; i < 300; i++)
		tl_buf_puts(&b, "(sport = :1 or ");
	tl_buf_puts(&b, "sport = :1");
	for (int i = 0; i < 300; i++)
		tl_buf_puts(&b, ")");
	cause = NULL;
	f = tl_filter_parse(b.data, &cause);
	ok(f == NULL && cause && strstr(cause, "nested too deeply"),
	   "300 nested lists are refused");
	free(cause);
	tl_filter_free(f);
	tl_buf_fini(&b);
}

#define ROUNDS 20
#define EXPRS 100
#define SOCKS 64

static void test_property(void)
{
	struct tl_buf b;
	struct tl_sock socks[SOCKS];
	long compared = 0, matched = 0, with_code = 0;

	tl_buf_init(&b);
	for (int round = 0; round < ROUNDS; round++) {
		int parsed = 1, compiled = 1, audited = 1, agree = 1, roundtrip = 1;

		for (int i = 0; i < SOCKS; i++)
			gen_sock(&socks[i]);
		for (int x = 0; x < EXPRS; x++) {
			char *cause = NULL;
			struct tl_filter *f, *g;
			uint8_t *code = NULL;
			size_t len = 0;

			gen_filter(&b);
			f = tl_filter_parse(b.data, &cause);
			if (!f) {
				if (parsed)
					printf("#   cannot parse %s: %s\n", b.data, cause);
				parsed = 0;
				free(cause);
				continue;
			}
			if (tl_filter_bytecode(f, &code, &len) != 0) {
				if (compiled)
					printf("#   cannot compile %s\n", b.data);
				compiled = 0;
			} else if (code && bc_audit(code, (int)len) != 0) {
				if (audited)
					printf("#   the kernel would refuse the code of %s\n",
					       b.data);
				audited = 0;
			}
			with_code += code != NULL;
			g = tl_filter_parse(tl_filter_text(f), &cause);
			if (!g || strcmp(tl_filter_text(g), tl_filter_text(f)) ||
			    tl_filter_states(g) != tl_filter_states(f)) {
				if (roundtrip)
					printf(
					    "#   %s\n#   normal form %s does not parse back (%s)\n",
					    b.data, tl_filter_text(f), cause ? cause : "differs");
				roundtrip = 0;
			}
			free(cause);
			for (int i = 0; i < SOCKS; i++) {
				bool u = tl_filter_match(f, &socks[i]);
				bool k = kernel_keeps(tl_filter_states(f), code, len, &socks[i]);
				compared++;
				matched += u;
				if (u != k && agree) {
					char st[256];
					sock_text(&socks[i], st, sizeof(st));
					printf("#   %s\n#   on %s: user space %d, bytecode %d\n",
					       b.data, st, u, k);
					agree = 0;
				}
				if (g && tl_filter_match(g, &socks[i]) != u && roundtrip) {
					printf("#   normal form of %s matches differently\n",
					       b.data);
					roundtrip = 0;
				}
			}
			tl_filter_free(g);
			tl_filter_free(f);
			free(code);
		}
		ok(parsed, "round %d: %d random filters parse", round, EXPRS);
		ok(compiled, "round %d: they compile to bytecode", round);
		ok(audited, "round %d: the kernel's audit accepts the bytecode", round);
		ok(agree,
		   "round %d: tl_filter_match agrees with states mask + bytecode on %d sockets",
		   round, SOCKS);
		ok(roundtrip, "round %d: normal forms parse back and match the same", round);
	}
	/* The test means little if nothing or everything matched. */
	ok(matched > compared / 20 && matched < compared * 19 / 20,
	   "matches are mixed (%ld of %ld)", matched, compared);
	ok(with_code > ROUNDS * EXPRS / 2, "most filters needed bytecode (%ld)", with_code);
	tl_buf_fini(&b);
}

/* "netns NAME", tcpladder's extension: top-level clauses choosing
 * namespaces by label or pattern. */
static void test_netns(void)
{
	char *cause = NULL;
	struct tl_filter *f = tl_filter_parse("netns web-1 state close-wait and sport = :80 netns docker:*", &cause);
	ok(f != NULL, "netns clauses with state clauses and conditions parse");
	if (!f)
		return;
	is_str(tl_filter_text(f), "state close-wait netns web-1 netns docker:* and sport = :80",
	       "normal form: the clauses first");
	struct tl_filter *g = tl_filter_parse(tl_filter_text(f), NULL);
	ok(g && !strcmp(tl_filter_text(g), tl_filter_text(f)), "the normal form parses back");
	tl_filter_free(g);
	ok(tl_filter_netns(f, "web-1"), "a name chooses its namespace");
	ok(tl_filter_netns(f, "docker:3f2a9c1b7d4e"), "a pattern chooses its namespaces");
	ok(!tl_filter_netns(f, "web-2") && !tl_filter_netns(f, "host"), "others are left out");
	ok(tl_filter_states(f) == TL_TCPF(TL_TCP_CLOSE_WAIT), "the states are kept");
	struct tl_sock s = mk(TL_TCP_CLOSE_WAIT, "10.0.0.1", 80, "10.0.0.2", 5000);
	ok(tl_filter_match(f, &s), "sockets match on the rest of the filter");
	tl_filter_free(f);
	ok(tl_filter_netns(NULL, "anything"), "no filter: every namespace");
	f = tl_filter_parse("sport = :80", NULL);
	ok(tl_filter_netns(f, "host"), "no netns clause: every namespace");
	tl_filter_free(f);
	f = tl_filter_parse("netns host", NULL);
	is_str(tl_filter_text(f), "netns host", "a netns clause alone");
	tl_filter_free(f);
	static const char *const bad[] = {
		"netns", "sport = :1 or netns a", "not netns a", "( netns a )", "netns ( a )",
		"netns a or sport = :1",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cause = NULL;
		f = tl_filter_parse(bad[i], &cause);
		ok(!f && cause, "refused: %s (%s)", bad[i], cause ? cause : "accepted");
		tl_filter_free(f);
		free(cause);
	}
}

/* pid and comm: the owner's terms, applied in user space; the kernel's
 * program and tl_filter_match() keep every socket they might select. */
static void test_owner(void)
{
	static const struct {
		const char *in, *text;
	} texts[] = {
	    {"pid 42", "pid = 42"},
	    {"pid=42", "pid = 42"},
	    {"pid != 42", "pid != 42"},
	    {"pid >= 100", "pid >= 100"},
	    {"comm nginx", "comm = nginx"},
	    {"comm == nginx", "comm = nginx"},
	    {"COMM ne python*", "comm != python*"},
	    {"state close-wait comm java", "state close-wait and comm = java"},
	    {"sport = :80 or not comm x", "sport = :80 or not comm = x"},
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		char *cause = NULL;
		struct tl_filter *f = tl_filter_parse(texts[i].in, &cause);
		is_str(f ? tl_filter_text(f) : cause, texts[i].text, "parses: %s", texts[i].in);
		ok(f && tl_filter_has_owner(f), "has owner terms: %s", texts[i].in);
		struct tl_filter *g = f ? tl_filter_parse(tl_filter_text(f), NULL) : NULL;
		ok(g && !strcmp(tl_filter_text(g), tl_filter_text(f)), "parses back: %s",
		   texts[i].in);
		tl_filter_free(g);
		tl_filter_free(f);
		free(cause);
	}
	struct tl_filter *plain = tl_filter_parse("sport = :80", NULL);
	ok(!tl_filter_has_owner(plain) && !tl_filter_has_owner(NULL), "no owner terms");
	tl_filter_free(plain);

	static const struct {
		const char *in, *cause;
	} bad[] = {
	    {"pid", "expected a process id after 'pid' at column 4"},
	    {"pid = x", "invalid process id 'x' at column 7"},
	    {"pid 0", "invalid process id '0' at column 5"},
	    {"pid 99999999999", "invalid process id '99999999999' at column 5"},
	    {"comm", "expected a command name after 'comm' at column 5"},
	    {"comm <", "'<' compares numbers, not names, at column 6"},
	    {"comm > x", "'>' compares numbers, not names, at column 6"},
	    {"comm and", "expected a command name after 'comm' at column 6"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *cause = NULL;
		struct tl_filter *f = tl_filter_parse(bad[i].in, &cause);
		is_str(f ? "accepted" : cause, bad[i].cause, "refused: %s", bad[i].in);
		tl_filter_free(f);
		free(cause);
	}

	struct tl_sock web = mk(TL_TCP_ESTABLISHED, "10.0.0.1", 80, "10.0.0.2", 40000);
	struct tl_sock other = mk(TL_TCP_ESTABLISHED, "10.0.0.1", 22, "10.0.0.2", 40001);
	static const struct {
		const char *expr;
		int pid;
		const char *comm;
		int want_web, want_other;   /* with the owner known */
		int bound_web, bound_other; /* tl_filter_match(), owner unknown */
	} cases[] = {
	    {"pid = 42", 42, "nginx", 1, 1, 1, 1},
	    {"pid = 42", 7, "sshd", 0, 0, 1, 1},
	    {"pid = 42", 0, NULL, 0, 0, 1, 1},
	    {"not pid = 42", 0, NULL, 1, 1, 1, 1},
	    {"pid != 42", 0, NULL, 0, 0, 1, 1},
	    {"pid > 40", 42, "nginx", 1, 1, 1, 1},
	    {"pid < 40", 42, "nginx", 0, 0, 1, 1},
	    {"comm nginx", 42, "nginx", 1, 1, 1, 1},
	    {"comm ngin*", 42, "nginx", 1, 1, 1, 1},
	    {"comm nginx", 42, "python3", 0, 0, 1, 1},
	    {"comm != nginx", 42, "python3", 1, 1, 1, 1},
	    {"comm nginx and sport = :80", 42, "nginx", 1, 0, 1, 0},
	    {"comm nginx or sport = :80", 42, "sshd", 1, 0, 1, 1},
	    {"not (comm nginx or sport = :80)", 42, "sshd", 0, 1, 0, 1},
	    {"not (comm nginx and sport = :80)", 42, "nginx", 0, 1, 1, 1},
	    {"not not pid = 1", 2, "x", 0, 0, 1, 1},
	    {"sport = :22 and not comm sshd", 7, "sshd", 0, 0, 0, 1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tl_filter *f = tl_filter_parse(cases[i].expr, NULL);
		if (!f) {
			ok(0, "parses: %s", cases[i].expr);
			continue;
		}
		ok(tl_filter_match_owner(f, &web, cases[i].pid, cases[i].comm) == cases[i].want_web &&
		       tl_filter_match_owner(f, &other, cases[i].pid, cases[i].comm) ==
			   cases[i].want_other,
		   "%s with pid %d %s", cases[i].expr, cases[i].pid,
		   cases[i].comm ? cases[i].comm : "(none)");
		ok(tl_filter_match(f, &web) == cases[i].bound_web &&
		       tl_filter_match(f, &other) == cases[i].bound_other,
		   "%s, owner unknown: an upper bound", cases[i].expr);
		ok(both(cases[i].expr, &web) == cases[i].bound_web &&
		       both(cases[i].expr, &other) == cases[i].bound_other,
		   "%s: the kernel's program keeps the same", cases[i].expr);
		tl_filter_free(f);
	}
	uint8_t *code = NULL;
	size_t len = 1;
	struct tl_filter *f = tl_filter_parse("state established comm nginx", NULL);
	ok(f && tl_filter_bytecode(f, &code, &len) == 0 && !code && !len,
	   "owner terms alone: no program, the states still go to the kernel");
	ok(f && tl_filter_states(f) == TL_TCPF(TL_TCP_ESTABLISHED), "the states are kept");
	tl_filter_free(f);
}

int main(void)
{
	test_owner();
	test_valid();
	test_errors();
	test_match();
	test_bytecode();
	test_long_lists();
	test_property();
	test_netns();
	return tap_done();
}
