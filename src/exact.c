/* exact: the eBPF source's records as plain data. */
#include <stdlib.h>
#include <string.h>

#include "tcpladder/exact.h"
#include "tcpladder/util.h"

const char *tl_exact_kind_name(int kind)
{
	static const char *const names[TL_EXACT_NKINDS] = {
	    [TL_EXACT_STATE] = "state",
	    [TL_EXACT_RST_OUT] = "rst-out",
	    [TL_EXACT_RST_IN] = "rst-in",
	    [TL_EXACT_RETRANS] = "retransmit",
	    [TL_EXACT_RETRANS_SYNACK] = "retransmit-synack",
	    [TL_EXACT_TW_FIN] = "timewait-fin",
	    [TL_EXACT_TW_RST] = "timewait-rst",
	    [TL_EXACT_OWNER] = "owner",
	};
	return kind > 0 && kind < TL_EXACT_NKINDS ? names[kind] : "?";
}

const char *tl_source_name(int source)
{
	return source == TL_SOURCE_EBPF ? "ebpf" : "sock_diag";
}

void tl_exact_batch_init(struct tl_exact_batch *b)
{
	memset(b, 0, sizeof(*b));
}

void tl_exact_batch_fini(struct tl_exact_batch *b)
{
	free(b->recs);
	memset(b, 0, sizeof(*b));
}

struct tl_exact_rec *tl_exact_batch_add(struct tl_exact_batch *b)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 256;
		b->recs = tl_reallocarray(b->recs, b->cap, sizeof(*b->recs));
	}
	struct tl_exact_rec *r = &b->recs[b->n++];
	memset(r, 0, sizeof(*r));
	return r;
}

void tl_exact_batch_filter(struct tl_exact_batch *b,
			   bool (*keep)(const struct tl_exact_rec *r, void *arg), void *arg)
{
	size_t k = 0;
	for (size_t i = 0; i < b->n; i++)
		if (keep(&b->recs[i], arg)) {
			if (k != i)
				b->recs[k] = b->recs[i];
			k++;
		}
	b->n = k;
}
