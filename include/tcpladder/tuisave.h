/* tuisave: the ladder screen's x key: the ladder shown, saved as text,
 * SVG and Mermaid in the current directory (the formats are
 * ladderexport's; this writes the files and says where they went). */
#ifndef TCPLADDER_TUISAVE_H
#define TCPLADDER_TUISAVE_H

#include <stdbool.h>

#include "tcpladder/ui.h"

/* ./tcpladder-ladder-COOKIE.{txt,svg,mmd} of ui's ladder (ui->detail_id),
 * captioned with the connection's namespace and owner; ascii: the glyph
 * set is ASCII (English words then).  The footer says where, or why
 * not.  Nothing when the connection or its ladder is gone. */
void tl_tuisave_ladder(struct tl_ui *ui, const struct tl_ui_input *in, bool ascii);

#endif
