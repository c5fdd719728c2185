/* tap.h: a minimal TAP producer for the unit tests.  Each check is one
 * test point, so the CI summary counts checks, not files. */
#ifndef TL_TAP_H
#define TL_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_count, tap_failed;

__attribute__((format(printf, 4, 0))) static void tap_vok(int pass, const char *file, int line,
							   const char *fmt, va_list ap)
{
	tap_count++;
	printf("%s %d - ", pass ? "ok" : "not ok", tap_count);
	vprintf(fmt, ap);
	printf("\n");
	if (!pass) {
		tap_failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	fflush(stdout);
}

static inline int tap_ok_at(int pass, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static inline int tap_ok_at(int pass, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	tap_vok(pass, file, line, fmt, ap);
	va_end(ap);
	return pass;
}

/* Text as TAP diagnostics: "#   LABEL" then each line after "#   | ". */
static inline void tap_diag_text(const char *label, const char *s)
{
	printf("#   %s\n", label);
	if (!s) {
		printf("#   (null)\n");
		return;
	}
	do {
		const char *nl = strchr(s, '\n');
		int n = nl ? (int)(nl - s) : (int)strlen(s);
		printf("#   | %.*s\n", n, s);
		s = nl ? nl + 1 : NULL;
	} while (s && *s);
}

#define ok(cond, ...) tap_ok_at(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...)                                                              \
	do {                                                                                \
		long long g_ = (long long)(got), w_ = (long long)(want);                   \
		if (!ok(g_ == w_, __VA_ARGS__))                                             \
			printf("#   got %lld, want %lld\n", g_, w_);                          \
	} while (0)
#define is_str(got, want, ...)                                                              \
	do {                                                                                \
		const char *g_ = (got), *w_ = (want);                                      \
		if (!ok(g_ && w_ && !strcmp(g_, w_), __VA_ARGS__)) {                        \
			tap_diag_text("got:", g_);                                          \
			tap_diag_text("want:", w_);                                         \
		}                                                                           \
	} while (0)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

#endif
