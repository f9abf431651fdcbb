"""Captures with many ESP security associations, for the output tests.

Each SA is two plain-ESP packets (Ethernet, IPv4, protocol 50) with 64
random payload bytes: espvis decides it `encrypted` on the second (an
`esp` "decided" event, written while the capture is read) and ends it at
the end of input (an "end" event), so N SAs give 2 N events of about 560
bytes, enough to overflow any output buffer.  Deterministic: the same
arguments give the same bytes.
"""
import random
import struct

T_BASE = 1795694400            # 2026-11-26T12:00:00Z, as tests/gen uses


def pcap_header():
    """Classic pcap, microseconds, Ethernet."""
    return struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)


def esp_frame(spi, seq, payload):
    esp = struct.pack(">II", spi, seq) + payload
    src = bytes([10, (spi >> 16) & 255, (spi >> 8) & 255, spi & 255])
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(esp), 0, 0, 64, 50,
                     0, src, bytes([10, 255, 0, 1]))
    return b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip + esp


PKTS_PER_SA = 2


def records(first_spi, n_sas, t_usec):
    """pcap records of n_sas SAs, PKTS_PER_SA packets each in a row, 100 us
    apart from t_usec (microseconds since the epoch)."""
    rnd = random.Random(first_spi)
    out = bytearray()
    ts = t_usec
    for i in range(n_sas):
        for seq in range(1, PKTS_PER_SA + 1):
            frame = esp_frame(first_spi + i, seq,
                              bytes(rnd.getrandbits(8) for _ in range(64)))
            out += struct.pack("<IIII", ts // 1000000, ts % 1000000,
                               len(frame), len(frame)) + frame
            ts += 100
    return bytes(out)


def write_pcap(path, n_sas, first_spi=0x10000):
    with open(path, "wb") as f:
        f.write(pcap_header())
        f.write(records(first_spi, n_sas, T_BASE * 1000000))
