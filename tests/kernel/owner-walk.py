#!/usr/bin/env python3
"""Hold CLOSE-WAIT sockets in two processes for owner-walk.sh.

The parent makes SHARED sockets, forks (the child inherits them: both
processes hold them), then the child makes OWN more of its own.  Prints
"ready PARENT CHILD" and holds everything until stdin closes."""
import os
import socket
import sys

SHARED, OWN = int(sys.argv[1]), int(sys.argv[2])
lst = socket.socket()
lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
lst.bind(("127.0.0.1", 7100))
lst.listen(1024)


def close_wait(n):
    held = []
    for _ in range(n):
        c = socket.create_connection(("127.0.0.1", 7100))
        a, _ = lst.accept()
        held.append(a)
        c.close()  # our accepted end gets the FIN: CLOSE-WAIT
    return held


shared = close_wait(SHARED)
r, w = os.pipe()
child = os.fork()
if child == 0:
    os.close(r)
    own = close_wait(OWN)
    os.write(w, b"x")
    sys.stdin.read()
    os._exit(0)
os.close(w)
os.read(r, 1)
print("ready", os.getpid(), child, flush=True)
sys.stdin.read()
os.waitpid(child, 0)
