/* libFuzzer target: the recording reader.  An input whose first byte is
 * odd is a block's raw operations (after the byte), decoded directly, so
 * that the decoder behind the checksums is reached: of format version 1,
 * or of the current one when the byte's bit 1 is set too; otherwise the
 * input is a file: its header, then blocks, each decoded to its
 * operations. */
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
		size_t pos = 0;
		tl_recdec_init(&d);
		d.version = (data[0] & 2) ? TL_REC_VERSION : 1;
		while (tl_recdec_op(&d, data + 1, size - 1, &pos, &op, &why) > 0)
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
		size_t len, used, pos = 0;
		if (tl_recfmt_unblock(data + off, size - off, &type, &raw, &len, &used, &why) <= 0)
			break;
		off += used;
		struct tl_rop op;
		int r;
		while ((r = tl_recdec_op(&d, raw, len, &pos, &op, &why)) > 0)
			if (op.kind == TL_ROP_SAMPLE && op.snap->n && !op.snap->socks)
				abort();
		free(raw);
		if (r < 0)
			break;
	}
	tl_recdec_fini(&d);
	return 0;
}
