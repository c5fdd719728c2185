/* uigroup: the connection table grouped (F5, as htop's tree): by the
 * owning process, by local port or by remote host.  Each group is a head
 * row (its count and its mix of states) with its members under it, in
 * the table's sort order.  Pure: it reorders the table's rows so each
 * group's members lie together, and keeps the groups for drawing and for
 * mapping screen lines to rows. */
#ifndef TCPLADDER_UIGROUP_H
#define TCPLADDER_UIGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpladder/tcpstate.h"

struct tl_ui;
struct tl_ui_input;

enum tl_group { TL_GROUP_NONE, TL_GROUP_PROCESS, TL_GROUP_LPORT, TL_GROUP_RHOST, TL_GROUP_N };

struct tl_ui_group {
	char label[80];                  /* "1234/nginx", ":443", "10.0.0.7", "no known process" */
	size_t first;                    /* its first member in ui->rows */
	uint32_t count;                  /* its members, closed ones included */
	uint32_t closed;                 /* of them, closed connections kept a while */
	uint32_t states[TL_TCP_NSTATES]; /* the open members by state */
};

/* "process", "local-port", "remote-host", "none": as the settings file
 * writes them; NULL out of range.  tl_uigroup_parse: -1 when unknown. */
const char *tl_uigroup_name(int group);
int tl_uigroup_parse(const char *name);
/* "process", "local port", "remote host": for the screen. */
const char *tl_uigroup_title(int group);
/* Group ui's rows (sorted and filtered already) by ui->group: members
 * brought together, each group's in the order they had; groups ordered by
 * size, the largest first (ties by key), the members of no known process
 * last.  No grouping: clears the groups. */
void tl_uigroup_build(struct tl_ui *ui, const struct tl_ui_input *in);
/* Screen lines of the grouped table: a head per group, then its rows. */
size_t tl_uigroup_lines(const struct tl_ui *ui);
/* The line of row i (its head is the line before the first member). */
size_t tl_uigroup_line_of(const struct tl_ui *ui, size_t row);
/* The row shown on line l, or -1 when it is a group's head (*group then
 * says which; it may be NULL). */
long tl_uigroup_row_at(const struct tl_ui *ui, size_t line, size_t *group);
/* The group row i belongs to. */
size_t tl_uigroup_of(const struct tl_ui *ui, size_t row);
/* "ESTABLISHED 6, LISTEN 1, 2 closed": a group's mix of states, the
 * fullest first. */
void tl_uigroup_mix(const struct tl_ui_group *g, char *out, size_t len);

#endif
