#include "tcpladder/tcpstate.h"
#include "tap.h"

int main(void)
{
	static const char *const want[TL_TCP_NSHOWN] = {
		"LISTEN",     "SYN-SENT", "SYN-RECV", "ESTABLISHED", "FIN-WAIT-1", "FIN-WAIT-2",
		"CLOSE-WAIT", "CLOSING",  "LAST-ACK", "TIME-WAIT",   "CLOSED"};

	for (int i = 0; i < TL_TCP_NSHOWN; i++) {
		is_str(tl_tcp_state_name(tl_tcp_lifecycle[i]), want[i], "lifecycle %d is %s", i,
		       want[i]);
		is_int(tl_tcp_state_parse(want[i]), tl_tcp_lifecycle[i], "%s parses back",
		       want[i]);
	}
	is_str(tl_tcp_state_name(TL_TCP_NEW_SYN_RECV), "SYN-RECV", "request sockets show as SYN-RECV");
	is_str(tl_tcp_state_name(99), "UNKNOWN", "out of range");
	is_str(tl_tcp_state_name(-1), "UNKNOWN", "negative");
	is_int(tl_tcp_state_parse("estab"), TL_TCP_ESTABLISHED, "ss spelling estab");
	is_int(tl_tcp_state_parse("time_wait"), TL_TCP_TIME_WAIT, "underscores");
	is_int(tl_tcp_state_parse("Close-Wait"), TL_TCP_CLOSE_WAIT, "any case");
	is_int(tl_tcp_state_parse("unconn"), TL_TCP_CLOSE, "ss unconn");
	is_int(tl_tcp_state_parse("bogus"), TL_TCP_UNKNOWN, "unknown name");
	is_int(tl_tcp_state_parse(""), TL_TCP_UNKNOWN, "empty name");
	is_int(tl_tcp_state_shown(TL_TCP_NEW_SYN_RECV), TL_TCP_SYN_RECV, "shown state folds");
	ok((TL_TCPF_ALL & (1u << 13)) == 0, "mask excludes bound-inactive bit 13");
	ok((TL_TCPF_ALL & TL_TCPF(TL_TCP_TIME_WAIT)) && (TL_TCPF_ALL & TL_TCPF(TL_TCP_NEW_SYN_RECV)),
	   "mask includes TIME-WAIT and request sockets");
	return tap_done();
}
