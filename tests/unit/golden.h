/* golden.h: compare a rendering with its golden file, tests/golden/NAME.txt
 * under $top_srcdir, as one TAP test point.
 *
 * A mismatch prints a unified diff (- golden, + got) as TAP diagnostics,
 * not the whole screen.  A missing golden file is a failure that says so.
 * TL_UPDATE_GOLDEN=1 rewrites the golden files instead of comparing them;
 * under CI=true that is refused, and the refusal is a failure: CI checks
 * goldens, it never makes them. */
#ifndef TL_GOLDEN_H
#define TL_GOLDEN_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

enum { GOLDEN_CONTEXT = 3 };

struct golden_line {
	const char *p;
	size_t n;
};

struct golden_op {
	char t;      /* ' ' in both, '-' golden only, '+' got only */
	size_t a, b; /* line indices in golden and got when the op is applied */
};

static inline void *golden_alloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (!p) {
		fprintf(stderr, "golden: out of memory\n");
		abort();
	}
	return p;
}

/* The lines of s (without their '\n'); a final line without '\n' counts. */
static inline size_t golden_split(const char *s, size_t len, struct golden_line **out)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += s[i] == '\n';
	n += len && s[len - 1] != '\n';
	struct golden_line *v = golden_alloc(n, sizeof(*v));
	size_t k = 0, i = 0;
	while (i < len) {
		const char *nl = memchr(s + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - s) : len;
		v[k++] = (struct golden_line){s + i, end - i};
		i = end + 1;
	}
	*out = v;
	return n;
}

static inline int golden_same(const struct golden_line *x, const struct golden_line *y)
{
	return x->n == y->n && !memcmp(x->p, y->p, x->n);
}

/* The unified diff of golden (a) against got (b), each line prefixed by
 * "#   " so that TAP reads it as diagnostics.  Longest common subsequence
 * by dynamic programming: goldens are screens, a few hundred lines. */
static inline void golden_diff(const char *a, size_t alen, const char *b, size_t blen,
                               const char *path)
{
	struct golden_line *la, *lb;
	size_t na = golden_split(a, alen, &la), nb = golden_split(b, blen, &lb);
	size_t w = nb + 1;
	if (na > 4000 || nb > 4000) {
		printf("#   %zu lines against %zu: too long to diff\n", na, nb);
		free(la);
		free(lb);
		return;
	}
	/* lcs[i * w + j]: the longest common subsequence of la[i..] and lb[j..] */
	size_t *lcs = golden_alloc((na + 1) * w, sizeof(*lcs));
	for (size_t i = na; i-- > 0;)
		for (size_t j = nb; j-- > 0;) {
			size_t down = lcs[(i + 1) * w + j], right = lcs[i * w + j + 1];
			if (golden_same(&la[i], &lb[j]))
				lcs[i * w + j] = lcs[(i + 1) * w + j + 1] + 1;
			else
				lcs[i * w + j] = down >= right ? down : right;
		}
	struct golden_op *ops = golden_alloc(na + nb, sizeof(*ops));
	size_t n = 0, i = 0, j = 0;
	while (i < na || j < nb) {
		if (i < na && j < nb && golden_same(&la[i], &lb[j])) {
			ops[n++] = (struct golden_op){' ', i++, j++};
		} else if (j == nb || (i < na && lcs[(i + 1) * w + j] >= lcs[i * w + j + 1])) {
			ops[n++] = (struct golden_op){'-', i++, j};
		} else {
			ops[n++] = (struct golden_op){'+', i, j++};
		}
	}
	printf("#   --- %s\n#   +++ got\n", path);
	size_t k = 0, changes = 0;
	while (k < n) {
		while (k < n && ops[k].t == ' ')
			k++;
		if (k == n)
			break;
		size_t start = k > GOLDEN_CONTEXT ? k - GOLDEN_CONTEXT : 0, last = k;
		for (size_t q = k; q < n && q - last <= 2 * GOLDEN_CONTEXT; q++)
			if (ops[q].t != ' ')
				last = q;
		size_t end = last + GOLDEN_CONTEXT + 1 < n ? last + GOLDEN_CONTEXT + 1 : n;
		size_t ac = 0, bc = 0;
		for (size_t q = start; q < end; q++) {
			ac += ops[q].t != '+';
			bc += ops[q].t != '-';
		}
		printf("#   @@ -%zu,%zu +%zu,%zu @@\n", ops[start].a + (ac != 0), ac,
		       ops[start].b + (bc != 0), bc);
		for (size_t q = start; q < end; q++) {
			const struct golden_line *l =
			    ops[q].t == '+' ? &lb[ops[q].b] : &la[ops[q].a];
			printf("#   %c%.*s\n", ops[q].t, (int)l->n, l->p);
			changes += ops[q].t != ' ';
		}
		k = end;
	}
	if (!changes)
		printf("#   (the lines are the same: they differ in the final newline)\n");
	free(ops);
	free(lcs);
	free(la);
	free(lb);
}

/* The whole file, NUL-terminated; NULL with errno set if it cannot be read. */
static inline char *golden_read(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return NULL;
	size_t cap = 4096, n = 0, r;
	char *s = golden_alloc(cap + 1, 1);
	while ((r = fread(s + n, 1, cap - n, fp)) > 0) {
		n += r;
		if (n == cap) {
			char *t = golden_alloc(2 * cap + 1, 1);
			memcpy(t, s, n);
			free(s);
			s = t;
			cap *= 2;
		}
	}
	int bad = ferror(fp);
	fclose(fp);
	if (bad) {
		free(s);
		errno = EIO;
		return NULL;
	}
	s[n] = '\0';
	*len = n;
	return s;
}

static inline int golden_write(const char *path, const char *data, size_t len)
{
	FILE *fp = fopen(path, "wb");
	if (!fp)
		return -1;
	size_t w = fwrite(data, 1, len, fp);
	if (fclose(fp) != 0 || w != len)
		return -1;
	return 0;
}

static inline int golden_updating(void)
{
	const char *u = getenv("TL_UPDATE_GOLDEN");
	return u && *u && strcmp(u, "0") != 0;
}

__attribute__((format(printf, 6, 7))) static inline int golden_ok_at(const char *got, size_t len,
                                                                     const char *name,
                                                                     const char *file, int line,
                                                                     const char *fmt, ...)
{
	char path[4096], desc[512];
	const char *top = getenv("top_srcdir");
	va_list ap;
	if (!got) /* an empty buffer may have no storage */
		got = "";
	va_start(ap, fmt);
	vsnprintf(desc, sizeof(desc), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "%s/tests/golden/%s.txt", top && *top ? top : ".", name);

	if (golden_updating()) {
		const char *ci = getenv("CI");
		if (ci && !strcmp(ci, "true")) {
			tap_ok_at(0, file, line, "%s", desc);
			printf("#   TL_UPDATE_GOLDEN is refused under CI=true: goldens are checked "
			       "here, never rewritten (%s)\n",
			       path);
			return 0;
		}
		if (golden_write(path, got, len) < 0) {
			int err = errno;
			tap_ok_at(0, file, line, "%s", desc);
			printf("#   cannot write %s: %s\n", path, strerror(err));
			return 0;
		}
		printf("# rewrote %s\n", path);
	}
	size_t wlen = 0;
	char *want = golden_read(path, &wlen);
	if (!want) {
		int err = errno;
		tap_ok_at(0, file, line, "%s", desc);
		printf("#   golden file %s: %s (TL_UPDATE_GOLDEN=1 writes it)\n", path,
		       strerror(err));
		printf("#   got:\n");
		golden_diff("", 0, got, len, path);
		return 0;
	}
	int pass = wlen == len && !memcmp(want, got, len);
	if (!tap_ok_at(pass, file, line, "%s", desc)) {
		printf("#   differs from %s (TL_UPDATE_GOLDEN=1 rewrites it):\n", path);
		golden_diff(want, wlen, got, len, path);
	}
	free(want);
	return pass;
}

/* golden_ok(GOT, LEN, NAME, DESCRIPTION...): GOT equals tests/golden/NAME.txt. */
#define golden_ok(got, len, name, ...) golden_ok_at(got, len, name, __FILE__, __LINE__, __VA_ARGS__)

#endif
