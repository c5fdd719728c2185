/* histogram: counting. */
#include <string.h>

#include "tcpladder/histogram.h"

void tl_hist_from_snapshot(struct tl_hist *h, const struct tl_snapshot *s)
{
	memset(h, 0, sizeof(*h));
	for (size_t i = 0; i < s->n; i++) {
		int st = tl_tcp_state_shown(s->socks[i].state);
		if (st <= 0 || st >= TL_TCP_NSTATES)
			st = TL_TCP_UNKNOWN;
		h->count[st]++;
		h->total++;
	}
}
