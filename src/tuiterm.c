/* tuiterm: the terminal's side of the view that curses does not do for
 * it: keys as the view names them, and Ctrl-Z.
 *
 * Curses would stop the view on SIGTSTP with a handler of its own, but it
 * sets SIGTSTP to be ignored while it updates the screen, and a signal
 * that comes then is lost: a Ctrl-Z during a refresh did nothing (more
 * often the busier the machine).  So the view catches SIGTSTP itself,
 * before curses starts (curses then leaves it alone), and stops between
 * two steps of its loop, with the terminal given back first. */
#include <curses.h>
#include <signal.h>
#include <string.h>

#include "tcpladder/tuiterm.h"
#include "tcpladder/ui.h"

static volatile sig_atomic_t tstp;

static void on_tstp(int sig)
{
	(void)sig;
	tstp = 1; /* (the loop's poll() returns with EINTR, never restarted) */
}

static void catch_tstp(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_tstp;
	sa.sa_flags = SA_RESTART; /* other calls go on; poll() returns EINTR all the same */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTSTP, &sa, NULL);
}

void tl_tuiterm_tstp_init(void)
{
	struct sigaction old;
	/* a shell without job control has it ignored: so be it */
	if (sigaction(SIGTSTP, NULL, &old) == 0 && old.sa_handler != SIG_IGN)
		catch_tstp();
}

bool tl_tuiterm_suspend(void)
{
	if (!tstp)
		return false;
	tstp = 0;
	endwin(); /* the shell's screen and terminal settings back */
	signal(SIGTSTP, SIG_DFL);
	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, SIGTSTP);
	sigprocmask(SIG_UNBLOCK, &m, NULL);
	raise(SIGTSTP); /* stopped here until SIGCONT */
	catch_tstp();
	clearok(curscr, TRUE);
	refresh(); /* curses mode again, all of it redrawn */
	return true;
}

int tl_tuiterm_key(int r, wint_t ch)
{
	if (r == OK) {
		switch (ch) {
		case '\n':
		case '\r':
			return TL_KEY_ENTER;
		case 27:
			return TL_KEY_ESC;
		case '\t':
			return TL_KEY_TAB;
		case 127:
		case 8:
			return TL_KEY_BACKSPACE;
		default:
			return (int)ch;
		}
	}
	switch (ch) {
	case KEY_UP:
		return TL_KEY_UP;
	case KEY_DOWN:
		return TL_KEY_DOWN;
	case KEY_LEFT:
		return TL_KEY_LEFT;
	case KEY_RIGHT:
		return TL_KEY_RIGHT;
	case KEY_PPAGE:
		return TL_KEY_PGUP;
	case KEY_NPAGE:
		return TL_KEY_PGDN;
	case KEY_HOME:
		return TL_KEY_HOME;
	case KEY_END:
		return TL_KEY_END;
	case KEY_ENTER:
		return TL_KEY_ENTER;
	case KEY_BTAB:
		return TL_KEY_BTAB;
	case KEY_DC:
		return TL_KEY_DELETE;
	case KEY_BACKSPACE:
		return TL_KEY_BACKSPACE;
	default:
		if (ch >= KEY_F(1) && ch <= KEY_F(12))
			return TL_KEY_F1 + (int)(ch - KEY_F(1));
		return 0;
	}
}
