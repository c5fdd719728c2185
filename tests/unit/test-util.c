#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
	tl_buf_json_str(&b, "a\"b\\c\n\x01\x7f"
			    "é");
	is_str(b.data,
	       "\"a\\\"b\\\\c\\n\\u0001\\u007f"
	       "é\"",
	       "JSON string escaping");

	/* JSON: controls, C1 and bytes that are not UTF-8 all escaped */
	tl_buf_reset(&b);
	tl_buf_json_str(&b, "\x1b]2;PWN\x07\x1b[2J");
	is_str(b.data, "\"\\u001b]2;PWN\\u0007\\u001b[2J\"", "JSON: ESC and BEL escaped");
	tl_buf_reset(&b);
	tl_buf_json_str(&b, "a\xc2\x9b"
			    "b\xc2\xa0"
			    "c");
	is_str(b.data,
	       "\"a\\u009bb\xc2\xa0"
	       "c\"",
	       "JSON: C1 CSI escaped, U+00A0 kept");
	tl_buf_reset(&b);
	tl_buf_json_str(&b, "\x9b\xff\xc3(\xe2\x82\xed\xa0\x80\xc0\xaf\xf4\x90\x80\x80");
	is_str(
	    b.data,
	    "\"\\u009b\\u00ff\\u00c3(\\u00e2\\u0082\\u00ed\\u00a0\\u0080\\u00c0\\u00af"
	    "\\u00f4\\u0090\\u0080\\u0080\"",
	    "JSON: stray, cut short, surrogate, overlong and too-large bytes escaped one by one");
	tl_buf_reset(&b);
	tl_buf_json_str(&b, "\xe2\x82\xac \xf0\x9f\x98\x80 \xe4\xb8\xad");
	is_str(b.data, "\"\xe2\x82\xac \xf0\x9f\x98\x80 \xe4\xb8\xad\"", "JSON: valid UTF-8 kept");
	tl_buf_reset(&b);
	tl_buf_json_str(&b, "x\xe2\x82");
	is_str(b.data, "\"x\\u00e2\\u0082\"", "JSON: a sequence cut by the end");

	/* text for a terminal */
	char *t = tl_text_safe("\x1b]2;PWN\x07\x1b[2J", 0);
	is_str(t, "\\x1b]2;PWN\\x07\\x1b[2J", "text: ESC and BEL shown as \\xNN");
	ok(!strchr(t, 0x1b) && !strchr(t, 0x07), "text: no control byte left");
	char *t2 = tl_text_safe(t, 0);
	is_str(t2, t, "text: escaping twice changes nothing");
	free(t);
	free(t2);
	t = tl_text_safe("tab\tnl\ncr\rdel\x7f"
			 "c1\xc2\x85"
			 "bad\xff\xc3"
			 "end",
			 0);
	is_str(t,
	       "tab\\tnl\\ncr\\rdel\\x7f"
	       "c1\\xc2\\x85"
	       "bad\\xff\\xc3"
	       "end",
	       "text: C0, DEL, C1 and invalid bytes");
	free(t);
	t = tl_text_safe("caf\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87 back\\slash", 0);
	is_str(t, "caf\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87 back\\slash",
	       "text: valid UTF-8 and backslash kept");
	free(t);
	t = tl_text_safe("\xed\xa0\x80\xe0\x80\xaf\xf8\x88\x80\x80\x80", 0);
	is_str(t, "\\xed\\xa0\\x80\\xe0\\x80\\xaf\\xf8\\x88\\x80\\x80\\x80",
	       "text: surrogate, overlong and 5-byte forms");
	free(t);
	t = tl_text_safe("abcdefghij", 4);
	is_str(t, "abcd...", "text: cut to max bytes");
	free(t);
	t = tl_text_safe("abcd", 4);
	is_str(t, "abcd", "text: exactly max bytes is not cut");
	free(t);
	t = tl_text_safe("ab\xe4\xb8\xad"
			 "cd",
			 4);
	is_str(t, "ab...", "text: a cut never splits a character");
	free(t);
	t = tl_text_safe(NULL, 0);
	is_str(t, "(null)", "text: NULL");
	free(t);
	{
		size_t big = 100000;
		char *in = tl_malloc(big + 1);
		memset(in, 'x', big);
		in[big] = '\0';
		t = tl_text_safe(in, TL_ECHO_MAX);
		is_int(strlen(t), TL_ECHO_MAX + 3, "text: a 100 KB echo is cut");
		free(t);
		free(in);
	}
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

	char *notes = NULL;
	tl_notice_add(&notes, tl_strdup("a dump failed"));
	is_str(notes, "a dump failed", "a first notice");
	tl_notice_add(&notes, tl_strdup("events were lost"));
	is_str(notes, "a dump failed; events were lost", "a second joins it, neither lost");
	free(notes);
	return tap_done();
}
