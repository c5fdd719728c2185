/* tuiconfig: the view's settings file, read and replaced whole. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tcpladder/tuiconfig.h"
#include "tcpladder/ui.h"

/* $XDG_CONFIG_HOME/tcpladder/config, or ~/.config/tcpladder/config;
 * false when neither is set. */
static bool config_path(char *out, size_t len)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	int n;
	if (xdg && *xdg == '/')
		n = snprintf(out, len, "%s/tcpladder/config", xdg);
	else if (home && *home)
		n = snprintf(out, len, "%s/.config/tcpladder/config", home);
	else
		return false;
	return n > 0 && (size_t)n < len;
}

bool tl_tuiconfig_load(struct tl_tuiconfig *cf, struct tl_ui *ui)
{
	tl_config_init(&cf->saved);
	if (!config_path(cf->path, sizeof(cf->path))) {
		cf->path[0] = '\0';
		return false;
	}
	FILE *f = fopen(cf->path, "r");
	if (!f)
		return false; /* none yet */
	char buf[8192];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	bool big = !feof(f);
	fclose(f);
	char *cause = NULL;
	struct tl_config c;
	if (big)
		cause = tl_strdup("longer than 8 KiB");
	else if (tl_config_parse(buf, &c, &cause) == 0)
		cf->saved = c;
	if (cause) {
		char *safe = tl_text_safe(cf->path, 0);
		fprintf(stderr, "tcpladder: warning: ignoring %s: %s\n", safe, cause);
		free(safe);
		free(cause);
		return false;
	}
	ui->sort = cf->saved.sort;
	ui->sort_desc = cf->saved.reverse;
	memcpy(ui->collapsed, cf->saved.collapsed, sizeof(ui->collapsed));
	ui->cols = cf->saved.cols;
	ui->scheme = cf->saved.scheme;
	ui->group = cf->saved.group;
	return true;
}

void tl_tuiconfig_save(struct tl_tuiconfig *cf, struct tl_ui *ui, uint64_t interval_ns)
{
	struct tl_config c = cf->saved;
	c.sort = ui->sort;
	c.reverse = ui->sort_desc;
	memcpy(c.collapsed, ui->collapsed, sizeof(c.collapsed));
	c.interval_ns = interval_ns;
	c.cols = ui->cols;
	c.scheme = ui->scheme;
	c.group = ui->group;
	if (!cf->path[0] || tl_config_equal(&c, &cf->saved))
		return;
	cf->saved = c;
	struct tl_buf b;
	tl_buf_init(&b);
	tl_config_format(&c, &b);
	char dir[4096], tmp[4200];
	snprintf(dir, sizeof(dir), "%s", cf->path);
	*strrchr(dir, '/') = '\0';
	snprintf(tmp, sizeof(tmp), "%s.%d", cf->path, (int)getpid());
	char *parent = strrchr(dir, '/');
	if (parent) { /* ~/.config, then its tcpladder */
		*parent = '\0';
		mkdir(dir, 0700);
		*parent = '/';
	}
	mkdir(dir, 0700);
	FILE *f = fopen(tmp, "w");
	bool ok = f && fwrite(b.data, 1, b.len, f) == b.len;
	ok = (f && fclose(f) == 0) && ok;
	ok = ok && rename(tmp, cf->path) == 0;
	if (!ok) {
		int e = errno;
		unlink(tmp);
		if (!cf->said) {
			char msg[300];
			snprintf(msg, sizeof(msg), "settings not saved: %s", strerror(e));
			tl_ui_message(ui, msg);
			cf->said = true;
		}
	}
	tl_buf_fini(&b);
}
