/* frame: the cost of the interactive view's work with many sockets
 * tracked, without a terminal.  Prints medians of:
 *   rows  - refreshing the connection table's order: nothing changed,
 *           after a sample where 1% of the connections changed state
 *           (and 1% came and went), and all sorted anew (a new column)
 *   frame - drawing one full screen into the canvas (every redraw)
 * Build: see tests/bench/ui.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "tcpladder/ui.h"

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
	int w = argc > 2 ? atoi(argv[2]) : 200, h = argc > 3 ? atoi(argv[3]) : 60;
	int rounds = 31;
	struct tl_tracker *t = tl_tracker_new(1);
	struct tl_snapshot s;
	struct tl_history hist;
	struct tl_evlog log;
	static const int states[] = {TL_TCP_ESTABLISHED, TL_TCP_ESTABLISHED, TL_TCP_ESTABLISHED,
				     TL_TCP_TIME_WAIT, TL_TCP_CLOSE_WAIT, TL_TCP_FIN_WAIT2};

	tl_snapshot_init(&s);
	tl_history_init(&hist, 3600);
	tl_evlog_init(&log, 5000);
	for (size_t i = 0; i < n; i++) {
		struct tl_sock *r = tl_snapshot_add(&s);
		r->cookie = i + 1;
		r->family = AF_INET;
		r->state = (uint8_t)states[i % 6];
		r->local[0] = 10;
		r->local[3] = 1;
		r->remote[0] = 10;
		r->remote[1] = (uint8_t)(i >> 16);
		r->remote[2] = (uint8_t)(i >> 8);
		r->remote[3] = (uint8_t)i;
		r->lport = 443;
		r->rport = (uint16_t)(1024 + i % 60000);
		r->inode = (uint32_t)i + 1;
	}
	s.complete = true;
	uint64_t t0 = now_ns();
	tl_tracker_sample(t, 0, &s, 1000000000ULL, 1.0);
	uint64_t sample_ns = now_ns() - t0;
	uint64_t steady[9];
	for (int i = 0; i < 9; i++) {
		uint64_t a = now_ns();
		tl_tracker_sample(t, 0, &s, 2000000000ULL + (uint64_t)i * 1000000000ULL, 2.0 + i);
		steady[i] = now_ns() - a;
	}
	qsort(steady, 9, sizeof(steady[0]), cmp);
	struct tl_hist hh;
	tl_hist_from_snapshot(&hh, &s);
	for (int i = 0; i < 240; i++)
		tl_history_add(&hist, &hh, (uint64_t)i * 500000000ULL);

	const char *names[] = {"self"};
	struct tl_ui_input in = {
		.tracker = t, .history = &hist, .log = &log, .host = "bench", .ns_names = names,
		.n_ns = 1, .now = 120000000000ULL, .now_wall = 1.0,
	};
	struct tl_ui ui;
	struct tl_canvas c;
	tl_ui_init(&ui);
	tl_canvas_init(&c, w, h, &tl_glyphs_utf8);
	uint64_t rows[64], frames[64];
	for (int r = 0; r < rounds; r++) {
		uint64_t a = now_ns();
		tl_ui_refresh_rows(&ui, &in);
		uint64_t b = now_ns();
		tl_ui_tick(&ui, &in, c.w, c.h);
		tl_ui_draw(&ui, &c, &in);
		uint64_t d = now_ns();
		rows[r] = b - a;
		frames[r] = d - b;
		tl_ui_key(&ui, TL_KEY_PGDN, &in); /* a different page each time */
	}
	/* 1% of the connections change state and 1% are replaced, then the
	 * order is refreshed (the view's work after a sample under churn). */
	uint64_t churn[16], full[16];
	uint64_t t_now = 20000000000ULL, next_cookie = n + 1;
	for (int r = 0; r < 16; r++) {
		for (size_t i = 0; i < n / 100; i++) {
			struct tl_sock *x = &s.socks[(size_t)r * 997 + i * 97 % n];
			x->state = x->state == TL_TCP_ESTABLISHED ? TL_TCP_CLOSE_WAIT : TL_TCP_ESTABLISHED;
			struct tl_sock *y = &s.socks[(i * 193 + (size_t)r * 31) % n];
			y->cookie = next_cookie++;
			y->rport = (uint16_t)(y->rport + 1);
		}
		t_now += 1000000000ULL;
		tl_tracker_sample(t, 0, &s, t_now, 30.0 + r);
		tl_tracker_clear_events(t);
		in.now = t_now;
		uint64_t a = now_ns();
		tl_ui_refresh_rows(&ui, &in);
		churn[r] = now_ns() - a;
		a = now_ns();
		tl_ui_key(&ui, '>', &in); /* another column: a full sort */
		tl_ui_refresh_rows(&ui, &in);
		full[r] = now_ns() - a;
		tl_ui_key(&ui, '<', &in);
		tl_ui_refresh_rows(&ui, &in);
	}
	qsort(churn, 16, sizeof(churn[0]), cmp);
	qsort(full, 16, sizeof(full[0]), cmp);
	qsort(rows, (size_t)rounds, sizeof(rows[0]), cmp);
	qsort(frames, (size_t)rounds, sizeof(frames[0]), cmp);
	printf("sockets %zu, canvas %dx%d\n", n, w, h);
	printf("tracker: first sample (%zu new sockets) %.2f ms; steady sample median %.2f ms\n", n,
	       (double)sample_ns / 1e6, (double)steady[4] / 1e6);
	printf("rows, nothing changed: median %.2f ms\n", (double)rows[rounds / 2] / 1e6);
	printf("rows, after a sample with 1%% changed and 1%% replaced: median %.2f ms\n",
	       (double)churn[8] / 1e6);
	printf("rows, sorted anew (another column): median %.2f ms\n", (double)full[8] / 1e6);
	printf("frame (draw %dx%d): median %.3f ms, max %.3f ms\n", w, h,
	       (double)frames[rounds / 2] / 1e6, (double)frames[rounds - 1] / 1e6);
	tl_canvas_fini(&c);
	tl_ui_fini(&ui);
	tl_tracker_free(t);
	tl_snapshot_fini(&s);
	tl_history_fini(&hist);
	tl_evlog_fini(&log);
	return 0;
}
