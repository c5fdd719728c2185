/* options: the command line, parsed into one struct that main passes
 * down.  No globals; no printing: errors come back as a reason. */
#ifndef TCPLADDER_OPTIONS_H
#define TCPLADDER_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tl_mode {
	TL_MODE_UI,
	TL_MODE_ONCE,
	TL_MODE_EVENTS,
	TL_MODE_METRICS, /* --metrics-listen or --metrics-textfile alone: headless */
};

/* --metrics-listen ADDR:PORT, parsed (numeric addresses only: no name
 * lookups).  family 0: not given. */
struct tl_listen_addr {
	int family;       /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* network byte order */
	uint16_t port;
	char text[64]; /* as given, for messages */
};

/* --exact / --no-exact: the eBPF source required, refused, or (the
 * default) used when it can be. */
enum tl_exact_mode {
	TL_EXACT_MODE_AUTO,
	TL_EXACT_MODE_ON,
	TL_EXACT_MODE_OFF,
};

/* One watched namespace: path NULL means our own ("self"). */
struct tl_ns_arg {
	char *path;
	char *name;
};

struct tl_options {
	enum tl_mode mode;
	bool json;
	bool help;
	bool version;
	struct tl_ns_arg *netns;
	size_t n_netns;
	bool all_netns;           /* -A: every namespace, the set kept current */
	uint64_t delay_ns;        /* -d: the interval aimed for */
	bool delay_set;           /* -d was given (the UI's default is longer) */
	unsigned long iterations; /* -n: stop after N samples; 0 = no limit */
	uint64_t duration_ns;     /* --duration; 0 = no limit */
	double cpu_budget;        /* --cpu-budget, as a fraction of one core */
	char *follow;             /* --follow FILTER, or NULL */
	bool no_color;            /* --no-color (NO_COLOR is read by the terminal shell) */
	bool ascii;               /* --ascii */
	bool check;               /* --check: --once exits 3 on a leak or pressure */
	bool no_owners;           /* --no-owners: never read /proc */
	const char *lang;         /* --lang: "en" or "zh" (static) */
	bool ladder;              /* --ladder: with --events, each connection's ladder at its end */
	int ladder_format;        /* --ladder-format: enum tl_ladder_format (0: text) */
	int demo;                 /* --demo[=SCENARIO]: the scenario's index, -1 without --demo,
				     TL_SCENARIO_LIST for --demo=list */
	uint64_t link_delay_ns;   /* --link-delay */
	bool step;                /* --step: the lab holds each segment until released */
	unsigned long leak_count; /* --leak-count (0: default) */
	uint64_t leak_age_ns;     /* --leak-age (0: default) */
	uint64_t leak_window_ns;  /* --leak-window (0: default) */
	bool ui;                  /* --ui: the interactive view even beside metrics */
	struct tl_listen_addr metrics_listen; /* --metrics-listen (family 0: none) */
	char *metrics_textfile;               /* --metrics-textfile, or NULL */
	unsigned long metrics_top; /* --metrics-top: per-owner, port and destination cap */
	char *filter;              /* the FILTER arguments joined, or NULL */
	int exact;                 /* enum tl_exact_mode */
	char *record;              /* --record FILE, or NULL */
	char *replay;              /* --replay FILE, or NULL */
	double speed;              /* --speed: replay's pace (1 real time; 0 as fast as it can) */
	uint64_t at_ns;            /* --at: with --once --replay, the time into the recording */
	bool at_set;
};

/* 0 on success; -EINVAL on a usage error with *cause set (caller frees).
 * When no namespace is named, one entry for our own is added. */
int tl_options_parse(struct tl_options *o, int argc, char **argv, char **cause);
void tl_options_fini(struct tl_options *o);
/* The interval the mode aims for: -d when given, else the lab's 0.1 s
 * (its states last a few link delays), the interactive view's calmer 1 s
 * (as htop), or 0.5 s for --events and --once. */
uint64_t tl_options_delay(const struct tl_options *o);
/* Parse "ADDR:PORT", "[V6ADDR]:PORT" or ":PORT" (every address, both
 * families); 0 or -EINVAL with *cause set (caller frees). */
int tl_listen_addr_parse(const char *s, struct tl_listen_addr *out, char **cause);
/* The --help text. */
const char *tl_options_help(void);

#endif
