/*
 * timeit - run a command once and report its wall time (CLOCK_MONOTONIC,
 * fork to wait4) and max RSS, for run.sh.  libc only.
 *
 *     gcc -O2 -Wall -o timeit timeit.c
 *     timeit OUTFILE cmd [args...]
 *
 * The command's stdout goes to OUTFILE (use /dev/null to discard), its
 * stderr is left alone.  Prints "<elapsed_ns> <maxrss_kB> <exit_status>"
 * on stdout; exits 0 unless the command could not be run at all.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	struct rusage ru;
	int status, out, rc;
	pid_t pid;

	if (argc < 3) {
		fprintf(stderr, "usage: timeit OUTFILE cmd [args...]\n");
		return 2;
	}
	out = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		perror(argv[1]);
		return 2;
	}
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 2;
	}
	if (pid == 0) {
		dup2(out, STDOUT_FILENO);
		execvp(argv[2], argv + 2);
		perror(argv[2]);
		_exit(127);
	}
	while (wait4(pid, &status, 0, &ru) < 0)
		if (errno != EINTR) {
			perror("wait4");
			return 2;
		}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	printf("%lld %ld %d\n",
	       (long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL +
		       (t1.tv_nsec - t0.tv_nsec),
	       ru.ru_maxrss, rc);
	return rc == 127 ? 2 : 0;
}
