/* tuisave: what the view hands out: the ladder screen's x key (the
 * ladder shown, saved as text, SVG and Mermaid in the current directory;
 * the formats are ladderexport's, this writes the files and says where
 * they went), and text copied to the terminal's clipboard. */
#ifndef TCPLADDER_TUISAVE_H
#define TCPLADDER_TUISAVE_H

#include <stdbool.h>

#include "tcpladder/ui.h"

/* ./tcpladder-ladder-COOKIE.{txt,svg,mmd} of ui's ladder (ui->detail_id),
 * captioned with the connection's namespace and owner; ascii: the glyph
 * set is ASCII (English words then).  The footer says where, or why
 * not.  A connection the tracker let go is saved as the screen kept it;
 * nothing when there is no ladder. */
void tl_tuisave_ladder(struct tl_ui *ui, const struct tl_ui_input *in, bool ascii);
/* Text to the terminal's clipboard (OSC 52). */
void tl_tuisave_clipboard(const char *text);

#endif
