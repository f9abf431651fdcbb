#!/usr/bin/env python3
"""espvis's app per inner flow against ndpiReader on the same packets.

For every ESP-NULL capture of pcaps/gen (truth without "error", with
inner packets) and pcaps/strongswan (a null SA in its truth), and for a
capture of the benchmark's generator (bench/gen_bench.c, built here when
it is there: thousands of inner flows over 4000 SAs of every layout):

    espvis -r CAPTURE --eve EVE -w INNER.pcap
    ndpiReader -q -v 2 -i INNER.pcap          (Debian's libndpi-bin, 4.2)

ndpiReader is nDPI's own reader; -v 2 lists every flow, detected and
undetected, with its packets and bytes each way and "[proto: N/Name]",
the same ndpi_protocol2name() text espvis writes as app_proto.  The flows
are matched on the 5-tuple (ndpiReader's direction: the first packet's
source, like espvis's client; ndpiReader has no SCTP ports, so espvis's
SCTP flows between two hosts are summed into its one) and must agree on:
  - the app name;
  - the packets each way;
  - the bytes each way: ndpiReader counts whole -w records, so the
    14-byte Ethernet header of each packet is added to espvis's IP bytes.
Every espvis `flow` event must have its ndpiReader flow and the reverse.
Two ndpiReader 4.2 habits are allowed for: it prints IPv6 addresses with
each ":0:" made "::" (ndpi_patchIPv6Address()), so ours are printed the
same way before matching; and its flow tree now and then counts every
packet of a flow one way ("->", nothing back), which is reported as a
note when the totals agree.

Captures whose truth lists "flows" (tests/gen/gen_apps.py) also say which
app the generator wrote into each flow: espvis must report exactly those.

Prints the app x flows table of each capture (and of the largest one
again at the end) and the mismatch count; exit 1 on any mismatch, 77 when
ndpiReader is not installed.
"""
import glob
import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import evelib  # noqa: E402

TOP = evelib.TOP
ETH = 14
# ndpiReader's ipProto2Name() (4.2 example/ndpiReader.c) and espvis's
# names (export/eve.c, Suricata's), both to IP protocol numbers.
NDPI_PROTO = {'TCP': 6, 'UDP': 17, 'ICMP': 1, 'ICMPV6': 58, 'VRRP': 112,
              'IGMP': 2}
EVE_PROTO = {'TCP': 6, 'UDP': 17, 'ICMP': 1, 'IPv6-ICMP': 58, 'IGMP': 2,
             'GRE': 47, 'ESP': 50, 'OSPFIGP': 89, 'SCTP': 132}
FLOW_LINE = re.compile(
    r'^\t\d+\t(\S+) (\[[0-9a-fA-F:.]+\]|[0-9.]+):(\d+) (<->|->) '
    r'(\[[0-9a-fA-F:.]+\]|[0-9.]+):(\d+) .*?'
    r'\[proto: (?:[^\]/]*:)?[0-9.]+/([^\]]+)\]'
    r'.*?\[(\d+) pkts/(\d+) bytes (?:<->|->) (\d+) pkts/(\d+) bytes\]')
BENCH_FRAMES = 50000

mismatches = []
quirks = []


def fail(msg):
    mismatches.append(msg)
    print('MISMATCH ' + msg, flush=True)


def proto_num(name, table):
    return table[name] if name in table else int(name)


def ndpi_patch(s):
    """ndpiReader 4.2 prints IPv6 addresses through inet_ntop() and then
    ndpi_patchIPv6Address(), which turns each ":0:" into "::" (so that
    2001:2:0:1::2a1 becomes 2001:2::1::2a1).  Do the same to ours."""
    out, i = '', 0
    while i < len(s):
        if s[i:i + 3] == ':0:':
            out += '::'
            i += 3
        else:
            out += s[i]
            i += 1
    return out


def addr(a):
    """An address of ours, as ndpiReader prints it."""
    return ndpi_patch(ipaddress.ip_address(a).compressed)


def ndpi_addr(a):
    return a.strip('[]')


def key(proto, a, ap, b, bp):
    return (proto, frozenset(((a, ap), (b, bp))))


def ndpi_flows(inner):
    """{key: [flow]} from ndpiReader's verbose flow list."""
    p = subprocess.run(['ndpiReader', '-q', '-v', '2', '-i', inner],
                       capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise SystemExit('ndpiReader -i %s: exit %d: %s' %
                         (inner, p.returncode, p.stderr[-300:]))
    flows = {}
    for line in p.stdout.splitlines():
        m = FLOW_LINE.match(line)
        if not m:
            continue
        proto = proto_num(m.group(1), NDPI_PROTO)
        f = dict(proto=proto, src=(ndpi_addr(m.group(2)), int(m.group(3))),
                 dst=(ndpi_addr(m.group(5)), int(m.group(6))),
                 oneway=m.group(4) == '->', app=m.group(7),
                 pkts=(int(m.group(8)), int(m.group(10))),
                 bytes=(int(m.group(9)), int(m.group(11))))
        flows.setdefault(key(proto, *f['src'], *f['dst']), []).append(f)
    if 'expired flows are not listed' in p.stdout:
        fail('%s: ndpiReader expired some flows before the end' % inner)
    return flows


def ndpi_key(f):
    """ndpiReader keeps ports for TCP and UDP only (SCTP's are 0 there):
    flows of espvis that differ only in SCTP ports are one of its."""
    if f['proto'] in (6, 17):
        return key(f['proto'], *f['src'], *f['dst'])
    return key(f['proto'], f['src'][0], 0, f['dst'][0], 0)


def espvis_flows(events):
    flows = []
    for e in events:
        if e.get('event_type') != 'flow':
            continue
        proto = proto_num(e['proto'], EVE_PROTO)
        fl = e['flow']
        flows.append(dict(
            proto=proto, src=(addr(e['src_ip']), e.get('src_port', 0)),
            dst=(addr(e['dest_ip']), e.get('dest_port', 0)),
            app=e['app_proto'],
            pkts=(fl['pkts_toserver'], fl['pkts_toclient']),
            bytes=(fl['bytes_toserver'], fl['bytes_toclient'])))
    return flows


def name(f):
    return '%d %s:%d > %s:%d' % (f['proto'], f['src'][0], f['src'][1],
                                 f['dst'][0], f['dst'][1])


def truth_flows(path):
    try:
        with open(path) as f:
            return json.load(f).get('flows')
    except (OSError, ValueError):
        return None


def compare(label, cap, truth, tmp):
    eve = os.path.join(tmp, 'eve.json')
    inner = os.path.join(tmp, 'inner.pcap')
    for p in (eve, inner):
        if os.path.exists(p):
            os.unlink(p)
    evelib.run_espvis(['-r', cap, '--eve', eve, '-w', inner, '-q'])
    events = evelib.read_eve(eve)
    ours = espvis_flows(events)
    theirs = ndpi_flows(inner)
    stats = evelib.final_stats(events)
    if stats['flow']['created'] != len(ours):
        fail('%s: stats.flow.created %d, %d flow events' %
             (label, stats['flow']['created'], len(ours)))
    matched = set()
    table = {}
    groups = {}
    for f in ours:
        table[f['app']] = table.get(f['app'], 0) + 1
        groups.setdefault(ndpi_key(f), []).append(f)
    for k, fs in groups.items():
        cands = theirs.get(k, [])
        if len(cands) != 1:
            fail('%s: flow %s (%s): %d ndpiReader flows' %
                 (label, name(fs[0]), fs[0]['app'], len(cands)))
            continue
        t = cands[0]
        matched.add(k)
        diffs = []
        for f in fs:
            if t['app'] != f['app']:
                diffs.append('app %r, ndpiReader %r' % (f['app'], t['app']))
        f = fs[0]
        pkts = tuple(sum(x['pkts'][d] for x in fs) for d in (0, 1))
        nbytes = tuple(sum(x['bytes'][d] + ETH * x['pkts'][d] for x in fs)
                       for d in (0, 1))
        if t['oneway'] and pkts[1] > 0 and t['pkts'][1] == 0 and \
                sum(t['pkts']) == sum(pkts) and \
                sum(t['bytes']) == sum(nbytes):
            # ndpiReader 4.2's flow tree compares both orientations as
            # equal but orders by one (ndpi_workflow_node_cmp()), so a
            # lookup can miss, succeed reversed, and count the packet
            # the wrong way: it then shows "->" and nothing back.
            quirks.append('%s: flow %s: ndpiReader counts all %d packets '
                          'one way' % (label, name(f), sum(pkts)))
        elif (t['src'][0], t['dst'][0]) != (f['src'][0], f['dst'][0]) or \
                (f['proto'] in (6, 17) and (t['src'], t['dst']) !=
                 (f['src'], f['dst'])):
            diffs.append('client %s:%d, ndpiReader %s:%d' %
                         (f['src'] + t['src']))
        elif t['pkts'] != pkts:
            diffs.append('pkts %r, ndpiReader %r' % (pkts, t['pkts']))
        elif t['bytes'] != nbytes:
            diffs.append('bytes %r (with 14 a packet), ndpiReader %r' %
                         (nbytes, t['bytes']))
        if diffs:
            fail('%s: flow %s: %s' % (label, name(f), '; '.join(diffs)))
    for k, fl in theirs.items():
        if k not in matched:
            fail('%s: ndpiReader flow %s (%s) has no espvis flow' %
                 (label, name(fl[0]), fl[0]['app']))
    if truth is not None:
        want = {}
        for t in truth:
            k = key(t['proto'], addr(t['src_ip']), t['src_port'],
                    addr(t['dest_ip']), t['dest_port'])
            want[k] = t['app']
        got = {key(f['proto'], *f['src'], *f['dst']): f['app']
               for f in ours}
        for k in sorted(set(want) | set(got), key=str):
            if want.get(k) != got.get(k):
                fail('%s: flow %s: app %r, the generator wrote %r' %
                     (label, sorted(k[1]), got.get(k), want.get(k)))
    return table, len(ours)


def print_table(label, table, n):
    print('%s: %d flows' % (label, n))
    print('    %-24s %5s' % ('app', 'flows'))
    for app in sorted(table, key=lambda a: (-table[a], a)):
        print('    %-24s %5d' % (app, table[app]))


def captures():
    out = []
    for t in sorted(glob.glob(os.path.join(TOP, 'pcaps', 'gen',
                                           '*.truth.json'))):
        with open(t) as f:
            truth = json.load(f)
        if 'error' in truth or truth.get('inner_pkts', 0) == 0:
            continue
        base = t[:-len('.truth.json')]
        cap = next((base + e for e in ('.pcap', '.pcapng')
                    if os.path.exists(base + e)), None)
        if cap:
            out.append((cap, truth.get('flows')))
    for t in sorted(glob.glob(os.path.join(TOP, 'pcaps', 'strongswan',
                                           '*.truth.json'))):
        with open(t) as f:
            truth = json.load(f)
        if any(s.get('verdict') == 'null' for s in truth.get('sas', [])):
            out.append((t[:-len('.truth.json')] + '.pcap', None))
    return out


def bench_capture(tmp):
    """The benchmark's mixed capture (bench/gen_bench.c: thousands of
    inner DNS, HTTP, TLS, RTP and bulk flows over 4000 SAs), small; None
    when it cannot be built here."""
    src = os.path.join(TOP, 'bench', 'gen_bench.c')
    gen = os.path.join(tmp, 'gen_bench')
    cap = os.path.join(tmp, 'bench.pcap')
    cc = shutil.which('cc')
    if not os.path.exists(src) or cc is None:
        print('bench capture skipped: no bench/gen_bench.c or no cc')
        return None
    for cmd in ([cc, '-O2', '-o', gen, src],
                [gen, '-m', 'mixed', '-n', str(BENCH_FRAMES), '-o', cap]):
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            print('bench capture skipped: %s failed: %s' %
                  (os.path.basename(cmd[0]), p.stderr.strip()[-200:]))
            return None
    return cap


def main():
    if shutil.which('ndpiReader') is None:
        print('SKIP: ndpiReader is not installed (Debian: libndpi-bin)')
        return 77
    caps = captures()
    if not caps:
        print('FAIL: no ESP-NULL captures')
        return 1
    tmp = tempfile.mkdtemp(prefix='espvis-ndpi.')
    largest = None
    total = 0
    try:
        bench = bench_capture(tmp)
        if bench:
            caps.append((bench, None))
        for cap, truth in caps:
            label = os.path.relpath(cap, TOP) if cap != bench else \
                'gen_bench -m mixed -n %d' % BENCH_FRAMES
            n0 = len(mismatches)
            table, n = compare(label, cap, truth, tmp)
            total += n
            print_table(label, table, n)
            print('%s %s' % ('ok  ' if len(mismatches) == n0 else 'FAIL',
                             label), flush=True)
            size = os.path.getsize(cap)
            if ('/gen/' in cap or cap == bench) and \
                    (largest is None or size > largest[0]):
                largest = (size, label, table, n)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if largest:
        print('\nlargest generated capture (%d bytes):' % largest[0])
        print_table(largest[1], largest[2], largest[3])
    for q in quirks:
        print('note: ' + q)
    print('\nndpiReader: %d captures, %d flows, %d mismatches (%d flows '
          'that ndpiReader counted one way)' % (len(caps), total,
                                                len(mismatches), len(quirks)))
    return 1 if mismatches else 0


if __name__ == '__main__':
    sys.exit(main())
