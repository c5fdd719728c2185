/* events-text.h: for the tracker's unit tests, a socket on loopback
 * (sk), and a tracker's events as text:
 * one per line, "c<cookie> KIND FROM>TO SEG/DIR [i] [e]" (KIND: open,
 * trans, close, re#N for a retransmission; i: inferred;
 * e: from eBPF, when asked for).  The events are then cleared. */
#ifndef TL_TEST_EVENTS_TEXT_H
#define TL_TEST_EVENTS_TEXT_H

#include <stdio.h>
#include <sys/socket.h>
#include <string.h>

#include "tcpladder/fsm.h"
#include "tcpladder/tcpstate.h"
#include "tcpladder/tracker.h"

/* A socket 127.0.0.1:lport -> 127.0.0.1:rport in state, its inode from
 * its cookie. */
static struct tl_sock sk(uint64_t cookie, int state, uint16_t lport, uint16_t rport)
{
	struct tl_sock s;
	memset(&s, 0, sizeof(s));
	s.cookie = cookie;
	s.family = AF_INET;
	s.state = (uint8_t)state;
	s.local[0] = s.remote[0] = 127;
	s.local[3] = s.remote[3] = 1;
	s.lport = lport;
	s.rport = rport;
	s.inode = 1000 + (uint32_t)cookie;
	return s;
}

static const char *events_text(struct tl_tracker *t, bool source)
{
	static char buf[4096];
	size_t n;
	const struct tl_event *ev = tl_tracker_events(t, &n);
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		char line[160], kind[16];
		static const char *const kinds[] = {"open", "trans", "close", "re"};
		snprintf(kind, sizeof(kind), "%s", kinds[ev[i].kind]);
		if (ev[i].kind == TL_EV_RETRANSMIT)
			snprintf(kind, sizeof(kind), "re#%u", (unsigned)ev[i].retrans);
		snprintf(line, sizeof(line), "c%llu %s %s>%s %s/%s%s%s\n",
			 (unsigned long long)ev[i].cookie, kind,
			 ev[i].from ? tl_tcp_state_name(ev[i].from) : "-",
			 tl_tcp_state_name(ev[i].to),
			 tl_segment_name(ev[i].segment) ? tl_segment_name(ev[i].segment) : "-",
			 tl_dir_name(ev[i].dir) ? tl_dir_name(ev[i].dir) : "-",
			 ev[i].inferred ? " i" : "",
			 source && ev[i].source == TL_SOURCE_EBPF ? " e" : "");
		strncat(buf, line, sizeof(buf) - strlen(buf) - 1);
	}
	tl_tracker_clear_events(t);
	return buf;
}

#endif
