/* uisetup: the setup screen (F2, as htop's): the table's columns shown
 * and their order, the colour scheme, the sampling interval, the panes
 * shown, the grouping.  A change applies at once; the terminal shell
 * saves the settings when they differ from the file's.
 *
 *   Setup: changes apply at once and are saved            (header)
 *   Columns  Space show/hide  [ ] move
 *     [x] STATE
 *     [ ] NETNS  (with several namespaces)
 *     ...
 *   Colours
 *     < default >
 *   Sampling interval
 *     < 0.50 s >
 *   Panes shown  Space show/collapse
 *     [x] histogram  [x] connections  [x] events  (a line each)
 *   Group connections by
 *     < none >
 *   Space toggle  [ ] move  <- -> change  F1 keys  Esc back (footer)
 */
#ifndef TCPLADDER_UISETUP_H
#define TCPLADDER_UISETUP_H

#include <stdbool.h>

struct tl_canvas;
struct tl_ui;
struct tl_ui_input;

/* Open the setup screen on its first item. */
void tl_uisetup_open(struct tl_ui *ui);
void tl_uisetup_draw(struct tl_canvas *c, struct tl_ui *ui, const struct tl_ui_input *in);
/* A key on the setup screen; true when it was one of its keys. */
bool tl_uisetup_key(struct tl_ui *ui, int key, const struct tl_ui_input *in);
/* The name of a colour scheme: "default", "monochrome"; NULL out of
 * range.  tl_uisetup_scheme_parse: -1 when unknown. */
const char *tl_uisetup_scheme_name(int scheme);
int tl_uisetup_scheme_parse(const char *name);

#endif
