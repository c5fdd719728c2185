/* narration: the ladder's steps in words, in English ("en") or Chinese
 * ("zh"; any other lang is English): an arrow's label, the line of
 * dialogue a step speaks, what a state means and why TCP does it so, the
 * clocks of a lingering state, and the sizes and times these quote.
 *
 * The prose is data: one table per language in narration.c, nothing
 * else there knows a language.  Text is appended to the caller's buffer,
 * numbers are written into the caller's array; the tables are static.  A
 * NULL step adds nothing. */
#ifndef TCPLADDER_NARRATION_H
#define TCPLADDER_NARRATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpladder/ladder.h"
#include "tcpladder/util.h"

/* "SYN", "data 12 segs, 4.1 KB", "RST (direction unknown)", or a state
 * change's reason for a step that sends nothing, in English (the
 * events' and the exports' own names). */
void tl_narration_label(const struct tl_ladder_step *s, struct tl_buf *out);
/* The same in lang: the segments' names stay, the words around them are
 * translated ("数据 3 段，9 B", "ACK 丢失"). */
void tl_narration_label_in(const struct tl_ladder_step *s, const char *lang, struct tl_buf *out);
/* "A: Hello, I'm A"; nothing for a step that speaks no line. */
void tl_narration_dialogue(const struct tl_ladder_step *s, const char *lang, struct tl_buf *out);
/* The state the step is about, then the topic it belongs to (the
 * handshake, the close, TIME-WAIT, ...), one paragraph a line. */
void tl_narration_explain(const struct tl_ladder_step *s, const char *lang, struct tl_buf *out);
/* "41s left" for a TIME-WAIT (from the socket's timer), "for 2m10s" for
 * a CLOSE-WAIT, as of now (monotonic ns); false for other states, or
 * when now is 0 or before the state was entered. */
bool tl_narration_clock(const struct tl_ladder_last *last, uint64_t now, const char *lang,
			struct tl_buf *out);

/* The ladder screen's words, in lang: '@' in a word is replaced by at,
 * '#' by hash (NULL: nothing). */
enum tl_narration_word {
	TL_WORD_STEP,        /* "Step @/#: " */
	TL_WORD_CONNECTION,  /* the pane's title with nothing selected */
	TL_WORD_STEPS_HINT,  /* "@ steps; select one for its details" */
	TL_WORD_AT_SEEN,     /* "at @, observed" (a first sighting) */
	TL_WORD_AT_OBSERVED, /* "at or before @ (between two samples), observed" */
	TL_WORD_AT_INFERRED, /* ... inferred */
	TL_WORD_AFTER_MARK,  /* "@ s after the mark (step #)" */
	TL_WORD_BEFORE_MARK, /* "@ s before the mark (step #)" */
	TL_WORD_SPANS,       /* "; it spans an inferred step: ..." */
	TL_WORD_CARRIED,     /* "carried @ bytes (#)" */
	TL_WORD_CARRIED_FEW, /* "carried @ B": under a kilobyte */
	TL_WORD_IN_SEGS,     /* " in @ segments" */
	TL_WORD_COUNTERS,    /* "@ tcp_info:" */
	TL_WORD_RTT,         /* " rtt @ ms" */
	TL_WORD_SENT,        /* ", bytes_acked @" */
	TL_WORD_RECEIVED,    /* ", bytes_received @" */
	TL_WORD_SEGS,        /* ", segs @ out # in" */
	TL_WORD_CTL_BYTES,   /* what besides data those counters count */
	TL_WORD_NOT_YET,     /* "(not yet)" */
	TL_WORD_INFERRED,    /* " (inferred)" */
	TL_WORD_DERIVED,     /* " (derived)" */
	TL_WORD_FIRST_SEEN,  /* "first seen in @" */
	TL_WORD_AT_TIME,     /* "at @" */
	TL_WORD_NO_SEGMENT,  /* a ladder with no step yet */
	TL_WORD_KEYS,        /* the ladder screen's keys */
	TL_WORD_KEYS_LAB,    /* ... in the lab */
	TL_WORD_KEY_SAVE,    /* "  x save" */

	/* the heads, the link's notes, the labels, the legend, the lab's notes */
	TL_WORD_CLIENT,       /* a lifeline's head: A's role */
	TL_WORD_SERVER,       /* ... B's */
	TL_WORD_HEAD_DERIVED, /* a head of an end not watched */
	TL_WORD_NOTE_STALE,   /* the link's notes */
	TL_WORD_NOTE_LOST,
	TL_WORD_NOTE_RESENT,
	TL_WORD_NOTE_HELD,
	TL_WORD_NOTE_ANSWER,   /* sent again, not by a timer */
	TL_WORD_NOTE_RELEASED, /* a held segment's arrival row */
	TL_WORD_ON_LINK,       /* "on the link (seq @, ack #): note" */
	TL_WORD_SEQ_ACK,
	TL_WORD_NOTE_SEP,
	TL_WORD_ABOVE_BELOW, /* steps out of view */
	TL_WORD_ABOVE,
	TL_WORD_BELOW,
	TL_WORD_TOO_SMALL, /* a pane too small (sizes as 40x12) */
	TL_WORD_AT_EXACT,  /* '#': observed or inferred */
	TL_WORD_BETWEEN,
	TL_WORD_OBSERVED,
	TL_WORD_INFERRED_ADJ,
	TL_WORD_DATA_SEGS, /* arrow labels: a data step */
	TL_WORD_DATA,
	TL_WORD_DATA_SEG1, /* one segment */
	TL_WORD_GAP,       /* steps the store did not keep */
	TL_WORD_GAP1,
	TL_WORD_STALE,      /* before a segment's name */
	TL_WORD_RETRANSMIT, /* '@': "#2" */
	TL_WORD_DIR_UNKNOWN,
	TL_WORD_LOST,
	TL_WORD_AGAIN,
	TL_WORD_HELD,
	TL_WORD_RELEASED_LBL,
	TL_WORD_STATE_CHANGE, /* a change with no reason known */
	TL_WORD_LEGEND,       /* the legend's items ('@': the mark) */
	TL_WORD_LEG_INFERRED,
	TL_WORD_LEG_SEGMENT,
	TL_WORD_LEG_DERIVED,
	TL_WORD_LEG_WINDOW,
	TL_WORD_LEG_BOUND,
	TL_WORD_LEG_LOST,
	TL_WORD_LEG_SAMPLED, /* a saved picture's bound: all times found by sampling */
	TL_WORD_LEG_HELD,    /* a saved picture's held segment (step mode) */
	TL_WORD_STEP_STATUS, /* the lab's step mode */
	TL_WORD_STEP_ON,
	TL_WORD_STEP_OFF,
	TL_WORD_RELEASED,
	TL_WORD_NOTHING_HELD,
	TL_WORD_RESENT_MSG, /* '@': A or B, '#': the segment */
	TL_WORD_HELD_MSG,
	TL_WORD_ANSWER_MSG, /* '@': A or B, '#': the segment sent again as an answer */
	TL_WORD_STALE_MSG,
	TL_WORD_TW_LEFT, /* late-fin's clocks */
	TL_WORD_FIN_AGAIN,
	TL_WORD_LAB_KEYS, /* after a run's caption */
	TL_WORD_NEXT_KEY,
	TL_WORD_LOOPBACK,
	TL_WORD_NEXT_RUN,
	TL_WORD_TW_OVER,
	TL_WORD_NO_SKIP,
	TL_WORD_SKIP_FIN,
	TL_WORD_SKIP_END,
	TL_WORD_SKIP_RST,
	TL_WORD_SKIP_STEPS,
	TL_WORD_SUM_STATE, /* the detail screen's summary */
	TL_WORD_SUM_AT_LEAST,
	TL_WORD_SUM_FIRST,
	TL_WORD_SUM_ROLE,
	TL_WORD_ROLE_ACTIVE,
	TL_WORD_ROLE_PASSIVE,
	TL_WORD_ROLE_UNKNOWN,
	TL_WORD_SUM_GUESSED,
	TL_WORD_SUM_RTT,
	TL_WORD_SUM_ACKED,
	TL_WORD_SUM_RECEIVED,
	TL_WORD_SUM_SEGS,
	TL_WORD_SUM_TW_ENDS,
	TL_WORD_SUM_OWNER,
	TL_WORD_SUM_UNREAD,
	TL_WORD_SUM_PEER,
	TL_WORD_GONE_TITLE,
	TL_WORD_GONE,
	TL_WORD_GONE_KEYS,
	TL_WORD_GONE_KEPT, /* the title's note: the ladder as it was last seen */
	TL_WORD_N
};
void tl_narration_word(const char *lang, enum tl_narration_word w, const char *at, const char *hash,
		       struct tl_buf *out);
/* A state change's reason (tl_ladder_side.why) in lang: static, the
 * reason itself when it has no translation. */
const char *tl_narration_why(const char *why, const char *lang);

/* The narration's language: asked (--lang, or NULL), else Chinese when
 * the locale's name (LC_ALL, LC_MESSAGES or LANG, the first set) starts
 * with "zh", else English.  Chinese needs UTF-8 (utf8: the terminal shows
 * it): without, English, and *why says why (static); else *why is NULL. */
const char *tl_narration_lang(const char *asked, const char *locale, bool utf8, const char **why);

/* "512 B", "4.1 KB", "12.5 MB". */
void tl_narration_bytes(uint64_t bytes, char *out, size_t len);
/* The time of day of a wall-clock time, local: "08:01:02.345". */
void tl_narration_clock_time(double wall, char *out, size_t len);
/* Time since the first step: "+0.310s", "+125.3s", "+12000s". */
void tl_narration_elapsed(uint64_t ns, char *out, size_t len);

#endif
