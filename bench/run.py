#!/usr/bin/python3
"""bench/run.py - the espvis benchmark: generate, measure, write results.md.

    bench/run.py --espvis BUILD/espvis --tools BUILD/bench [--dir DIR]
                 [--frames N] [--reps R] [--out bench/results.md]

`make bench` runs it after building espvis, gen_bench and pcap_floor.
Everything is measured in this one run, on this machine, on the same files
with the page cache warm; repetitions of the configurations are interleaved
(round robin) so that a busy neighbour slows all of them alike, and the
median is reported.  Ratios are to the I/O floor (a) and to tshark (d) and
ndpiReader (e) measured in the same run.

What espvis can be asked to do depends on the options it has when this runs:
the harness reads `espvis --help` and skips, with a note, a row it cannot
measure honestly.  BENCH_B_ARGS / BENCH_C_ARGS (environment) replace the
extra espvis arguments of rows (b) and (c).
"""
import argparse
import json
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import time

KEEP_MARK = '<!-- Everything below this line is kept by bench/run.py. -->'


def log(msg):
    print('bench: ' + msg, file=sys.stderr, flush=True)


def sh(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


class Run:
    """One process: wall time, CPU time and peak RSS.

    Peak RSS comes from GNU time (/usr/bin/time): a child forked from this
    Python process would inherit its high-water mark through exec (Linux
    keeps the larger of the two), so wait4() of a direct child reports at
    least Python's RSS.  time(1) itself adds about 1 MiB to the figure."""

    def __init__(self, argv, stdout=os.devnull):
        self.argv = argv
        res = os.path.join(ARGS.dir, 'last.time')
        pre = ['/usr/bin/time', '-f', '%M %U %S', '-o', res] \
            if os.path.exists('/usr/bin/time') else []
        with open(stdout, 'wb') as out, open(os.devnull, 'rb') as nul, \
                open(self.errfile(), 'wb') as err:
            t0 = time.perf_counter()
            p = subprocess.Popen(pre + argv, stdout=out, stderr=err,
                                 stdin=nul)
            _, status, ru = os.wait4(p.pid, 0)
            self.wall = time.perf_counter() - t0
        self.rc = os.waitstatus_to_exitcode(status)
        if self.rc != 0:
            with open(self.errfile()) as f:
                tail = f.read()[-2000:]
            raise RuntimeError('%s exited %d:\n%s' % (
                ' '.join(map(shlex.quote, argv)), self.rc, tail))
        if pre:
            m, u, s = open(res).read().split()[-3:]
            self.maxrss = int(m) * 1024
            self.cpu = float(u) + float(s)
        else:
            self.maxrss = ru.ru_maxrss * 1024       # includes Python's
            self.cpu = ru.ru_utime + ru.ru_stime

    @staticmethod
    def errfile():
        return os.path.join(ARGS.dir, 'last.stderr')


def fmt_rate(pps):
    return '%.0f k' % (pps / 1e3) if pps < 1e6 else '%.2f M' % (pps / 1e6)


def fmt_ratio(x):
    if x is None:
        return '-'
    return '%.3g×' % x


def fmt_mib(b):
    return '%.1f MiB' % (b / 2**20)


# --------------------------------------------------------------------------
# machine and versions

def machine_info():
    cpu = ''
    for line in open('/proc/cpuinfo'):
        if line.startswith('model name'):
            cpu = line.split(':', 1)[1].strip()
            break
    mem = ''
    for line in open('/proc/meminfo'):
        if line.startswith('MemTotal'):
            mem = '%.1f GiB' % (int(line.split()[1]) / 2**20)
    info = {
        'nproc': sh(['nproc']).stdout.strip(),
        'cpu': cpu,
        'memory': mem,
        'kernel': os.uname().release,
        'load': ' '.join('%.2f' % x for x in os.getloadavg()),
    }
    return info


def deb_version(pkg):
    r = sh(['dpkg-query', '-W', '-f=${Version}', pkg])
    return r.stdout.strip() if r.returncode == 0 else None


def versions(espvis):
    v = {'espvis': sh([espvis, '--version']).stdout.strip()}
    v['libpcap'] = 'libpcap0.8 ' + (deb_version('libpcap0.8') or '?')
    nd = deb_version('libndpi4.2') or deb_version('libndpi-bin')
    v['nDPI'] = 'libndpi ' + (nd or '?')
    if shutil.which('tshark'):
        v['tshark'] = sh(['tshark', '--version']).stdout.splitlines()[0]
    if shutil.which('ndpiReader'):
        v['ndpiReader'] = 'libndpi-bin ' + (deb_version('libndpi-bin') or '?')
    v['compiler'] = sh(['cc', '--version']).stdout.splitlines()[0]
    return v


# --------------------------------------------------------------------------
# generation

def generate(gen, mode, n, path, extra=()):
    t0 = time.perf_counter()
    r = sh([gen, '-m', mode, '-n', str(n), '-o', path] + list(extra))
    if r.returncode != 0:
        raise RuntimeError('gen_bench failed: ' + r.stderr)
    meta = json.loads(r.stdout)
    meta['gen_seconds'] = time.perf_counter() - t0
    return meta


def warm(paths):
    """Read the files once so that every run finds them in the page cache."""
    for p in paths:
        with open(p, 'rb') as f:
            while f.read(1 << 24):
                pass


# --------------------------------------------------------------------------
# espvis capabilities

class Espvis:
    def __init__(self, path, scratch):
        self.path = path
        self.help = sh([path, '--help']).stdout
        self.scratch = scratch
        self.notes = []

    def has(self, opt):
        return re.search(r'(^|[\s,\[])' + re.escape(opt) + r'([\s=,\]]|$)',
                         self.help, re.M) is not None

    def stats_of(self, eve_path):
        stats = None
        with open(eve_path) as f:
            for line in f:
                if '"event_type":"stats"' in line:
                    stats = json.loads(line)['stats']
        return stats

    def eve_none(self, sample):
        """Does `--eve none` mean no events (not a file named none)?"""
        here = os.getcwd()
        os.chdir(self.scratch)
        try:
            if os.path.exists('none'):
                os.unlink('none')
            r = sh([self.path, '-q', '-r', sample, '--eve', 'none'])
            ok = r.returncode == 0 and r.stdout == '' and \
                not os.path.exists('none')
            if os.path.exists('none'):
                os.unlink('none')
        finally:
            os.chdir(here)
        return ok

    def uses_ndpi(self, sample):
        """Does this build run nDPI on inner packets (stats say so)?"""
        eve = os.path.join(self.scratch, 'probe.eve.json')
        if os.path.exists(eve):
            os.unlink(eve)
        Run([self.path, '-q', '-r', sample, '--eve', eve])
        st = self.stats_of(eve) or {}
        nd = st.get('ndpi')
        return bool(nd) and nd.get('pkts', 0) > 0


def espvis_rows(ev, sample):
    """The extra arguments of rows (b) and (c), or None and why not."""
    ndpi = ev.uses_ndpi(sample)
    b_extra, b_why = [], None
    if 'BENCH_B_ARGS' in os.environ:
        b_extra = shlex.split(os.environ['BENCH_B_ARGS'])
    else:
        if ndpi:
            if ev.has('--no-ndpi'):
                b_extra.append('--no-ndpi')
            else:
                b_why = ('this espvis runs nDPI and has no option to turn '
                         'it off (`--no-ndpi` not in `espvis --help`)')
        # No outputs: --eve none when this espvis has it (no event is
        # even formatted), else the events formatted and thrown away.
        if ev.eve_none(sample):
            b_extra += ['--eve', 'none']
        elif ev.has('--no-eve'):
            b_extra.append('--no-eve')
        else:
            b_extra += ['--eve', '/dev/null']
    c_extra, c_notes = [], []
    if 'BENCH_C_ARGS' in os.environ:
        c_extra = shlex.split(os.environ['BENCH_C_ARGS'])
    else:
        rules = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                             '..', 'rules')
        if ev.has('--rules') and os.path.isdir(rules) and \
                any(f.endswith('.yaml') for f in os.listdir(rules)):
            c_extra += ['--rules', os.path.normpath(rules)]
        else:
            c_notes.append('no `--rules` option or no rules/*.yaml: '
                           'espvis\'s built-in rule set, if any')
        if not ndpi:
            c_notes.append('this espvis runs no nDPI yet')
    return ndpi, b_extra, b_why, c_extra, c_notes


# --------------------------------------------------------------------------
# measurements

class Config:
    def __init__(self, key, label, argv_fn, frames, nbytes, prep=None,
                 note=''):
        self.key, self.label = key, label
        self.argv_fn = argv_fn      # () -> argv
        self.frames, self.nbytes = frames, nbytes
        self.prep = prep            # run before each repetition
        self.note = note
        self.runs = []

    def run(self):
        if self.prep:
            self.prep()
        self.runs.append(Run(self.argv_fn()))

    @property
    def wall(self):
        return statistics.median(r.wall for r in self.runs)

    @property
    def cpu(self):
        return statistics.median(r.cpu for r in self.runs)

    @property
    def rss(self):
        return max(r.maxrss for r in self.runs)

    @property
    def pps(self):
        return self.frames / self.wall

    @property
    def gbps(self):
        return self.nbytes * 8 / self.wall / 1e9

    def cmd(self):
        return ' '.join(shlex.quote(a) for a in self.argv_fn())


def measure(configs, reps, warmup=True):
    """Round robin: rep 1 of every config, then rep 2, ..."""
    if warmup:
        for c in configs:
            c.run()
            c.runs.clear()
    for i in range(reps):
        for c in configs:
            c.run()
        log('  round %d/%d: %s' % (i + 1, reps, ', '.join(
            '%s %.2fs' % (c.key, c.runs[-1].wall) for c in configs)))


def rm_f(path):
    def f():
        if os.path.exists(path):
            os.unlink(path)
    return f


# --------------------------------------------------------------------------
# verdicts against the generator's truth

def read_truth(path):
    sas = {}
    for line in open(path):
        f = line.rstrip('\n').split('\t')
        sas[int(f[0])] = dict(src=f[1], dst=f[2], encap=f[5],
                              wesp=f[6] == '1', verdict=f[7],
                              icv=None if f[8] == '-' else int(f[8]),
                              iv=None if f[9] == '-' else int(f[9]),
                              kind=f[10], mode=f[11], pkts=int(f[12]))
    return sas


def category(t):
    if t['kind'] in ('null', 'gmac'):
        lay = 'ESP-NULL ICV %d' % t['icv'] if t['kind'] == 'null' else \
            'ESP-NULL GMAC (IV 8, ICV 16)'
    else:
        lay = 'encrypted ' + ('AES-CBC+HMAC' if t['kind'] == 'cbc'
                              else 'AES-GCM')
    how = 'WESP' if t['wesp'] else 'ESP'
    if t['encap'] == 'udp':
        how += ' in UDP'
    return lay, how


def check_verdicts(truth, eve_path):
    got = {}
    with open(eve_path) as f:
        for line in f:
            if '"event_type":"esp"' not in line:
                continue
            e = json.loads(line)
            if e['esp'].get('event') == 'end':
                got[e['esp']['spi']] = e['esp']
    rows = {}
    bad = []
    for spi, t in sorted(truth.items()):
        lay, how = category(t)
        r = rows.setdefault(lay, dict(n=0, ok=0, null=0, encrypted=0,
                                      undecided=0, missing=0, how={}))
        r['n'] += 1
        r['how'][how] = r['how'].get(how, 0) + 1
        g = got.get(spi)
        if g is None:
            r['missing'] += 1
            bad.append((spi, t, None))
            continue
        r[g['verdict']] += 1
        ok = g['verdict'] == t['verdict'] and (
            t['verdict'] != 'null' or
            (g.get('icv_len') == t['icv'] and g.get('iv_len') == t['iv']))
        if ok:
            r['ok'] += 1
        else:
            bad.append((spi, t, g))
    extra = len(set(got) - set(truth))
    return rows, bad, extra


# --------------------------------------------------------------------------
# profiles

STAGES = ['capture_next', 'decode_packet', 'detect_packet',
          'flow_table_packet', 'dpi_packet', 'rules_match', 'eve_write_esp',
          'eve_write_flow', 'eve_write_alert', 'innerpcap_write',
          'pipeline_new', 'pipeline_finish', 'pipeline_free']


def callgrind_top(espvis_argv, out, n=15):
    """Top functions by own instructions, and the inclusive cost of the
    pipeline's stages (whichever of STAGES this build has)."""
    if not shutil.which('valgrind'):
        return None
    cmd = ['valgrind', '--tool=callgrind', '--callgrind-out-file=' + out] + \
        espvis_argv
    r = sh(cmd)
    if r.returncode != 0:
        return None
    ann = sh(['callgrind_annotate', '--threshold=99', out]).stdout
    total = None
    rows = []
    for line in ann.splitlines():
        m = re.match(r'\s*([\d,]+)\s+\(100\.0%\)\s+PROGRAM TOTALS', line)
        if m:
            total = int(m.group(1).replace(',', ''))
        m = re.match(r'\s*([\d,]+)\s+\(\s*([\d.]+)%\)\s+(\S+?):(\S+)', line)
        if m and total:
            fn = re.sub(r'\s.*', '', m.group(4))
            obj = os.path.basename(m.group(3))
            rows.append((float(m.group(2)), int(m.group(1).replace(',', '')),
                         fn, obj))
    inc = sh(['callgrind_annotate', '--inclusive=yes', '--threshold=100',
              '--auto=no', out]).stdout
    stages = {}
    for line in inc.splitlines():
        m = re.match(r'\s*([\d,]+)\s+\(\s*([\d.]+)%\)\s+\S+?:(\w+)', line)
        if m and m.group(3) in STAGES:
            stages[m.group(3)] = max(stages.get(m.group(3), 0.0),
                                     float(m.group(2)))
    return total, rows[:n], stages


def perf_top(argv, out, n=20):
    """perf with the software cpu-clock (no hardware counters here)."""
    if not shutil.which('perf'):
        return None
    r = sh(['perf', 'record', '-q', '-e', 'cpu-clock', '-F', '4000', '-o',
            out, '--'] + argv)
    if r.returncode != 0:
        return None
    rep = sh(['perf', 'report', '-i', out, '--no-children', '--stdio',
              '--sort', 'dso,symbol'])
    rows = []
    for line in rep.stdout.splitlines():
        m = re.match(r'\s*([\d.]+)%\s+(\S+)\s+\[(.)\]\s+(\S+)', line)
        if m:
            rows.append((float(m.group(1)), m.group(4),
                         m.group(2), m.group(3)))
    return rows[:n]


# --------------------------------------------------------------------------
# the run

def slope(xs, ys):
    mx, my = statistics.mean(xs), statistics.mean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument('--espvis', required=True)
    ap.add_argument('--tools', required=True,
                    help='directory of gen_bench and pcap_floor')
    ap.add_argument('--dir', default='/tmp/espvis-bench')
    ap.add_argument('--frames', type=int, default=1200000)
    ap.add_argument('--reps', type=int, default=5)
    ap.add_argument('--scale', default='10000,100000,1000000')
    ap.add_argument('--no-profile', action='store_true')
    ap.add_argument('--out', default=None)
    ARGS = ap.parse_args()
    A = ARGS
    t_start = time.perf_counter()
    os.makedirs(A.dir, exist_ok=True)
    espvis = os.path.abspath(A.espvis)
    gen = os.path.join(A.tools, 'gen_bench')
    floor = os.path.join(A.tools, 'pcap_floor')
    out_md = A.out or os.path.join(os.path.dirname(os.path.abspath(
        __file__)), 'results.md')
    notes = []

    info = machine_info()
    vers = versions(espvis)

    # ---- files
    N = A.frames
    tenth = N // 10
    big = os.path.join(A.dir, 'bench.pcap')
    head = os.path.join(A.dir, 'bench-head10.pcap')
    tail = os.path.join(A.dir, 'bench-tail10.pcap')
    half = os.path.join(A.dir, 'bench-half.pcap')
    prof = os.path.join(A.dir, 'bench-mid100k.pcap')
    truth = os.path.join(A.dir, 'truth.tsv')
    log('generating %d frames into %s' % (N, A.dir))
    meta = generate(gen, 'mixed', N, big, [
        '-T', truth,
        '-x', '0:%d:%s' % (tenth, head),
        '-x', '%d:%d:%s' % (N - tenth, tenth, tail),
        '-x', '0:%d:%s' % (N // 2, half),
        '-x', '%d:%d:%s' % (max(0, N // 2 - 50000), min(100000, N), prof)])
    sl = {os.path.basename(s['file']): s for s in meta['slices']}
    fhead, ftail = sl[os.path.basename(head)], sl[os.path.basename(tail)]
    fhalf = sl[os.path.basename(half)]
    # Determinism: the same seed gives the same bytes (a 20k-frame check).
    d1, d2 = os.path.join(A.dir, 'det1.pcap'), os.path.join(A.dir, 'det2.pcap')
    generate(gen, 'mixed', 20000, d1)
    generate(gen, 'mixed', 20000, d2)
    same = open(d1, 'rb').read() == open(d2, 'rb').read()
    os.unlink(d1)
    os.unlink(d2)
    log('generated %.0f MB in %.1fs (deterministic: %s)' % (
        meta['file_bytes'] / 1e6, meta['gen_seconds'], same))
    warm([big, head, tail, half])

    ev = Espvis(espvis, A.dir)
    ndpi, b_extra, b_why, c_extra, c_notes = espvis_rows(ev, prof)
    notes += c_notes
    eve_c = os.path.join(A.dir, 'eve-c.json')

    # ---- verdicts (and the -w output) of one full run
    log('verdict check')
    rm_f(eve_c)()
    Run([espvis, '-q', '-r', big, '--eve', eve_c, '-w', '/dev/null'] +
        c_extra)
    truth_sas = read_truth(truth)
    vrows, vbad, vextra = check_verdicts(truth_sas, eve_c)
    cstats = ev.stats_of(eve_c)

    # ---- main table
    def espvis_argv(f, extra, eve=None, w=None):
        a = [espvis, '-q', '-r', f]
        if eve:
            a += ['--eve', eve]
        if w:
            a += ['-w', w]
        return a + extra

    configs = []
    fl = meta['frames']
    nb = meta['caplen_bytes']
    a_cfg = Config('a', '(a) I/O floor: libpcap read loop, espvis\'s I/O '
                   '(bench/pcap_floor)', lambda: [floor, big], fl, nb)
    a0_cfg = Config('a0', '(a0) the same loop, libpcap opening the file '
                    '(4 KiB reads)', lambda: [floor, '-b', '0', big], fl, nb)
    configs += [a_cfg, a0_cfg]
    skipped = []
    if b_why is None:
        b_cfg = Config('b', '(b) espvis: heuristics + inner decoding, no '
                       'nDPI, no outputs',
                       lambda: espvis_argv(big, b_extra), fl, nb)
        configs.append(b_cfg)
    else:
        b_cfg = None
        skipped.append(('(b) espvis without nDPI and outputs', b_why))
    c_cfg = Config('c', '(c) espvis full: nDPI, rules, EVE to a file, '
                   '-w /dev/null',
                   lambda: espvis_argv(big, c_extra, eve_c, '/dev/null'),
                   fl, nb, prep=rm_f(eve_c))
    configs.append(c_cfg)
    w_cfgs = []
    if ev.has('--workers'):
        for w in (1, 2):
            cw = Config('c%dw' % w, '(c) with --workers %d' % w,
                        (lambda w=w: espvis_argv(big, c_extra + [
                            '--workers', str(w)], eve_c, '/dev/null')),
                        fl, nb, prep=rm_f(eve_c))
            w_cfgs.append(cw)
            configs.append(cw)
    else:
        skipped.append(('espvis with 1 and 2 workers',
                        '`--workers` not in `espvis --help`'))
    tshark_pre = fhead
    d_cfg = e_cfg = None
    if shutil.which('tshark'):
        d_cfg = Config('d', '(d) tshark -T fields -e esp.spi, ESP-NULL '
                       'heuristic on (first tenth of the file)',
                       lambda: ['tshark', '-r', head, '-o',
                                'esp.enable_null_encryption_decode_'
                                'heuristic:TRUE', '-T', 'fields', '-e',
                                'esp.spi'],
                       tshark_pre['frames'], tshark_pre['caplen_bytes'])
        configs.append(d_cfg)
    else:
        skipped.append(('(d) tshark', 'tshark not installed'))
    if shutil.which('ndpiReader'):
        e_cfg = Config('e', '(e) ndpiReader -i FILE (Debian libndpi-bin)',
                       lambda: ['ndpiReader', '-i', big], fl, nb)
        configs.append(e_cfg)
    else:
        skipped.append(('(e) ndpiReader', 'libndpi-bin not installed'))
    log('main table: %d configurations x %d repetitions' % (
        len(configs), A.reps))
    measure(configs, A.reps)

    # ---- flatness: first and last tenth, and memory against length
    log('first and last tenth')
    flat = []
    for key, extra, eve in (('b', b_extra, None),
                            ('c', c_extra, eve_c)):
        if key == 'b' and b_cfg is None:
            continue
        for name, f, m in (('first tenth', head, fhead),
                           ('last tenth', tail, ftail),
                           ('first half', half, fhalf)):
            flat.append(Config('%s-%s' % (key, name), '(%s) %s' % (key, name),
                               (lambda f=f, extra=extra, eve=eve:
                                espvis_argv(f, extra, eve,
                                            '/dev/null' if eve else None)),
                               m['frames'], m['caplen_bytes'],
                               prep=rm_f(eve_c) if eve else None))
    measure(flat, A.reps)

    # ---- scale: memory per SA and per flow
    scale_ns = [int(x) for x in A.scale.split(',')]
    scale = {'sas': [], 'flows': []}
    max_flows_opt = ev.has('--max-flows')
    flows_cfg = None
    if not max_flows_opt and (ev.has('--config') or ev.has('-c')):
        # The configuration file's flows.max_flows, if this build takes it.
        flows_cfg = os.path.join(A.dir, 'flows-%d.yaml')
        probe = flows_cfg % 1000
        with open(probe, 'w') as f:
            f.write('flows:\n  max_flows: 1000\n')
        try:
            Run([espvis, '-q', '-c', probe, '-r', prof, '--eve',
                 '/dev/null'])
        except RuntimeError as e:
            log('no flows.max_flows in the configuration: %s' % e)
            flows_cfg = None
    if not max_flows_opt and flows_cfg is None:
        notes.append('no `--max-flows` option and no configuration key for '
                     'it: the flow scale runs use the default flow table, '
                     'so flows beyond its size are evicted and the slope '
                     'stops growing there')
    for mode in ('sas', 'flows'):
        for n in scale_ns:
            f = os.path.join(A.dir, 'scale-%s-%d.pcap' % (mode, n))
            m = generate(gen, mode, n, f)
            warm([f])
            for key, extra in (('b', b_extra), ('c', c_extra)):
                if key == 'b' and b_cfg is None:
                    continue
                size = ['--max-sas', str(max(n, 1)), '--decide-pkts', '1'] \
                    if mode == 'sas' else []
                if mode == 'flows' and max_flows_opt:
                    size = ['--max-flows', str(max(n, 1))]
                elif mode == 'flows' and flows_cfg:
                    with open(flows_cfg % n, 'w') as cf:
                        cf.write('flows:\n  max_flows: %d\n' % n)
                    size = ['-c', flows_cfg % n]
                eve = eve_c if key == 'c' else None
                cfg = Config('%s-%s-%d' % (key, mode, n), '', (
                    lambda f=f, extra=extra, size=size, eve=eve:
                    espvis_argv(f, extra + size, eve,
                                '/dev/null' if eve else None)),
                    m['frames'], m['caplen_bytes'],
                    prep=rm_f(eve_c) if eve else None)
                measure([cfg], 3, warmup=False)
                scale[mode].append((key, n, cfg))
            os.unlink(f)
    log('scale done')

    # ---- profiles
    prof_c = prof_b = perf_c = None
    if not A.no_profile:
        log('profiles (callgrind on 100k frames from the middle, perf '
            'cpu-clock on the whole file)')
        perf_ok = sh(['perf', 'stat', '-e', 'instructions', 'true'])
        perf_hw = perf_ok.returncode == 0 and \
            'not supported' not in perf_ok.stderr
        notes.append('`perf stat -e instructions true`: %s' % (
            'works' if perf_hw else 'hardware counters not supported '
            'here, so the reference profile is callgrind (instructions) '
            'on a 100k-frame slice; perf with the software cpu-clock '
            'event gives the time profile of the whole file'))
        rm_f(eve_c)()
        prof_c = callgrind_top(espvis_argv(prof, c_extra, eve_c,
                                           '/dev/null'),
                               os.path.join(A.dir, 'callgrind.c.out'))
        if b_cfg is not None:
            prof_b = callgrind_top(espvis_argv(prof, b_extra),
                                   os.path.join(A.dir, 'callgrind.b.out'))
        rm_f(eve_c)()
        perf_c = perf_top(espvis_argv(big, c_extra, eve_c, '/dev/null'),
                          os.path.join(A.dir, 'perf.c.data'))

    elapsed = time.perf_counter() - t_start
    write_results(out_md, locals())
    log('wrote %s (%.0f s in all)' % (out_md, elapsed))


# --------------------------------------------------------------------------
# results.md

def write_results(path, v):
    A = v['A']
    meta, info, vers = v['meta'], v['info'], v['vers']
    a, a0, d, e = v['a_cfg'], v['a0_cfg'], v['d_cfg'], v['e_cfg']
    b, c = v['b_cfg'], v['c_cfg']
    L = []
    w = L.append
    w('# espvis benchmark results')
    w('')
    w('Written by `bench/run.py` (`make bench`) on %s, in %.0f s.  All '
      'figures come from this one run on this machine: medians of %d '
      'interleaved repetitions, page cache warm.  Rates are frames per '
      'second and captured bits per second of the file each tool read.' % (
          time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()), v['elapsed'],
          A.reps))
    w('')
    w('## Machine and versions')
    w('')
    w('| | |')
    w('| --- | --- |')
    w('| CPUs (nproc) | %s |' % info['nproc'])
    w('| CPU | %s |' % info['cpu'])
    w('| memory | %s |' % info['memory'])
    w('| kernel | %s |' % info['kernel'])
    w('| load average at start | %s |' % info['load'])
    for k, val in vers.items():
        w('| %s | %s |' % (k, val))
    w('')
    w('## The capture')
    w('')
    w('`gen_bench -m mixed -n %d` (seed %d): %d frames, %.0f MB (%.0f MB '
      'captured bytes, %.0f bytes a frame on average), written in %.1f s; '
      'the same arguments give the same bytes (checked: %s).  %d tunnels '
      '(%d SAs), %d inner flows over the file (%d of them plain background '
      'flows), %d IPsec frames, %d plain frames, %d IKE and NAT-keepalive '
      'frames.  See the top of `bench/gen_bench.c` for the mix.' % (
          meta['frames'], meta['seed'], meta['frames'],
          meta['file_bytes'] / 1e6, meta['caplen_bytes'] / 1e6,
          meta['caplen_bytes'] / meta['frames'], meta['gen_seconds'],
          'yes' if v['same'] else 'NO', meta['tunnels'],
          len(v['truth_sas']), meta['flows'], meta['plain_flows'],
          meta['ipsec_frames'], meta['plain_frames'], meta['other_frames']))
    w('')
    w('### Verdicts: espvis against the generator')
    w('')
    rows, bad, extra = v['vrows'], v['vbad'], v['vextra']
    w('| SA layout | SAs | carried as | as generated | null | encrypted | '
      'undecided | no event |')
    w('| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |')
    tot = dict(n=0, ok=0)
    for lay in sorted(rows):
        r = rows[lay]
        tot['n'] += r['n']
        tot['ok'] += r['ok']
        how = ', '.join('%s %d' % (h, n) for h, n in sorted(r['how'].items()))
        w('| %s | %d | %s | %d | %d | %d | %d | %d |' % (
            lay, r['n'], how, r['ok'], r['null'], r['encrypted'],
            r['undecided'], r['missing']))
    w('| **all** | **%d** | | **%d** | | | | |' % (tot['n'], tot['ok']))
    w('')
    w('%d of %d SAs got the verdict (and, for ESP-NULL, the ICV and IV '
      'lengths) they were generated with; %d SAs espvis reported that the '
      'generator did not make.' % (tot['ok'], tot['n'], extra))
    for spi, t, g in bad[:10]:
        w('- SPI %d (%s %s): espvis said %s' % (
            spi, t['kind'], t['verdict'],
            'nothing' if g is None else json.dumps(
                {k: g.get(k) for k in ('verdict', 'icv_len', 'iv_len',
                                       'method')})))
    st = v['cstats']
    if st:
        pk = st['packets']
        w('')
        w('espvis stats of that run: %d read, %d decoded, skipped %s; '
          'inner packets found %d, written %d.' % (
              pk['read'], pk['decoded'], ', '.join(
                  '%s %d' % (k, n) for k, n in pk['skipped'].items() if n),
              st['inner']['found'], st['inner']['written']) +
          (' Inner flows %d, nDPI detected %d.' % (
              st['flow']['created'], st['ndpi']['detected'])
           if 'flow' in st and 'ndpi' in st else ''))
    w('')
    w('## Throughput')
    w('')
    w('| run | frames/s | Gbit/s | CPU s | peak RSS | × (a) | × (d) tshark '
      '| × (e) ndpiReader |')
    w('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
    allc = [x for x in [a, a0, b, c] + v['w_cfgs'] + [d, e]
            if x is not None]
    for x in allc:
        w('| %s | %s | %.2f | %.2f | %s | %s | %s | %s |' % (
            x.label, fmt_rate(x.pps), x.gbps, x.cpu, fmt_mib(x.rss),
            fmt_ratio(x.pps / a.pps),
            fmt_ratio(x.pps / d.pps) if d else '-',
            fmt_ratio(x.pps / e.pps) if e else '-'))
    for what, why in v['skipped']:
        w('| %s | skipped: %s | | | | | | |' % (what, why))
    w('')
    if d:
        w('tshark reads the first tenth of the file (%d frames) to keep '
          '`make bench` short; its rate is that of the prefix.' %
          v['tshark_pre']['frames'])
    w('')
    w('Commands (the file is `%s`, first tenth `%s`):' % (
        v['big'], v['head']))
    w('')
    w('```')
    for x in allc:
        w('%s  # %s' % (x.cmd(), x.key))
    w('```')
    w('')

    # flatness
    flat = {x.key: x for x in v['flat']}
    w('## Time per packet as the capture grows')
    w('')
    w('| run | first tenth | last tenth | last / first | first half | whole '
      'file |')
    w('| --- | ---: | ---: | ---: | ---: | ---: |')
    for key, whole in (('b', b), ('c', c)):
        if whole is None:
            continue
        f1, f2 = flat['%s-first tenth' % key], flat['%s-last tenth' % key]
        fh = flat['%s-first half' % key]
        w('| (%s) frames/s | %s | %s | %.2f | %s | %s |' % (
            key, fmt_rate(f1.pps), fmt_rate(f2.pps), f2.pps / f1.pps,
            fmt_rate(fh.pps), fmt_rate(whole.pps)))
        w('| (%s) peak RSS | %s | %s | %.2f | %s | %s |' % (
            key, fmt_mib(f1.rss), fmt_mib(f2.rss), f2.rss / f1.rss,
            fmt_mib(fh.rss), fmt_mib(whole.rss)))
    if d and 'c-first tenth' in flat:
        w('')
        w('On the same file as tshark (the first tenth), (c) runs at %s '
          'frames/s: %.1f× tshark.' % (
              fmt_rate(flat['c-first tenth'].pps),
              flat['c-first tenth'].pps / d.pps))
    w('')

    # scale
    w('## Memory per SA and per inner flow')
    w('')
    w('Small captures (`gen_bench -m sas|flows -n N`): N distinct ESP-NULL '
      'SAs with one packet each (its inner packet a last IPv4 fragment: '
      'decided null on it with `--decide-pkts 1`, and no inner flow), or N '
      'distinct inner UDP flows of one packet over 64 SAs.  SA runs get '
      '`--max-sas N`%s.  Peak RSS, max of 3 runs; the slope is the least-'
      'squares fit over N.' % (
          ', flow runs `--max-flows N`' if v['max_flows_opt'] else
          ', flow runs `-c` with `flows: {max_flows: N}`' if v['flows_cfg']
          else ''))
    w('')
    w('| capture | run | ' + ' | '.join('N = %d' % n for n in v['scale_ns'])
      + ' | bytes per unit (slope) |')
    w('| --- | --- | ' + ' | '.join('---:' for _ in v['scale_ns']) +
      ' | ---: |')
    slopes = {}
    for mode in ('sas', 'flows'):
        for key in ('b', 'c'):
            pts = [(n, cfg) for k, n, cfg in v['scale'][mode] if k == key]
            if not pts:
                continue
            s = slope([n for n, _ in pts], [cfg.rss for _, cfg in pts])
            slopes[(mode, key)] = s
            w('| %s | (%s) | %s | %.0f |' % (
                'SAs' if mode == 'sas' else 'inner flows', key,
                ' | '.join('%s, %s/s' % (fmt_mib(cfg.rss), fmt_rate(cfg.pps))
                           for _, cfg in pts), s))
    w('')

    # targets
    w('## Targets')
    w('')
    w('| target | measured | met |')
    w('| --- | --- | --- |')

    def tgt(name, val, ok):
        w('| %s | %s | %s |' % (name, val, '-' if ok is None else
                                ('yes' if ok else '**no**')))
    if b:
        r = b.pps / a.pps
        tgt('(b) ≥ 60% of (a)\'s frames/s', '%.0f%% (%.0f%% of (a0))' % (
            100 * r, 100 * b.pps / a0.pps), r >= 0.6)
    else:
        tgt('(b) ≥ 60% of (a)\'s frames/s', 'not measured (see above)', None)
    if e:
        r = c.pps / e.pps
        tgt('(c) ≥ 3× ndpiReader\'s frames/s', '%.2f×' % r, r >= 3)
    if d:
        r = c.pps / d.pps
        rp = flat['c-first tenth'].pps / d.pps
        tgt('(c) ≥ 30× tshark\'s frames/s', '%.1f× (same prefix: %.1f×)' % (
            r, rp), min(r, rp) >= 30)
    if v['w_cfgs']:
        r = v['w_cfgs'][1].pps / v['w_cfgs'][0].pps
        tgt('2 workers ≥ 1.7× one worker', '%.2f×' % r, r >= 1.7)
    else:
        tgt('2 workers ≥ 1.7× one worker', 'no `--workers` option', None)
    s = slopes.get(('sas', 'b'), slopes.get(('sas', 'c')))
    if s is not None:
        tgt('≤ 256 bytes per decided SA', '%.0f bytes (RSS slope)' % s,
            s <= 256)
    fs = slopes.get(('flows', 'c'))
    if fs is not None:
        tgt('bytes per inner flow (no target)', '%.0f bytes' % fs, None)
    for key, whole in (('b', b), ('c', c)):
        if whole is None:
            continue
        # The flow table fills during the first seconds of the capture
        # (flows end by FIN or after 120 s idle), so the number of live
        # flows is steady from the first half on, not in the first tenth.
        f1 = flat['%s-first tenth' % key]
        fh = flat['%s-first half' % key]
        r = whole.rss / fh.rss
        tgt('(%s) peak RSS flat with capture length' % key,
            'whole file %s, first half %s (%.2f×); first tenth %s' % (
                fmt_mib(whole.rss), fmt_mib(fh.rss), r, fmt_mib(f1.rss)),
            r <= 1.1)
        f2 = flat['%s-last tenth' % key]
        r = f2.pps / flat['%s-first tenth' % key].pps
        tgt('(%s) time per packet flat (last tenth / first tenth rate)' % key,
            '%.2f' % r, r >= 0.9)
    w('')
    if v['notes']:
        w('Notes:')
        w('')
        for n in v['notes']:
            w('- ' + n)
        w('')

    # profiles
    w('## Profile')
    w('')
    for name, pr in (('(c)', v['prof_c']), ('(b)', v['prof_b'])):
        if not pr:
            continue
        total, rows_, stages = pr
        w('callgrind, %s on 100k frames from the middle of the file '
          '(`bench-mid100k.pcap`): %.2f G instructions in all, %.0f a '
          'frame.' % (name, total / 1e9, total / 1e5))
        if stages:
            w('')
            w('Inclusive share of the stages: ' + ', '.join(
                '`%s` %.1f%%' % (k, stages[k]) for k in STAGES
                if k in stages) + '.')
        w('')
        w('Top functions by own instructions:')
        w('')
        w('| own Ir | function | object |')
        w('| ---: | --- | --- |')
        for pct, _, fn, obj in rows_:
            w('| %.1f%% | `%s` | %s |' % (pct, fn, obj))
        w('')
    if v['perf_c']:
        w('perf record -e cpu-clock, (c) on the whole file; top symbols by '
          'own samples ([k] kernel):')
        w('')
        w('| samples | symbol | object |')
        w('| ---: | --- | --- |')
        for pct, sym, dso, k in v['perf_c']:
            w('| %.1f%% | `%s`%s | %s |' % (pct, sym, ' [k]' if k == 'k'
                                            else '', dso))
        w('')

    kept = ''
    if os.path.exists(path):
        old = open(path).read()
        if KEEP_MARK in old:
            kept = old.split(KEEP_MARK, 1)[1]
    w(KEEP_MARK)
    text = '\n'.join(L) + (kept if kept else '\n')
    with open(path, 'w') as f:
        f.write(text)


if __name__ == '__main__':
    main()
