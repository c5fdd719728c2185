/* libFuzzer target: the metrics renderer fed a sample built from any
 * bytes (sockets, events, process and namespace names, destinations, the
 * cap); what it writes must pass the exposition format's grammar
 * (tl_metrics_check).  The checker is also fed the bytes as text, and must
 * neither crash nor read past them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tcpladder/metrics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct cursor {
	const uint8_t *p;
	size_t n;
};

static uint8_t byte(struct cursor *c)
{
	if (!c->n)
		return 0;
	c->n--;
	return *c->p++;
}

/* A NUL-terminated string of up to max-1 bytes, any bytes but NUL. */
static void text(struct cursor *c, char *out, size_t max)
{
	size_t len = byte(c) % max;
	for (size_t i = 0; i < len; i++)
		out[i] = (char)(byte(c) | 1);
	out[len] = '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cursor c = {data, size};
	struct tl_snapshot s;
	struct tl_metrics_counters ctr;
	struct tl_leak_group g[12];
	struct tl_tw_pressure tw;
	struct tl_engine_stats st;
	char names[3][32];
	struct tl_buf b;
	size_t line;

	/* the checker on raw bytes */
	(void)tl_metrics_check((const char *)data, size, &line);

	tl_snapshot_init(&s);
	size_t n = byte(&c);
	for (size_t i = 0; i < n; i++) {
		struct tl_sock *r = tl_snapshot_add(&s);
		r->family = byte(&c) & 1 ? AF_INET6 : AF_INET;
		r->state = byte(&c);
		r->lport = byte(&c) % 8;
	}
	for (int k = 0; k < TL_OTHER_N; k++)
		s.other[k] = (long)byte(&c) - 1;
	memset(&ctr, 0, sizeof(ctr));
	struct tl_event ev[16];
	size_t nev = byte(&c) % 16;
	for (size_t i = 0; i < nev; i++) {
		memset(&ev[i], 0, sizeof(ev[i]));
		ev[i].kind = byte(&c) % 3;
		ev[i].from = byte(&c);
		ev[i].to = byte(&c);
		ev[i].segment = byte(&c);
		ev[i].role = byte(&c);
		ev[i].inferred = byte(&c) & 1;
		ev[i].ns = byte(&c) % 2;
	}
	tl_metrics_count(&ctr, ev, nev, 0);
	size_t ng = byte(&c) % 12;
	for (size_t i = 0; i < ng; i++) {
		memset(&g[i], 0, sizeof(g[i]));
		/* one group a pid, as tl_leak_group makes them */
		g[i].pid = i == 0 && (byte(&c) & 1) ? -1 : (int)i;
		g[i].count = byte(&c);
		g[i].oldest_s = byte(&c) * 1.5;
		g[i].ns = byte(&c) % 4; /* one past the namespaces, too */
		text(&c, g[i].comm, sizeof(g[i].comm));
	}
	memset(&tw, 0, sizeof(tw));
	tw.max_buckets = (long)byte(&c) - 1;
	tw.bucket_ratio = byte(&c) / 100.0;
	tw.port_lo = byte(&c);
	tw.port_hi = byte(&c);
	tw.n_top = byte(&c) % 6;
	for (size_t i = 0; i < tw.n_top; i++) {
		/* distinct destinations, as the pressure computation gives */
		text(&c, tw.top[i].remote, 32);
		size_t l = strlen(tw.top[i].remote);
		tw.top[i].remote[l] = (char)('0' + i);
		tw.top[i].remote[l + 1] = '\0';
		tw.top[i].ratio = byte(&c) / 50.0;
	}
	memset(&st, 0, sizeof(st));
	st.interval_ns = (uint64_t)byte(&c) << 24;
	st.samples = byte(&c);
	struct tl_metrics_ns ns[3];
	size_t nns = 1 + byte(&c) % 3;
	for (size_t i = 0; i < nns; i++) {
		text(&c, names[i], 30);
		size_t l = strlen(names[i]);
		names[i][l] = (char)('0' + i); /* namespace names differ */
		names[i][l + 1] = '\0';
		ns[i] = (struct tl_metrics_ns){names[i], byte(&c) & 1 ? &s : NULL,
					       byte(&c) & 1 ? &ctr : NULL, byte(&c) & 1 ? &tw : NULL};
	}
	struct tl_metrics_input in = {.ns = ns,
				      .n_ns = nns,
				      .cw = g,
				      .n_cw = ng,
				      .cw_known = byte(&c) & 1,
				      .st = byte(&c) & 1 ? &st : NULL,
				      .wall = byte(&c) * 1e7,
				      .top = 1 + byte(&c) % 12,
				      .version = "0.1.0"};
	tl_buf_init(&b);
	tl_metrics_render(&b, &in);
	if (tl_metrics_check(b.data, b.len, &line) != NULL)
		abort();
	tl_buf_fini(&b);
	tl_snapshot_fini(&s);
	return 0;
}
