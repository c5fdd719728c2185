#!/usr/bin/env python3
"""The workload of steps.sh: a server on 127.0.0.1:7000, a connection from
port 41000 opened at once ("old": before tcpladder starts), and commands
read from the FIFO DIR/work.in, each answered by a line in DIR/work.out:

  young         a connection from port 42000, held
  churn         short connections, one after another (about 500 a second at
                most), until DIR/stop exists
  close-old     the old connection's client closes; its server end follows
  server-first  a connection from port 43000 whose server end closes first,
                its client once the FIN has come
  probe         one short connection

DIR/ready appears once the server and the old connection are up."""
import os
import socket
import sys
import threading
import time

DIR = sys.argv[1]
held = {}
accepted = {}  # server ends to close first, by client port
accepted_cv = threading.Condition()


def drain_then_close(c):
    # the server end of a held connection closes after its client
    try:
        while c.recv(4096):
            pass
    except OSError:
        pass
    c.close()


def serve(srv):
    while True:
        c, addr = srv.accept()
        if addr[1] in (41000, 42000):
            threading.Thread(target=drain_then_close, args=(c,), daemon=True).start()
        elif addr[1] == 43000:
            with accepted_cv:
                accepted[43000] = c
                accepted_cv.notify_all()
        else:
            c.close()


def connect(port=0):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if port:
        s.bind(("127.0.0.1", port))
    s.connect(("127.0.0.1", 7000))
    return s


def say(text):
    with open(os.path.join(DIR, "work.out"), "a") as f:
        f.write(text + "\n")


def churn():
    n = 0
    while not os.path.exists(os.path.join(DIR, "stop")):
        connect().close()
        n += 1
        # at most about 500 a second: enough to turn the event ring over
        # in seconds, not so many that a loaded machine loses them
        time.sleep(0.002)
    say("churned %d" % n)


srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 7000))
srv.listen(4096)
threading.Thread(target=serve, args=(srv,), daemon=True).start()
held[41000] = connect(41000)
open(os.path.join(DIR, "ready"), "w").close()

while True:
    with open(os.path.join(DIR, "work.in")) as f:
        for line in f:
            cmd = line.strip()
            if cmd == "young":
                held[42000] = connect(42000)
            elif cmd == "churn":
                threading.Thread(target=churn, daemon=True).start()
            elif cmd == "close-old":
                held.pop(41000).close()
            elif cmd == "server-first":
                cl = connect(43000)
                with accepted_cv:
                    accepted_cv.wait_for(lambda: 43000 in accepted)
                    sv = accepted.pop(43000)
                sv.close()
                while cl.recv(4096):  # until the server's FIN
                    pass
                cl.close()
            elif cmd == "probe":
                connect().close()
            elif cmd == "quit":
                sys.exit(0)
            say("done " + cmd)
