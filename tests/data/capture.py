import socket, struct, sys, os
fam = int(sys.argv[1]); out = sys.argv[2]; ext = int(sys.argv[3])
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 4)
s.bind((0, 0))
pid = s.getsockname()[0]
req = struct.pack("=BBBBI", fam, 6, ext, 0, 0x1ffe) + b"\0" * 48
hdr = struct.pack("=IHHII", 16 + len(req), 20, 0x301, 1, 0)
s.send(hdr + req)
with open(out, "wb") as f:
    while True:
        d = s.recv(32768)
        f.write(struct.pack("=I", len(d)) + d)
        # stop at NLMSG_DONE
        off = 0; done = False
        while off + 16 <= len(d):
            ln, typ = struct.unpack_from("=IH", d, off)
            if typ == 3: done = True
            off += (ln + 3) & ~3
        if done: break
print(pid)
