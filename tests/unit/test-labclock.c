/* The late-fin lesson's clocks: found by the run's client port, told from
 * the sockets' timers, in English and Chinese; "skip ahead" says what
 * comes next and never that the wait was cut. */
#include <string.h>
#include <sys/socket.h>

#include "tcpladder/labclock.h"
#include "tap.h"

#define SEC 1000000000ULL
#define PORT 45000

/* A's end (namespace 0) or B's (namespace 1) of the run, in state with
 * timer and expires_ms. */
static struct tl_sock end(bool b, uint64_t cookie, int state, uint8_t timer, uint32_t expires_ms)
{
	struct tl_sock s;
	memset(&s, 0, sizeof(s));
	s.cookie = cookie;
	s.family = AF_INET;
	s.state = (uint8_t)state;
	s.local[0] = s.remote[0] = 10;
	s.lport = b ? 80 : PORT;
	s.rport = b ? PORT : 80;
	s.timer = timer;
	s.expires_ms = expires_ms;
	return s;
}

static void sample(struct tl_tracker *t, unsigned ns, const struct tl_sock *socks, size_t n,
		   uint64_t now)
{
	struct tl_snapshot s;
	tl_snapshot_init(&s);
	for (size_t i = 0; i < n; i++)
		*tl_snapshot_add(&s) = socks[i];
	s.complete = true;
	tl_tracker_sample(t, ns, &s, now, (double)(now / SEC));
	tl_snapshot_fini(&s);
}

static const char *line(struct tl_tracker *t, const char *lang, bool *any)
{
	static struct tl_buf b;
	static bool init;
	if (!init)
		tl_buf_init(&b);
	init = true;
	tl_buf_reset(&b);
	*any = tl_labclock_line(t, PORT, lang, &b);
	return b.data ? b.data : "";
}

static const char *ahead(struct tl_tracker *t, bool late_fin)
{
	static struct tl_buf b;
	static bool init;
	if (!init)
		tl_buf_init(&b);
	init = true;
	tl_buf_reset(&b);
	tl_labclock_ahead(t, PORT, late_fin, "en", &b);
	return b.data ? b.data : "";
}

int main(void)
{
	struct tl_tracker *t = tl_tracker_new(2);
	bool any;
	const struct tl_conn *a, *b;

	line(t, "en", &any);
	ok(!any, "nothing watched: no clock");
	ok(strstr(ahead(t, true), "no skipping") && strstr(ahead(t, true), "link delays apart"),
	   "skip ahead before the lesson waits: no skipping, the steps are link delays apart");

	struct tl_sock sa = end(false, 1, TL_TCP_TIME_WAIT, 3, 30000);
	struct tl_sock sb = end(true, 2, TL_TCP_LAST_ACK, 1, 5000);
	sample(t, 0, &sa, 1, 1 * SEC);
	sample(t, 1, &sb, 1, 1 * SEC);
	ok(!tl_labclock_ends(t, PORT, &a, &b) && a && b && a->sock.cookie == 1 &&
	       b->sock.cookie == 2,
	   "both ends found by the client port");
	is_str(line(t, "en", &any),
	       "A's TIME-WAIT: 30 s left (each FIN from B starts it over); B sends its FIN again "
	       "in 5 s",
	       "the clock line");
	ok(any, "it says there is one");
	ok(strstr(line(t, "zh", &any), "还剩 30 秒") != NULL, "in Chinese");
	ok(strstr(ahead(t, true), "no skipping: the kernels' timers run in real time") &&
	       strstr(ahead(t, true), "next: B's FIN again in 5 s, which A answers from TIME-WAIT"),
	   "skip ahead: B's FIN comes first");
	ok(!strstr(ahead(t, false), "next: B"), "another lesson: no late-fin clock");

	/* B's timer backs off past A's: A's TIME-WAIT ends first */
	sb.expires_ms = 50000;
	sample(t, 1, &sb, 1, 2 * SEC);
	ok(strstr(ahead(t, true), "next: A's TIME-WAIT ends in 30 s; B's FIN again in 50 s") !=
	       NULL,
	   "skip ahead: A's TIME-WAIT ends first, then the RST (%s)", ahead(t, true));

	/* another client port: not the run's */
	struct tl_sock other = end(false, 3, TL_TCP_TIME_WAIT, 3, 10000);
	other.lport = PORT + 1;
	sample(t, 0, (struct tl_sock[]){sa, other}, 2, 3 * SEC);
	ok(tl_labclock_ends(t, PORT, &a, &b) == false && a && a->sock.cookie == 1,
	   "another connection's TIME-WAIT is not the lesson's");

	tl_tracker_free(t);
	return tap_done();
}
