#!/usr/bin/env python3
"""espvis on the committed strongSwan captures (pcaps/strongswan/*.pcap).

Each capture was made by tests/strongswan/make-captures.sh (real strongSwan
5.9.8 peers, kernel-libipsec, ESP in UDP 4500) and has a truth file next to
it.  For every capture: run `$ESPVIS -r X.pcap --eve OUT -w INNER`, check each
SA's final esp event (verdict, icv_len/iv_len for ESP-NULL, tuple, packets)
and that the inner pcap holds the traffic sent through the ESP-NULL SAs.
ESPVIS defaults to build/espvis.  Exit 0 pass, 1 fail.
"""
import glob
import os
import sys

top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(top, 'tests', 'strongswan'))
import check_sas  # noqa: E402

pcaps = sorted(glob.glob(os.path.join(top, 'pcaps', 'strongswan', '*.pcap')))
if not pcaps:
    print('FAIL: no captures in pcaps/strongswan (tests/strongswan/make-captures.sh makes them)')
    sys.exit(1)
missing = [p for p in pcaps if not os.path.exists(p[:-5] + '.truth.json')]
if missing:
    print('FAIL: captures without a truth file: ' + ', '.join(missing))
    sys.exit(1)
sys.exit(check_sas.run(pcaps, os.environ.get('ESPVIS') or os.path.join(top, 'build', 'espvis'),
                       os.environ.get('KEEP_OUTPUT')))
