#!/usr/bin/env python3
"""Golden test: espvis on every capture of pcaps/gen against its truth.

For every pcaps/gen/<case>.truth.json (written by tests/gen/gen_captures.py
from what it built, never from espvis output) run

    espvis -r <case>.pcap[ng] --eve EVE -w INNER

and compare:
  - every SA of the truth has exactly one `esp` end event with the outer
    tuple, encap, wesp, verdict, icv_len/iv_len (only for null), pkts,
    seq_first, seq_last and seq_gaps of the truth; a `decided` event with
    the same verdict exactly when the truth's verdict is null or encrypted;
    no SA that the truth does not have;
  - the final stats event: packets read, decoded, dropped (0), skipped by
    reason (every reason present, zeros included), SAs created and by
    verdict, inner packets written;
  - the -w pcap (Ethernet): the records, sorted by timestamp, are
    byte-identical to <case>.inner.pcap.
Cases whose truth has "error" are bad capture files: espvis must exit
non-zero with exactly one line on stderr (run with -q) naming the file, and
still report the packets before the fault.  Then: all good cases in one run
(several -r in order), a bad file in the middle of several -r, -w into a
FIFO read by `tcpdump -r -`, -w - and --eve - on stdout, --inner-linktype raw.

Frame numbers in messages: case k's frame n has timestamp
T0 + 10 k s + (n - 1) ms, so "frame" below is the millisecond of the
timestamp plus one.  Exit 0 when all match, 1 with the differences, 77 when
a needed tool is missing.
"""
import ipaddress
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import threading

TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, 'tests', 'integration'))
import evelib  # noqa: E402
GEN = os.path.join(TOP, 'pcaps', 'gen')
REASONS = ('unsupported_linktype', 'not_ip', 'not_ipsec', 'ike',
           'natt_keepalive', 'fragment_held', 'fragment_invalid', 'truncated',
           'malformed_l2', 'malformed_ip', 'malformed_udp', 'malformed_esp',
           'wesp_invalid', 'too_deep')
SA_FIELDS = ('encap', 'wesp', 'verdict', 'pkts', 'seq_first', 'seq_last',
             'seq_gaps')
TIMEOUT = 120
MAX_DIFFS = 8           # record differences shown per comparison

failures = []
checks = 0
CASES = []


def fail(msg):
    failures.append(msg)
    print('FAIL ' + msg, flush=True)


# --- pcap reading ---------------------------------------------------------------

def read_pcap(data):
    """(linktype, [(ts_ns, caplen, wirelen, bytes)]) of a libpcap file."""
    if len(data) < 24:
        raise ValueError('%d bytes: no pcap file header' % len(data))
    for e in ('<', '>'):
        magic = struct.unpack(e + 'I', data[:4])[0]
        if magic in (0xa1b2c3d4, 0xa1b23c4d):
            break
    else:
        raise ValueError('bad pcap magic %s' % data[:4].hex())
    scale = 1000 if magic == 0xa1b2c3d4 else 1
    linktype = struct.unpack(e + 'I', data[20:24])[0] & 0x0fffffff
    out, off = [], 24
    while off < len(data):
        if off + 16 > len(data):
            raise ValueError('record header cut at byte %d' % off)
        sec, frac, caplen, wirelen = struct.unpack(e + 'IIII',
                                                   data[off:off + 16])
        off += 16
        if off + caplen > len(data):
            raise ValueError('record data cut at byte %d' % off)
        out.append((sec * 1000000000 + frac * scale, caplen, wirelen,
                    data[off:off + caplen]))
        off += caplen
    return linktype, out


def frame_of(ts_ns):
    return (ts_ns // 1000000) % 1000 + 1


def describe(rec):
    """Short description of an Ethernet record: addresses and protocol."""
    b = rec[14:]
    try:
        if b[0] >> 4 == 4:
            return '%s > %s proto %d len %d' % (
                ipaddress.ip_address(b[12:16]), ipaddress.ip_address(b[16:20]),
                b[9], len(b))
        if b[0] >> 4 == 6:
            return '%s > %s nh %d len %d' % (
                ipaddress.ip_address(b[8:24]), ipaddress.ip_address(b[24:40]),
                b[6], len(b))
    except (IndexError, ValueError):
        pass
    return '%d bytes' % len(rec)


def compare_inner(label, expected, actual_bytes, strip=0, linktype=1,
                  names=None):
    """Compare the records of a -w pcap with the expected ones."""
    global checks
    checks += 1
    try:
        lt, actual = read_pcap(actual_bytes)
    except ValueError as e:
        fail('%s: -w output is not a readable pcap: %s' % (label, e))
        return
    if lt != linktype:
        fail('%s: -w link type %d, expected %d' % (label, lt, linktype))
    for ts, caplen, wirelen, d in actual:
        if caplen != wirelen:
            fail('%s: inner record frame %d: caplen %d != len %d' %
                 (label, frame_of(ts), caplen, wirelen))
    exp = sorted((ts, d[strip:]) for ts, _, _, d in expected)
    act = sorted((ts, d) for ts, _, _, d in actual)
    if exp == act:
        return
    exp_ts, act_ts = {}, {}
    for ts, d in exp:
        exp_ts.setdefault(ts, []).append(d)
    for ts, d in act:
        act_ts.setdefault(ts, []).append(d)
    fail('%s: inner pcap: %d records, expected %d' %
         (label, len(act), len(exp)))
    shown = 0
    for ts in sorted(set(exp_ts) | set(act_ts)):
        e, a = exp_ts.get(ts, []), act_ts.get(ts, [])
        if e == a:
            continue
        shown += 1
        if shown > MAX_DIFFS:
            print('    ... more differences')
            break
        where = 'frame %d (ts %d.%06d)' % (frame_of(ts), ts // 10 ** 9,
                                           ts % 10 ** 9 // 1000)
        if names and ts // 10 ** 9 in names:
            where = names[ts // 10 ** 9] + ' ' + where
        if not a:
            print('    missing: %s: %s' % (where, describe(e[0])))
        elif not e:
            print('    unexpected: %s: %s' % (where, describe(a[0])))
        elif len(e) != len(a):
            print('    %s: %d records, expected %d' % (where, len(a), len(e)))
        else:
            x, y = e[0], a[0]
            i = next((k for k in range(min(len(x), len(y))) if x[k] != y[k]),
                     min(len(x), len(y)))
            print('    differs: %s: %s: got %d bytes, expected %d; first '
                  'difference at byte %d: got %s expected %s' %
                  (where, describe(x), len(y), len(x), i,
                   y[i:i + 8].hex(), x[i:i + 8].hex()))


# --- running espvis -------------------------------------------------------------

def run(args, **kw):
    try:
        return subprocess.run([ESPVIS] + args, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=TIMEOUT, **kw)
    except subprocess.TimeoutExpired:
        fail('espvis %s: no exit after %d s' % (' '.join(args), TIMEOUT))
        return None


def parse_eve(label, text):
    events = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            ev = json.loads(line)
        except ValueError as e:
            fail('%s: EVE line %d is not JSON (%s): %.120s' %
                 (label, n, e, line))
            continue
        events.append(ev)
    evelib.check_all_accounting(events, label)
    return events


def norm_ip(a):
    try:
        return ipaddress.ip_address(a).compressed
    except ValueError:
        return a


def sa_key(d):
    return (norm_ip(d.get('src_ip')), norm_ip(d.get('dest_ip')),
            d.get('src_port', 0) or 0, d.get('dest_port', 0) or 0,
            d['spi'] if 'spi' in d else d.get('esp', {}).get('spi'))


def sa_name(k):
    ports = ':%d > ' % k[2] if k[2] or k[3] else ' > '
    return '%s%s%s%s spi 0x%08x' % (k[0], ports, k[1],
                                    ':%d' % k[3] if k[2] or k[3] else '',
                                    k[4] if isinstance(k[4], int) else 0)


def compare_sas(label, truth_sas, events, end_reasons=('end_of_input',)):
    global checks
    checks += 1
    ends, decided = {}, {}
    for ev in events:
        if ev.get('event_type') != 'esp':
            continue
        esp = ev.get('esp', {})
        k = sa_key(dict(ev, spi=esp.get('spi')))
        if esp.get('event') == 'end':
            ends.setdefault(k, []).append(ev)
        elif esp.get('event') == 'decided':
            decided.setdefault(k, []).append(ev)
        else:
            fail('%s: esp event with event %r' % (label, esp.get('event')))
    for t in truth_sas:
        k = sa_key(t)
        name = sa_name(k)
        got = ends.pop(k, [])
        if len(got) != 1:
            fail('%s: SA %s (truth verdict %s, %d pkts): %d end events, '
                 'expected 1' % (label, name, t['verdict'], t['pkts'],
                                 len(got)))
            decided.pop(k, None)
            continue
        ev = got[0]
        esp = ev['esp']
        diffs = []
        for f in SA_FIELDS:
            if esp.get(f) != t[f]:
                diffs.append('%s %r (expected %r)' % (f, esp.get(f), t[f]))
        if t['verdict'] == 'null':
            for f in ('icv_len', 'iv_len'):
                if esp.get(f) != t[f]:
                    diffs.append('%s %r (expected %r)' % (f, esp.get(f), t[f]))
        else:
            for f in ('icv_len', 'iv_len'):
                if f in esp:
                    diffs.append('%s present in a %s SA' % (f, esp.get(
                        'verdict')))
        proto = 'UDP' if t['encap'] == 'udp' else \
            ('WESP' if t['wesp'] else 'ESP')
        if ev.get('proto') != proto:
            diffs.append('proto %r (expected %r)' % (ev.get('proto'), proto))
        if esp.get('end_reason') not in end_reasons:
            diffs.append('end_reason %r' % esp.get('end_reason'))
        if diffs:
            fail('%s: SA %s: %s' % (label, name, '; '.join(diffs)))
        dec = decided.pop(k, [])
        want = 0 if t['verdict'] == 'undecided' else 1
        if len(dec) != want:
            fail('%s: SA %s: %d decided events, expected %d' %
                 (label, name, len(dec), want))
        elif dec and dec[0]['esp'].get('verdict') != t['verdict']:
            fail('%s: SA %s: decided event says %r, expected %r' %
                 (label, name, dec[0]['esp'].get('verdict'), t['verdict']))
    for k, evs in ends.items():
        fail('%s: unexpected SA %s: verdict %s, %s pkts' %
             (label, sa_name(k), evs[0]['esp'].get('verdict'),
              evs[0]['esp'].get('pkts')))
    for k in decided:
        fail('%s: decided event for %s without an end event' %
             (label, sa_name(k)))


def compare_stats(label, truth, events):
    global checks
    checks += 1
    stats = [ev for ev in events if ev.get('event_type') == 'stats']
    if not stats:
        fail('%s: no stats event' % label)
        return
    if events[-1].get('event_type') != 'stats':
        fail('%s: the last event is %r, not the final stats' %
             (label, events[-1].get('event_type')))
    st = stats[-1].get('stats', {})
    pk = st.get('packets', {})
    diffs = []
    for f, want in (('read', truth['packets']), ('decoded', truth['decoded']),
                    ('dropped', 0)):
        if pk.get(f) != want:
            diffs.append('packets.%s %r (expected %r)' % (f, pk.get(f), want))
    sk = pk.get('skipped', {})
    for r in REASONS:
        want = truth['skipped'].get(r, 0)
        if r not in sk:
            diffs.append('skipped.%s missing' % r)
        elif sk[r] != want:
            diffs.append('skipped.%s %r (expected %r)' % (r, sk[r], want))
    for r, v in sk.items():
        if r not in REASONS and v:
            diffs.append('unknown skip reason %s = %r' % (r, v))
    sa = st.get('sa', {})
    verdicts = [s['verdict'] for s in truth['sas']]
    for f, want in (('created', len(verdicts)),
                    ('null', verdicts.count('null')),
                    ('encrypted', verdicts.count('encrypted')),
                    ('undecided', verdicts.count('undecided'))):
        if sa.get(f) != want:
            diffs.append('sa.%s %r (expected %r)' % (f, sa.get(f), want))
    written = st.get('inner', {}).get('written')
    if written != truth['inner_pkts']:
        diffs.append('inner.written %r (expected %r)' %
                     (written, truth['inner_pkts']))
    if diffs:
        fail('%s: stats: %s' % (label, '; '.join(diffs)))


# --- the cases ---------------------------------------------------------------------

def load_cases():
    cases = []
    for fn in sorted(os.listdir(GEN)):
        if not fn.endswith('.truth.json'):
            continue
        name = fn[:-len('.truth.json')]
        with open(os.path.join(GEN, fn)) as f:
            truth = json.load(f)
        cap = None
        for ext in ('.pcap', '.pcapng'):
            if os.path.exists(os.path.join(GEN, name + ext)):
                cap = os.path.join(GEN, name + ext)
        with open(os.path.join(GEN, name + '.inner.pcap'), 'rb') as f:
            _, inner = read_pcap(f.read())
        cases.append(dict(name=name, truth=truth, cap=cap, inner=inner))
    return cases


def merge(cases):
    t = dict(packets=0, decoded=0, skipped={}, sas=[], inner_pkts=0)
    inner = []
    for c in cases:
        ct = c['truth']
        t['packets'] += ct['packets']
        t['decoded'] += ct['decoded']
        for r, v in ct['skipped'].items():
            t['skipped'][r] = t['skipped'].get(r, 0) + v
        t['sas'] += ct['sas']
        t['inner_pkts'] += ct['inner_pkts']
        inner += c['inner']
    return t, inner


def check_run(label, caps, truth, inner, tmp, error=False, quiet=False,
              end_reasons=('end_of_input',), bad_file=None):
    eve = os.path.join(tmp, label.replace('/', '_') + '.eve.json')
    wpath = os.path.join(tmp, label.replace('/', '_') + '.inner.pcap')
    for p in (eve, wpath):
        if os.path.exists(p):
            os.unlink(p)
    args = []
    for c in caps:
        args += ['-r', c]
    args += ['--eve', eve, '-w', wpath] + (['-q'] if quiet else [])
    p = run(args)
    if p is None:
        return
    err = p.stderr.decode(errors='replace')
    if error:
        if p.returncode == 0:
            fail('%s: exit 0 on a bad capture' % label)
        lines = [ln for ln in err.splitlines() if ln.strip()]
        bad = os.path.basename(bad_file or caps[-1])
        if len(lines) != 1 or bad not in lines[0]:
            fail('%s: stderr should be one line naming %s, got %d: %r' %
                 (label, bad, len(lines), err[:300]))
    elif p.returncode != 0:
        fail('%s: exit %d: %s' % (label, p.returncode, err.strip()[:300]))
    if not os.path.exists(eve):
        fail('%s: no EVE file' % label)
        return
    with open(eve) as f:
        events = parse_eve(label, f.read())
    compare_sas(label, truth['sas'], events, end_reasons)
    compare_stats(label, truth, events)
    if not os.path.exists(wpath):
        fail('%s: no -w file' % label)
        return
    names = {}
    if len(caps) > 1:
        for c in CASES:
            for rec in c['inner']:
                names[rec[0] // 10 ** 9] = c['name']
    with open(wpath, 'rb') as f:
        compare_inner(label, inner, f.read(), names=names)


def test_fifo(good, tmp):
    """-w into a FIFO that `tcpdump -r -` reads while espvis writes."""
    global checks
    if shutil.which('tcpdump') is None:
        print('SKIP fifo: tcpdump is not installed')
        return
    checks += 1
    truth, _ = merge(good)
    fifo = os.path.join(tmp, 'inner.fifo')
    os.mkfifo(fifo)
    td = subprocess.Popen(['sh', '-c', 'exec tcpdump -nn -q -r - < "$0"',
                           fifo], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE)
    out = {}

    def reader():
        try:
            out['stdout'], out['stderr'] = td.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            td.kill()
            out['stdout'], out['stderr'] = td.communicate()
    t = threading.Thread(target=reader)
    t.start()
    args = []
    for c in good:
        args += ['-r', c['cap']]
    p = run(args + ['--eve', os.path.join(tmp, 'fifo.eve.json'), '-w', fifo,
                    '-q'])
    # If espvis never opened the FIFO, the reader still waits: open and
    # close a writer so that it sees the end.
    try:
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    except OSError:
        pass
    t.join(TIMEOUT + 10)
    if t.is_alive() or 'stdout' not in out:
        td.kill()
        fail('fifo: tcpdump did not finish')
        return
    if p is None:
        return
    if p.returncode != 0:
        fail('fifo: espvis exit %d: %s' % (p.returncode, p.stderr[:300]))
    n = len([ln for ln in out['stdout'].splitlines() if ln.strip()])
    if td.returncode != 0 or n != truth['inner_pkts']:
        fail('fifo: tcpdump -r - printed %d packets (exit %d: %s), expected '
             '%d' % (n, td.returncode, out['stderr'].decode(
                 errors='replace').strip()[-200:], truth['inner_pkts']))


def test_stdout(case, tmp):
    """-w - (pcap on stdout) and --eve - (EVE on stdout)."""
    global checks
    checks += 1
    p = run(['-r', case['cap'], '--eve', os.path.join(tmp, 'so.eve.json'),
             '-w', '-', '-q'])
    if p is not None:
        if p.returncode != 0:
            fail('stdout -w -: exit %d' % p.returncode)
        compare_inner('%s (-w -)' % case['name'], case['inner'], p.stdout)
    p = run(['-r', case['cap'], '--eve', '-', '-w',
             os.path.join(tmp, 'so.inner.pcap'), '-q'])
    if p is not None:
        if p.returncode != 0:
            fail('stdout --eve -: exit %d' % p.returncode)
        events = parse_eve(case['name'] + ' (--eve -)', p.stdout.decode())
        compare_sas(case['name'] + ' (--eve -)', case['truth']['sas'], events)
        compare_stats(case['name'] + ' (--eve -)', case['truth'], events)


def test_raw_linktype(case, tmp):
    p = run(['-r', case['cap'], '--eve', os.path.join(tmp, 'raw.eve.json'),
             '-w', '-', '--inner-linktype', 'raw', '-q'])
    if p is not None:
        if p.returncode != 0:
            fail('--inner-linktype raw: exit %d' % p.returncode)
        compare_inner('%s (--inner-linktype raw)' % case['name'],
                      case['inner'], p.stdout, strip=14, linktype=101)


def main():
    global ESPVIS
    ESPVIS = os.environ.get('ESPVIS')
    if not ESPVIS:
        ESPVIS = os.path.join(TOP, 'build', 'espvis')
        if not os.access(ESPVIS, os.X_OK):
            print('SKIP: ESPVIS is not set and %s is not built' % ESPVIS)
            return 77
    if not os.access(ESPVIS, os.X_OK):
        print('FAIL: ESPVIS=%s is not an executable' % ESPVIS)
        return 1
    cases = load_cases()
    CASES[:] = cases
    if not cases:
        print('FAIL: no truth files in %s' % GEN)
        return 1
    good = [c for c in cases if 'error' not in c['truth']]
    bad = [c for c in cases if 'error' in c['truth']]
    by_name = {c['name']: c for c in cases}
    tmp = tempfile.mkdtemp(prefix='espvis-golden.')
    try:
        for c in cases:
            n0 = len(failures)
            check_run(c['name'], [c['cap']], c['truth'], c['inner'], tmp,
                      error='error' in c['truth'], quiet='error' in c['truth'])
            print('%s %s' % ('ok  ' if len(failures) == n0 else 'FAIL',
                             c['name']), flush=True)
        # all good captures in one run, in order
        t, inner = merge(good)
        check_run('all-good-in-one-run', [c['cap'] for c in good], t, inner,
                  tmp, end_reasons=('end_of_input', 'timeout'))
        # a bad file between good ones: reading stops at the fault
        first, second = by_name.get('null_tunnel_v4'), by_name.get('null_gmac')
        cut = by_name.get('bad_cut_record')
        if first and second and cut:
            t, inner = merge([first, cut])
            check_run('good+bad_cut_record+good',
                      [first['cap'], cut['cap'], second['cap']], t, inner,
                      tmp, error=True, quiet=True, bad_file=cut['cap'])
        test_fifo(good, tmp)
        sample = by_name.get('null_transport') or good[0]
        test_stdout(sample, tmp)
        test_raw_linktype(by_name.get('null_tunnel_v4') or good[0], tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print('golden: %d cases (%d bad captures), %d comparisons, %d failures'
          % (len(cases), len(bad), checks, len(failures)))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
