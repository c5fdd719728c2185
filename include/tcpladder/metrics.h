/* metrics: one sample as Prometheus's text exposition format (0.0.4), in
 * the pure core.  The runtime counts events into tl_metrics_counters as
 * they come and, after each sample, hands the snapshots, counters, leak
 * picture and its own statistics to tl_metrics_render(); the exporter
 * shell serves or writes the text.  Nothing here allocates beyond the
 * output buffer (and a scratch table for the ports), reads a clock or
 * does I/O.
 *
 * Names follow Prometheus's rules: a tcpladder_ prefix, base units in the
 * name (_seconds, _ratio), counters end in _total, gauges do not.  Every
 * per-owner, per-port and per-destination metric keeps at most `top`
 * series plus one "(other)" series summing the rest, so the output's size
 * is bounded whatever the machine holds (the worst case is in
 * docs/architecture.md). */
#ifndef TCPLADDER_METRICS_H
#define TCPLADDER_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpladder/leak.h"
#include "tcpladder/snapshot.h"
#include "tcpladder/stats.h"
#include "tcpladder/tcpstate.h"
#include "tcpladder/tracker.h"
#include "tcpladder/util.h"

/* How a connection's end closed (tl_metrics_close_how). */
enum tl_metrics_close {
	TL_METRICS_CLOSE_FIN,     /* both FINs: from TIME-WAIT, LAST-ACK or CLOSING */
	TL_METRICS_CLOSE_RST,     /* an RST, sent or received */
	TL_METRICS_CLOSE_TIMEOUT, /* a timer gave up: SYN-SENT, SYN-RECV, FIN-WAIT-1/2 */
	TL_METRICS_CLOSE_UNKNOWN, /* gone with no evidence of how */
	TL_METRICS_CLOSE_N
};

/* Counts of one namespace's events since the start (monotonic: they
 * never go down, as Prometheus counters must not). */
struct tl_metrics_counters {
	/* [inferred][from][to]: state changes, the close (to CLOSED) included */
	uint64_t transitions[2][TL_TCP_NSTATES][TL_TCP_NSTATES];
	uint64_t opened_active, opened_passive, opened_unknown;
	uint64_t closed[TL_METRICS_CLOSE_N];
};

/* Add a step's events (those of namespace ns only). */
void tl_metrics_count(struct tl_metrics_counters *c, const struct tl_event *ev, size_t n,
		      unsigned ns);
enum tl_metrics_close tl_metrics_close_how(const struct tl_event *ev);

/* One watched namespace. */
struct tl_metrics_ns {
	const char *name;                      /* the netns label's value */
	const struct tl_snapshot *snap;        /* the last complete sample (may be NULL) */
	const struct tl_metrics_counters *ctr; /* may be NULL */
	const struct tl_tw_pressure *tw;       /* its TIME-WAIT pressure (may be NULL) */
};

struct tl_metrics_input {
	const struct tl_metrics_ns *ns;
	size_t n_ns; /* more than one: every series has a netns label */
	/* CLOSE-WAIT by owner, sorted (may be NULL); with several
	 * namespaces each group is shown under its own (g->ns) */
	const struct tl_leak_group *cw;
	size_t n_cw;
	bool cw_known;                    /* owners were looked for (not --no-owners) */
	const struct tl_engine_stats *st; /* may be NULL */
	double wall;                      /* unix time of the sample */
	unsigned top;                     /* series kept per owner, port, destination */
	const char *version;              /* for tcpladder_build_info */
};

/* Append the exposition text to out. */
void tl_metrics_render(struct tl_buf *out, const struct tl_metrics_input *in);

/* A label value as the format wants it: \\, \" and \n escaped; bytes that
 * are not valid UTF-8 and controls shown as \xNN first (so the text is
 * UTF-8, which the format requires). */
void tl_metrics_label(struct tl_buf *out, const char *s);

/* Check text against the exposition format's grammar as this module
 * writes it: NULL when it holds, else a static reason and *line the
 * 1-based line.  Used by the tests and the fuzz target. */
const char *tl_metrics_check(const char *text, size_t len, size_t *line);

#endif
