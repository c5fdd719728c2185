/* The ladder model and its drawing: steps from scripted events (and from
 * the tracker on scripted snapshots), golden canvases in UTF-8 and ASCII.
 * TL_UPDATE_GOLDEN=1 rewrites the golden files instead of comparing
 * (golden.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tcpladder/fsm.h"
#include "tcpladder/ladder.h"
#include "tcpladder/ladderexport.h"
#include "tcpladder/ladderview.h"
#include "tcpladder/narration.h"
#include "tcpladder/tracker.h"
#include "golden.h"
#include "tap.h"

#define MS 1000000ULL
#define T0 (500 * 1000 * MS)

enum { A_ID = 7, B_ID = 8 };

struct script {
	struct tl_event ev[64];
	size_t n;
};

static struct tl_sock sock_of(int side, int state)
{
	struct tl_sock s;
	memset(&s, 0, sizeof(s));
	s.family = AF_INET;
	s.state = (uint8_t)state;
	s.local[0] = s.remote[0] = 10;
	s.local[3] = side ? 2 : 1;
	s.remote[3] = side ? 1 : 2;
	s.lport = side ? 80 : 45000;
	s.rport = side ? 45000 : 80;
	s.cookie = side ? 0x200 : 0x100;
	return s;
}

/* One event of side 0 (A, conn 7) or 1 (B, conn 8); the fsm fills in the
 * segment, direction and explanation. */
static struct tl_event *E(struct script *sc, int side, int from, int to, bool inferred, uint64_t ms)
{
	struct tl_event *e = &sc->ev[sc->n++];
	int role = side ? TL_ROLE_PASSIVE : TL_ROLE_ACTIVE;
	memset(e, 0, sizeof(*e));
	e->mono_ns = T0 + ms * MS;
	e->wall = 1764064800.0 + (double)ms / 1000;
	e->conn = side ? B_ID : A_ID;
	e->peer = side ? A_ID : B_ID;
	e->kind = from == 0 ? TL_EV_OPEN : to == TL_TCP_CLOSE ? TL_EV_CLOSE : TL_EV_TRANSITION;
	e->from = (uint8_t)from;
	e->to = (uint8_t)to;
	e->role = (uint8_t)role;
	e->inferred = inferred;
	int f = from ? from : side ? TL_TCP_LISTEN : TL_TCP_CLOSE;
	const struct tl_fsm_edge *edge = tl_fsm_edge(f, to, (enum tl_role)role);
	if (edge) {
		e->segment = edge->segment;
		e->dir = edge->dir;
		e->why = edge->why;
	}
	e->sock = sock_of(side, to);
	return e;
}

static void info(struct tl_event *e, uint64_t acked, uint64_t rcvd, uint32_t out, uint32_t in)
{
	e->sock.flags |= TL_SOCK_HAS_INFO;
	e->sock.info.have =
	    TL_INFO_RTT | TL_INFO_BYTES_ACKED | TL_INFO_BYTES_RECEIVED | TL_INFO_SEGS;
	e->sock.info.rtt_us = 300250;
	e->sock.info.bytes_acked = acked;
	e->sock.info.bytes_received = rcvd;
	e->sock.info.segs_out = out;
	e->sock.info.segs_in = in;
}

static void handshake(struct script *sc, bool with_b)
{
	struct tl_event *e;
	e = E(sc, 0, 0, TL_TCP_SYN_SENT, false, 0);
	if (with_b)
		E(sc, 1, 0, TL_TCP_SYN_RECV, false, 310);
	e = E(sc, 0, TL_TCP_SYN_SENT, TL_TCP_ESTABLISHED, false, 612);
	info(e, 0, 0, 2, 1);
	if (with_b) {
		e = E(sc, 1, TL_TCP_SYN_RECV, TL_TCP_ESTABLISHED, false, 915);
		info(e, 0, 0, 1, 2);
	}
}

/* The whole life, the client closing first. */
static void full_life(struct script *sc, bool with_b)
{
	struct tl_event *e;
	sc->n = 0;
	handshake(sc, with_b);
	e = E(sc, 0, TL_TCP_ESTABLISHED, TL_TCP_FIN_WAIT1, false, 5000);
	info(e, 4200, 12800, 14, 17);
	if (with_b) {
		e = E(sc, 1, TL_TCP_ESTABLISHED, TL_TCP_CLOSE_WAIT, false, 5300);
		info(e, 12800, 4201, 17, 15);
	}
	E(sc, 0, TL_TCP_FIN_WAIT1, TL_TCP_FIN_WAIT2, false, 5600);
	if (with_b)
		E(sc, 1, TL_TCP_CLOSE_WAIT, TL_TCP_LAST_ACK, false, 7000);
	e = E(sc, 0, TL_TCP_FIN_WAIT2, TL_TCP_TIME_WAIT, false, 7300);
	e->sock.timer = 3;
	e->sock.expires_ms = 60000;
	if (with_b)
		E(sc, 1, TL_TCP_LAST_ACK, TL_TCP_CLOSE, false, 7600);
}

/* Steps as text: "LABEL A>B[~] A:STATE[~] B:STATE[~] | dialogue". */
static const char *steps(const struct tl_ladder *l, const char *lang)
{
	static struct tl_buf b;
	if (!b.data)
		tl_buf_init(&b);
	tl_buf_reset(&b);
	for (size_t i = 0; i < tl_ladder_steps(l); i++) {
		const struct tl_ladder_step *s = tl_ladder_step(l, i);
		tl_narration_label(tl_ladder_step(l, i), &b);
		if (s->kind != TL_LADDER_STATE)
			tl_buf_puts(&b, s->from == 0 ? " A>B" : s->from == 1 ? " B>A" : " ?");
		tl_buf_puts(&b, s->inferred ? "~" : "");
		for (int x = 0; x < 2; x++)
			if (s->side[x].change)
				tl_buf_printf(&b, " %c:%s%s", x ? 'B' : 'A',
					      tl_tcp_state_name(s->side[x].change),
					      s->side[x].inferred ? "~" : "");
		if (s->line) {
			tl_buf_puts(&b, " | ");
			tl_narration_dialogue(tl_ladder_step(l, i), lang, &b);
		}
		tl_buf_puts(&b, "\n");
	}
	return b.data ? b.data : "";
}

static void compare(const char *name, const struct tl_buf *b)
{
	char file[256];
	snprintf(file, sizeof(file), "ladder-%s", name);
	golden_ok(b->data, b->len, file, "golden ladder-%s", name);
}

static void golden(const char *name, const struct tl_ladder *l, int w, int h, bool ascii,
		   const struct tl_ladder_view *v)
{
	struct tl_canvas c;
	struct tl_buf b;
	tl_canvas_init(&c, w, h, ascii ? &tl_glyphs_ascii : &tl_glyphs_utf8);
	tl_ladder_draw(l, &c, 0, 0, w, h, v);
	tl_buf_init(&b);
	tl_canvas_dump(&c, &b);
	compare(name, &b);
	tl_buf_fini(&b);
	tl_canvas_fini(&c);
}

static bool canvas_has_style(const struct tl_canvas *c, int style)
{
	for (int i = 0; i < c->w * c->h; i++)
		if (c->cells[i].style == style)
			return true;
	return false;
}

static char *render(const struct tl_ladder *l, int w, int h, const struct tl_ladder_view *v)
{
	struct tl_canvas c;
	struct tl_buf b;
	tl_canvas_init(&c, w, h, &tl_glyphs_utf8);
	tl_ladder_draw(l, &c, 0, 0, w, h, v);
	tl_buf_init(&b);
	tl_canvas_dump(&c, &b);
	tl_canvas_fini(&c);
	return b.data;
}

static void test_full_life(void)
{
	struct script sc;
	struct tl_ladder *l = tl_ladder_new();
	full_life(&sc, true);
	tl_ladder_build_events(l, sc.ev, sc.n, A_ID, B_ID);
	is_int(tl_ladder_steps(l), 9, "full life: 9 steps");
	is_str(steps(l, "en"),
	       "SYN A>B A:SYN-SENT B:SYN-RECV | A: Hello, I'm A\n"
	       "SYN+ACK B>A A:ESTABLISHED | B: Hello A, I'm B\n"
	       "ACK A>B B:ESTABLISHED | A: Hello B\n"
	       "data 4.1 KB A>B\n"
	       "data 12.5 KB B>A\n"
	       "FIN A>B A:FIN-WAIT-1 B:CLOSE-WAIT | A: B, I'm done sending\n"
	       "ACK B>A A:FIN-WAIT-2 | B: Oh, you're done. Got it\n"
	       "FIN B>A A:TIME-WAIT B:LAST-ACK | B: Then I'm done too. Bye\n"
	       "ACK A>B B:CLOSED | A: OK, bye\n",
	       "full life: arrows, states and the dialogue");
	is_str(steps(l, "zh"),
	       "SYN A>B A:SYN-SENT B:SYN-RECV | A：你好，我是 A\n"
	       "SYN+ACK B>A A:ESTABLISHED | B：A 你好，我是 B\n"
	       "ACK A>B B:ESTABLISHED | A：B 你好\n"
	       "data 4.1 KB A>B\n"
	       "data 12.5 KB B>A\n"
	       "FIN A>B A:FIN-WAIT-1 B:CLOSE-WAIT | A：B，我这边发完了\n"
	       "ACK B>A A:FIN-WAIT-2 | B：哦，你发完了。收到\n"
	       "FIN B>A A:TIME-WAIT B:LAST-ACK | B：那我也发完了。再见\n"
	       "ACK A>B B:CLOSED | A：好的，再见\n",
	       "the dialogue in Chinese");
	ok(tl_ladder_known(l, 0) && tl_ladder_known(l, 1), "both ends known");
	is_str(tl_ladder_addr(l, 0), "10.0.0.1:45000", "A's address");
	is_str(tl_ladder_addr(l, 1), "10.0.0.2:80", "B's address");
	is_int(tl_ladder_newest(l), 8, "the newest arrow is the last ACK");
	const struct tl_ladder_step *s = tl_ladder_step(l, 1);
	ok(s->side[0].before == TL_TCP_SYN_SENT && s->side[0].after == TL_TCP_ESTABLISHED &&
	       s->side[1].before == TL_TCP_SYN_RECV && s->side[1].after == TL_TCP_SYN_RECV,
	   "each side's state before and after a step");
	is_int(s->mono_ns - T0, 310 * MS, "SYN+ACK leaves when B enters SYN-RECV");

	/* The same connection built with conn ids swapped: roles decide. */
	struct tl_ladder *l2 = tl_ladder_new();
	tl_ladder_build_events(l2, sc.ev, sc.n, B_ID, A_ID);
	char *one = tl_strdup(steps(l, "en"));
	is_str(steps(l2, "en"), one, "building from the passive end gives the same ladder");
	free(one);
	tl_ladder_free(l2);

	/* The evlog path. */
	struct tl_evlog log;
	tl_evlog_init(&log, 8);
	for (size_t i = 0; i < sc.n; i++)
		tl_evlog_add(&log, &sc.ev[i]);
	l2 = tl_ladder_new();
	tl_ladder_build(l2, &log, A_ID, B_ID);
	ok(tl_ladder_steps(l2) < 9 && tl_ladder_steps(l2) > 0,
	   "from a ring that lost the start: what is left (%zu steps)", tl_ladder_steps(l2));
	tl_ladder_free(l2);
	tl_evlog_fini(&log);

	struct tl_ladder_view v = {
	    .selected = -1, .mark = -1, .anim = 1, .lang = "en", .now = T0 + 17300 * MS};
	golden("full-80x24", l, 80, 24, false, &v);
	golden("full-80x24-ascii", l, 80, 24, true, &v);
	v.selected = 5;
	golden("full-120x40", l, 120, 40, false, &v);
	golden("full-120x40-ascii", l, 120, 40, true, &v);
	v.selected = 1;
	golden("full-40x12", l, 40, 12, false, &v);
	golden("full-40x12-ascii", l, 40, 12, true, &v);
	v.lang = "zh";
	v.selected = 6;
	golden("full-120x40-zh", l, 120, 40, false, &v);
	golden("full-80x24-zh-ascii", l, 80, 24, true, &v);

	/* Selection and mark: the time between. */
	v.lang = "en";
	v.selected = 7;
	v.mark = 0;
	char *txt = render(l, 120, 40, &v);
	if (!ok(strstr(txt, "7.000 s after the mark (step 1)") != NULL,
		"the time between mark and selection"))
		printf("# got:\n%s", txt);
	ok(strstr(txt, "A: FIN-WAIT-2 \xe2\x86\x92 TIME-WAIT") != NULL,
	   "each side before and after");
	ok(strstr(txt, "rtt 300.25 ms") != NULL, "counters in the pane");
	ok(strstr(txt, "A TIME-WAIT 50s left") != NULL, "TIME-WAIT clock from the socket timer");
	free(txt);

	/* Explain. */
	v.mark = -1;
	v.explain = true;
	v.selected = 2;
	golden("explain-120x40", l, 120, 40, false, &v);
	struct tl_buf b;
	tl_buf_init(&b);
	tl_narration_explain(tl_ladder_step(l, 2), "en", &b);
	ok(strstr(b.data, "delayed duplicate SYN") && strstr(b.data, "both directions work"),
	   "the handshake: why three, not two or four");
	tl_buf_reset(&b);
	tl_narration_explain(tl_ladder_step(l, 5), "en", &b);
	ok(strstr(b.data, "CLOSE-WAIT") && strstr(b.data, "has not called close()") &&
	       strstr(b.data, "Why four segments"),
	   "CLOSE-WAIT: a long one means no close(); and why four");
	tl_buf_reset(&b);
	tl_narration_explain(tl_ladder_step(l, 7), "en", &b);
	ok(strstr(b.data, "2 MSL") && strstr(b.data, "60 s"), "TIME-WAIT: 2 MSL, 60 s on Linux");
	tl_buf_reset(&b);
	tl_narration_explain(tl_ladder_step(l, 7), "zh", &b);
	ok(strstr(b.data, "为什么要 TIME-WAIT") != NULL, "explained in Chinese");
	tl_buf_fini(&b);

	/* Animation: the newest arrow half way, the receiver not yet changed. */
	v.explain = false;
	v.selected = -1;
	v.scroll = 9;
	v.anim = 0.5;
	golden("anim-half-80x24", l, 80, 24, false, &v);
	char *half = render(l, 80, 24, &v);
	v.anim = 1;
	char *full = render(l, 80, 24, &v);
	ok(strcmp(half, full) != 0, "anim 0.5 and 1 differ");
	ok(!strstr(half, "\xe2\x94\x82 CLOSED") && strstr(full, "\xe2\x94\x82 CLOSED"),
	   "the receiver's new state shows only when the segment lands");
	free(half);
	free(full);

	/* Styles: selection and (with B derived) inferred. */
	struct tl_canvas c;
	tl_canvas_init(&c, 80, 24, &tl_glyphs_utf8);
	v.selected = 0;
	v.scroll = 0;
	tl_ladder_draw(l, &c, 0, 0, 80, 24, &v);
	ok(canvas_has_style(&c, TL_ST_SELECTED), "the selected step is highlighted");
	ok(!canvas_has_style(&c, TL_ST_INFERRED), "all observed: nothing drawn as inferred");
	tl_canvas_fini(&c);

	/* Too small. */
	tl_canvas_init(&c, 30, 8, &tl_glyphs_utf8);
	tl_ladder_draw(l, &c, 0, 0, 30, 8, &v);
	tl_buf_init(&b);
	tl_canvas_dump(&c, &b);
	ok(strstr(b.data, "ladder needs 40x12, has 30x8") != NULL,
	   "below 40x12: a one-line note, with the pane's own size");
	tl_buf_fini(&b);
	tl_canvas_fini(&c);

	/* Scroll keeps the selection visible. */
	v.selected = 8;
	v.scroll = 0;
	ok(tl_ladder_fit_scroll(l, 80, 24, &v) > 0, "scrolled to show the last step");

	/* Headless text. */
	tl_buf_init(&b);
	tl_ladder_text(l, 80, "en", false, &b);
	compare("text-full", &b);
	tl_buf_reset(&b);
	tl_ladder_text(l, 80, "zh", true, &b);
	compare("text-full-ascii", &b);
	ok(strstr(b.data, "Hello, I'm A") != NULL, "ASCII cannot show Chinese: English instead");
	tl_buf_fini(&b);
	tl_ladder_free(l);
}

static void test_server_closes(void)
{
	struct script sc = {.n = 0};
	struct tl_ladder *l = tl_ladder_new();
	/* First seen in mid-life: both ESTABLISHED. */
	E(&sc, 1, TL_TCP_ESTABLISHED, TL_TCP_FIN_WAIT1, true, 1000);
	E(&sc, 1, TL_TCP_FIN_WAIT1, TL_TCP_FIN_WAIT2, false, 1000);
	E(&sc, 0, TL_TCP_ESTABLISHED, TL_TCP_CLOSE_WAIT, false, 1000);
	E(&sc, 0, TL_TCP_CLOSE_WAIT, TL_TCP_LAST_ACK, false, 31000);
	E(&sc, 1, TL_TCP_FIN_WAIT2, TL_TCP_TIME_WAIT, false, 31200);
	E(&sc, 0, TL_TCP_LAST_ACK, TL_TCP_CLOSE, true, 31200);
	E(&sc, 1, TL_TCP_TIME_WAIT, TL_TCP_CLOSE, false, 91200);
	tl_ladder_build_events(l, sc.ev, sc.n, A_ID, B_ID);
	is_str(steps(l, "en"),
	       "FIN B>A A:CLOSE-WAIT B:FIN-WAIT-1~ | B: A, I'm done sending\n"
	       "ACK A>B B:FIN-WAIT-2 | A: Oh, you're done. Got it\n"
	       "FIN A>B A:LAST-ACK B:TIME-WAIT | A: Then I'm done too. Bye\n"
	       "ACK B>A A:CLOSED~ | B: OK, bye\n"
	       "TIME-WAIT expired (2 MSL, 60 s on Linux) B:CLOSED\n",
	       "server closes first: the dialogue mirrored; TIME-WAIT on B");
	is_int(tl_ladder_step(l, 0)->side[0].before, TL_TCP_ESTABLISHED, "mid-life start state");
	ok(!tl_ladder_step(l, 3)->inferred,
	   "an arrow implied by one observed change (B's TIME-WAIT) is observed");
	struct tl_ladder_view v = {
	    .selected = 3, .mark = -1, .anim = 1, .lang = "en", .now = T0 + 21000 * MS};
	golden("server-80x24", l, 80, 24, false, &v);
	golden("server-80x24-ascii", l, 80, 24, true, &v);
	tl_ladder_free(l);

	/* A CLOSE-WAIT that lasts: its clock. */
	sc.n = 0;
	E(&sc, 1, TL_TCP_ESTABLISHED, TL_TCP_FIN_WAIT1, true, 1000);
	E(&sc, 1, TL_TCP_FIN_WAIT1, TL_TCP_FIN_WAIT2, false, 1000);
	E(&sc, 0, TL_TCP_ESTABLISHED, TL_TCP_CLOSE_WAIT, false, 1000);
	l = tl_ladder_new();
	tl_ladder_build_events(l, sc.ev, sc.n, A_ID, B_ID);
	v.now = T0 + (1000 + 130000) * MS;
	v.selected = 1;
	char *txt = render(l, 120, 40, &v);
	ok(strstr(txt, "for 2m10s") != NULL, "CLOSE-WAIT shows how long it has lasted");
	free(txt);
	tl_ladder_free(l);
}

/* B's TIME-WAIT taken over: A connects again from the same port, and its
 * SYN ends B's TIME-WAIT (the listener answers it, for a new
 * connection).  Neither end of this connection changes state for it but
 * B, to CLOSED; A's column, derived or watched, stays CLOSED. */
static void reused_end(struct script *sc, bool with_a)
{
	sc->n = 0;
	E(sc, 1, TL_TCP_ESTABLISHED, TL_TCP_FIN_WAIT1, true, 1000);
	E(sc, 1, TL_TCP_FIN_WAIT1, TL_TCP_FIN_WAIT2, false, 1000);
	if (with_a) {
		E(sc, 0, TL_TCP_ESTABLISHED, TL_TCP_CLOSE_WAIT, false, 1000);
		E(sc, 0, TL_TCP_CLOSE_WAIT, TL_TCP_LAST_ACK, false, 1200);
	}
	E(sc, 1, TL_TCP_FIN_WAIT2, TL_TCP_TIME_WAIT, false, 1200);
	if (with_a)
		E(sc, 0, TL_TCP_LAST_ACK, TL_TCP_CLOSE, true, 1200);
	struct tl_event *e = E(sc, 1, TL_TCP_TIME_WAIT, TL_TCP_CLOSE, false, 3000);
	const struct tl_fsm_edge *edge = tl_fsm_reuse_edge(TL_DIR_IN);
	e->segment = edge->segment;
	e->dir = edge->dir;
	e->why = edge->why;
}

static void test_tw_reused(void)
{
	struct script sc;
	struct tl_ladder *l = tl_ladder_new();
	const char *want = "FIN B>A A:CLOSE-WAIT B:FIN-WAIT-1~ | B: A, I'm done sending\n"
			   "ACK A>B B:FIN-WAIT-2 | A: Oh, you're done. Got it\n"
			   "FIN A>B A:LAST-ACK B:TIME-WAIT | A: Then I'm done too. Bye\n"
			   "ACK B>A A:CLOSED~ | B: OK, bye\n"
			   "SYN A>B B:CLOSED | A: Hello again: a new connection on these ports\n";
	reused_end(&sc, true);
	tl_ladder_build_events(l, sc.ev, sc.n, A_ID, B_ID);
	is_str(steps(l, "en"), want,
	       "a SYN into B's TIME-WAIT: B closes, no SYN+ACK, A's states untouched");
	ok(tl_ladder_final_state(l, 0) == TL_TCP_CLOSE && tl_ladder_final_state(l, 1) == TL_TCP_CLOSE,
	   "both ends end CLOSED");
	ok(strstr(steps(l, "zh"), "又见面了") != NULL, "its line in Chinese");
	struct tl_ladder_view v = {.selected = 4, .mark = -1, .anim = 1, .lang = "en"};
	golden("tw-reused-80x24", l, 80, 24, false, &v);
	tl_ladder_free(l);

	/* B alone: A's SYN derived, and no SYN-SENT invented for A. */
	l = tl_ladder_new();
	reused_end(&sc, false);
	tl_ladder_build_events(l, sc.ev, sc.n, B_ID, 0);
	is_str(steps(l, "en"),
	       "FIN B>A~ A:CLOSE-WAIT~ B:FIN-WAIT-1~ | B: A, I'm done sending\n"
	       "ACK A>B B:FIN-WAIT-2 | A: Oh, you're done. Got it\n"
	       "FIN A>B A:LAST-ACK~ B:TIME-WAIT | A: Then I'm done too. Bye\n"
	       "ACK B>A A:CLOSED~ | B: OK, bye\n"
	       "SYN A>B B:CLOSED | A: Hello again: a new connection on these ports\n",
	       "A derived from B: its SYN sent, no state of the new connection");
	tl_ladder_free(l);
}

static void test_rst(void)
{
	struct script sc = {.n = 0};
	struct tl_ladder *l = tl_ladder_new();
	handshake(&sc, true);
	E(&sc, 0, TL_TCP_ESTABLISHED, TL_TCP_CLOSE, false, 3000);
	E(&sc, 1, TL_TCP_ESTABLISHED, TL_TCP_CLOSE, false, 3000);
	tl_ladder_build_events(l, sc.ev, sc.n, A_ID, B_ID);
	is_int(tl_ladder_steps(l), 4, "handshake and one RST");
	is_str(tl_ladder_step(l, 3) ? (tl_ladder_step(l, 3)->from < 0 ? "unknown" : "known") : "",
	       "unknown",
	       "an RST seen on both ends with no direction: one arrow, direction unknown");
	struct tl_buf b;
	tl_buf_init(&b);
	tl_narration_label(tl_ladder_step(l, 3), &b);
	is_str(b.data, "RST (direction unknown)", "its label");
	tl_buf_reset(&b);
	tl_narration_explain(tl_ladder_step(l, 3), "en", &b);
	ok(strstr(b.data, "RST resets the connection") != NULL, "what an RST means");
	tl_buf_fini(&b);
	struct tl_ladder_view v = {.selected = 3, .mark = 1, .anim = 1, .lang = "en"};
	golden("rst-80x24", l, 80, 24, false, &v);

	/* A reset with a known direction, one end watched. */
	sc.n = 0;
	handshake(&sc, false);
	struct tl_event *e = E(&sc, 0, TL_TCP_ESTABLISHED, TL_TCP_CLOSE, false, 4000);
	e->dir = TL_DIR_IN;
	tl_ladder_build_events(l, sc.ev, sc.n, A_ID, 0);
	is_str(steps(l, "en"),
	       "SYN A>B A:SYN-SENT B:SYN-RECV~ | A: Hello, I'm A\n"
	       "SYN+ACK B>A A:ESTABLISHED | B: Hello A, I'm B\n"
	       "ACK A>B B:ESTABLISHED~ | A: Hello B\n"
	       "RST B>A A:CLOSED B:CLOSED~ | B: Reset! Drop it all\n",
	       "an RST received by A was sent by B");
	golden("rst-one-end-80x24-ascii", l, 80, 24, true, &v);
	tl_ladder_free(l);
}

/* The model's accessors the drawing reads, and the narration's numbers
 * and clocks, on the full life seen from A alone. */
static void check_accessors(const struct tl_ladder *l)
{
	is_int(tl_ladder_first_state(l, 0), 0, "A starts unknown (opened in view)");
	is_int(tl_ladder_final_state(l, 0), TL_TCP_TIME_WAIT, "A ends in TIME-WAIT");
	/* A's last ACK may not have arrived: nothing A knows says it did */
	is_int(tl_ladder_final_state(l, 1), TL_TCP_LAST_ACK, "derived B ends in LAST-ACK");
	is_int(tl_ladder_elapsed(l, 0), 0, "the first step is at +0");
	is_int(tl_ladder_elapsed(l, 5), 5000 * MS, "the FIN at +5 s");
	is_int(tl_ladder_elapsed(l, 99), 0, "past the end: 0");
	ok(tl_ladder_step(l, 99) == NULL, "no step past the end");
	struct tl_ladder_last last;
	ok(tl_ladder_last(l, 0, &last) && last.state == TL_TCP_TIME_WAIT && last.timer == 3 &&
	       last.expires_ms == 60000 && last.mono_ns == T0 + 7300 * MS,
	   "A's last change: TIME-WAIT with its timer");
	ok(!tl_ladder_last(l, 1, &last), "a derived side has no clock");

	struct tl_buf b;
	tl_buf_init(&b);
	tl_ladder_last(l, 0, &last);
	ok(tl_narration_clock(&last, T0 + 17300 * MS, "en", &b), "a TIME-WAIT clock");
	is_str(b.data, "50s left", "TIME-WAIT: the time left");
	tl_buf_reset(&b);
	tl_narration_clock(&last, T0 + 17300 * MS, "zh", &b);
	is_str(b.data, "剩 50s", "in Chinese");
	tl_buf_reset(&b);
	ok(!tl_narration_clock(&last, 0, "en", &b) && !b.len, "no time, no clock");
	last.state = TL_TCP_CLOSE_WAIT;
	tl_narration_clock(&last, T0 + (7300 + 3725000) * MS, "en", &b);
	is_str(b.data, "for 1h02m", "CLOSE-WAIT: how long");
	tl_buf_reset(&b);
	tl_narration_label(NULL, &b);
	tl_narration_dialogue(NULL, "en", &b);
	tl_narration_explain(NULL, "zh", &b);
	is_int(b.len, 0, "no step, no words");
	tl_buf_fini(&b);

	char t[32];
	tl_narration_bytes(512, t, sizeof(t));
	is_str(t, "512 B", "bytes");
	tl_narration_bytes(3 * 1024 * 1024 + 512 * 1024, t, sizeof(t));
	is_str(t, "3.5 MB", "megabytes");
	tl_narration_elapsed(125300 * MS, t, sizeof(t));
	is_str(t, "+125.3s", "elapsed past 100 s: one decimal");
}

/* Times never go backwards down the ladder, and a sampled time is shown
 * as a bound: B's changes were seen at 0, A's at 419 ms, yet A's SYN
 * comes first. */
static void test_times(void)
{
	struct script sc;
	struct tl_ladder *l = tl_ladder_new();
	struct tl_buf b;
	sc.n = 0;
	E(&sc, 1, 0, TL_TCP_SYN_RECV, true, 0);
	E(&sc, 1, TL_TCP_SYN_RECV, TL_TCP_ESTABLISHED, false, 0);
	E(&sc, 0, 0, TL_TCP_SYN_SENT, true, 419);
	E(&sc, 0, TL_TCP_SYN_SENT, TL_TCP_ESTABLISHED, false, 419);
	tl_ladder_build_events(l, sc.ev, sc.n, A_ID, B_ID);
	bool mono = tl_ladder_steps(l) > 2;
	for (size_t i = 1; i < tl_ladder_steps(l); i++)
		mono &= tl_ladder_elapsed(l, i) >= tl_ladder_elapsed(l, i - 1);
	ok(mono, "times never go backwards (%zu steps)", tl_ladder_steps(l));
	tl_buf_init(&b);
	tl_ladder_text(l, 100, "en", false, &b);
	ok(strstr(b.data, "≤+0.") && !strstr(b.data, "\n+0."),
	   "sampled times are bounds: '≤+0...'");
	tl_buf_reset(&b);
	tl_ladder_text(l, 100, "en", true, &b);
	ok(strstr(b.data, "<=+0."), "in ASCII: '<=+0...'");
	tl_buf_fini(&b);
	tl_ladder_free(l);
}

/* Honest times: a sampled step is the window between the samples around
 * it, an exact one a time, and neither goes backwards down the ladder. */
static void test_windows(void)
{
	struct script sc;
	struct tl_ladder *l = tl_ladder_new();
	struct tl_buf b;
	uint64_t lo, hi;
	sc.n = 0;
	E(&sc, 0, 0, TL_TCP_SYN_SENT, false, 400)->after_ns = T0 + 100 * MS;
	E(&sc, 0, TL_TCP_SYN_SENT, TL_TCP_ESTABLISHED, false, 960)->after_ns = T0 + 440 * MS;
	E(&sc, 0, TL_TCP_ESTABLISHED, TL_TCP_FIN_WAIT1, false, 2000)->after_ns = T0 + 2000 * MS;
	tl_ladder_build_events(l, sc.ev, sc.n, A_ID, 0);
	is_int(tl_ladder_window(l, 0, &lo, &hi), 0, "a sampled step is a window");
	ok(lo == 0 && hi == 300 * MS, "from the ladder's origin: 0 to 0.3 s");
	tl_buf_init(&b);
	tl_ladder_text(l, 100, "en", false, &b);
	ok(strstr(b.data, " +0.0…0.3s ") != NULL, "drawn '+0.0…0.3s'");
	ok(strstr(b.data, " +0.3…0.9s ") != NULL, "a window rounded outwards: '+0.3…0.9s'");
	ok(strstr(b.data, " +1.900s ") != NULL && !strstr(b.data, "≤+1.900s"),
	   "an exact time drawn as such: '+1.900s'");
	tl_buf_reset(&b);
	tl_ladder_text(l, 100, "en", true, &b);
	ok(strstr(b.data, "+0.0..0.3s ") != NULL, "in ASCII: '+0.0..0.3s'");
	if (!ok(!strstr(b.data, "\xe2"), "nothing but ASCII"))
		printf("# got:\n%s", b.data);
	/* the pane says which */
	struct tl_ladder_view v = {.selected = 0, .mark = -1, .anim = 1, .lang = "en"};
	char *txt = render(l, 120, 30, &v);
	ok(strstr(txt, "between +0.000s and +0.300s") != NULL, "the pane: between two samples");
	free(txt);
	v.selected = (int)tl_ladder_steps(l) - 1;
	txt = render(l, 120, 30, &v);
	ok(strstr(txt, "at +1.900s exactly") != NULL, "the pane: exact");
	free(txt);
	v.mark = 0;
	txt = render(l, 120, 30, &v);
	if (!ok(strstr(txt, "between 1.600 and 1.900 s after the") != NULL,
		"a marked interval from a window is a window"))
		printf("# got:\n%s", txt);
	free(txt);
	/* a window above an exact time: the lower bound never goes back */
	sc.n = 0;
	E(&sc, 0, 0, TL_TCP_SYN_SENT, false, 400)->after_ns = T0 + 300 * MS;
	E(&sc, 0, TL_TCP_SYN_SENT, TL_TCP_ESTABLISHED, false, 900)->after_ns = T0 + 100 * MS;
	tl_ladder_build_events(l, sc.ev, sc.n, A_ID, 0);
	bool mono = true;
	for (size_t i = 1; i < tl_ladder_steps(l); i++)
		mono &= tl_ladder_step(l, i)->after_ns >= tl_ladder_step(l, i - 1)->after_ns;
	ok(mono, "windows' starts never go backwards");
	tl_buf_fini(&b);
	tl_ladder_free(l);
}

/* A segment of the lab's link, A (0) to B or B (1) to A. */
static void link_seg(struct tl_steps *st, int from, uint8_t flags, uint32_t seq, uint32_t ack,
		     uint64_t ms, bool dropped, uint64_t stale_ms)
{
	struct tl_link_seg g;
	memset(&g, 0, sizeof(g));
	g.mono_ns = T0 + ms * MS;
	g.wall = 1764064800.0 + (double)ms / 1000;
	g.from = (int8_t)from;
	g.dropped = dropped;
	g.stale_ns = stale_ms * MS;
	g.pkt.tcp = true;
	g.pkt.sport = from ? 80 : 45000;
	g.pkt.dport = from ? 45000 : 80;
	g.pkt.flags = flags;
	g.pkt.seq = seq;
	g.pkt.ack = ack;
	tl_steps_link(st, &g);
}

/* Each end's sampled event, a window from `after` to `ms`. */
static void W(struct script *sc, int side, int from, int to, uint64_t after, uint64_t ms)
{
	E(sc, side, from, to, false, ms)->after_ns = T0 + after * MS;
}

/* dup-syn as the kernels played it: the stale SYN reaches B while A's
 * socket of the same ports is in TIME-WAIT.  B answers SYN+ACK from
 * SYN-RECV; A's TIME-WAIT answers with its old connection's ACK; B's
 * kernel refuses that with an RST (its request stays), which ends A's
 * TIME-WAIT; B's SYN+ACK timer sends it again; A, with no socket now,
 * refuses it with an RST; B drops the request.  A's column is A's own
 * socket's, told in that order. */
static void test_link_dup_syn_tw(void)
{
	struct script sc;
	struct tl_steps *st = tl_steps_new(0);
	struct tl_ladder *l = tl_ladder_new();
	struct tl_buf b;
	enum { SYN = 2, ACK = 16, RST = 4, FIN = 1 };
	tl_buf_init(&b);
	sc.n = 0;
	/* A's earlier connection, into TIME-WAIT (another id than B's request) */
	W(&sc, 0, TL_TCP_FIN_WAIT2, TL_TCP_TIME_WAIT, 4900, 5000);
	W(&sc, 1, 0, TL_TCP_SYN_RECV, 20300, 20400);
	struct tl_event *e = E(&sc, 0, TL_TCP_TIME_WAIT, TL_TCP_CLOSE, false, 21000);
	e->after_ns = T0 + 20900 * MS;
	e->segment = TL_SEG_RST;
	e->dir = TL_DIR_IN;
	e->why = "receive RST: TIME-WAIT ended early (RFC 1337)";
	e = E(&sc, 1, TL_TCP_SYN_RECV, TL_TCP_CLOSE, false, 22000);
	e->after_ns = T0 + 21900 * MS;
	e->segment = TL_SEG_NONE;
	e->dir = TL_DIR_NONE;
	e->why = "request dropped (an RST came, or the SYN+ACK retries ran out)";
	for (size_t i = 0; i < sc.n; i++) {
		if (sc.ev[i].conn == B_ID)
			sc.ev[i].peer = 0; /* nothing to pair with: A's socket is the old one's */
		tl_steps_add(st, &sc.ev[i]);
	}
	link_seg(st, 0, SYN, 1000, 0, 50, false, 0);
	link_seg(st, 0, FIN | ACK, 1008, 9001, 4500, false, 0);
	link_seg(st, 0, SYN, 1000, 0, 20000, false, 19950);
	link_seg(st, 1, SYN | ACK, 5000, 1001, 20350, false, 0);
	link_seg(st, 0, ACK, 1009, 9002, 20650, false, 0);
	link_seg(st, 1, RST, 9002, 0, 20950, false, 0);
	link_seg(st, 1, SYN | ACK, 5000, 1001, 21350, false, 0);
	link_seg(st, 0, RST, 1001, 0, 21650, false, 0);
	tl_ladder_build_steps(l, st, B_ID, 0);
	is_str(
	    steps(l, "en"),
	    "stale SYN A>B B:SYN-RECV\n"
	    "SYN+ACK B>A | B: Hello A, I'm B\n"
	    "ACK A>B | A: Not mine: our old connection's ACK\n"
	    "RST B>A A:CLOSED | B: No connection of mine expects that. Reset\n"
	    "SYN+ACK again B>A | B: Hello A, I'm B\n"
	    "RST A>B | A: No connection of mine expects that. Reset\n"
	    "request dropped (an RST came, or the SYN+ACK retries ran out) B:CLOSED\n",
	    "dup-syn over TIME-WAIT: what each kernel did, in the link's order, and who said it");
	ok(tl_ladder_known(l, 0) && tl_ladder_first_state(l, 0) == TL_TCP_TIME_WAIT &&
	       tl_ladder_final_state(l, 0) == TL_TCP_CLOSE &&
	       !strcmp(tl_ladder_addr(l, 0), "10.0.0.1:45000"),
	   "A's column is A's own socket: TIME-WAIT when the copy came, CLOSED by B's RST");
	ok(strstr(steps(l, "zh"), "A：不是我的：这是我们旧连接的 ACK") &&
	       strstr(steps(l, "zh"), "B：我这里没有连接在等这个。重置"),
	   "the lines in Chinese");
	{
		struct tl_canvas c;
		struct tl_ladder_view v = {.selected = 0, .mark = -1, .anim = 1, .lang = "en"};
		tl_canvas_init(&c, 80, 24, &tl_glyphs_utf8);
		for (int sel = 0; sel < (int)tl_ladder_steps(l); sel++) {
			v.selected = sel;
			tl_ladder_draw(l, &c, 0, 0, 80, 24, &v);
			tl_buf_reset(&b);
			tl_canvas_dump(&c, &b);
			const char *want = sel < 3 ? " A: TIME-WAIT" : " A: ";
			if (!ok(!strstr(b.data, "(not yet)") && strstr(b.data, want),
				"step %d's pane: A's real state, never '(not yet)'", sel + 1))
				printf("# got:\n%s", b.data);
		}
		tl_canvas_fini(&c);
	}
	tl_buf_fini(&b);
	tl_ladder_free(l);
	tl_steps_free(st);
}

/* A step-mode segment on the link: held mid-link when sent, or its
 * release (a row of the link's of its own). */
static void link_held(struct tl_steps *st, int from, uint8_t flags, uint32_t seq, uint32_t ack,
		      uint64_t ms, bool resent, bool released)
{
	struct tl_link_seg g;
	memset(&g, 0, sizeof(g));
	g.mono_ns = T0 + ms * MS;
	g.wall = 1764064800.0 + (double)ms / 1000;
	g.from = (int8_t)from;
	g.held = !released;
	g.released = released;
	g.resent = resent;
	g.pkt.tcp = true;
	g.pkt.sport = from ? 80 : 45000;
	g.pkt.dport = from ? 45000 : 80;
	g.pkt.flags = flags;
	g.pkt.seq = seq;
	g.pkt.ack = ack;
	tl_steps_link(st, &g);
}

/* The arrow row of the step drawn at time `t` in the text: its line. */
static const char *row_at(const char *text, const char *t, char *out, size_t len)
{
	const char *p = strstr(text, t);
	if (!p)
		return "";
	const char *e = strchr(p, '\n');
	snprintf(out, len, "%.*s", (int)(e ? e - p : (long)strlen(p)), p);
	return out;
}

/* Step mode: a held segment stops mid-link at the time it was sent; it
 * arrives (and changes its receiver) only when released, at the release. */
static void test_link_held(void)
{
	struct script sc;
	struct tl_steps *st = tl_steps_new(0);
	struct tl_ladder *l = tl_ladder_new();
	struct tl_buf b;
	char row[256];
	enum { SYN = 2, ACK = 16 };
	tl_buf_init(&b);
	sc.n = 0;
	W(&sc, 0, 0, TL_TCP_SYN_SENT, 0, 100);
	W(&sc, 1, 0, TL_TCP_SYN_RECV, 3200, 3400);
	W(&sc, 0, TL_TCP_SYN_SENT, TL_TCP_ESTABLISHED, 5300, 5500);
	W(&sc, 1, TL_TCP_SYN_RECV, TL_TCP_ESTABLISHED, 6300, 6400);
	for (size_t i = 0; i < sc.n; i++)
		tl_steps_add(st, &sc.ev[i]);
	link_held(st, 0, SYN, 1000, 0, 50, false, false);
	link_held(st, 0, SYN, 1000, 0, 1050, true, false); /* its timer: sent again, held too */
	link_held(st, 0, SYN, 1000, 0, 3000, false, true); /* Space: the first one goes */
	link_held(st, 1, SYN | ACK, 5000, 1001, 3310, false, false);
	link_held(st, 1, SYN | ACK, 5000, 1001, 5000, false, true);
	link_held(st, 0, ACK, 1001, 5001, 5360, false, false);
	link_held(st, 0, ACK, 1001, 5001, 6000, false, true);
	tl_ladder_build_steps(l, st, A_ID, B_ID);
	is_str(steps(l, "en"),
	       "SYN held A>B A:SYN-SENT | A: Hello, I'm A\n"
	       "SYN again A>B | A: Hello, I'm A\n"
	       "SYN released A>B B:SYN-RECV\n"
	       "SYN+ACK held B>A | B: Hello A, I'm B\n"
	       "SYN+ACK released B>A A:ESTABLISHED\n"
	       "ACK held A>B | A: Hello B\n"
	       "ACK released A>B B:ESTABLISHED\n",
	       "held: each arrives at its release, where its receiver's change lands");
	ok(tl_ladder_step(l, 2)->mono_ns == T0 + 3000 * MS && !tl_ladder_step(l, 2)->inferred,
	   "the arrival at the release's exact time");
	tl_ladder_text(l, 100, "en", false, &b);
	if (!ok(strstr(row_at(b.data, "+0.000s", row, sizeof(row)), "▶ ") && !strstr(row, "▶│") &&
		    strstr(b.data, "held mid-link until released"),
		"a held SYN is drawn stopping mid-link, and says so"))
		printf("# got:\n%s", b.data);
	{
		struct tl_ladder_export x = {.format = TL_LADDER_FMT_MERMAID, .lang = "en"};
		struct tl_buf e;
		tl_buf_init(&e);
		tl_ladder_export(l, &x, &e);
		if (!ok(strstr(e.data, "    A-)B: SYN held") &&
			    strstr(e.data, "    A->>B: SYN released"),
			"exported: a held segment in an open arrow, its release a whole one"))
			printf("# got:\n%s", e.data);
		tl_buf_reset(&e);
		x.format = TL_LADDER_FMT_SVG;
		tl_ladder_export(l, &x, &e);
		ok(strstr(e.data, "class=\"arrow held\"") != NULL,
		   "in the SVG, a held segment stops half way at a bar");
		ok(strstr(e.data, ">held mid-link (step mode)</text>") != NULL &&
		       !strstr(e.data, "lost by the link"),
		   "the SVG's legend shows the bar, and no cross the ladder does not have");
		tl_buf_fini(&e);
	}
	if (!ok(strstr(row_at(b.data, "+2.950s", row, sizeof(row)), "▶│") &&
		    strstr(row, "SYN-RECV") &&
		    strstr(b.data, "released: it crosses the rest of the link now"),
		"its release is the arrival, at the release time"))
		printf("# got:\n%s", b.data);
	tl_buf_reset(&b);
	tl_ladder_text(l, 100, "zh", false, &b);
	ok(strstr(b.data, "SYN 放行") && strstr(b.data, "已放行：现在走完链路的后一半"),
	   "released, in Chinese");
	tl_buf_fini(&b);
	tl_ladder_free(l);
	tl_steps_free(st);
}

/* A SYN+ACK sent again because its SYN was delivered again (step mode
 * released the SYN's second copy) is an answer, not a timer's resend. */
static void test_link_answer(void)
{
	struct script sc;
	struct tl_steps *st = tl_steps_new(0);
	struct tl_ladder *l = tl_ladder_new();
	struct tl_buf b;
	enum { SYN = 2, ACK = 16 };
	tl_buf_init(&b);
	sc.n = 0;
	W(&sc, 0, 0, TL_TCP_SYN_SENT, 0, 100);
	W(&sc, 1, 0, TL_TCP_SYN_RECV, 3200, 3400);
	for (size_t i = 0; i < sc.n; i++)
		tl_steps_add(st, &sc.ev[i]);
	link_seg(st, 0, SYN, 1000, 0, 50, false, 0);
	link_seg(st, 0, SYN, 1000, 0, 1050, false, 0);
	link_seg(st, 1, SYN | ACK, 5000, 1001, 3310, false, 0);
	struct tl_link_seg g;
	memset(&g, 0, sizeof(g));
	g.mono_ns = T0 + 3700 * MS;
	g.from = 1;
	g.resent = g.answer = true;
	g.pkt = (struct tl_pkt){
	    .tcp = true, .sport = 80, .dport = 45000, .flags = SYN | ACK, .seq = 5000, .ack = 1001};
	tl_steps_link(st, &g);
	tl_ladder_build_steps(l, st, A_ID, B_ID);
	tl_ladder_text(l, 100, "en", false, &b);
	char row[256];
	if (!ok(strstr(row_at(b.data, "SYN+ACK again", row, sizeof(row)),
		       "sent again: the answer to a copy delivered to it again"),
		"a SYN+ACK answering a SYN delivered again is not blamed on the timer"))
		printf("# got:\n%s", b.data);
	tl_buf_fini(&b);
	tl_ladder_free(l);
	tl_steps_free(st);
}

/* An RST is never sent again by a timer: two alike (a refused SYN sent
 * twice, each answered) are two RSTs, neither "again". */
static void test_link_rst(void)
{
	struct script sc;
	struct tl_steps *st = tl_steps_new(0);
	struct tl_ladder *l = tl_ladder_new();
	enum { SYN = 2, ACK = 16, RST = 4 };
	sc.n = 0;
	W(&sc, 0, 0, TL_TCP_SYN_SENT, 0, 100);
	W(&sc, 0, TL_TCP_SYN_SENT, TL_TCP_CLOSE, 900, 1000);
	for (size_t i = 0; i < sc.n; i++)
		tl_steps_add(st, &sc.ev[i]);
	link_seg(st, 0, SYN, 1000, 0, 50, false, 0);
	link_seg(st, 1, RST | ACK, 0, 1001, 350, false, 0);
	link_seg(st, 0, SYN, 1000, 0, 600, false, 0);
	link_seg(st, 1, RST | ACK, 0, 1001, 900, false, 0);
	tl_ladder_build_steps(l, st, A_ID, 0);
	const char *got = steps(l, "en");
	ok(strstr(got, "RST B>A") && !strstr(got, "RST again"),
	   "two RSTs alike: neither drawn as sent again");
	ok(strstr(got, "SYN again A>B") != NULL, "while the SYN sent twice is");
	if (strstr(got, "RST again") || !strstr(got, "SYN again"))
		printf("#   got:\n%s", got);
	tl_ladder_free(l);
	tl_steps_free(st);
}

/* The lab: the ladder draws what the link carried.  The last ACK of the
 * close is lost: drawn lost, B's FIN drawn sent again, and B's CLOSED on
 * the ACK that arrived; every arrow at the link's exact time. */
static void test_link(void)
{
	struct script sc;
	struct tl_steps *st = tl_steps_new(0);
	struct tl_ladder *l = tl_ladder_new();
	enum { SYN = 2, ACK = 16, FIN = 1, RST = 4 };
	sc.n = 0;
	W(&sc, 0, 0, TL_TCP_SYN_SENT, 0, 100);
	W(&sc, 1, 0, TL_TCP_SYN_RECV, 100, 400);
	W(&sc, 0, TL_TCP_SYN_SENT, TL_TCP_ESTABLISHED, 400, 700);
	W(&sc, 1, TL_TCP_SYN_RECV, TL_TCP_ESTABLISHED, 700, 1000);
	W(&sc, 0, TL_TCP_ESTABLISHED, TL_TCP_FIN_WAIT1, 4900, 5000);
	W(&sc, 1, TL_TCP_ESTABLISHED, TL_TCP_CLOSE_WAIT, 5000, 5400);
	W(&sc, 0, TL_TCP_FIN_WAIT1, TL_TCP_FIN_WAIT2, 5400, 5700);
	W(&sc, 1, TL_TCP_CLOSE_WAIT, TL_TCP_LAST_ACK, 6900, 7000);
	W(&sc, 0, TL_TCP_FIN_WAIT2, TL_TCP_TIME_WAIT, 7000, 7400);
	W(&sc, 1, TL_TCP_LAST_ACK, TL_TCP_CLOSE, 8900, 9000);
	for (size_t i = 0; i < sc.n; i++)
		tl_steps_add(st, &sc.ev[i]);
	link_seg(st, 0, SYN, 1000, 0, 50, false, 0);
	link_seg(st, 1, SYN | ACK, 5000, 1001, 350, false, 0);
	link_seg(st, 0, ACK, 1001, 5001, 650, false, 0);
	link_seg(st, 0, FIN | ACK, 1001, 5001, 4950, false, 0);
	link_seg(st, 1, ACK, 5001, 1002, 5300, false, 0);
	link_seg(st, 1, FIN | ACK, 5001, 1002, 6950, false, 0);
	link_seg(st, 0, ACK, 1002, 5002, 7300, true, 0);
	link_seg(st, 1, FIN | ACK, 5001, 1002, 8200, false, 0);
	link_seg(st, 0, ACK, 1002, 5002, 8500, false, 0);
	tl_ladder_build_steps(l, st, A_ID, B_ID);
	is_str(steps(l, "en"),
	       "SYN A>B A:SYN-SENT B:SYN-RECV | A: Hello, I'm A\n"
	       "SYN+ACK B>A A:ESTABLISHED | B: Hello A, I'm B\n"
	       "ACK A>B B:ESTABLISHED | A: Hello B\n"
	       "FIN A>B A:FIN-WAIT-1 B:CLOSE-WAIT | A: B, I'm done sending\n"
	       "ACK B>A A:FIN-WAIT-2 | B: Oh, you're done. Got it\n"
	       "FIN B>A A:TIME-WAIT B:LAST-ACK | B: Then I'm done too. Bye\n"
	       "ACK lost A>B | A: OK, bye\n"
	       "FIN again B>A | B: Then I'm done too. Bye\n"
	       "ACK A>B B:CLOSED | A: OK, bye\n",
	       "the lost ACK, the FIN sent again, CLOSED on the ACK that came");
	bool exact = true;
	for (size_t i = 0; i < tl_ladder_steps(l); i++) {
		const struct tl_ladder_step *s = tl_ladder_step(l, i);
		if (s->kind == TL_LADDER_ARROW)
			exact &= s->link && s->after_ns == s->mono_ns;
	}
	ok(exact, "every arrow at the link's exact time");
	const struct tl_ladder_step *fin = tl_ladder_step(l, 3);
	ok(fin && fin->has_seq && fin->seq == 1 && fin->ack == 1,
	   "relative sequence numbers: A's FIN seq 1 ack 1");
	struct tl_buf b;
	tl_buf_init(&b);
	tl_ladder_text(l, 100, "en", false, &b);
	ok(strstr(b.data, "✗") && strstr(b.data, "lost: the link dropped it"),
	   "drawn: the lost ACK ends in a cross, and says so");
	tl_buf_reset(&b);
	tl_ladder_text(l, 100, "en", true, &b);
	ok(strstr(b.data, "X ") != NULL, "in ASCII the cross is X");
	{
		struct tl_ladder_export x = {.format = TL_LADDER_FMT_MERMAID, .lang = "en"};
		struct tl_buf e;
		tl_buf_init(&e);
		tl_ladder_export(l, &x, &e);
		if (!ok(strstr(e.data, "    A-xB: ACK lost") != NULL,
			"exported: the lost ACK ends in a cross in Mermaid"))
			printf("# got:\n%s", e.data);
		tl_buf_reset(&e);
		x.format = TL_LADDER_FMT_SVG;
		tl_ladder_export(l, &x, &e);
		ok(strstr(e.data, "class=\"arrow lost\"") != NULL,
		   "and in the SVG, half way, in a cross");
		const char *leg = strstr(e.data, ">lost by the link</text>");
		ok(leg &&
		       strstr(strstr(e.data, "class=\"arrow lost\"") + 1, "class=\"arrow lost\"") &&
		       !strstr(e.data, "held mid-link"),
		   "the SVG's legend shows the cross, drawn as on the ladder");
		tl_buf_fini(&e);
	}
	/* a note takes the width there is, from the arrows if it must */
	tl_buf_reset(&b);
	tl_ladder_text(l, 100, "en", false, &b);
	if (!ok(strstr(b.data, "sent again: its retransmission timer fired\n") != NULL,
		"the text's notes whole at 100 columns"))
		printf("# got:\n%s", b.data);
	{
		struct tl_canvas c;
		struct tl_ladder_view v = {.selected = 7, .mark = -1, .anim = 1, .lang = "en"};
		tl_canvas_init(&c, 130, 36, &tl_glyphs_utf8);
		tl_ladder_draw(l, &c, 0, 0, 130, 36, &v);
		tl_buf_reset(&b);
		tl_canvas_dump(&c, &b);
		if (!ok(strstr(b.data, "sent again: its retransmission timer fired│") != NULL,
			"the view's notes whole at 130 columns, beside the detail pane"))
			printf("# got:\n%s", b.data);
		if (!ok(strstr(b.data, "SYN  seq=0 ") && strstr(b.data, "SYN+ACK  seq=0 ack=1") &&
			    strstr(b.data, "FIN  seq=1 ack=1"),
			"the arrows carry the link's relative numbers (no ack without the ACK "
			"flag)"))
			printf("# got:\n%s", b.data);
		/* in Chinese, nothing of the lab's ladder stays English: the
		 * heads, labels, notes, the step's details, the legend, the
		 * steps out of view (the protocol's names and numbers stay) */
		static const char *const english[] = {"client",  "server",   "lost",   "again",
						      "held",    "link",     "Legend", "inferred",
						      "derived", "samples",  "exact",  "above",
						      "below",   "observed", "seq 1,"};
		v.lang = "zh";
		tl_canvas_resize(&c, 130, 20);
		tl_ladder_draw(l, &c, 0, 0, 130, 20, &v);
		tl_buf_reset(&b);
		tl_canvas_dump(&c, &b);
		const char *left = NULL;
		for (size_t i = 0; i < TL_ARRAY_SIZE(english) && !left; i++)
			if (strstr(b.data, english[i]))
				left = english[i];
		if (!ok(!left && strstr(b.data, "重发：它的重传定时器到时了") &&
			    strstr(b.data, "FIN 重发") && strstr(b.data, "ACK 丢失") &&
			    strstr(b.data, "被链路丢弃") && strstr(b.data, "下方 1 步"),
			"in Chinese, the lab's ladder has no English left (%s)",
			left ? left : "none"))
			printf("# got:\n%s", b.data);
		tl_canvas_fini(&c);
	}

	/* dup-syn: B's request socket, A's end derived; the link's stale
	 * copy of an old SYN, B's SYN+ACK, A's RST */
	tl_ladder_free(l);
	tl_steps_free(st);
	st = tl_steps_new(0);
	l = tl_ladder_new();
	sc.n = 0;
	W(&sc, 1, 0, TL_TCP_SYN_RECV, 20300, 20400);
	struct tl_event *e = E(&sc, 1, TL_TCP_SYN_RECV, TL_TCP_CLOSE, false, 21000);
	e->after_ns = T0 + 20900 * MS;
	e->segment = TL_SEG_RST;
	e->dir = TL_DIR_IN;
	for (size_t i = 0; i < sc.n; i++)
		tl_steps_add(st, &sc.ev[i]);
	link_seg(st, 0, SYN, 1000, 0, 50, false, 0); /* the original, long before */
	link_seg(st, 0, SYN, 1000, 0, 20000, false, 5700);
	link_seg(st, 1, SYN | ACK, 9000, 1001, 20350, false, 0);
	link_seg(st, 0, RST, 1001, 0, 20650, false, 0);
	tl_ladder_build_steps(l, st, B_ID, 0);
	is_str(steps(l, "en"),
	       "stale SYN A>B B:SYN-RECV\n"
	       "SYN+ACK B>A | B: Hello A, I'm B\n"
	       "RST A>B B:CLOSED | A: No connection of mine expects that. Reset\n",
	       "dup-syn: the stale SYN, no SYN-SENT invented for A, and A's RST a refusal");
	ok(tl_ladder_first_state(l, 0) == TL_TCP_CLOSE && !tl_ladder_known(l, 0),
	   "no socket of A's kept: A had no connection (CLOSED), derived");
	tl_buf_reset(&b);
	tl_ladder_text(l, 100, "en", false, &b);
	if (!ok(strstr(b.data, "duplicate of a SYN sent 5.7 s ago") != NULL,
		"the stale SYN with its age"))
		printf("# got:\n%s", b.data);
	tl_buf_fini(&b);
	tl_ladder_free(l);
	tl_steps_free(st);
}

/* A tcp_info record read in state st (tcpi_state), as exact mode's
 * events carry them: the last sample's record, older than the change. */
static void rec(struct tl_event *e, int st, uint64_t acked, uint64_t rcvd, uint32_t out,
		uint32_t in)
{
	info(e, acked, rcvd, out, in);
	e->sock.info.state = (uint8_t)st;
}

/* The lab's half-close as the kernels counted it (the numbers of a run of
 * --demo=half-close in exact mode): A sends 6 B, closes; B, in
 * CLOSE-WAIT, sends 27 B in three segments, then its FIN.  bytes_acked
 * counts A's SYN once the SYN+ACK came (A's record at ESTABLISHED is
 * older, from SYN-SENT: 0; the next 7) and each FIN once acknowledged;
 * bytes_received the peer's FIN (A's last record: 28). */
static void half_close(struct script *sc, bool with_b)
{
	sc->n = 0;
	E(sc, 0, 0, TL_TCP_SYN_SENT, false, 0);
	if (with_b)
		E(sc, 1, 0, TL_TCP_SYN_RECV, false, 316);
	rec(E(sc, 0, TL_TCP_SYN_SENT, TL_TCP_ESTABLISHED, false, 601), TL_TCP_SYN_SENT, 0, 0, 1, 0);
	if (with_b)
		E(sc, 1, TL_TCP_SYN_RECV, TL_TCP_ESTABLISHED, false, 902);
	rec(E(sc, 0, TL_TCP_ESTABLISHED, TL_TCP_FIN_WAIT1, false, 2402), TL_TCP_ESTABLISHED, 7, 0,
	    3, 2);
	if (with_b)
		rec(E(sc, 1, TL_TCP_ESTABLISHED, TL_TCP_CLOSE_WAIT, false, 2700),
		    TL_TCP_ESTABLISHED, 0, 6, 1, 3);
	rec(E(sc, 0, TL_TCP_FIN_WAIT1, TL_TCP_FIN_WAIT2, false, 3044), TL_TCP_FIN_WAIT1, 7, 0, 4,
	    2);
	if (with_b)
		rec(E(sc, 1, TL_TCP_CLOSE_WAIT, TL_TCP_LAST_ACK, false, 5701), TL_TCP_CLOSE_WAIT,
		    27, 7, 5, 7);
	rec(E(sc, 0, TL_TCP_FIN_WAIT2, TL_TCP_TIME_WAIT, false, 6001), TL_TCP_CLOSE, 8, 28, 8, 7);
	if (with_b)
		rec(E(sc, 1, TL_TCP_LAST_ACK, TL_TCP_CLOSE, false, 6302), TL_TCP_CLOSE, 28, 7, 6,
		    8);
}

/* A lab segment carrying data (payload bytes). */
static void link_data(struct tl_steps *st, int from, uint8_t flags, uint32_t seq, uint32_t ack,
		      uint32_t payload, uint64_t ms)
{
	struct tl_link_seg g;
	memset(&g, 0, sizeof(g));
	g.mono_ns = T0 + ms * MS;
	g.wall = 1764064800.0 + (double)ms / 1000;
	g.from = (int8_t)from;
	g.pkt.tcp = true;
	g.pkt.sport = from ? 80 : 45000;
	g.pkt.dport = from ? 45000 : 80;
	g.pkt.flags = flags;
	g.pkt.seq = seq;
	g.pkt.ack = ack;
	g.pkt.payload = payload;
	tl_steps_link(st, &g);
}

/* Data after a FIN: B's, sent in CLOSE-WAIT, is drawn between A's
 * FIN-WAIT-2 and B's FIN; the bytes are payload only (not A's SYN, not a
 * FIN), in the samples' count and in the link's. */
static void test_half_close(void)
{
	struct script sc;
	struct tl_ladder *l = tl_ladder_new();
	half_close(&sc, true);
	tl_ladder_build_events(l, sc.ev, sc.n, A_ID, B_ID);
	is_str(steps(l, "en"),
	       "SYN A>B A:SYN-SENT B:SYN-RECV | A: Hello, I'm A\n"
	       "SYN+ACK B>A A:ESTABLISHED | B: Hello A, I'm B\n"
	       "ACK A>B B:ESTABLISHED | A: Hello B\n"
	       "data 6 B A>B\n"
	       "FIN A>B A:FIN-WAIT-1 B:CLOSE-WAIT | A: B, I'm done sending\n"
	       "ACK B>A A:FIN-WAIT-2 | B: Oh, you're done. Got it\n"
	       "data 27 B B>A\n"
	       "FIN B>A A:TIME-WAIT B:LAST-ACK | B: Then I'm done too. Bye\n"
	       "ACK A>B B:CLOSED | A: OK, bye\n",
	       "half-close: A's 6 B (not 7: the SYN), B's 27 B after A's FIN");

	/* A alone: B's data as A received it (not 28: B's FIN) */
	half_close(&sc, false);
	tl_ladder_build_events(l, sc.ev, sc.n, A_ID, 0);
	const char *got = steps(l, "en");
	ok(strstr(got, "data 6 B A>B\nFIN A>B") != NULL, "A alone: its 6 B before its FIN");
	if (!ok(strstr(got, "FIN-WAIT-2") && strstr(got, "data 27 B B>A\nFIN B>A") &&
		    strstr(got, "FIN-WAIT-2") < strstr(got, "27 B"),
		"A alone: B's 27 B, received in FIN-WAIT-2, before B's FIN"))
		printf("#   got:\n%s", got);

	/* the lab: the link's data segments say when, and how many */
	struct tl_steps *st = tl_steps_new(0);
	enum { SYN = 2, ACK = 16, FIN = 1 };
	half_close(&sc, true);
	for (size_t i = 0; i < sc.n; i++)
		tl_steps_add(st, &sc.ev[i]);
	link_data(st, 0, SYN, 1000, 0, 0, 0);
	link_data(st, 1, SYN | ACK, 5000, 1001, 0, 302);
	link_data(st, 0, ACK, 1001, 5001, 0, 601);
	link_data(st, 0, ACK | 8, 1001, 5001, 6, 1502);
	link_data(st, 1, ACK, 5001, 1007, 0, 1802);
	link_data(st, 0, FIN | ACK, 1007, 5001, 0, 2401);
	link_data(st, 1, ACK, 5001, 1008, 0, 2745);
	link_data(st, 1, ACK | 8, 5001, 1008, 9, 3601);
	link_data(st, 0, ACK, 1008, 5010, 0, 3902);
	link_data(st, 1, ACK | 8, 5010, 1008, 9, 4203);
	link_data(st, 0, ACK, 1008, 5019, 0, 4503);
	link_data(st, 1, ACK | 8, 5019, 1008, 9, 4805);
	link_data(st, 0, ACK, 1008, 5028, 0, 5105);
	link_data(st, 1, FIN | ACK, 5028, 1008, 0, 5702);
	link_data(st, 0, ACK, 1008, 5029, 0, 6003);
	tl_ladder_build_steps(l, st, A_ID, B_ID);
	got = steps(l, "en");
	if (!ok(strstr(got, "ACK A>B B:ESTABLISHED | A: Hello B\ndata 1 seg, 6 B A>B\nFIN A>B") &&
		    strstr(got, "A:FIN-WAIT-2 | B: Oh, you're done. Got it\n"
				"data 3 segs, 27 B B>A\nFIN B>A"),
		"the lab: the data as the link carried it (B's 27 B in 3 segments)"))
		printf("#   got:\n%s", got);
	const struct tl_ladder_step *d = NULL;
	for (size_t i = 0; i < tl_ladder_steps(l); i++)
		if (tl_ladder_step(l, i)->kind == TL_LADDER_DATA && tl_ladder_step(l, i)->from == 1)
			d = tl_ladder_step(l, i);
	ok(d && d->bytes == 27 && d->segs == 3 && d->after_ns == T0 + 3601 * MS &&
	       d->mono_ns == T0 + 4805 * MS,
	   "B's data between its first and last segment on the link");
	ok(d && d->has_seq && d->seq == 1 && d->ack == 8, "from B's sequence number 1");
	tl_steps_free(st);
	tl_ladder_free(l);
}

/* A connection shorter than a sample: its steps inferred at the close,
 * each with the close's record (state CLOSE: A's SYN and both FINs in
 * its counters).  The data is payload only, each way before its FIN. */
static void test_short_life(void)
{
	struct script sc;
	struct tl_ladder *l = tl_ladder_new();
	sc.n = 0;
	E(&sc, 0, 0, TL_TCP_SYN_SENT, false, 0);
	rec(E(&sc, 0, TL_TCP_SYN_SENT, TL_TCP_ESTABLISHED, true, 100), TL_TCP_CLOSE, 8, 10, 6, 5);
	rec(E(&sc, 0, TL_TCP_ESTABLISHED, TL_TCP_FIN_WAIT1, true, 100), TL_TCP_CLOSE, 8, 10, 6, 5);
	rec(E(&sc, 0, TL_TCP_FIN_WAIT1, TL_TCP_FIN_WAIT2, true, 100), TL_TCP_CLOSE, 8, 10, 6, 5);
	rec(E(&sc, 0, TL_TCP_FIN_WAIT2, TL_TCP_TIME_WAIT, false, 100), TL_TCP_CLOSE, 8, 10, 6, 5);
	tl_ladder_build_events(l, sc.ev, sc.n, A_ID, 0);
	const char *got = steps(l, "en");
	const char *out = strstr(got, "data 6 B A>B\n"), *in = strstr(got, "data 9 B B>A\n");
	const char *fin_a = strstr(got, "FIN A>B"), *fin_b = strstr(got, "FIN B>A");
	if (!ok(out && in && fin_a && fin_b && out < fin_a && in < fin_b,
		"a short life: 6 B out before A's FIN, 9 B in before B's (not 8 and 10)"))
		printf("#   got:\n%s", got);

	/* B's first sample saw it ESTABLISHED (its SYN-RECV inferred), its
	 * record already counting A's 6 B: counted from the open's zero */
	sc.n = 0;
	rec(E(&sc, 1, 0, TL_TCP_SYN_RECV, true, 400), TL_TCP_ESTABLISHED, 0, 6, 1, 3);
	rec(E(&sc, 1, TL_TCP_SYN_RECV, TL_TCP_ESTABLISHED, false, 400), TL_TCP_ESTABLISHED, 0, 6, 1,
	    3);
	rec(E(&sc, 1, TL_TCP_ESTABLISHED, TL_TCP_CLOSE_WAIT, false, 900), TL_TCP_CLOSE_WAIT, 0, 7,
	    2, 4);
	tl_ladder_build_events(l, sc.ev, sc.n, B_ID, 0);
	got = steps(l, "en");
	if (!ok(strstr(got, "data 6 B A>B\nFIN A>B") != NULL,
		"data before the first sample: counted from the open"))
		printf("#   got:\n%s", got);
	tl_ladder_free(l);
}

/* late-fin: the link loses every ACK A sends from TIME-WAIT, B sends its
 * FIN again, and each FIN A answers restarts A's TIME-WAIT timer: the
 * clock restarts at the link's time of A's answer, as the kernel's does. */
static void test_link_tw_restart(void)
{
	struct script sc;
	struct tl_steps *st = tl_steps_new(0);
	struct tl_ladder *l = tl_ladder_new();
	enum { SYN = 2, ACK = 16, FIN = 1 };
	sc.n = 0;
	W(&sc, 0, 0, TL_TCP_SYN_SENT, 0, 100);
	W(&sc, 1, 0, TL_TCP_SYN_RECV, 100, 400);
	W(&sc, 0, TL_TCP_SYN_SENT, TL_TCP_ESTABLISHED, 400, 700);
	W(&sc, 1, TL_TCP_SYN_RECV, TL_TCP_ESTABLISHED, 700, 1000);
	W(&sc, 0, TL_TCP_ESTABLISHED, TL_TCP_FIN_WAIT1, 4900, 5000);
	W(&sc, 1, TL_TCP_ESTABLISHED, TL_TCP_CLOSE_WAIT, 5000, 5400);
	W(&sc, 0, TL_TCP_FIN_WAIT1, TL_TCP_FIN_WAIT2, 5400, 5700);
	W(&sc, 1, TL_TCP_CLOSE_WAIT, TL_TCP_LAST_ACK, 6900, 7000);
	struct tl_event *e = E(&sc, 0, TL_TCP_FIN_WAIT2, TL_TCP_TIME_WAIT, false, 7400);
	e->after_ns = T0 + 7000 * MS;
	e->sock.timer = 3;
	e->sock.expires_ms = 59900; /* the sample's: entered 100 ms before it */
	for (size_t i = 0; i < sc.n; i++)
		tl_steps_add(st, &sc.ev[i]);
	link_seg(st, 0, SYN, 1000, 0, 50, false, 0);
	link_seg(st, 1, SYN | ACK, 5000, 1001, 350, false, 0);
	link_seg(st, 0, ACK, 1001, 5001, 650, false, 0);
	link_seg(st, 0, FIN | ACK, 1001, 5001, 4950, false, 0);
	link_seg(st, 1, ACK, 5001, 1002, 5300, false, 0);
	link_seg(st, 1, FIN | ACK, 5001, 1002, 6950, false, 0);
	link_seg(st, 0, ACK, 1002, 5002, 7300, true, 0);
	link_seg(st, 1, FIN | ACK, 5001, 1002, 9000, false, 0);
	link_seg(st, 0, ACK, 1002, 5002, 9300, true, 0);
	link_seg(st, 1, FIN | ACK, 5001, 1002, 20000, false, 0);
	link_seg(st, 0, ACK, 1002, 5002, 20300, true, 0);
	tl_ladder_build_steps(l, st, A_ID, B_ID);
	struct tl_ladder_last last;
	struct tl_buf b;
	tl_buf_init(&b);
	ok(tl_ladder_last(l, 0, &last) && last.state == TL_TCP_TIME_WAIT &&
	       last.mono_ns == T0 + 20300 * MS && last.expires_ms == 60000,
	   "A's TIME-WAIT restarted by the last FIN it answered");
	/* 62.9 s after entering TIME-WAIT the first timer would have run out */
	tl_narration_clock(&last, T0 + 70300 * MS, "en", &b);
	is_str(b.data, "10s left", "the clock: 60 s from that answer, as the kernel's");
	/* before any FIN came again: the sample's timer */
	tl_ladder_free(l);
	tl_steps_free(st);
	st = tl_steps_new(0);
	l = tl_ladder_new();
	for (size_t i = 0; i < sc.n; i++)
		tl_steps_add(st, &sc.ev[i]);
	link_seg(st, 0, SYN, 1000, 0, 50, false, 0);
	link_seg(st, 1, FIN | ACK, 5001, 1002, 6950, false, 0);
	link_seg(st, 0, ACK, 1002, 5002, 7300, true, 0);
	tl_ladder_build_steps(l, st, A_ID, B_ID);
	ok(tl_ladder_last(l, 0, &last) && last.mono_ns == T0 + 7400 * MS &&
	       last.expires_ms == 59900,
	   "no FIN again: the timer the sample read");
	tl_buf_fini(&b);
	tl_ladder_free(l);
	tl_steps_free(st);
}

/* late-fin drawn from B alone (A's end derived): the link lost every ACK
 * A sent from TIME-WAIT, so no ACK of A's is drawn except as the link
 * carried it, lost; A's RST ends B. */
static void test_link_no_invented_ack(void)
{
	struct script sc;
	struct tl_steps *st = tl_steps_new(0);
	struct tl_ladder *l = tl_ladder_new();
	enum { SYN = 2, ACK = 16, FIN = 1, RST = 4 };
	sc.n = 0;
	W(&sc, 1, 0, TL_TCP_SYN_RECV, 100, 400);
	W(&sc, 1, TL_TCP_SYN_RECV, TL_TCP_ESTABLISHED, 700, 1000);
	W(&sc, 1, TL_TCP_ESTABLISHED, TL_TCP_CLOSE_WAIT, 5000, 5400);
	W(&sc, 1, TL_TCP_CLOSE_WAIT, TL_TCP_LAST_ACK, 6900, 7000);
	struct tl_event *e = E(&sc, 1, TL_TCP_LAST_ACK, TL_TCP_CLOSE, false, 70400);
	e->after_ns = T0 + 70300 * MS;
	e->segment = TL_SEG_RST;
	e->dir = TL_DIR_IN;
	for (size_t i = 0; i < sc.n; i++)
		tl_steps_add(st, &sc.ev[i]);
	link_seg(st, 0, SYN, 1000, 0, 50, false, 0);
	link_seg(st, 1, SYN | ACK, 5000, 1001, 350, false, 0);
	link_seg(st, 0, ACK, 1001, 5001, 650, false, 0);
	link_seg(st, 0, FIN | ACK, 1001, 5001, 4950, false, 0);
	link_seg(st, 1, ACK, 5001, 1002, 5300, false, 0);
	link_seg(st, 1, FIN | ACK, 5001, 1002, 6950, false, 0);
	link_seg(st, 0, ACK, 1002, 5002, 7250, true, 0);
	link_seg(st, 1, FIN | ACK, 5001, 1002, 9000, false, 0);
	link_seg(st, 0, ACK, 1002, 5002, 9300, true, 0);
	link_seg(st, 1, FIN | ACK, 5001, 1002, 70000, false, 0);
	link_seg(st, 0, RST, 1002, 0, 70300, false, 0);
	tl_ladder_build_steps(l, st, B_ID, 0);
	bool invented = false, fin = false;
	size_t lost = 0;
	for (size_t i = 0; i < tl_ladder_steps(l); i++) {
		const struct tl_ladder_step *s = tl_ladder_step(l, i);
		fin |= s->from == 1 && s->segment == TL_SEG_FIN;
		if (fin && s->kind == TL_LADDER_ARROW && s->from == 0 && s->segment == TL_SEG_ACK) {
			invented |= !s->link;
			lost += s->lost;
		}
	}
	const char *got = steps(l, "en");
	if (!ok(!invented && lost == 2,
		"after B's FIN, no ACK from A but the link's: both drawn lost"))
		printf("#   got:\n%s", got);
	ok(strstr(got, "RST A>B B:CLOSED") != NULL, "A's RST closes B");

	/* A watched too: its TIME-WAIT expired before B's last FIN came; the
	 * RST that answered it (B's close, exact) is the link's one RST */
	tl_ladder_free(l);
	tl_steps_free(st);
	st = tl_steps_new(0);
	l = tl_ladder_new();
	sc.n = 0;
	W(&sc, 0, 0, TL_TCP_SYN_SENT, 0, 100);
	W(&sc, 1, 0, TL_TCP_SYN_RECV, 100, 400);
	W(&sc, 0, TL_TCP_SYN_SENT, TL_TCP_ESTABLISHED, 400, 700);
	W(&sc, 1, TL_TCP_SYN_RECV, TL_TCP_ESTABLISHED, 700, 1000);
	W(&sc, 0, TL_TCP_ESTABLISHED, TL_TCP_FIN_WAIT1, 4900, 5000);
	W(&sc, 1, TL_TCP_ESTABLISHED, TL_TCP_CLOSE_WAIT, 5000, 5400);
	W(&sc, 0, TL_TCP_FIN_WAIT1, TL_TCP_FIN_WAIT2, 5400, 5700);
	W(&sc, 1, TL_TCP_CLOSE_WAIT, TL_TCP_LAST_ACK, 6900, 7000);
	W(&sc, 0, TL_TCP_FIN_WAIT2, TL_TCP_TIME_WAIT, 7000, 7400);
	W(&sc, 0, TL_TCP_TIME_WAIT, TL_TCP_CLOSE, 69200, 69300);
	e = E(&sc, 1, TL_TCP_LAST_ACK, TL_TCP_CLOSE, false, 70600);
	e->after_ns = e->mono_ns; /* its destroy event: exact, a link delay after */
	e->segment = TL_SEG_RST;
	e->dir = TL_DIR_IN;
	for (size_t i = 0; i < sc.n; i++)
		tl_steps_add(st, &sc.ev[i]);
	link_seg(st, 0, SYN, 1000, 0, 50, false, 0);
	link_seg(st, 1, SYN | ACK, 5000, 1001, 350, false, 0);
	link_seg(st, 0, ACK, 1001, 5001, 650, false, 0);
	link_seg(st, 0, FIN | ACK, 1001, 5001, 4950, false, 0);
	link_seg(st, 1, ACK, 5001, 1002, 5300, false, 0);
	link_seg(st, 1, FIN | ACK, 5001, 1002, 6950, false, 0);
	link_seg(st, 0, ACK, 1002, 5002, 7250, true, 0);
	link_seg(st, 1, FIN | ACK, 5001, 1002, 9000, false, 0);
	link_seg(st, 0, ACK, 1002, 5002, 9300, true, 0);
	link_seg(st, 1, FIN | ACK, 5001, 1002, 70000, false, 0);
	link_seg(st, 0, RST, 1002, 0, 70300, false, 0);
	tl_ladder_build_steps(l, st, A_ID, B_ID);
	size_t rst = 0;
	for (size_t i = 0; i < tl_ladder_steps(l); i++)
		rst += tl_ladder_step(l, i)->segment == TL_SEG_RST;
	got = steps(l, "en");
	if (!ok(rst == 1 && strstr(got, "RST A>B B:CLOSED"),
		"both ends: one RST, the link's, and it closes B"))
		printf("#   got:\n%s", got);
	tl_ladder_free(l);
	tl_steps_free(st);
}

/* A alone, in SYN-SENT: its SYN may still be on the link, so B is not
 * drawn receiving it, nor answering. */
static void test_syn_in_flight(void)
{
	struct script sc;
	struct tl_ladder *l = tl_ladder_new();
	sc.n = 0;
	E(&sc, 0, 0, TL_TCP_SYN_SENT, false, 0);
	tl_ladder_build_events(l, sc.ev, sc.n, A_ID, 0);
	is_str(steps(l, "en"), "SYN A>B A:SYN-SENT | A: Hello, I'm A\n",
	       "SYN-SENT: the SYN, no SYN-RECV or SYN+ACK invented for B");
	is_int(tl_ladder_final_state(l, 1), 0, "B's state not known");
	/* A established: B's SYN+ACK came, so B had the SYN */
	E(&sc, 0, TL_TCP_SYN_SENT, TL_TCP_ESTABLISHED, false, 600);
	tl_ladder_build_events(l, sc.ev, sc.n, A_ID, 0);
	is_str(steps(l, "en"),
	       "SYN A>B A:SYN-SENT B:SYN-RECV~ | A: Hello, I'm A\n"
	       "SYN+ACK B>A A:ESTABLISHED | B: Hello A, I'm B\n"
	       "ACK A>B | A: Hello B\n",
	       "ESTABLISHED: B's SYN-RECV implied, its ESTABLISHED not yet");
	/* refused: the SYN answered by an RST alone came to no socket, so B
	 * is drawn with no state at all (not a SYN-RECV, not a SYN+ACK) */
	sc.n = 0;
	E(&sc, 0, 0, TL_TCP_SYN_SENT, false, 0);
	struct tl_event *rst = E(&sc, 0, TL_TCP_SYN_SENT, TL_TCP_CLOSE, false, 1);
	rst->segment = TL_SEG_RST;
	rst->dir = TL_DIR_IN;
	rst->why = "receive RST: connection refused";
	tl_ladder_build_events(l, sc.ev, sc.n, A_ID, 0);
	is_str(steps(l, "en"),
	       "SYN A>B A:SYN-SENT | A: Hello, I'm A\n"
	       "RST B>A A:CLOSED | B: No connection of mine expects that. Reset\n",
	       "refused: B had no socket, only its RST is drawn");
	is_int(tl_ladder_final_state(l, 1), 0, "refused: B's state not known");
	tl_ladder_free(l);
}

static void test_one_end(void)
{
	struct script sc;
	struct tl_ladder *l = tl_ladder_new();
	full_life(&sc, false);
	tl_ladder_build_events(l, sc.ev, sc.n, A_ID, 0);
	ok(tl_ladder_known(l, 0) && !tl_ladder_known(l, 1), "only A known");
	is_str(tl_ladder_addr(l, 1), "10.0.0.2:80", "B's address from A's remote");
	check_accessors(l);
	is_str(steps(l, "en"),
	       "SYN A>B A:SYN-SENT B:SYN-RECV~ | A: Hello, I'm A\n"
	       "SYN+ACK B>A A:ESTABLISHED | B: Hello A, I'm B\n"
	       "ACK A>B B:ESTABLISHED~ | A: Hello B\n"
	       "data 4.1 KB A>B\n"
	       "data 12.5 KB B>A\n"
	       "FIN A>B A:FIN-WAIT-1 B:CLOSE-WAIT~ | A: B, I'm done sending\n"
	       "ACK B>A A:FIN-WAIT-2 | B: Oh, you're done. Got it\n"
	       "FIN B>A A:TIME-WAIT B:LAST-ACK~ | B: Then I'm done too. Bye\n"
	       "ACK A>B | A: OK, bye\n",
	       "B derived from A: the mirror path, all of B inferred, up to what A knows arrived");
	struct tl_ladder_view v = {.selected = 5, .mark = -1, .anim = 1, .lang = "en"};
	golden("one-end-80x24", l, 80, 24, false, &v);
	golden("one-end-120x40-ascii", l, 120, 40, true, &v);
	struct tl_canvas c;
	tl_canvas_init(&c, 80, 24, &tl_glyphs_utf8);
	tl_ladder_draw(l, &c, 0, 0, 80, 24, &v);
	ok(canvas_has_style(&c, TL_ST_INFERRED), "the derived side is drawn as inferred");
	tl_canvas_fini(&c);

	/* Only B known: A derived. */
	sc.n = 0;
	E(&sc, 1, 0, TL_TCP_SYN_RECV, true, 0);
	E(&sc, 1, TL_TCP_SYN_RECV, TL_TCP_ESTABLISHED, false, 0);
	E(&sc, 1, TL_TCP_ESTABLISHED, TL_TCP_CLOSE_WAIT, false, 2000);
	tl_ladder_build_events(l, sc.ev, sc.n, B_ID, 0);
	is_str(steps(l, "en"),
	       "SYN A>B~ A:SYN-SENT~ B:SYN-RECV~ | A: Hello, I'm A\n"
	       "SYN+ACK B>A~ A:ESTABLISHED~ | B: Hello A, I'm B\n"
	       "ACK A>B B:ESTABLISHED | A: Hello B\n"
	       "FIN A>B A:FIN-WAIT-1~ B:CLOSE-WAIT | A: B, I'm done sending\n"
	       "ACK B>A | B: Oh, you're done. Got it\n",
	       "A derived from B; B's inferred handshake stays inferred");
	ok(tl_ladder_step(l, 0)->inferred, "an arrow implied only by inferred changes is inferred");
	tl_ladder_free(l);
}

/* The tracker on scripted snapshots, its events into the ladder. */
/* A SYN sent again (exact mode): each copy is an arrow of its own, and the
 * copy sent before the server saw the SYN is the one that lands. */
static struct tl_event *resend(struct script *sc, int side, int state, int seg, uint16_t n,
			       uint64_t ms)
{
	struct tl_event *e = E(sc, side, state, state, false, ms);
	e->kind = TL_EV_RETRANSMIT;
	e->segment = (uint8_t)seg;
	e->dir = TL_DIR_OUT;
	e->retrans = n;
	e->why = NULL;
	return e;
}

static void test_retransmit(void)
{
	struct script sc;
	struct tl_ladder *l = tl_ladder_new();
	sc.n = 0;
	E(&sc, 0, 0, TL_TCP_SYN_SENT, false, 0);
	resend(&sc, 0, TL_TCP_SYN_SENT, TL_SEG_SYN, 1, 1000);
	resend(&sc, 0, TL_TCP_SYN_SENT, TL_SEG_SYN, 2, 3000);
	E(&sc, 1, 0, TL_TCP_SYN_RECV, false, 3001);
	E(&sc, 0, TL_TCP_SYN_SENT, TL_TCP_ESTABLISHED, false, 3002);
	E(&sc, 1, TL_TCP_SYN_RECV, TL_TCP_ESTABLISHED, false, 3003);
	tl_ladder_build_events(l, sc.ev, sc.n, A_ID, B_ID);
	is_str(steps(l, "en"),
	       "SYN A>B A:SYN-SENT | A: Hello, I'm A\n"
	       "SYN (retransmit #1) A>B\n"
	       "SYN (retransmit #2) A>B B:SYN-RECV\n"
	       "SYN+ACK B>A A:ESTABLISHED | B: Hello A, I'm B\n"
	       "ACK A>B B:ESTABLISHED | A: Hello B\n",
	       "both ends: each copy an arrow, the server's SYN-RECV on the last");
	struct tl_ladder_last last;
	ok(tl_ladder_last(l, 0, &last) && last.state == TL_TCP_ESTABLISHED,
	   "a copy changes no state: A's last state is still ESTABLISHED");
	ok(tl_ladder_step(l, 2)->retrans == 2 && !tl_ladder_step(l, 1)->inferred,
	   "copies are numbered and observed");

	/* Only A watched: B is derived from the copy that was answered. */
	sc.n = 0;
	E(&sc, 0, 0, TL_TCP_SYN_SENT, false, 0);
	resend(&sc, 0, TL_TCP_SYN_SENT, TL_SEG_SYN, 1, 1000);
	E(&sc, 0, TL_TCP_SYN_SENT, TL_TCP_ESTABLISHED, false, 1002);
	tl_ladder_build_events(l, sc.ev, sc.n, A_ID, 0);
	is_str(steps(l, "en"),
	       "SYN A>B A:SYN-SENT | A: Hello, I'm A\n"
	       "SYN (retransmit #1) A>B B:SYN-RECV~\n"
	       "SYN+ACK B>A A:ESTABLISHED | B: Hello A, I'm B\n"
	       "ACK A>B | A: Hello B\n",
	       "one end: the derived server receives the copy, not the SYN sent again");
	tl_ladder_free(l);
}

static void test_from_tracker(void)
{
	struct tl_tracker *t = tl_tracker_new(1);
	struct tl_snapshot s;
	struct tl_evlog log;
	uint64_t now = 100ULL * 1000 * MS;
	tl_snapshot_init(&s);
	tl_evlog_init(&log, 64);
	struct tl_sock lis = sock_of(1, TL_TCP_LISTEN);
	memset(lis.remote, 0, sizeof(lis.remote));
	lis.rport = 0;
	lis.cookie = 1;
	struct tl_sock a = sock_of(0, TL_TCP_ESTABLISHED), b = sock_of(1, TL_TCP_ESTABLISHED);
	int states[][2] = {{0, 0},
			   {TL_TCP_ESTABLISHED, TL_TCP_ESTABLISHED},
			   {TL_TCP_FIN_WAIT2, TL_TCP_CLOSE_WAIT},
			   {TL_TCP_TIME_WAIT, TL_TCP_LAST_ACK},
			   {TL_TCP_TIME_WAIT, 0}};
	for (size_t k = 0; k < TL_ARRAY_SIZE(states); k++) {
		tl_snapshot_clear(&s);
		*tl_snapshot_add(&s) = lis;
		if (states[k][0]) {
			a.state = (uint8_t)states[k][0];
			*tl_snapshot_add(&s) = a;
		}
		if (states[k][1]) {
			b.state = (uint8_t)states[k][1];
			*tl_snapshot_add(&s) = b;
		}
		s.complete = true;
		tl_tracker_sample(t, 0, &s, now, 1.0 + (double)k);
		if (k == 4)
			tl_tracker_lookup_result(t, 0, b.cookie, NULL, now, 5.0);
		size_t n;
		const struct tl_event *ev = tl_tracker_events(t, &n);
		for (size_t i = 0; i < n; i++)
			tl_evlog_add(&log, &ev[i]);
		tl_tracker_clear_events(t);
		now += 1000 * MS;
	}
	const struct tl_conn *ca = tl_tracker_find(t, a.cookie);
	uint32_t ida = ca ? ca->id : 0, idb = 0;
	for (size_t i = 0; i < log.n; i++)
		if (tl_evlog_at(&log, i)->conn != ida)
			idb = tl_evlog_at(&log, i)->conn;
	struct tl_ladder *l = tl_ladder_new();
	tl_ladder_build(l, &log, ida, idb);
	is_str(steps(l, "en"),
	       "SYN A>B~ A:SYN-SENT~ B:SYN-RECV~ | A: Hello, I'm A\n"
	       "SYN+ACK B>A A:ESTABLISHED | B: Hello A, I'm B\n"
	       "ACK A>B B:ESTABLISHED | A: Hello B\n"
	       "FIN A>B A:FIN-WAIT-1~ B:CLOSE-WAIT | A: B, I'm done sending\n"
	       "ACK B>A A:FIN-WAIT-2 | B: Oh, you're done. Got it\n"
	       "FIN B>A A:TIME-WAIT B:LAST-ACK | B: Then I'm done too. Bye\n"
	       "ACK A>B B:CLOSED | A: OK, bye\n",
	       "the tracker's events of a real-shaped life make the ladder");
	struct tl_buf out;
	tl_buf_init(&out);
	tl_ladder_text(l, 100, "en", false, &out);
	compare("text-tracker", &out);
	tl_buf_fini(&out);
	tl_ladder_free(l);
	tl_evlog_fini(&log);
	tl_snapshot_fini(&s);
	tl_tracker_free(t);
}

/* Every reason the state machine gives has its Chinese. */
static void test_why_zh(void)
{
	for (unsigned i = 0; i < tl_fsm_nedges; i++) {
		const char *why = tl_fsm_edges[i].why;
		const char *zh = tl_narration_why(why, "zh");
		/* a call's name reads the same in both */
		ok(zh && (strcmp(zh, why) || !strcmp(why, "listen()")), "in Chinese: %s", why);
	}
	ok(!strcmp(tl_narration_why("receive FIN, send ACK", "en"), "receive FIN, send ACK"),
	   "in English as it is");
}

int main(void)
{
	test_why_zh();
	test_full_life();
	test_server_closes();
	test_tw_reused();
	test_rst();
	test_one_end();
	test_syn_in_flight();
	test_times();
	test_windows();
	test_link();
	test_link_rst();
	test_link_dup_syn_tw();
	test_link_held();
	test_link_answer();
	test_half_close();
	test_short_life();
	test_link_tw_restart();
	test_link_no_invented_ack();
	test_retransmit();
	test_from_tracker();
	tl_ladder_free(NULL);
	return tap_done();
}
