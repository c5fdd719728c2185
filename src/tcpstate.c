/* tcpstate: names and order of TCP states. */
#include <string.h>
#include <strings.h>

#include "tcpladder/tcpstate.h"

const enum tl_tcp_state tl_tcp_lifecycle[TL_TCP_NSHOWN] = {
    TL_TCP_LISTEN,    TL_TCP_SYN_SENT,  TL_TCP_SYN_RECV,   TL_TCP_ESTABLISHED,
    TL_TCP_FIN_WAIT1, TL_TCP_FIN_WAIT2, TL_TCP_CLOSE_WAIT, TL_TCP_CLOSING,
    TL_TCP_LAST_ACK,  TL_TCP_TIME_WAIT, TL_TCP_CLOSE,
};

static const char *const names[TL_TCP_NSTATES] = {
    [TL_TCP_UNKNOWN] = "UNKNOWN",       [TL_TCP_ESTABLISHED] = "ESTABLISHED",
    [TL_TCP_SYN_SENT] = "SYN-SENT",     [TL_TCP_SYN_RECV] = "SYN-RECV",
    [TL_TCP_FIN_WAIT1] = "FIN-WAIT-1",  [TL_TCP_FIN_WAIT2] = "FIN-WAIT-2",
    [TL_TCP_TIME_WAIT] = "TIME-WAIT",   [TL_TCP_CLOSE] = "CLOSED",
    [TL_TCP_CLOSE_WAIT] = "CLOSE-WAIT", [TL_TCP_LAST_ACK] = "LAST-ACK",
    [TL_TCP_LISTEN] = "LISTEN",         [TL_TCP_CLOSING] = "CLOSING",
    [TL_TCP_NEW_SYN_RECV] = "SYN-RECV",
};

const char *tl_tcp_state_name(int state)
{
	if (state < 0 || state >= TL_TCP_NSTATES)
		return names[TL_TCP_UNKNOWN];
	return names[state];
}

enum tl_tcp_state tl_tcp_state_parse(const char *name)
{
	static const struct {
		const char *alias;
		enum tl_tcp_state state;
	} aliases[] = {
	    {"estab", TL_TCP_ESTABLISHED},   {"unconn", TL_TCP_CLOSE},
	    {"close", TL_TCP_CLOSE},         {"fin-wait1", TL_TCP_FIN_WAIT1},
	    {"fin-wait2", TL_TCP_FIN_WAIT2}, {"new-syn-recv", TL_TCP_SYN_RECV},
	};
	char norm[32];
	size_t n = strlen(name);

	if (n == 0 || n >= sizeof(norm))
		return TL_TCP_UNKNOWN;
	for (size_t i = 0; i <= n; i++)
		norm[i] = name[i] == '_' ? '-' : name[i];
	for (int s = 1; s < TL_TCP_NEW_SYN_RECV; s++)
		if (!strcasecmp(norm, names[s]))
			return (enum tl_tcp_state)s;
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (!strcasecmp(norm, aliases[i].alias))
			return aliases[i].state;
	return TL_TCP_UNKNOWN;
}
