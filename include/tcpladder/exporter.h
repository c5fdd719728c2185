/* exporter: the metrics shell.  It serves the text the core rendered
 * (metrics.h) over HTTP at /metrics with libmicrohttpd, and writes it to a
 * file for node_exporter's textfile collector.
 *
 * The HTTP server runs in the caller's thread: libmicrohttpd in its
 * "external polling" mode with epoll gives one descriptor, which the
 * runtime polls beside its others, and tl_exporter_step() lets it accept,
 * read and answer without ever blocking.  So nothing is shared between
 * threads and no lock is needed.  A scrape is answered from the response
 * built at the last sample (libmicrohttpd counts its references: one built
 * for a sample outlives it while a slow client still reads it); a scrape
 * never causes a dump.
 *
 * Errors: -errno with *cause set to one line (caller frees). */
#ifndef TCPLADDER_EXPORTER_H
#define TCPLADDER_EXPORTER_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpladder/options.h"

struct tl_exporter;

/* listen (family 0: no server) and textfile (NULL: none).  The listening
 * socket is opened here, in the namespace the caller is in, so an address
 * in use is an error now; the textfile's directory is checked by creating
 * (and removing) a temporary file in it. */
struct tl_exporter *tl_exporter_new(const struct tl_listen_addr *listen, const char *textfile,
				    char **cause);
void tl_exporter_free(struct tl_exporter *x);

/* The descriptor to poll (POLLIN); returns how many were written (0 or 1). */
size_t tl_exporter_pollfds(const struct tl_exporter *x, struct pollfd *pfd, size_t max);
/* Monotonic time (ns) by which tl_exporter_step() must run again (an idle
 * connection's timeout), or UINT64_MAX. */
uint64_t tl_exporter_deadline(const struct tl_exporter *x, uint64_t now);
/* Accept, read, answer: never blocks. */
void tl_exporter_step(struct tl_exporter *x);
/* A new sample's text: scrapes get it from now on, and the textfile is
 * rewritten (a temporary file in the same directory, then rename(), so a
 * reader sees the old file or the new one, never a part).  An error
 * concerns the textfile only; the server keeps the new text. */
int tl_exporter_publish(struct tl_exporter *x, const char *text, size_t len, char **cause);

/* The port the server listens on (0 without one). */
uint16_t tl_exporter_port(const struct tl_exporter *x);

#endif
