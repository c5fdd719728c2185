#include <errno.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>

#include "tcpladder/ladderexport.h"
#include "tcpladder/options.h"
#include "tap.h"

static int parse(struct tl_options *o, char **cause, const char *a1, const char *a2, const char *a3,
		 const char *a4)
{
	char *argv[6] = {(char *)"tcpladder", (char *)a1, (char *)a2, (char *)a3, (char *)a4, NULL};
	int argc = 1;
	while (argc < 5 && argv[argc])
		argc++;
	*cause = NULL;
	return tl_options_parse(o, argc, argv, cause);
}

int main(void)
{
	struct tl_options o;
	char *cause;

	is_int(parse(&o, &cause, NULL, NULL, NULL, NULL), 0, "no options");
	is_int(o.mode, TL_MODE_UI, "default mode is the UI");
	ok(o.n_netns == 1 && o.netns[0].path == NULL && !strcmp(o.netns[0].name, "self"),
	   "default namespace is self");
	tl_options_fini(&o);

	is_int(parse(&o, &cause, "--once", "-j", NULL, NULL), 0, "--once -j");
	ok(o.mode == TL_MODE_ONCE && o.json, "once + json");
	tl_options_fini(&o);

	is_int(parse(&o, &cause, "--once", "-N", "blue", "--netns=/run/x"), 0, "two namespaces");
	ok(o.n_netns == 2 && !strcmp(o.netns[0].path, "/var/run/netns/blue") &&
	       !strcmp(o.netns[0].name, "blue") && !strcmp(o.netns[1].path, "/run/x"),
	   "name and path resolved");
	tl_options_fini(&o);

	is_int(parse(&o, &cause, "--once", "--pid", "42", NULL), 0, "--pid");
	ok(o.n_netns == 1 && !strcmp(o.netns[0].path, "/proc/42/ns/net"), "pid path");
	tl_options_fini(&o);

	is_int(parse(&o, &cause, "--pid", "x", NULL, NULL), -EINVAL, "bad pid");
	is_str(cause, "invalid process id 'x' for --pid", "bad pid reason");
	free(cause);
	tl_options_fini(&o);

	is_int(parse(&o, &cause, "--bogus", NULL, NULL, NULL), -EINVAL, "unknown long option");
	is_str(cause, "unrecognized option '--bogus'", "unknown long option reason");
	free(cause);
	tl_options_fini(&o);

	is_int(parse(&o, &cause, "-Z", NULL, NULL, NULL), -EINVAL, "unknown short option");
	is_str(cause, "invalid option -- 'Z'", "unknown short option reason");
	free(cause);
	tl_options_fini(&o);

	is_int(parse(&o, &cause, "--once", "-N", NULL, NULL), -EINVAL, "missing argument");
	is_str(cause, "option '-N' requires an argument", "missing argument reason");
	free(cause);
	tl_options_fini(&o);

	is_int(parse(&o, &cause, "--json", NULL, NULL, NULL), -EINVAL, "--json alone");
	free(cause);
	tl_options_fini(&o);

	is_int(parse(&o, &cause, "--once", "state", "close-wait", NULL), 0, "a FILTER");
	is_str(o.filter, "state close-wait", "FILTER words joined");
	tl_options_fini(&o);

	is_int(parse(&o, &cause, "--events", "-d", "0.25", "-n5"), 0, "--events -d -n");
	ok(o.mode == TL_MODE_EVENTS && o.delay_ns == 250000000ULL && o.iterations == 5,
	   "events, 250 ms, 5 samples");
	tl_options_fini(&o);

	is_int(parse(&o, &cause, "--events", "--cpu-budget=2.5", "--duration=3",
		     "--follow=dport = :80"),
	       0, "--cpu-budget --duration --follow");
	ok(o.cpu_budget > 0.0249 && o.cpu_budget < 0.0251 && o.duration_ns == 3000000000ULL &&
	       !strcmp(o.follow, "dport = :80"),
	   "2.5%%, 3 s, follow expression kept");
	tl_options_fini(&o);

	is_int(parse(&o, &cause, "-d", "0", NULL, NULL), -EINVAL, "zero delay refused");
	is_str(cause, "invalid delay '0' (seconds, from 0.01 to 3600)", "delay reason");
	free(cause);
	tl_options_fini(&o);

	is_int(parse(&o, &cause, "-n", "0", NULL, NULL), -EINVAL, "zero iterations refused");
	free(cause);
	tl_options_fini(&o);

	is_int(parse(&o, &cause, "--cpu-budget=0", NULL, NULL, NULL), -EINVAL,
	       "zero budget refused");
	free(cause);
	tl_options_fini(&o);

	/* A long option given an argument it does not take: named, not
	 * printed as a character code. */
	is_int(parse(&o, &cause, "--once=1", NULL, NULL, NULL), -EINVAL, "--once=1");
	is_str(cause, "option '--once' does not take an argument", "--once=1 reason");
	free(cause);
	tl_options_fini(&o);
	is_int(parse(&o, &cause, "--once", "--json=x", NULL, NULL), -EINVAL, "--json=x");
	is_str(cause, "option '--json' does not take an argument", "--json=x reason");
	free(cause);
	tl_options_fini(&o);
	is_int(parse(&o, &cause, "--events=1", NULL, NULL, NULL), -EINVAL, "--events=1");
	is_str(cause, "option '--events' does not take an argument", "--events=1 reason");
	free(cause);
	tl_options_fini(&o);
	is_int(parse(&o, &cause, "--netns", NULL, NULL, NULL), -EINVAL,
	       "--netns without its argument");
	is_str(cause, "option '--netns' requires an argument",
	       "long option missing argument reason");
	free(cause);
	tl_options_fini(&o);
	is_int(parse(&o, &cause, "--once", "--pid", NULL, NULL), -EINVAL,
	       "--pid without its argument");
	is_str(cause, "option '--pid' requires an argument", "--pid missing argument reason");
	free(cause);
	tl_options_fini(&o);
	is_int(parse(&o, &cause, "--d=1", NULL, NULL, NULL), -EINVAL, "an ambiguous prefix");
	is_str(cause, "option '--d' is ambiguous (--delay, --duration, --demo)",
	       "ambiguous reason");
	free(cause);
	tl_options_fini(&o);
	is_int(parse(&o, &cause, "--delay=1", "-xj", NULL, NULL), -EINVAL,
	       "bad short option after a long one");
	is_str(cause, "invalid option -- 'x'", "bad short option reason");
	free(cause);
	tl_options_fini(&o);

	/* A ladder's format: one of three names. */
	is_int(parse(&o, &cause, "--events", "--ladder", "--ladder-format=svg", NULL), 0,
	       "--ladder-format=svg");
	is_int(o.ladder_format, TL_LADDER_FMT_SVG, "... is SVG");
	tl_options_fini(&o);
	is_int(parse(&o, &cause, "--events", "--ladder", NULL, NULL), 0, "--ladder alone");
	is_int(o.ladder_format, TL_LADDER_FMT_TEXT, "... is text");
	tl_options_fini(&o);
	is_int(parse(&o, &cause, "--events", "--ladder", "--ladder-format=png", NULL), -EINVAL,
	       "--ladder-format=png: refused");
	is_str(cause, "unknown ladder format 'png' (text, svg or mermaid)",
	       "... saying which exist");
	free(cause);
	tl_options_fini(&o);

	/* Echoes of input: escaped and cut. */
	is_int(parse(&o, &cause, "--lang", "\x1b]2;PWN\x07", NULL, NULL), -EINVAL,
	       "control bytes in an argument");
	is_str(cause, "unknown language '\\x1b]2;PWN\\x07' (en or zh)", "echo escaped");
	free(cause);
	tl_options_fini(&o);
	{
		char *big = calloc(1, 100001);
		memset(big, '7', 100000);
		is_int(parse(&o, &cause, "--events", "-n", big, NULL), -EINVAL,
		       "a 100 KB argument");
		ok(cause && strlen(cause) < 200 && strstr(cause, "...'"),
		   "its echo is cut (%zu bytes)", cause ? strlen(cause) : 0);
		free(cause);
		tl_options_fini(&o);
		is_int(parse(&o, &cause, big, NULL, NULL, NULL), 0,
		       "a 100 KB FILTER is not echoed here");
		tl_options_fini(&o);
		big[0] = big[1] = '-';
		is_int(parse(&o, &cause, big, NULL, NULL, NULL), -EINVAL,
		       "a 100 KB unknown option");
		ok(cause && strlen(cause) < 200, "its echo is cut");
		free(cause);
		tl_options_fini(&o);
		free(big);
	}

	/* Options that do not combine: a usage error naming both, in either
	 * order. */
	static const char *const pairs[][3] = {
	    {"--once", "--events", "--once and --events cannot be used together"},
	    {"--once", "--demo", "--once and --demo cannot be used together"},
	    {"--ladder", "--json", "--ladder and --json cannot be used together"},
	    {"--exact", "--no-exact", "--exact and --no-exact cannot be used together"},
	    {"--demo", "--pid=1", "--demo and --pid cannot be used together"},
	    {"--demo", "-Nblue", "--demo and --netns cannot be used together"},
	    {"--once", "-n3", "--once and --iterations cannot be used together"},
	    {"--once", "-d1", "--once and --delay cannot be used together"},
	    {"--once", "--duration=1", "--once and --duration cannot be used together"},
	    {"--once", "--cpu-budget=1", "--once and --cpu-budget cannot be used together"},
	    {"--once", "--follow=sport = :1", "--once and --follow cannot be used together"},
	    {"--once", "--lang=zh", "--once and --lang cannot be used together"},
	    {"--once", "--leak-window=9", "--once and --leak-window cannot be used together"},
	    {"--events", "--leak-count=9", "--events and --leak-count cannot be used together"},
	    {"--events", "--leak-age=9", "--events and --leak-age cannot be used together"},
	};
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		for (int order = 0; order < 2; order++) {
			const char *a = pairs[i][order], *b = pairs[i][!order];
			/* --ladder and --json also need --events to be meaningful */
			const char *with = !strcmp(pairs[i][0], "--ladder") ? "--events" : NULL;
			is_int(parse(&o, &cause, a, b, with, NULL), -EINVAL, "%s %s: refused", a,
			       b);
			is_str(cause, pairs[i][2], "%s %s: both named", a, b);
			free(cause);
			tl_options_fini(&o);
		}
	}
	is_int(parse(&o, &cause, "--events", "--demo", "--once", NULL), -EINVAL,
	       "--events --demo --once: refused");
	is_str(cause, "--once and --events cannot be used together",
	       "--events --demo --once: reason");
	free(cause);
	tl_options_fini(&o);
	is_int(parse(&o, &cause, "--once", "--events", "--demo", NULL), -EINVAL,
	       "--once --events --demo: refused");
	is_str(cause, "--once and --events cannot be used together",
	       "--once --events --demo: reason");
	free(cause);
	tl_options_fini(&o);

	/* Options that mean something only with another. */
	static const char *const lone[][3] = {
	    {"--link-delay=0.1", NULL, "--link-delay needs --demo"},
	    {"--step", NULL, "--step needs --demo"},
	    {"--check", NULL, "--check needs --once"},
	    {"--check", "--events", "--check needs --once"},
	    {"--ladder", NULL, "--ladder needs --events"},
	    {"--ladder", "--once", "--ladder needs --events"},
	    {"--json", NULL, "--json needs --once or --events"},
	    {"--json", "--demo", "--json needs --once or --events"},
	    {"--lang=zh", "--events", "--lang with --events needs --ladder"},
	    {"--ladder-format=svg", NULL, "--ladder-format needs --ladder"},
	    {"--ladder-format=svg", "--events", "--ladder-format needs --ladder"},
	    {"--demo=list", "--step",
	     "--demo=list prints the scenarios: --step does not go with it"},
	    {"--demo=list", "--events",
	     "--demo=list prints the scenarios: --events does not go with it"},
	};
	for (size_t i = 0; i < sizeof(lone) / sizeof(lone[0]); i++) {
		for (int order = 0; order < (lone[i][1] ? 2 : 1); order++) {
			const char *a = lone[i][order], *b = lone[i][!order];
			is_int(parse(&o, &cause, a, b, NULL, NULL), -EINVAL, "%s %s: refused", a,
			       b ? b : "");
			is_str(cause, lone[i][2], "%s %s: reason", a, b ? b : "");
			free(cause);
			tl_options_fini(&o);
		}
	}
	/* ... and with it, accepted. */
	static const char *const fine[][3] = {
	    {"--demo", "--link-delay=0.1", NULL},
	    {"--demo", "--step", NULL},
	    {"--once", "--check", NULL},
	    {"--events", "--ladder", "--lang=zh"},
	    {"--events", "--ladder", "--ladder-format=mermaid"},
	    {"--events", "--demo", "--json"},
	    {"--lang=zh", NULL, NULL},
	    {"--demo=list", "--lang=zh", NULL},
	    {"--once", "--leak-count=5", "--leak-age=60"},
	    {"--leak-window=60", NULL, NULL},
	    {"--once", "--events", "--help"},
	};
	for (size_t i = 0; i < sizeof(fine) / sizeof(fine[0]); i++) {
		is_int(parse(&o, &cause, fine[i][0], fine[i][1], fine[i][2], NULL), 0,
		       "%s %s %s: accepted", fine[i][0], fine[i][1] ? fine[i][1] : "",
		       fine[i][2] ? fine[i][2] : "");
		free(cause);
		tl_options_fini(&o);
	}

	/* Time options the clock cannot hold: 18446744000 s is about
	 * UINT64_MAX ns, and start + duration used to wrap. */
	is_int(parse(&o, &cause, "--events", "--duration", "18446744000", NULL), -EINVAL,
	       "a duration the clock cannot hold is refused");
	is_str(cause, "invalid duration '18446744000' (seconds, above 0 and at most 315360000)",
	       "duration reason");
	free(cause);
	tl_options_fini(&o);
	is_int(parse(&o, &cause, "--events", "--duration", "315360000.5", NULL), -EINVAL,
	       "just above ten years refused");
	free(cause);
	tl_options_fini(&o);
	is_int(parse(&o, &cause, "--events", "--duration", "315360000", NULL), 0,
	       "ten years accepted");
	ok(o.duration_ns == 315360000ULL * 1000000000ULL, "ten years in ns");
	tl_options_fini(&o);
	is_int(parse(&o, &cause, "--duration", "99999999999999999999", NULL, NULL), -EINVAL,
	       "a duration past the parser's range refused");
	free(cause);
	tl_options_fini(&o);
	is_int(parse(&o, &cause, "--duration", "0", NULL, NULL), -EINVAL, "zero duration refused");
	free(cause);
	tl_options_fini(&o);
	is_int(parse(&o, &cause, "-d", "18446744000", NULL, NULL), -EINVAL, "a huge delay refused");
	free(cause);
	tl_options_fini(&o);
	is_int(parse(&o, &cause, "-d", "3600.001", NULL, NULL), -EINVAL,
	       "a delay above 3600 refused");
	free(cause);
	tl_options_fini(&o);
	is_int(parse(&o, &cause, "--leak-window", "18446744000", NULL, NULL), -EINVAL,
	       "a huge --leak-window refused");
	free(cause);
	tl_options_fini(&o);
	is_int(parse(&o, &cause, "--leak-age", "18446744000", NULL, NULL), -EINVAL,
	       "a huge --leak-age refused");
	free(cause);
	tl_options_fini(&o);
	is_int(parse(&o, &cause, "--link-delay", "18446744000", NULL, NULL), -EINVAL,
	       "a huge --link-delay refused");
	free(cause);
	tl_options_fini(&o);

	/* The budget: 0.1% to 100%; below it the interval stretched to years. */
	is_int(parse(&o, &cause, "--cpu-budget", "0.000000001", NULL, NULL), -EINVAL,
	       "a budget of 1e-9 %% refused");
	is_str(cause, "invalid CPU budget '0.000000001' (percent, from 0.1 to 100)",
	       "budget reason");
	free(cause);
	tl_options_fini(&o);
	is_int(parse(&o, &cause, "--cpu-budget", "0.09", NULL, NULL), -EINVAL,
	       "a budget below 0.1%% refused");
	free(cause);
	tl_options_fini(&o);
	is_int(parse(&o, &cause, "--cpu-budget", "0.1", NULL, NULL), 0, "0.1%% accepted");
	ok(o.cpu_budget > 0.000999 && o.cpu_budget < 0.001001, "0.1%% is 0.001 of a core");
	tl_options_fini(&o);
	is_int(parse(&o, &cause, "--cpu-budget", "100", NULL, NULL), 0, "100%% accepted");
	ok(o.cpu_budget == 1.0, "100%% is one core");
	tl_options_fini(&o);
	is_int(parse(&o, &cause, "--cpu-budget", "100.5", NULL, NULL), -EINVAL,
	       "above 100%% refused");
	free(cause);
	tl_options_fini(&o);
	is_int(parse(&o, &cause, "--events", NULL, NULL, NULL), 0, "no exact-mode option");
	is_int(o.exact, TL_EXACT_MODE_AUTO, "exact mode when it can be, by default");
	tl_options_fini(&o);
	is_int(parse(&o, &cause, "--events", "--exact", NULL, NULL), 0, "--exact");
	is_int(o.exact, TL_EXACT_MODE_ON, "exact mode required");
	tl_options_fini(&o);
	is_int(parse(&o, &cause, "--no-exact", NULL, NULL, NULL), 0, "--no-exact");
	is_int(o.exact, TL_EXACT_MODE_OFF, "exact mode refused");
	tl_options_fini(&o);

	/* metrics: headless alone, beside --events or --ui */
	is_int(parse(&o, &cause, "--metrics-listen", "127.0.0.1:9464", NULL, NULL), 0,
	       "--metrics-listen");
	ok(o.mode == TL_MODE_METRICS && o.metrics_listen.family == AF_INET &&
	       o.metrics_listen.port == 9464 && o.metrics_listen.addr[0] == 127 &&
	       o.metrics_top == 10,
	   "alone: headless, IPv4 address and port, default cap");
	tl_options_fini(&o);
	is_int(parse(&o, &cause, "--events", "--metrics-textfile=/x/m.prom", NULL, NULL), 0,
	       "--events with --metrics-textfile");
	ok(o.mode == TL_MODE_EVENTS && !strcmp(o.metrics_textfile, "/x/m.prom"), "beside --events");
	tl_options_fini(&o);
	is_int(parse(&o, &cause, "--ui", "--metrics-listen=[::1]:80", "--metrics-top=3", NULL), 0,
	       "--ui with --metrics-listen");
	ok(o.mode == TL_MODE_UI && o.metrics_listen.family == AF_INET6 &&
	       o.metrics_listen.addr[15] == 1 && o.metrics_listen.port == 80 && o.metrics_top == 3,
	   "beside the view, IPv6, cap 3");
	tl_options_fini(&o);
	is_int(parse(&o, &cause, "--metrics-listen=:9100", NULL, NULL, NULL), 0, ":PORT");
	ok(o.metrics_listen.family == AF_INET6 && o.metrics_listen.addr[15] == 0,
	   ":PORT is every address");
	tl_options_fini(&o);
	const char *bad_listen[] = {"9100",      "a.b:1",  "[::1]",       "[::1]x:1",
				    "1.2.3.4:0", "::1:80", "1.2.3.4:80x", ":"};
	for (size_t i = 0; i < sizeof(bad_listen) / sizeof(bad_listen[0]); i++) {
		is_int(parse(&o, &cause, "--metrics-listen", bad_listen[i], NULL, NULL), -EINVAL,
		       "--metrics-listen '%s' refused", bad_listen[i]);
		ok(cause && strstr(cause, "invalid --metrics-listen"), "  with a reason");
		free(cause);
		tl_options_fini(&o);
	}
	is_int(parse(&o, &cause, "--metrics-top=0", "--metrics-listen=:1", NULL, NULL), -EINVAL,
	       "--metrics-top 0 refused");
	free(cause);
	tl_options_fini(&o);
	is_int(parse(&o, &cause, "--ui", "--events", NULL, NULL), -EINVAL, "--ui with --events");
	free(cause);
	tl_options_fini(&o);

	is_int(parse(&o, &cause, "--help", NULL, NULL, NULL), 0, "--help");
	ok(o.help, "help flagged");
	tl_options_fini(&o);
	ok(strstr(tl_options_help(), "Usage: tcpladder") != NULL, "help text has a usage line");
	return tap_done();
}
