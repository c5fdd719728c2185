/* libFuzzer target: the filter parser must accept or reject any text
 * without reading out of bounds or recursing without limit, and what it
 * accepts must print, compile and evaluate: its bytecode must pass the
 * kernel's audit, agree with the evaluator (tests/unit/bc-model.h), and
 * go into a request of the size computed for it, never past a buffer
 * too small for it; with pid and comm terms, the evaluator that knows the
 * owner keeps no socket the bound (and the kernel) would drop.  Build: see .ci/run. */
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "../unit/bc-model.h"
#include "tcpladder/diag.h"
#include "tcpladder/filter.h"
#include "tcpladder/snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The compiled program in a request: exactly the computed size takes it,
 * one byte less is refused. */
static void check_request(const uint8_t *code, size_t len)
{
	struct inet_diag_req_v2 req;
	size_t need;
	char *buf;

	memset(&req, 0, sizeof(req));
	if (tl_diag_request_size(sizeof(req), len, &need) < 0) {
		if (len <= 65531)
			__builtin_trap();
		return;
	}
	buf = __builtin_malloc(need);
	if (!tl_diag_request_put(buf, need, SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP, 1,
	                         &req, sizeof(req), code, len) ||
	    tl_diag_request_put(buf, need - 1, SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST, 1, &req,
	                        sizeof(req), code, len))
		__builtin_trap();
	__builtin_free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tl_filter *f, *g;
	struct tl_sock s;
	char *text, *cause = NULL;
	uint8_t *code = NULL;
	size_t len = 0;
	int err;

	/* A NUL-terminated copy, so the input's end is the string's end. */
	text = __builtin_malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	f = tl_filter_parse(text, &cause);
	__builtin_free(text);
	if (!f) {
		if (!cause)
			__builtin_trap();
		__builtin_free(cause);
		return 0;
	}
	err = tl_filter_bytecode(f, &code, &len);
	if ((err == 0 && (code == NULL) != (len == 0)) || (err != 0 && (code || len)) ||
	    (err != 0 && err != -EOPNOTSUPP))
		__builtin_trap();
	if (code && bc_audit(code, (int)len) != 0)
		__builtin_trap();
	if (code)
		check_request(code, len);
	/* The normal form must parse back to itself. */
	g = tl_filter_parse(tl_filter_text(f), &cause);
	if (!g || strcmp(tl_filter_text(g), tl_filter_text(f)))
		__builtin_trap();
	memset(&s, 0, sizeof(s));
	s.family = size & 1 ? AF_INET6 : AF_INET;
	s.state = (uint8_t)(size % 14);
	s.lport = (uint16_t)size;
	s.rport = 443;
	if (size >= 16)
		memcpy(s.local, data, 16);
	if (size >= 32)
		memcpy(s.remote, data + 16, 16);
	/* Both back ends, behind the same state mask, give one answer. */
	bool u = tl_filter_match(f, &s);
	if (err == 0 && u != kernel_keeps(tl_filter_states(f), code, len, &s))
		__builtin_trap();
	if (tl_filter_match(g, &s) != u)
		__builtin_trap();
	/* Knowing the owner only narrows: the bound holds whoever it is. */
	if (!u && (tl_filter_match_owner(f, &s, (int)size, "x") ||
		   tl_filter_match_owner(f, &s, 0, NULL) ||
		   tl_filter_match_owner(f, &s, 1, "nginx")))
		__builtin_trap();
	if (!tl_filter_has_owner(f) && tl_filter_match_owner(f, &s, 42, "x") != u)
		__builtin_trap();
	__builtin_free(code);
	tl_filter_free(g);
	tl_filter_free(f);
	return 0;
}
