/* narration: the ladder's steps in words.  The two languages are two
 * tables of prose; the code below picks entries and fills in names. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tcpladder/narration.h"
#include "tcpladder/tcpstate.h"

/* What an explanation is about, besides the state itself. */
enum {
	TOPIC_NONE,
	TOPIC_HANDSHAKE,
	TOPIC_DATA,
	TOPIC_CLOSE,
	TOPIC_TIME_WAIT,
	TOPIC_CLOSE_WAIT,
	TOPIC_RST,
	TOPIC_N
};

/* A language.  In lines '@' is the speaker and '#' the other side; in the
 * clocks '@' is the duration. */
struct words {
	const char *said; /* between the speaker and the line */
	const char *line[TL_LINE_N];
	const char *state[TL_TCP_NSTATES];
	const char *topic[TOPIC_N];
	const char *time_left, *lasting; /* a TIME-WAIT's and a CLOSE-WAIT's clock */
	const char *word[TL_WORD_N];     /* the ladder screen's words ('@', '#': values) */
};

static const struct words en = {
    .said = ": ",
    .line =
	{
	    [TL_LINE_HELLO1] = "Hello, I'm @",
	    [TL_LINE_HELLO2] = "Hello #, I'm @",
	    [TL_LINE_HELLO3] = "Hello #",
	    [TL_LINE_BYE1] = "#, I'm done sending",
	    [TL_LINE_BYE2] = "Oh, you're done. Got it",
	    [TL_LINE_BYE3] = "Then I'm done too. Bye",
	    [TL_LINE_BYE4] = "OK, bye",
	    [TL_LINE_RESET] = "Reset! Drop it all",
	    [TL_LINE_REFUSE] = "No connection of mine expects that. Reset",
	    [TL_LINE_OLD_ACK] = "Not mine: our old connection's ACK",
	    [TL_LINE_NEW_SYN] = "Hello again: a new connection on these ports",
	},
    .state =
	{
	    [TL_TCP_SYN_SENT] = "SYN-SENT: connect() sent a SYN and waits for the answer.",
	    [TL_TCP_SYN_RECV] =
		"SYN-RECV: a SYN arrived and SYN+ACK went back; waiting for the last ACK "
		"of the handshake (the request sits in the listener's queue, not yet "
		"accepted).",
	    [TL_TCP_ESTABLISHED] =
		"ESTABLISHED: both directions are open; data can flow either way.",
	    [TL_TCP_FIN_WAIT1] =
		"FIN-WAIT-1: this side called close() or shutdown() and sent FIN; waiting "
		"for it to be acknowledged.",
	    [TL_TCP_FIN_WAIT2] =
		"FIN-WAIT-2: our FIN is acknowledged; this side sends no more but can "
		"still receive, until the peer's FIN comes.",
	    [TL_TCP_CLOSE_WAIT] =
		"CLOSE-WAIT: the peer is done sending; this side may still send, and "
		"waits for its application to call close().",
	    [TL_TCP_LAST_ACK] =
		"LAST-ACK: this side sent its own FIN after the peer's; waiting for the "
		"last ACK.",
	    [TL_TCP_CLOSING] =
		"CLOSING: both sides sent FIN at about the same time; waiting for the ACK "
		"of ours.",
	    [TL_TCP_TIME_WAIT] =
		"TIME-WAIT: the side that closed first waits 2 MSL before forgetting the "
		"connection.",
	    [TL_TCP_CLOSE] = "CLOSED: the connection is gone on this side.",
	},
    .topic =
	{
	    [TOPIC_HANDSHAKE] =
		"The three-way handshake: A sends SYN with its initial sequence number; B "
		"answers SYN+ACK, acknowledging A's number and giving its own; A "
		"acknowledges B's. Why not two segments? A delayed duplicate SYN from an "
		"old connection would then open a connection nobody asked for: the third "
		"segment lets A confirm that the SYN really was its own (a stale one it "
		"refuses with RST). Why not four? B's ACK and B's SYN travel together, "
		"and after three segments both sides know that both directions work.",
	    [TOPIC_DATA] =
		"Data in both directions while ESTABLISHED, counted from the kernel's "
		"tcp_info: bytes the peer acknowledged, bytes received, and the segments "
		"that carried them.",
	    [TOPIC_CLOSE] =
		"Why four segments to close? Each direction is shut separately: a FIN "
		"only says \"I will send no more\". The side that received a FIN may "
		"still have data to send, so its ACK goes at once and its own FIN later, "
		"when its application calls close(); only when it has nothing left to say "
		"do the two travel together.",
	    [TOPIC_TIME_WAIT] =
		"Why TIME-WAIT? The last ACK may be lost; the peer then retransmits its "
		"FIN, and this side must still be there to ACK it again rather than "
		"answer with RST. Waiting 2 MSL (a segment's maximum lifetime, there and "
		"back) also lets stray old segments die before the same addresses and "
		"ports are used again. Linux waits 60 s.",
	    [TOPIC_CLOSE_WAIT] =
		"A long CLOSE-WAIT means the application has not called close(): the peer "
		"said goodbye and the kernel acknowledged it, but the program still holds "
		"the socket. Often a leak (a close() missing on an error path).",
	    [TOPIC_RST] = "RST resets the connection at once: no goodbye, no waiting; data not yet "
			  "sent or not yet read is thrown away. It is sent when nothing listens on "
			  "the port (connection refused), on close() with unread data, with "
			  "SO_LINGER set to zero, or when a segment arrives for a connection this "
			  "side does not know (after a crash or a restart).",
	},
    .word =
	{
	    [TL_WORD_STEP] = "Step @/#: ",
	    [TL_WORD_CONNECTION] = "Connection",
	    [TL_WORD_STEPS_HINT] = "@ steps; select one for its details",
	    [TL_WORD_AT_SEEN] = "at @, observed",
	    [TL_WORD_AT_OBSERVED] = "at or before @ (between two samples), observed",
	    [TL_WORD_AT_INFERRED] = "at or before @ (between two samples), inferred",
	    [TL_WORD_AFTER_MARK] = "@ s after the mark (step #)",
	    [TL_WORD_BEFORE_MARK] = "@ s before the mark (step #)",
	    [TL_WORD_SPANS] = "; it spans an inferred step: a bound, not a measure",
	    [TL_WORD_CARRIED] = "carried @ bytes (#)",
	    [TL_WORD_CARRIED_FEW] = "carried @ B",
	    [TL_WORD_IN_SEGS] = " in @ segments",
	    [TL_WORD_COUNTERS] = "@ tcp_info:",
	    [TL_WORD_RTT] = " rtt @ ms",
	    [TL_WORD_SENT] = ", bytes_acked @",
	    [TL_WORD_RECEIVED] = ", bytes_received @",
	    [TL_WORD_SEGS] = ", segs @ out # in",
	    [TL_WORD_CTL_BYTES] = "(the kernel's counters: bytes_acked also counts the connecting "
				  "end's SYN and its own FIN once acknowledged, bytes_received the "
				  "peer's FIN)",
	    [TL_WORD_NOT_YET] = "(not yet)",
	    [TL_WORD_INFERRED] = " (inferred)",
	    [TL_WORD_DERIVED] = " (derived)",
	    [TL_WORD_FIRST_SEEN] = "first seen in @",
	    [TL_WORD_AT_TIME] = "at @",
	    [TL_WORD_NO_SEGMENT] =
		"no segment seen yet: the ladder starts with the next state change",
	    [TL_WORD_KEYS] =
		"Up/Down step  m mark  e explain  r replay  p pause  s step  [ ] speed  "
		"Esc back",
	    [TL_WORD_KEYS_LAB] =
		"Up/Down step  m mark  e explain  w why  f ahead  r replay  p pause  s step  "
		"[ ] speed  Esc back",
	    [TL_WORD_KEY_SAVE] = "  x save",
	    [TL_WORD_CLIENT] = "(client)",
	    [TL_WORD_SERVER] = "(server)",
	    [TL_WORD_HEAD_DERIVED] = " ~derived",
	    [TL_WORD_NOTE_STALE] = "duplicate of a SYN sent @ s ago",
	    [TL_WORD_NOTE_LOST] = "lost: the link dropped it",
	    [TL_WORD_NOTE_RESENT] = "sent again: its retransmission timer fired",
	    [TL_WORD_NOTE_HELD] = "held mid-link until released",
	    [TL_WORD_NOTE_ANSWER] = "sent again: the answer to a copy delivered to it again",
	    [TL_WORD_NOTE_RELEASED] = "released: it crosses the rest of the link now",
	    [TL_WORD_ON_LINK] = "on the link",
	    [TL_WORD_SEQ_ACK] = " (seq @, ack #)",
	    [TL_WORD_NOTE_SEP] = ": ",
	    [TL_WORD_ABOVE_BELOW] = "@ above, # below",
	    [TL_WORD_ABOVE] = "@ above",
	    [TL_WORD_BELOW] = "@ below",
	    [TL_WORD_TOO_SMALL] = "ladder needs @, has #",
	    [TL_WORD_AT_EXACT] = "at @ exactly, #",
	    [TL_WORD_BETWEEN] = "between @ and # (two samples), ",
	    [TL_WORD_OBSERVED] = "observed",
	    [TL_WORD_INFERRED_ADJ] = "inferred",
	    [TL_WORD_DATA_SEGS] = "data @ segs, #",
	    [TL_WORD_DATA] = "data @",
	    [TL_WORD_DATA_SEG1] = "data @ seg, #",
	    [TL_WORD_GAP] = "@ steps not shown",
	    [TL_WORD_GAP1] = "@ step not shown",
	    [TL_WORD_STALE] = "stale ",
	    [TL_WORD_RETRANSMIT] = " (retransmit @)",
	    [TL_WORD_DIR_UNKNOWN] = " (direction unknown)",
	    [TL_WORD_LOST] = " lost",
	    [TL_WORD_AGAIN] = " again",
	    [TL_WORD_HELD] = " held",
	    [TL_WORD_RELEASED_LBL] = " released",
	    [TL_WORD_STATE_CHANGE] = "state change",
	    [TL_WORD_LEGEND] = "Legend: ",
	    [TL_WORD_LEG_INFERRED] = "~ inferred, not seen",
	    [TL_WORD_LEG_SEGMENT] = "@ inferred segment",
	    [TL_WORD_LEG_DERIVED] = "~derived: end not watched",
	    [TL_WORD_LEG_WINDOW] = "@ between two samples",
	    [TL_WORD_LEG_BOUND] = "@ at or before, +t exact",
	    [TL_WORD_LEG_LOST] = "@ lost by the link",
	    [TL_WORD_LEG_SAMPLED] = "@ at or before (found by sampling)",
	    [TL_WORD_LEG_HELD] = "@ held mid-link (step mode)",
	    [TL_WORD_STEP_STATUS] = "step mode: @ held, # released (Space: one, G: all); ",
	    [TL_WORD_STEP_ON] = "each segment stops mid-link",
	    [TL_WORD_STEP_OFF] =
		"step mode off: every held segment released, the link's normal delay again",
	    [TL_WORD_RELEASED] = "released one",
	    [TL_WORD_NOTHING_HELD] = "nothing held yet",
	    [TL_WORD_RESENT_MSG] = "@ sent its # again: its retransmission timer fired while the "
				   "first copy was still on the link",
	    [TL_WORD_HELD_MSG] = "# from @ held mid-link",
	    [TL_WORD_ANSWER_MSG] = "@ sent its # again: the answer to a copy of the segment it "
				   "answers, delivered to it again (not its timer)",
	    [TL_WORD_STALE_MSG] = "the link delivers its copy of A's SYN, sent @ s ago: a stale "
				  "duplicate; watch what B's kernel does with it",
	    [TL_WORD_TW_LEFT] = "A's TIME-WAIT: @ s left (each FIN from B starts it over)",
	    [TL_WORD_FIN_AGAIN] = "; B sends its FIN again in @ s",
	    [TL_WORD_LAB_KEYS] = "  (w: why, N: next scenario)",
	    [TL_WORD_NEXT_KEY] = "  (N: next scenario)",
	    [TL_WORD_LOOPBACK] = "; on loopback the quick steps are inferred",
	    [TL_WORD_NEXT_RUN] =
		"the next run plays the next scenario (@), once this one has ended",
	    [TL_WORD_TW_OVER] = "A's TIME-WAIT is over: no socket is left at A; B sends its FIN "
				"again in @ s, and A's kernel will answer it with an RST",
	    [TL_WORD_NO_SKIP] = "no skipping: the kernels' timers run in real time, and nothing "
				"here fakes them; ",
	    [TL_WORD_SKIP_FIN] = "next: B's FIN again in @ s, which A answers from TIME-WAIT "
				 "(its 60 s start over)",
	    [TL_WORD_SKIP_END] = "next: A's TIME-WAIT ends in @ s; B's FIN again in # s then finds "
				 "no socket, and A's kernel answers with an RST (the lesson's end)",
	    [TL_WORD_SKIP_RST] = "next: B's FIN again in @ s; A's TIME-WAIT is over, so A's kernel "
				 "answers with an RST (the lesson's end)",
	    [TL_WORD_SKIP_STEPS] = "the lab's steps come a few link delays apart",
	    [TL_WORD_SUM_STATE] = "state @ for #",
	    [TL_WORD_SUM_AT_LEAST] = "at least ",
	    [TL_WORD_SUM_FIRST] = "   first seen @ ago",
	    [TL_WORD_SUM_ROLE] = "   role @",
	    [TL_WORD_ROLE_ACTIVE] = "active",
	    [TL_WORD_ROLE_PASSIVE] = "passive",
	    [TL_WORD_ROLE_UNKNOWN] = "unknown",
	    [TL_WORD_SUM_GUESSED] = " (guessed from ports)",
	    [TL_WORD_SUM_RTT] = "rtt @ ms",
	    [TL_WORD_SUM_ACKED] = "   bytes acked @",
	    [TL_WORD_SUM_RECEIVED] = "   received @",
	    [TL_WORD_SUM_SEGS] = "   segs out @ in #",
	    [TL_WORD_SUM_TW_ENDS] = "TIME-WAIT ends in @ s",
	    [TL_WORD_SUM_OWNER] = "owner @",
	    [TL_WORD_SUM_UNREAD] = "@ bytes never read by the application (the FIN accounts for 1)",
	    [TL_WORD_SUM_PEER] = "peer (in a watched namespace): @",
	    [TL_WORD_GONE_TITLE] = "connection details",
	    [TL_WORD_GONE] = "this connection is no longer tracked",
	    [TL_WORD_GONE_KEYS] = "Esc q: back",
	    [TL_WORD_GONE_KEPT] = "   (no longer tracked: as last seen)",
	},
    .time_left = "@ left",
    .lasting = "for @",
};

static const struct words zh = {
    .said = "：",
    .line =
	{
	    [TL_LINE_HELLO1] = "你好，我是 @",
	    [TL_LINE_HELLO2] = "# 你好，我是 @",
	    [TL_LINE_HELLO3] = "# 你好",
	    [TL_LINE_BYE1] = "#，我这边发完了",
	    [TL_LINE_BYE2] = "哦，你发完了。收到",
	    [TL_LINE_BYE3] = "那我也发完了。再见",
	    [TL_LINE_BYE4] = "好的，再见",
	    [TL_LINE_RESET] = "重置！这个连接作废",
	    [TL_LINE_REFUSE] = "我这里没有连接在等这个。重置",
	    [TL_LINE_OLD_ACK] = "不是我的：这是我们旧连接的 ACK",
	    [TL_LINE_NEW_SYN] = "又见面了：这两个端口上的新连接",
	},
    .state =
	{
	    [TL_TCP_SYN_SENT] = "SYN-SENT：connect() 已发出 SYN，正在等对方回应。",
	    [TL_TCP_SYN_RECV] =
		"SYN-RECV：收到了 SYN 并回了 SYN+ACK，正在等握手的最后一个 ACK（这个请求还"
		"在监听套接字的队列里，尚未被 accept）。",
	    [TL_TCP_ESTABLISHED] = "ESTABLISHED：两个方向都已打开，数据可以双向流动。",
	    [TL_TCP_FIN_WAIT1] =
		"FIN-WAIT-1：这一端调用了 close() 或 shutdown() 并发出 FIN，正在等对方确"
		"认。",
	    [TL_TCP_FIN_WAIT2] =
		"FIN-WAIT-2：我方的 FIN 已被确认；这一端不再发送，但仍可接收，直到对方发来"
		" FIN。",
	    [TL_TCP_CLOSE_WAIT] =
		"CLOSE-WAIT：对方已发送完毕；这一端还可以继续发送，正在等自己的应用调用"
		" close()。",
	    [TL_TCP_LAST_ACK] = "LAST-ACK：这一端在对方之后也发出了 FIN，正在等最后一个 ACK。",
	    [TL_TCP_CLOSING] = "CLOSING：双方几乎同时发出 FIN，正在等对方确认我方的 FIN。",
	    [TL_TCP_TIME_WAIT] = "TIME-WAIT：先关闭的一方要等待 2 MSL，才彻底忘掉这个连接。",
	    [TL_TCP_CLOSE] = "CLOSED：这一端的连接已不存在。",
	},
    .topic =
	{
	    [TOPIC_HANDSHAKE] =
		"三次握手：A 发出带初始序号的 SYN；B 回 SYN+ACK，确认 A 的序号并给出自己的"
		"序号；A 再确认 B 的序号。为什么不是两次？网络里迟到的旧 SYN 副本会凭空建"
		"立一个谁也没请求的连接；第三个报文让 A 确认这个 SYN 确实是自己发的（过时"
		"的用 RST 拒绝）。为什么不是四次？B 的 ACK 和 B 的 SYN 合在同一个报文里；"
		"三个报文之后，双方都已知道两个方向都是通的。",
	    [TOPIC_DATA] =
		"ESTABLISHED 期间双向传输的数据，取自内核的 tcp_info：对方已确认的字节数、"
		"已收到的字节数，以及承载它们的报文段数。",
	    [TOPIC_CLOSE] =
		"为什么关闭要四个报文？两个方向是分别关闭的：FIN 只表示「我不再发送了」。"
		"收到 FIN 的一方可能还有数据要发，所以它先立刻回 ACK，等自己的应用调用"
		" close() 时再发 FIN；只有当它已无话可说时，ACK 和 FIN 才会一起发出。",
	    [TOPIC_TIME_WAIT] =
		"为什么要 TIME-WAIT？最后一个 ACK 可能丢失，对方会重传 FIN，这一端必须还"
		"在，才能再回一次 ACK，而不是回 RST。等待 2 MSL（报文最长存活时间的一个来"
		"回）也让网络里迷途的旧报文在相同的地址和端口被重用之前消失。Linux 等待"
		" 60 秒。",
	    [TOPIC_CLOSE_WAIT] =
		"CLOSE-WAIT 持续很久，说明应用没有调用 close()：对方已经道别，内核也已确"
		"认，但程序仍握着这个套接字。常常是泄漏（比如出错路径上漏了 close()）。",
	    [TOPIC_RST] = "RST 立即重置连接：不挥手，不等待，未发送和未读取的数据都被丢弃。常见于端"
			  "口上没有进程监听（连接被拒绝）、带着未读数据调用 close()、SO_LINGER 设为"
			  "零，或收到一个本端不认识的连接的报文（比如在崩溃或重启之后）。",
	},
    .word =
	{
	    [TL_WORD_STEP] = "第 @/# 步：",
	    [TL_WORD_CONNECTION] = "连接",
	    [TL_WORD_STEPS_HINT] = "共 @ 步；选中一步看它的详情",
	    [TL_WORD_AT_SEEN] = "于 @，观察到",
	    [TL_WORD_AT_OBSERVED] = "不晚于 @（两次采样之间），观察到",
	    [TL_WORD_AT_INFERRED] = "不晚于 @（两次采样之间），推断",
	    [TL_WORD_AFTER_MARK] = "比标记（第 # 步）晚 @ 秒",
	    [TL_WORD_BEFORE_MARK] = "比标记（第 # 步）早 @ 秒",
	    [TL_WORD_SPANS] = "；其间有推断的步骤：这是上限，不是测量值",
	    [TL_WORD_CARRIED] = "携带 @ 字节（#）",
	    [TL_WORD_CARRIED_FEW] = "携带 @ 字节",
	    [TL_WORD_IN_SEGS] = "，共 @ 个报文段",
	    [TL_WORD_COUNTERS] = "@ 的 tcp_info：",
	    [TL_WORD_RTT] = "rtt @ ms",
	    [TL_WORD_SENT] = "，bytes_acked @",
	    [TL_WORD_RECEIVED] = "，bytes_received @",
	    [TL_WORD_SEGS] = "，报文段 发出 @ 收到 #",
	    [TL_WORD_CTL_BYTES] =
		"（内核的计数器：bytes_acked 还计入发起连接一端的 SYN 和本端已被确认的 "
		"FIN，bytes_received 计入对端的 FIN）",
	    [TL_WORD_NOT_YET] = "（尚未）",
	    [TL_WORD_INFERRED] = "（推断）",
	    [TL_WORD_DERIVED] = "（推导）",
	    [TL_WORD_FIRST_SEEN] = "首次见到时在 @",
	    [TL_WORD_AT_TIME] = "于 @",
	    [TL_WORD_NO_SEGMENT] = "还没见到报文段：梯形图从下一次状态变化开始",
	    [TL_WORD_KEYS] =
		"Up/Down 选步  m 标记  e 解释  r 重放  p 暂停  s 单步  [ ] 速度  Esc 返回",
	    [TL_WORD_KEYS_LAB] =
		"Up/Down 选步  m 标记  e 解释  w 原因  f 接下来  r 重放  p 暂停  s 单步  [ ] 速度  "
		"Esc 返回",
	    [TL_WORD_KEY_SAVE] = "  x 保存",
	    [TL_WORD_CLIENT] = "(客户端)",
	    [TL_WORD_SERVER] = "(服务器)",
	    [TL_WORD_HEAD_DERIVED] = " ~推导",
	    [TL_WORD_NOTE_STALE] = "@ 秒前发出的 SYN 的重复副本",
	    [TL_WORD_NOTE_LOST] = "丢失：链路丢弃了它",
	    [TL_WORD_NOTE_RESENT] = "重发：它的重传定时器到时了",
	    [TL_WORD_NOTE_HELD] = "扣在链路中途，等待放行",
	    [TL_WORD_NOTE_ANSWER] = "重发：回应又一次送达它的副本",
	    [TL_WORD_NOTE_RELEASED] = "已放行：现在走完链路的后一半",
	    [TL_WORD_ON_LINK] = "在链路上",
	    [TL_WORD_SEQ_ACK] = "（seq @，ack #）",
	    [TL_WORD_NOTE_SEP] = "：",
	    [TL_WORD_ABOVE_BELOW] = "上方 @ 步，下方 # 步",
	    [TL_WORD_ABOVE] = "上方 @ 步",
	    [TL_WORD_BELOW] = "下方 @ 步",
	    [TL_WORD_TOO_SMALL] = "梯形图需要 @，现有 #",
	    [TL_WORD_AT_EXACT] = "恰于 @，#",
	    [TL_WORD_BETWEEN] = "介于 @ 与 # 之间（两次采样），",
	    [TL_WORD_OBSERVED] = "观察到",
	    [TL_WORD_INFERRED_ADJ] = "推断",
	    [TL_WORD_DATA_SEGS] = "数据 @ 段，#",
	    [TL_WORD_DATA] = "数据 @",
	    [TL_WORD_DATA_SEG1] = "数据 @ 段，#",
	    [TL_WORD_GAP] = "@ 步未显示",
	    [TL_WORD_GAP1] = "@ 步未显示",
	    [TL_WORD_STALE] = "过时的 ",
	    [TL_WORD_RETRANSMIT] = "（重传 @）",
	    [TL_WORD_DIR_UNKNOWN] = "（方向未知）",
	    [TL_WORD_LOST] = " 丢失",
	    [TL_WORD_AGAIN] = " 重发",
	    [TL_WORD_HELD] = " 扣住",
	    [TL_WORD_RELEASED_LBL] = " 放行",
	    [TL_WORD_STATE_CHANGE] = "状态变化",
	    [TL_WORD_LEGEND] = "图例：",
	    [TL_WORD_LEG_INFERRED] = "~ 推断，未观察到",
	    [TL_WORD_LEG_SEGMENT] = "@ 推断的报文段",
	    [TL_WORD_LEG_DERIVED] = "~推导：这一端未被监视",
	    [TL_WORD_LEG_WINDOW] = "@ 两次采样之间",
	    [TL_WORD_LEG_BOUND] = "@ 不晚于，+t 为确切时间",
	    [TL_WORD_LEG_LOST] = "@ 被链路丢弃",
	    [TL_WORD_LEG_SAMPLED] = "@ 不晚于（由采样得知）",
	    [TL_WORD_LEG_HELD] = "@ 停在链路中途（单步模式）",
	    [TL_WORD_STEP_STATUS] = "单步模式：扣住 @ 个，已放行 # 个（Space：放一个，G：全部）；",
	    [TL_WORD_STEP_ON] = "每个报文段都停在链路中途",
	    [TL_WORD_STEP_OFF] = "单步模式关闭：扣住的报文段全部放行，链路恢复正常延迟",
	    [TL_WORD_RELEASED] = "放行了一个",
	    [TL_WORD_NOTHING_HELD] = "还没有扣住的报文段",
	    [TL_WORD_RESENT_MSG] = "@ 又发了一次 #：第一份还在链路上，它的重传定时器就到时了",
	    [TL_WORD_HELD_MSG] = "@ 发出的 # 扣在链路中途",
	    [TL_WORD_ANSWER_MSG] =
		"@ 又发了一次 #：它回应的报文段又有一份送达了它（不是重传定时器）",
	    [TL_WORD_STALE_MSG] = "链路送出它留下的 A 的 SYN 副本（@ "
				  "秒前发出）：一个过时的重复报文；看 B 的内核如何处理它",
	    [TL_WORD_TW_LEFT] = "A 的 TIME-WAIT：还剩 @ 秒（B 的每个 FIN 都让它重新开始）",
	    [TL_WORD_FIN_AGAIN] = "；B 在 @ 秒后重发 FIN",
	    [TL_WORD_LAB_KEYS] = "  （w：原因，N：下一个场景）",
	    [TL_WORD_NEXT_KEY] = "  （N：下一个场景）",
	    [TL_WORD_LOOPBACK] = "；在回环接口上，快的步骤只能推断",
	    [TL_WORD_NEXT_RUN] = "下一轮运行下一个场景（@），在本轮结束之后",
	    [TL_WORD_TW_OVER] = "A 的 TIME-WAIT 已结束：A 端已没有套接字；B 在 @ 秒后重发 FIN，"
				"A 的内核将以 RST 回应",
	    [TL_WORD_NO_SKIP] = "无法跳过：内核的定时器按真实时间运行，这里不做任何伪造；",
	    [TL_WORD_SKIP_FIN] =
		"接下来：B 在 @ 秒后重发 FIN，A 在 TIME-WAIT 中回应（60 秒重新开始）",
	    [TL_WORD_SKIP_END] = "接下来：A 的 TIME-WAIT 在 @ 秒后结束；B 在 # 秒后重发的 FIN "
				 "将找不到套接字，A 的内核以 RST 回应（本课结束）",
	    [TL_WORD_SKIP_RST] = "接下来：B 在 @ 秒后重发 FIN；A 的 TIME-WAIT 已结束，"
				 "A 的内核以 RST 回应（本课结束）",
	    [TL_WORD_SKIP_STEPS] = "实验的各步相隔几个链路延迟",
	    [TL_WORD_SUM_STATE] = "状态 @，已持续 #",
	    [TL_WORD_SUM_AT_LEAST] = "至少 ",
	    [TL_WORD_SUM_FIRST] = "   首次见到于 @ 前",
	    [TL_WORD_SUM_ROLE] = "   角色 @",
	    [TL_WORD_ROLE_ACTIVE] = "主动打开",
	    [TL_WORD_ROLE_PASSIVE] = "被动打开",
	    [TL_WORD_ROLE_UNKNOWN] = "未知",
	    [TL_WORD_SUM_GUESSED] = "（由端口推测）",
	    [TL_WORD_SUM_RTT] = "rtt @ ms",
	    [TL_WORD_SUM_ACKED] = "   已确认 @ 字节",
	    [TL_WORD_SUM_RECEIVED] = "   已接收 @ 字节",
	    [TL_WORD_SUM_SEGS] = "   报文段 发出 @ 收到 #",
	    [TL_WORD_SUM_TW_ENDS] = "TIME-WAIT 在 @ 秒后结束",
	    [TL_WORD_SUM_OWNER] = "属主 @",
	    [TL_WORD_SUM_UNREAD] = "@ 字节从未被应用读取（其中 1 个是 FIN）",
	    [TL_WORD_SUM_PEER] = "对端（在被监视的命名空间中）：@",
	    [TL_WORD_GONE_TITLE] = "连接详情",
	    [TL_WORD_GONE] = "这个连接已不再被跟踪",
	    [TL_WORD_GONE_KEYS] = "Esc q：返回",
	    [TL_WORD_GONE_KEPT] = "   （已不再跟踪：最后所见）",
	},
    .time_left = "剩 @",
    .lasting = "已 @",
};

static const struct words *words_of(const char *lang)
{
	return lang && !strcmp(lang, "zh") ? &zh : &en;
}

/* tmpl with '@' and '#' replaced. */
static void fill(struct tl_buf *out, const char *tmpl, const char *at, const char *hash)
{
	for (const char *p = tmpl; *p; p++) {
		if (*p == '@')
			tl_buf_puts(out, at);
		else if (*p == '#')
			tl_buf_puts(out, hash);
		else
			tl_buf_putc(out, *p);
	}
}

void tl_narration_bytes(uint64_t b, char *out, size_t len)
{
	if (b < 1024)
		snprintf(out, len, "%llu B", (unsigned long long)b);
	else if (b < 1024 * 1024)
		snprintf(out, len, "%.1f KB", (double)b / 1024);
	else if (b < 1024ULL * 1024 * 1024)
		snprintf(out, len, "%.1f MB", (double)b / (1024 * 1024));
	else
		snprintf(out, len, "%.1f GB", (double)b / (1024.0 * 1024 * 1024));
}

void tl_narration_elapsed(uint64_t ns, char *out, size_t len)
{
	double s = (double)ns / 1e9;
	if (s < 100)
		snprintf(out, len, "+%.3fs", s);
	else if (s < 10000)
		snprintf(out, len, "+%.1fs", s);
	else
		snprintf(out, len, "+%.0fs", s);
}

static void duration(uint64_t ms, char *out, size_t len)
{
	uint64_t s = ms / 1000;
	if (s < 60)
		snprintf(out, len, "%llus", (unsigned long long)s);
	else if (s < 3600)
		snprintf(out, len, "%llum%02llus", (unsigned long long)(s / 60),
			 (unsigned long long)(s % 60));
	else
		snprintf(out, len, "%lluh%02llum", (unsigned long long)(s / 3600),
			 (unsigned long long)(s / 60 % 60));
}

void tl_narration_clock_time(double wall, char *out, size_t len)
{
	time_t secs = (time_t)wall;
	struct tm tm;
	char hms[16];
	int ms = (int)((wall - (double)secs) * 1000);
	if (!localtime_r(&secs, &tm) || !strftime(hms, sizeof(hms), "%H:%M:%S", &tm))
		snprintf(hms, sizeof(hms), "?");
	snprintf(out, len, "%s.%03d", hms, ms < 0 ? 0 : ms > 999 ? 999 : ms);
}

void tl_narration_label_in(const struct tl_ladder_step *s, const char *lang, struct tl_buf *out)
{
	char b[32], n[32];
	if (!s)
		return;
	switch (s->kind) {
	case TL_LADDER_DATA:
		tl_narration_bytes(s->bytes, b, sizeof(b));
		snprintf(n, sizeof(n), "%u", s->segs);
		tl_narration_word(lang,
				  s->segs == 1 ? TL_WORD_DATA_SEG1
				  : s->segs    ? TL_WORD_DATA_SEGS
					       : TL_WORD_DATA,
				  s->segs ? n : b, b, out);
		break;
	case TL_LADDER_STATE: {
		int x = s->from < 0 ? 0 : s->from;
		if (s->side[x].why)
			tl_buf_puts(out, tl_narration_why(s->side[x].why, lang));
		else
			tl_narration_word(lang, TL_WORD_STATE_CHANGE, NULL, NULL, out);
		break;
	}
	case TL_LADDER_SEEN:
		tl_narration_clock_time(s->wall, b, sizeof(b));
		tl_narration_word(lang, TL_WORD_FIRST_SEEN, tl_tcp_state_name(s->state), NULL, out);
		tl_buf_puts(out, " ");
		tl_narration_word(lang, TL_WORD_AT_TIME, b, NULL, out);
		break;
	case TL_LADDER_GAP:
		snprintf(n, sizeof(n), "%llu", (unsigned long long)s->hidden);
		tl_narration_word(lang, s->hidden == 1 ? TL_WORD_GAP1 : TL_WORD_GAP, n, NULL, out);
		break;
	default:
		if (s->stale_ns)
			tl_narration_word(lang, TL_WORD_STALE, NULL, NULL, out);
		tl_buf_puts(out, tl_segment_name(s->segment) ? tl_segment_name(s->segment) : "?");
		if (s->retrans) {
			snprintf(n, sizeof(n), "#%u", (unsigned)s->retrans);
			tl_narration_word(lang, TL_WORD_RETRANSMIT, n, NULL, out);
		}
		if (s->from < 0)
			tl_narration_word(lang, TL_WORD_DIR_UNKNOWN, NULL, NULL, out);
		if (s->lost)
			tl_narration_word(lang, TL_WORD_LOST, NULL, NULL, out);
		else if (s->released)
			tl_narration_word(lang, TL_WORD_RELEASED_LBL, NULL, NULL, out);
		else if (s->resent)
			tl_narration_word(lang, TL_WORD_AGAIN, NULL, NULL, out);
		else if (s->held)
			tl_narration_word(lang, TL_WORD_HELD, NULL, NULL, out);
		break;
	}
}

void tl_narration_label(const struct tl_ladder_step *s, struct tl_buf *out)
{
	tl_narration_label_in(s, "en", out);
}

void tl_narration_dialogue(const struct tl_ladder_step *s, const char *lang, struct tl_buf *out)
{
	if (!s || s->line == TL_LINE_NONE || s->line >= TL_LINE_N || s->from < 0)
		return;
	const struct words *w = words_of(lang);
	const char *me = s->from ? "B" : "A", *other = s->from ? "A" : "B";
	tl_buf_puts(out, me);
	tl_buf_puts(out, w->said);
	fill(out, w->line[s->line], me, other);
}

/* The state a step is about: what the receiver entered, else the sender. */
static int key_state(const struct tl_ladder_step *s)
{
	int rx = s->from < 0 ? 1 : !s->from, tx = s->from < 0 ? 0 : s->from;
	if (s->kind == TL_LADDER_STATE)
		return s->side[tx].change ? s->side[tx].change : s->side[tx].after;
	if (s->side[rx].change)
		return s->side[rx].change;
	if (s->side[tx].change)
		return s->side[tx].change;
	return s->side[tx].after;
}

static int topic_of(const struct tl_ladder_step *s, int st)
{
	if (s->kind == TL_LADDER_DATA)
		return TOPIC_DATA;
	if (s->segment == TL_SEG_RST)
		return TOPIC_RST;
	if (s->kind == TL_LADDER_STATE &&
	    s->side[s->from < 0 ? 0 : s->from].before == TL_TCP_TIME_WAIT)
		return TOPIC_TIME_WAIT;
	switch (st) {
	case TL_TCP_SYN_SENT:
	case TL_TCP_SYN_RECV:
		return TOPIC_HANDSHAKE;
	case TL_TCP_ESTABLISHED:
		return s->segment == TL_SEG_SYN || s->segment == TL_SEG_SYNACK ||
			       s->segment == TL_SEG_ACK
			   ? TOPIC_HANDSHAKE
			   : TOPIC_NONE;
	case TL_TCP_TIME_WAIT:
		return TOPIC_TIME_WAIT;
	case TL_TCP_CLOSE_WAIT:
		return TOPIC_CLOSE_WAIT;
	case TL_TCP_FIN_WAIT1:
	case TL_TCP_FIN_WAIT2:
	case TL_TCP_LAST_ACK:
	case TL_TCP_CLOSING:
	case TL_TCP_CLOSE:
		return TOPIC_CLOSE;
	default:
		return s->segment == TL_SEG_FIN ? TOPIC_CLOSE : TOPIC_NONE;
	}
}

void tl_narration_explain(const struct tl_ladder_step *s, const char *lang, struct tl_buf *out)
{
	if (!s)
		return;
	const struct words *w = words_of(lang);
	int st = key_state(s), topic = topic_of(s, st);
	const char *a =
	    s->kind == TL_LADDER_DATA || st < 0 || st >= TL_TCP_NSTATES ? NULL : w->state[st];
	if (a)
		tl_buf_puts(out, a);
	if (topic != TOPIC_NONE) {
		if (a)
			tl_buf_puts(out, "\n");
		tl_buf_puts(out, w->topic[topic]);
	}
	/* a long CLOSE-WAIT is about closing too */
	if (topic == TOPIC_CLOSE_WAIT) {
		tl_buf_puts(out, "\n");
		tl_buf_puts(out, w->topic[TOPIC_CLOSE]);
	}
}

bool tl_narration_clock(const struct tl_ladder_last *last, uint64_t now, const char *lang,
			struct tl_buf *out)
{
	const struct words *w = words_of(lang);
	const char *tmpl;
	char d[32];
	if (!now || now < last->mono_ns)
		return false;
	uint64_t el_ms = (now - last->mono_ns) / 1000000;
	if (last->state == TL_TCP_TIME_WAIT && last->timer == 3) {
		duration(last->expires_ms > el_ms ? last->expires_ms - el_ms + 999 : 0, d,
			 sizeof(d));
		tmpl = w->time_left;
	} else if (last->state == TL_TCP_CLOSE_WAIT) {
		duration(el_ms, d, sizeof(d));
		tmpl = w->lasting;
	} else {
		return false;
	}
	fill(out, tmpl, d, "");
	return true;
}

void tl_narration_word(const char *lang, enum tl_narration_word w, const char *at, const char *hash,
		       struct tl_buf *out)
{
	const struct words *ws = words_of(lang);
	const char *t = (unsigned)w < TL_WORD_N && ws->word[w] ? ws->word[w] : en.word[w];
	if (t)
		fill(out, t, at ? at : "", hash ? hash : "");
}

/* The state changes' reasons (fsm.c, trackend.c) in Chinese; a reason
 * not here stays as it is. */
static const char *const why_zh[][2] = {
    {"connect(): send SYN", "connect()：发出 SYN"},
    {"connect() gave up or was cancelled", "connect() 放弃或被取消"},
    {"listen()", "listen()"},
    {"close() of the listener", "监听套接字被 close()"},
    {"receive SYN, send SYN+ACK (a request socket)", "收到 SYN，回 SYN+ACK（请求套接字）"},
    {"simultaneous open: receive SYN, send SYN+ACK", "同时打开：收到 SYN，回 SYN+ACK"},
    {"receive SYN+ACK, send ACK", "收到 SYN+ACK，回 ACK"},
    {"receive RST: connection refused", "收到 RST：连接被拒绝"},
    {"receive ACK of SYN+ACK: the handshake is complete", "收到对 SYN+ACK 的 ACK：握手完成"},
    {"request dropped (an RST came, or the SYN+ACK retries ran out)",
     "请求被丢弃（来了 RST，或 SYN+ACK 的重传次数用完）"},
    {"close() before the handshake completed: send FIN", "握手完成前调用 close()：发出 FIN"},
    {"close() or shutdown(): send FIN", "close() 或 shutdown()：发出 FIN"},
    {"receive FIN, send ACK: the peer is done sending", "收到 FIN，回 ACK：对方已发送完毕"},
    {"receive FIN, send ACK", "收到 FIN，回 ACK"},
    {"receive ACK of our FIN", "收到对我方 FIN 的 ACK"},
    {"simultaneous close: receive FIN before the ACK of ours, send ACK",
     "同时关闭：我方 FIN 被确认之前收到 FIN，回 ACK"},
    {"close(): send FIN", "close()：发出 FIN"},
    {"orphaned FIN-WAIT-2 timed out (tcp_fin_timeout)", "孤儿 FIN-WAIT-2 超时（tcp_fin_timeout）"},
    {"close() with SO_LINGER 0: send RST", "SO_LINGER 为 0 时 close()：发出 RST"},
    {"close() with unread data: send RST, not FIN (RFC 2525)",
     "带着未读数据 close()：发出 RST 而不是 FIN（RFC 2525）"},
    {"send RST: aborted", "发出 RST：中止"},
    {"receive RST: the peer aborted", "收到 RST：对方中止"},
    {"RST: handshake aborted", "RST：握手中止"},
    {"RST: the connection is aborted", "RST：连接被中止"},
    {"RST: aborted while closing", "RST：关闭过程中被中止"},
    {"RST: aborted (close() with unread data sends one)",
     "RST：被中止（带着未读数据 close() 会发出 RST）"},
    {"TIME-WAIT expired (2 MSL, 60 s on Linux)", "TIME-WAIT 到期（2 MSL，Linux 上为 60 秒）"},
    {"receive RST: TIME-WAIT ended early (RFC 1337)", "收到 RST：TIME-WAIT 提前结束（RFC 1337）"},
    {"receive SYN of a new connection on the same ports: TIME-WAIT ends",
     "收到同一端口上新连接的 SYN：TIME-WAIT 结束"},
    {"connect() from the same port: TIME-WAIT ends (tcp_tw_reuse)",
     "connect() 复用同一端口：TIME-WAIT 结束（tcp_tw_reuse）"},
    {"no answer to its retransmissions or keepalive probes: timed out (tcp_retries2, "
     "TCP_USER_TIMEOUT, keepalive)",
     "重传或保活探测都没有回应：超时（tcp_retries2、TCP_USER_TIMEOUT、保活）"},
};

const char *tl_narration_why(const char *why, const char *lang)
{
	if (!why || !lang || strcmp(lang, "zh"))
		return why;
	for (size_t i = 0; i < TL_ARRAY_SIZE(why_zh); i++)
		if (!strcmp(why, why_zh[i][0]))
			return why_zh[i][1];
	return why;
}

const char *tl_narration_lang(const char *asked, const char *locale, bool utf8, const char **why)
{
	const char *want = asked ? asked : locale && !strncmp(locale, "zh", 2) ? "zh" : "en";
	*why = NULL;
	if (!strcmp(want, "zh") && !utf8) {
		*why = "the ladder is in English: its Chinese needs a UTF-8 terminal (a UTF-8 "
		       "locale such as zh_CN.UTF-8, and no --ascii)";
		return "en";
	}
	return !strcmp(want, "zh") ? "zh" : "en";
}
