#ifndef TCPLADDER_LABCLOCK_H
#define TCPLADDER_LABCLOCK_H
/* labclock: what the late-fin lesson waits for, told from the sockets'
 * own timers as the last sample read them (pure: the tracker in, words
 * out).  The kernels' timers run in real time; nothing here hurries them. */
#include <stdbool.h>
#include <stdint.h>

#include "tcpladder/tracker.h"
#include "tcpladder/util.h"

/* The lesson's two ends by the run's client port (A in namespace 0, B in
 * 1), whatever ids the tracker gave them: A while in TIME-WAIT with its
 * timer running, B while in LAST-ACK with its retransmission timer
 * running; NULL otherwise.  True when A's TIME-WAIT is over (A closed,
 * kept for the lesson). */
bool tl_labclock_ends(struct tl_tracker *t, uint16_t port, const struct tl_conn **a,
		      const struct tl_conn **b);
/* The clock line (A's TIME-WAIT left, B's next FIN; or that A's is over)
 * appended to out in lang; false (nothing appended) when there is none. */
bool tl_labclock_line(struct tl_tracker *t, uint16_t port, const char *lang, struct tl_buf *out);
/* The answer to "skip ahead" (f): that it cannot be skipped, and what
 * comes next and when (late_fin: the lesson is late-fin). */
void tl_labclock_ahead(struct tl_tracker *t, uint16_t port, bool late_fin, const char *lang,
		       struct tl_buf *out);

#endif
