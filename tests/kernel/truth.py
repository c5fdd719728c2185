#!/usr/bin/env python3
"""Compare tcpladder --events --json with the kernel's own record.

The truth is built from two records made while the workload ran in a
private namespace:
  - the tracepoints sock:inet_sock_set_state, tcp:tcp_send_reset and
    tcp:tcp_receive_reset (bpftrace, truth.bt): every state change of every
    full socket, and the resets it sent or took;
  - a packet capture of the namespace's loopback (tcpdump -w): the control
    segments on the wire, and what became of a socket after its hand-over
    to a TIME-WAIT mini-socket (which the tracepoint does not report: a
    FIN from the peer means TIME-WAIT, an RST means the end).
Each connection is known by its family and client port (the workload
prints them; the server's port is fixed).

Prints a JSON summary on stdout and writes every discrepancy to the
details file.  Python 3 standard library only.
"""
import argparse
import json
import struct
import sys
from collections import defaultdict

NAMES = {1: "ESTABLISHED", 2: "SYN-SENT", 3: "SYN-RECV", 4: "FIN-WAIT-1", 5: "FIN-WAIT-2",
         6: "TIME-WAIT", 7: "CLOSED", 8: "CLOSE-WAIT", 9: "LAST-ACK", 10: "LISTEN",
         11: "CLOSING", 12: "SYN-RECV"}
FAMILY = {2: "inet", 10: "inet6"}

# The segment that causes each step, as seen by the socket that changes
# state (the steps into CLOSED are decided from the record instead).
STEP_SEGMENT = {
    ("CLOSED", "SYN-SENT"): ("SYN", "out"),
    ("SYN-SENT", "ESTABLISHED"): ("SYN+ACK", "in"),
    ("LISTEN", "SYN-RECV"): ("SYN", "in"),
    ("SYN-RECV", "ESTABLISHED"): ("ACK", "in"),
    ("ESTABLISHED", "FIN-WAIT-1"): ("FIN", "out"),
    ("ESTABLISHED", "CLOSE-WAIT"): ("FIN", "in"),
    ("FIN-WAIT-1", "FIN-WAIT-2"): ("ACK", "in"),
    ("FIN-WAIT-1", "CLOSING"): ("FIN", "in"),
    ("FIN-WAIT-2", "TIME-WAIT"): ("FIN", "in"),
    ("CLOSING", "TIME-WAIT"): ("ACK", "in"),
    ("CLOSE-WAIT", "LAST-ACK"): ("FIN", "out"),
}
CONTROL = ("SYN", "SYN+ACK", "FIN", "RST")


# ---- the wire ----

def read_pcap(path):
    """Yield (family, sport, dport, flags) for each TCP segment, in order."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xa1b2c3d4, 0xa1b23c4d):
        endian = "<"
    elif magic in (0xd4c3b2a1, 0x4d3cb2a1):
        endian = ">"
    else:
        raise SystemExit("truth.py: %s: not a pcap file" % path)
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if linktype == 1:  # Ethernet (Linux loopback)
            if len(pkt) < 14:
                continue
            etype = struct.unpack("!H", pkt[12:14])[0]
            pkt = pkt[14:]
        elif linktype == 113:  # Linux cooked
            etype = struct.unpack("!H", pkt[14:16])[0]
            pkt = pkt[16:]
        elif linktype == 276:  # Linux cooked v2
            etype = struct.unpack("!H", pkt[0:2])[0]
            pkt = pkt[20:]
        else:
            raise SystemExit("truth.py: link type %d not handled" % linktype)
        if etype == 0x0800 and len(pkt) >= 20:
            if pkt[9] != 6:
                continue
            tcp = pkt[(pkt[0] & 15) * 4:]
            fam = "inet"
        elif etype == 0x86DD and len(pkt) >= 40:
            if pkt[6] != 6:
                continue
            tcp = pkt[40:]
            fam = "inet6"
        else:
            continue
        if len(tcp) < 14:
            continue
        sport, dport = struct.unpack("!HH", tcp[:4])
        yield fam, sport, dport, tcp[13]


def wire_by_conn(pcap, port):
    """(family, client port) -> [(from_client, kind)] for SYN, SYN+ACK,
    FIN, RST and plain segments, in wire order."""
    wire = defaultdict(list)
    for fam, sport, dport, fl in read_pcap(pcap):
        if dport == port:
            key, c2s = (fam, sport), True
        elif sport == port:
            key, c2s = (fam, dport), False
        else:
            continue
        if fl & 0x04:
            kind = "RST"
        elif fl & 0x02:
            kind = "SYN+ACK" if fl & 0x10 else "SYN"
        elif fl & 0x01:
            kind = "FIN"
        else:
            kind = "-"
        wire[key].append((c2s, kind))
    return wire


# ---- the tracepoints ----

def read_trace(path):
    recs = []
    with open(path) as f:
        for line in f:
            p = line.split()
            if not p or p[0] not in ("S", "RO", "RI"):
                continue
            recs.append(p)
    recs.sort(key=lambda p: int(p[1]))
    lives, current = [], {}
    for p in recs:
        sk = p[2]
        if p[0] == "S":
            fam, sport, dport, old, new = (int(x) for x in p[3:8])
            lf = current.get(sk)
            starts = (old == 7 and new in (2, 10)) or (old == 10 and new == 3)
            # A socket's address is reused once it is freed: a change
            # after its CLOSED is a new socket, even if its first was missed.
            ended = lf is not None and lf["steps"] and lf["steps"][-1][1] == "CLOSED"
            if starts or lf is None or ended:
                lf = {"family": FAMILY.get(fam, "?"), "steps": [], "ro": 0, "ri": 0,
                      "sport": 0, "dport": 0, "repaired": 0}
                lives.append(lf)
                current[sk] = lf
            # A BPF program can miss a tracepoint (one running already on
            # that CPU): the next change's old state tells what was missed.
            if lf["steps"] and lf["steps"][-1][1] != NAMES[old]:
                lf["steps"].append((lf["steps"][-1][1], NAMES[old]))
                lf["repaired"] += 1
            elif not lf["steps"] and not starts and old not in (7, 10):
                first = {2: ("CLOSED", "SYN-SENT"), 3: ("LISTEN", "SYN-RECV")}.get(old)
                if first:
                    lf["steps"].append(first)
                lf["repaired"] += 1
            lf["steps"].append((NAMES[old], NAMES[new]))
            if sport and (dport or new == 10):
                lf["sport"], lf["dport"] = sport, dport
        else:
            lf = current.get(sk)
            if lf is not None:
                lf["ro" if p[0] == "RO" else "ri"] += 1
    return lives


def resolve_handover(frames, client, state):
    """What became of an end handed over to a mini-socket in `state`.
    Returns the rest of its path as [(to, segment, dir)]."""
    if state == "CLOSING":
        return [("TIME-WAIT", "ACK", "in")]
    mine = [i for i, (c2s, k) in enumerate(frames) if c2s == client and k == "FIN"]
    start = mine[0] + 1 if mine else 0
    rest = []
    for c2s, k in frames[start:]:
        ours = c2s == client
        if not rest and k == "FIN" and not ours:
            rest.append(("TIME-WAIT", "FIN", "in"))
        elif k == "RST":
            rest.append(("CLOSED", "RST", "out" if ours else "in"))
            break
    return rest


def truth_paths(lives, wire, port):
    """(family, 'c'|'s', client port) -> {"path": [states],
    "cause": [(segment, dir)] for each step}."""
    ends = {}
    for lf in lives:
        steps = lf["steps"]
        if not steps or steps[0] == ("CLOSED", "LISTEN"):
            continue  # listeners
        if steps[0][0] == "LISTEN":
            side, cport = "s", lf["dport"]
        else:
            side, cport = "c", lf["sport"]
        if not cport:
            continue
        path = [steps[0][0]]
        cause = []
        frames = wire.get((lf["family"], cport), [])
        client = side == "c"
        rst_dirs = {"out" if c2s == client else "in" for c2s, k in frames if k == "RST"}
        uncertain = False
        for i, (old, new) in enumerate(steps):
            if new != "CLOSED":
                path.append(new)
                seg = STEP_SEGMENT.get((old, new))
                uncertain |= seg is None
                cause.append(seg or ("?", None))
                continue
            if lf["ro"]:
                path.append("CLOSED")
                cause.append(("RST", "out"))
            elif lf["ri"]:
                path.append("CLOSED")
                cause.append(("RST", "in"))
            elif old in ("ESTABLISHED", "CLOSE-WAIT", "FIN-WAIT-1") and len(rst_dirs) == 1:
                # its reset's tracepoint missed: the wire says
                path.append("CLOSED")
                cause.append(("RST", rst_dirs.pop()))
            elif old in ("FIN-WAIT-2", "CLOSING"):
                for to, seg, d in resolve_handover(frames, side == "c", old):
                    path.append(to)
                    cause.append((seg, d))
            elif old == "LAST-ACK":
                path.append("CLOSED")
                cause.append(("ACK", "in"))
            elif old == "SYN-SENT":
                path.append("CLOSED")
                cause.append((None, None))
            else:
                path.append("CLOSED")
                cause.append(("?", None))
        # Its end missed too: not a truth to judge by.
        uncertain |= path[-1] not in ("CLOSED", "TIME-WAIT", "FIN-WAIT-2")
        key = (lf["family"], side, cport)
        if key in ends:
            ends[key]["dup"] = True
        else:
            ends[key] = {"path": path, "cause": cause, "repaired": lf["repaired"],
                         "uncertain": uncertain}
    return ends


# ---- tcpladder ----

def split_addr(a):
    host, _, p = a.rpartition(":")
    return host, int(p)


def read_events(path, port, client_ports):
    """(family, side, client port) -> {conn id: [events]}; and the events
    of sockets that belong to no connection of the workload."""
    by_end = defaultdict(lambda: defaultdict(list))
    strays = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            ev = json.loads(line)
            if "local" not in ev or "event" not in ev:
                continue  # link segments of the lab, not socket events
            fam = ev.get("family")
            _, lp = split_addr(ev["local"])
            _, rp = split_addr(ev["remote"])
            if lp == port and rp:
                key = (fam, "s", rp)
            elif rp == port or (rp == 0 and (fam, lp) in client_ports):
                key = (fam, "c", lp)
            else:
                if rp:  # listeners (remote port 0) are not part of this
                    strays.append(ev)
                continue
            if (fam, key[2]) not in client_ports:
                strays.append(ev)
                continue
            by_end[key][ev["conn"]].append(ev)
    return by_end, strays


def judge(ends, by_end, wire, conns):
    s = {
        "sockets": 0, "whole": 0, "observed": 0, "observed_true": 0, "inferred": 0,
        "inferred_true": 0, "visited": 0, "visited_reported": 0, "connections": 0,
        "segments_equal": 0, "rst_steps": 0, "rst_dir_unknown": 0, "split": 0,
        "truth_repaired": 0, "truth_uncertain": 0,
    }
    details = []
    per_kind = defaultdict(lambda: defaultdict(int))
    for (fam, cport), kind in sorted(conns.items()):
        for side in ("c", "s"):
            key = (fam, side, cport)
            name = "%s %s %d (%s)" % (fam, "client" if side == "c" else "server", cport, kind)
            t = ends.get(key)
            if t is None:
                details.append("%s: not in the kernel's record" % name)
                continue
            path, cause = t["path"], t["cause"]
            s["sockets"] += 1
            s["truth_repaired"] += t["repaired"] > 0
            if t["uncertain"]:
                s["truth_uncertain"] += 1
                details.append("%s: the kernel's record is incomplete, not judged: %s" %
                               (name, " ".join(path)))
                continue
            groups = by_end.get(key, {})
            if len(groups) > 1:
                s["split"] += 1
                details.append("%s: reported as %d connections" % (name, len(groups)))
            evs = [e for cid in sorted(groups) for e in groups[cid]]
            truth = " ".join(path)
            got = " ".join("%s%s%s%s" % (e["to"], "~" if e["inferred"] else "",
                                         "/" + e["segment"] if e["segment"] else "",
                                         "-" + e["dir"] if e["dir"] else "")
                           for e in evs)
            # open and close (or the final mini-socket state)
            final = path[-1]
            whole = bool(evs) and evs[0]["event"] == "open"
            if whole:
                last = evs[-1]
                if final == "CLOSED":
                    whole = last["event"] == "close" and last["to"] == "CLOSED"
                else:
                    whole = last["to"] == final and last["event"] != "close"
            if whole:
                s["whole"] += 1
            else:
                per_kind[kind]["not whole"] += 1
                details.append("%s: not reported whole\n    kernel: %s\n    tcpladder: %s" %
                               (name, truth, got or "(nothing)"))
            # each step, in order along the kernel's path
            pos = 0
            bad = []
            for e in evs:
                a = e["from"] if e["event"] != "open" else (
                    "LISTEN" if e.get("role") == "passive" else "CLOSED")
                b = e["to"]
                ok = False
                for j in range(pos, len(path) - 1):
                    if path[j] == a and path[j + 1] == b:
                        seg, d = cause[j]
                        if b == "CLOSED" and seg != "?":
                            ok = e["segment"] == seg and (e["dir"] is None or e["dir"] == d)
                        else:
                            ok = True
                        if ok:
                            pos = j + 1
                        break
                if b == "CLOSED" and e["segment"] == "RST":
                    s["rst_steps"] += 1
                    if e["dir"] is None:
                        s["rst_dir_unknown"] += 1
                k = "inferred" if e["inferred"] else "observed"
                s[k] += 1
                if ok:
                    s[k + "_true"] += 1
                else:
                    per_kind[kind]["false " + k] += 1
                    bad.append("%s %s -> %s %s%s" % (k, a, b, e["segment"] or "",
                                                     " " + e["dir"] if e["dir"] else ""))
            if bad:
                details.append("%s: false steps: %s\n    kernel: %s\n    tcpladder: %s" %
                               (name, "; ".join(bad), truth, got))
            visited = set(path[1:])
            reported = {e["to"] for e in evs}
            s["visited"] += len(visited)
            s["visited_reported"] += len(visited & reported)
            missed = visited - reported
            if missed:
                per_kind[kind]["states missed"] += len(missed)
        # the control segments of the connection against the wire
        s["connections"] += 1
        frames = wire.get((fam, cport), [])
        on_wire = {(k, "c2s" if c2s else "s2c") for c2s, k in frames if k in CONTROL}
        told = set()
        for side in ("c", "s"):
            for cid, evs in by_end.get((fam, side, cport), {}).items():
                for e in evs:
                    if e["segment"] in CONTROL and e["dir"]:
                        out = e["dir"] == "out"
                        c2s = out if side == "c" else not out
                        told.add((e["segment"], "c2s" if c2s else "s2c"))
        if on_wire == told:
            s["segments_equal"] += 1
        else:
            per_kind[kind]["segments differ"] += 1
            details.append("%s %d (%s): control segments differ\n    wire: %s\n    tcpladder: %s"
                           % (fam, cport, kind, " ".join(sorted("%s %s" % x for x in on_wire)),
                              " ".join(sorted("%s %s" % x for x in told))))
    s["per_kind"] = {k: dict(v) for k, v in per_kind.items()}
    return s, details


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trace", required=True)
    ap.add_argument("--pcap", required=True)
    ap.add_argument("--events", required=True)
    ap.add_argument("--conns", required=True)
    ap.add_argument("--port", type=int, default=31000)
    ap.add_argument("--details", required=True)
    a = ap.parse_args()

    conns = {}
    with open(a.conns) as f:
        for line in f:
            p = line.split()
            if len(p) == 5 and p[0] == "conn":
                conns[(p[2], int(p[3]))] = p[4]
    wire = wire_by_conn(a.pcap, a.port)
    ends = truth_paths(read_trace(a.trace), wire, a.port)
    by_end, strays = read_events(a.events, a.port, set(conns))
    s, details = judge(ends, by_end, wire, conns)
    s["workload_connections"] = len(conns)
    s["strays"] = len(strays)
    s["kernel_duplicates"] = sum(1 for e in ends.values() if e.get("dup"))
    for ev in strays[:20]:
        details.append("stray event: %s" % json.dumps(ev))
    with open(a.details, "w") as f:
        f.write("\n".join(details) + ("\n" if details else ""))
    json.dump(s, sys.stdout, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
