"""The two ends of tests/integration/test_nfq.sh: a sender of hand-made ESP
packets and a receiver that counts what arrives.  Standard library only.

  nfq_peer.py send DST STATE ITEM [ITEM ...]
      ITEM is SPI/ENCAP/KIND/PORT/COUNT[/SRC]: SPI in hex or decimal; ENCAP esp
      (IP protocol 50) or udp (RFC 3948, UDP 4500 both ways); KIND null
      (ESP-NULL, RFC 4303 with HMAC-SHA1-96 over a tunnel-mode inner IPv4
      TCP packet to port PORT) or random (payload that looks encrypted;
      PORT ignored); COUNT packets; SRC the source address (one of the
      sender's, default: the route's).  Items are sent in order, 2 ms apart
      (NFQ_PEER_GAP=SECONDS: another gap, 0 a burst); STATE (a JSON file)
      keeps sequence numbers from one call to the next.

  nfq_peer.py recv OUT
      Counts ESP packets (protocol 50) and ESP in UDP 4500 until SIGTERM,
      rewriting OUT (JSON) after each: {"SPI/PORT": n} for ESP-NULL (PORT
      the inner TCP destination port), {"SPI/-": n} for the rest.
"""
import hashlib
import hmac
import json
import os
import random
import select
import signal
import socket
import struct
import sys
import time

ICV_KEY = b"espvis-nfq-test-key-0123"	# HMAC-SHA1-96 (RFC 2404)
ICV_LEN = 12
INNER_SRC = "10.99.0.1"
INNER_DST = "10.99.0.2"
NATT_PORT = 4500


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def inner_tcp(port, seq, payload):
    """An inner IPv4/TCP packet (PSH|ACK) with correct checksums."""
    src = socket.inet_aton(INNER_SRC)
    dst = socket.inet_aton(INNER_DST)
    sport = 40000 + port % 20000
    tcp = struct.pack("!HHIIBBHHH", sport, port, seq, 1, 5 << 4, 0x18,
                      65535, 0, 0) + payload
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), seq & 0xffff,
                     0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + tcp


def payload_for(port, n):
    if port == 23:
        # Telnet option negotiation (IAC DO/WILL ...), then keystrokes.
        if n < 3:
            return bytes([0xff, 0xfd, 0x18, 0xff, 0xfd, 0x20, 0xff, 0xfb,
                          0x03])
        return b"ls -l\r\n"
    if port == 80:
        return b"GET /index.html HTTP/1.1\r\nHost: 10.99.0.2\r\n\r\n"
    return b"data %d\n" % n


def esp_null(spi, seq, inner):
    """RFC 4303: header, payload, default padding to 4, pad length, next
    header 4 (IPv4), then the ICV over all of it."""
    padlen = (-(len(inner) + 2)) % 4
    body = (struct.pack("!II", spi, seq) + inner +
            bytes(range(1, padlen + 1)) + bytes([padlen, 4]))
    return body + hmac.new(ICV_KEY, body, hashlib.sha1).digest()[:ICV_LEN]


def esp_random(spi, seq, rng):
    """What an encrypted SA looks like: random bytes after SPI and seq
    (never starting like an IPv4 header, so the receiver cannot take it
    for an inner packet)."""
    body = bytes([rng.randrange(0, 0x40)]) + rng.randbytes(rng.randrange(60,
                                                                         200))
    return struct.pack("!II", spi, seq) + body


def send(dst, state_path, items):
    try:
        with open(state_path) as f:
            state = json.load(f)
    except FileNotFoundError:
        state = {}
    rng = random.Random(1234 + len(state))
    socks = {}

    def sockets(src):
        # One pair per source address: --workers spreads SAs by address.
        if src not in socks:
            raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, 50)
            udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            udp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            udp.bind((src, NATT_PORT))
            if src != "0.0.0.0":
                raw.bind((src, 0))
            socks[src] = (raw, udp)
        return socks[src]

    sent = 0
    gap = float(os.environ.get("NFQ_PEER_GAP", "0.002"))
    for item in items:
        fields = item.split("/")
        spi_s, encap, kind, port_s, count_s = fields[:5]
        spi, port, count = int(spi_s, 0), int(port_s), int(count_s)
        raw, udp = sockets(fields[5] if len(fields) > 5 else "0.0.0.0")
        for _ in range(count):
            seq = state.get(str(spi), 0) + 1
            state[str(spi)] = seq
            if kind == "null":
                fkey = "%d/%d" % (spi, port)
                n = state.get(fkey, 0)
                state[fkey] = n + 1
                pkt = esp_null(spi, seq, inner_tcp(port, 1000 + 100 * n,
                                                   payload_for(port, n)))
            else:
                pkt = esp_random(spi, seq, rng)
            if encap == "udp":
                udp.sendto(pkt, (dst, NATT_PORT))
            else:
                raw.sendto(pkt, (dst, 0))
            sent += 1
            # Paced unless NFQ_PEER_GAP=0 asks for a burst (batching).
            if gap > 0:
                time.sleep(gap)
    with open(state_path, "w") as f:
        json.dump(state, f)
    print("sent %d packets" % sent)


def classify(esp):
    spi = struct.unpack("!I", esp[:4])[0]
    inner = esp[8:]
    if len(inner) >= 24 and inner[0] == 0x45 and inner[9] == 6:
        ihl = (inner[0] & 0x0f) * 4
        port = struct.unpack("!H", inner[ihl + 2:ihl + 4])[0]
        return "%d/%d" % (spi, port)
    return "%d/-" % spi


def recv(out):
    counts = {}
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, 50)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    udp.bind(("0.0.0.0", NATT_PORT))

    def dump():
        tmp = out + ".tmp"
        with open(tmp, "w") as f:
            json.dump(counts, f)
        os.rename(tmp, out)

    dump()
    while not stop:
        try:
            ready, _, _ = select.select([raw, udp], [], [], 0.2)
        except InterruptedError:
            continue
        for s in ready:
            data = s.recv(70000)
            if s is raw:
                data = data[(data[0] & 0x0f) * 4:]
            if len(data) < 8 or data[:4] == b"\0\0\0\0":
                continue	# short, or IKE behind the non-ESP marker
            key = classify(data)
            counts[key] = counts.get(key, 0) + 1
            dump()
    dump()


def main(argv):
    if len(argv) >= 4 and argv[1] == "send":
        send(argv[2], argv[3], argv[4:])
    elif len(argv) == 3 and argv[1] == "recv":
        recv(argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
