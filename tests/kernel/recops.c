/* recops: a test helper that counts a recording's operations by kind.
 *
 * Usage: recops [-n] FILE
 *        recops -r BYTES FILE
 *
 * Prints one line per kind present, "KIND COUNT", in the order of the
 * kinds' numbers (docs/recording.md), then "end" when the file was read
 * to its end, or the reader's notice when it stopped at damage.  With -n,
 * first "sample NS COUNT" for each namespace's dumps.  With -r, instead,
 * "sample" or "lookup" for each dump or lookup answer, in order, that
 * lists a socket with BYTES in its receive queue: which of the two saw
 * it first.  Exit status: 0, 1 when the file cannot be read as a
 * recording, 2 on usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcpladder/record.h"
#include "tcpladder/recfmt.h"

int main(int argc, char **argv)
{
	int per_ns = argc == 3 && !strcmp(argv[1], "-n");
	int rq = argc == 4 && !strcmp(argv[1], "-r") ? 2 : 0;
	if (argc != 2 + per_ns + rq) {
		fprintf(stderr, "usage: recops [-n] FILE | -r BYTES FILE\n");
		return 2;
	}
	uint32_t bytes = rq ? (uint32_t)strtoul(argv[2], NULL, 10) : 0;
	char *cause = NULL;
	struct tl_player *p = tl_player_open(argv[1 + per_ns + rq], &cause);
	if (!p) {
		fprintf(stderr, "recops: %s\n", cause ? cause : "cannot read");
		free(cause);
		return 1;
	}
	unsigned long count[256] = {0}, samples[256] = {0};
	struct tl_rop op;
	while (tl_player_next(p, &op) == 1) {
		if (rq && op.kind == TL_ROP_LOOKUP && op.found && op.sock.rqueue == bytes)
			printf("lookup\n");
		for (size_t i = 0; rq && op.kind == TL_ROP_SAMPLE && i < op.snap->n; i++)
			if (op.snap->socks[i].rqueue == bytes) {
				printf("sample\n");
				break;
			}
		if (rq)
			continue;
		count[op.kind & 0xff]++;
		if (op.kind == TL_ROP_SAMPLE)
			samples[op.ns & 0xff]++;
	}
	for (int n = 0; per_ns && n < 256; n++)
		if (samples[n])
			printf("sample %d %lu\n", n, samples[n]);
	for (int k = 0; k < 256; k++)
		if (count[k])
			printf("%d %lu\n", k, count[k]);
	char *notice = tl_player_take_notice(p);
	printf("%s\n", notice ? notice : "end");
	free(notice);
	tl_player_free(p);
	return 0;
}
