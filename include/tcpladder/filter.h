/* filter: ss-style socket filter expressions.
 *
 * An expression is parsed once into a small tree with two back ends that
 * must agree: tl_filter_match() evaluates it in user space, and
 * tl_filter_states() plus tl_filter_bytecode() turn it into what an
 * inet_diag dump request carries (the idiag_states mask and an
 * INET_DIAG_REQ_BYTECODE program), so the kernel can skip sockets before
 * they are copied out.  Pure: nothing here prints, exits or reads the
 * clock; errors come back as reason strings.
 *
 * Grammar (ss's, grouped as ss groups it):
 *
 *   filter  := { clause } [ [and] expr ]      leading clauses apply to all
 *            | expr { [and] clause }          later ones join with "and"
 *   clause  := (state | exclude | excl) STATE | netns NAME
 *   expr    := term { [and | && | & | or | || | |] term }
 *   term    := (not | !) term | "(" expr ")" | cond
 *   cond    := (sport | dport) [OP] PORT | pid [OP] N
 *            | comm [= | == | eq | != | neq | ne] NAME
 *            | (src | dst) [= | == | eq | != | neq | ne] HOST
 *   OP      := = == eq != neq ne < lt > gt <= le leq >= ge geq
 *   PORT    := [:]NUMBER | [:]*
 *   HOST    := *[:PORT] | :PORT | IPV4[/LEN][:PORT]
 *            | [IPV4-OR-IPV6[/LEN]][:PORT] | [IPV4-OR-IPV6]/LEN[:PORT]
 *
 * "and" and "or" have equal precedence and group from the left, exactly
 * like ss (ssfilter.y): "a or b and c" is "(a or b) and c".  Terms in a
 * row are one list however many there are (parsed, compiled, evaluated
 * and printed by iteration); nesting (parentheses, "not", and the
 * parentheses the normal form puts where the operator changes, up to 16
 * changes) is limited to 256 levels.  Adjacent
 * terms are joined by "and"; "not" applies to the next term; keywords are
 * case-insensitive.  IPv6 addresses must be in brackets ("[::1]",
 * "[2001:db8::/32]:443", "[2001:db8::]/32"); ports are numbers (no
 * service names: the core reads no files).  A bare address is a /32 or
 * /128.  A v4 address or prefix also matches IPv4-mapped IPv6 sockets,
 * and never other IPv6 sockets, as in the kernel.
 *
 * STATE is a state name (tl_tcp_state_parse() spellings plus ss's
 * "listening", "closed", "unconnected") or a group: all, connected (all
 * but LISTEN and CLOSED), synchronized (connected but SYN-SENT), bucket
 * (SYN-RECV and TIME-WAIT, the mini-sockets), big (all but bucket).  The
 * selected states are the union of the "state" clauses (all states when
 * there is none) minus the union of the "exclude" clauses, whatever their
 * order.  State clauses must sit at the top level, never under "or" or
 * "not" or inside parentheses: the kernel filters states with a mask
 * (idiag_states), not with bytecode.
 *
 * "netns NAME" is tcpladder's extension of ss's language: NAME is a
 * watched namespace's label ("host", an `ip netns` name,
 * "docker:3f2a9c1b7d4e", "nginx.service", "1234/sleep") or a shell
 * pattern of labels ("docker:*"); several clauses select any of them.
 * Like state clauses they sit at the top level: a namespace is chosen
 * before it is dumped, and one not chosen is not dumped at all.
 *
 * "pid [OP] N" and "comm [= | !=] NAME" are tcpladder's too: the process
 * holding the socket (NAME its command name, /proc/PID/comm, or a shell
 * pattern of them: "comm python*").  They may sit anywhere a cond may.
 * No dump says which process holds a socket, so the kernel cannot apply
 * them: tl_filter_bytecode() and tl_filter_match() keep every socket they
 * might select (an upper bound), and tl_filter_match_owner() decides once
 * the caller knows the owner.  A socket no process holds (TIME-WAIT and
 * request mini-sockets, orphans) has no owner: pid and comm terms are
 * false for it ("not pid = 5" true).
 *
 * States are the ones a dump reports: a TIME-WAIT mini-socket holding an
 * orphaned FIN-WAIT-2 is reported (and selected) as FIN-WAIT-2; request
 * sockets are SYN-RECV. */
#ifndef TCPLADDER_FILTER_H
#define TCPLADDER_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpladder/snapshot.h"

struct tl_filter;

/* Parse expr.  An empty or all-blank expression matches every socket.
 * On error returns NULL and sets *cause to a heap string naming the
 * problem and its 1-based column, e.g. "expected a port after 'sport ='
 * at column 9"; the caller frees it (cause may be NULL). */
struct tl_filter *tl_filter_parse(const char *expr, char **cause);
void tl_filter_free(struct tl_filter *f);

/* The user-space evaluator: does s pass the whole filter (states too)?
 * s->state is the state number a dump reports (NEW_SYN_RECV counts as
 * SYN-RECV).  Owners unknown, pid and comm terms count as passing where
 * that lets more sockets through (see above). */
bool tl_filter_match(const struct tl_filter *f, const struct tl_sock *s);

/* The evaluator knowing the socket's owner: pid and comm (/proc/PID/comm),
 * or pid 0 and comm NULL when no process holds it. */
bool tl_filter_match_owner(const struct tl_filter *f, const struct tl_sock *s, int pid,
			   const char *comm);

/* Does f have pid or comm terms (so that its callers must know owners to
 * apply it exactly)?  f may be NULL. */
bool tl_filter_has_owner(const struct tl_filter *f);

/* Is the namespace labelled label selected by the netns clauses (always,
 * with none; f may be NULL)? */
bool tl_filter_netns(const struct tl_filter *f, const char *label);

/* The idiag_states mask selected by the state clauses: a subset of
 * TL_TCPF_ALL (the SYN-RECV bit always comes with NEW_SYN_RECV). */
uint32_t tl_filter_states(const struct tl_filter *f);

/* Compile the address and port part to inet_diag bytecode.  Returns 0
 * with *code set to a heap program of *len bytes (the caller frees it),
 * or 0 with *code NULL and *len 0 when there is nothing to filter beyond
 * the states.  Returns -EOPNOTSUPP, *code NULL, when the program cannot
 * be expressed: currently only when it would exceed what one netlink
 * attribute and the 16-bit jump offsets can hold.  Then the caller dumps
 * with tl_filter_states() alone and filters with tl_filter_match(). */
int tl_filter_bytecode(const struct tl_filter *f, uint8_t **code, size_t *len);

/* The expression in normal form ("state established and (sport = :22 or
 * dst 10.0.0.0/8)"), which parses back to the same filter; "" for a
 * filter that matches everything.  Owned by f. */
const char *tl_filter_text(const struct tl_filter *f);

#endif
