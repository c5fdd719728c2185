/* util: checked allocation, a growable text buffer and JSON string escaping.
 *
 * Allocation failure is fatal: the wrappers call the hook set with
 * tl_set_fatal_hook() (the terminal shell uses it to restore the screen)
 * and then print one line and exit(1).  Everything else in the core
 * returns errors instead of exiting. */
#ifndef TCPLADDER_UTIL_H
#define TCPLADDER_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define TL_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define TL_MIN(a, b) ((a) < (b) ? (a) : (b))
#define TL_MAX(a, b) ((a) > (b) ? (a) : (b))

#if defined(__GNUC__)
#define TL_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define TL_PRINTF(f, a)
#endif

void tl_set_fatal_hook(void (*hook)(void));
void *tl_malloc(size_t size);
void *tl_calloc(size_t n, size_t size);
void *tl_reallocarray(void *p, size_t n, size_t size);
char *tl_strdup(const char *s);
char *tl_asprintf(const char *fmt, ...) TL_PRINTF(1, 2);
/* Adds msg (a heap string, taken) to the notices in *slot (NULL: none),
 * joined with "; " into one line: a later notice never hides an earlier. */
void tl_notice_add(char **slot, char *msg);

/* A growable NUL-terminated byte buffer; renderers write into one and the
 * shell decides where it goes. */
struct tl_buf {
	char *data;
	size_t len;
	size_t cap;
};

void tl_buf_init(struct tl_buf *b);
void tl_buf_fini(struct tl_buf *b);
void tl_buf_reset(struct tl_buf *b);
void tl_buf_add(struct tl_buf *b, const char *s, size_t n);
void tl_buf_puts(struct tl_buf *b, const char *s);
void tl_buf_putc(struct tl_buf *b, char c);
void tl_buf_printf(struct tl_buf *b, const char *fmt, ...) TL_PRINTF(2, 3);
void tl_buf_vprintf(struct tl_buf *b, const char *fmt, va_list ap) TL_PRINTF(2, 0);
/* Append s as a JSON string literal, quotes included.  Controls (C0, DEL
 * and C1) are escaped as \uXXXX; a byte that is not part of valid UTF-8
 * is escaped as the Latin-1 character of that value, so the result is
 * always valid JSON. */
void tl_buf_json_str(struct tl_buf *b, const char *s);
/* Append s for a terminal: every control byte (C0, DEL), C1 control
 * (U+0080 to U+009F) and byte that is not part of valid UTF-8 is shown
 * as \xNN (\n, \t, \r for those three), so text the tool did not write
 * (process names, command lines, namespace names, echoed input) can never
 * drive the terminal.  Backslashes are kept: applying it twice changes
 * nothing.  max > 0 shows at most max bytes of s, whole characters, then
 * "...". */
void tl_buf_put_safe(struct tl_buf *b, const char *s, size_t max);
/* The same into a new string (caller frees); NULL gives "(null)". */
char *tl_text_safe(const char *s, size_t max);
/* How long an echo of the user's input may be in a message, and a buffer
 * that holds one escaped. */
#define TL_ECHO_MAX 64
#define TL_ECHO_SIZE (TL_ECHO_MAX * 4 + 4)
/* s escaped and cut to TL_ECHO_MAX into buf (of TL_ECHO_SIZE bytes);
 * returns buf, for messages that quote input. */
const char *tl_text_echo(const char *s, char *buf, size_t size);
/* Numbers without printf (the event stream's hot path). */
void tl_buf_u64(struct tl_buf *b, uint64_t v);
/* v with this many decimals (0 to 6), rounded. */
void tl_buf_fixed(struct tl_buf *b, double v, int decimals);

/* Parse a non-negative decimal number of seconds ("0.25", "3") into
 * nanoseconds; 0 on success, -EINVAL otherwise. */
int tl_parse_seconds(const char *s, uint64_t *ns);
/* Parse an unsigned decimal integer in [min, max]. */
int tl_parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out);

/* a + b, or UINT64_MAX where the sum would wrap (deadlines far ahead). */
static inline uint64_t tl_add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}
/* The poll() timeout in ms until deadline (ns), rounded up, at most
 * cap_ms; 0 when it has passed. */
int tl_poll_timeout_ms(uint64_t deadline, uint64_t now, int cap_ms);

#endif
