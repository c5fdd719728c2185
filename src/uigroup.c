/* uigroup: the connection table's rows grouped by process, local port or
 * remote host (F5). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tcpladder/ownercache.h"
#include "tcpladder/tracker.h"
#include "tcpladder/ui.h"
#include "tcpladder/uigroup.h"

static const char *const names[TL_GROUP_N] = {"none", "process", "local-port", "remote-host"};
static const char *const titles[TL_GROUP_N] = {"none", "process", "local port", "remote host"};

const char *tl_uigroup_name(int group)
{
	return group >= 0 && group < TL_GROUP_N ? names[group] : NULL;
}

int tl_uigroup_parse(const char *name)
{
	for (int i = 0; i < TL_GROUP_N; i++)
		if (!strcmp(name, names[i]))
			return i;
	return -1;
}

const char *tl_uigroup_title(int group)
{
	return group >= 0 && group < TL_GROUP_N ? titles[group] : "?";
}

/* A row's group key (by process, k[0] is 1 for "no known process": last
 * whatever its size); row: where the group's first row was. */
struct entry {
	uint64_t k[3];
	uint32_t row;
};

static int entry_cmp(const void *pa, const void *pb)
{
	const struct entry *a = pa, *b = pb;
	for (int i = 0; i < 3; i++)
		if (a->k[i] != b->k[i])
			return a->k[i] < b->k[i] ? -1 : 1;
	return 0;
}

static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void make_key(int group, const struct tl_conn *c, const struct tl_owners *own,
		     struct entry *e)
{
	memset(e->k, 0, sizeof(e->k));
	switch (group) {
	case TL_GROUP_PROCESS: {
		const struct tl_owner *o =
		    own && c->sock.inode ? tl_owners_find(own, c->sock.inode) : NULL;
		if (o)
			e->k[1] = (uint64_t)(uint32_t)o->pid;
		else
			e->k[0] = 1;
		break;
	}
	case TL_GROUP_LPORT:
		e->k[1] = c->sock.lport;
		break;
	case TL_GROUP_RHOST:
		if (c->state == TL_TCP_LISTEN)
			break; /* listeners: "*", first among equals */
		if (c->sock.family == AF_INET) {
			e->k[0] = 4;
			e->k[1] = (uint64_t)c->sock.remote[0] << 24 |
				  (uint64_t)c->sock.remote[1] << 16 |
				  (uint64_t)c->sock.remote[2] << 8 | c->sock.remote[3];
		} else {
			e->k[0] = 6;
			e->k[1] = be64(c->sock.remote);
			e->k[2] = be64(c->sock.remote + 8);
		}
		break;
	default:
		break;
	}
}

static void label(int group, const struct tl_conn *c, const struct tl_owners *own, char *out,
		  size_t len)
{
	switch (group) {
	case TL_GROUP_PROCESS: {
		const struct tl_owner *o =
		    own && c->sock.inode ? tl_owners_find(own, c->sock.inode) : NULL;
		if (o)
			snprintf(out, len, "%d/%s", o->pid, o->comm);
		else /* TIME-WAIT and request sockets have none; nor one not read yet */
			snprintf(out, len, "no known process");
		break;
	}
	case TL_GROUP_LPORT:
		snprintf(out, len, ":%u", (unsigned)c->sock.lport);
		break;
	case TL_GROUP_RHOST: {
		char a[INET6_ADDRSTRLEN] = "?";
		if (c->state == TL_TCP_LISTEN)
			snprintf(out, len, "* (listening)");
		else {
			inet_ntop(c->sock.family == AF_INET ? AF_INET : AF_INET6, c->sock.remote, a,
				  sizeof(a));
			snprintf(out, len, "%s", a);
		}
		break;
	}
	default:
		out[0] = '\0';
	}
}

/* A group while it is built: its key, its size, where its rows go. */
struct span {
	struct entry key; /* its first row's */
	size_t n, at;
	bool unknown;
};

static int span_cmp(const void *pa, const void *pb)
{
	const struct span *a = pa, *b = pb;
	if (a->unknown != b->unknown)
		return a->unknown ? 1 : -1;
	if (a->n != b->n)
		return a->n > b->n ? -1 : 1;
	return entry_cmp(&a->key, &b->key);
}

static size_t key_hash(const uint64_t k[3])
{
	uint64_t h = k[0] * 0x9e3779b97f4a7c15ULL ^ k[1];
	h = (h ^ h >> 29) * 0xbf58476d1ce4e5b9ULL ^ k[2];
	h = (h ^ h >> 32) * 0x94d049bb133111ebULL;
	return (size_t)(h ^ h >> 29);
}

/* Each row's group found through a hash table of keys (O(rows), no sort
 * of the rows); then the groups sorted, and the rows laid out group by
 * group in the order they had. */
void tl_uigroup_build(struct tl_ui *ui, const struct tl_ui_input *in)
{
	ui->n_groups = 0;
	if (ui->group <= TL_GROUP_NONE || ui->group >= TL_GROUP_N || !ui->n_rows)
		return;
	size_t n = ui->n_rows, nc, cap = 16;
	const struct tl_conn *conns = tl_tracker_view(in->tracker, &nc);
	while (cap < 2 * n)
		cap *= 2;
	uint32_t *table = tl_calloc(cap, sizeof(*table)); /* group + 1; 0 empty */
	uint32_t *gid = tl_calloc(n, sizeof(*gid));
	struct span *sp = tl_calloc(n, sizeof(*sp));
	size_t ns = 0;
	for (size_t i = 0; i < n; i++) {
		struct entry e;
		make_key(ui->group, &conns[ui->rows[i]], in->owners, &e);
		e.row = (uint32_t)i;
		size_t h = key_hash(e.k) & (cap - 1);
		while (table[h] && memcmp(sp[table[h] - 1].key.k, e.k, sizeof(e.k)))
			h = (h + 1) & (cap - 1);
		if (!table[h]) {
			sp[ns].key = e;
			sp[ns].unknown = ui->group == TL_GROUP_PROCESS && e.k[0];
			table[h] = (uint32_t)++ns;
		}
		gid[i] = table[h] - 1;
		sp[gid[i]].n++;
	}
	free(table);
	/* the order of the groups; rank: a group's place in it */
	size_t *rank = tl_calloc(ns, sizeof(*rank));
	for (size_t g = 0; g < ns; g++)
		sp[g].at = g; /* its index before the sort */
	qsort(sp, ns, sizeof(*sp), span_cmp);
	for (size_t g = 0, at = 0; g < ns; g++) {
		rank[sp[g].at] = g;
		sp[g].at = at;
		at += sp[g].n;
	}
	if (ns > ui->cap_groups) {
		ui->cap_groups = ns + ns / 2;
		ui->groups = tl_reallocarray(ui->groups, ui->cap_groups, sizeof(*ui->groups));
	}
	if (n > ui->cap_row_group) {
		ui->cap_row_group = n + n / 2;
		ui->row_group = tl_reallocarray(ui->row_group, ui->cap_row_group, sizeof(uint32_t));
	}
	for (size_t g = 0; g < ns; g++) {
		struct tl_ui_group *gr = &ui->groups[g];
		memset(gr, 0, sizeof(*gr));
		gr->first = sp[g].at;
		label(ui->group, &conns[ui->rows[sp[g].key.row]], in->owners, gr->label,
		      sizeof(gr->label));
	}
	uint32_t *rows = tl_calloc(n, sizeof(*rows));
	for (size_t i = 0; i < n; i++) { /* in the table's order: stable */
		size_t g = rank[gid[i]];
		const struct tl_conn *c = &conns[ui->rows[i]];
		struct tl_ui_group *gr = &ui->groups[g];
		gr->count++;
		if (c->flags & TL_CONN_GONE)
			gr->closed++;
		else if (c->state < TL_TCP_NSTATES)
			gr->states[c->state]++;
		ui->row_group[sp[g].at] = (uint32_t)g;
		rows[sp[g].at++] = ui->rows[i];
	}
	memcpy(ui->rows, rows, n * sizeof(*rows));
	ui->n_groups = ns;
	free(rows);
	free(rank);
	free(sp);
	free(gid);
}

size_t tl_uigroup_lines(const struct tl_ui *ui)
{
	return ui->n_rows + ui->n_groups;
}

size_t tl_uigroup_of(const struct tl_ui *ui, size_t row)
{
	return row < ui->n_rows && ui->n_groups ? ui->row_group[row] : 0;
}

size_t tl_uigroup_line_of(const struct tl_ui *ui, size_t row)
{
	return row + (ui->n_groups ? tl_uigroup_of(ui, row) + 1 : 0);
}

long tl_uigroup_row_at(const struct tl_ui *ui, size_t line, size_t *group)
{
	if (!ui->n_groups)
		return line < ui->n_rows ? (long)line : -1;
	/* the last group whose head is at or before the line */
	size_t lo = 0, hi = ui->n_groups;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (ui->groups[mid].first + mid <= line)
			lo = mid;
		else
			hi = mid;
	}
	if (group)
		*group = lo;
	size_t head = ui->groups[lo].first + lo;
	if (line == head)
		return -1;
	size_t row = line - lo - 1;
	return row < ui->n_rows ? (long)row : -1;
}

void tl_uigroup_mix(const struct tl_ui_group *g, char *out, size_t len)
{
	bool done[TL_TCP_NSTATES] = {false};
	size_t off = 0;
	out[0] = '\0';
	for (;;) {
		int best = -1;
		for (int s = 0; s < TL_TCP_NSTATES; s++)
			if (!done[s] && g->states[s] &&
			    (best < 0 || g->states[s] > g->states[best]))
				best = s;
		if (best < 0)
			break;
		done[best] = true;
		int w = snprintf(out + off, len - off, "%s%s %u", off ? ", " : "",
				 tl_tcp_state_name(best), g->states[best]);
		if (w < 0 || (size_t)w >= len - off)
			return;
		off += (size_t)w;
	}
	if (g->closed)
		snprintf(out + off, len - off, "%s%u closed", off ? ", " : "", g->closed);
}
