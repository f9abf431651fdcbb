#!/usr/bin/env python3
"""SIGHUP reloads the rules between packets.

espvis reads a capture from a pipe that this script feeds one packet at
a time, so it is still running when the rule file is changed:

1. start with a good set of 2 rules;
2. replace the file with a broken one and send SIGHUP: the reload is
   refused with FILE:LINE:COL on stderr, the 2 rules stay;
3. replace it with a good set of 3 rules and send SIGHUP: reloaded, 3;
4. a SIGHUP with the same good set again: reloaded, still 3.

Each reload happens when the next packet arrives, so after each SIGHUP a
packet is written and the script waits for espvis to say what it did.
"""
import fcntl
import os
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import evelib  # noqa: E402

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
ESPVIS = os.environ.get('ESPVIS', os.path.join(TOP, 'build', 'espvis'))
TIMEOUT = 20

GOOD2 = """- id: 1
  msg: encrypted
  action: alert
  match:
    esp: encrypted
- id: 2
  msg: telnet
  action: alert
  match:
    app: Telnet
"""

BAD = """- id: 1
  msg: encrypted
  action: alert
  match:
    esp: encrypted
    colour: blue
"""

GOOD3 = GOOD2 + """- id: 3
  msg: undecided
  action: alert
  match:
    esp: undecided
"""


def fail(msg):
    print('FAIL: ' + msg)
    sys.exit(1)


def pcap_records(path):
    """The global header and each record (header + data) of a pcap."""
    with open(path, 'rb') as f:
        data = f.read()
    magic = data[:4]
    endian = '<' if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1') else '>'
    off = 24
    records = []
    while off + 16 <= len(data):
        caplen = struct.unpack(endian + 'I', data[off + 8:off + 12])[0]
        records.append(data[off:off + 16 + caplen])
        off += 16 + caplen
    return data[:24], records


def replace(path, text):
    """Replace the file the way an editor or deployment does: rename."""
    tmp = path + '.new'
    with open(tmp, 'w') as f:
        f.write(text)
    os.rename(tmp, path)


def wait_for_handler(pid):
    """Wait until espvis catches SIGHUP (else the signal would kill it)."""
    deadline = time.time() + TIMEOUT
    while time.time() < deadline:
        with open('/proc/%d/status' % pid) as f:
            for line in f:
                if line.startswith('SigCgt:') and \
                        int(line.split()[1], 16) & (1 << (signal.SIGHUP - 1)):
                    return
        time.sleep(0.02)
    fail('espvis never installed its SIGHUP handler')


def wait_drained(pipe):
    """Wait until the reader has taken every byte written to pipe."""
    deadline = time.time() + TIMEOUT
    while time.time() < deadline:
        left = struct.unpack('i', fcntl.ioctl(pipe.fileno(), termios.FIONREAD,
                                               b'\0\0\0\0'))[0]
        if left == 0:
            return
        time.sleep(0.02)
    fail('espvis did not read its input within %ds' % TIMEOUT)


def wait_for(errpath, needle, count=1):
    """Wait until stderr holds needle count times; return stderr."""
    deadline = time.time() + TIMEOUT
    while time.time() < deadline:
        with open(errpath) as f:
            text = f.read()
        if text.count(needle) >= count:
            return text
        time.sleep(0.05)
    with open(errpath) as f:
        fail('no %r (x%d) on stderr within %ds:\n%s' %
             (needle, count, TIMEOUT, f.read()))


def main():
    header, records = pcap_records(os.path.join(TOP, 'pcaps', 'demo.pcap'))
    if len(records) < 6:
        fail('demo.pcap has too few packets')
    with tempfile.TemporaryDirectory() as tmp:
        rules = os.path.join(tmp, 'live.yaml')
        errpath = os.path.join(tmp, 'stderr')
        eve = os.path.join(tmp, 'eve.json')
        replace(rules, GOOD2)
        with open(errpath, 'w') as err:
            p = subprocess.Popen([ESPVIS, '-r', '-', '--rules', rules,
                                  '--eve', eve], stdin=subprocess.PIPE,
                                 stdout=subprocess.DEVNULL, stderr=err)
        try:
            wait_for_handler(p.pid)
            p.stdin.write(header + records[0])
            p.stdin.flush()
            # espvis reads its input only after loading the rules: once
            # the pipe is drained, the startup load is over and a SIGHUP
            # is a reload (a slow sanitizer start must not race it).
            wait_drained(p.stdin)

            replace(rules, BAD)
            p.send_signal(signal.SIGHUP)
            p.stdin.write(records[1])
            p.stdin.flush()
            text = wait_for(errpath, 'rules reload refused')
            if 'keeping the 2 rules in use' not in text:
                fail('refused reload does not keep the 2 rules:\n' + text)
            if '%s:6:5: unknown key \'colour\'' % rules not in text:
                fail('refused reload lacks FILE:LINE:COL:\n' + text)
            if 'rules reloaded' in text:
                fail('a broken set was reported reloaded:\n' + text)

            replace(rules, GOOD3)
            p.send_signal(signal.SIGHUP)
            p.stdin.write(records[2])
            p.stdin.flush()
            wait_for(errpath, 'rules reloaded: 3 rules')

            p.send_signal(signal.SIGHUP)
            p.stdin.write(records[3])
            p.stdin.flush()
            wait_for(errpath, 'rules reloaded: 3 rules', 2)

            for r in records[4:]:
                p.stdin.write(r)
            p.stdin.close()
            rc = p.wait(timeout=TIMEOUT)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        with open(errpath) as f:
            text = f.read()
        if rc != 0:
            fail('espvis exit %d:\n%s' % (rc, text))
        if text.count('rules reload refused') != 1:
            fail('want exactly one refused reload:\n' + text)
        if 'packets read' not in text or \
                '%d packets read' % len(records) not in text:
            fail('summary does not count every packet:\n' + text)
        with open(eve) as f:
            if '"event_type":"stats"' not in f.read():
                fail('no final stats event')
        if evelib.check_all_accounting(evelib.read_eve(eve), eve) < 1:
            fail('no stats event to check the accounting of')
    print('rules reload: ok (refused bad set, loaded 3, reloaded again)')


if __name__ == '__main__':
    main()
