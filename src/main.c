/* main: parse options, pick the mode, report errors.  The only place that
 * decides exit statuses. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tcpladder/options.h"
#include "tcpladder/report.h"
#include "tcpladder/sampler.h"
#include "tcpladder/snapshot.h"
#include "tcpladder/tcpstate.h"
#include "tcpladder/util.h"

#define EXIT_USAGE 2

static double wall_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int fail(char *cause)
{
	fprintf(stderr, "tcpladder: %s\n", cause ? cause : "unknown error");
	free(cause);
	return EXIT_FAILURE;
}

static int write_all(const struct tl_buf *b)
{
	if (fwrite(b->data, 1, b->len, stdout) != b->len || fflush(stdout) != 0) {
		fprintf(stderr, "tcpladder: write error: %s\n", strerror(errno));
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}

static int run_once(const struct tl_options *o)
{
	struct tl_once_report *rep = tl_calloc(o->n_netns, sizeof(*rep));
	struct tl_snapshot snap;
	struct tl_buf out;
	char *cause = NULL;
	int ret = EXIT_SUCCESS;

	tl_snapshot_init(&snap);
	for (size_t i = 0; i < o->n_netns; i++) {
		struct tl_sampler *s = tl_sampler_new(o->netns[i].path, o->netns[i].name, &cause);
		if (!s) {
			ret = fail(cause);
			goto out;
		}
		int err = tl_sampler_sample(s, &snap, TL_SAMPLE_OTHER, TL_TCPF_ALL, &cause);
		tl_sampler_free(s);
		if (err < 0) {
			ret = fail(cause);
			goto out;
		}
		snap.wall = wall_now();
		tl_once_report_fill(&rep[i], o->netns[i].name, &snap);
	}
	tl_buf_init(&out);
	if (o->json)
		tl_report_once_json(&out, rep, o->n_netns);
	else
		tl_report_once_text(&out, rep, o->n_netns);
	ret = write_all(&out);
	tl_buf_fini(&out);
out:
	tl_snapshot_fini(&snap);
	free(rep);
	return ret;
}

int main(int argc, char **argv)
{
	struct tl_options o;
	char *cause = NULL;
	int ret;

	if (tl_options_parse(&o, argc, argv, &cause) < 0) {
		fprintf(stderr, "tcpladder: %s\nTry 'tcpladder --help' for more information.\n",
			cause);
		free(cause);
		tl_options_fini(&o);
		return EXIT_USAGE;
	}
	if (o.help) {
		fputs(tl_options_help(), stdout);
		ret = fflush(stdout) ? EXIT_FAILURE : EXIT_SUCCESS;
	} else if (o.version) {
		printf("tcpladder %s\n"
		       "Copyright (C) 2026 the tcpladder developers.\n"
		       "License GPLv2+: GNU GPL version 2 or later "
		       "<https://gnu.org/licenses/gpl.html>.\n"
		       "This is free software: you are free to change and redistribute it.\n"
		       "There is NO WARRANTY, to the extent permitted by law.\n",
		       PACKAGE_VERSION);
		ret = fflush(stdout) ? EXIT_FAILURE : EXIT_SUCCESS;
	} else if (o.mode == TL_MODE_ONCE) {
		ret = run_once(&o);
	} else {
		fprintf(stderr, "tcpladder: the interactive view is not in this build yet; "
				"use --once\n");
		ret = EXIT_USAGE;
	}
	tl_options_fini(&o);
	return ret;
}
