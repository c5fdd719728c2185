#!/bin/bash
# The leak screen finishes the hunt, and the filter's owner terms reach
# every pane: a process named leaky holds CLOSE-WAIT sockets beside a
# python3 listener; L lists leaky with its ports, command line and the ss
# command; Enter narrows every pane to it (pid = N); F4 with comm python3
# shows only python3's listener.  In tmux (a private server socket) in a
# private namespace.
. "${top_srcdir:-.}/tests/kernel/lib.sh"
require_netns
require_cmd tmux tmux
require_cmd python3 python3

# Besides the view: the fifo to sockgen, and the listener in python.
TUI_CLEANUP='exec 7>&- 2>/dev/null
	p=$(cat "$T/py.pid" 2>/dev/null)
	[ -n "$p" ] && comm_is "$p" python3 && kill "$p" 2>/dev/null'
tui_init

mkfifo "$T/sg.in"
tm kill-server 2>/dev/null
netns_run bash -c '
	ip link set lo up
	python3 -c "import socket, time
s = socket.socket(); s.bind((\"127.0.0.1\", 9300)); s.listen(); time.sleep(600)" </dev/null &
	echo $! >"$T/py.pid"
	sh -c "echo \$\$ >\"$T/sg.pid\"; exec \"$SOCKGEN\" -p 9100 -c leaky close-wait=3" \
		<"$T/sg.in" >"$T/expect" 2>"$T/sg.err" &
	tmux -S "$0" -f /dev/null new-session -d -s main -x 160 -y 40 \
		"LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen \
		 sh -c '\''echo \$\$ >\"$T/pid\"; exec \"$TCPLADDER\" -d 0.2'\'' 2>\"$T/err\"; sleep 600"
' "$T/sock" &
exec 7<>"$T/sg.in"
check "sockgen is ready" wait_for 60 grep -qx ready "$T/expect"
sg=$(cat "$T/sg.pid")

check "the view starts" wait_screen "States"
tm send-keys -t main L
check "L: the leak screen lists leaky" wait_screen "leaky"
check "with its command line and ports" wait_screen "$sg leaky, ports :"
check "and the ss command for its sockets" wait_screen "ss -tnp state close-wait"
check "the ss command names its pid" screen_has "grep 'pid=$sg,'"
check "no '? (unknown)' row" bash -c "! tmux -S '$T/sock' capture-pane -p -t main | grep -qF '(unknown)'"
tm send-keys -t main c
check "c: the command on the status line" wait_screen "copied: ss -tnp"
tm send-keys -t main F1
check "F1: help from the leak screen" wait_screen "other keys return"
tm send-keys -t main x
check "any key: back to the leak screen" wait_screen "Enter: only this process"
tm send-keys -t main Enter
check "Enter: every pane narrowed to the process" wait_screen "pid = $sg"
check "the table shows its CLOSE-WAIT sockets" wait_screen "CLOSE-WAIT       3"
check "python3's listener is not shown" bash -c "! tmux -S '$T/sock' capture-pane -p -t main | grep -qF '127.0.0.1:9300'"

# F4: comm python3, typed over the pid filter.
tm send-keys -t main F4 C-u
tm send-keys -t main -l "comm python3"
tm send-keys -t main Enter
check "F4 comm python3: its listener" wait_screen "127.0.0.1:9300"
check "F4 comm python3: the histogram counts it alone" wait_screen "LISTEN           1"
check "F4 comm python3: leaky's sockets are gone" bash -c \
	"! tmux -S '$T/sock' capture-pane -p -t main | grep -q 'CLOSE-WAIT  *[1-9]'"
check "nothing on stderr" [ ! -s "$T/err" ]

tm send-keys -t main q
pid=$(cat "$T/pid")
check "q quits" wait_for 60 gone_pid "$pid"
exec 7>&-
check "sockgen ends" wait_for 60 gone_pid "$sg"
done_testing
