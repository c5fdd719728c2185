#include <errno.h>
#include <stdlib.h>

#include "tcpladder/util.h"
#include "tap.h"

int main(void)
{
	struct tl_buf b;
	uint64_t ns;
	unsigned long u;

	tl_buf_init(&b);
	for (int i = 0; i < 1000; i++)
		tl_buf_printf(&b, "%d,", i);
	is_int(b.len, 3890, "buffer grows across many printfs");
	ok(b.data[b.len] == '\0', "buffer stays NUL-terminated");
	tl_buf_reset(&b);
	tl_buf_json_str(&b, "a\"b\\c\n\x01\x7f" "é");
	is_str(b.data, "\"a\\\"b\\\\c\\n\\u0001\\u007f" "é\"", "JSON string escaping");
	tl_buf_fini(&b);

	ok(tl_parse_seconds("0.25", &ns) == 0 && ns == 250000000ULL, "0.25 s");
	ok(tl_parse_seconds("3", &ns) == 0 && ns == 3000000000ULL, "3 s");
	ok(tl_parse_seconds(".5", &ns) == 0 && ns == 500000000ULL, ".5 s");
	ok(tl_parse_seconds("1.0000000009", &ns) == 0 && ns == 1000000000ULL,
	   "digits past nanoseconds ignored");
	ok(tl_parse_seconds("", &ns) == -EINVAL, "empty rejected");
	ok(tl_parse_seconds(".", &ns) == -EINVAL, "lone dot rejected");
	ok(tl_parse_seconds("-1", &ns) == -EINVAL, "negative rejected");
	ok(tl_parse_seconds("1s", &ns) == -EINVAL, "trailing junk rejected");
	ok(tl_parse_seconds("99999999999999999999", &ns) == -ERANGE, "overflow rejected");

	ok(tl_parse_uint("42", 1, 100, &u) == 0 && u == 42, "uint in range");
	ok(tl_parse_uint("0", 1, 100, &u) == -ERANGE, "uint below range");
	ok(tl_parse_uint("+5", 0, 100, &u) == -EINVAL, "sign rejected");
	ok(tl_parse_uint("5x", 0, 100, &u) == -EINVAL, "junk rejected");

	char *s = tl_asprintf("%s-%d", "x", 7);
	is_str(s, "x-7", "asprintf");
	free(s);
	return tap_done();
}
