/* libFuzzer target: the sock_diag parser must reject or accept any bytes
 * without reading out of bounds.  Build: see .ci/run. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tcpladder/diag.h"
#include "tcpladder/snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tl_snapshot snap;
	static int init;
	struct tl_diag_ctx ctx;
	struct tl_tcpinfo info;

	if (!init) {
		tl_snapshot_init(&snap);
		init = 1;
	}
	if (size < 1)
		return 0;
	/* First byte picks the dump kind; the rest is one datagram, copied
	 * so that the fuzzer's buffer end is the datagram's end. */
	enum tl_diag_kind kind = (enum tl_diag_kind)(data[0] % 3);
	uint8_t *copy = NULL;
	size_t n = size - 1;
	if (n) {
		copy = __builtin_malloc(n);
		memcpy(copy, data + 1, n);
	}
	tl_snapshot_clear(&snap);
	tl_diag_ctx_init(&ctx, kind, kind == TL_DIAG_TCP ? &snap : NULL);
	/* seq and portid 0 turn libmnl's checks off, reaching more code. */
	(void)tl_diag_feed(&ctx, copy ? copy : (const void *)"", n, 0, 0);
	tl_diag_parse_tcpinfo(copy ? copy : (const void *)"", n, &info);
	__builtin_free(copy);
	return 0;
}
