/* scenario: the lab's scenario table. */
#include <stdio.h>
#include <string.h>

#include "tcpladder/relay.h"
#include "tcpladder/scenario.h"

/* One scenario: its name, and in each language a caption and a short
 * explanation of what it teaches. */
static const struct {
	const char *name;
	const char *caption, *caption_zh;
	const char *explain, *explain_zh;
} scenarios[TL_SCENARIO_N] = {
    [TL_SCENARIO_FULL] =
	{
	    "full",
	    "Full life: handshake, a little data, then the client closes first",
	    "完整的一生：握手，少量数据，然后客户端先关闭",
	    "A connects (SYN, SYN+ACK, ACK), both sides send a line, then A closes first: "
	    "FIN from A, B's ACK, B's own FIN, A's last ACK. A, the side that closed first, "
	    "waits in TIME-WAIT; B is gone as soon as its FIN is acknowledged.",
	    "A 发起连接（SYN、SYN+ACK、ACK），双方各发一行数据，然后 A 先关闭：A 发 FIN，"
	    "B 回 ACK，B 再发自己的 FIN，A 回最后的 ACK。先关闭的 A 进入 TIME-WAIT；"
	    "B 的 FIN 一被确认，B 就消失了。",
	},
    [TL_SCENARIO_SERVER_FIRST] =
	{
	    "server-first",
	    "The server closes first: now the server waits in TIME-WAIT",
	    "服务器先关闭：这次是服务器在 TIME-WAIT 中等待",
	    "The same connection, but B closes first. TIME-WAIT belongs to whoever closes "
	    "first, not to the client: B now holds it, which is why busy servers that close "
	    "their connections collect TIME-WAIT sockets.",
	    "同样的连接，但 B 先关闭。TIME-WAIT 属于先关闭的一方，而不是客户端："
	    "现在由 B 持有它，这就是主动关闭连接的繁忙服务器会积累 TIME-WAIT 套接字的原因。",
	},
    [TL_SCENARIO_RST] =
	{
	    "rst",
	    "An abort: the client closes with SO_LINGER 0 and sends an RST",
	    "中止：客户端以 SO_LINGER 0 关闭并发送 RST",
	    "A sets SO_LINGER with a timeout of 0 and closes: instead of a FIN its kernel "
	    "sends an RST and forgets the connection at once. No TIME-WAIT on either side; "
	    "B's socket is reset and closes as soon as its application does.",
	    "A 设置 SO_LINGER 超时为 0 后关闭：内核不发 FIN 而是发 RST，并立即忘掉这个连接。"
	    "双方都没有 TIME-WAIT；B 的套接字被重置，它的应用程序关闭时即消失。",
	},
    [TL_SCENARIO_LOST_ACK] =
	{
	    "lost-ack",
	    "The last ACK is lost: the server sends its FIN again, and TIME-WAIT answers it",
	    "最后的 ACK 丢失：服务器重发 FIN，由 TIME-WAIT 回答",
	    "The link drops A's last ACK. B, in LAST-ACK, hears nothing and sends its FIN "
	    "again; A is in TIME-WAIT and still remembers the connection, so it answers with "
	    "the ACK again. Without TIME-WAIT, A would have answered with an RST.",
	    "链路丢掉了 A 的最后一个 ACK。处于 LAST-ACK 的 B 没有收到回应，于是重发 FIN；"
	    "A 处于 TIME-WAIT，仍记得这个连接，因此再次回 ACK。若没有 TIME-WAIT，A 会回 RST。",
	},
    [TL_SCENARIO_LEAK] =
	{
	    "leak",
	    "A CLOSE-WAIT leak: the server never calls close(), so CLOSE-WAIT climbs",
	    "CLOSE-WAIT 泄漏：服务器从不调用 close()，CLOSE-WAIT 不断增加",
	    "Each run A connects and closes; B accepts but never closes. B's kernel "
	    "acknowledged A's FIN, and then waits for B's application: each connection stays "
	    "in CLOSE-WAIT for as long as the process lives. The leak screen (L) names it.",
	    "每一轮 A 连接后关闭；B 接受了连接却从不关闭。B 的内核确认了 A 的 FIN，"
	    "然后等待 B 的应用程序：每个连接都停在 "
	    "CLOSE-WAIT，直到进程结束。泄漏页面（L）会指出它。",
	},
    [TL_SCENARIO_TW_STORM] =
	{
	    "tw-storm",
	    "A TIME-WAIT storm: twenty short connections, each leaves a TIME-WAIT behind",
	    "TIME-WAIT 风暴：二十个短连接，每个都留下一个 TIME-WAIT",
	    "A opens twenty connections and closes them all first: twenty TIME-WAIT sockets "
	    "stay behind for 60 s each. They cost little, but each holds its four-tuple, which "
	    "is what runs a busy client out of ports.",
	    "A 打开二十个连接并全部先关闭：留下二十个 TIME-WAIT 套接字，每个持续 60 秒。"
	    "它们开销很小，但每个都占住自己的四元组，这正是繁忙客户端耗尽端口的原因。",
	},
    [TL_SCENARIO_HALF_CLOSE] =
	{
	    "half-close",
	    "A half-close: the server keeps sending after the client's FIN, then closes",
	    "半关闭：客户端发出 FIN 之后，服务器继续发送，然后才关闭",
	    "A calls shutdown() for writing: its FIN says only that A has nothing more to "
	    "send. B acknowledges it, and A in FIN-WAIT-2 still receives: B sends three more "
	    "lines, then its own FIN. Each direction closes on its own, which is why a close "
	    "takes four segments (two FINs, two ACKs) where the handshake needs three.",
	    "A 以写方向调用 shutdown()：它的 FIN 只表示 A 不再发送数据。B 确认之后，"
	    "处于 FIN-WAIT-2 的 A 仍然可以接收：B 又发了三行，然后才发出自己的 FIN。"
	    "两个方向各自关闭，所以关闭需要四个报文段（两个 FIN、两个 ACK），而握手只要三个。",
	},
    [TL_SCENARIO_DUP_SYN] =
	{
	    "dup-syn",
	    "An old duplicate SYN: why the handshake takes three segments, not two",
	    "旧的重复 SYN：为什么握手要三个报文段，而不是两个",
	    "The link keeps a copy of A's SYN and, once that connection is over, delivers "
	    "it to B. B cannot tell it from a new SYN: it makes a request socket (SYN-RECV) "
	    "and answers SYN+ACK. A never asked for this connection and refuses it: with an "
	    "RST, or, while its TIME-WAIT remembers the old connection, with that "
	    "connection's ACK, which B answers with an RST (on Linux that RST also ends A's "
	    "TIME-WAIT early). Either way B drops the half-open connection. With a two-way "
	    "handshake B would have believed in a connection nobody asked for and held "
	    "resources for it: the third segment is A confirming it wants this one.",
	    "链路保留了 A 的 SYN 的一个副本，在那个连接结束之后才把它交给 B。B 无法把它和新的 "
	    "SYN 区分开：它创建一个请求套接字（SYN-RECV）并回复 SYN+ACK。A 从未请求这个连接，"
	    "于是拒绝它：回 RST；或者在 TIME-WAIT 仍记得旧连接时，回旧连接的 ACK，B 再以 RST "
	    "回应（在 Linux 上这个 RST 也会提前结束 A 的 TIME-WAIT）。无论哪种，B 都会丢弃这个"
	    "半开连接。如果握手只有两次，B 会相信一个没人请求的连接并为它占用资源：第三个报文段"
	    "就是 A 确认它确实想要这个连接。",
	},
    [TL_SCENARIO_LATE_FIN] =
	{
	    "late-fin",
	    "A FIN after TIME-WAIT: why 2 MSL, and the RST that comes after it",
	    "TIME-WAIT 之后的 FIN：为什么是 2 MSL，以及之后到来的 RST",
	    "The link loses every ACK A sends after B's FIN. B, in LAST-ACK, sends its FIN "
	    "again and again, each time waiting twice as long (its retransmission backoff). "
	    "A answers each from TIME-WAIT, and each FIN it receives there starts its "
	    "TIME-WAIT (60 s on Linux) over. Only when B waits longer than that does A "
	    "forget the connection: the next FIN finds no socket, A's kernel answers it "
	    "with an RST, and B closes. TIME-WAIT is how long A stays able to answer a late "
	    "FIN with the ACK instead of an RST. This takes a few minutes of real time.",
	    "链路丢掉 B 的 FIN 之后 A 发出的每一个 ACK。处于 LAST-ACK 的 B 一次又一次地重发 "
	    "FIN，每次等待的时间加倍（重传退避）。A 在 TIME-WAIT 中回答每一个 FIN，而它在 "
	    "TIME-WAIT 中收到的每个 FIN 都会让 TIME-WAIT（Linux 上为 60 秒）重新开始。只有当 B "
	    "等待的时间超过它时，A 才会忘掉这个连接：下一个 FIN 找不到套接字，A 的内核回以 "
	    "RST，B 随之关闭。TIME-WAIT 就是 A 仍能用 ACK 而不是 RST 回答迟到的 FIN 的时长。"
	    "这需要真实的几分钟。",
	},
};

static bool zh(const char *lang)
{
	return lang && !strcmp(lang, "zh");
}

const char *tl_scenario_name(int s)
{
	return s >= 0 && s < TL_SCENARIO_N ? scenarios[s].name : NULL;
}

const char *tl_scenario_caption(int s, const char *lang)
{
	if (s < 0 || s >= TL_SCENARIO_N)
		return NULL;
	return zh(lang) ? scenarios[s].caption_zh : scenarios[s].caption;
}

const char *tl_scenario_explain(int s, const char *lang)
{
	if (s < 0 || s >= TL_SCENARIO_N)
		return NULL;
	return zh(lang) ? scenarios[s].explain_zh : scenarios[s].explain;
}

int tl_scenario_find(const char *name)
{
	for (int i = 0; i < TL_SCENARIO_N; i++)
		if (!strcmp(name, scenarios[i].name))
			return i;
	return -1;
}

const char *tl_scenario_list(void)
{
	static char list[256];
	if (!list[0]) {
		size_t len = 0;
		for (int i = 0; i < TL_SCENARIO_N; i++)
			len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
						i ? ", " : "", scenarios[i].name);
	}
	return list;
}

int tl_scenario_link_rule(int s)
{
	return s == TL_SCENARIO_LOST_ACK   ? TL_DROP_LAST_ACK
	       : s == TL_SCENARIO_DUP_SYN  ? TL_KEEP_SYN
	       : s == TL_SCENARIO_LATE_FIN ? TL_DROP_ACKS
					   : TL_DROP_NONE;
}

bool tl_scenario_keeps_sockets(int s)
{
	return s == TL_SCENARIO_LEAK;
}
