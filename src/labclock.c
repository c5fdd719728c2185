/* labclock: the late-fin lesson's clocks, from the sockets' timers. */
#include <stdio.h>

#include "tcpladder/labclock.h"
#include "tcpladder/narration.h"
#include "tcpladder/tcpstate.h"

bool tl_labclock_ends(struct tl_tracker *t, uint16_t port, const struct tl_conn **a,
		      const struct tl_conn **b)
{
	size_t n;
	const struct tl_conn *c = tl_tracker_conns(t, &n);
	bool over = false;
	*a = *b = NULL;
	for (size_t i = 0; i < n && port; i++) {
		if (!c[i].id)
			continue;
		if (c[i].ns == 0 && c[i].sock.lport == port && (c[i].flags & TL_CONN_GONE))
			over |= c[i].state == TL_TCP_CLOSE;
		if (c[i].flags & TL_CONN_GONE)
			continue;
		if (c[i].ns == 0 && c[i].sock.lport == port && c[i].state == TL_TCP_TIME_WAIT &&
		    c[i].sock.timer)
			*a = &c[i];
		if (c[i].ns == 1 && c[i].sock.rport == port && c[i].state == TL_TCP_LAST_ACK &&
		    c[i].sock.timer == 1)
			*b = &c[i];
	}
	return over && !*a;
}

static void secs(const struct tl_conn *c, char *out, size_t len)
{
	snprintf(out, len, "%.0f", c ? c->sock.expires_ms / 1000.0 : 0.0);
}

bool tl_labclock_line(struct tl_tracker *t, uint16_t port, const char *lang, struct tl_buf *out)
{
	const struct tl_conn *a, *b;
	bool over = tl_labclock_ends(t, port, &a, &b);
	char x[32], y[32];
	if (!a && !(over && b))
		return false;
	secs(a, x, sizeof(x));
	secs(b, y, sizeof(y));
	if (!a) {
		tl_narration_word(lang, TL_WORD_TW_OVER, y, NULL, out);
		return true;
	}
	tl_narration_word(lang, TL_WORD_TW_LEFT, x, NULL, out);
	if (b)
		tl_narration_word(lang, TL_WORD_FIN_AGAIN, y, NULL, out);
	return true;
}

void tl_labclock_ahead(struct tl_tracker *t, uint16_t port, bool late_fin, const char *lang,
		       struct tl_buf *out)
{
	const struct tl_conn *a = NULL, *b = NULL;
	bool over = late_fin && tl_labclock_ends(t, port, &a, &b);
	char x[32], y[32];
	secs(a, x, sizeof(x));
	secs(b, y, sizeof(y));
	tl_narration_word(lang, TL_WORD_NO_SKIP, NULL, NULL, out);
	if (a && b && b->sock.expires_ms < a->sock.expires_ms)
		tl_narration_word(lang, TL_WORD_SKIP_FIN, y, NULL, out);
	else if (a && b)
		tl_narration_word(lang, TL_WORD_SKIP_END, x, y, out);
	else if (b && over)
		tl_narration_word(lang, TL_WORD_SKIP_RST, y, NULL, out);
	else
		tl_narration_word(lang, TL_WORD_SKIP_STEPS, NULL, NULL, out);
}
