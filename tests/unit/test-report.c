#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tcpladder/histogram.h"
#include "tcpladder/report.h"
#include "tap.h"

static void add(struct tl_snapshot *s, int state, int n)
{
	for (int i = 0; i < n; i++) {
		struct tl_sock *r = tl_snapshot_add(s);
		r->family = AF_INET;
		r->state = (uint8_t)state;
	}
}

int main(void)
{
	struct tl_snapshot s;
	struct tl_once_report rep[2];
	struct tl_hist h;
	struct tl_buf b;

	tl_snapshot_init(&s);
	add(&s, TL_TCP_LISTEN, 2);
	add(&s, TL_TCP_ESTABLISHED, 300);
	add(&s, TL_TCP_CLOSE_WAIT, 4);
	add(&s, TL_TCP_TIME_WAIT, 7);
	add(&s, TL_TCP_NEW_SYN_RECV, 1);
	add(&s, TL_TCP_SYN_RECV, 1);
	s.other[TL_OTHER_UDP] = 3;
	s.other[TL_OTHER_UDPLITE] = 0;
	s.other[TL_OTHER_RAW] = -1;
	s.other[TL_OTHER_UNIX] = 12;
	s.wall = 1764063600.5;
	s.dump_ns = 1500000;

	tl_hist_from_snapshot(&h, &s);
	is_int(h.total, 315, "histogram total");
	is_int(h.count[TL_TCP_SYN_RECV], 2, "request sockets fold into SYN-RECV");
	is_int(h.count[TL_TCP_NEW_SYN_RECV], 0, "no NEW_SYN_RECV bucket");

	tl_once_report_fill(&rep[0], "self", &s);
	tl_buf_init(&b);
	tl_report_once_json(&b, rep, 1);
	is_str(b.data,
	       "{\"version\":1,\"time\":1764063600.500,\"netns\":\"self\",\"dump_ms\":1.500,"
	       "\"tcp\":{\"total\":315,\"states\":{\"LISTEN\":2,\"SYN-SENT\":0,\"SYN-RECV\":2,"
	       "\"ESTABLISHED\":300,\"FIN-WAIT-1\":0,\"FIN-WAIT-2\":0,\"CLOSE-WAIT\":4,"
	       "\"CLOSING\":0,\"LAST-ACK\":0,\"TIME-WAIT\":7,\"CLOSED\":0}},"
	       "\"other\":{\"udp\":3,\"udplite\":0,\"raw\":null,\"unix\":12},"
	       "\"close_wait\":{\"total\":4,\"by_process\":[]}}\n",
	       "JSON for one namespace");

	tl_buf_reset(&b);
	tl_report_once_text(&b, rep, 1);
	is_str(b.data,
	       "TCP STATE       self\n"
	       "LISTEN             2\n"
	       "SYN-SENT           0\n"
	       "SYN-RECV           2\n"
	       "ESTABLISHED      300\n"
	       "FIN-WAIT-1         0\n"
	       "FIN-WAIT-2         0\n"
	       "CLOSE-WAIT         4\n"
	       "CLOSING            0\n"
	       "LAST-ACK           0\n"
	       "TIME-WAIT          7\n"
	       "CLOSED             0\n"
	       "TCP total        315\n"
	       "\n"
	       "UDP                3\n"
	       "UDP-Lite           0\n"
	       "RAW              n/a\n"
	       "UNIX              12\n",
	       "text table for one namespace");

	tl_snapshot_clear(&s);
	add(&s, TL_TCP_CLOSE_WAIT, 1);
	tl_once_report_fill(&rep[1], "a\"ns", &s);
	tl_buf_reset(&b);
	tl_report_once_json(&b, rep, 2);
	ok(b.data[0] == '[' && strstr(b.data, "},{\"version\":1") &&
	       strstr(b.data, "\"netns\":\"a\\\"ns\"") && !strcmp(b.data + b.len - 3, "}]\n"),
	   "JSON array for two namespaces, names escaped");
	tl_buf_reset(&b);
	tl_report_once_text(&b, rep, 2);
	ok(!strncmp(b.data, "TCP STATE       self     a\"ns\n", 30), "text: a column per namespace");
	ok(strstr(b.data, "CLOSE-WAIT         4        1\n") != NULL, "text: counts side by side");

	tl_buf_fini(&b);
	tl_snapshot_fini(&s);
	return tap_done();
}
