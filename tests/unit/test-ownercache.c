/* The owner cache: found by inode, updated in place, and bounded; the
 * inodes looked for in vain, and when. */
#include <stdio.h>
#include <string.h>

#include "tcpladder/ownercache.h"
#include "tap.h"

int main(void)
{
	struct tl_owners *o = tl_owners_new(NULL);
	struct tl_owner w = {.pid = 42};
	strcpy(w.comm, "server");

	ok(!tl_owners_find(o, 7), "an empty cache finds nothing");
	tl_owners_add(o, 7, &w);
	const struct tl_owner *f = tl_owners_find(o, 7);
	ok(f && f->pid == 42 && !strcmp(f->comm, "server"), "an owner is found by its inode");
	w.pid = 43;
	tl_owners_add(o, 7, &w);
	ok(tl_owners_find(o, 7)->pid == 43 && tl_owners_count(o) == 1,
	   "a second owner of the same inode replaces the first");

	/* a churn of short connections: each inode looked up once */
	size_t most = 0;
	for (uint32_t ino = 1000; ino < 1000 + 5u * TL_OWNERS_MAX; ino++) {
		w.pid = (int)ino;
		tl_owners_add(o, ino, &w);
		if (tl_owners_count(o) > most)
			most = tl_owners_count(o);
	}
	ok(most <= TL_OWNERS_MAX, "the cache never holds more than %d owners (%zu)", TL_OWNERS_MAX,
	   most);
	uint32_t last = 1000 + 5u * TL_OWNERS_MAX - 1;
	f = tl_owners_find(o, last);
	ok(f && f->pid == (int)last, "the newest owner is kept");
	ok(!tl_owners_find(o, 1000), "the oldest went");

	/* inodes looked for in vain: when, and bounded */
	ok(!tl_owners_missed_since(o, 9, 0), "an inode never looked for was not missed");
	tl_owners_note_missed(o, 9, 100);
	ok(tl_owners_missed_since(o, 9, 95) && tl_owners_missed_since(o, 9, 100),
	   "missed at 100: missed since 95, since 100");
	ok(!tl_owners_missed_since(o, 9, 101), "... not since 101: looked for again then");
	tl_owners_note_missed(o, 9, 200);
	ok(tl_owners_missed_since(o, 9, 150), "missed again at 200: the later time counts");
	size_t room = 0;
	for (uint32_t ino = 1; ino <= 2u * TL_OWNERS_MAX; ino++)
		tl_owners_note_missed(o, 100000 + ino, 300);
	for (uint32_t ino = 1; ino <= 2u * TL_OWNERS_MAX; ino++)
		room += tl_owners_missed_since(o, 100000 + ino, 300);
	ok(room <= TL_OWNERS_MAX && tl_owners_missed_since(o, 100000 + 2u * TL_OWNERS_MAX, 300),
	   "at most %d misses are kept (%zu), the newest among them", TL_OWNERS_MAX, room);
	tl_owners_free(o);
	return tap_done();
}
