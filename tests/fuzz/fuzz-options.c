/* libFuzzer target: the command line.  The input is split at NUL bytes
 * into arguments; parsing must accept or refuse them without crashing,
 * leaking or reading out of bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tcpladder/options.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	char *argv[34];
	int argc = 0;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[argc++] = (char *)"tcpladder";
	for (char *p = buf; p < buf + size && argc < 33; p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	struct tl_options o;
	char *cause = NULL;
	tl_options_parse(&o, argc, argv, &cause);
	free(cause);
	tl_options_fini(&o);
	free(buf);
	return 0;
}
