/* config: the view's settings as text, parsed and written back. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tcpladder/config.h"
#include "tcpladder/ui.h"
#include "tcpladder/uigroup.h"
#include "tcpladder/uisetup.h"

/* In enum tl_sort's order. */
static const char *const sort_names[TL_SORT_N] = {
    "state", "local", "remote", "age", "in-state", "recv-q", "send-q", "rtt",
};
/* In enum tl_pane's order. */
static const char *const pane_names[TL_PANE_N] = {"histogram", "table", "events"};

void tl_config_init(struct tl_config *c)
{
	memset(c, 0, sizeof(*c));
	c->sort = TL_SORT_STATE;
	tl_cols_init(&c->cols);
	c->scheme = TL_SCHEME_DEFAULT;
	c->group = TL_GROUP_NONE;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && strchr(" \t\r", s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* One "key = value"; NULL, or what is wrong with it. */
static const char *parse_line(struct tl_config *c, const char *key, char *val)
{
	if (!strcmp(key, "sort")) {
		for (int i = 0; i < TL_SORT_N; i++)
			if (!strcasecmp(val, sort_names[i])) {
				c->sort = i;
				return NULL;
			}
		return "unknown sort";
	}
	if (!strcmp(key, "reverse")) {
		if (!strcmp(val, "yes") || !strcmp(val, "no")) {
			c->reverse = !strcmp(val, "yes");
			return NULL;
		}
		return "expected yes or no for reverse";
	}
	if (!strcmp(key, "collapsed")) {
		bool set[TL_PANE_N] = {false};
		if (strcmp(val, "none"))
			for (char *save = NULL, *w = strtok_r(val, ", ", &save); w;
			     w = strtok_r(NULL, ", ", &save)) {
				int p = -1;
				for (int i = 0; i < TL_PANE_N; i++)
					if (!strcmp(w, pane_names[i]))
						p = i;
				if (p < 0)
					return "unknown pane (histogram, table, events or none)";
				set[p] = true;
			}
		memcpy(c->collapsed, set, sizeof(set));
		return NULL;
	}
	if (!strcmp(key, "interval")) {
		char *end;
		double s = strtod(val, &end);
		if (end == val || *end || !(s >= 0.05 && s <= 60))
			return "expected an interval of 0.05 to 60 seconds";
		c->interval_ns = (uint64_t)(s * 1e9 + 0.5);
		return NULL;
	}
	if (!strcmp(key, "columns"))
		return tl_cols_parse(val, &c->cols);
	if (!strcmp(key, "colors")) {
		int s = tl_uisetup_scheme_parse(val);
		if (s < 0)
			return "unknown colour scheme (default or monochrome)";
		c->scheme = s;
		return NULL;
	}
	if (!strcmp(key, "group")) {
		int g = tl_uigroup_parse(val);
		if (g < 0)
			return "unknown grouping (none, process, local-port or remote-host)";
		c->group = g;
		return NULL;
	}
	return "unknown setting";
}

int tl_config_parse(const char *text, struct tl_config *c, char **cause)
{
	char *copy = tl_strdup(text), *save = NULL;
	int line = 0, err = 0;

	tl_config_init(c);
	*cause = NULL;
	/* strtok_r would skip empty lines and miscount them */
	for (char *l = copy; l && !err; l = save) {
		save = strchr(l, '\n');
		if (save)
			*save++ = '\0';
		line++;
		char *s = trim(l);
		if (!*s || *s == '#')
			continue;
		char *eq = strchr(s, '=');
		if (!eq) {
			*cause = tl_asprintf("line %d: expected 'key = value'", line);
			err = -EINVAL;
			break;
		}
		*eq = '\0';
		char *key = trim(s), *val = trim(eq + 1);
		const char *why = parse_line(c, key, val);
		if (why) {
			char *k = tl_text_safe(key, 32), *v = tl_text_safe(val, 32);
			*cause = tl_asprintf("line %d: %s '%s = %s'", line, why, k, v);
			free(k);
			free(v);
			err = -EINVAL;
		}
	}
	free(copy);
	if (err)
		tl_config_init(c);
	return err;
}

bool tl_config_equal(const struct tl_config *a, const struct tl_config *b)
{
	return a->sort == b->sort && a->reverse == b->reverse &&
	       !memcmp(a->collapsed, b->collapsed, sizeof(a->collapsed)) &&
	       a->interval_ns == b->interval_ns && !memcmp(&a->cols, &b->cols, sizeof(a->cols)) &&
	       a->scheme == b->scheme && a->group == b->group;
}

void tl_config_format(const struct tl_config *c, struct tl_buf *out)
{
	tl_buf_puts(out, "# tcpladder's settings, written when they change in the view\n");
	tl_buf_printf(out, "sort = %s\n",
		      c->sort >= 0 && c->sort < TL_SORT_N ? sort_names[c->sort] : "state");
	tl_buf_printf(out, "reverse = %s\n", c->reverse ? "yes" : "no");
	tl_buf_puts(out, "collapsed = ");
	bool any = false;
	for (int i = 0; i < TL_PANE_N; i++)
		if (c->collapsed[i]) {
			tl_buf_printf(out, "%s%s", any ? "," : "", pane_names[i]);
			any = true;
		}
	tl_buf_puts(out, any ? "\n" : "none\n");
	if (c->interval_ns)
		tl_buf_printf(out, "interval = %.9g\n", (double)c->interval_ns / 1e9);
	tl_buf_puts(out, "columns = ");
	tl_cols_format(&c->cols, out);
	tl_buf_printf(out, "\ncolors = %s\n",
		      tl_uisetup_scheme_name(c->scheme) ? tl_uisetup_scheme_name(c->scheme)
							: "default");
	tl_buf_printf(out, "group = %s\n",
		      tl_uigroup_name(c->group) ? tl_uigroup_name(c->group) : "none");
}
