/* signals: one signalfd for the stop signals, and its undo. */
#include <errno.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "tcpladder/signals.h"
#include "tcpladder/util.h"
#include "tcpladder/sysio.h"

static void stop_set(sigset_t *m)
{
	sigemptyset(m);
	sigaddset(m, SIGINT);
	sigaddset(m, SIGTERM);
	sigaddset(m, SIGHUP);
}

int tl_signals_set(struct tl_signals *s, char **cause)
{
	sigset_t m;
	struct sigaction ign;
	int err;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	stop_set(&m);
	if (sigprocmask(SIG_BLOCK, &m, &s->old_mask) < 0) {
		err = -errno;
		*cause = tl_asprintf("cannot block signals: %s", strerror(errno));
		return err;
	}
	s->fd = signalfd(-1, &m, SFD_CLOEXEC | SFD_NONBLOCK);
	if (s->fd < 0) {
		err = -errno;
		*cause = tl_asprintf("signalfd: %s", strerror(errno));
		sigprocmask(SIG_SETMASK, &s->old_mask, NULL);
		return err;
	}
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, &s->old_pipe);
	s->set = true;
	return 0;
}

int tl_signals_read(struct tl_signals *s)
{
	struct signalfd_siginfo si;
	if (!s->set || TL_EINTR(read(s->fd, &si, sizeof(si))) != (ssize_t)sizeof(si))
		return 0;
	return (int)si.ssi_signo;
}

void tl_signals_clear(struct tl_signals *s)
{
	if (!s->set)
		return;
	sigaction(SIGPIPE, &s->old_pipe, NULL);
	close(s->fd);
	s->fd = -1;
	/* A second stop signal that came after the first is delivered when
	 * the mask is restored, with its default action: the program ends as
	 * asked, after the terminal was given back. */
	sigprocmask(SIG_SETMASK, &s->old_mask, NULL);
	s->set = false;
}
