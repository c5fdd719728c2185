/* scenario: the lab's scenario table. */
#include <stdio.h>
#include <string.h>

#include "tcpladder/scenario.h"

static const struct {
	const char *name;
	const char *caption;
} scenarios[TL_SCENARIO_N] = {
	[TL_SCENARIO_FULL] = {"full", "Full life: handshake, a little data, then the client closes first"},
	[TL_SCENARIO_SERVER_FIRST] = {"server-first",
				      "The server closes first: now the server waits in TIME-WAIT"},
	[TL_SCENARIO_RST] = {"rst", "An abort: the client closes with SO_LINGER 0 and sends an RST"},
	[TL_SCENARIO_LOST_ACK] = {"lost-ack", "The last ACK is lost: the server sends its FIN again, "
					      "and TIME-WAIT answers it"},
	[TL_SCENARIO_LEAK] = {"leak",
			      "A CLOSE-WAIT leak: the server never calls close(), so CLOSE-WAIT climbs"},
	[TL_SCENARIO_TW_STORM] = {"tw-storm", "A TIME-WAIT storm: twenty short connections, each "
					      "leaves a TIME-WAIT behind"},
};

const char *tl_scenario_name(int s)
{
	return s >= 0 && s < TL_SCENARIO_N ? scenarios[s].name : NULL;
}

const char *tl_scenario_caption(int s)
{
	return s >= 0 && s < TL_SCENARIO_N ? scenarios[s].caption : NULL;
}

int tl_scenario_find(const char *name)
{
	for (int i = 0; i < TL_SCENARIO_N; i++)
		if (!strcmp(name, scenarios[i].name))
			return i;
	return -1;
}

const char *tl_scenario_list(void)
{
	static char list[256];
	if (!list[0]) {
		size_t len = 0;
		for (int i = 0; i < TL_SCENARIO_N; i++)
			len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s", i ? ", " : "",
						scenarios[i].name);
	}
	return list;
}

bool tl_scenario_drops_last_ack(int s)
{
	return s == TL_SCENARIO_LOST_ACK;
}

bool tl_scenario_keeps_sockets(int s)
{
	return s == TL_SCENARIO_LEAK;
}
