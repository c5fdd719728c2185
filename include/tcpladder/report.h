/* report: the `--once` summary as text for people and JSON for scripts.
 * Pure renderers: they append to a tl_buf and never print. */
#ifndef TCPLADDER_REPORT_H
#define TCPLADDER_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "tcpladder/histogram.h"
#include "tcpladder/leak.h"
#include "tcpladder/nslabel.h"
#include "tcpladder/snapshot.h"
#include "tcpladder/util.h"

struct tl_once_report {
	const char *netns;                      /* "self", a name or a path; with -A the label */
	uint64_t netns_ino;                     /* 0: not shown (one namespace named) */
	const struct tl_cgroup_info *container; /* what its processes' cgroup says, or NULL */
	double wall;                            /* unix time of the sample */
	double dump_ms;                         /* what the sample cost */
	const char *source;                     /* what took it ("sock_diag"; NULL: the same) */
	struct tl_hist hist;                    /* TCP sockets by state */
	long other[TL_OTHER_N];                 /* -1: not available */
	/* CLOSE-WAIT by owner and by local port (owned by the caller) */
	const struct tl_leak_group *by_process;
	size_t n_process;
	const struct tl_leak_group *by_port;
	size_t n_port;
	uint32_t cw_unread;
	bool ages_estimated;     /* ages from the kernel's time since the last ACK */
	bool owners_hidden;      /* some processes could not be read: say why owners are unknown */
	const char *owners_from; /* "ebpf" (the kernel's walk), "proc"; NULL: not looked up */
	struct tl_tw_pressure tw;
	bool have_tw;
};

/* Does the report flag a leak or pressure (for --check)? */
bool tl_once_report_alarming(const struct tl_once_report *r);

void tl_once_report_fill(struct tl_once_report *r, const char *netns, const struct tl_snapshot *s);
/* Free the CLOSE-WAIT groups of n reports. */
void tl_once_reports_free_leaks(struct tl_once_report *r, size_t n);
void tl_report_once_text(struct tl_buf *b, const struct tl_once_report *r, size_t n);
/* One object, or an array of objects when n > 1 (always an array with
 * array); objects with netns_ino set also carry "netns_inode" and
 * "container". */
void tl_report_once_json(struct tl_buf *b, const struct tl_once_report *r, size_t n);
void tl_report_once_json_array(struct tl_buf *b, const struct tl_once_report *r, size_t n);
/* Many namespaces (--all-netns): one row per namespace, states as
 * columns, then each namespace's CLOSE-WAIT owners and TIME-WAIT
 * pressure where it has any. */
void tl_report_once_rows(struct tl_buf *b, const struct tl_once_report *r, size_t n);

struct tl_event;
struct tl_engine_stats;
struct tl_owner;

/* One event as a line for people:
 * "12:00:01.250 self 127.0.0.1:50000 -> 127.0.0.1:80  ESTABLISHED -> FIN-WAIT-1  FIN out
 * (inferred)" Local time; with utc, UTC. */
void tl_report_event_text(struct tl_buf *b, const struct tl_event *ev, const char *netns, bool utc,
			  const struct tl_owner *owner);
/* One event as a JSON object on one line (DESIGN.md section 4); with st,
 * the sampler's effective interval and last dump cost ride along; owner
 * (NULL: unknown) fills pid and comm. */
void tl_report_event_json(struct tl_buf *b, const struct tl_event *ev, const char *netns,
			  const struct tl_engine_stats *st, const struct tl_owner *owner);

#endif
