/* signals: the program's signal set-up and its undo, in one pair.
 * SIGINT, SIGTERM and SIGHUP are blocked and arrive as input on a
 * descriptor that the modes poll with everything else (never a handler
 * that prints or tears down the terminal); SIGPIPE is ignored so a closed
 * pipe is an error from write().  tl_signals_clear() restores the mask and
 * dispositions that were in force before.  SIGWINCH is left to curses. */
#ifndef TCPLADDER_SIGNALS_H
#define TCPLADDER_SIGNALS_H

#include <signal.h>
#include <stdbool.h>

struct tl_signals {
	int fd; /* signalfd, or -1 */
	sigset_t old_mask;
	struct sigaction old_pipe;
	bool set;
};

/* 0, or -errno with *cause (caller frees); on failure nothing is changed. */
int tl_signals_set(struct tl_signals *s, char **cause);
/* The signal that arrived (SIGINT, SIGTERM, SIGHUP), or 0. */
int tl_signals_read(struct tl_signals *s);
void tl_signals_clear(struct tl_signals *s);

#endif
