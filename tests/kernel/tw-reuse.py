"""tw-reuse.py: connections on ports a TIME-WAIT still holds, for tw-reuse.sh.

Commands on stdin, one a line; each answers one line on stdout:
  close server|client PORT   a connection from 127.0.0.1:PORT to the
                             listener (127.0.0.1:8080), closed first by the
                             server or the client (which keeps TIME-WAIT);
                             answers "closed PORT"
  again PORT                 a new connection from the same port, held
                             open: the server's TIME-WAIT is ended by its
                             SYN, the client's by connect() (tcp_tw_reuse,
                             which allows it once the TIME-WAIT's last
                             timestamp is a second old: until then
                             connect() fails and is tried again); answers
                             "again PORT"
The listener is ready when "ready" is printed.  Libc sockets only.
"""
import errno
import socket
import sys
import time

SERVER = ("127.0.0.1", 8080)
listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(SERVER)
listener.listen(16)
held = []


def connect_from(port):
    """A connection from port, retried while a TIME-WAIT refuses it."""
    for _ in range(600):
        c = socket.socket()
        c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        c.bind(("127.0.0.1", port))
        try:
            c.connect(SERVER)
        except OSError as e:
            c.close()
            if e.errno != errno.EADDRNOTAVAIL:
                raise
            time.sleep(0.05)
            continue
        s, _ = listener.accept()
        return c, s
    raise SystemExit("connect from %d: the TIME-WAIT never let go" % port)


def wait_closed(sock):
    """Until sock has read the peer's FIN."""
    while sock.recv(1) != b"":
        pass


print("ready", flush=True)
for line in sys.stdin:
    words = line.split()
    if not words:
        continue
    if words[0] == "close":
        first, port = words[1], int(words[2])
        c, s = connect_from(port)
        a, b = (s, c) if first == "server" else (c, s)
        a.close()
        wait_closed(b)
        b.close()
        print("closed", port, flush=True)
    elif words[0] == "again":
        port = int(words[1])
        held.extend(connect_from(port))
        print("again", port, flush=True)
