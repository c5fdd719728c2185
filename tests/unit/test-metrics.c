/* metrics: a sample as Prometheus text.  Known counts come out as the
 * right series, every state is present with zeros, caps keep top N plus
 * "(other)", hostile process names are escaped, and every rendering of
 * random input passes the format's grammar (tl_metrics_check), whose own
 * refusals are checked too, so the check can fail. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tcpladder/metrics.h"
#include "tap.h"

static struct tl_sock *add(struct tl_snapshot *s, int family, int state, uint16_t lport)
{
	struct tl_sock *r = tl_snapshot_add(s);
	r->family = (uint8_t)family;
	r->state = (uint8_t)state;
	r->lport = lport;
	r->rport = 40000;
	return r;
}

static bool has(const struct tl_buf *b, const char *line)
{
	char *want = malloc(strlen(line) + 3);
	strcpy(want, "\n");
	strcat(want, line);
	strcat(want, "\n");
	bool r = strstr(b->data, want) != NULL;
	if (!r)
		printf("#   missing: %s\n", line);
	free(want);
	return r;
}

static size_t count_lines(const struct tl_buf *b, const char *prefix)
{
	size_t n = 0, len = strlen(prefix);
	for (const char *p = b->data; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		n += !strncmp(p, prefix, len);
	return n;
}

static void check_text(const struct tl_buf *b, const char *what)
{
	size_t line;
	const char *why = tl_metrics_check(b->data, b->len, &line);
	if (!ok(why == NULL, "%s passes the format check", what))
		printf("#   line %zu: %s\n", line, why);
}

static void refused(const char *text, const char *what)
{
	size_t line;
	ok(tl_metrics_check(text, strlen(text), &line) != NULL, "the check refuses %s", what);
}

static uint32_t rnd_state = 12345;
static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

int main(void)
{
	struct tl_snapshot s;
	struct tl_buf b;
	struct tl_engine_stats st = {.interval_ns = 500000000ULL,
	                             .dump_cost_ns = 1500000,
	                             .samples = 7,
	                             .sockets = 9,
	                             .lost_events = 2};

	tl_snapshot_init(&s);
	tl_buf_init(&b);
	add(&s, AF_INET, TL_TCP_LISTEN, 80);
	add(&s, AF_INET, TL_TCP_ESTABLISHED, 80);
	add(&s, AF_INET, TL_TCP_ESTABLISHED, 80);
	add(&s, AF_INET, TL_TCP_CLOSE_WAIT, 80);
	add(&s, AF_INET6, TL_TCP_LISTEN, 443);
	add(&s, AF_INET6, TL_TCP_NEW_SYN_RECV, 443);
	add(&s, AF_INET6, TL_TCP_TIME_WAIT, 443);
	add(&s, AF_INET, TL_TCP_ESTABLISHED, 50000); /* a client: no listener */
	add(&s, AF_INET, TL_TCP_SYN_SENT, 50001);
	s.other[TL_OTHER_UDP] = 3;
	s.other[TL_OTHER_UDPLITE] = -1;
	s.other[TL_OTHER_RAW] = 0;
	s.other[TL_OTHER_UNIX] = 12;

	struct tl_metrics_counters ctr;
	memset(&ctr, 0, sizeof(ctr));
	struct tl_event ev[6];
	memset(ev, 0, sizeof(ev));
	ev[0] =
	    (struct tl_event){.kind = TL_EV_OPEN, .to = TL_TCP_SYN_SENT, .role = TL_ROLE_ACTIVE};
	ev[1] = (struct tl_event){.kind = TL_EV_OPEN, .to = TL_TCP_LISTEN, .role = TL_ROLE_PASSIVE};
	ev[2] = (struct tl_event){.kind = TL_EV_TRANSITION,
	                          .from = TL_TCP_SYN_SENT,
	                          .to = TL_TCP_ESTABLISHED,
	                          .inferred = true};
	ev[3] = (struct tl_event){.kind = TL_EV_CLOSE,
	                          .from = TL_TCP_ESTABLISHED,
	                          .to = TL_TCP_CLOSE,
	                          .segment = TL_SEG_RST};
	ev[4] =
	    (struct tl_event){.kind = TL_EV_CLOSE, .from = TL_TCP_TIME_WAIT, .to = TL_TCP_CLOSE};
	ev[5] = (struct tl_event){
	    .kind = TL_EV_CLOSE, .from = TL_TCP_TIME_WAIT, .to = TL_TCP_CLOSE, .ns = 1};
	tl_metrics_count(&ctr, ev, 6, 0);
	is_int(ctr.opened_active, 1, "an active open counted");
	is_int(ctr.opened_passive, 0, "a listener is not a connection opened");
	is_int(ctr.closed[TL_METRICS_CLOSE_RST], 1, "a close by RST");
	is_int(ctr.closed[TL_METRICS_CLOSE_FIN], 1,
	       "a close from TIME-WAIT is by FIN; another "
	       "namespace's event is not counted");
	is_int(ctr.transitions[1][TL_TCP_SYN_SENT][TL_TCP_ESTABLISHED], 1,
	       "an inferred transition kept apart");

	struct tl_leak_group cw[3];
	memset(cw, 0, sizeof(cw));
	cw[0] = (struct tl_leak_group){.pid = 42, .count = 5, .oldest_s = 12.5};
	strcpy(cw[0].comm, "srv\"\\\n\x01");
	cw[1] = (struct tl_leak_group){.pid = 43, .count = 2, .oldest_s = 99};
	strcpy(cw[1].comm, "b");
	cw[2] = (struct tl_leak_group){.pid = -1, .count = 1, .oldest_s = 3};
	struct tl_tw_pressure tw = {.time_wait = 1,
	                            .max_buckets = 4,
	                            .bucket_ratio = 0.25,
	                            .port_lo = 32768,
	                            .port_hi = 60999,
	                            .n_top = 1};
	strcpy(tw.top[0].remote, "10.0.0.1:80");
	tw.top[0].ratio = 0.5;

	struct tl_metrics_ns ns = {"self", &s, &ctr, &tw};
	struct tl_metrics_input in = {.ns = &ns,
	                              .n_ns = 1,
	                              .cw = cw,
	                              .n_cw = 3,
	                              .cw_known = true,
	                              .st = &st,
	                              .wall = 1700000000.5,
	                              .top = 1,
	                              .version = "0.1.0"};
	tl_metrics_render(&b, &in);
	check_text(&b, "the rendering of a known sample");
	ok(has(&b, "tcpladder_tcp_sockets{family=\"inet\",state=\"ESTABLISHED\"} 3"),
	   "ESTABLISHED over IPv4");
	ok(has(&b, "tcpladder_tcp_sockets{family=\"inet6\",state=\"SYN-RECV\"} 1"),
	   "a request socket is SYN-RECV");
	ok(has(&b, "tcpladder_tcp_sockets{family=\"inet6\",state=\"CLOSING\"} 0"),
	   "zeros included");
	is_int(count_lines(&b, "tcpladder_tcp_sockets{"), 22, "every state of both families");
	ok(has(&b, "tcpladder_sockets{protocol=\"udp\"} 3") &&
	       has(&b, "tcpladder_sockets{protocol=\"unix\"} 12") &&
	       !strstr(b.data, "protocol=\"udplite\""),
	   "other protocols; one the kernel cannot count is absent");
	ok(has(&b, "tcpladder_tcp_transitions_total{from=\"SYN-SENT\",to=\"ESTABLISHED\","
	           "inferred=\"true\"} 1"),
	   "transitions by from, to and inferred");
	ok(has(&b, "tcpladder_tcp_connections_opened_total{side=\"active\"} 1") &&
	       has(&b, "tcpladder_tcp_connections_closed_total{how=\"rst\"} 1") &&
	       has(&b, "tcpladder_tcp_connections_closed_total{how=\"timeout\"} 0"),
	   "opened and closed counters");
	ok(has(&b, "tcpladder_tcp_port_sockets{port=\"80\",state=\"ESTABLISHED\"} 2") &&
	       has(&b, "tcpladder_tcp_port_sockets{port=\"80\",state=\"CLOSE-WAIT\"} 1") &&
	       has(&b, "tcpladder_tcp_port_sockets{port=\"other\",state=\"TIME-WAIT\"} 1") &&
	       !strstr(b.data, "port=\"50000\""),
	   "per listening port, capped at 1 then other; client ports left out");
	ok(has(&b,
	       "tcpladder_tcp_close_wait_sockets{comm=\"srv\\\"\\\\\\\\n\\\\x01\",pid=\"42\"} 5"),
	   "a process name escaped: quote, backslash, newline, control");
	ok(has(&b, "tcpladder_tcp_close_wait_sockets{comm=\"(other)\",pid=\"\"} 3") &&
	       has(&b, "tcpladder_tcp_close_wait_oldest_seconds{comm=\"(other)\",pid=\"\"} 99"),
	   "owners past the cap summed, their oldest kept");
	ok(has(&b, "tcpladder_tcp_time_wait_buckets_used_ratio 0.25") &&
	       has(&b, "tcpladder_tcp_ephemeral_ports_used_ratio{destination=\"10.0.0.1:80\"} 0.5"),
	   "TIME-WAIT pressure as ratios");
	ok(has(&b, "tcpladder_sample_interval_seconds 0.5") &&
	       has(&b, "tcpladder_sample_cpu_seconds 0.0015") &&
	       has(&b, "tcpladder_destroy_event_overruns_total 2") &&
	       has(&b, "tcpladder_build_info{version=\"0.1.0\"} 1"),
	   "the tool's own health");
	ok(has(&b, "# TYPE tcpladder_tcp_transitions_total counter") &&
	       has(&b, "# TYPE tcpladder_tcp_sockets gauge"),
	   "types");

	/* several namespaces: a netns label on each of their series */
	struct tl_tw_pressure tw2 = tw;
	tw2.bucket_ratio = 0.75;
	strcpy(tw2.top[0].remote, "10.0.0.2:443");
	struct tl_metrics_ns two[2] = {{"a", &s, &ctr, &tw}, {"b\"x", &s, NULL, &tw2}};
	in.ns = two;
	in.n_ns = 2;
	cw[1].ns = 1; /* b is in the second namespace; srv and the unknown in the first */
	tl_buf_reset(&b);
	tl_metrics_render(&b, &in);
	check_text(&b, "two namespaces");
	ok(has(&b,
	       "tcpladder_tcp_sockets{netns=\"b\\\"x\",family=\"inet\",state=\"ESTABLISHED\"} 3"),
	   "the namespace as a label, escaped");
	is_int(count_lines(&b, "tcpladder_tcp_sockets{"), 44, "every state of both namespaces");
	ok(has(&b, "tcpladder_tcp_close_wait_sockets{netns=\"a\",comm=\"(other)\",pid=\"\"} 1") &&
	       has(&b, "tcpladder_tcp_close_wait_sockets{netns=\"b\\\"x\",comm=\"b\",pid=\"43\"} 2") &&
	       has(&b, "tcpladder_tcp_close_wait_oldest_seconds{netns=\"b\\\"x\",comm=\"b\",pid=\"43\"} "
	               "99") &&
	       !strstr(b.data, "netns=\"a\",comm=\"b\""),
	   "CLOSE-WAIT owners under their own namespace, capped within it");
	is_int(count_lines(&b, "tcpladder_tcp_close_wait_sockets{"), 3,
	       "two series in the first namespace (top 1 and other), one in the second");
	ok(has(&b, "tcpladder_tcp_time_wait_buckets_used_ratio{netns=\"a\"} 0.25") &&
	       has(&b, "tcpladder_tcp_time_wait_buckets_used_ratio{netns=\"b\\\"x\"} 0.75") &&
	       has(&b, "tcpladder_tcp_ephemeral_ports_used_ratio{netns=\"b\\\"x\","
	               "destination=\"10.0.0.2:443\"} 0.5") &&
	       has(&b, "tcpladder_tcp_time_wait_buckets_max{netns=\"a\"} 4"),
	   "TIME-WAIT pressure of each namespace under its label");
	cw[1].ns = 0;

	/* the check can fail */
	refused("x 1", "text without a final newline");
	refused("# TYPE a gauge\na{l=\"\\q\"} 1\n", "a bad escape");
	refused("# TYPE a gauge\na{l=\"\xff\"} 1\n", "invalid UTF-8");
	refused("# TYPE a gauge\na 1\na 2\n", "a duplicate series");
	refused("# TYPE a_total gauge\na_total 1\n", "a gauge named _total");
	refused("# TYPE a counter\na 1\n", "a counter not named _total");
	refused("# TYPE a gauge\nb 1\n", "a sample under another metric's TYPE");
	refused("# TYPE a gauge\na{l=\"x\"}  1\n", "two spaces");
	refused("# TYPE a gauge\na one\n", "a value that is not a number");
	refused("# TYPE a gauge\n\na 1\n", "an empty line");
	refused("# TYPE a gauge\n# TYPE a gauge\n", "two TYPE lines");
	{
		size_t line;
		const char *good = "# HELP a x\n# TYPE a gauge\na{l=\"\\\"\"} 1\n";
		ok(tl_metrics_check(good, strlen(good), &line) == NULL, "and passes good text");
	}

	/* random samples, hostile names, any cap: always valid */
	bool all_valid = true;
	for (int iter = 0; iter < 300 && all_valid; iter++) {
		tl_snapshot_clear(&s);
		size_t n = rnd() % 200;
		for (size_t i = 0; i < n; i++)
			add(&s, rnd() % 2 ? AF_INET6 : AF_INET, (int)(rnd() % 14),
			    (uint16_t)(rnd() % 8));
		for (int k = 0; k < TL_OTHER_N; k++)
			s.other[k] = (long)(rnd() % 3) - 1;
		struct tl_metrics_counters c2;
		memset(&c2, 0, sizeof(c2));
		struct tl_event e2[50];
		for (int i = 0; i < 50; i++) {
			memset(&e2[i], 0, sizeof(e2[i]));
			e2[i].kind = (uint8_t)(rnd() % 3);
			e2[i].from = (uint8_t)(rnd() % 256);
			e2[i].to = (uint8_t)(rnd() % 256);
			e2[i].segment = (uint8_t)(rnd() % 8);
			e2[i].role = (uint8_t)(rnd() % 3);
			e2[i].inferred = rnd() % 2;
		}
		tl_metrics_count(&c2, e2, 50, 0);
		struct tl_leak_group g[20];
		size_t ng = rnd() % 20;
		for (size_t i = 0; i < ng; i++) {
			memset(&g[i], 0, sizeof(g[i]));
			g[i].pid = i == 0 && rnd() % 2 ? -1 : (int)i + 1; /* one group a pid */
			g[i].count = rnd() % 1000;
			g[i].oldest_s = (double)(rnd() % 100000) / 7.0;
			for (size_t k = 0; k < 16; k++)
				g[i].comm[k] = (char)(rnd() % 256 ?: 1);
			g[i].comm[rnd() % 17] = '\0';
		}
		for (size_t i = 0; i < ng; i++)
			g[i].ns = (unsigned)(rnd() % 4); /* one past the namespaces, too */
		struct tl_metrics_ns n3[3] = {{"x", &s, &c2, rnd() % 2 ? &tw : NULL},
		                              {"y\n", &s, NULL, rnd() % 2 ? &tw : NULL},
		                              {"z", NULL, NULL, NULL}};
		struct tl_metrics_input r = {.ns = n3,
		                             .n_ns = 1 + rnd() % 3,
		                             .cw = g,
		                             .n_cw = ng,
		                             .cw_known = rnd() % 2,
		                             .st = rnd() % 2 ? &st : NULL,
		                             .top = 1 + rnd() % 5};
		tl_buf_reset(&b);
		tl_metrics_render(&b, &r);
		size_t line;
		const char *why = tl_metrics_check(b.data, b.len, &line);
		if (why) {
			all_valid = false;
			printf("#   iteration %d, line %zu: %s\n", iter, line, why);
		}
	}
	ok(all_valid, "300 random samples render valid text");

	tl_buf_fini(&b);
	tl_snapshot_fini(&s);
	return tap_done();
}
