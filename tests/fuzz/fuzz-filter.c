/* libFuzzer target: the filter parser must accept or reject any text
 * without reading out of bounds or recursing without limit, and what it
 * accepts must print, compile and evaluate.  Build: see .ci/run. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "tcpladder/filter.h"
#include "tcpladder/snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tl_filter *f, *g;
	struct tl_sock s;
	char *text, *cause = NULL;
	uint8_t *code = NULL;
	size_t len = 0;

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
	if (tl_filter_bytecode(f, &code, &len) == 0 && (code == NULL) != (len == 0))
		__builtin_trap();
	__builtin_free(code);
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
	(void)tl_filter_match(f, &s);
	(void)tl_filter_states(f);
	tl_filter_free(g);
	tl_filter_free(f);
	return 0;
}
