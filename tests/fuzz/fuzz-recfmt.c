/* libFuzzer target: the recording reader.  An input whose first byte is
 * odd is a block's raw bytes (after the byte), decoded directly, so that
 * the decoder behind the checksums is reached: of format version 1 + the
 * byte's bits 1 and up, modulo the versions there are (1, 2, 3, 1, ...);
 * otherwise the input is a file: its header, then blocks, each decoded to
 * its operations. */
#include <stdint.h>
#include <stdlib.h>

#include "tcpladder/recfmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *why = NULL;
	if (size && (data[0] & 1)) {
		struct tl_recdec d;
		struct tl_rop op;
		tl_recdec_init(&d);
		d.version = 1 + (unsigned)(data[0] >> 1) % TL_REC_VERSION;
		if (tl_recdec_block(&d, data + 1, size - 1, &why) == 0)
			while (tl_recdec_op(&d, &op, &why) > 0)
				;
		tl_recdec_fini(&d);
		return 0;
	}
	int version = tl_recfmt_header_check(data, size, &why);
	if (version < 0)
		return 0;
	struct tl_recdec d;
	tl_recdec_init(&d);
	d.version = (unsigned)version;
	size_t off = TL_REC_HEADER_LEN;
	for (;;) {
		uint8_t type, *raw;
		size_t len, used;
		if (tl_recfmt_unblock(data + off, size - off, &type, &raw, &len, &used, &why) <= 0)
			break;
		off += used;
		struct tl_rop op;
		int r = tl_recdec_block(&d, raw, len, &why);
		while (r >= 0 && (r = tl_recdec_op(&d, &op, &why)) > 0)
			if (op.kind == TL_ROP_SAMPLE && op.snap->n && !op.snap->socks)
				abort();
		free(raw);
		if (r < 0)
			break;
	}
	tl_recdec_fini(&d);
	return 0;
}
