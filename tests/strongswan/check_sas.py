#!/usr/bin/env python3
"""Check espvis against strongSwan captures and their truth files.

    check_sas.py [--espvis PATH] [--keep DIR] CAPTURE.pcap ...

For each CAPTURE.pcap (with CAPTURE.truth.json next to it, written by
make_truth.py) run `espvis -r CAPTURE.pcap --eve OUT.json -w INNER.pcap` and
compare:
  - every SA of the truth has exactly one `esp` end event, with the outer tuple,
    verdict, icv_len and iv_len (ESP-NULL), packet count and sequence numbers
    of the truth, and no encrypted SA is called null;
  - espvis reports no SA the truth does not have;
  - the inner pcap holds the traffic that was sent through ESP-NULL SAs (ICMP
    echo requests and replies, the TCP session's bytes, the UDP datagrams) and
    nothing from encrypted SAs.
Exit 0 when everything matches, 1 with one line per mismatch otherwise.

The pcap and ESP parsing here is also what make_truth.py uses to verify a
fresh capture, so it needs nothing beyond the Python standard library.
"""
import argparse
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), 'integration'))
import evelib  # noqa: E402

LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = (101, 228)    # DLT_RAW (LINKTYPE_RAW), LINKTYPE_IPV4
NAT_T_PORT = 4500


# --- pcap ---------------------------------------------------------------------

def read_pcap(path):
    """Return (linktype, [(ts_sec, ts_frac, bytes)]) of a classic pcap file."""
    with open(path, 'rb') as f:
        data = f.read()
    if len(data) < 24:
        raise ValueError(f'{path}: {len(data)} bytes, no pcap header')
    magic = data[:4]
    if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
        e = '<'
    elif magic in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
        e = '>'
    else:
        raise ValueError(f'{path}: not a pcap file (magic {magic.hex()})')
    linktype = struct.unpack(e + 'I', data[20:24])[0] & 0x0fffffff
    recs = []
    off = 24
    while off < len(data):
        if off + 16 > len(data):
            raise ValueError(f'{path}: truncated record header at {off}')
        sec, frac, caplen, _ = struct.unpack(e + 'IIII', data[off:off + 16])
        off += 16
        if off + caplen > len(data):
            raise ValueError(f'{path}: truncated record at {off}')
        recs.append((sec, frac, data[off:off + caplen]))
        off += caplen
    return linktype, recs


def l3_of(frame, linktype):
    """The IPv4 packet in a frame, or None."""
    if linktype == LINKTYPE_ETHERNET:
        if len(frame) < 14:
            return None
        etype = struct.unpack('!H', frame[12:14])[0]
        off = 14
        while etype in (0x8100, 0x88a8) and len(frame) >= off + 4:
            etype = struct.unpack('!H', frame[off + 2:off + 4])[0]
            off += 4
        return frame[off:] if etype == 0x0800 else None
    if linktype in LINKTYPE_RAW:
        return frame if frame and frame[0] >> 4 == 4 else None
    raise ValueError(f'unsupported link type {linktype}')


def ipv4(pkt):
    """(src, dst, proto, payload) of a well-formed IPv4 packet, or None."""
    if len(pkt) < 20 or pkt[0] >> 4 != 4:
        return None
    ihl = (pkt[0] & 15) * 4
    total = struct.unpack('!H', pkt[2:4])[0]
    if ihl < 20 or total < ihl or total > len(pkt):
        return None
    return (socket.inet_ntoa(pkt[12:16]), socket.inet_ntoa(pkt[16:20]),
            pkt[9], pkt[ihl:total])


def outer_esp(frame, linktype):
    """Dict for an ESP packet (IP proto 50 or ESP in UDP 4500), else None.

    IKE on UDP 4500 (non-ESP marker: SPI 0) and NAT-T keepalives are not ESP."""
    l3 = l3_of(frame, linktype)
    ip = ipv4(l3) if l3 is not None else None
    if ip is None:
        return None
    src, dst, proto, pl = ip
    sport = dport = None
    if proto == 17:
        if len(pl) < 8:
            return None
        sport, dport = struct.unpack('!HH', pl[:4])
        if NAT_T_PORT not in (sport, dport):
            return None
        pl = pl[8:]
        if len(pl) < 8 or pl[:4] == b'\0\0\0\0':
            return None
        encap = 'udp'
    elif proto == 50:
        if len(pl) < 8:
            return None
        encap = 'none'
    else:
        return None
    spi, seq = struct.unpack('!II', pl[:8])
    return {'src_ip': src, 'dest_ip': dst, 'src_port': sport, 'dest_port': dport,
            'encap': encap, 'spi': spi, 'seq': seq, 'body': pl[8:]}


def decap_null(body, icv_len, iv_len=0):
    """Inner packet of an ESP-NULL body (after SPI and sequence number), or None
    when the trailer does not fit (RFC 4303 2.4: default padding 1, 2, 3 ...)."""
    if len(body) < iv_len + icv_len + 2:
        return None
    plain = body[iv_len:len(body) - icv_len]
    padlen, nh = plain[-2], plain[-1]
    if padlen + 2 > len(plain):
        return None
    if plain[-2 - padlen:-2] != bytes(range(1, padlen + 1)):
        return None
    inner = plain[:-2 - padlen]
    if nh == 4 and ipv4(inner) is not None:
        return inner
    return None


# --- inner traffic --------------------------------------------------------------

def traffic_summary(packets, inner_a, inner_b, tcp_port, udp_port):
    """Count what the sspair.sh traffic left in a list of inner IPv4 packets."""
    s = {'icmp_echo': 0, 'icmp_reply': 0, 'tcp_syn': 0, 'udp_dgrams': [],
         'other': 0}
    tcp_segs = {}
    for p in packets:
        ip = ipv4(p)
        if ip is None:
            s['other'] += 1
            continue
        src, dst, proto, pl = ip
        if proto == 1 and len(pl) >= 8:
            if pl[0] == 8 and (src, dst) == (inner_a, inner_b):
                s['icmp_echo'] += 1
                continue
            if pl[0] == 0 and (src, dst) == (inner_b, inner_a):
                s['icmp_reply'] += 1
                continue
        if proto == 6 and len(pl) >= 20:
            sport, dport, seq = struct.unpack('!HHI', pl[:8])
            doff = (pl[12] >> 4) * 4
            flags = pl[13]
            if (src, dst, dport) == (inner_a, inner_b, tcp_port):
                if flags & 0x02:
                    s['tcp_syn'] += 1
                    tcp_segs.setdefault('isn', seq)
                elif len(pl) > doff:
                    tcp_segs[seq] = pl[doff:]
                continue
            if (src, dst, sport) == (inner_b, inner_a, tcp_port):
                continue
        if proto == 17 and len(pl) >= 8:
            dport = struct.unpack('!H', pl[2:4])[0]
            if (src, dst, dport) == (inner_a, inner_b, udp_port):
                s['udp_dgrams'].append(pl[8:].decode('latin-1'))
                continue
        s['other'] += 1
    isn = tcp_segs.pop('isn', None)
    data = b''.join(seg for _, seg in sorted(tcp_segs.items(),
                    key=lambda kv: (kv[0] - (isn or 0)) & 0xffffffff))
    s['tcp_payload'] = data.decode('latin-1')
    return s


def compare_traffic(got, want, what):
    """Mismatches between a traffic_summary and the truth's traffic."""
    errs = []
    for k in ('icmp_echo', 'icmp_reply'):
        if got[k] != want[k]:
            errs.append(f'{what}: {got[k]} ICMP {k.split("_")[1]} packets, expected {want[k]}')
    if got['tcp_syn'] != want['tcp_sessions']:
        errs.append(f'{what}: {got["tcp_syn"]} TCP SYNs to port {want["tcp_port"]}, '
                    f'expected {want["tcp_sessions"]}')
    if got['tcp_payload'] != want['tcp_payload']:
        errs.append(f'{what}: TCP bytes to port {want["tcp_port"]} are '
                    f'{got["tcp_payload"]!r}, expected {want["tcp_payload"]!r}')
    if sorted(got['udp_dgrams']) != sorted(want['udp_dgrams']):
        errs.append(f'{what}: UDP datagrams to port {want["udp_port"]} are '
                    f'{got["udp_dgrams"]!r}, expected {want["udp_dgrams"]!r}')
    return errs


# --- espvis against the truth --------------------------------------------------------

def sa_key(d):
    return (d['src_ip'], d['dest_ip'], d['spi'])


def sa_name(k):
    return f'SA {k[0]} -> {k[1]} spi 0x{k[2]:08x}'


def check_eve(eve_path, truth):
    errs = []
    ends = {}
    decided = {}
    with open(eve_path) as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                ev = json.loads(line)
            except ValueError as e:
                errs.append(f'{eve_path}:{n}: not JSON ({e})')
                continue
            if ev.get('event_type') == 'stats':
                try:
                    evelib.check_accounting(ev, eve_path)
                except SystemExit as e:
                    errs.append(str(e))
            if ev.get('event_type') != 'esp':
                continue
            esp = ev.get('esp', {})
            try:
                k = (ev['src_ip'], ev['dest_ip'], esp['spi'])
            except KeyError as e:
                errs.append(f'{eve_path}:{n}: esp event without {e}')
                continue
            kind = esp.get('event')
            if kind == 'end':
                ends.setdefault(k, []).append(ev)
            elif kind == 'decided':
                decided.setdefault(k, []).append(ev)
            else:
                errs.append(f'{eve_path}:{n}: esp.event is {kind!r}, not decided/end')
    want = {sa_key(sa): sa for sa in truth['sas']}
    for k, sa in want.items():
        evs = ends.get(k, [])
        if len(evs) != 1:
            errs.append(f'{sa_name(k)}: {len(evs)} esp end events, expected 1')
            if not evs:
                continue
        ev = evs[-1]
        esp = ev['esp']
        if ev.get('src_port') != sa['src_port'] or ev.get('dest_port') != sa['dest_port']:
            errs.append(f'{sa_name(k)}: ports {ev.get("src_port")} -> {ev.get("dest_port")}, '
                        f'expected {sa["src_port"]} -> {sa["dest_port"]}')
        if sa['encap'] == 'udp' and ev.get('proto') != 'UDP':
            errs.append(f'{sa_name(k)}: proto {ev.get("proto")!r}, expected "UDP"')
        if esp.get('encap') != sa['encap']:
            errs.append(f'{sa_name(k)}: encap {esp.get("encap")!r}, expected {sa["encap"]!r}')
        if esp.get('wesp') is not False:
            errs.append(f'{sa_name(k)}: wesp {esp.get("wesp")!r}, expected false')
        v = esp.get('verdict')
        if sa['verdict'] == 'encrypted' and v == 'null':
            errs.append(f'{sa_name(k)}: encrypted SA ({sa["esp_alg"]}) called null '
                        f'(icv_len {esp.get("icv_len")}, iv_len {esp.get("iv_len")}, '
                        f'method {esp.get("method")!r})')
        elif v != sa['verdict']:
            errs.append(f'{sa_name(k)}: verdict {v!r}, expected {sa["verdict"]!r} '
                        f'({sa["esp_alg"]}, {sa["pkts"]} packets)')
        if sa['verdict'] == 'null' and v == 'null':
            for f in ('icv_len', 'iv_len'):
                if esp.get(f) != sa[f]:
                    errs.append(f'{sa_name(k)}: {f} {esp.get(f)!r}, expected {sa[f]} '
                                f'({sa["esp_alg"]})')
        if esp.get('pkts') != sa['pkts']:
            errs.append(f'{sa_name(k)}: pkts {esp.get("pkts")!r}, expected {sa["pkts"]}')
        for f in ('seq_first', 'seq_last'):
            if f in esp and esp[f] != sa[f]:
                errs.append(f'{sa_name(k)}: {f} {esp[f]!r}, expected {sa[f]}')
        if len(decided.get(k, [])) > 1:
            errs.append(f'{sa_name(k)}: {len(decided[k])} esp decided events, expected at most 1')
    for k in ends:
        if k not in want:
            errs.append(f'{sa_name(k)}: reported by espvis but not in the capture\'s truth '
                        f'(verdict {ends[k][-1]["esp"].get("verdict")!r})')
    return errs


def check_inner(inner_path, truth):
    try:
        linktype, recs = read_pcap(inner_path)
    except (OSError, ValueError) as e:
        return [f'inner pcap: {e}']
    errs = []
    if linktype != LINKTYPE_ETHERNET and linktype not in LINKTYPE_RAW:
        return [f'inner pcap: link type {linktype}, expected Ethernet (1) or raw IP']
    pkts = []
    for _, _, frame in recs:
        l3 = l3_of(frame, linktype)
        if l3 is None:
            errs.append(f'inner pcap: a {len(frame)}-byte record holds no IPv4 packet '
                        f'({frame[:16].hex()}...)')
        else:
            pkts.append(l3)
    t = truth['traffic']
    any_null = any(sa['verdict'] == 'null' for sa in truth['sas'])
    if any_null:
        got = traffic_summary(pkts, t['inner_a'], t['inner_b'], t['tcp_port'], t['udp_port'])
        errs += compare_traffic(got, t, 'inner pcap')
    elif pkts:
        errs.append(f'inner pcap: {len(pkts)} packets although every SA is encrypted')
    return errs


def check_capture(espvis, pcap, keep=None):
    """Run espvis on one capture and return the list of mismatches."""
    truth_path = pcap[:-len('.pcap')] + '.truth.json'
    with open(truth_path) as f:
        truth = json.load(f)
    work = tempfile.mkdtemp(prefix='espvis-ss-')
    try:
        eve = os.path.join(work, 'eve.json')
        inner = os.path.join(work, 'inner.pcap')
        cmd = [espvis, '-r', pcap, '--eve', eve, '-w', inner]
        try:
            p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               timeout=60)
        except subprocess.TimeoutExpired:
            return [f'{" ".join(cmd)}: still running after 60 s']
        if p.returncode != 0:
            return [f'{" ".join(cmd)}: exit {p.returncode}: '
                    f'{p.stderr.decode(errors="replace").strip()[-500:]}']
        if not os.path.exists(eve):
            return [f'{" ".join(cmd)}: wrote no {eve}']
        errs = check_eve(eve, truth) + check_inner(inner, truth)
        if keep:
            os.makedirs(keep, exist_ok=True)
            base = os.path.basename(pcap)[:-len('.pcap')]
            shutil.copy(eve, os.path.join(keep, base + '.eve.json'))
            shutil.copy(inner, os.path.join(keep, base + '.inner.pcap'))
        return errs
    finally:
        shutil.rmtree(work, ignore_errors=True)


def default_espvis():
    e = os.environ.get('ESPVIS')
    if e:
        return e
    top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return os.path.join(top, 'build', 'espvis')


def run(pcaps, espvis=None, keep=None):
    espvis = espvis or default_espvis()
    if not os.access(espvis, os.X_OK):
        print(f'FAIL: espvis binary {espvis} missing or not executable (set ESPVIS)')
        return 1
    bad = 0
    for pcap in pcaps:
        with open(pcap[:-len('.pcap')] + '.truth.json') as f:
            truth = json.load(f)
        errs = check_capture(espvis, pcap, keep)
        name = os.path.basename(pcap)
        desc = f'{len(truth["sas"])} SAs, {truth["proposal"]}' + \
            (', rekey' if truth.get('rekey') else '')
        if errs:
            bad += 1
            print(f'FAIL {name} ({desc}):')
            for e in errs:
                print(f'  {e}')
        else:
            print(f'ok   {name} ({desc})')
    print(f'{len(pcaps) - bad}/{len(pcaps)} captures match their truth')
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--espvis', help='espvis binary (default $ESPVIS, else build/espvis)')
    ap.add_argument('--keep', help='copy each EVE file and inner pcap into this directory')
    ap.add_argument('pcaps', nargs='+')
    a = ap.parse_args()
    return run(a.pcaps, a.espvis, a.keep)


if __name__ == '__main__':
    sys.exit(main())
