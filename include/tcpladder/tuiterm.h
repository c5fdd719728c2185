/* tuiterm: keys as the view names them, and Ctrl-Z (see tuiterm.c). */
#ifndef TCPLADDER_TUITERM_H
#define TCPLADDER_TUITERM_H

#include <stdbool.h>
#include <wchar.h>

/* A key from get_wch (its return r and character ch) as a TL_KEY_* or a
 * character; 0 for keys the view has no use for. */
int tl_tuiterm_key(int r, wint_t ch);
/* Catch SIGTSTP; call before initscr. */
void tl_tuiterm_tstp_init(void);
/* After a SIGTSTP: the terminal given back, the process stopped, and on
 * SIGCONT curses again, to be redrawn.  False when none came. */
bool tl_tuiterm_suspend(void);

#endif
