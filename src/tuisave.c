/* tuisave: the ladder written to files (the x key), text to the clipboard. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tcpladder/ladderexport.h"
#include "tcpladder/ownercache.h"
#include "tcpladder/sysio.h"
#include "tcpladder/tuisave.h"
#include "tcpladder/uidetail.h"

/* All of b into path, created or emptied: 0 or -errno. */
static int write_file(const char *path, const struct tl_buf *b)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	int err = tl_write_all(fd, b->data, b->len);
	if (close(fd) < 0 && !err && errno != EINTR) /* closed all the same */
		err = -errno;
	return err;
}

void tl_tuisave_ladder(struct tl_ui *ui, const struct tl_ui_input *in, bool ascii)
{
	const struct tl_conn *peer;
	bool gone;
	const struct tl_conn *cn = tl_uidetail_conn(ui, in, &peer, &gone);
	if (!cn || !ui->ladder)
		return;
	/* the caption: where the connection lives and whose it is */
	struct tl_buf cap, out;
	tl_buf_init(&cap);
	tl_buf_init(&out);
	tl_buf_printf(&cap, "tcpladder: cookie 0x%llx, netns %s",
		      (unsigned long long)cn->sock.cookie,
		      cn->ns < in->n_ns ? in->ns_names[cn->ns] : "?");
	const struct tl_owner *ow =
	    in->owners && cn->sock.inode ? tl_owners_find(in->owners, cn->sock.inode) : NULL;
	if (ow)
		tl_buf_printf(&cap, ", pid %d %s", ow->pid, ow->comm);
	char path[64], msg[320];
	int err = 0;
	for (int f = 0; f < TL_LADDER_FMT_N && !err; f++) {
		struct tl_ladder_export x = {.format = f,
					     .lang = ascii ? "en" : ui->lang,
					     .ascii = ascii,
					     .legend = true,
					     .caption = cap.data};
		tl_buf_reset(&out);
		tl_ladder_export(ui->ladder, &x, &out);
		snprintf(path, sizeof(path), "./tcpladder-ladder-0x%llx.%s",
			 (unsigned long long)cn->sock.cookie, tl_ladder_format_ext(f));
		err = write_file(path, &out);
	}
	if (err)
		snprintf(msg, sizeof(msg), "cannot save the ladder: %s: %s", path, strerror(-err));
	else
		snprintf(msg, sizeof(msg), "ladder saved: ./tcpladder-ladder-0x%llx.txt .svg .mmd",
			 (unsigned long long)cn->sock.cookie);
	tl_ui_message(ui, msg);
	tl_buf_fini(&cap);
	tl_buf_fini(&out);
}

/* Text to the terminal's clipboard: OSC 52, which xterm, kitty, iTerm2
 * and tmux (set-clipboard on) understand and others ignore. */
void tl_tuisave_clipboard(const char *text)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *s = (const unsigned char *)text;
	size_t n = strlen(text);
	struct tl_buf b;
	tl_buf_init(&b);
	tl_buf_puts(&b, "\033]52;c;");
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0) |
			     (i + 2 < n ? s[i + 2] : 0);
		tl_buf_putc(&b, b64[v >> 18 & 63]);
		tl_buf_putc(&b, b64[v >> 12 & 63]);
		tl_buf_putc(&b, i + 1 < n ? b64[v >> 6 & 63] : '=');
		tl_buf_putc(&b, i + 2 < n ? b64[v & 63] : '=');
	}
	tl_buf_puts(&b, "\a");
	if (fwrite(b.data, 1, b.len, stdout) == b.len)
		fflush(stdout);
	tl_buf_fini(&b);
}
