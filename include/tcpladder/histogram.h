/* histogram: sockets counted by TCP state. */
#ifndef TCPLADDER_HISTOGRAM_H
#define TCPLADDER_HISTOGRAM_H

#include <stdint.h>

#include "tcpladder/snapshot.h"
#include "tcpladder/tcpstate.h"

struct tl_hist {
	uint32_t count[TL_TCP_NSTATES]; /* by shown state: NEW_SYN_RECV folded into SYN_RECV */
	uint32_t total;
};

void tl_hist_from_snapshot(struct tl_hist *h, const struct tl_snapshot *s);

#endif
