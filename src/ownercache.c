/* ownercache: the inode -> owner cache (pure; owners.c fills it). */
#include <stdlib.h>
#include <string.h>

#include "tcpladder/map.h"
#include "tcpladder/ownercache.h"
#include "tcpladder/util.h"

struct tl_owners {
	char *proc;
	struct tl_map by_inode; /* inode + 1 -> index in owners */
	struct tl_owner *owners;
	size_t n, cap;
	size_t hidden;        /* processes we were not allowed to read */
	struct tl_map missed; /* inode + 1 -> when it was last looked for in vain */
	struct tl_owner_walk *walk;
};

const char tl_owners_hidden_reason[] =
    "other users' processes could not be inspected (reading their /proc/PID/fd needs root "
    "or CAP_SYS_PTRACE)";

struct tl_owners *tl_owners_new(const char *proc)
{
	struct tl_owners *o = tl_calloc(1, sizeof(*o));
	o->proc = tl_strdup(proc ? proc : "/proc");
	tl_map_init(&o->by_inode);
	tl_map_init(&o->missed);
	return o;
}

void tl_owners_free(struct tl_owners *o)
{
	if (!o)
		return;
	tl_map_fini(&o->by_inode);
	tl_map_fini(&o->missed);
	free(o->owners);
	free(o->proc);
	free(o);
}

void tl_owners_set_walk(struct tl_owners *o, struct tl_owner_walk *w)
{
	o->walk = w;
}

struct tl_owner_walk *tl_owners_walk(const struct tl_owners *o)
{
	return o->walk;
}

const struct tl_owner *tl_owners_find(const struct tl_owners *o, uint32_t inode)
{
	uint32_t i;
	return tl_map_get(&o->by_inode, (uint64_t)inode + 1, &i) ? &o->owners[i] : NULL;
}

void tl_owners_add(struct tl_owners *o, uint32_t inode, const struct tl_owner *w)
{
	uint32_t i;
	if (tl_map_get(&o->by_inode, (uint64_t)inode + 1, &i)) {
		o->owners[i] = *w;
		return;
	}
	if (o->n == TL_OWNERS_MAX) {
		tl_map_clear(&o->by_inode);
		o->n = 0;
	}
	if (o->n == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 64;
		o->owners = tl_reallocarray(o->owners, o->cap, sizeof(*o->owners));
	}
	o->owners[o->n] = *w;
	tl_map_put(&o->by_inode, (uint64_t)inode + 1, (uint32_t)o->n);
	o->n++;
}

const char *tl_owners_proc(const struct tl_owners *o)
{
	return o->proc;
}

void tl_owners_note_hidden(struct tl_owners *o, size_t n)
{
	o->hidden += n;
}

size_t tl_owners_hidden(const struct tl_owners *o)
{
	return o->hidden;
}

size_t tl_owners_count(const struct tl_owners *o)
{
	return o->n;
}

void tl_owners_note_missed(struct tl_owners *o, uint32_t inode, uint32_t when_s)
{
	if (o->missed.n >= TL_OWNERS_MAX)
		tl_map_clear(&o->missed); /* bounded: what is shown again is looked up again */
	tl_map_put(&o->missed, (uint64_t)inode + 1, when_s);
}

bool tl_owners_missed_since(const struct tl_owners *o, uint32_t inode, uint32_t since_s)
{
	uint32_t at;
	return tl_map_get(&o->missed, (uint64_t)inode + 1, &at) && at >= since_s;
}
