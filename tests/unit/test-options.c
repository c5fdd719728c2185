#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tcpladder/options.h"
#include "tap.h"

static int parse(struct tl_options *o, char **cause, const char *a1, const char *a2,
		 const char *a3, const char *a4)
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

	is_int(parse(&o, &cause, "--events", "--cpu-budget=2.5", "--duration=3", "--follow=dport = :80"),
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

	is_int(parse(&o, &cause, "--cpu-budget=0", NULL, NULL, NULL), -EINVAL, "zero budget refused");
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

	is_int(parse(&o, &cause, "--help", NULL, NULL, NULL), 0, "--help");
	ok(o.help, "help flagged");
	tl_options_fini(&o);
	ok(strstr(tl_options_help(), "Usage: tcpladder") != NULL, "help text has a usage line");
	return tap_done();
}
