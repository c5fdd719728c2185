/* libFuzzer target: the lab's packet parser and relay, fed any bytes as a
 * packet from either side. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tcpladder/relay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tl_relay r;
	static int init;
	struct tl_pkt pkt;
	char d[64];

	if (!init) {
		tl_relay_init(&r, 10, 16);
		tl_relay_set_rule(&r, TL_DROP_LAST_ACK);
		init = 1;
	}
	if (!size)
		return 0;
	uint8_t *copy = malloc(size);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (tl_pkt_parse(copy + 1, size - 1, &pkt) == 0)
		tl_pkt_describe(&pkt, d, sizeof(d));
	tl_relay_push(&r, data[0] & 1, copy + 1, size - 1, 0, NULL);
	while (tl_relay_pop(&r, 100))
		;
	free(copy);
	return 0;
}
