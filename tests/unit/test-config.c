/* The view's settings file: what it parses to, that what is written
 * parses back to the same settings, and that a malformed file is refused
 * with the line and the reason (the view then ignores it). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tcpladder/config.h"
#include "tcpladder/ui.h"
#include "tcpladder/uigroup.h"
#include "tap.h"

static void round_trip(const struct tl_config *c, const char *what)
{
	struct tl_buf b;
	struct tl_config back;
	char *cause = NULL;
	tl_buf_init(&b);
	tl_config_format(c, &b);
	ok(tl_config_parse(b.data, &back, &cause) == 0 && tl_config_equal(c, &back),
	   "round trip: %s", what);
	if (cause)
		tap_diag_text("cause", cause);
	free(cause);
	tl_buf_fini(&b);
}

int main(void)
{
	struct tl_config c;
	char *cause = NULL;

	ok(tl_config_parse("", &c, &cause) == 0 && c.sort == TL_SORT_STATE && !c.reverse &&
	       !c.collapsed[0] && !c.collapsed[1] && !c.collapsed[2] && !c.interval_ns,
	   "an empty file: the defaults");
	ok(tl_config_parse("# comment\n\n  sort = AGE \nreverse=yes\ncollapsed = histogram,events\n"
			   "interval = 0.5\n",
			   &c, &cause) == 0,
	   "a full file parses");
	ok(c.sort == TL_SORT_AGE && c.reverse && c.collapsed[TL_PANE_HIST] &&
	       !c.collapsed[TL_PANE_TABLE] && c.collapsed[TL_PANE_EVENTS] &&
	       c.interval_ns == 500000000ULL,
	   "each setting as written");
	round_trip(&c, "sort, reverse, collapsed panes, interval");

	tl_config_init(&c);
	round_trip(&c, "the defaults");
	for (int s = 0; s < TL_SORT_N; s++) {
		c.sort = s;
		c.interval_ns = 1000000000ULL * 2 / 3; /* what - makes of 1 s */
		round_trip(&c, "every sort key, an interval of 2/3 s");
	}

	/* what the setup screen (F2) and F5 change */
	ok(tl_config_parse("columns = owner, state, -local\ncolors = monochrome\n"
			   "group = local-port\n",
			   &c, &cause) == 0,
	   "columns, colours and grouping parse");
	ok(c.cols.order[0] == TL_COL_OWNER && c.cols.order[1] == TL_COL_STATE &&
	       c.cols.order[2] == TL_COL_LOCAL && c.cols.hidden[TL_COL_LOCAL] &&
	       !c.cols.hidden[TL_COL_OWNER] && c.cols.hidden[TL_COL_RTT] &&
	       c.scheme == TL_SCHEME_MONO && c.group == TL_GROUP_LPORT,
	   "each as written: the columns named first, the rest hidden after them");
	round_trip(&c, "columns, colours, grouping");
	for (int g = 0; g < TL_GROUP_N; g++) {
		c.group = g;
		round_trip(&c, tl_uigroup_name(g));
	}
	{
		struct tl_buf b;
		tl_config_init(&c);
		tl_buf_init(&b);
		tl_config_format(&c, &b);
		ok(strstr(b.data, "\ncolumns = state,netns,local,remote,age,in-state,recv-q,send-q,"
				  "rtt,owner\ncolors = default\ngroup = none\n") != NULL,
		   "the defaults written out");
		tl_buf_fini(&b);
	}

	static const struct {
		const char *text, *cause;
	} bad[] = {
	    {"columns = state,size",
	     "line 1: unknown column (state netns local remote age in-state "
	     "recv-q send-q rtt owner, '-' before a hidden one) "
	     "'columns = state,size'"},
	    {"columns = -state", "line 1: no column shown 'columns = -state'"},
	    {"colors = pink", "line 1: unknown colour scheme (default or monochrome) "
			      "'colors = pink'"},
	    {"group = pid", "line 1: unknown grouping (none, process, local-port or remote-host) "
			    "'group = pid'"},
	    {"sort = size\n", "line 1: unknown sort 'sort = size'"},
	    {"\n\nreverse = maybe", "line 3: expected yes or no for reverse 'reverse = maybe'"},
	    {"collapsed = ladder", "line 1: unknown pane (histogram, table, events or none) "
				   "'collapsed = ladder'"},
	    {"interval = 0", "line 1: expected an interval of 0.05 to 60 seconds 'interval = 0'"},
	    {"interval = 1s", "line 1: expected an interval of 0.05 to 60 seconds 'interval = 1s'"},
	    {"colour = red", "line 1: unknown setting 'colour = red'"},
	    {"sort age", "line 1: expected 'key = value'"},
	    {"sort = \x1b[2J", "line 1: unknown sort 'sort = \\x1b[2J'"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cause = NULL;
		int r = tl_config_parse(bad[i].text, &c, &cause);
		ok(r == -EINVAL, "refused: %s", bad[i].text);
		is_str(cause ? cause : "(none)", bad[i].cause, "and says where and why");
		ok(c.sort == TL_SORT_STATE && !c.reverse, "the defaults after a refusal");
		free(cause);
	}
	return tap_done();
}
