/* ladderexport: a ladder (ladder.h) saved for slides, documents and bug
 * reports: as plain text (the drawing of ladderview.h, with its legend),
 * as an SVG picture, or as a Mermaid sequenceDiagram.
 *
 * The SVG, a step a row:
 *
 *   caption (namespace, owner)
 *   A 10.0.0.1:45000 (client)          B 10.0.0.2:80 (server)
 *                       |       SYN        |                  A: Hello, I'm A
 *   <=+0.000s  SYN-SENT |----------------->| SYN-RECV
 *                       |      ~ACK        |                  A: Hello B
 *   <=+0.612s           |- - - - - - - - ->| ~ESTABLISHED
 *   legend
 *
 * Inferred arrows are dashed and grey, their labels and states marked
 * '~'; the lifeline of a side derived from the other is dashed.  Every
 * text is XML-escaped; the caption (text the tool did not write) first
 * passes tl_buf_put_safe(), so no control byte or invalid UTF-8 reaches
 * the XML.  Mermaid: `A->>B` for a seen segment, `A-->>B` for an inferred
 * one, the states as notes beside their side; ';', '#', '%', '<' and '>'
 * in any text become Mermaid's entity codes.  Pure: text appended to the
 * caller's buffer. */
#ifndef TCPLADDER_LADDEREXPORT_H
#define TCPLADDER_LADDEREXPORT_H

#include <stdbool.h>

#include "tcpladder/ladder.h"
#include "tcpladder/util.h"

enum tl_ladder_format {
	TL_LADDER_FMT_TEXT,
	TL_LADDER_FMT_SVG,
	TL_LADDER_FMT_MERMAID,
	TL_LADDER_FMT_N
};

struct tl_ladder_export {
	enum tl_ladder_format format;
	const char *lang;    /* "en" or "zh" (NULL: "en") */
	bool ascii;          /* text only: ASCII glyphs (and English, as on screen) */
	bool legend;         /* text only: the legend line first */
	const char *caption; /* a line above the diagram (namespace, owner), or NULL */
};

/* "text", "svg" or "mermaid" to its format; -1 for anything else. */
int tl_ladder_format_parse(const char *name);
/* "text", "svg", "mermaid". */
const char *tl_ladder_format_name(enum tl_ladder_format f);
/* The file name extension: "txt", "svg", "mmd". */
const char *tl_ladder_format_ext(enum tl_ladder_format f);

/* The whole ladder in x->format, appended to out: an SVG is a complete
 * document (its XML declaration first), a Mermaid diagram starts with
 * "sequenceDiagram". */
void tl_ladder_export(const struct tl_ladder *l, const struct tl_ladder_export *x,
		      struct tl_buf *out);

#endif
