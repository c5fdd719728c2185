/* evlog: the latest events, kept for the event pane and the detail view.
 * A ring that owns copies of the events. */
#ifndef TCPLADDER_EVLOG_H
#define TCPLADDER_EVLOG_H

#include <stddef.h>
#include <stdint.h>

#include "tcpladder/tracker.h"

struct tl_evlog {
	struct tl_event *ev;
	size_t cap, n, head;
	uint64_t total; /* events ever added */
};

void tl_evlog_init(struct tl_evlog *l, size_t cap);
void tl_evlog_fini(struct tl_evlog *l);
void tl_evlog_add(struct tl_evlog *l, const struct tl_event *ev);
/* i = 0 is the oldest kept. */
const struct tl_event *tl_evlog_at(const struct tl_evlog *l, size_t i);

#endif
