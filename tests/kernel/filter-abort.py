"""Connections to :7070, on command (stdin): "connect" makes one and
prints "connected PORT" (the client's port); "go" aborts the last with
SO_LINGER 0 and prints "aborted" once its server end has read the RST
(ECONNRESET)."""
import socket
import struct
import sys

lst = socket.socket()
lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
lst.bind(("127.0.0.1", 7070))
lst.listen()
held = []
for line in sys.stdin:
    if line.strip() == "connect":
        cli = socket.create_connection(("127.0.0.1", 7070))
        srv, _ = lst.accept()
        held.append((cli, srv))
        print("connected", cli.getsockname()[1], flush=True)
    elif line.strip() == "go":
        cli, srv = held[-1]
        cli.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        cli.close()
        try:
            srv.recv(1)
        except ConnectionResetError:
            pass
        print("aborted", flush=True)
        break
