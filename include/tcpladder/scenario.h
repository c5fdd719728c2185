/* scenario: the slow-motion lab's scenarios as data (pure): their names on
 * the command line, their captions on screen, and what the link does to
 * them.  The shell `demo` plays them; options and views only name them. */
#ifndef TCPLADDER_SCENARIO_H
#define TCPLADDER_SCENARIO_H

#include <stdbool.h>

enum tl_scenario {
	TL_SCENARIO_FULL,         /* handshake, data, the client closes first */
	TL_SCENARIO_SERVER_FIRST, /* the server closes first */
	TL_SCENARIO_RST,          /* the client aborts with SO_LINGER 0 */
	TL_SCENARIO_LOST_ACK,     /* the link drops the last ACK of the close */
	TL_SCENARIO_LEAK,         /* the server never closes: CLOSE-WAIT climbs */
	TL_SCENARIO_TW_STORM,     /* many short connections, many TIME-WAITs */
	TL_SCENARIO_HALF_CLOSE,   /* the server sends on after the client's FIN */
	TL_SCENARIO_DUP_SYN,      /* an old duplicate SYN reaches the server */
	TL_SCENARIO_LATE_FIN,     /* the server's FIN outlives the client's TIME-WAIT */
	TL_SCENARIO_N
};

/* The scenario's name ("full", "lost-ack", ...), its one-line caption
 * and its short explanation in lang ("zh" is Chinese, anything else
 * English); NULL when s is out of range.  Static strings. */
const char *tl_scenario_name(int s);
const char *tl_scenario_caption(int s, const char *lang);
const char *tl_scenario_explain(int s, const char *lang);
/* The scenario called name, or -1. */
int tl_scenario_find(const char *name);
/* "list" on the command line: the scenarios with their captions. */
#define TL_SCENARIO_LIST (-2)
/* Every name, comma separated ("full, server-first, ..."): static. */
const char *tl_scenario_list(void);
/* What the link does in the scenario: a relay.h rule (TL_DROP_NONE,
 * TL_DROP_LAST_ACK, TL_KEEP_SYN, ...). */
int tl_scenario_link_rule(int s);
/* The server keeps its accepted sockets open (the leak). */
bool tl_scenario_keeps_sockets(int s);

#endif
