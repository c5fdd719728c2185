/* options: command-line parsing. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "tcpladder/options.h"
#include "tcpladder/util.h"

enum {
	OPT_ONCE = 0x100,
	OPT_PID,
};

static const struct option longopts[] = {
	{"once", no_argument, NULL, OPT_ONCE},
	{"json", no_argument, NULL, 'j'},
	{"netns", required_argument, NULL, 'N'},
	{"pid", required_argument, NULL, OPT_PID},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

const char *tl_options_help(void)
{
	return "Usage: tcpladder [OPTION]...\n"
	       "Show the TCP sockets of a network namespace by state.\n"
	       "\n"
	       "Modes:\n"
	       "      --once              take one sample, print a summary and exit\n"
	       "\n"
	       "Output:\n"
	       "  -j, --json              print JSON (one object; an array for several namespaces)\n"
	       "\n"
	       "What to watch:\n"
	       "  -N, --netns=NAME|PATH   the namespace NAME (/var/run/netns/NAME) or the\n"
	       "                          namespace file PATH; repeatable\n"
	       "      --pid=PID           the namespace of process PID; repeatable\n"
	       "                          (default: the namespace tcpladder runs in)\n"
	       "\n"
	       "  -h, --help              display this help and exit\n"
	       "  -V, --version           output version information and exit\n"
	       "\n"
	       "Exit status: 0 success, 1 runtime error, 2 usage error.\n"
	       "Full documentation: man tcpladder\n";
}

static void add_ns(struct tl_options *o, char *path, char *name)
{
	o->netns = tl_reallocarray(o->netns, o->n_netns + 1, sizeof(*o->netns));
	o->netns[o->n_netns].path = path;
	o->netns[o->n_netns].name = name;
	o->n_netns++;
}

int tl_options_parse(struct tl_options *o, int argc, char **argv, char **cause)
{
	int c;

	memset(o, 0, sizeof(*o));
	o->mode = TL_MODE_UI;
	optind = 0; /* full re-initialisation, so parsing can run twice */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":jN:hV", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_ONCE:
			o->mode = TL_MODE_ONCE;
			break;
		case 'j':
			o->json = true;
			break;
		case 'N':
			if (!*optarg) {
				*cause = tl_strdup("--netns needs a name or a path");
				return -EINVAL;
			}
			if (strchr(optarg, '/'))
				add_ns(o, tl_strdup(optarg), tl_strdup(optarg));
			else
				add_ns(o, tl_asprintf("/var/run/netns/%s", optarg),
				       tl_strdup(optarg));
			break;
		case OPT_PID: {
			unsigned long pid;
			if (tl_parse_uint(optarg, 1, 0x7fffffff, &pid) < 0) {
				*cause = tl_asprintf("invalid process id '%s' for --pid", optarg);
				return -EINVAL;
			}
			add_ns(o, tl_asprintf("/proc/%lu/ns/net", pid),
			       tl_asprintf("/proc/%lu/ns/net", pid));
			break;
		}
		case 'h':
			o->help = true;
			break;
		case 'V':
			o->version = true;
			break;
		case ':':
			*cause = tl_asprintf("option '%s' requires an argument", argv[optind - 1]);
			return -EINVAL;
		default:
			if (optopt)
				*cause = tl_asprintf("invalid option -- '%c'", optopt);
			else
				*cause = tl_asprintf("unrecognized option '%s'", argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		*cause = tl_asprintf("unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	if (o->json && o->mode == TL_MODE_UI && !o->help && !o->version) {
		*cause = tl_strdup("--json needs --once");
		return -EINVAL;
	}
	if (o->n_netns == 0)
		add_ns(o, NULL, tl_strdup("self"));
	return 0;
}

void tl_options_fini(struct tl_options *o)
{
	for (size_t i = 0; i < o->n_netns; i++) {
		free(o->netns[i].path);
		free(o->netns[i].name);
	}
	free(o->netns);
	memset(o, 0, sizeof(*o));
}
