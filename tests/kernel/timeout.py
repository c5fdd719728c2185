"""timeout.py: a connection whose peer stops answering, for timeout.sh.

The client connects to a listener on 127.0.0.1:8080 (printing "connected
PORT"), sets TCP_USER_TIMEOUT to 3 s and, on "drop" on stdin, sends
data: the harness drops everything the server sends first (nft), so the
data is retransmitted unanswered until the kernel gives up.  Prints
"timedout ERRNO" when the socket's error comes (ETIMEDOUT, 110), keeps the
socket open until stdin ends.  Libc sockets only.
"""
import socket
import sys
import time

listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", 8080))
listener.listen(4)
client = socket.create_connection(("127.0.0.1", 8080))
server, _ = listener.accept()
client.setsockopt(socket.IPPROTO_TCP, 18, 3000)  # TCP_USER_TIMEOUT, ms
print("connected", client.getsockname()[1], flush=True)
sys.stdin.readline()
client.send(b"x" * 100)
while True:
    err = client.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    if err:
        print("timedout", err, flush=True)
        break
    time.sleep(0.05)
sys.stdin.read()
