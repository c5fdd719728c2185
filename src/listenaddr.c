/* listenaddr: --metrics-listen's ADDR:PORT, [ADDR]:PORT or :PORT, parsed
 * (declared in options.h, beside the options that hold it).  Numeric
 * addresses only: no name is looked up. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tcpladder/options.h"
#include "tcpladder/util.h"

int tl_listen_addr_parse(const char *s, struct tl_listen_addr *out, char **cause)
{
	char echo[TL_ECHO_SIZE];
	char host[64];
	const char *colon;
	size_t hlen;
	unsigned long port;

	memset(out, 0, sizeof(*out));
	if (s[0] == '[') { /* [v6]:port */
		const char *end = strchr(s, ']');
		if (!end || end[1] != ':')
			goto bad;
		hlen = (size_t)(end - s - 1);
		if (hlen >= sizeof(host))
			goto bad;
		memcpy(host, s + 1, hlen);
		host[hlen] = '\0';
		colon = end + 1;
		out->family = AF_INET6;
		if (inet_pton(AF_INET6, host, out->addr) != 1)
			goto bad;
	} else {
		colon = strrchr(s, ':');
		if (!colon || memchr(s, ':', (size_t)(colon - s)))
			goto bad; /* none, or an IPv6 address without brackets */
		hlen = (size_t)(colon - s);
		if (hlen >= sizeof(host))
			goto bad;
		memcpy(host, s, hlen);
		host[hlen] = '\0';
		if (hlen == 0) {
			out->family = AF_INET6; /* every address, both families */
		} else {
			out->family = AF_INET;
			if (inet_pton(AF_INET, host, out->addr) != 1)
				goto bad;
		}
	}
	if (tl_parse_uint(colon + 1, 1, 65535, &port) < 0)
		goto bad;
	out->port = (uint16_t)port;
	snprintf(out->text, sizeof(out->text), "%s", s);
	return 0;
bad:
	memset(out, 0, sizeof(*out));
	*cause = tl_asprintf("invalid --metrics-listen '%s' (ADDR:PORT with a numeric address, "
			     "[ADDR]:PORT for IPv6, or :PORT)",
			     tl_text_echo(s, echo, sizeof(echo)));
	return -EINVAL;
}
