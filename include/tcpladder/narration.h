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
 * change's reason for a step that sends nothing.  Not translated: these
 * are the protocol's own names. */
void tl_narration_label(const struct tl_ladder_step *s, struct tl_buf *out);
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

/* "512 B", "4.1 KB", "12.5 MB". */
void tl_narration_bytes(uint64_t bytes, char *out, size_t len);
/* The time of day of a wall-clock time, local: "08:01:02.345". */
void tl_narration_clock_time(double wall, char *out, size_t len);
/* Time since the first step: "+0.310s", "+125.3s", "+12000s". */
void tl_narration_elapsed(uint64_t ns, char *out, size_t len);

#endif
