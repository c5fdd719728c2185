/* evlog: a ring of events. */
#include <stdlib.h>
#include <string.h>

#include "tcpladder/evlog.h"
#include "tcpladder/util.h"

void tl_evlog_init(struct tl_evlog *l, size_t cap)
{
	memset(l, 0, sizeof(*l));
	l->cap = cap ? cap : 1;
	l->ev = tl_calloc(l->cap, sizeof(*l->ev));
}

void tl_evlog_fini(struct tl_evlog *l)
{
	free(l->ev);
	memset(l, 0, sizeof(*l));
}

void tl_evlog_add(struct tl_evlog *l, const struct tl_event *ev)
{
	size_t i;
	if (l->n < l->cap) {
		i = (l->head + l->n) % l->cap;
		l->n++;
	} else {
		i = l->head;
		l->head = (l->head + 1) % l->cap;
	}
	l->ev[i] = *ev;
	l->total++;
}

const struct tl_event *tl_evlog_at(const struct tl_evlog *l, size_t i)
{
	return i < l->n ? &l->ev[(l->head + i) % l->cap] : NULL;
}
