/* util: checked allocation, text buffer, small parsers. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcpladder/util.h"

static void (*fatal_hook)(void);

void tl_set_fatal_hook(void (*hook)(void))
{
	fatal_hook = hook;
}

static void oom(size_t n, size_t size)
{
	if (fatal_hook)
		fatal_hook();
	fprintf(stderr, "tcpladder: out of memory (allocating %zu x %zu bytes)\n", n, size);
	exit(1);
}

void *tl_malloc(size_t size)
{
	void *p = malloc(size ? size : 1);
	if (!p)
		oom(1, size);
	return p;
}

void *tl_calloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom(n, size);
	return p;
}

void *tl_reallocarray(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		oom(n, size);
	size_t bytes = n * size;
	void *q = realloc(p, bytes ? bytes : 1);
	if (!q)
		oom(n, size);
	return q;
}

char *tl_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = tl_malloc(n);
	memcpy(p, s, n);
	return p;
}

char *tl_asprintf(const char *fmt, ...)
{
	struct tl_buf b;
	va_list ap;

	tl_buf_init(&b);
	va_start(ap, fmt);
	tl_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	return b.data;
}

void tl_notice_add(char **slot, char *msg)
{
	if (*slot) {
		char *both = tl_asprintf("%s; %s", *slot, msg);
		free(*slot);
		free(msg);
		msg = both;
	}
	*slot = msg;
}

void tl_buf_init(struct tl_buf *b)
{
	b->cap = 64;
	b->len = 0;
	b->data = tl_malloc(b->cap);
	b->data[0] = '\0';
}

void tl_buf_fini(struct tl_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void tl_buf_reset(struct tl_buf *b)
{
	b->len = 0;
	b->data[0] = '\0';
}

static void reserve(struct tl_buf *b, size_t extra)
{
	if (extra >= SIZE_MAX / 2 - b->len)
		oom(b->len, extra);
	if (b->len + extra + 1 <= b->cap)
		return;
	size_t cap = b->cap;
	while (cap < b->len + extra + 1)
		cap *= 2;
	b->data = tl_reallocarray(b->data, cap, 1);
	b->cap = cap;
}

void tl_buf_add(struct tl_buf *b, const char *s, size_t n)
{
	reserve(b, n);
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void tl_buf_puts(struct tl_buf *b, const char *s)
{
	tl_buf_add(b, s, strlen(s));
}

void tl_buf_putc(struct tl_buf *b, char c)
{
	tl_buf_add(b, &c, 1);
}

TL_PRINTF(2, 0) void tl_buf_vprintf(struct tl_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return;
	if ((size_t)n >= b->cap - b->len) {
		reserve(b, (size_t)n);
		vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	}
	b->len += (size_t)n;
}

void tl_buf_printf(struct tl_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	tl_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

/* Length of the UTF-8 sequence at p (1 to 4), or 0 when it is not one:
 * a stray continuation byte, an overlong form, a surrogate, a code point
 * above U+10FFFF or a sequence cut short (the NUL ends it). */
static size_t utf8_len(const unsigned char *p)
{
	unsigned char c = p[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0; /* overlong */
	else if (c == 0xed)
		hi = 0x9f; /* surrogates */
	else if (c == 0xf0)
		lo = 0x90; /* overlong */
	else if (c == 0xf4)
		hi = 0x8f; /* above U+10FFFF */
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* U+0080 to U+009F: C1 controls (0x9b is CSI on many terminals). */
static bool is_c1(const unsigned char *p)
{
	return p[0] == 0xc2 && p[1] < 0xa0;
}

void tl_buf_json_str(struct tl_buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s, *run = p;

	tl_buf_putc(b, '"');
	for (;;) {
		unsigned char ch = *p;
		size_t n = 1;
		if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\') {
			p++; /* copied in one go with its run */
			continue;
		}
		if (ch >= 0x80 && (n = utf8_len(p)) > 1 && !is_c1(p)) {
			p += n;
			continue;
		}
		if (p > run)
			tl_buf_add(b, (const char *)run, (size_t)(p - run));
		if (!ch)
			break;
		if (n == 2) /* a C1 control: its code point */
			ch = p[1];
		switch (ch) {
		case '"':
			tl_buf_add(b, "\\\"", 2);
			break;
		case '\\':
			tl_buf_add(b, "\\\\", 2);
			break;
		case '\n':
			tl_buf_add(b, "\\n", 2);
			break;
		case '\t':
			tl_buf_add(b, "\\t", 2);
			break;
		case '\r':
			tl_buf_add(b, "\\r", 2);
			break;
		default: {
			/* controls, and bytes that are not UTF-8 (read as Latin-1:
			 * the output stays valid JSON and keeps the byte's value) */
			char u[6] = {'\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15]};
			tl_buf_add(b, u, 6);
		}
		}
		p += n ? n : 1;
		run = p;
	}
	tl_buf_putc(b, '"');
}

void tl_buf_put_safe(struct tl_buf *b, const char *s, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s, *run = p;

	for (;;) {
		unsigned char ch = *p;
		size_t n = ch >= 0x20 && ch < 0x7f ? 1 : ch >= 0x80 ? utf8_len(p) : 0;
		if (n > 1 && is_c1(p))
			n = 0;
		if (max && ch && (size_t)(p - (const unsigned char *)s) + (n ? n : 1) > max) {
			if (p > run)
				tl_buf_add(b, (const char *)run, (size_t)(p - run));
			tl_buf_add(b, "...", 3);
			return;
		}
		if (n) {
			p += n;
			continue;
		}
		if (p > run)
			tl_buf_add(b, (const char *)run, (size_t)(p - run));
		if (!ch)
			return;
		/* a control or a byte that is not UTF-8: shown, never sent */
		if (ch == '\n')
			tl_buf_add(b, "\\n", 2);
		else if (ch == '\t')
			tl_buf_add(b, "\\t", 2);
		else if (ch == '\r')
			tl_buf_add(b, "\\r", 2);
		else {
			char x[4] = {'\\', 'x', hex[ch >> 4], hex[ch & 15]};
			tl_buf_add(b, x, 4);
		}
		run = ++p;
	}
}

const char *tl_text_echo(const char *s, char *buf, size_t size)
{
	char *t = tl_text_safe(s, TL_ECHO_MAX);
	if (size) {
		size_t n = strlen(t);
		if (n >= size) /* only with a buffer below TL_ECHO_SIZE */
			n = size - 1;
		memcpy(buf, t, n);
		buf[n] = '\0';
	}
	free(t);
	return buf;
}

char *tl_text_safe(const char *s, size_t max)
{
	struct tl_buf b;
	tl_buf_init(&b);
	tl_buf_put_safe(&b, s ? s : "(null)", max);
	return b.data;
}

void tl_buf_u64(struct tl_buf *b, uint64_t v)
{
	char tmp[24];
	int n = 0;
	do {
		tmp[sizeof(tmp) - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	tl_buf_add(b, tmp + sizeof(tmp) - n, (size_t)n);
}

void tl_buf_fixed(struct tl_buf *b, double v, int decimals)
{
	static const uint64_t scale[] = {1, 10, 100, 1000, 10000, 100000, 1000000};
	if (decimals < 0)
		decimals = 0;
	if (decimals > 6)
		decimals = 6;
	if (!(v == v) || v > 1e15 || v < -1e15) { /* NaN or huge: printf knows best */
		tl_buf_printf(b, "%.*f", decimals, v);
		return;
	}
	if (v < 0) {
		tl_buf_putc(b, '-');
		v = -v;
	}
	uint64_t x = (uint64_t)(v * (double)scale[decimals] + 0.5);
	tl_buf_u64(b, x / scale[decimals]);
	if (decimals) {
		char frac[8];
		uint64_t f = x % scale[decimals];
		for (int i = decimals - 1; i >= 0; i--, f /= 10)
			frac[i] = (char)('0' + f % 10);
		tl_buf_putc(b, '.');
		tl_buf_add(b, frac, (size_t)decimals);
	}
}

int tl_parse_seconds(const char *s, uint64_t *ns)
{
	uint64_t whole = 0, frac = 0, scale = 1000000000ULL;
	const char *p = s;
	int digits = 0;

	if (!s || !*s)
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++, digits++) {
		if (whole > (UINT64_MAX / 1000000000ULL - 9) / 10)
			return -ERANGE;
		whole = whole * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, digits++) {
			if (scale > 1) {
				scale /= 10;
				frac += (uint64_t)(*p - '0') * scale;
			}
		}
	}
	if (*p || !digits)
		return -EINVAL;
	*ns = whole * 1000000000ULL + frac;
	return 0;
}

int tl_parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int tl_poll_timeout_ms(uint64_t deadline, uint64_t now, int cap_ms)
{
	if (deadline <= now)
		return 0;
	uint64_t ms = (deadline - now) / 1000000 + ((deadline - now) % 1000000 != 0);
	return ms < (uint64_t)cap_ms ? (int)ms : cap_ms;
}
