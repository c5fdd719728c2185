/* leak: CLOSE-WAIT leaks and TIME-WAIT pressure, in the pure core.
 *
 * Grouping: CLOSE-WAIT sockets by owning process and by local port, with
 * counts, unread data (Recv-Q above the FIN's 1) and the oldest age.
 * Growth: a watch remembers each group's count over a window and says
 * whether it keeps growing.  Pressure: TIME-WAIT against the bucket limit,
 * and per destination the local ports in use against the port range. */
#ifndef TCPLADDER_LEAK_H
#define TCPLADDER_LEAK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpladder/map.h"
#include "tcpladder/snapshot.h"

struct tl_leak_cfg {
	uint32_t count_threshold; /* this many in CLOSE-WAIT in one process: a leak */
	double age_threshold_s;   /* a CLOSE-WAIT this old: a leak */
	uint64_t window_ns;       /* growth is judged over this window */
	double pressure_ratio;    /* TIME-WAIT or port use above this share: pressure */
};

void tl_leak_cfg_default(struct tl_leak_cfg *cfg);

/* One CLOSE-WAIT socket, as the caller knows it. */
struct tl_cw_item {
	uint16_t lport;
	uint32_t rqueue;
	double age_s;     /* time in CLOSE-WAIT, or an estimate */
	bool age_exact;   /* the change was observed */
	int pid;          /* owner, -1 if unknown */
	const char *comm; /* owner's name, or NULL */
	const char *cmdline;
	unsigned ns; /* the watched namespace's index (0 with one) */
	/* not exact: an estimate (the time since the last ACK came, from
	 * tcp_info), not only a lower bound (the time it was watched) */
	bool age_est;
};

struct tl_leak_group {
	int pid;     /* by process: the pid (-1: owner unknown); by port: -1 */
	unsigned ns; /* by process: the namespace of its sockets (the first's) */
	char comm[17];
	char cmdline[96];
	uint16_t port; /* by port: the local port; by process: 0 */
	uint32_t count;
	uint32_t unread; /* sockets with Recv-Q > 1: data the application never read */
	double oldest_s;
	bool oldest_exact;
	bool oldest_est; /* not exact: estimated (as --once --check does), not a lower bound */
	/* by process: its sockets' local ports, the most common first */
	uint16_t ports[6];
	unsigned n_ports;
	bool more_ports;       /* and others */
	double growth_per_min; /* from a watch; 0 without one */
	bool growing;
	bool suspect;
	const char *why; /* static: "keeps growing", "old", "many" */
};

/* Group items; *out is allocated (caller frees), sorted by count then
 * oldest.  by_port false: by process. */
size_t tl_leak_group(const struct tl_cw_item *items, size_t n, bool by_port,
		     const struct tl_leak_cfg *cfg, struct tl_leak_group **out);

/* Counts over time, per group key. */
struct tl_leak_watch {
	struct tl_map idx; /* key -> series index */
	struct leak_series {
		uint64_t key;
		uint64_t t[64];
		uint32_t c[64];
		unsigned n, head;
		uint64_t last_seen;
	} * series;
	size_t n, cap;
};

void tl_leak_watch_init(struct tl_leak_watch *w);
void tl_leak_watch_fini(struct tl_leak_watch *w);
/* Record this sample's groups and fill their growth, growing and suspect
 * fields. */
void tl_leak_watch_update(struct tl_leak_watch *w, struct tl_leak_group *g, size_t n, bool by_port,
			  uint64_t now, const struct tl_leak_cfg *cfg);

struct tl_tw_dest {
	char remote[64];
	uint32_t in_use; /* local ports bound to connections to it (TIME-WAIT included) */
	uint32_t range;  /* size of the ephemeral port range */
	double ratio;
};

struct tl_tw_pressure {
	uint32_t time_wait;
	long max_buckets; /* -1: unknown */
	double bucket_ratio;
	int port_lo, port_hi; /* 0: unknown */
	struct tl_tw_dest top[5];
	size_t n_top;
	bool pressure;
};

/* From a snapshot and the namespace's limits. */
void tl_tw_pressure_compute(const struct tl_snapshot *s, long max_buckets, int port_lo, int port_hi,
			    const struct tl_leak_cfg *cfg, struct tl_tw_pressure *out);

#endif
