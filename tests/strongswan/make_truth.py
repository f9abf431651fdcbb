#!/usr/bin/env python3
"""Write the truth file of a strongSwan capture (called by sspair.sh).

Reads initiator A's `swanctl --list-sas` output (one or more snapshots: before
and after a rekey), the capture, and what the traffic generators sent and
received; prints the truth JSON on stdout.  It refuses (exit 1) a capture that
does not hold what strongSwan says: an SPI missing from the wire, an ESP
packet of an unknown SPI, a different outer tuple, or, for ESP-NULL, a packet
that does not decapsulate by hand (SPI | seq | inner IPv4 | padding 1..n |
pad length | next header 4 | ICV) into exactly the traffic that was sent.
"""
import argparse
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_sas  # noqa: E402

TCP_PORT, UDP_PORT = 5001, 5002


def esp_params(alg):
    """(verdict, icv_len, iv_len) of a swanctl ESP algorithm string such as
    NULL/HMAC_SHA2_256_128, AES_GCM_16-128, AES_CBC-128/HMAC_SHA2_256_128."""
    parts = alg.split('/')
    enc = parts[0]
    if enc.startswith('NULL_AES_GMAC'):          # ENCR_NULL_AUTH_AES_GMAC: RFC 4543
        return 'null', 16, 8
    if enc != 'NULL':
        return 'encrypted', None, None
    m = re.search(r'_(\d+)$', parts[1]) if len(parts) > 1 else None
    if not m:
        raise ValueError(f'ESP-NULL without a known integrity algorithm: {alg}')
    return 'null', int(m.group(1)) // 8, 0


def parse_sas(text):
    """Child SAs of A's `swanctl --list-sas`: [(alg, spi_in, spi_out, local, lport, remote, rport)]."""
    out = []
    local = remote = None
    child = None
    for line in text.splitlines():
        m = re.match(r"\s+local\s+'[^']*' @ ([\d.]+)\[(\d+)\]", line)
        if m:
            local = (m.group(1), int(m.group(2)))
            continue
        m = re.match(r"\s+remote\s+'[^']*' @ ([\d.]+)\[(\d+)\]", line)
        if m:
            remote = (m.group(1), int(m.group(2)))
            continue
        m = re.match(r'\s+\S+: #\d+, reqid \d+, \S+, \S+, ESP:(\S+)', line)
        if m:
            child = {'alg': m.group(1)}
            continue
        m = re.match(r'\s+(in|out)\s+([0-9a-f]{8})(?:_i|_o)?\b', line)
        if m and child is not None:
            child[m.group(1)] = int(m.group(2), 16)
            if 'in' in child and 'out' in child:
                out.append((child['alg'], child['in'], child['out'], local, remote))
                child = None
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--proposal', required=True)
    ap.add_argument('--rekey', default='0')
    ap.add_argument('--sas', required=True)
    ap.add_argument('--pcap', required=True)
    ap.add_argument('--icmp-echo', type=int, required=True)
    ap.add_argument('--icmp-reply', type=int, required=True)
    ap.add_argument('--tcp-rx', required=True)
    ap.add_argument('--udp-rx', required=True)
    ap.add_argument('--inner-a', required=True)
    ap.add_argument('--inner-b', required=True)
    a = ap.parse_args()

    with open(a.sas) as f:
        children = parse_sas(f.read())
    if not children:
        sys.exit(f'make_truth: no Child SA in {a.sas}')
    linktype, recs = check_sas.read_pcap(a.pcap)
    esp_pkts = [e for e in (check_sas.outer_esp(fr, linktype) for _, _, fr in recs) if e]

    sas = {}
    gen = 0
    for alg, spi_in, spi_out, local, remote in children:
        if spi_out in sas:
            continue
        gen += 1
        verdict, icv, iv = esp_params(alg)
        for spi, (s, sp), (d, dp) in ((spi_out, local, remote), (spi_in, remote, local)):
            sa = {'src_ip': s, 'dest_ip': d, 'src_port': sp, 'dest_port': dp,
                  'encap': 'udp', 'spi': spi, 'verdict': verdict}
            if verdict == 'null':
                sa.update(icv_len=icv, iv_len=iv)
            sa.update(esp_alg=alg, generation=gen)
            sas[spi] = sa

    errs = []
    inner = []
    per_spi = {}
    for e in esp_pkts:
        sa = sas.get(e['spi'])
        if sa is None:
            errs.append(f'ESP packet with SPI 0x{e["spi"]:08x} strongSwan did not list')
            continue
        tup = (e['src_ip'], e['dest_ip'], e['src_port'], e['dest_port'], e['encap'])
        want = (sa['src_ip'], sa['dest_ip'], sa['src_port'], sa['dest_port'], 'udp')
        if tup != want:
            errs.append(f'SPI 0x{e["spi"]:08x} on {tup}, expected {want}')
        per_spi.setdefault(e['spi'], []).append(e['seq'])
        if sa['verdict'] == 'null':
            p = check_sas.decap_null(e['body'], sa['icv_len'], sa['iv_len'])
            if p is None:
                errs.append(f'SPI 0x{e["spi"]:08x} seq {e["seq"]}: not ESP-NULL with a '
                            f'{sa["icv_len"]}-byte ICV')
            else:
                inner.append(p)
    for spi, sa in sas.items():
        seqs = per_spi.get(spi, [])
        if not seqs:
            errs.append(f'SPI 0x{spi:08x} ({sa["src_ip"]} -> {sa["dest_ip"]}) not in the capture')
            continue
        sa.update(pkts=len(seqs), seq_first=seqs[0], seq_last=seqs[-1])

    with open(a.tcp_rx, 'rb') as f:
        tcp = f.read().decode('latin-1')
    with open(a.udp_rx, 'rb') as f:
        udp = [ln + '\n' for ln in f.read().decode('latin-1').splitlines()]
    traffic = {'inner_a': a.inner_a, 'inner_b': a.inner_b,
               'icmp_echo': a.icmp_echo, 'icmp_reply': a.icmp_reply,
               'tcp_sessions': 1, 'tcp_port': TCP_PORT, 'tcp_payload': tcp,
               'udp_port': UDP_PORT, 'udp_dgrams': udp}
    if a.icmp_echo == 0 or a.icmp_reply != a.icmp_echo or not tcp or not udp:
        errs.append(f'traffic incomplete: echo {a.icmp_echo}, replies {a.icmp_reply}, '
                    f'tcp {len(tcp)} bytes, udp {len(udp)} datagrams received')
    if all(sa['verdict'] == 'null' for sa in sas.values()):
        got = check_sas.traffic_summary(inner, a.inner_a, a.inner_b, TCP_PORT, UDP_PORT)
        errs += check_sas.compare_traffic(got, traffic, 'capture decapsulated by hand')
        if got['other']:
            errs.append(f'capture decapsulated by hand: {got["other"]} unexpected inner packets')
    if errs:
        sys.exit('make_truth: ' + a.pcap + ':\n  ' + '\n  '.join(errs))

    truth = {'proposal': a.proposal, 'rekey': a.rekey == '1',
             'generator': 'tests/strongswan/sspair.sh (strongSwan 5.9.8, kernel-libipsec, tunnel mode)',
             'sas': sorted(sas.values(), key=lambda s: (s['generation'], s['src_ip'])),
             'traffic': traffic}
    json.dump(truth, sys.stdout, indent=1)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
