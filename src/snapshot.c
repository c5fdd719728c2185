/* snapshot: record storage. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tcpladder/snapshot.h"
#include "tcpladder/util.h"

const char *const tl_other_names[TL_OTHER_N] = {"udp", "udplite", "raw", "unix"};

void tl_snapshot_init(struct tl_snapshot *s)
{
	memset(s, 0, sizeof(*s));
	for (int i = 0; i < TL_OTHER_N; i++)
		s->other[i] = -1;
}

void tl_snapshot_fini(struct tl_snapshot *s)
{
	free(s->socks);
	memset(s, 0, sizeof(*s));
}

void tl_snapshot_clear(struct tl_snapshot *s)
{
	s->n = 0;
	s->complete = false;
	s->error = 0;
	s->mono_ns = s->dump_ns = 0;
	s->wall = 0;
	for (int i = 0; i < TL_OTHER_N; i++)
		s->other[i] = -1;
}

struct tl_sock *tl_snapshot_add(struct tl_snapshot *s)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		s->socks = tl_reallocarray(s->socks, cap, sizeof(*s->socks));
		s->cap = cap;
	}
	struct tl_sock *r = &s->socks[s->n++];
	memset(r, 0, sizeof(*r));
	return r;
}

void tl_snapshot_truncate(struct tl_snapshot *s, size_t n)
{
	if (n < s->n)
		s->n = n;
}

void tl_snapshot_swap(struct tl_snapshot *a, struct tl_snapshot *b)
{
	struct tl_snapshot t = *a;
	*a = *b;
	*b = t;
}

/* Decimal digits of v (< 100000) at p; returns the end. */
static char *put_dec(char *p, unsigned v)
{
	char tmp[8];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

void tl_sock_format_addr(int family, const uint8_t addr[16], uint16_t port, char *out,
			 size_t outlen)
{
	char ip[INET6_ADDRSTRLEN];

	if (family != AF_INET6 && outlen >= 22) {
		/* IPv4 by hand: this runs for every event line */
		char *p = out;
		for (int i = 0; i < 4; i++) {
			p = put_dec(p, addr[i]);
			*p++ = i < 3 ? '.' : ':';
		}
		p = put_dec(p, port);
		*p = '\0';
		return;
	}
	if (family == AF_INET6) {
		if (inet_ntop(AF_INET6, addr, ip, sizeof(ip)))
			snprintf(out, outlen, "[%s]:%u", ip, port);
		else
			snprintf(out, outlen, "[?]:%u", port);
	} else {
		if (!inet_ntop(AF_INET, addr, ip, sizeof(ip)))
			strcpy(ip, "?");
		snprintf(out, outlen, "%s:%u", ip, port);
	}
}
