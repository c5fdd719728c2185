/* replay: run a fuzz target over its corpus without libFuzzer, one TAP
 * test point per input, so that `make check` (and its ASan build) replays
 * every input that ever crashed a target.  The corpus directory is
 * $top_srcdir/tests/fuzz/TL_FUZZ_CORPUS; a crash ends the program. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
	const char *top = getenv("top_srcdir");
	char dir[4096], path[4096 + 256];
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	DIR *d;
	int failed = 0;

	snprintf(dir, sizeof(dir), "%s/tests/fuzz/%s", top ? top : ".", TL_FUZZ_CORPUS);
	if (!(d = opendir(dir))) {
		printf("Bail out! cannot open %s\n", dir);
		return 1;
	}
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			names = realloc(names, (n + 1) * sizeof(*names));
			names[n++] = strdup(e->d_name);
		}
	closedir(d);
	qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n; i++) {
		FILE *f;
		uint8_t *data = NULL;
		size_t len = 0, cap = 0, got;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (!(f = fopen(path, "rb"))) {
			printf("not ok %zu - %s: cannot open\n", i + 1, names[i]);
			failed = 1;
			continue;
		}
		do {
			if (len == cap)
				data = realloc(data, cap = cap ? 2 * cap : 4096);
			got = fread(data + len, 1, cap - len, f);
			len += got;
		} while (got);
		fclose(f);
		/* An exact copy: the input's end is the heap block's end. */
		uint8_t *exact = malloc(len ? len : 1);
		memcpy(exact, data, len);
		free(data);
		LLVMFuzzerTestOneInput(exact, len);
		free(exact);
		printf("ok %zu - %s/%s\n", i + 1, TL_FUZZ_CORPUS, names[i]);
		fflush(stdout);
		free(names[i]);
	}
	free(names);
	printf("1..%zu\n", n);
	return failed;
}
