/* uinetns: the namespace screen (N), a top of the watched namespaces:
 * sockets by state, churn, CLOSE-WAIT leaks; Enter narrows every pane to
 * the selected one through a netns clause of the filter.  Also the view's
 * match of a socket against the filter, netns clauses included. */
#ifndef TCPLADDER_UINETNS_H
#define TCPLADDER_UINETNS_H

#include <stdbool.h>

#include "tcpladder/canvas.h"
#include "tcpladder/ui.h"

/* The namespace screen's sort columns. */
enum tl_uinetns_sort {
	TL_NSSORT_NAME,
	TL_NSSORT_SOCKETS,
	TL_NSSORT_CLOSE_WAIT,
	TL_NSSORT_TIME_WAIT,
	TL_NSSORT_CHURN,
	TL_NSSORT_N
};

/* Which namespaces the filter's netns clauses leave in, from their
 * labels; called before rows are built or a frame drawn (the set of
 * namespaces changes as they come and go).  A change marks the rows
 * dirty. */
void tl_uinetns_sync(struct tl_ui *ui, const struct tl_ui_input *in);
/* A socket of namespace ns passes the view's filter (its expression and
 * its netns clauses; true without one).  pid and comm terms are decided by
 * the owner as in->owners knows it: a socket whose owner is not known yet
 * does not match them. */
bool tl_ui_match(const struct tl_ui *ui, const struct tl_ui_input *in, const struct tl_sock *s,
		 unsigned ns);

void tl_uinetns_draw(struct tl_canvas *c, struct tl_ui *ui, const struct tl_ui_input *in);
/* A key on the namespace screen; true when the screen should be redrawn. */
bool tl_uinetns_key(struct tl_ui *ui, int key, const struct tl_ui_input *in);
/* The filter text that narrows to the namespace labelled label (NULL: to
 * all of them), keeping the rest of the filter text old. */
char *tl_uinetns_narrowed(const char *old, const char *label);

#endif
