/* clock: the program's clocks, read in one place (a shell: the pure core
 * never reads the clock, it is given `now`). */
#ifndef TCPLADDER_CLOCK_H
#define TCPLADDER_CLOCK_H

#include <stdint.h>

/* CLOCK_MONOTONIC in ns: every interval, deadline and sample time. */
uint64_t tl_mono_ns(void);
/* CLOCK_REALTIME as unix seconds: only for showing and recording times. */
double tl_wall_now(void);
/* CPU time of the calling thread in ns: what a round of work cost. */
uint64_t tl_thread_cpu_ns(void);

#endif
