/* uileaks: the leak screen. */
#ifndef TCPLADDER_UILEAKS_H
#define TCPLADDER_UILEAKS_H

#include <stdbool.h>
#include <stddef.h>

#include "tcpladder/ui.h"

struct tl_canvas;

/* CLOSE-WAIT by process, each owner's trend, and the thresholds; the
 * selection (ui->leak_pid) is kept in the list and on screen. */
void tl_uileaks_draw(struct tl_canvas *c, struct tl_ui *ui, const struct tl_ui_input *in);

/* The leak screen's rows: in->leaks with a known owner, in their order;
 * the index of ui->leak_pid among them (0 when it is not there). */
size_t tl_uileaks_rows(const struct tl_ui_input *in, const struct tl_leak_group **rows, size_t cap,
		       int pid, size_t *sel);

/* The ss command that lists a process's CLOSE-WAIT sockets:
 * "ss -tnp state close-wait '( sport = :443 )' | grep 'pid=4242,'";
 * in the process's namespace with nsenter when several are watched. */
void tl_uileaks_ss_command(const struct tl_leak_group *g, bool netns, char *out, size_t len);

#endif
