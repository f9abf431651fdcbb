#!/usr/bin/python3
"""Regenerate inner_vectors.h: inner packets, as bytes, for
tests/unit/test_tuple.c (the 5-tuple parser) and tests/unit/test_ndpi.c
(the nDPI adapter).

    /usr/bin/python3 tests/unit/data/gen_inner_vectors.py \\
        > tests/unit/data/inner_vectors.h

Built with scapy (checksums and lengths as a stack computes them) and,
for the application sessions, with the very functions that write
pcaps/gen/apps_*.pcap (tests/gen/gen_apps.py): an HTTP GET, a DNS query,
a TLS 1.2 handshake with a ClientHello, each a whole session with its
TCP handshake.  Deterministic: fixed seeds, no clock.
"""
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', '..', 'gen'))
import gen_apps  # noqa: E402
from scapy.config import conf  # noqa: E402
from scapy.layers.inet import GRE, ICMP, IP, TCP, UDP  # noqa: E402
from scapy.layers.inet6 import (ICMPv6EchoRequest, IPv6,  # noqa: E402
                                IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,
                                IPv6ExtHdrHopByHop, IPv6ExtHdrRouting)
from scapy.layers.sctp import SCTP, SCTPChunkData  # noqa: E402
from scapy.packet import Raw  # noqa: E402

conf.verb = 0
A4, B4 = '10.29.0.1', '10.29.0.2'
A6, B6 = 'fd00:1d:1::1', 'fd00:1d:1::2'


def carray(name, b, comment):
    out = ['/* %s */' % comment,
           'static const uint8_t %s[%d] = {' % (name, len(b))]
    for i in range(0, len(b), 12):
        out.append('\t' + ', '.join('0x%02x' % x for x in b[i:i + 12]) + ',')
    out.append('};')
    return '\n'.join(out) + '\n'


def tuples():
    syn = TCP(sport=59816, dport=22, flags='S', seq=1000,
              options=[('MSS', 1360)])
    v = [
        ('v4_tcp_syn', IP(src=A4, dst=B4, id=1001, flags='DF') / syn,
         'IPv4 TCP SYN 10.29.0.1:59816 > 10.29.0.2:22, MSS option'),
        ('v6_udp_dns', IPv6(src=A6, dst=B6) /
         UDP(sport=36429, dport=53) / Raw(b'\x12\x34\x01\x00' + b'\0' * 8),
         'IPv6 UDP fd00:1d:1::1:36429 > fd00:1d:1::2:53'),
        ('v6_ext_tcp', IPv6(src=A6, dst=B6) / IPv6ExtHdrHopByHop() /
         IPv6ExtHdrDestOpt() / IPv6ExtHdrRouting(type=0, segleft=0) /
         TCP(sport=40000, dport=443, flags='FA', seq=7, ack=9),
         'IPv6 hop-by-hop, destination options, routing, TCP FIN 40000 > '
         '443'),
        ('v6_frag_first', IPv6(src=A6, dst=B6) /
         IPv6ExtHdrFragment(nh=17, offset=0, m=1, id=77) /
         UDP(sport=5353, dport=5353, len=1208) / Raw(b'x' * 24),
         'IPv6 first fragment of a UDP datagram (UDP length 1208)'),
        ('v6_frag_later', IPv6(src=A6, dst=B6) /
         IPv6ExtHdrFragment(nh=17, offset=4, m=0, id=77) /
         Raw(b'y' * 24), 'IPv6 fragment at offset 32'),
        ('v4_frag_first', IP(src=A4, dst=B4, id=5, flags='MF', frag=0,
                             proto=17) /
         Raw(bytes(UDP(sport=1234, dport=4321) / Raw(b'z' * 100))[:32]),
         'IPv4 first fragment (MF) of a UDP datagram'),
        ('v4_frag_later', IP(src=A4, dst=B4, id=5, frag=4, proto=17) /
         Raw(b'z' * 40), 'IPv4 fragment at offset 32'),
        ('v4_icmp', IP(src=A4, dst=B4) / ICMP(id=7, seq=1) / Raw(b'p' * 8),
         'IPv4 ICMP echo request'),
        ('v4_sctp', IP(src=A4, dst=B4) / SCTP(sport=38412, dport=38412) /
         SCTPChunkData(data=b'ngap'), 'IPv4 SCTP 38412 > 38412, DATA'),
        ('v4_gre', IP(src=A4, dst=B4) / GRE(proto=0x0800) /
         IP(src='192.0.2.1', dst='192.0.2.2') / UDP(sport=1, dport=2),
         'IPv4 GRE carrying IPv4 UDP'),
        ('v6_icmp6', IPv6(src=A6, dst=B6) / ICMPv6EchoRequest(id=3, seq=4),
         'IPv6 ICMPv6 echo request'),
        ('v6_no_next', IPv6(src=A6, dst=B6, nh=59) / Raw(b'\0' * 8),
         'IPv6 with next header 59 (a dummy packet, RFC 4303 2.6)'),
        ('v6_ext_loop', IPv6(src=A6, dst=B6) /
         IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() /
         IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() /
         IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() /
         IPv6ExtHdrDestOpt() / UDP(sport=1, dport=2),
         'IPv6 with 10 destination options headers'),
        ('l4_udp', bytes(IP(src=A4, dst=B4) / UDP(sport=3000, dport=53) /
                         Raw(b'q' * 12))[20:],
         'UDP 3000 > 53 with 12 bytes (transport mode payload)'),
        ('l4_tcp_rst', bytes(IPv6(src=A6, dst=B6) /
                             TCP(sport=22, dport=50000, flags='R'))[40:],
         'TCP RST 22 > 50000 (transport mode payload)'),
    ]
    return ''.join(carray(n, bytes(p), c) for n, p, c in v)


def sessions():
    rng = random.Random(20261126)
    out = []
    for name, dport, proto, exch, comment in (
            ('http', 80, 'tcp', gen_apps.http(rng),
             'HTTP GET and its answer'),
            ('dns', 53, 'udp', gen_apps.dns(rng), 'DNS A query and answer'),
            ('tls', 443, 'tcp', gen_apps.tls(rng),
             'TLS 1.2: ClientHello (SNI www.example.org), certificate'),
            ('chatter', 40001, 'udp', gen_apps.chatter(rng, 15, 80),
             'UDP 40001: random bytes no protocol owns')):
        if proto == 'tcp':
            sess = gen_apps.tcp_session(rng, dport, exch)
        else:
            sess = gen_apps.udp_session(rng, dport, exch)
        pkts = []
        for d, layer in sess:
            s, t = (A4, B4) if d == 0 else (B4, A4)
            pkts.append(bytes(IP(src=s, dst=t, flags='DF') / layer))
        for i, p in enumerate(pkts):
            out.append(carray('%s_%d' % (name, i), p,
                              '%s: packet %d' % (comment, i)))
        out.append('static const struct vec_pkt %s_pkts[] = {\n' % name +
                   ''.join('\t{ %s_%d, sizeof(%s_%d) },\n' % (name, i, name, i)
                           for i in range(len(pkts))) + '};\n')
    return ''.join(out)


def main():
    sys.stdout.write(
        '/*\n * inner_vectors.h - inner packets for test_tuple.c and '
        'test_ndpi.c\n * (generated by gen_inner_vectors.py; do not '
        'edit).\n */\n#include <stddef.h>\n#include <stdint.h>\n\n'
        'struct vec_pkt {\n\tconst uint8_t\t*bytes;\n\tsize_t\t\t len;\n'
        '};\n\n')
    sys.stdout.write(tuples())
    sys.stdout.write(sessions())


if __name__ == '__main__':
    main()
