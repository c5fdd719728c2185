/* ladder: a connection's life as a sequence diagram (issue 5).
 *
 * Two lifelines, A (the active opener, "client") and B (the passive
 * opener, "server").  The events of both ends (or of one end, the other
 * derived from it) become steps in time order: segments flying from one
 * lifeline to the other (SYN, SYN+ACK, ACK, FIN, RST, aggregated data),
 * each observed or inferred, with each side's state changes, a dialogue
 * line and an explanation.  Pure: no clock (time is passed in the view),
 * no terminal, no printing; drawn into a canvas, so it is tested as text.
 *
 * The ladder owns its steps; tl_ladder_build() copies what it needs from
 * the log, so the log may change afterwards.
 *
 * Wide glyphs: Chinese text takes two columns.  The ladder writes such a
 * glyph into one cell and TL_LADDER_WIDE_CONT into the cell to its right;
 * a back end must skip continuation cells (tl_ladder_dump() does). */
#ifndef TCPLADDER_LADDER_H
#define TCPLADDER_LADDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpladder/canvas.h"
#include "tcpladder/evlog.h"
#include "tcpladder/snapshot.h"
#include "tcpladder/util.h"

#define TL_LADDER_WIDE_CONT 0u /* the right half of a wide glyph */

/* Below this the ladder draws a one-line note instead. */
#define TL_LADDER_MIN_W 40
#define TL_LADDER_MIN_H 12

enum tl_ladder_kind {
	TL_LADDER_ARROW, /* a segment: SYN, SYN+ACK, ACK, FIN, RST */
	TL_LADDER_DATA,	 /* data exchanged while ESTABLISHED, from tcp_info deltas */
	TL_LADDER_STATE, /* a state change that sends nothing (TIME-WAIT expiry) */
};

/* The dialogue line a step speaks. */
enum tl_ladder_line {
	TL_LINE_NONE,
	TL_LINE_HELLO1, /* "A: Hello, I'm A" */
	TL_LINE_HELLO2, /* "B: Hello A, I'm B" */
	TL_LINE_HELLO3, /* "A: Hello B" */
	TL_LINE_BYE1,	/* "A: B, I'm done sending" */
	TL_LINE_BYE2,	/* "B: Oh, you're done. Got it" */
	TL_LINE_BYE3,	/* "B: Then I'm done too. Bye" */
	TL_LINE_BYE4,	/* "A: OK, bye" */
	TL_LINE_RESET,	/* "A: Reset! Drop it all" */
};

/* One side (0 = A, 1 = B) at one step. */
struct tl_ladder_side {
	uint8_t before, after; /* states around the step (0: not yet known) */
	uint8_t change;	       /* the state entered at this step, 0 for none */
	bool inferred;	       /* that change was inferred or derived */
	bool landing;	       /* ... and caused by this step's segment arriving */
	const char *why;       /* the change's explanation (static), or NULL */
	bool has_info;	       /* info holds this side's counters at this step */
	struct tl_tcpinfo info;
};

struct tl_ladder_step {
	uint8_t kind;	 /* enum tl_ladder_kind */
	uint8_t segment; /* enum tl_segment for arrows */
	int8_t from;	 /* sender: 0 A, 1 B, -1 unknown (an RST) */
	bool inferred;	 /* no observed state change implies it */
	uint8_t line;	 /* enum tl_ladder_line, spoken by `from` */
	uint64_t mono_ns; /* when it was sent (or seen arriving) */
	double wall;
	uint64_t bytes; /* data steps: bytes and segments carried */
	uint32_t segs;
	struct tl_ladder_side side[2];
};

struct tl_ladder;

struct tl_ladder *tl_ladder_new(void);
void tl_ladder_free(struct tl_ladder *l);
/* Rebuild from the log: the events of connection conn_a and of its paired
 * peer conn_b (0 if none; B is then derived from A and drawn inferred).
 * Either id may be the passive end: the roles decide who is A.
 * Deterministic. */
void tl_ladder_build(struct tl_ladder *l, const struct tl_evlog *log, uint32_t conn_a,
		     uint32_t conn_b);
/* The same from an array of events (tests, replays). */
void tl_ladder_build_events(struct tl_ladder *l, const struct tl_event *ev, size_t n,
			    uint32_t conn_a, uint32_t conn_b);

/* Steps in time order: arrows, data arrows and the state changes that
 * send nothing. */
size_t tl_ladder_steps(const struct tl_ladder *l);
const struct tl_ladder_step *tl_ladder_step(const struct tl_ladder *l, size_t i);
/* The newest arrow (the one that animates), or -1. */
int tl_ladder_newest(const struct tl_ladder *l);
/* Whether side 0 (A) or 1 (B) was seen (false: derived from the other). */
bool tl_ladder_known(const struct tl_ladder *l, int side);
/* "10.0.0.1:45000" of side 0 or 1, "?" when unknown. */
const char *tl_ladder_addr(const struct tl_ladder *l, int side);

/* Text of a step's arrow ("SYN", "data 12 segs, 4.1 KB", "RST (direction
 * unknown)"), its dialogue line ("A: Hello, I'm A"; lang "en" or "zh") and
 * the explanation of its state, appended to out. */
void tl_ladder_label(const struct tl_ladder *l, size_t i, struct tl_buf *out);
void tl_ladder_dialogue(const struct tl_ladder *l, size_t i, const char *lang, struct tl_buf *out);
void tl_ladder_explain(const struct tl_ladder *l, size_t i, const char *lang, struct tl_buf *out);

struct tl_ladder_view {
	int selected;	  /* step index, -1 none */
	int mark;	  /* step index, -1 none */
	int scroll;	  /* first step shown (kept so the selection is visible) */
	double anim;	  /* progress 0..1 of the newest arrow's flight; 1 = landed */
	const char *lang; /* "en" or "zh" (NULL: "en") */
	bool explain;	  /* explain the selected step's state in the pane */
	uint64_t now;	  /* monotonic ns, for the clocks; 0 hides them */
};

/* Draw into the rectangle; a side pane with the selected step's details
 * when w >= 100, else below the ladder. */
void tl_ladder_draw(const struct tl_ladder *l, struct tl_canvas *c, int x, int y, int w, int h,
		    const struct tl_ladder_view *v);
/* The scroll the drawing uses for this view and size: v->scroll clamped,
 * moved so the selected step is visible.  For the caller's key handling. */
int tl_ladder_fit_scroll(const struct tl_ladder *l, int w, int h, const struct tl_ladder_view *v);

/* Headless: the whole ladder as text lines (width w), for --events --ladder. */
void tl_ladder_text(const struct tl_ladder *l, int w, const char *lang, bool ascii,
		    struct tl_buf *out);
/* tl_canvas_dump() that skips wide-glyph continuation cells. */
void tl_ladder_dump(const struct tl_canvas *c, struct tl_buf *out);

#endif
