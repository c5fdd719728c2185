/* sysio: system calls that a signal may interrupt, done whole.
 *
 * The program blocks the signals it handles (signals.h) and reads them
 * from a signalfd, so an interrupted call is rare: a stop and continue
 * under a tracer, a signal some library installed a handler for.  Rare is
 * not never, and an interrupted call is no error: it is made again. */
#ifndef TCPLADDER_SYSIO_H
#define TCPLADDER_SYSIO_H

#include <errno.h>
#include <stddef.h>

/* The value of the call expr (a system call returning -1 and setting
 * errno on failure), made again while it fails with EINTR. */
#define TL_EINTR(expr)                                                                             \
	__extension__({                                                                            \
		long tl_eintr_r_;                                                                  \
		do                                                                                 \
			tl_eintr_r_ = (long)(expr);                                                \
		while (tl_eintr_r_ == -1 && errno == EINTR);                                       \
		tl_eintr_r_;                                                                       \
	})

/* Write all n bytes of p to fd, through short writes and interruptions:
 * 0, or -errno (-EIO for a write that wrote nothing). */
int tl_write_all(int fd, const void *p, size_t n);

#endif
