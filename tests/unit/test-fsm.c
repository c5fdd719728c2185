/* The state machine table and path inference. */
#include <string.h>

#include "tcpladder/fsm.h"
#include "tcpladder/util.h"
#include "tap.h"

static const int states[] = {
    TL_TCP_LISTEN,    TL_TCP_SYN_SENT,  TL_TCP_SYN_RECV,   TL_TCP_ESTABLISHED,
    TL_TCP_FIN_WAIT1, TL_TCP_FIN_WAIT2, TL_TCP_CLOSE_WAIT, TL_TCP_CLOSING,
    TL_TCP_LAST_ACK,  TL_TCP_TIME_WAIT, TL_TCP_CLOSE,
};

/* path_str: "FIN-WAIT-1 FIN-WAIT-2 TIME-WAIT" or "none" */
static const char *path_str(int from, int to, int role, unsigned flags)
{
	static char buf[256];
	const struct tl_fsm_edge *p[16];
	int n = tl_fsm_path(from, to, role, flags, p, 16);
	if (n < 0)
		return "none";
	buf[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (i)
			strcat(buf, " ");
		strcat(buf, tl_tcp_state_name(p[i]->to));
		if (p[i]->segment) {
			strcat(buf, "/");
			strcat(buf, tl_segment_name(p[i]->segment));
		}
	}
	return buf;
}

int main(void)
{
	/* The table: every edge well-formed, with its segment where one exists. */
	int bad = 0;
	for (unsigned i = 0; i < tl_fsm_nedges; i++) {
		const struct tl_fsm_edge *e = &tl_fsm_edges[i];
		if (e->from == e->to || !e->why || !e->cost || e->from >= TL_TCP_NSTATES ||
		    e->to >= TL_TCP_NSTATES ||
		    (e->from == TL_TCP_TIME_WAIT && e->to != TL_TCP_CLOSE))
			bad++;
		if ((e->segment == TL_SEG_NONE) != (e->dir == TL_DIR_NONE) &&
		    e->segment != TL_SEG_RST)
			bad++;
	}
	is_int(bad, 0, "all %u edges well-formed", tl_fsm_nedges);

	/* Every RFC 9293 edge, with its segment and direction. */
	static const struct {
		int from, to, role, seg, dir;
	} rfc[] = {
	    {TL_TCP_CLOSE, TL_TCP_SYN_SENT, TL_ROLE_ACTIVE, TL_SEG_SYN, TL_DIR_OUT},
	    {TL_TCP_CLOSE, TL_TCP_LISTEN, TL_ROLE_PASSIVE, TL_SEG_NONE, TL_DIR_NONE},
	    {TL_TCP_LISTEN, TL_TCP_SYN_RECV, TL_ROLE_PASSIVE, TL_SEG_SYN, TL_DIR_IN},
	    {TL_TCP_SYN_SENT, TL_TCP_ESTABLISHED, TL_ROLE_ACTIVE, TL_SEG_SYNACK, TL_DIR_IN},
	    {TL_TCP_SYN_SENT, TL_TCP_SYN_RECV, TL_ROLE_ACTIVE, TL_SEG_SYN, TL_DIR_IN},
	    {TL_TCP_SYN_RECV, TL_TCP_ESTABLISHED, TL_ROLE_PASSIVE, TL_SEG_ACK, TL_DIR_IN},
	    {TL_TCP_SYN_RECV, TL_TCP_FIN_WAIT1, TL_ROLE_PASSIVE, TL_SEG_FIN, TL_DIR_OUT},
	    {TL_TCP_ESTABLISHED, TL_TCP_FIN_WAIT1, TL_ROLE_ACTIVE, TL_SEG_FIN, TL_DIR_OUT},
	    {TL_TCP_ESTABLISHED, TL_TCP_CLOSE_WAIT, TL_ROLE_PASSIVE, TL_SEG_FIN, TL_DIR_IN},
	    {TL_TCP_FIN_WAIT1, TL_TCP_FIN_WAIT2, TL_ROLE_ACTIVE, TL_SEG_ACK, TL_DIR_IN},
	    {TL_TCP_FIN_WAIT1, TL_TCP_CLOSING, TL_ROLE_ACTIVE, TL_SEG_FIN, TL_DIR_IN},
	    {TL_TCP_FIN_WAIT2, TL_TCP_TIME_WAIT, TL_ROLE_ACTIVE, TL_SEG_FIN, TL_DIR_IN},
	    {TL_TCP_CLOSING, TL_TCP_TIME_WAIT, TL_ROLE_ACTIVE, TL_SEG_ACK, TL_DIR_IN},
	    {TL_TCP_CLOSE_WAIT, TL_TCP_LAST_ACK, TL_ROLE_PASSIVE, TL_SEG_FIN, TL_DIR_OUT},
	    {TL_TCP_LAST_ACK, TL_TCP_CLOSE, TL_ROLE_PASSIVE, TL_SEG_ACK, TL_DIR_IN},
	    {TL_TCP_TIME_WAIT, TL_TCP_CLOSE, TL_ROLE_ACTIVE, TL_SEG_NONE, TL_DIR_NONE},
	    {TL_TCP_FIN_WAIT2, TL_TCP_CLOSE, TL_ROLE_ACTIVE, TL_SEG_NONE, TL_DIR_NONE},
	    {TL_TCP_LISTEN, TL_TCP_CLOSE, TL_ROLE_PASSIVE, TL_SEG_NONE, TL_DIR_NONE},
	};
	for (unsigned i = 0; i < TL_ARRAY_SIZE(rfc); i++) {
		const struct tl_fsm_edge *e = tl_fsm_edge(rfc[i].from, rfc[i].to, rfc[i].role);
		ok(e && e->segment == rfc[i].seg && e->dir == rfc[i].dir, "edge %s -> %s: %s %s",
		   tl_tcp_state_name(rfc[i].from), tl_tcp_state_name(rfc[i].to),
		   tl_segment_name(rfc[i].seg) ? tl_segment_name(rfc[i].seg) : "-",
		   tl_dir_name(rfc[i].dir) ? tl_dir_name(rfc[i].dir) : "-");
	}
	/* RST aborts from every synchronized state. */
	static const int sync[] = {TL_TCP_ESTABLISHED, TL_TCP_FIN_WAIT1, TL_TCP_FIN_WAIT2,
				   TL_TCP_CLOSE_WAIT,  TL_TCP_CLOSING,   TL_TCP_LAST_ACK};
	for (unsigned i = 0; i < TL_ARRAY_SIZE(sync); i++) {
		int found = 0;
		for (unsigned k = 0; k < tl_fsm_nedges; k++)
			found |= tl_fsm_edges[k].from == sync[i] &&
				 tl_fsm_edges[k].to == TL_TCP_CLOSE &&
				 tl_fsm_edges[k].segment == TL_SEG_RST;
		ok(found, "RST abort from %s", tl_tcp_state_name(sync[i]));
	}
	ok(!tl_fsm_edge(TL_TCP_CLOSE, TL_TCP_SYN_SENT, TL_ROLE_PASSIVE),
	   "a passive opener never sends the first SYN");
	ok(!tl_fsm_edge(TL_TCP_FIN_WAIT1, TL_TCP_TIME_WAIT, TL_ROLE_ACTIVE),
	   "Linux has no FIN-WAIT-1 -> TIME-WAIT edge (it passes FIN-WAIT-2)");

	/* Inference: every pair of states, both roles: a path, when one
	 * exists, is connected, role-consistent and never passes CLOSED. */
	int pairs = 0, broken = 0;
	for (unsigned a = 0; a < TL_ARRAY_SIZE(states); a++)
		for (unsigned b = 0; b < TL_ARRAY_SIZE(states); b++)
			for (int role = TL_ROLE_ACTIVE; role <= TL_ROLE_PASSIVE; role++) {
				const struct tl_fsm_edge *p[16];
				int n = tl_fsm_path(states[a], states[b], role, 0, p, 16);
				if (n < 0)
					continue;
				pairs++;
				if (n == 0 || p[0]->from != states[a] || p[n - 1]->to != states[b])
					broken++;
				for (int i = 0; i < n; i++) {
					if (i && p[i]->from != p[i - 1]->to)
						broken++;
					if (i < n - 1 && p[i]->to == TL_TCP_CLOSE)
						broken++;
					if ((p[i]->flags & TL_EDGE_ACTIVE) &&
					    role == TL_ROLE_PASSIVE)
						broken++;
					if ((p[i]->flags & TL_EDGE_PASSIVE) &&
					    role == TL_ROLE_ACTIVE)
						broken++;
				}
			}
	ok(pairs > 60, "%d reachable (from, to, role) triples", pairs);
	is_int(broken, 0, "every inferred path is connected and consistent");

	/* The paths people expect. */
	is_str(path_str(TL_TCP_ESTABLISHED, TL_TCP_TIME_WAIT, TL_ROLE_ACTIVE, 0),
	       "FIN-WAIT-1/FIN FIN-WAIT-2/ACK TIME-WAIT/FIN", "ESTABLISHED .. TIME-WAIT");
	is_str(path_str(TL_TCP_FIN_WAIT1, TL_TCP_TIME_WAIT, TL_ROLE_ACTIVE, 0),
	       "FIN-WAIT-2/ACK TIME-WAIT/FIN", "FIN-WAIT-1 .. TIME-WAIT via FIN-WAIT-2");
	is_str(path_str(TL_TCP_ESTABLISHED, TL_TCP_CLOSE, TL_ROLE_PASSIVE, 0), "CLOSED/RST",
	       "ESTABLISHED then gone: an abort");
	is_str(path_str(TL_TCP_ESTABLISHED, TL_TCP_CLOSE, TL_ROLE_PASSIVE,
			TL_PATH_NO_ABORT | TL_PATH_PEER_CLOSED_FIRST),
	       "CLOSE-WAIT/FIN LAST-ACK/FIN CLOSED/ACK",
	       "ESTABLISHED then gone, peer closed in order: passive close");
	is_str(path_str(TL_TCP_CLOSE_WAIT, TL_TCP_CLOSE, TL_ROLE_PASSIVE, 0),
	       "LAST-ACK/FIN CLOSED/ACK", "CLOSE-WAIT then gone: LAST-ACK");
	is_str(path_str(TL_TCP_CLOSE, TL_TCP_ESTABLISHED, TL_ROLE_ACTIVE, 0),
	       "SYN-SENT/SYN ESTABLISHED/SYN+ACK", "active open");
	is_str(path_str(TL_TCP_LISTEN, TL_TCP_ESTABLISHED, TL_ROLE_PASSIVE, 0),
	       "SYN-RECV/SYN ESTABLISHED/ACK", "passive open");
	is_str(path_str(TL_TCP_SYN_SENT, TL_TCP_CLOSE_WAIT, TL_ROLE_ACTIVE, 0),
	       "ESTABLISHED/SYN+ACK CLOSE-WAIT/FIN", "SYN-SENT .. CLOSE-WAIT");
	is_str(path_str(TL_TCP_FIN_WAIT2, TL_TCP_CLOSE, TL_ROLE_ACTIVE, 0), "CLOSED",
	       "orphaned FIN-WAIT-2 times out");
	is_str(path_str(TL_TCP_TIME_WAIT, TL_TCP_ESTABLISHED, TL_ROLE_ACTIVE, 0), "none",
	       "nothing comes back from TIME-WAIT");
	is_str(path_str(TL_TCP_LAST_ACK, TL_TCP_TIME_WAIT, TL_ROLE_PASSIVE, 0), "none",
	       "LAST-ACK never reaches TIME-WAIT");
	is_str(path_str(TL_TCP_CLOSE, TL_TCP_SYN_SENT, TL_ROLE_PASSIVE, 0), "none",
	       "a passive opener never reaches SYN-SENT");
	is_str(path_str(TL_TCP_ESTABLISHED, TL_TCP_ESTABLISHED, TL_ROLE_ACTIVE, 0), "none",
	       "no path from a state to itself");
	is_str(path_str(TL_TCP_SYN_RECV, TL_TCP_FIN_WAIT1, TL_ROLE_PASSIVE, 0),
	       "ESTABLISHED/ACK FIN-WAIT-1/FIN",
	       "a request socket seen, then FIN-WAIT-1: through ESTABLISHED (the child is "
	       "created established)");
	/* The abort edge of each state, for the tracker's evidence rules. */
	int aborts = 0;
	for (unsigned i = 0; i < TL_ARRAY_SIZE(sync); i++) {
		const struct tl_fsm_edge *e = tl_fsm_abort_edge(sync[i]);
		aborts += e && e->from == sync[i] && e->to == TL_TCP_CLOSE &&
			  e->segment == TL_SEG_RST && (e->flags & TL_EDGE_ABORT);
	}
	is_int(aborts, (int)TL_ARRAY_SIZE(sync), "an abort edge from every synchronized state");
	const struct tl_fsm_edge *tw = tl_fsm_abort_edge(TL_TCP_TIME_WAIT);
	ok(tw && tw->dir == TL_DIR_IN && tw->cost > 2,
	   "TIME-WAIT's: an RST received, which Linux lets end it (RFC 1337), never the cheapest");
	ok(!tl_fsm_abort_edge(TL_TCP_LISTEN), "none from LISTEN");
	/* The ends only evidence picks: never on an inferred path. */
	int inferred_v = 0;
	for (int from = 1; from < TL_TCP_NSTATES; from++)
		for (unsigned f = 0; f < 4; f++) {
			const struct tl_fsm_edge *path[16];
			int n = tl_fsm_path(from, TL_TCP_CLOSE, TL_ROLE_UNKNOWN, f, path, 16);
			for (int i = 0; i < n; i++)
				inferred_v += (path[i]->flags & TL_EDGE_EVIDENCE) != 0;
		}
	is_int(inferred_v, 0, "no path to CLOSED takes an edge kept for evidence");
	const struct tl_fsm_edge *to = tl_fsm_timeout_edge(TL_TCP_ESTABLISHED);
	ok(to && to->segment == TL_SEG_NONE && to->to == TL_TCP_CLOSE && strstr(to->why, "timed out"),
	   "ESTABLISHED's time-out: no segment");
	ok(!tl_fsm_timeout_edge(TL_TCP_TIME_WAIT) && !tl_fsm_timeout_edge(TL_TCP_LISTEN),
	   "none from TIME-WAIT or LISTEN");
	const struct tl_fsm_edge *in = tl_fsm_reuse_edge(TL_DIR_IN);
	ok(in && in->segment == TL_SEG_SYN && tl_fsm_is_reuse(in->why) &&
	       !tl_fsm_is_reuse(tl_fsm_edge(TL_TCP_TIME_WAIT, TL_TCP_CLOSE, TL_ROLE_ACTIVE)->why),
	   "a TIME-WAIT taken over: the SYN in; its expiry is no reuse");
	const struct tl_fsm_edge *p[1];
	is_int(tl_fsm_path(TL_TCP_ESTABLISHED, TL_TCP_TIME_WAIT, TL_ROLE_ACTIVE, 0, p, 1), -1,
	       "a path longer than the buffer is refused");

	is_str(tl_segment_name(TL_SEG_SYNACK), "SYN+ACK", "segment names");
	ok(tl_segment_name(TL_SEG_NONE) == NULL && tl_dir_name(TL_DIR_NONE) == NULL,
	   "no segment, no direction: NULL");
	is_str(tl_role_name(TL_ROLE_PASSIVE), "passive", "role names");
	return tap_done();
}
