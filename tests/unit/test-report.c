#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tcpladder/histogram.h"
#include "tcpladder/leak.h"
#include "tcpladder/ownercache.h"
#include "tcpladder/tracker.h"
#include "tcpladder/fsm.h"
#include "tcpladder/report.h"
#include "tcpladder/stats.h"
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
	       "\"source\":\"sock_diag\",\"tcp\":{\"total\":315,\"states\":{\"LISTEN\":2,\"SYN-SENT\":0,\"SYN-RECV\":2,"
	       "\"ESTABLISHED\":300,\"FIN-WAIT-1\":0,\"FIN-WAIT-2\":0,\"CLOSE-WAIT\":4,"
	       "\"CLOSING\":0,\"LAST-ACK\":0,\"TIME-WAIT\":7,\"CLOSED\":0}},"
	       "\"other\":{\"udp\":3,\"udplite\":0,\"raw\":null,\"unix\":12},"
	       "\"close_wait\":{\"total\":4,\"unread\":0,\"unknown_owners_why\":null,"
	       "\"owners_from\":null,"
	       "\"by_process\":[],\"by_port\":[]},"
	       "\"alert\":false}\n",
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

	/* CLOSE-WAIT owners and TIME-WAIT pressure. */
	struct tl_leak_cfg cfg;
	tl_leak_cfg_default(&cfg);
	struct tl_cw_item items[] = {
		{8080, 1, 30, false, 42, "leaky", "leaky --serve", 0, false},
		{8080, 500, 400, true, 42, "leaky", "leaky --serve", 0, false},
		{9090, 1, 5, false, 7, "tidy", "tidy", 0, false},
		{9090, 1, 2, false, -1, NULL, NULL, 0, false},
	};
	struct tl_leak_group *byp, *byport;
	size_t np = tl_leak_group(items, 4, false, &cfg, &byp);
	size_t nport = tl_leak_group(items, 4, true, &cfg, &byport);
	is_int(np, 3, "three owners (one unknown)");
	ok(byp[0].pid == 42 && byp[0].count == 2 && byp[0].unread == 1 && byp[0].oldest_s == 400 &&
	       byp[0].oldest_exact && byp[0].suspect && !strcmp(byp[0].why, "old"),
	   "the leaky owner first: count, unread data, oldest (exact), suspect because old");
	ok(!byp[1].suspect && !byp[2].suspect, "the others are not suspects");
	ok(nport == 2 && byport[0].count == 2 && byport[1].count == 2, "grouped by local port");
	struct tl_snapshot tws;
	tl_snapshot_init(&tws);
	for (int i = 0; i < 9; i++) {
		struct tl_sock *r = tl_snapshot_add(&tws);
		r->family = AF_INET;
		r->state = TL_TCP_TIME_WAIT;
		r->remote[0] = 10;
		r->remote[3] = 9;
		r->rport = 80;
		r->lport = (uint16_t)(40000 + i);
	}
	struct tl_tw_pressure tw;
	tl_tw_pressure_compute(&tws, 10, 40000, 40009, &cfg, &tw);
	ok(tw.time_wait == 9 && tw.max_buckets == 10 && tw.pressure, "9 of 10 buckets: pressure");
	ok(tw.n_top == 1 && tw.top[0].in_use == 9 && tw.top[0].range == 10 &&
	       !strcmp(tw.top[0].remote, "10.0.0.9:80"),
	   "9 of 10 local ports to 10.0.0.9:80");
	tl_tw_pressure_compute(&tws, 1000, 32768, 60999, &cfg, &tw);
	ok(!tw.pressure, "with room to spare: no pressure");

	struct tl_once_report lr;
	tl_once_report_fill(&lr, "self", &s);
	lr.by_process = byp;
	lr.n_process = np;
	lr.by_port = byport;
	lr.n_port = nport;
	lr.have_tw = true;
	lr.tw = tw;
	ok(tl_once_report_alarming(&lr), "a suspect owner raises the alarm");
	tl_buf_reset(&b);
	tl_report_once_json(&b, &lr, 1);
	ok(strstr(b.data, "{\"pid\":42,\"comm\":\"leaky\",\"cmdline\":\"leaky --serve\",\"count\":2,"
			  "\"oldest_s\":400.0,\"age_exact\":true,\"unread\":1,\"suspect\":true,"
			  "\"why\":\"old\"}") != NULL,
	   "by_process in JSON");
	ok(strstr(b.data, "{\"pid\":null,\"comm\":null,\"cmdline\":null,\"count\":1") != NULL,
	   "an unknown owner is null");
	ok(strstr(b.data, "\"time_wait\":{\"total\":9,\"max_buckets\":1000") != NULL &&
	       strstr(b.data, "\"alert\":true}") != NULL,
	   "time_wait and alert in JSON");
	tl_buf_reset(&b);
	tl_report_once_text(&b, &lr, 1);
	if (!ok(strstr(b.data, "      42  leaky                  2       7m       1  LEAK? old\n") != NULL,
	   "by process in the text"))
		printf("%s", b.data);
	ok(strstr(b.data, "       ?  (unknown)") && !strstr(b.data, "could not be inspected"),
	   "an unknown owner, no reason given while every process could be read");

	/* Owners unknown because other users' processes could not be read:
	 * said once, in the text and the JSON. */
	lr.owners_hidden = true;
	tl_buf_reset(&b);
	tl_report_once_text(&b, &lr, 1);
	ok(strstr(b.data, "(unknown): other users' processes could not be inspected (reading their "
			  "/proc/PID/fd needs root or CAP_SYS_PTRACE)\n"),
	   "text: why owners are unknown");
	tl_buf_reset(&b);
	tl_report_once_json(&b, &lr, 1);
	ok(strstr(b.data, "\"unknown_owners_why\":\"other users' processes could not be inspected"),
	   "JSON: why owners are unknown");
	lr.owners_hidden = false;

	/* A process that names itself with terminal escapes (prctl
	 * PR_SET_NAME) and a namespace named so: shown, never sent raw. */
	struct tl_leak_group *tidy = byp[1].pid == 7 ? &byp[1] : &byp[2];
	snprintf(tidy->comm, sizeof(tidy->comm), "%s", "\x1b]2;PWN\x07\x1b[2J");
	lr.netns = "ns\x1b[31m";
	tl_buf_reset(&b);
	tl_report_once_text(&b, &lr, 1);
	ok(!strchr(b.data, 0x1b) && !strchr(b.data, 0x07), "text: no ESC or BEL from a process name");
	ok(strstr(b.data, "\\x1b]2;PWN\\x07\\x1b[2J") && strstr(b.data, "ns\\x1b[31m"),
	   "text: the name shown escaped");
	tl_buf_reset(&b);
	{
		struct tl_once_report two[2] = {lr, lr};
		tl_report_once_text(&b, two, 2);
		ok(!strchr(b.data, 0x1b), "text, two namespaces: no ESC in the header or titles");
	}
	tl_buf_reset(&b);
	tl_report_once_json(&b, &lr, 1);
	ok(!strchr(b.data, 0x1b) && strstr(b.data, "\"comm\":\"\\u001b]2;PWN\\u0007\\u001b[2J\""),
	   "JSON: the name escaped");
	lr.netns = "self";
	free(byp);
	free(byport);
	tl_snapshot_fini(&tws);

	/* Events, as lines and as JSON. */
	struct tl_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.wall = 1764064800.25;
	ev.cookie = 0x2a;
	ev.kind = TL_EV_TRANSITION;
	ev.from = TL_TCP_ESTABLISHED;
	ev.to = TL_TCP_FIN_WAIT1;
	ev.segment = TL_SEG_FIN;
	ev.dir = TL_DIR_OUT;
	ev.inferred = true;
	ev.role = TL_ROLE_ACTIVE;
	ev.conn = 7;
	ev.why = "close(): send FIN";
	ev.sock.family = AF_INET;
	ev.sock.local[0] = 127;
	ev.sock.local[3] = 1;
	ev.sock.remote[0] = 10;
	ev.sock.remote[3] = 2;
	ev.sock.lport = 50000;
	ev.sock.rport = 443;
	tl_buf_reset(&b);
	tl_report_event_text(&b, &ev, "self", true, NULL);
	is_str(b.data,
	       "10:00:00.250 self 127.0.0.1:50000 -> 10.0.0.2:443  ESTABLISHED -> FIN-WAIT-1  FIN out  "
	       "(inferred)\n",
	       "an event as a line");
	tl_buf_reset(&b);
	tl_report_event_json(&b, &ev, "self", NULL, NULL);
	is_str(b.data,
	       "{\"t\":1764064800.250,\"netns\":\"self\",\"cookie\":\"0x2a\",\"family\":\"inet\","
	       "\"local\":\"127.0.0.1:50000\",\"remote\":\"10.0.0.2:443\",\"event\":\"transition\","
	       "\"from\":\"ESTABLISHED\",\"to\":\"FIN-WAIT-1\",\"inferred\":true,\"segment\":\"FIN\","
	       "\"dir\":\"out\",\"pid\":null,\"comm\":null,\"role\":\"active\",\"conn\":7,"
	       "\"peer\":null,\"why\":\"close(): send FIN\",\"source\":\"sock_diag\"}\n",
	       "an event as JSON (the contract's fields)");
	/* Exact mode: the source per event, and the records lost so far. */
	struct tl_engine_stats st = {.interval_ns = 500000000, .exact = true, .exact_lost = 3};
	ev.source = TL_SOURCE_EBPF;
	tl_buf_reset(&b);
	tl_report_event_json(&b, &ev, "self", &st, NULL);
	ok(strstr(b.data, "\"source\":\"ebpf\",\"interval_ms\":500.0,") &&
	       strstr(b.data, ",\"exact_lost\":3}\n"),
	   "an eBPF event says so, with the records lost");
	st.exact = false;
	ev.source = TL_SOURCE_SOCK_DIAG;
	tl_buf_reset(&b);
	tl_report_event_json(&b, &ev, "self", &st, NULL);
	ok(strstr(b.data, "\"source\":\"sock_diag\"") && !strstr(b.data, "exact_lost"),
	   "a polled event says so, without the exact-mode count");
	/* Exact mode: a SYN sent again, its own line, numbered. */
	struct tl_event re = ev;
	re.kind = TL_EV_RETRANSMIT;
	re.from = re.to = TL_TCP_SYN_SENT;
	re.segment = TL_SEG_SYN;
	re.inferred = false;
	re.retrans = 2;
	re.why = NULL;
	tl_buf_reset(&b);
	tl_report_event_text(&b, &re, "self", true, NULL);
	is_str(b.data,
	       "10:00:00.250 self 127.0.0.1:50000 -> 10.0.0.2:443  SYN-SENT  SYN out (retransmit #2)\n",
	       "a retransmission as a line");
	/* A TIME-WAIT a new connection took over says so; one that
	 * expired does not. */
	struct tl_event twe = ev;
	twe.kind = TL_EV_CLOSE;
	twe.from = TL_TCP_TIME_WAIT;
	twe.to = TL_TCP_CLOSE;
	twe.inferred = false;
	const struct tl_fsm_edge *reuse = tl_fsm_reuse_edge(TL_DIR_NONE);
	twe.segment = reuse->segment;
	twe.dir = reuse->dir;
	char why[128];
	snprintf(why, sizeof(why), "%s", reuse->why); /* as a replay has it: a copy */
	twe.why = why;
	tl_buf_reset(&b);
	tl_report_event_text(&b, &twe, "self", true, NULL);
	is_str(b.data,
	       "10:00:00.250 self 127.0.0.1:50000 -> 10.0.0.2:443  TIME-WAIT -> CLOSED  (port reused)  "
	       "(closed)\n",
	       "a TIME-WAIT taken over by connect() from its port, as a line");
	twe.why = tl_fsm_edge(TL_TCP_TIME_WAIT, TL_TCP_CLOSE, TL_ROLE_ACTIVE)->why;
	tl_buf_reset(&b);
	tl_report_event_text(&b, &twe, "self", true, NULL);
	is_str(b.data, "10:00:00.250 self 127.0.0.1:50000 -> 10.0.0.2:443  TIME-WAIT -> CLOSED  (closed)\n",
	       "one that expired, as a line");
	tl_buf_reset(&b);
	tl_report_event_json(&b, &re, "self", NULL, NULL);
	ok(strstr(b.data, "\"event\":\"retransmit\",\"from\":\"SYN-SENT\",\"to\":\"SYN-SENT\"") &&
	       strstr(b.data, "\"segment\":\"SYN\",\"dir\":\"out\",\"retransmit\":2,\"pid\""),
	   "a retransmission as JSON: its number");
	struct tl_owner ow = {4242, "nginx", "nginx: worker"};
	ev.kind = TL_EV_OPEN;
	ev.from = 0;
	ev.to = TL_TCP_SYN_SENT;
	ev.inferred = false;
	ev.sock.family = AF_INET6;
	memset(ev.sock.local, 0, 16);
	ev.sock.local[15] = 1;
	tl_buf_reset(&b);
	tl_report_event_json(&b, &ev, "self", NULL, &ow);
	ok(strstr(b.data, "\"family\":\"inet6\",\"local\":\"[::1]:50000\"") &&
	       strstr(b.data, "\"event\":\"open\",\"from\":null,\"to\":\"SYN-SENT\",\"inferred\":false") &&
	       strstr(b.data, "\"pid\":4242,\"comm\":\"nginx\""),
	   "an open, IPv6 in brackets, with its owner");
	tl_buf_reset(&b);
	tl_report_event_text(&b, &ev, "self", true, &ow);
	ok(strstr(b.data, "open -> SYN-SENT  FIN out  4242/nginx\n") != NULL, "the owner on the line");
	struct tl_owner evil = {666, "\x1b]2;PWN\x07\x1b[2J", "x"};
	tl_buf_reset(&b);
	tl_report_event_text(&b, &ev, "blue\x9b" "2J", true, &evil);
	ok(!strchr(b.data, 0x1b) && !strchr(b.data, 0x07) && !strchr(b.data, (char)0x9b),
	   "an event line: no control byte from a process or namespace name");
	ok(strstr(b.data, " blue\\x9b2J [::1]:50000") && strstr(b.data, "666/\\x1b]2;PWN\\x07\\x1b[2J\n"),
	   "an event line: the names shown escaped");

	tl_buf_fini(&b);
	tl_snapshot_fini(&s);
	return tap_done();
}
