/* options: command-line parsing. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcpladder/ladderexport.h"
#include "tcpladder/scenario.h"
#include "tcpladder/options.h"
#include "tcpladder/util.h"

enum {
	OPT_ONCE = 0x100,
	OPT_PID,
	OPT_EVENTS,
	OPT_DURATION,
	OPT_CPU_BUDGET,
	OPT_FOLLOW,
	OPT_NO_COLOR,
	OPT_ASCII,
	OPT_CHECK,
	OPT_LEAK_COUNT,
	OPT_LEAK_AGE,
	OPT_LEAK_WINDOW,
	OPT_LANG,
	OPT_LADDER,
	OPT_LADDER_FORMAT,
	OPT_DEMO,
	OPT_LINK_DELAY,
	OPT_NO_OWNERS,
	OPT_UI,
	OPT_METRICS_LISTEN,
	OPT_METRICS_TEXTFILE,
	OPT_METRICS_TOP,
	OPT_STEP,
	OPT_EXACT,
	OPT_NO_EXACT,
	OPT_RECORD,
	OPT_REPLAY,
	OPT_SPEED,
	OPT_AT,
	OPT_END,
};

#define DEFAULT_DELAY_NS 500000000ULL
/* Spans the monotonic clock can add to "now" with room to spare (a
 * uint64_t of ns holds 584 years): ten years. */
#define MAX_SPAN_S 315360000ULL
#define MAX_SPAN_NS (MAX_SPAN_S * 1000000000ULL)
#define DEFAULT_METRICS_TOP 10

static const struct option longopts[] = {
    {"once", no_argument, NULL, OPT_ONCE},
    {"events", no_argument, NULL, OPT_EVENTS},
    {"delay", required_argument, NULL, 'd'},
    {"iterations", required_argument, NULL, 'n'},
    {"duration", required_argument, NULL, OPT_DURATION},
    {"cpu-budget", required_argument, NULL, OPT_CPU_BUDGET},
    {"follow", required_argument, NULL, OPT_FOLLOW},
    {"no-color", no_argument, NULL, OPT_NO_COLOR},
    {"no-colour", no_argument, NULL, OPT_NO_COLOR},
    {"ascii", no_argument, NULL, OPT_ASCII},
    {"check", no_argument, NULL, OPT_CHECK},
    {"no-owners", no_argument, NULL, OPT_NO_OWNERS},
    {"exact", no_argument, NULL, OPT_EXACT},
    {"no-exact", no_argument, NULL, OPT_NO_EXACT},
    {"leak-count", required_argument, NULL, OPT_LEAK_COUNT},
    {"leak-age", required_argument, NULL, OPT_LEAK_AGE},
    {"leak-window", required_argument, NULL, OPT_LEAK_WINDOW},
    {"lang", required_argument, NULL, OPT_LANG},
    {"ladder", no_argument, NULL, OPT_LADDER},
    {"ladder-format", required_argument, NULL, OPT_LADDER_FORMAT},
    {"demo", optional_argument, NULL, OPT_DEMO},
    {"link-delay", required_argument, NULL, OPT_LINK_DELAY},
    {"ui", no_argument, NULL, OPT_UI},
    {"metrics-listen", required_argument, NULL, OPT_METRICS_LISTEN},
    {"metrics-textfile", required_argument, NULL, OPT_METRICS_TEXTFILE},
    {"metrics-top", required_argument, NULL, OPT_METRICS_TOP},
    {"step", no_argument, NULL, OPT_STEP},
    {"record", required_argument, NULL, OPT_RECORD},
    {"replay", required_argument, NULL, OPT_REPLAY},
    {"speed", required_argument, NULL, OPT_SPEED},
    {"at", required_argument, NULL, OPT_AT},
    {"json", no_argument, NULL, 'j'},
    {"netns", required_argument, NULL, 'N'},
    {"pid", required_argument, NULL, OPT_PID},
    {"all-netns", no_argument, NULL, 'A'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

const char *tl_options_help(void)
{
	return "Usage: tcpladder [OPTION]... [FILTER]\n"
	       "Show the TCP sockets of a network namespace by state, and how they change.\n"
	       "\n"
	       "With no mode option, a full-screen view (F1 inside it lists the keys).\n"
	       "\n"
	       "Modes:\n"
	       "      --once              take one sample, print a summary and exit\n"
	       "      --events            print state changes as they happen, until interrupted\n"
	       "      --demo[=SCENARIO]   the slow-motion lab: real connections between two\n"
	       "                          private namespaces over a delaying link (root);\n"
	       "                          SCENARIO: full (default), server-first, rst,\n"
	       "                          lost-ack, leak, tw-storm, half-close, dup-syn,\n"
	       "                          late-fin; list prints them with their captions\n"
	       "      --link-delay=SECONDS  the lab's one-way delay (default 0.3)\n"
	       "      --step              with --demo: each segment stops in the middle of the\n"
	       "                          link until released (Space; with --events, a space\n"
	       "                          or a newline on stdin; g releases all)\n"
	       "      --ui                the full-screen view, also beside --metrics-*\n"
	       "\n"
	       "Recordings:\n"
	       "      --record=FILE       save what the run sees (samples, events, lookups,\n"
	       "                          the lab's segments) to FILE, beside any mode\n"
	       "      --replay=FILE       play FILE back through the same views instead of\n"
	       "                          watching the kernel\n"
	       "      --speed=X           replay's pace: 1 real time (default), 2 twice as\n"
	       "                          fast, 0 or max as fast as it can\n"
	       "      --at=SECONDS        with --replay: stop that far into the recording\n"
	       "                          (--once: the state then; default: its end)\n"
	       "\n"
	       "Metrics (Prometheus; headless when given without --events or --ui):\n"
	       "      --metrics-listen=ADDR:PORT  serve the latest sample at\n"
	       "                          http://ADDR:PORT/metrics (ADDR numeric; [::1]:PORT\n"
	       "                          for IPv6; :PORT for every address)\n"
	       "      --metrics-textfile=PATH  rewrite PATH (atomically) after every sample,\n"
	       "                          for node_exporter's textfile collector\n"
	       "      --metrics-top=N     series kept per owner, port and destination before\n"
	       "                          the rest is summed as \"other\" (default 10)\n"
	       "\n"
	       "Output:\n"
	       "  -j, --json              JSON: one object for --once (an array for several\n"
	       "                          namespaces), one object per line for --events\n"
	       "      --ladder            with --events: print each connection's ladder diagram\n"
	       "                          when it ends (with --follow: the followed ones)\n"
	       "      --ladder-format=text|svg|mermaid  with --ladder: plain text (default),\n"
	       "                          an SVG document or a Mermaid sequenceDiagram each\n"
	       "      --lang=en|zh        the language of the ladder's narration\n"
	       "      --no-color          no colours (also when NO_COLOR is set)\n"
	       "      --ascii             ASCII glyphs only (the default outside UTF-8 locales)\n"
	       "\n"
	       "What to watch:\n"
	       "  -N, --netns=NAME|PATH   the namespace NAME (/var/run/netns/NAME) or the\n"
	       "                          namespace file PATH; repeatable\n"
	       "      --pid=PID           the namespace of process PID; repeatable\n"
	       "                          (default: the namespace tcpladder runs in)\n"
	       "  -A, --all-netns         every network namespace on the host, found in /proc,\n"
	       "                          /var/run/netns and namespace bind mounts, and kept\n"
	       "                          current as namespaces appear and vanish\n"
	       "\n"
	       "Sampling:\n"
	       "  -d, --delay=SECONDS     full-dump interval to aim for (default 1 in the\n"
	       "                          interactive view, 0.5 otherwise; fractions allowed);\n"
	       "                          it stretches to stay within the CPU budget\n"
	       "      --cpu-budget=PCT    CPU share of one core for full dumps, and again for\n"
	       "                          --follow (0.1 to 100, default 5)\n"
	       "  -n, --iterations=N      stop after N samples\n"
	       "      --duration=SECONDS  stop after this long (at most ten years)\n"
	       "      --follow=FILTER     follow matching connections by exact lookups at\n"
	       "                          100 Hz, so short states are observed, not inferred;\n"
	       "                          slower when that would exceed the CPU budget\n"
	       "      --exact             require exact mode: every transition and RST from\n"
	       "                          the kernel's tracepoints (eBPF; root and a kernel\n"
	       "                          with BTF); by default it is used when it can be\n"
	       "      --no-exact          sample with sock_diag only\n"
	       "\n"
	       "Leaks:\n"
	       "      --check             with --once: exit with status 3 when a CLOSE-WAIT\n"
	       "                          leak or TIME-WAIT pressure is flagged\n"
	       "      --no-owners         do not look for the processes that hold CLOSE-WAIT\n"
	       "                          sockets (no /proc walk; by_process stays empty)\n"
	       "      --leak-count=N      CLOSE-WAIT sockets in one process that make a leak\n"
	       "                          (default 100)\n"
	       "      --leak-age=SECONDS  CLOSE-WAIT age that makes a leak (default 300)\n"
	       "      --leak-window=SECONDS  growth is judged over this window (default 300)\n"
	       "\n"
	       "  -h, --help              display this help and exit\n"
	       "  -V, --version           output version information and exit\n"
	       "\n"
	       "FILTER is an ss-style expression, e.g.\n"
	       "  state close-wait and ( sport = :443 or dst 10.0.0.0/8 )\n"
	       "\n"
	       "Exit status: 0 success, 1 runtime error, 2 usage error, 3 --check alert.\n"
	       "Full documentation: man tcpladder\n";
}

/* Options that mean nothing together: a usage error, whatever their order. */
static const struct {
	int a, b;
} conflicts[] = {
    {OPT_ONCE, OPT_EVENTS},
    {OPT_ONCE, OPT_DEMO},
    {OPT_EXACT, OPT_NO_EXACT},
    {OPT_LADDER, 'j'},
    {OPT_DEMO, 'N'},
    {OPT_DEMO, OPT_PID},
    {OPT_DEMO, 'A'},
    {'A', 'N'},
    {'A', OPT_PID},
    /* one sample: nothing to pace, stop or follow */
    {OPT_ONCE, 'd'},
    {OPT_ONCE, 'n'},
    {OPT_ONCE, OPT_DURATION},
    {OPT_ONCE, OPT_CPU_BUDGET},
    {OPT_ONCE, OPT_FOLLOW},
    {OPT_ONCE, OPT_LANG},
    {OPT_ONCE, OPT_LEAK_WINDOW},
    /* the event stream judges no leaks */
    {OPT_EVENTS, OPT_LEAK_COUNT},
    {OPT_EVENTS, OPT_LEAK_AGE},
    {OPT_EVENTS, OPT_LEAK_WINDOW},
    /* metrics follow a run of samples; --ui is the view, not a stream */
    {OPT_ONCE, OPT_METRICS_LISTEN},
    {OPT_ONCE, OPT_METRICS_TEXTFILE},
    {OPT_UI, OPT_ONCE},
    {OPT_UI, OPT_EVENTS},
    /* a replay watches no kernel: nothing to choose, pace or load */
    {OPT_RECORD, OPT_REPLAY},
    {OPT_RECORD, OPT_ONCE},
    {OPT_REPLAY, OPT_DEMO},
    {OPT_REPLAY, 'N'},
    {OPT_REPLAY, OPT_PID},
    {OPT_REPLAY, 'A'},
    {OPT_REPLAY, 'd'},
    {OPT_REPLAY, OPT_CPU_BUDGET},
    {OPT_REPLAY, OPT_FOLLOW},
    {OPT_REPLAY, OPT_EXACT},
    {OPT_REPLAY, OPT_NO_EXACT},
};

/* Options that mean something only with another: opt (when `with` is
 * given too, or always when with is 0) needs a or b. */
static const struct {
	int opt, with, a, b;
} needs[] = {
    {OPT_LINK_DELAY, 0, OPT_DEMO, 0},
    {OPT_STEP, 0, OPT_DEMO, 0},
    {OPT_CHECK, 0, OPT_ONCE, 0},
    {OPT_LADDER, 0, OPT_EVENTS, 0},
    {OPT_LADDER_FORMAT, 0, OPT_LADDER, 0},
    {'j', 0, OPT_ONCE, OPT_EVENTS},
    {OPT_LANG, OPT_EVENTS, OPT_LADDER, 0},
    {OPT_METRICS_TOP, 0, OPT_METRICS_LISTEN, OPT_METRICS_TEXTFILE},
    {OPT_SPEED, 0, OPT_REPLAY, 0},
    {OPT_AT, 0, OPT_REPLAY, 0},
};

static const struct option *opt_find(int code)
{
	for (const struct option *l = longopts; l->name; l++)
		if (l->val == code)
			return l;
	return NULL;
}

/* "--name" of an option's code (the first spelling in the table). */
static const char *opt_name(int code)
{
	static char buf[40];
	const struct option *l = opt_find(code);
	snprintf(buf, sizeof(buf), "--%s", l ? l->name : "?");
	return buf;
}

/* Checked once every argument is read, so the order never matters. */
static char *check_combinations(const bool *seen)
{
	for (size_t i = 0; i < TL_ARRAY_SIZE(conflicts); i++)
		if (seen[conflicts[i].a] && seen[conflicts[i].b]) {
			char *a = tl_strdup(opt_name(conflicts[i].a));
			char *r = tl_asprintf("%s and %s cannot be used together", a,
					      opt_name(conflicts[i].b));
			free(a);
			return r;
		}
	for (size_t i = 0; i < TL_ARRAY_SIZE(needs); i++) {
		if (!seen[needs[i].opt] || (needs[i].with && !seen[needs[i].with]) ||
		    seen[needs[i].a] || (needs[i].b && seen[needs[i].b]))
			continue;
		char *a = tl_strdup(opt_name(needs[i].opt));
		char *b = tl_strdup(opt_name(needs[i].a));
		char *r;
		if (needs[i].with)
			r = tl_asprintf("%s with %s needs %s", a, opt_name(needs[i].with), b);
		else if (needs[i].b)
			r = tl_asprintf("%s needs %s or %s", a, b, opt_name(needs[i].b));
		else
			r = tl_asprintf("%s needs %s", a, b);
		free(a);
		free(b);
		return r;
	}
	return NULL;
}

/* --demo=list prints the scenarios and ends: only the language of their
 * captions (--lang, --ascii, --no-color) goes with it. */
static char *check_demo_list(const struct tl_options *o, const bool *seen)
{
	if (o->demo != TL_SCENARIO_LIST)
		return NULL;
	for (int c = 0; c < OPT_END; c++)
		if (seen[c] && c != OPT_DEMO && c != OPT_LANG && c != OPT_ASCII &&
		    c != OPT_NO_COLOR)
			return tl_asprintf(
			    "--demo=list prints the scenarios: %s does not go with it",
			    opt_name(c));
	if (o->filter)
		return tl_strdup("--demo=list prints the scenarios: a FILTER does not go with it");
	return NULL;
}

/* The message for an option getopt refused, naming it as it was typed:
 * a long option's name, never a code as a character. */
static char *bad_option(int c, int argc, char **argv)
{
	const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : "";
	bool is_long = !strncmp(arg, "--", 2);

	/* A refused short option is never in the table (-j, -N, -A, -h, -V,
	 * -d and -n are all valid), so a code found there is a long option's. */
	if (c == ':') {
		if (optopt >= 0x100 || (is_long && opt_find(optopt)))
			return tl_asprintf("option '%s' requires an argument", opt_name(optopt));
		return tl_asprintf("option '-%c' requires an argument", optopt);
	}
	if (optopt && opt_find(optopt)) {
		/* --once=1: a long option that takes no argument */
		return tl_asprintf("option '%s' does not take an argument", opt_name(optopt));
	}
	if (optopt)
		return tl_asprintf("invalid option -- '%c'", optopt);
	/* unknown or ambiguous: what was typed, up to '=' */
	size_t len = strcspn(arg, "="), matches = 0;
	struct tl_buf b;
	tl_buf_init(&b);
	for (const struct option *l = longopts; len > 2 && l->name; l++)
		if (!strncmp(l->name, arg + 2, len - 2) && (l == longopts || l[-1].val != l->val))
			tl_buf_printf(&b, "%s--%s", matches++ ? ", " : "", l->name);
	char *typed = tl_malloc(len + 1);
	memcpy(typed, arg, len);
	typed[len] = '\0';
	char *echo = tl_text_safe(typed, TL_ECHO_MAX);
	char *r = matches > 1 ? tl_asprintf("option '%s' is ambiguous (%s)", echo, b.data)
			      : tl_asprintf("unrecognized option '%s'", echo);
	free(echo);
	free(typed);
	tl_buf_fini(&b);
	return r;
}

/* A time option: seconds, fractions allowed, above 0 and at most
 * MAX_SPAN_NS, so deadlines computed from it cannot wrap. */
static int parse_span(const char *s, uint64_t *ns)
{
	uint64_t v;
	if (tl_parse_seconds(s, &v) < 0 || v == 0 || v > MAX_SPAN_NS)
		return -EINVAL;
	*ns = v;
	return 0;
}

static void add_ns(struct tl_options *o, char *path, char *name)
{
	o->netns = tl_reallocarray(o->netns, o->n_netns + 1, sizeof(*o->netns));
	o->netns[o->n_netns].path = path;
	o->netns[o->n_netns].name = name;
	o->n_netns++;
}

/* Each parse_* handles one group of options: 1 when c is one of its
 * options, 0 when it is not, -EINVAL (with *cause set) when the
 * argument is refused. */

/* What to do: the mode, and the lab's settings. */
static int parse_mode(struct tl_options *o, int c, char **cause)
{
	char echo[TL_ECHO_SIZE]; /* the argument as a message may quote it */

	switch (c) {
	case OPT_ONCE:
		o->mode = TL_MODE_ONCE;
		break;
	case OPT_EVENTS:
		o->mode = TL_MODE_EVENTS;
		break;
	case OPT_UI:
		o->ui = true;
		break;
	case OPT_DEMO:
		o->demo = !optarg                   ? TL_SCENARIO_FULL
			  : !strcmp(optarg, "list") ? TL_SCENARIO_LIST
						    : tl_scenario_find(optarg);
		if (o->demo == -1) {
			*cause = tl_asprintf("unknown demo scenario '%s' (%s)",
					     tl_text_echo(optarg, echo, sizeof(echo)),
					     tl_scenario_list());
			return -EINVAL;
		}
		break;
	case OPT_LINK_DELAY:
		if (tl_parse_seconds(optarg, &o->link_delay_ns) < 0 ||
		    o->link_delay_ns < 1000000ULL || o->link_delay_ns > 10000000000ULL) {
			*cause = tl_asprintf("invalid --link-delay '%s' (seconds, 0.001 to 10)",
					     tl_text_echo(optarg, echo, sizeof(echo)));
			return -EINVAL;
		}
		break;
	case OPT_STEP:
		o->step = true;
		break;
	default:
		return 0;
	}
	return 1;
}

/* How often and how long to sample, and how closely. */
static int parse_sampling(struct tl_options *o, int c, char **cause)
{
	char echo[TL_ECHO_SIZE];
	uint64_t v;

	switch (c) {
	case 'd':
		o->delay_set = true;
		if (tl_parse_seconds(optarg, &o->delay_ns) < 0 || o->delay_ns < 10000000ULL ||
		    o->delay_ns > 3600000000000ULL) {
			*cause = tl_asprintf("invalid delay '%s' (seconds, from 0.01 to 3600)",
					     tl_text_echo(optarg, echo, sizeof(echo)));
			return -EINVAL;
		}
		break;
	case 'n':
		if (tl_parse_uint(optarg, 1, 1000000000UL, &o->iterations) < 0) {
			*cause = tl_asprintf("invalid number of iterations '%s'",
					     tl_text_echo(optarg, echo, sizeof(echo)));
			return -EINVAL;
		}
		break;
	case OPT_DURATION:
		if (parse_span(optarg, &o->duration_ns) < 0) {
			*cause = tl_asprintf("invalid duration '%s' (seconds, above 0 and at "
					     "most %llu)",
					     tl_text_echo(optarg, echo, sizeof(echo)), MAX_SPAN_S);
			return -EINVAL;
		}
		break;
	case OPT_CPU_BUDGET:
		/* A percentage, parsed like seconds for the fraction.  Below
		 * 0.1% the interval would stretch to hours: refused. */
		if (tl_parse_seconds(optarg, &v) < 0 || v < 100000000ULL || v > 100000000000ULL) {
			*cause = tl_asprintf("invalid CPU budget '%s' (percent, from 0.1 "
					     "to 100)",
					     tl_text_echo(optarg, echo, sizeof(echo)));
			return -EINVAL;
		}
		o->cpu_budget = (double)v / 1e9 / 100.0;
		break;
	case OPT_FOLLOW:
		free(o->follow);
		o->follow = tl_strdup(optarg);
		break;
	case OPT_EXACT:
		o->exact = TL_EXACT_MODE_ON;
		break;
	case OPT_NO_EXACT:
		o->exact = TL_EXACT_MODE_OFF;
		break;
	default:
		return 0;
	}
	return 1;
}

/* Which network namespaces to watch. */
static int parse_netns(struct tl_options *o, int c, char **cause)
{
	char echo[TL_ECHO_SIZE];
	unsigned long pid;

	switch (c) {
	case 'N':
		if (!*optarg) {
			*cause = tl_strdup("--netns needs a name or a path");
			return -EINVAL;
		}
		if (strchr(optarg, '/'))
			add_ns(o, tl_strdup(optarg), tl_strdup(optarg));
		else
			add_ns(o, tl_asprintf("/var/run/netns/%s", optarg), tl_strdup(optarg));
		break;
	case OPT_PID:
		if (tl_parse_uint(optarg, 1, 0x7fffffff, &pid) < 0) {
			*cause = tl_asprintf("invalid process id '%s' for --pid",
					     tl_text_echo(optarg, echo, sizeof(echo)));
			return -EINVAL;
		}
		add_ns(o, tl_asprintf("/proc/%lu/ns/net", pid),
		       tl_asprintf("/proc/%lu/ns/net", pid));
		break;
	case 'A':
		o->all_netns = true;
		break;
	default:
		return 0;
	}
	return 1;
}

static int parse_leaks(struct tl_options *o, int c, char **cause)
{
	char echo[TL_ECHO_SIZE];

	switch (c) {
	case OPT_CHECK:
		o->check = true;
		break;
	case OPT_NO_OWNERS:
		o->no_owners = true;
		break;
	case OPT_LEAK_COUNT:
		if (tl_parse_uint(optarg, 1, 100000000UL, &o->leak_count) < 0) {
			*cause = tl_asprintf("invalid --leak-count '%s'",
					     tl_text_echo(optarg, echo, sizeof(echo)));
			return -EINVAL;
		}
		break;
	case OPT_LEAK_AGE:
		if (parse_span(optarg, &o->leak_age_ns) < 0) {
			*cause = tl_asprintf("invalid --leak-age '%s' (seconds, above 0 and "
					     "at most %llu)",
					     tl_text_echo(optarg, echo, sizeof(echo)), MAX_SPAN_S);
			return -EINVAL;
		}
		break;
	case OPT_LEAK_WINDOW:
		if (parse_span(optarg, &o->leak_window_ns) < 0) {
			*cause = tl_asprintf("invalid --leak-window '%s' (seconds, above 0 "
					     "and at most %llu)",
					     tl_text_echo(optarg, echo, sizeof(echo)), MAX_SPAN_S);
			return -EINVAL;
		}
		break;
	default:
		return 0;
	}
	return 1;
}

static int parse_metrics(struct tl_options *o, int c, char **cause)
{
	char echo[TL_ECHO_SIZE];

	switch (c) {
	case OPT_METRICS_LISTEN:
		if (tl_listen_addr_parse(optarg, &o->metrics_listen, cause) < 0)
			return -EINVAL;
		break;
	case OPT_METRICS_TEXTFILE:
		if (!*optarg) {
			*cause = tl_strdup("--metrics-textfile needs a path");
			return -EINVAL;
		}
		free(o->metrics_textfile);
		o->metrics_textfile = tl_strdup(optarg);
		break;
	case OPT_METRICS_TOP:
		if (tl_parse_uint(optarg, 1, 1000, &o->metrics_top) < 0) {
			*cause = tl_asprintf("invalid --metrics-top '%s' (1 to 1000)",
					     tl_text_echo(optarg, echo, sizeof(echo)));
			return -EINVAL;
		}
		break;
	default:
		return 0;
	}
	return 1;
}

/* How to print, and --help / --version. */
static int parse_output(struct tl_options *o, int c, char **cause)
{
	char echo[TL_ECHO_SIZE];

	switch (c) {
	case 'j':
		o->json = true;
		break;
	case OPT_LADDER:
		o->ladder = true;
		break;
	case OPT_LADDER_FORMAT: {
		int f = tl_ladder_format_parse(optarg);
		if (f < 0) {
			*cause = tl_asprintf("unknown ladder format '%s' (text, svg or mermaid)",
					     tl_text_echo(optarg, echo, sizeof(echo)));
			return -EINVAL;
		}
		o->ladder_format = f;
		break;
	}
	case OPT_LANG:
		if (!strcmp(optarg, "en") || !strcmp(optarg, "zh")) {
			o->lang = !strcmp(optarg, "en") ? "en" : "zh";
		} else {
			*cause = tl_asprintf("unknown language '%s' (en or zh)",
					     tl_text_echo(optarg, echo, sizeof(echo)));
			return -EINVAL;
		}
		break;
	case OPT_NO_COLOR:
		o->no_color = true;
		break;
	case OPT_ASCII:
		o->ascii = true;
		break;
	case 'h':
		o->help = true;
		break;
	case 'V':
		o->version = true;
		break;
	default:
		return 0;
	}
	return 1;
}

/* --record, --replay and its pace. */
static int parse_record(struct tl_options *o, int c, char **cause)
{
	char echo[TL_ECHO_SIZE];
	uint64_t v;

	switch (c) {
	case OPT_RECORD:
	case OPT_REPLAY:
		if (!*optarg) {
			*cause =
			    tl_asprintf("--%s needs a file", c == OPT_RECORD ? "record" : "replay");
			return -EINVAL;
		}
		free(c == OPT_RECORD ? o->record : o->replay);
		*(c == OPT_RECORD ? &o->record : &o->replay) = tl_strdup(optarg);
		break;
	case OPT_SPEED:
		/* a factor, parsed like seconds for the fraction */
		if (!strcmp(optarg, "max")) {
			o->speed = 0;
		} else if (tl_parse_seconds(optarg, &v) == 0 && v <= 1000000000000ULL) {
			o->speed = (double)v / 1e9;
		} else {
			*cause =
			    tl_asprintf("invalid --speed '%s' (a factor from 0 to 1000, or max)",
					tl_text_echo(optarg, echo, sizeof(echo)));
			return -EINVAL;
		}
		break;
	case OPT_AT:
		if (tl_parse_seconds(optarg, &o->at_ns) < 0 || o->at_ns > MAX_SPAN_NS) {
			*cause = tl_asprintf("invalid --at '%s' (seconds into the recording)",
					     tl_text_echo(optarg, echo, sizeof(echo)));
			return -EINVAL;
		}
		o->at_set = true;
		break;
	default:
		return 0;
	}
	return 1;
}

static int (*const parse_group[])(struct tl_options *, int, char **) = {
    parse_mode, parse_sampling, parse_netns, parse_leaks, parse_metrics, parse_output, parse_record,
};

static void options_defaults(struct tl_options *o)
{
	memset(o, 0, sizeof(*o));
	o->mode = TL_MODE_UI;
	o->delay_ns = DEFAULT_DELAY_NS;
	o->cpu_budget = 0.05;
	o->demo = -1;
	o->link_delay_ns = 300000000ULL;
	o->metrics_top = DEFAULT_METRICS_TOP;
	o->speed = 1.0;
}

/* The arguments left after the options, joined by spaces: the filter. */
static char *join_args(int first, int argc, char **argv)
{
	struct tl_buf b;

	if (first >= argc)
		return NULL;
	tl_buf_init(&b);
	for (int i = first; i < argc; i++) {
		if (i > first)
			tl_buf_putc(&b, ' ');
		tl_buf_puts(&b, argv[i]);
	}
	return b.data;
}

/* What the options imply once all are read. */
static void options_finish(struct tl_options *o)
{
	/* Metrics alone run headless; beside --events or --ui they run too. */
	if (o->mode == TL_MODE_UI && !o->ui && (o->metrics_listen.family || o->metrics_textfile))
		o->mode = TL_MODE_METRICS;
	if (o->n_netns == 0)
		add_ns(o, NULL, tl_strdup("self"));
}

int tl_options_parse(struct tl_options *o, int argc, char **argv, char **cause)
{
	int c;
	bool seen[OPT_END] = {false};

	options_defaults(o);
	optind = 0; /* full re-initialisation, so parsing can run twice */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":jN:AhVd:n:", longopts, NULL)) != -1) {
		int r = 0;
		if (c >= 0 && c < OPT_END)
			seen[c] = true;
		for (size_t i = 0; r == 0 && i < TL_ARRAY_SIZE(parse_group); i++)
			r = parse_group[i](o, c, cause);
		if (r < 0)
			return r;
		if (r == 0) { /* '?' and ':' */
			*cause = bad_option(c, argc, argv);
			return -EINVAL;
		}
	}
	o->filter = join_args(optind, argc, argv);
	if (!o->help && !o->version && (*cause = check_combinations(seen)))
		return -EINVAL;
	if (!o->help && !o->version && (*cause = check_demo_list(o, seen)))
		return -EINVAL;
	options_finish(o);
	return 0;
}

void tl_options_fini(struct tl_options *o)
{
	for (size_t i = 0; i < o->n_netns; i++) {
		free(o->netns[i].path);
		free(o->netns[i].name);
	}
	free(o->netns);
	free(o->follow);
	free(o->filter);
	free(o->metrics_textfile);
	free(o->record);
	free(o->replay);
	memset(o, 0, sizeof(*o));
}

uint64_t tl_options_delay(const struct tl_options *o)
{
	if (o->delay_set)
		return o->delay_ns;
	if (o->demo >= 0)
		return 100000000ULL;
	if (o->mode == TL_MODE_UI)
		return 1000000000ULL;
	if (o->mode == TL_MODE_METRICS)
		return 1000000000ULL; /* as the view: fresh for any scrape interval */
	return DEFAULT_DELAY_NS;
}
