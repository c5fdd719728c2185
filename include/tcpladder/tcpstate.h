/* tcpstate: TCP state numbers (the kernel's), their names and order.
 *
 * Values match the kernel's enum (include/net/tcp_states.h) so records
 * parsed from sock_diag need no translation.  TL_TCP_NEW_SYN_RECV is
 * never reported by a dump (request sockets come back as SYN-RECV) but
 * is kept for mask arithmetic. */
#ifndef TCPLADDER_TCPSTATE_H
#define TCPLADDER_TCPSTATE_H

#include <stdint.h>

enum tl_tcp_state {
	TL_TCP_UNKNOWN = 0,
	TL_TCP_ESTABLISHED = 1,
	TL_TCP_SYN_SENT,
	TL_TCP_SYN_RECV,
	TL_TCP_FIN_WAIT1,
	TL_TCP_FIN_WAIT2,
	TL_TCP_TIME_WAIT,
	TL_TCP_CLOSE,
	TL_TCP_CLOSE_WAIT,
	TL_TCP_LAST_ACK,
	TL_TCP_LISTEN,
	TL_TCP_CLOSING,
	TL_TCP_NEW_SYN_RECV,
	TL_TCP_NSTATES /* array size for per-state tables */
};

/* Every state a dump can return, as an explicit mask: never ~0, since
 * kernels >= 6.8 give bit 13 (TCP_BOUND_INACTIVE) to bound idle sockets. */
#define TL_TCPF(s) (1u << (s))
#define TL_TCPF_ALL 0x1ffeu

/* How long TIME-WAIT lasts on Linux (TCP_TIMEWAIT_LEN; no sysctl
 * changes it), and what the kernel sets its timer to again each time it
 * answers a segment from TIME-WAIT. */
#define TL_TCP_TIMEWAIT_MS 60000u

/* The eleven states shown to users, in lifecycle order. */
#define TL_TCP_NSHOWN 11
extern const enum tl_tcp_state tl_tcp_lifecycle[TL_TCP_NSHOWN];

/* "ESTABLISHED", "SYN-SENT", ...; "UNKNOWN" for anything else.  Static. */
const char *tl_tcp_state_name(int state);
/* Accepts the names above, case-insensitively, and ss's spellings
 * ("estab", "syn-recv", "unconn", "fin-wait-1", "time_wait").
 * Returns the state or TL_TCP_UNKNOWN. */
enum tl_tcp_state tl_tcp_state_parse(const char *name);
/* A state as a user sees it: NEW_SYN_RECV is SYN-RECV. */
static inline int tl_tcp_state_shown(int state)
{
	return state == TL_TCP_NEW_SYN_RECV ? TL_TCP_SYN_RECV : state;
}

#endif
