#!/usr/bin/env python3
"""Extracts IKEv2 messages from captures into tests/unit/data/ike_msg_frames.h.

IKE rides on UDP 500, or on UDP 4500 behind the four-byte non-ESP marker
(RFC 3948 section 2.2).  Reads pcap and pcapng (Ethernet, BSD loopback,
raw IP, Linux SLL), IPv4 and IPv6, unfragmented datagrams only.  Only the
standard library is used.

  usage: gen_ike_msg_frames.py > tests/unit/data/ike_msg_frames.h
         gen_ike_msg_frames.py --list FILE...     (what a capture holds)
"""
import gzip
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.normpath(os.path.join(HERE, '..', '..', '..'))
PUBLIC = os.path.normpath(os.path.join(TOP, '..', 'shared', 'pcaps-public'))

# (C name, capture, index among the IKE messages of that capture)
WANTED = [
    ('ss_init_req', 'pcaps/strongswan/null-sha256-rekey.pcap', 0),
    ('ss_init_resp', 'pcaps/strongswan/null-sha256-rekey.pcap', 1),
    ('ss_auth_req', 'pcaps/strongswan/null-sha256-rekey.pcap', 2),
    ('ss_auth_resp', 'pcaps/strongswan/null-sha256-rekey.pcap', 3),
    ('ss_ccsa_req', 'pcaps/strongswan/null-sha256-rekey.pcap', 4),
    ('ss_info_req', 'pcaps/strongswan/null-sha256-rekey.pcap', 6),
    ('ws_gcm_init_req', '@/wireshark/ikev2-decrypt-aes256gcm16.pcap', 0),
    ('ws_gcm_init_resp', '@/wireshark/ikev2-decrypt-aes256gcm16.pcap', 1),
    ('ws_gcm_auth_req', '@/wireshark/ikev2-decrypt-aes256gcm16.pcap', 2),
]


def path_of(name):
    if name.startswith('@/'):
        return os.path.join(PUBLIC, name[2:])
    return os.path.join(TOP, name)


def frames_pcap(data):
    magic = data[:4]
    if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
        end = '<'
    else:
        end = '>'
    linktype = struct.unpack(end + 'I', data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(end + 'IIII', data[off:off + 16])
        off += 16
        yield linktype, data[off:off + incl]
        off += incl


def frames_pcapng(data):
    off = 0
    end = '<'
    linktypes = []
    while off + 12 <= len(data):
        btype = struct.unpack(end + 'I', data[off:off + 4])[0]
        if btype == 0x0A0D0D0A:
            bom = data[off + 8:off + 12]
            end = '<' if bom == b'\x4d\x3c\x2b\x1a' else '>'
            linktypes = []
        blen = struct.unpack(end + 'I', data[off + 4:off + 8])[0]
        body = data[off + 8:off + blen - 4]
        if btype == 1:
            linktypes.append(struct.unpack(end + 'H', body[:2])[0])
        elif btype == 6:
            ifid, _, _, cap, _ = struct.unpack(end + 'IIIII', body[:20])
            yield linktypes[ifid], body[20:20 + cap]
        elif btype == 3:
            cap = struct.unpack(end + 'I', body[:4])[0]
            yield linktypes[0], body[4:4 + cap]
        off += blen


def ip_of(linktype, frame):
    if linktype == 1:           # Ethernet, with VLAN tags
        et, off = struct.unpack('>H', frame[12:14])[0], 14
        while et in (0x8100, 0x88a8):
            et, off = struct.unpack('>H', frame[off + 2:off + 4])[0], off + 4
        return frame[off:] if et in (0x0800, 0x86dd) else None
    if linktype in (0, 108):    # BSD loopback: 4-byte family
        return frame[4:]
    if linktype in (101, 12, 228, 229):
        return frame
    if linktype == 113:         # Linux SLL
        return frame[16:]
    return None


def udp_of(ip):
    if not ip:
        return None
    if ip[0] >> 4 == 4:
        ihl = (ip[0] & 15) * 4
        if ip[9] != 17 or struct.unpack('>H', ip[6:8])[0] & 0x3fff:
            return None
        total = struct.unpack('>H', ip[2:4])[0]
        return ip[ihl:total]
    if ip[0] >> 4 == 6 and ip[6] == 17:
        return ip[40:40 + struct.unpack('>H', ip[4:6])[0]]
    return None


def ike_messages(path):
    data = open(path, 'rb').read()
    if path.endswith('.gz'):
        data = gzip.decompress(data)
    frames = frames_pcapng(data) if data[:4] == b'\x0a\x0d\x0d\x0a' \
        else frames_pcap(data)
    for linktype, frame in frames:
        udp = udp_of(ip_of(linktype, frame))
        if udp is None or len(udp) < 8:
            continue
        sport, dport, ulen = struct.unpack('>HHH', udp[:6])
        payload = udp[8:ulen]
        if 4500 in (sport, dport):
            if payload[:4] != b'\0\0\0\0':
                continue
            payload = payload[4:]
        elif 500 not in (sport, dport):
            continue
        if len(payload) >= 28 and payload[17] == 0x20:
            yield payload


def c_array(name, msg):
    lines = ['static const uint8_t %s[%d] = {' % (name, len(msg))]
    for i in range(0, len(msg), 12):
        lines.append('\t' + ' '.join('0x%02x,' % b for b in msg[i:i + 12]))
    lines.append('};')
    return '\n'.join(lines)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == '--list':
        for p in sys.argv[2:]:
            for i, m in enumerate(ike_messages(p)):
                print(p, i, 'x=%d flags=%02x len=%d' % (m[18], m[19], len(m)))
        return
    out = ['/* Generated by tests/unit/data/gen_ike_msg_frames.py: IKEv2',
           ' * messages taken whole (from the IKE header on) from captures.',
           ' * Do not edit. */',
           '#ifndef ESPVIS_IKE_MSG_FRAMES_H',
           '#define ESPVIS_IKE_MSG_FRAMES_H', '', '#include <stdint.h>', '']
    cache = {}
    for name, cap, idx in WANTED:
        if cap not in cache:
            cache[cap] = list(ike_messages(path_of(cap)))
        out.append('/* %s, IKE message %d */' % (cap.replace('@/', 'shared/pcaps-public/'), idx))
        out.append(c_array(name, cache[cap][idx]))
        out.append('')
    out.append('#endif /* ESPVIS_IKE_MSG_FRAMES_H */')
    print('\n'.join(out))


if __name__ == '__main__':
    main()
