#!/usr/bin/python3
"""Generate the golden captures of pcaps/gen/ and their exact truth.

    tests/gen/gen_captures.py [OUTDIR]        (default: pcaps/gen of this tree)

For every case this writes OUTDIR/<case>.pcap (or .pcapng), <case>.truth.json
and <case>.inner.pcap.  The truth is what the generator built, never what
espvis says: packets read, decoded, skipped by reason, every security
association (outer tuple, SPI, WESP, verdict, ICV and IV length of ESP-NULL
SAs, packet count, sequence numbers) and the inner packets an ESP-NULL SA
carried, as espvis must write them with -w (link type Ethernet).

Deterministic: every random byte comes from a random.Random seeded with the
case name, timestamps are fixed (case k starts at 2026-11-26T12:00:00Z + 10 k
seconds, one frame a millisecond), so two runs give byte-identical files
(tests/integration/test_gen_reproducible.sh checks it).

The crypto is real: HMAC-SHA1-96, HMAC-SHA2 (RFC 4868) and HMAC-SHA256
truncated to 64 bits for the ICVs, AES-GMAC (RFC 4543) for
ENCR_NULL_AUTH_AES_GMAC, AES-CBC and AES-GCM (RFC 4106) for the encrypted
negatives.  Needs python3-scapy (inner packets) and python3-cryptography.
tests/gen/README.md describes every case.
"""
import hashlib
import hmac
import ipaddress
import json
import os
import random
import struct
import sys
import zlib

try:
    from scapy.config import conf as scapy_conf
    from scapy.layers.inet import ICMP, IP, TCP, UDP
    from scapy.layers.inet6 import (ICMPv6EchoReply, ICMPv6EchoRequest,
                                    IPv6)
    from scapy.layers.l2 import GRE
    from scapy.layers.sctp import SCTP, SCTPChunkData, SCTPChunkSACK
    from scapy.packet import Raw
    from cryptography.hazmat.primitives.ciphers import (Cipher, algorithms,
                                                        modes)
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
except ImportError as e:       # pragma: no cover
    sys.stderr.write("gen_captures.py needs python3-scapy and "
                     "python3-cryptography: %s\n" % e)
    sys.exit(2)

scapy_conf.verb = 0

LT_NULL, LT_ETH, LT_RAW, LT_80211, LT_SLL, LT_SLL2 = 0, 1, 101, 105, 113, 276
T_BASE = 1795694400            # 2026-11-26T12:00:00Z
SNAPLEN = 262144

# ICV length -> (hash, bytes kept).  RFC 2404 (SHA1-96), RFC 4868 (SHA2),
# and HMAC-SHA256 truncated to 64 bits (ICV 8).  ICV 0 is NULL auth.
HMACS = {8: 'sha256', 12: 'sha1', 16: 'sha256', 24: 'sha384', 32: 'sha512'}

SKIP_REASONS = ('unsupported_linktype', 'not_ip', 'not_ipsec', 'ike',
                'natt_keepalive', 'fragment_held', 'fragment_invalid',
                'truncated', 'malformed_l2', 'malformed_ip', 'malformed_udp',
                'malformed_esp', 'wesp_invalid', 'too_deep')

# The (IV, ICV) layouts DESIGN.md section 3 has espvis try.
CANDIDATES = [(0, 0), (0, 8), (0, 12), (0, 16), (0, 24), (0, 32), (8, 16)]

ALL_SPIS = set()


# --- bytes ------------------------------------------------------------------

def ip_bytes(a):
    return ipaddress.ip_address(a).packed


def ip_ver(a):
    return ipaddress.ip_address(a).version


def csum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ip4(src, dst, proto, payload, tos=0, ttl=64, ident=0, df=False,
        mf=False, off8=0, options=b'', total=None, ihl=None):
    assert len(options) % 4 == 0
    hl = 5 + len(options) // 4 if ihl is None else ihl
    tl = 20 + len(options) + len(payload) if total is None else total
    flags = (0x4000 if df else 0) | (0x2000 if mf else 0) | off8
    h = struct.pack('!BBHHHBBH4s4s', 0x40 | hl, tos, tl, ident, flags, ttl,
                    proto, 0, ip_bytes(src), ip_bytes(dst)) + options
    h = h[:10] + struct.pack('!H', csum(h)) + h[12:]
    return h + payload


def ip6(src, dst, nh, payload, tc=0, flow=0, hlim=64, plen=None):
    vtf = (6 << 28) | (tc << 20) | flow
    return struct.pack('!IHBB16s16s', vtf,
                       len(payload) if plen is None else plen, nh, hlim,
                       ip_bytes(src), ip_bytes(dst)) + payload


def pseudo(src, dst, proto, length):
    if ip_ver(src) == 4:
        return ip_bytes(src) + ip_bytes(dst) + struct.pack('!BBH', 0, proto,
                                                           length)
    return ip_bytes(src) + ip_bytes(dst) + struct.pack('!IxxxB', length, proto)


def udp(src, dst, sport, dport, payload, zero_csum=None, length=None):
    ln = 8 + len(payload) if length is None else length
    h = struct.pack('!HHHH', sport, dport, ln, 0)
    if zero_csum is None:
        zero_csum = ip_ver(src) == 4       # RFC 3948 section 2.1
    if not zero_csum:
        c = csum(pseudo(src, dst, 17, 8 + len(payload)) + h + payload) or 0xffff
        h = h[:6] + struct.pack('!H', c)
    return h + payload


# IPv6 extension headers (RFC 8200 section 4): (type, bytes after nh+len).
EXT_HBH = (0, bytes([5, 2, 0, 0, 1, 0]))              # Router Alert, PadN
EXT_DST = (60, bytes([1, 4, 0, 0, 0, 0]))             # PadN
EXT_RT0 = (43, bytes([0, 0, 0, 0, 0, 0]) +            # type 0, segleft 0
           ip_bytes('2001:db8:ffff::1'))


def ext_chain(chain, final_nh, payload):
    """Prefix payload with the extension headers; return (first nh, bytes)."""
    out = b''
    for i, (typ, body) in enumerate(chain):
        nxt = chain[i + 1][0] if i + 1 < len(chain) else final_nh
        total = 2 + len(body)
        assert total % 8 == 0
        out += bytes([nxt, total // 8 - 1]) + body
    return (chain[0][0] if chain else final_nh), out + payload


def mac_of(ip):
    return b'\x02' + hashlib.md5(ip.encode()).digest()[:5]


ZERO_MAC = b'\0' * 6


def crc32c(data):
    crc = 0xffffffff
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82f63b78 & -(crc & 1))
    return crc ^ 0xffffffff


# --- capture files ----------------------------------------------------------

def pcap_bytes(linktype, records, snaplen=SNAPLEN, nsec=False, big=False):
    e = '>' if big else '<'
    out = [struct.pack(e + 'IHHiIII', 0xa1b23c4d if nsec else 0xa1b2c3d4,
                       2, 4, 0, 0, snaplen, linktype)]
    for r in records:
        sec, usec = divmod(r['ts'], 1000000)
        out.append(struct.pack(e + 'IIII', sec, usec * 1000 if nsec else usec,
                               len(r['data']), r['wirelen']))
        out.append(r['data'])
    return b''.join(out)


def ng_opt(code, value):
    pad = (-len(value)) % 4
    return struct.pack('<HH', code, len(value)) + value + b'\0' * pad


def ng_block(btype, body):
    ln = 12 + len(body)
    return struct.pack('<II', btype, ln) + body + struct.pack('<I', ln)


def pcapng_bytes(interfaces, records):
    """interfaces: [(linktype, name, tsresol)]; records carry 'ifc'."""
    shb = struct.pack('<IHHq', 0x1A2B3C4D, 1, 0, -1) + \
        ng_opt(4, b'espvis tests/gen/gen_captures.py') + ng_opt(0, b'')
    out = [ng_block(0x0A0D0D0A, shb)]
    for lt, name, tsresol in interfaces:
        opts = ng_opt(2, name.encode())
        if tsresol != 6:
            opts += ng_opt(9, bytes([tsresol]))
        out.append(ng_block(1, struct.pack('<HHI', lt, 0, SNAPLEN) + opts +
                            ng_opt(0, b'')))
    for r in records:
        tsresol = interfaces[r['ifc']][2]
        ts = r['ts'] * 10 ** (tsresol - 6)
        data = r['data']
        body = struct.pack('<IIIII', r['ifc'], ts >> 32, ts & 0xffffffff,
                           len(data), r['wirelen']) + data + \
            b'\0' * ((-len(data)) % 4)
        out.append(ng_block(6, body))
    return b''.join(out)


# --- security associations ---------------------------------------------------

class SA:
    """One direction of an IPsec SA and how its packets are built.

    kind: 'null' (HMAC ICV per icv, or none for icv 0), 'gmac'
    (ENCR_NULL_AUTH_AES_GMAC), 'cbc' (AES-CBC + HMAC), 'gcm' (AES-GCM-16),
    'adv' (random bytes dressed up as ESP-NULL, see esp_adv()).
    """

    def __init__(self, case, src, dst, kind='null', icv=12, mode='tunnel',
                 ports=None, wesp=None, tos=0, ttl=64, df=True, flow=0,
                 extra_pad=0, spi=None, adv=None, gmac_iv='random',
                 smac=None, dmac=None, shared_spi=False):
        self.case, self.rng = case, case.rng
        self.src, self.dst, self.ver = src, dst, ip_ver(src)
        self.kind, self.mode, self.ports, self.wesp = kind, mode, ports, wesp
        self.tos, self.ttl, self.df, self.flow = tos, ttl, df, flow
        self.extra_pad, self.adv, self.gmac_iv = extra_pad, adv, gmac_iv
        self.smac = smac or mac_of(src)
        self.dmac = dmac or mac_of(dst)
        if kind in ('gmac', 'gcm'):
            icv = 16
        self.icv = icv
        self.iv = {'gmac': 8, 'gcm': 8, 'cbc': 16}.get(kind, 0)
        if kind == 'adv':
            self.iv, self.icv = adv.get('iv', 0), adv.get('icv', 12)
        if spi is None:
            while True:
                spi = self.rng.getrandbits(32)
                if spi > 0xffff and spi not in ALL_SPIS:
                    break
        assert shared_spi or spi not in ALL_SPIS
        ALL_SPIS.add(spi)
        self.spi = spi
        self.auth_key = self.rng.randbytes(64)
        self.enc_key = self.rng.randbytes(16)
        self.salt = self.rng.randbytes(4)
        self.seq = 0
        self.ident = self.rng.randrange(1, 60000)

    @property
    def is_null(self):
        return self.kind in ('null', 'gmac') and self.wesp != 'e1'

    def next_ident(self):
        self.ident = (self.ident + 1) & 0xffff
        return self.ident

    def esp(self, seq, payload, nh):
        hdr = struct.pack('!II', self.spi, seq)
        if self.kind == 'adv':
            return self.esp_adv(hdr)
        if self.kind in ('null', 'gmac'):
            align = 4
        elif self.kind == 'cbc':
            align = 16
        else:
            align = 4
        padlen = (-(len(payload) + 2)) % align + self.extra_pad
        body = payload + bytes(range(1, padlen + 1)) + bytes([padlen, nh])
        if self.kind == 'null':
            icv = b''
            if self.icv:
                icv = hmac.new(self.auth_key, hdr + body,
                               HMACS[self.icv]).digest()[:self.icv]
            return hdr + body + icv
        if self.kind == 'gmac':                 # RFC 4543 sections 3.1-3.5
            if self.gmac_iv == 'counter':
                iv = struct.pack('!Q', seq)
            else:
                iv = self.rng.randbytes(8)
            tag = AESGCM(self.enc_key).encrypt(self.salt + iv, b'',
                                               hdr + iv + body)
            return hdr + iv + body + tag
        if self.kind == 'gcm':                  # RFC 4106
            iv = self.rng.randbytes(8)
            ct = AESGCM(self.enc_key).encrypt(self.salt + iv, body, hdr)
            return hdr + iv + ct
        if self.kind == 'cbc':                  # RFC 3602 + HMAC
            iv = self.rng.randbytes(16)
            enc = Cipher(algorithms.AES(self.enc_key), modes.CBC(iv)).encryptor()
            ct = enc.update(body) + enc.finalize()
            icv = hmac.new(self.auth_key, hdr + iv + ct,
                           HMACS[self.icv]).digest()[:self.icv]
            return hdr + iv + ct + icv
        raise ValueError(self.kind)

    def esp_adv(self, hdr):
        """Random bytes that mimic ESP-NULL: a plausible trailer for the
        (iv, icv) layout (monotonic padding, pad length, next header) and,
        for some styles, a first byte or header that looks like IPv4."""
        a, rng = self.adv, self.rng
        iv, icv = self.iv, self.icv
        n = rng.randrange(40, 240) & ~3          # 4-byte aligned payload
        body = bytearray(rng.randbytes(iv + n + icv))
        style = a['style']
        if style in ('trailer', 'ip45_trailer', 'ip45_len'):
            p = rng.randrange(0, 8)
            end = iv + n                          # end of pad length + NH
            body[end - 2 - p:end - 2] = bytes(range(1, p + 1))
            body[end - 2] = p
            body[end - 1] = a['nh']
            plen = n - 2 - p
        if style in ('ip45', 'ip45_trailer', 'ip45_len'):
            body[iv] = 0x45
        if style == 'ip45_len':
            body[iv + 1] = 0
            body[iv + 2:iv + 4] = struct.pack('!H', plen)
        return hdr + bytes(body)

    def wesp_header(self, nh, override=None):
        pad = self.ver == 6 and self.ports is None
        if self.wesp == 'e1':
            f = dict(nh=0, hdrlen=0, trl=0, flags=0x20, pad=False)
        else:
            f = dict(nh=nh, hdrlen=12 + (4 if pad else 0) + self.iv,
                     trl=self.icv, flags=0x10 if pad else 0, pad=pad)
        f.update(override or {})
        return struct.pack('!BBBB', f['nh'], f['hdrlen'], f['trl'],
                           f['flags']) + (b'\0' * 4 if f['pad'] else b'')

    def send(self, inner=b'', nh=4, gap=0, **opts):
        """Build and emit one packet of this SA; return the frame count."""
        self.seq += gap + 1
        seq = self.seq
        invalid = opts.pop('wesp_invalid', None)
        if invalid is not None:
            self.seq -= gap + 1                  # skipped: seq not consumed
        esp = self.esp(seq, inner, nh)
        if invalid and 'trl' in invalid and self.wesp == 'e0':
            # A wrong TrailerLen must really break the trailer: pad length
            # out of range or a next header other than the WESP one.
            t, n = invalid['trl'], len(esp)
            if n >= 8 + self.iv + t + 2:
                plen, tnh = esp[n - t - 2], esp[n - t - 1]
                assert plen > n - t - 2 - 8 - self.iv or \
                    tnh != invalid.get('nh', nh), (self.case.name, t)
        if self.wesp:
            ipsec = self.wesp_header(nh, invalid) + esp
            wesp_len = len(ipsec) - len(esp)
        else:
            ipsec, wesp_len = esp, 0
        meta = dict(sa=self, seq=seq, esp=esp, inner=inner, nh=nh)
        if invalid is not None:
            meta = dict(skip='wesp_invalid')
        self.case.send_ipsec(self, ipsec, wesp_len, meta, **opts)

    # key and truth helpers
    def key(self):
        sp, dp = self.ports or (0, 0)
        return (self.src, self.dst, sp, dp, self.spi)


# --- a capture being built ----------------------------------------------------

class Case:
    def __init__(self, name, idx, linktype=LT_ETH, fmt='pcap', doc=''):
        self.name, self.idx, self.linktype, self.fmt = name, idx, linktype, fmt
        self.doc = doc
        self.rng = random.Random(zlib.crc32(name.encode()))
        self.t = (T_BASE + 10 * idx) * 1000000
        self.records = []
        self.skipped = {}
        self.decoded = 0
        self.sas = {}           # SA object -> truth dict
        self.sa_order = []
        self.inner = []         # (ts, bytes)
        self.full_esp = {}      # SA -> [esp bytes of complete packets]
        self.snaplen = SNAPLEN
        self.nsec = self.big = False
        self.interfaces = [(linktype, 'eth0', 6)]
        self.ifc = 0
        self.tail = b''         # bytes appended to the file (bad captures)
        self.error = None
        self.allow_short = set()    # SAs allowed fewer packets than usual

    # addresses: 8 hosts a side per case, documentation ranges
    def L(self, j, v=4):
        if v == 4:
            return '198.51.100.%d' % (self.idx * 8 + j + 1)
        return '2001:db8:%x::a%d' % (self.idx + 1, j)

    def R(self, j, v=4):
        if v == 4:
            return '203.0.113.%d' % (self.idx * 8 + j + 1)
        return '2001:db8:%x::b%d' % (self.idx + 1, j)

    def inner_addr(self, j, k, v=4):
        if v == 4:
            return '10.%d.%d.%d' % (self.idx + 1, j, k)
        return 'fd00:%x:%x::%x' % (self.idx + 1, j, k)

    def sa(self, *a, **kw):
        return SA(self, *a, **kw)

    # --- framing --------------------------------------------------------
    def link(self, ip, ver, smac=ZERO_MAC, dmac=ZERO_MAC, vlans=(),
             fcs=False, pad60=False, ethertype=None, af6=24, af=None,
             pkttype=0):
        et = ethertype if ethertype is not None else \
            (0x0800 if ver == 4 else 0x86dd)
        lt = self.interfaces[self.ifc][0]
        if lt == LT_ETH:
            hdr = dmac + smac
            for tpid, tci in vlans:
                hdr += struct.pack('!HH', tpid, tci)
            f = hdr + struct.pack('!H', et) + ip
            if pad60 and len(f) < 60:
                f += b'\0' * (60 - len(f))
            if fcs:
                f += struct.pack('<I', zlib.crc32(f))
            return f
        if lt == LT_SLL:
            return struct.pack('!HHH', pkttype, 1, 6) + smac + b'\0\0' + \
                struct.pack('!H', et) + ip
        if lt == LT_SLL2:
            return struct.pack('!HHIHBB', et, 0, 2, 1, pkttype, 6) + smac + \
                b'\0\0' + ip
        if lt == LT_RAW:
            return ip
        if lt == LT_NULL:
            if af is None:
                af = 2 if ver == 4 else af6
            return struct.pack('<I', af) + ip
        raise ValueError(lt)

    def link_hdr_len(self, vlans=()):
        lt = self.interfaces[self.ifc][0]
        return {LT_ETH: 14 + 4 * len(vlans), LT_SLL: 16, LT_SLL2: 20,
                LT_RAW: 0, LT_NULL: 4}[lt]

    def has_eth(self):
        return self.interfaces[self.ifc][0] == LT_ETH

    # --- emitting -------------------------------------------------------
    def emit(self, data, wirelen=None, meta=None):
        ts = self.t
        self.t += 1000
        self.records.append(dict(ts=ts, data=data,
                                 wirelen=len(data) if wirelen is None
                                 else wirelen, ifc=self.ifc))
        meta = meta or {}
        if 'skip' in meta:
            r = meta['skip']
            assert r in SKIP_REASONS, r
            self.skipped[r] = self.skipped.get(r, 0) + 1
            return
        self.decoded += 1
        sa = meta['sa']
        t = self.sas.get(sa)
        if t is None:
            t = self.sas[sa] = dict(pkts=0, seqs=[], full=0)
            self.sa_order.append(sa)
            self.full_esp[sa] = []
        t['pkts'] += 1
        t['seqs'].append(meta['seq'])
        if meta.get('complete'):
            t['full'] += 1
            self.full_esp[sa].append(meta['esp'])
            if sa.is_null:
                self.inner.append((ts, meta['record']))

    def raw(self, data, reason, wirelen=None):
        self.emit(data, wirelen, dict(skip=reason))

    def plain(self, ip, reason, **kw):
        """A non-ESP IP packet (or not IP at all) that espvis skips."""
        ver = ip[0] >> 4 if ip else 4
        kw.setdefault('smac', mac_of('plain-src'))
        kw.setdefault('dmac', mac_of('plain-dst'))
        self.emit(self.link(ip, ver if ver in (4, 6) else 4, **kw),
                  meta=dict(skip=reason))

    def send_ipsec(self, sa, ipsec, wesp_len, meta, vlans=(), fcs=False,
                   pad60=False, ipopts=b'', ext=(), frag=None, cut=None,
                   ttl=None, af6=24, pkttype=0):
        ident = sa.next_ident()
        ttl = sa.ttl if ttl is None else ttl
        if sa.ports:
            udp_payload = (b'\0\0\0\2' if sa.wesp else b'') + ipsec
            l4 = udp(sa.src, sa.dst, sa.ports[0], sa.ports[1], udp_payload)
            proto, esp_off = 17, 8 + (4 if sa.wesp else 0) + wesp_len
        else:
            l4 = ipsec
            proto, esp_off = (141 if sa.wesp else 50), wesp_len
        lkw = dict(smac=sa.smac, dmac=sa.dmac, vlans=vlans, fcs=fcs,
                   pad60=pad60, af6=af6, pkttype=pkttype)
        macs = (sa.dmac, sa.smac) if self.has_eth() else (ZERO_MAC, ZERO_MAC)

        def rebuilt_transport(df):
            inner = meta['inner']
            if sa.ver == 4:
                return ip4(sa.src, sa.dst, meta['nh'], inner, tos=sa.tos,
                           ttl=ttl, ident=ident, df=df)
            return ip6(sa.src, sa.dst, meta['nh'], inner, tc=sa.tos,
                       flow=sa.flow, hlim=ttl)

        def record(df):
            if sa.mode == 'tunnel':
                pkt = meta['inner']
            else:
                pkt = rebuilt_transport(df)
            et = 0x0800 if pkt[0] >> 4 == 4 else 0x86dd
            return macs[0] + macs[1] + struct.pack('!H', et) + pkt

        if frag is None:
            if sa.ver == 4:
                ip = ip4(sa.src, sa.dst, proto, l4, tos=sa.tos, ttl=ttl,
                         ident=ident, df=sa.df, options=ipopts)
                hl = 20 + len(ipopts)
            else:
                nh, body = ext_chain(list(ext), proto, l4)
                ip = ip6(sa.src, sa.dst, nh, body, tc=sa.tos, flow=sa.flow,
                         hlim=ttl)
                hl = 40 + len(body) - len(l4)
            frame = self.link(ip, sa.ver, **lkw)
            if 'skip' not in meta:
                m = dict(meta)
                esp_at = self.link_hdr_len(vlans) + hl + esp_off
                if cut is not None and cut < len(frame):
                    if cut < esp_at + 8:
                        m = dict(skip='truncated')
                    m['complete'] = False
                    self.emit(frame[:cut], len(frame), m)
                    return
                m['complete'] = True
                m['record'] = record(sa.df) if sa.is_null else None
                self.emit(frame, meta=m)
            else:
                assert cut is None
                self.emit(frame, meta=meta)
            return
        # Fragmentation: frag = dict(sizes=[...], order=[...]); RFC 791,
        # RFC 8200 section 4.5.  The fragment that completes the datagram
        # carries the packet; the others are held.
        sizes, order = frag['sizes'], frag.get('order')
        assert sum(sizes) <= len(l4) and all(s % 8 == 0 for s in sizes)
        sizes = list(sizes) + [len(l4) - sum(sizes)]
        offs = [sum(sizes[:i]) for i in range(len(sizes))]
        order = order or list(range(len(sizes)))
        ident32 = self.rng.getrandbits(32)
        for n, i in enumerate(order):
            chunk = l4[offs[i]:offs[i] + sizes[i]]
            last = i == len(sizes) - 1
            if sa.ver == 4:
                ip = ip4(sa.src, sa.dst, proto, chunk, tos=sa.tos, ttl=ttl,
                         ident=ident, df=False, mf=not last,
                         off8=offs[i] // 8)
            else:
                fh = struct.pack('!BBHI', proto, 0,
                                 offs[i] | (0 if last else 1), ident32)
                nh, body = ext_chain(list(ext), 44, fh + chunk)
                ip = ip6(sa.src, sa.dst, nh, body, tc=sa.tos, flow=sa.flow,
                         hlim=ttl)
            frame = self.link(ip, sa.ver, **lkw)
            if n < len(order) - 1:
                self.emit(frame, meta=dict(skip='fragment_held'))
            elif 'skip' in meta:
                self.emit(frame, meta=meta)
            else:
                m = dict(meta, complete=True,
                         record=record(False) if sa.is_null else None)
                self.emit(frame, meta=m)

    # --- truth ----------------------------------------------------------
    def truth(self):
        sas = []
        for sa in self.sa_order:
            t = self.sas[sa]
            seqs = t['seqs']
            assert all(b > a for a, b in zip(seqs, seqs[1:])), sa.spi
            if sa.wesp:
                verdict = 'encrypted' if sa.wesp == 'e1' else 'null'
            elif t['full'] == 0:
                verdict = 'undecided'
            else:
                verdict = 'null' if sa.is_null else 'encrypted'
                need = 4 if sa.is_null else 8
                assert t['full'] >= need or sa in self.allow_short, \
                    (self.name, hex(sa.spi), t['full'])
            sp, dp = sa.ports or (0, 0)
            d = dict(src_ip=ipaddress.ip_address(sa.src).compressed,
                     dest_ip=ipaddress.ip_address(sa.dst).compressed,
                     src_port=sp, dest_port=dp,
                     encap='udp' if sa.ports else 'none', spi=sa.spi,
                     wesp=bool(sa.wesp), verdict=verdict)
            if verdict == 'null':
                d['icv_len'] = sa.icv
                d['iv_len'] = sa.iv
            d.update(pkts=t['pkts'], seq_first=seqs[0], seq_last=seqs[-1],
                     seq_gaps=sum(b - a - 1 for a, b in zip(seqs, seqs[1:])))
            sas.append(d)
        out = dict(case=self.name, packets=len(self.records),
                   decoded=self.decoded,
                   skipped={r: self.skipped[r] for r in SKIP_REASONS
                            if r in self.skipped},
                   sas=sas, inner_pkts=len(self.inner))
        if self.error:
            out['error'] = self.error
        assert out['packets'] == out['decoded'] + sum(out['skipped'].values())
        return out

    def capture_bytes(self):
        if self.fmt == 'raw':
            return self.tail
        if self.fmt == 'pcapng':
            return pcapng_bytes(self.interfaces, self.records) + self.tail
        return pcap_bytes(self.interfaces[0][0], self.records,
                          snaplen=self.snaplen, nsec=self.nsec,
                          big=self.big) + self.tail

    def inner_bytes(self):
        recs = [dict(ts=ts, data=d, wirelen=len(d))
                for ts, d in sorted(self.inner)]
        return pcap_bytes(LT_ETH, recs)

    def write(self, outdir):
        ext = {'pcapng': '.pcapng'}.get(self.fmt, '.pcap')
        files = {self.name + ext: self.capture_bytes(),
                 self.name + '.inner.pcap': self.inner_bytes(),
                 self.name + '.truth.json':
                     (json.dumps(self.truth(), indent=1) + '\n').encode()}
        for fn, data in files.items():
            with open(os.path.join(outdir, fn), 'wb') as f:
                f.write(data)
        return files


# --- inner traffic ------------------------------------------------------------
# Conversations give (direction, layer) pairs: direction 0 is client to
# server.  tunnel() and transport() turn a layer into (inner bytes, nh).

def text(rng, n):
    words = [b'GET', b'/index.html', b'HTTP/1.1', b'Host:', b'example.org',
             b'Accept:', b'*/*', b'Content-Type:', b'text/html', b'OK',
             b'<html>', b'<p>', b'espvis', b'null', b'cipher', b'</p>']
    out = b''
    while len(out) < n:
        out += rng.choice(words) + b' '
    return out[:n]


def tcp_conv(rng, n_req=2, dport=80, sizes=(60, 400)):
    sport = rng.randrange(32768, 61000)
    cs, ss = rng.getrandbits(32), rng.getrandbits(32)
    win = 64240
    out = [(0, TCP(sport=sport, dport=dport, flags='S', seq=cs, window=win,
                   options=[('MSS', 1360)])),
           (1, TCP(sport=dport, dport=sport, flags='SA', seq=ss, ack=cs + 1,
                   window=win, options=[('MSS', 1360)]))]
    cs += 1
    ss += 1
    out.append((0, TCP(sport=sport, dport=dport, flags='A', seq=cs, ack=ss,
                       window=win)))
    for _ in range(n_req):
        q = b'GET /' + text(rng, rng.randrange(*sizes)) + b'\r\n\r\n'
        out.append((0, TCP(sport=sport, dport=dport, flags='PA', seq=cs,
                           ack=ss, window=win) / Raw(q)))
        cs += len(q)
        r = b'HTTP/1.1 200 OK\r\n\r\n' + text(rng, rng.randrange(*sizes))
        out.append((1, TCP(sport=dport, dport=sport, flags='PA', seq=ss,
                           ack=cs, window=win) / Raw(r)))
        ss += len(r)
    out.append((0, TCP(sport=sport, dport=dport, flags='FA', seq=cs, ack=ss,
                       window=win)))
    out.append((1, TCP(sport=dport, dport=sport, flags='FA', seq=ss,
                       ack=cs + 1, window=win)))
    out.append((0, TCP(sport=sport, dport=dport, flags='A', seq=cs + 1,
                       ack=ss + 1, window=win)))
    return out


def udp_conv(rng, n=3, dport=53, sizes=(30, 200)):
    sport = rng.randrange(32768, 61000)
    out = []
    for _ in range(n):
        out.append((0, UDP(sport=sport, dport=dport) /
                    Raw(rng.randbytes(rng.randrange(*sizes)))))
        out.append((1, UDP(sport=dport, dport=sport) /
                    Raw(rng.randbytes(rng.randrange(*sizes)))))
    return out


def icmp_conv(rng, n=2, v=4, size=56):
    ident = rng.randrange(1, 65535)
    out = []
    for s in range(1, n + 1):
        data = bytes((i + s) & 0xff for i in range(size))
        if v == 4:
            out.append((0, ICMP(type=8, id=ident, seq=s) / Raw(data)))
            out.append((1, ICMP(type=0, id=ident, seq=s) / Raw(data)))
        else:
            out.append((0, ICMPv6EchoRequest(id=ident, seq=s, data=data)))
            out.append((1, ICMPv6EchoReply(id=ident, seq=s, data=data)))
    return out


def sctp_conv(rng, n=3):
    sport, dport = rng.randrange(1024, 65535), 38412
    vt, vt2 = rng.getrandbits(32), rng.getrandbits(32)
    tsn = rng.getrandbits(31)
    out = []
    for i in range(n):
        out.append((0, SCTP(sport=sport, dport=dport, tag=vt) /
                    SCTPChunkData(tsn=tsn + i, stream_id=1, stream_seq=i,
                                  proto_id=60, data=text(rng, 70 + 13 * i))))
        out.append((1, SCTP(sport=dport, dport=sport, tag=vt2) /
                    SCTPChunkSACK(cumul_tsn_ack=tsn + i, a_rwnd=106496)))
    return out


def gre_conv(rng, case, j, n=3):
    a, b = case.inner_addr(j, 1), case.inner_addr(j, 2)
    out = []
    for s in range(1, n + 1):
        out.append((0, GRE(proto=0x0800) /
                    IP(src=a, dst=b, id=s, ttl=63) /
                    UDP(sport=5000, dport=5001) / Raw(text(rng, 50 + 10 * s))))
        out.append((1, GRE(proto=0x0800) /
                    IP(src=b, dst=a, id=100 + s, ttl=63) /
                    ICMP(type=8, id=7, seq=s) / Raw(b'ping' * 8)))
    return out


L4_NH = {TCP: 6, UDP: 17, ICMP: 1, SCTP: 132, GRE: 47,
         ICMPv6EchoRequest: 58, ICMPv6EchoReply: 58}


def ospf_checksum(src, dst, b):
    """OSPFv3 uses the IPv6 upper-layer checksum (RFC 5340 A.3.1)."""
    c = csum(pseudo(src, dst, 89, len(b)) + b[:12] + b'\0\0' + b[14:])
    return b[:12] + struct.pack('!H', c) + b[14:]


class Tunnel:
    """Inner IP packets between two inner hosts (tunnel mode)."""

    def __init__(self, a, b, ttl=64):
        self.a, self.b, self.ttl = a, b, ttl
        self.v = ip_ver(a)
        self.ids = [1000, 5000]

    def __call__(self, d, layer):
        s, t = (self.a, self.b) if d == 0 else (self.b, self.a)
        if self.v == 4:
            self.ids[d] += 1
            return bytes(IP(src=s, dst=t, id=self.ids[d], ttl=self.ttl,
                            flags='DF') / layer), 4
        return bytes(IPv6(src=s, dst=t, hlim=self.ttl) / layer), 41


def transport(sa, layer):
    """Inner L4 bytes for transport mode: checksums over the outer
    addresses, as the endpoints compute them."""
    if type(layer).__name__ == 'OSPF':
        return ospf_checksum(sa.src, sa.dst, bytes(layer)), 89
    if sa.ver == 4:
        b = bytes(IP(src=sa.src, dst=sa.dst) / layer)[20:]
    else:
        b = bytes(IPv6(src=sa.src, dst=sa.dst) / layer)[40:]
    return b, L4_NH[type(layer)]


def interleave(rng, *streams):
    """Run the thunks of several streams, each in its own order, mixed."""
    streams = [list(s) for s in streams if s]
    while streams:
        s = rng.choice(streams)
        s.pop(0)()
        if not s:
            streams.remove(s)


def conv_thunks(conv, sa_fwd, sa_rev, wrap, **opts):
    """Thunks sending a conversation through an SA pair.  wrap(d, layer)
    gives (inner, nh); for transport mode pass wrap=None."""
    out = []
    for d, layer in conv:
        sa = sa_fwd if d == 0 else sa_rev
        if sa is None:
            continue
        if wrap is None:
            inner, nh = transport(sa, layer)
        else:
            inner, nh = wrap(d, layer)
        out.append(lambda sa=sa, inner=inner, nh=nh:
                   sa.send(inner, nh, **opts))
    return out


# --- IKE and other traffic espvis skips -----------------------------------------

def ike_msg(rng, exch, resp, spii, spir, msgid, payload_types, size=120):
    body = b''
    for i, pt in enumerate(payload_types):
        nxt = payload_types[i + 1] if i + 1 < len(payload_types) else 0
        content = rng.randbytes(size // len(payload_types))
        body += struct.pack('!BBH', nxt, 0, 4 + len(content)) + content
    flags = 0x20 if resp else 0x08
    hdr = spii + spir + struct.pack('!BBBBII', payload_types[0], 0x20, exch,
                                    flags, msgid, 28 + len(body))
    return hdr + body


# --- the cases ------------------------------------------------------------------

CASES = []


def case(fn):
    CASES.append(fn)
    return fn


@case
def null_tunnel_v4(c):
    """ESP-NULL tunnel mode over IPv4: HMAC-SHA1-96 pair with inner IPv4 TCP
    and ICMP; HMAC-SHA256-128 pair (4 bytes of extra monotonic padding)
    with inner IPv6 UDP and ICMPv6; one HMAC-SHA256/64 SA (ICV 8) with
    inner IPv4 UDP and lost packets (sequence gaps)."""
    r = c.rng
    a1 = c.sa(c.L(0), c.R(0), icv=12)
    a2 = c.sa(c.R(0), c.L(0), icv=12)
    ta = Tunnel(c.inner_addr(0, 1), c.inner_addr(0, 2))
    b1 = c.sa(c.L(1), c.R(1), icv=16, extra_pad=4, tos=0x28)
    b2 = c.sa(c.R(1), c.L(1), icv=16, extra_pad=4, tos=0x28)
    tb = Tunnel(c.inner_addr(1, 1, 6), c.inner_addr(1, 2, 6))
    s3 = c.sa(c.L(2), c.R(2), icv=8, df=False)
    t3 = Tunnel(c.inner_addr(2, 1), c.inner_addr(2, 2))
    gaps = [0, 0, 0, 1, 0, 2, 0]
    conv3 = [x for x in udp_conv(r, 7, dport=514) if x[0] == 0]
    s3_thunks = [lambda i=i, d=d, l=l: s3.send(*t3(d, l), gap=gaps[i])
                 for i, (d, l) in enumerate(conv3)]
    interleave(r,
               conv_thunks(tcp_conv(r, 3) + icmp_conv(r, 2), a1, a2, ta),
               conv_thunks(udp_conv(r, 3) + icmp_conv(r, 2, v=6), b1, b2, tb),
               s3_thunks)


@case
def null_tunnel_v6(c):
    """ESP-NULL tunnel mode over IPv6: HMAC-SHA384-192 pair with inner IPv6
    TCP; HMAC-SHA512-256 pair with inner IPv4 ICMP and UDP (traffic class
    and flow label set); one NULL-auth SA (ICV 0) with inner IPv6 UDP."""
    r = c.rng
    a1 = c.sa(c.L(0, 6), c.R(0, 6), icv=24, flow=0x12345)
    a2 = c.sa(c.R(0, 6), c.L(0, 6), icv=24, flow=0x54321)
    ta = Tunnel(c.inner_addr(0, 1, 6), c.inner_addr(0, 2, 6))
    b1 = c.sa(c.L(1, 6), c.R(1, 6), icv=32, tos=0xb8, flow=0xabcde)
    b2 = c.sa(c.R(1, 6), c.L(1, 6), icv=32, tos=0xb8, flow=0xedcba)
    tb = Tunnel(c.inner_addr(1, 1), c.inner_addr(1, 2))
    s3 = c.sa(c.L(2, 6), c.R(2, 6), icv=0)
    t3 = Tunnel(c.inner_addr(2, 1, 6), c.inner_addr(2, 2, 6))
    interleave(r,
               conv_thunks(tcp_conv(r, 3, dport=443), a1, a2, ta),
               conv_thunks(icmp_conv(r, 3) + udp_conv(r, 2), b1, b2, tb),
               conv_thunks(udp_conv(r, 5, dport=123), s3, None, t3))


@case
def null_transport(c):
    """ESP-NULL transport mode: IPv4 HMAC-SHA1-96 pair carrying TCP, UDP and
    ICMP; IPv4 ICV-8 SA (TOS 0xb8, TTL 128, no DF) carrying SCTP and GRE;
    IPv6 HMAC-SHA256-128 pair (traffic class, flow label) carrying TCP,
    ICMPv6 and UDP; IPv6 NULL-auth SA (ICV 0) carrying UDP and SCTP."""
    r = c.rng
    a1 = c.sa(c.L(0), c.R(0), icv=12, mode='transport')
    a2 = c.sa(c.R(0), c.L(0), icv=12, mode='transport')
    b1 = c.sa(c.L(1), c.R(1), icv=8, mode='transport', tos=0xb8, ttl=128,
              df=False)
    d1 = c.sa(c.L(2, 6), c.R(2, 6), icv=16, mode='transport', tos=0x20,
              flow=0x0beef)
    d2 = c.sa(c.R(2, 6), c.L(2, 6), icv=16, mode='transport', tos=0x20,
              flow=0x0cafe)
    e1 = c.sa(c.L(3, 6), c.R(3, 6), icv=0, mode='transport')
    interleave(r,
               conv_thunks(tcp_conv(r, 2) + udp_conv(r, 2) + icmp_conv(r, 2),
                           a1, a2, None),
               conv_thunks(sctp_conv(r, 3) + gre_conv(r, c, 1, 3), b1, None,
                           None),
               conv_thunks(tcp_conv(r, 2, dport=22) + icmp_conv(r, 2, v=6) +
                           udp_conv(r, 1), d1, d2, None),
               conv_thunks(udp_conv(r, 3, dport=4789) + sctp_conv(r, 2), e1,
                           None, None))


@case
def null_gmac(c):
    """ENCR_NULL_AUTH_AES_GMAC (RFC 4543: 8-byte IV, 16-byte ICV, real
    AES-GMAC): IPv4 tunnel pair with inner IPv4 TCP (random IVs); IPv6
    transport SA with UDP and ICMPv6 (counter IVs); IPv4 transport SA with
    TCP."""
    r = c.rng
    a1 = c.sa(c.L(0), c.R(0), kind='gmac')
    a2 = c.sa(c.R(0), c.L(0), kind='gmac')
    ta = Tunnel(c.inner_addr(0, 1), c.inner_addr(0, 2))
    b1 = c.sa(c.L(1, 6), c.R(1, 6), kind='gmac', mode='transport',
              gmac_iv='counter')
    d1 = c.sa(c.L(2), c.R(2), kind='gmac', mode='transport')
    interleave(r,
               conv_thunks(tcp_conv(r, 2), a1, a2, ta),
               conv_thunks(udp_conv(r, 3) + icmp_conv(r, 2, v=6), b1, None,
                           None),
               conv_thunks(tcp_conv(r, 2, dport=25), d1, None, None))


def ospfv3(rng, rid, seqno, neighbors, ptype=1):
    """An OSPFv3 packet (RFC 5340 A.3): Hello, or an LS Update carrying
    random LSA bytes.  The checksum is filled in by transport()."""
    if ptype == 1:
        body = struct.pack('!IBBHHH', 5, 1, 0x00, 0x13, 10, 40) + \
            struct.pack('!II', 0, 0) + b''.join(struct.pack('!I', n)
                                                for n in neighbors)
    else:
        body = struct.pack('!I', 1) + struct.pack('!HHIII', 1, 0x2001, 0,
                                                  rid, seqno) + \
            rng.randbytes(24)
    return struct.pack('!BBHIIHBB', 3, ptype, 16 + len(body), rid, 0, 0, 0,
                       0) + body


class OSPF(Raw):
    name = 'OSPFv3'


@case
def null_ospfv3(c):
    """OSPFv3 authenticated with manually keyed ESP-NULL (RFC 4552): two
    routers send Hellos and LS Updates to ff02::5 in transport mode with
    HMAC-SHA1-96 and the same SPI (one SA per sender, RFC 4552 section 7),
    next header 89."""
    r = c.rng
    spi = 0x00000100 + 0x4552
    r1 = c.sa('fe80::1', 'ff02::5', icv=12, mode='transport', spi=spi,
              dmac=bytes.fromhex('333300000005'), ttl=1, tos=0xc0,
              shared_spi=True)
    r2 = c.sa('fe80::2', 'ff02::5', icv=12, mode='transport', spi=spi,
              dmac=bytes.fromhex('333300000005'), ttl=1, tos=0xc0,
              shared_spi=True)
    th = []
    for i in range(6):
        for sa, rid, nb in ((r1, 0x0a000001, [0x0a000002]),
                            (r2, 0x0a000002, [0x0a000001])):
            pkt = ospfv3(r, rid, 0x80000001 + i, nb if i else [],
                         ptype=1 if i % 3 == 0 else 4)
            inner, _ = transport(sa, OSPF(pkt))
            th.append(lambda sa=sa, inner=inner: sa.send(inner, 89))
    for t in th:
        t()


@case
def natt(c):
    """ESP in UDP (RFC 3948): 4500<->4500 ESP-NULL tunnel pair (inner TCP);
    a NATed peer on port 61702 <-> 4500 ESP-NULL pair (inner UDP and ICMP)
    with NAT keepalives (0xFF) from that port; IKE_SA_INIT on 500 and
    IKE_AUTH/INFORMATIONAL behind the non-ESP marker on 4500; an AES-GCM
    encrypted 4500 pair; an IPv6 ESP-in-UDP transport SA (UDP checksum
    set); plain DNS (not IPsec)."""
    r = c.rng
    a1 = c.sa(c.L(0), c.R(0), icv=12, ports=(4500, 4500))
    a2 = c.sa(c.R(0), c.L(0), icv=12, ports=(4500, 4500))
    ta = Tunnel(c.inner_addr(0, 1), c.inner_addr(0, 2))
    b1 = c.sa(c.L(1), c.R(1), icv=16, ports=(61702, 4500))
    b2 = c.sa(c.R(1), c.L(1), icv=16, ports=(4500, 61702))
    tb = Tunnel(c.inner_addr(1, 1), c.inner_addr(1, 2))
    g1 = c.sa(c.L(2), c.R(2), kind='gcm', ports=(4500, 4500))
    g2 = c.sa(c.R(2), c.L(2), kind='gcm', ports=(4500, 4500))
    tg = Tunnel(c.inner_addr(2, 1), c.inner_addr(2, 2))
    v1 = c.sa(c.L(3, 6), c.R(3, 6), icv=12, ports=(4500, 4500),
              mode='transport')

    def ike(src, dst, sp, dp, msg, marker):
        payload = (b'\0\0\0\0' if marker else b'') + msg
        ip = ip4(src, dst, 17, udp(src, dst, sp, dp, payload),
                 ident=r.randrange(65536))
        c.emit(c.link(ip, 4, mac_of(src), mac_of(dst)),
               meta=dict(skip='ike'))

    def keepalive():
        ip = ip4(c.L(1), c.R(1), 17, udp(c.L(1), c.R(1), 61702, 4500,
                                         b'\xff'), ident=r.randrange(65536))
        c.emit(c.link(ip, 4, mac_of(c.L(1)), mac_of(c.R(1))),
               meta=dict(skip='natt_keepalive'))

    for j, sp, dp in ((0, 500, 500), (1, 61701, 500)):
        spii, spir = r.randbytes(8), r.randbytes(8)
        ike(c.L(j), c.R(j), sp, dp, ike_msg(r, 34, False, spii, b'\0' * 8, 0,
                                            [33, 34, 40]), False)
        ike(c.R(j), c.L(j), dp, sp, ike_msg(r, 34, True, spii, spir, 0,
                                            [33, 34, 40]), False)
        sp2 = 61702 if j == 1 else 4500
        ike(c.L(j), c.R(j), sp2, 4500, ike_msg(r, 35, False, spii, spir, 1,
                                               [46], 300), True)
        ike(c.R(j), c.L(j), 4500, sp2, ike_msg(r, 35, True, spii, spir, 1,
                                               [46], 260), True)
    dns = ip4(c.L(4), c.R(4), 17, udp(c.L(4), c.R(4), 40000, 53,
                                      r.randbytes(40), zero_csum=False))
    ka = [keepalive for _ in range(4)]
    info = [lambda: ike(c.L(0), c.R(0), 4500, 4500,
                        ike_msg(r, 37, False, r.randbytes(8), r.randbytes(8),
                                2, [46], 60), True),
            lambda: c.plain(dns, 'not_ipsec')]
    interleave(r,
               conv_thunks(tcp_conv(r, 2), a1, a2, ta),
               conv_thunks(udp_conv(r, 2) + icmp_conv(r, 2), b1, b2, tb),
               conv_thunks(tcp_conv(r, 4) + icmp_conv(r, 3), g1, g2, tg),
               conv_thunks(udp_conv(r, 4), v1, None, None),
               ka, info)


@case
def wesp(c):
    """WESP (RFC 5840, IP protocol 141): E=0 IPv4 tunnel pair (HdrLen 12,
    TrailerLen 12, no padding); E=0 IPv6 transport SA with the P flag and
    4-byte padding (HdrLen 16, TrailerLen 16); E=0 with GMAC over IPv4
    (HdrLen 20) and over IPv6 (P, HdrLen 24); E=1 AES-GCM over IPv4; UDP
    encapsulated WESP (protocol id 2) over IPv4, E=0 (SHA1-96) and E=1
    (AES-CBC)."""
    r = c.rng
    a1 = c.sa(c.L(0), c.R(0), icv=12, wesp='e0')
    a2 = c.sa(c.R(0), c.L(0), icv=12, wesp='e0')
    ta = Tunnel(c.inner_addr(0, 1), c.inner_addr(0, 2))
    b1 = c.sa(c.L(1, 6), c.R(1, 6), icv=16, wesp='e0', mode='transport')
    g4 = c.sa(c.L(2), c.R(2), kind='gmac', wesp='e0')
    tg = Tunnel(c.inner_addr(2, 1), c.inner_addr(2, 2))
    g6 = c.sa(c.L(3, 6), c.R(3, 6), kind='gmac', wesp='e0', mode='transport')
    e1 = c.sa(c.L(4), c.R(4), kind='gcm', wesp='e1')
    te = Tunnel(c.inner_addr(4, 1), c.inner_addr(4, 2))
    u0 = c.sa(c.L(5), c.R(5), icv=12, wesp='e0', ports=(4500, 4500))
    tu = Tunnel(c.inner_addr(5, 1), c.inner_addr(5, 2))
    u1 = c.sa(c.L(6), c.R(6), kind='cbc', icv=16, wesp='e1',
              ports=(4500, 4500))
    tv = Tunnel(c.inner_addr(6, 1), c.inner_addr(6, 2))
    interleave(r,
               conv_thunks(tcp_conv(r, 1), a1, a2, ta),
               conv_thunks(tcp_conv(r, 1) + udp_conv(r, 1), b1, None, None),
               conv_thunks(icmp_conv(r, 4), g4, None, tg),
               conv_thunks(udp_conv(r, 4), g6, None, None),
               conv_thunks(icmp_conv(r, 4), e1, None, te),
               conv_thunks(udp_conv(r, 4), u0, None, tu),
               conv_thunks(udp_conv(r, 4), u1, None, tv))


@case
def wesp_invalid(c):
    """WESP headers that break RFC 5840 section 2, mixed into valid WESP
    SAs (the invalid packets do not advance the SA): version 1 and 2,
    HdrLen 8 (< 12), HdrLen 14 (not a multiple of 4), IPv6 HdrLen 20 (not a
    multiple of 8), TrailerLen larger than the packet, TrailerLen 16 on a
    12-byte ICV, WESP next header != ESP trailer next header, E=1 with a
    non-zero next header / HdrLen / TrailerLen; a UDP-encapsulated WESP
    with version 1; and an SPI that only ever sends invalid headers (no SA
    must appear for it).  Each invalid packet is skipped as wesp_invalid."""
    r = c.rng
    a1 = c.sa(c.L(0), c.R(0), icv=12, wesp='e0')
    ta = Tunnel(c.inner_addr(0, 1), c.inner_addr(0, 2))
    b1 = c.sa(c.L(1, 6), c.R(1, 6), icv=16, wesp='e0')
    tb = Tunnel(c.inner_addr(1, 1, 6), c.inner_addr(1, 2, 6))
    e1 = c.sa(c.L(2), c.R(2), kind='gcm', wesp='e1')
    te = Tunnel(c.inner_addr(2, 1), c.inner_addr(2, 2))
    u0 = c.sa(c.L(3), c.R(3), icv=12, wesp='e0', ports=(4500, 4500))
    tu = Tunnel(c.inner_addr(3, 1), c.inner_addr(3, 2))
    bad = c.sa(c.L(4), c.R(4), icv=12, wesp='e0')
    tbad = Tunnel(c.inner_addr(4, 1), c.inner_addr(4, 2))
    conv_a = icmp_conv(r, 5)
    conv_b = udp_conv(r, 3)
    conv_e = icmp_conv(r, 3)
    conv_u = udp_conv(r, 3)
    invalid_a = [dict(flags=0x40), dict(flags=0x80), dict(hdrlen=8),
                 dict(hdrlen=14), dict(trl=250), dict(trl=16), dict(nh=6)]
    invalid_b = [dict(hdrlen=20), dict(nh=17)]
    invalid_e = [dict(nh=4), dict(hdrlen=12), dict(trl=12)]
    invalid_u = [dict(flags=0x40)]
    streams = []
    for sa, tun, conv, inv in ((a1, ta, conv_a, invalid_a),
                               (b1, tb, conv_b, invalid_b),
                               (e1, te, conv_e, invalid_e),
                               (u0, tu, conv_u, invalid_u)):
        th = []
        for i, (d, layer) in enumerate(conv):
            inner, nh = tun(d, layer)
            th.append(lambda sa=sa, inner=inner, nh=nh: sa.send(inner, nh))
            if i < len(inv):
                th.append(lambda sa=sa, inner=inner, nh=nh, o=inv[i]:
                          sa.send(inner, nh, wesp_invalid=o))
        streams.append(th)
    th = []
    for d, layer in icmp_conv(r, 2):
        inner, nh = tbad(d, layer)
        th.append(lambda inner=inner, nh=nh:
                  bad.send(inner, nh, wesp_invalid=dict(flags=0x80)))
    streams.append(th)
    interleave(r, *streams)


@case
def l2_vlan(c):
    """Layer 2 variety on Ethernet: 802.1Q (VID 100), QinQ 802.1ad
    (0x88a8 then 0x8100), double 0x8100, Ethernet FCS trailers (4 bytes after
    the IP packet), and an ICV-0 transport SA of tiny UDP packets padded to
    the 60-byte Ethernet minimum plus FCS."""
    r = c.rng
    v1 = c.sa(c.L(0), c.R(0), icv=12)
    tv = Tunnel(c.inner_addr(0, 1), c.inner_addr(0, 2))
    q1 = c.sa(c.L(1), c.R(1), icv=16)
    tq = Tunnel(c.inner_addr(1, 1), c.inner_addr(1, 2))
    d1 = c.sa(c.L(2, 6), c.R(2, 6), icv=24, mode='transport')
    f1 = c.sa(c.L(3), c.R(3), icv=12)
    f2 = c.sa(c.R(3), c.L(3), icv=12)
    tf = Tunnel(c.inner_addr(3, 1), c.inner_addr(3, 2))
    m1 = c.sa(c.L(4), c.R(4), icv=0, mode='transport')

    def tiny(n):
        out = []
        for i in range(n):
            out.append((0, UDP(sport=3784, dport=3785) /
                        Raw(bytes(range(i % 4)))))
        return out
    interleave(r,
               conv_thunks(icmp_conv(r, 5), v1, None, tv,
                           vlans=((0x8100, 100),)),
               conv_thunks(udp_conv(r, 5), q1, None, tq,
                           vlans=((0x88a8, 0x2000 | 300), (0x8100, 42))),
               conv_thunks(udp_conv(r, 5), d1, None, None,
                           vlans=((0x8100, 7), (0x8100, 8))),
               conv_thunks(tcp_conv(r, 2), f1, f2, tf, fcs=True),
               conv_thunks(tiny(6), m1, None, None, fcs=True, pad60=True))


@case
def l3_options(c):
    """Outer IPv4 options (Router Alert, IHL 6; Record Route + NOP, IHL 10)
    in transport and tunnel mode, and outer IPv6 extension headers
    (hop-by-hop, routing type 0 with segments left 0, destination options)
    before ESP in transport and tunnel mode.  The rebuilt transport-mode
    header drops the options and extension headers."""
    r = c.rng
    ra = bytes([0x94, 4, 0, 0])
    rr = bytes([7, 15, 4]) + b'\0' * 12 + bytes([1])
    o1 = c.sa(c.L(0), c.R(0), icv=12, mode='transport', tos=0x10)
    o2 = c.sa(c.L(1), c.R(1), icv=16)
    to = Tunnel(c.inner_addr(1, 1), c.inner_addr(1, 2))
    x1 = c.sa(c.L(2, 6), c.R(2, 6), icv=12, mode='transport', flow=0x777)
    x2 = c.sa(c.L(3, 6), c.R(3, 6), icv=32)
    tx = Tunnel(c.inner_addr(3, 1, 6), c.inner_addr(3, 2, 6))
    interleave(r,
               conv_thunks(udp_conv(r, 5), o1, None, None, ipopts=ra),
               conv_thunks(icmp_conv(r, 5), o2, None, to, ipopts=rr),
               conv_thunks(tcp_conv(r, 1), x1, None, None,
                           ext=(EXT_HBH, EXT_RT0, EXT_DST)),
               conv_thunks(icmp_conv(r, 5, v=6), x2, None, tx,
                           ext=(EXT_HBH, EXT_DST)))


def big_conv(rng, n, size):
    return [(0, UDP(sport=7000 + i, dport=9000) / Raw(text(rng, size + i)))
            for i in range(n)]


@case
def frag_v4(c):
    """Fragmented ESP over IPv4: an ESP-NULL tunnel SA whose big packets
    come in 2 fragments in order, 3 fragments out of order (last first,
    first last, middle last), mixed with unfragmented ones; a fragmented
    ESP-in-UDP (4500) transport SA; a datagram that never completes (its
    fragment is held); fragments that are invalid (non-last fragment not
    a multiple of 8 bytes; offset + length beyond 65535)."""
    r = c.rng
    a1 = c.sa(c.L(0), c.R(0), icv=12)
    ta = Tunnel(c.inner_addr(0, 1), c.inner_addr(0, 2))
    u1 = c.sa(c.L(1), c.R(1), icv=16, ports=(4500, 4500), mode='transport')
    frags = [None, dict(sizes=[600]), dict(sizes=[400, 400], order=[2, 1, 0]),
             dict(sizes=[504], order=[1, 0]), None,
             dict(sizes=[296, 304], order=[0, 2, 1]), dict(sizes=[600])]
    th = []
    for i, (d, layer) in enumerate(big_conv(r, len(frags), 900)):
        inner, nh = ta(d, layer)
        th.append(lambda inner=inner, nh=nh, f=frags[i]:
                  a1.send(inner, nh, frag=f))
    th2 = []
    for i, (d, layer) in enumerate(big_conv(r, 5, 700)):
        inner, nh = transport(u1, layer)
        th2.append(lambda inner=inner, nh=nh, f=(dict(sizes=[512])
                                                 if i % 2 == 0 else None):
                   u1.send(inner, nh, frag=f))

    def orphan():
        ip = ip4(c.L(2), c.R(2), 50, r.randbytes(400), ident=4242, mf=True)
        c.emit(c.link(ip, 4, mac_of(c.L(2)), mac_of(c.R(2))),
               meta=dict(skip='fragment_held'))

    def bad_len():
        ip = ip4(c.L(3), c.R(3), 50, r.randbytes(101), ident=4343, mf=True)
        c.emit(c.link(ip, 4, mac_of(c.L(3)), mac_of(c.R(3))),
               meta=dict(skip='fragment_invalid'))

    def bad_off():
        ip = ip4(c.L(3), c.R(3), 50, r.randbytes(200), ident=4444, mf=False,
                 off8=8180)
        c.emit(c.link(ip, 4, mac_of(c.L(3)), mac_of(c.R(3))),
               meta=dict(skip='fragment_invalid'))
    interleave(r, th, th2, [orphan, bad_len, bad_off])


@case
def frag_v6(c):
    """Fragmented ESP over IPv6 (fragment header, RFC 8200 section 4.5):
    ESP-NULL tunnel SA with 2 fragments in order, 3 out of order, and a
    hop-by-hop header before the fragment header; a transport SA with
    fragments; a datagram that never completes; an invalid fragment (a
    non-last fragment whose length is not a multiple of 8)."""
    r = c.rng
    a1 = c.sa(c.L(0, 6), c.R(0, 6), icv=16)
    ta = Tunnel(c.inner_addr(0, 1, 6), c.inner_addr(0, 2, 6))
    t1 = c.sa(c.L(1, 6), c.R(1, 6), icv=12, mode='transport', flow=0x4242)
    frags = [dict(sizes=[800]), None, dict(sizes=[400, 400], order=[1, 2, 0]),
             dict(sizes=[600], order=[1, 0]), None, dict(sizes=[504])]
    exts = [(), (), (), (), (), (EXT_HBH,)]
    th = []
    for i, (d, layer) in enumerate(big_conv(r, len(frags), 1100)):
        inner, nh = ta(d, layer)
        th.append(lambda inner=inner, nh=nh, f=frags[i], e=exts[i]:
                  a1.send(inner, nh, frag=f, ext=e))
    th2 = []
    for i, (d, layer) in enumerate(big_conv(r, 4, 1000)):
        inner, nh = transport(t1, layer)
        th2.append(lambda inner=inner, nh=nh, f=(dict(sizes=[504], order=[1, 0])
                                                 if i % 2 else None):
                   t1.send(inner, nh, frag=f))

    def v6frag(src, dst, off, m, ident, payload):
        fh = struct.pack('!BBHI', 50, 0, off | m, ident)
        return ip6(src, dst, 44, fh + payload)

    def orphan():
        ip = v6frag(c.L(2, 6), c.R(2, 6), 0, 1, 0xabcdef, r.randbytes(512))
        c.emit(c.link(ip, 6, mac_of(c.L(2, 6)), mac_of(c.R(2, 6))),
               meta=dict(skip='fragment_held'))

    def bad_len():
        ip = v6frag(c.L(3, 6), c.R(3, 6), 0, 1, 0x1234, r.randbytes(301))
        c.emit(c.link(ip, 6, mac_of(c.L(3, 6)), mac_of(c.R(3, 6))),
               meta=dict(skip='fragment_invalid'))
    interleave(r, th, th2, [orphan, bad_len])


@case
def snaplen(c):
    """Frames cut by a 128-byte snaplen (caplen < len): an ESP-NULL SA whose
    small packets are whole and whose big ones are cut after the ESP
    header (decoded, no inner packet); an SA whose every packet is cut
    (verdict undecided); and frames cut before the 8 ESP header bytes
    (IPv4 header, ESP header, IPv6 ESP header, UDP header, UDP-encapsulated
    SPI) which are skipped as truncated."""
    r = c.rng
    c.snaplen = 128
    a1 = c.sa(c.L(0), c.R(0), icv=12)
    ta = Tunnel(c.inner_addr(0, 1), c.inner_addr(0, 2))
    b1 = c.sa(c.L(1), c.R(1), icv=16)
    tb = Tunnel(c.inner_addr(1, 1), c.inner_addr(1, 2))
    t6 = c.sa(c.L(2, 6), c.R(2, 6), icv=12, mode='transport')
    u1 = c.sa(c.L(3), c.R(3), icv=12, ports=(4500, 4500))
    tu = Tunnel(c.inner_addr(3, 1), c.inner_addr(3, 2))
    th = []
    for i in range(10):
        size = 10 if i % 2 == 0 else 300
        layer = UDP(sport=1111, dport=2222) / Raw(text(r, size))
        inner, nh = ta(0, layer)
        th.append(lambda inner=inner, nh=nh:
                  a1.send(inner, nh, cut=128))
    thb = []
    for i in range(4):
        inner, nh = tb(0, UDP(sport=3333, dport=4444) / Raw(text(r, 200)))
        thb.append(lambda inner=inner, nh=nh: b1.send(inner, nh, cut=128))
    # cut before the ESP header is complete: skipped as truncated
    cuts = [(a1, 14 + 16), (a1, 14 + 20 + 6), (t6, 14 + 40 + 4),
            (u1, 14 + 20 + 4), (u1, 14 + 20 + 8 + 4)]
    thc = []
    for sa, cut in cuts:
        inner, nh = (transport(sa, UDP(sport=1, dport=2) / Raw(b'x' * 80))
                     if sa is t6 else
                     (ta if sa is a1 else tu)(0, UDP(sport=5, dport=6) /
                                              Raw(b'y' * 80)))
        thc.append(lambda sa=sa, inner=inner, nh=nh, cut=cut:
                   sa.send(inner, nh, cut=cut))
    interleave(r, th, thb, thc)


def link_case(c, linktype, extra=None):
    """Two ESP-NULL SAs (IPv4 tunnel SHA1-96 pair, IPv6 transport
    SHA256-128), an AES-CBC encrypted SA, and a plain TCP packet."""
    r = c.rng
    c.interfaces = [(linktype, 'any', 6)]
    a1 = c.sa(c.L(0), c.R(0), icv=12)
    a2 = c.sa(c.R(0), c.L(0), icv=12)
    ta = Tunnel(c.inner_addr(0, 1), c.inner_addr(0, 2))
    b1 = c.sa(c.L(1, 6), c.R(1, 6), icv=16, mode='transport')
    e1 = c.sa(c.L(2), c.R(2), kind='cbc', icv=12)
    te = Tunnel(c.inner_addr(2, 1), c.inner_addr(2, 2))
    tcp = bytes(IP(src=c.L(3), dst=c.R(3), id=77) /
                TCP(sport=40000, dport=443, flags='S', seq=1))
    kw = dict(extra or {})
    b_opts = kw.pop('b_opts', {})
    streams = [conv_thunks(tcp_conv(r, 2), a1, a2, ta, **kw),
               conv_thunks(udp_conv(r, 3) + icmp_conv(r, 1, v=6), b1, None,
                           None, **b_opts),
               conv_thunks(tcp_conv(r, 2) + udp_conv(r, 2), e1, None, te),
               [lambda: c.plain(tcp, 'not_ipsec')]]
    return streams


@case
def link_sll(c):
    """Linux cooked capture v1 (LINKTYPE_LINUX_SLL 113), incoming and
    outgoing packet types, with an ARP frame (not IP)."""
    streams = link_case(c, LT_SLL, dict(pkttype=4))
    arp = bytes.fromhex('0001080006040001') + mac_of('x') + \
        ip_bytes(c.L(5)) + b'\0' * 6 + ip_bytes(c.R(5))
    streams.append([lambda: c.emit(c.link(arp, 4, mac_of('x'),
                                          ethertype=0x0806),
                                   meta=dict(skip='not_ip'))])
    interleave(c.rng, *streams)


@case
def link_sll2(c):
    """Linux cooked capture v2 (LINKTYPE_LINUX_SLL2 276)."""
    interleave(c.rng, *link_case(c, LT_SLL2))


@case
def link_raw(c):
    """Raw IP (LINKTYPE_RAW 101): IPv4 and IPv6 packets without a link
    header."""
    interleave(c.rng, *link_case(c, LT_RAW))


@case
def link_null(c):
    """BSD loopback (LINKTYPE_NULL 0): address family in host (little
    endian) byte order, AF_INET 2, AF_INET6 as written by OpenBSD (24) and
    by macOS (30); a frame with family 7 (not IP); an extra IPv6 tunnel
    SA (SHA384-192) with AF_INET6 24."""
    streams = link_case(c, LT_NULL, dict(b_opts=dict(af6=30)))
    x1 = c.sa(c.L(4, 6), c.R(4, 6), icv=24)
    tx = Tunnel(c.inner_addr(4, 1, 6), c.inner_addr(4, 2, 6))
    streams.append(conv_thunks(icmp_conv(c.rng, 4, v=6), x1, None, tx))
    junk = bytes(IP(src=c.L(6), dst=c.R(6)) / UDP() / Raw(b'z' * 20))
    streams.append([lambda: c.emit(struct.pack('<I', 7) + junk,
                                   meta=dict(skip='not_ip'))])
    interleave(c.rng, *streams)


@case
def pcapng_multi_if(c):
    """pcapng with two Ethernet interfaces (microsecond and nanosecond
    if_tsresol): an ESP-NULL SHA256-128 pair seen on both interfaces (one
    direction each) and an AES-GCM SA on the second."""
    r = c.rng
    c.fmt = 'pcapng'
    c.interfaces = [(LT_ETH, 'eth0', 6), (LT_ETH, 'eth1', 9)]
    a1 = c.sa(c.L(0), c.R(0), icv=16)
    a2 = c.sa(c.R(0), c.L(0), icv=16)
    ta = Tunnel(c.inner_addr(0, 1), c.inner_addr(0, 2))
    g1 = c.sa(c.L(1, 6), c.R(1, 6), kind='gcm')
    tg = Tunnel(c.inner_addr(1, 1, 6), c.inner_addr(1, 2, 6))

    def on(ifc, fn):
        def f():
            c.ifc = ifc
            fn()
        return f
    conv = tcp_conv(r, 2)
    th = [on(d, t) for (d, _), t in zip(conv, conv_thunks(conv, a1, a2, ta))]
    tg_th = [on(1, t) for t in conv_thunks(icmp_conv(r, 8, v=6), g1, None,
                                             tg)]
    interleave(r, th, tg_th)


@case
def pcap_nsec_be(c):
    """Classic pcap written big-endian with nanosecond timestamps (magic
    0xa1b23c4d): an ESP-NULL ICV-8 transport pair and an AES-CBC
    SHA512-256 SA."""
    r = c.rng
    c.nsec = c.big = True
    a1 = c.sa(c.L(0), c.R(0), icv=8, mode='transport')
    a2 = c.sa(c.R(0), c.L(0), icv=8, mode='transport')
    e1 = c.sa(c.L(1), c.R(1), kind='cbc', icv=32)
    te = Tunnel(c.inner_addr(1, 1), c.inner_addr(1, 2))
    interleave(r, conv_thunks(tcp_conv(r, 2) + icmp_conv(r, 1), a1, a2, None),
               conv_thunks(udp_conv(r, 8), e1, None, te))


@case
def rekey(c):
    """Rekey: an ESP-NULL SHA256-128 tunnel pair, then a new SPI pair
    between the same peers with the same layout (the reverse successor
    sends only 2 packets, so deciding it early needs the predecessor); an
    AES-CBC SA followed by its encrypted successor."""
    r = c.rng
    o1 = c.sa(c.L(0), c.R(0), icv=16)
    o2 = c.sa(c.R(0), c.L(0), icv=16)
    t = Tunnel(c.inner_addr(0, 1), c.inner_addr(0, 2))
    e1 = c.sa(c.L(1), c.R(1), kind='cbc', icv=12)
    te = Tunnel(c.inner_addr(1, 1), c.inner_addr(1, 2))
    interleave(r, conv_thunks(tcp_conv(r, 3), o1, o2, t),
               conv_thunks(udp_conv(r, 8), e1, None, te))
    n1 = c.sa(c.L(0), c.R(0), icv=16)
    n2 = c.sa(c.R(0), c.L(0), icv=16)
    e2 = c.sa(c.L(1), c.R(1), kind='cbc', icv=12)
    c.allow_short.add(n2)
    conv = [x for x in udp_conv(r, 6) if x[0] == 0] + \
        [x for x in udp_conv(r, 2) if x[0] == 1]
    interleave(r, conv_thunks(conv, n1, n2, t),
               conv_thunks(udp_conv(r, 8), e2, None, te))


@case
def neg_encrypted(c):
    """Encrypted SAs with the ICV lengths of the ESP-NULL cases: AES-CBC with
    HMAC-SHA1-96 (12), HMAC-SHA256-128 (16), HMAC-SHA384-192 (24),
    HMAC-SHA512-256 (32), HMAC-SHA256/64 (8), and AES-GCM-16 (8-byte IV,
    ICV 16) over IPv4 and IPv6, tunnel and transport mode."""
    r = c.rng
    streams = []
    for j, (kind, icv, v, mode) in enumerate([
            ('cbc', 12, 4, 'tunnel'), ('cbc', 16, 4, 'transport'),
            ('cbc', 24, 6, 'tunnel'), ('cbc', 32, 6, 'transport'),
            ('cbc', 8, 4, 'tunnel'), ('gcm', 16, 4, 'tunnel'),
            ('gcm', 16, 6, 'transport')]):
        sa = c.sa(c.L(j, v), c.R(j, v), kind=kind, icv=icv, mode=mode)
        tun = Tunnel(c.inner_addr(j, 1, v), c.inner_addr(j, 2, v)) \
            if mode == 'tunnel' else None
        conv = [x for x in tcp_conv(r, 3) + udp_conv(r, 3)]
        streams.append(conv_thunks(conv, sa, sa, tun))
    interleave(r, *streams)


@case
def neg_adversarial(c):
    """Random payloads built to look like ESP-NULL: a valid-looking trailer
    (monotonic padding, pad length, next header 6/17/41/4) for one (IV,
    ICV) layout on every packet; payloads starting with 0x45 (random
    otherwise); 0x45 plus a trailer with next header 4; 0x45 00 plus the
    right IPv4 total length and a trailer.  None of them is ESP-NULL:
    espvis must not call them null."""
    r = c.rng
    specs = [dict(style='trailer', icv=12, nh=6),
             dict(style='trailer', icv=16, nh=17),
             dict(style='trailer', icv=0, nh=4),
             dict(style='trailer', iv=8, icv=16, nh=41),
             dict(style='ip45', icv=12),
             dict(style='ip45_trailer', icv=12, nh=4),
             dict(style='ip45_len', icv=16, nh=4)]
    streams = []
    for j, spec in enumerate(specs):
        ports = (4500, 4500) if j == 1 else None
        sa = c.sa(c.L(j), c.R(j), kind='adv', adv=spec, ports=ports)
        streams.append([lambda sa=sa: sa.send() for _ in range(12)])
    interleave(r, *streams)


@case
def garbage(c):
    """One ESP-NULL SA among frames espvis must skip: frames too short for
    Ethernet or a VLAN tag, ARP and LLDP (not IP), IPv4/IPv6 headers cut
    short, IHL 4, version 7, total or payload length beyond the frame, plain
    TCP/UDP/ICMP (not IPsec), UDP 4500 with a bad UDP length, ESP shorter
    than its 8-byte header, UDP 4500 with 6 bytes of ESP."""
    r = c.rng
    a1 = c.sa(c.L(0), c.R(0), icv=12)
    ta = Tunnel(c.inner_addr(0, 1), c.inner_addr(0, 2))
    s, d = c.L(1), c.R(1)
    m = dict(smac=mac_of(s), dmac=mac_of(d))
    eth = m['dmac'] + m['smac']
    good_udp = udp(s, d, 4500, 4500, r.randbytes(40))
    junk = [
        (r.randbytes(10), 'malformed_l2'),
        (eth + b'\x81\x00\x00\x64', 'malformed_l2'),
        (eth + b'\x08\x06' + bytes.fromhex('0001080006040001') + m['smac'] +
         ip_bytes(s) + b'\0' * 6 + ip_bytes(d), 'not_ip'),
        (eth + b'\x88\xcc' + r.randbytes(40), 'not_ip'),
        (eth + b'\x08\x00' + ip4(s, d, 50, b'')[:12], 'malformed_ip'),
        (eth + b'\x08\x00' + ip4(s, d, 50, r.randbytes(40), ihl=4),
         'malformed_ip'),
        (eth + b'\x08\x00' + bytes([0x75]) + ip4(s, d, 50, r.randbytes(40))[1:],
         'malformed_ip'),
        (eth + b'\x08\x00' + ip4(s, d, 50, r.randbytes(40), total=400),
         'malformed_ip'),
        (eth + b'\x86\xdd' + ip6(s.replace('198.51.100.', '2001:db8::'),
                                 '2001:db8::1', 50, b'')[:30], 'malformed_ip'),
        (eth + b'\x86\xdd' + ip6('2001:db8::5', '2001:db8::1', 50,
                                 r.randbytes(40), plen=300), 'malformed_ip'),
        (eth + b'\x08\x00' + bytes(IP(src=s, dst=d, id=9) /
                                   TCP(sport=1234, dport=80, flags='S')),
         'not_ipsec'),
        (eth + b'\x08\x00' + bytes(IP(src=s, dst=d, id=10) /
                                   UDP(sport=1234, dport=53) / Raw(b'q' * 30)),
         'not_ipsec'),
        (eth + b'\x08\x00' + bytes(IP(src=s, dst=d, id=11) / ICMP() /
                                   Raw(b'p' * 32)), 'not_ipsec'),
        (eth + b'\x08\x00' + ip4(s, d, 17, good_udp[:4] +
                                 struct.pack('!H', 4) + good_udp[6:]),
         'malformed_udp'),
        (eth + b'\x08\x00' + ip4(s, d, 17, good_udp[:4] +
                                 struct.pack('!H', 200) + good_udp[6:]),
         'malformed_udp'),
        (eth + b'\x08\x00' + ip4(s, d, 50, b'\x00\x01\x02\x03\x04'),
         'malformed_esp'),
        (eth + b'\x08\x00' + ip4(s, d, 17, udp(s, d, 4500, 4500,
                                               b'\x11\x22\x33\x44\x00\x01')),
         'malformed_esp'),
    ]
    th = [lambda f=f, why=why: c.raw(f, why) for f, why in junk]
    interleave(r, conv_thunks(icmp_conv(r, 5), a1, None, ta), th)


@case
def linktype_unsupported(c):
    """A capture with link type IEEE 802.11 (105), which espvis does not
    decode: every frame is skipped as unsupported_linktype."""
    c.interfaces = [(LT_80211, 'wlan0', 6)]
    for _ in range(5):
        c.raw(b'\x08\x02' + c.rng.randbytes(60), 'unsupported_linktype')


def bad_base(c):
    a1 = c.sa(c.L(0), c.R(0), icv=12)
    ta = Tunnel(c.inner_addr(0, 1), c.inner_addr(0, 2))
    e1 = c.sa(c.L(1), c.R(1), kind='cbc', icv=16)
    te = Tunnel(c.inner_addr(1, 1), c.inner_addr(1, 2))
    interleave(c.rng, conv_thunks(icmp_conv(c.rng, 5), a1, None, ta),
               conv_thunks(udp_conv(c.rng, 8), e1, None, te))


@case
def bad_cut_record(c):
    """A pcap cut in the middle of its last record (record header says 150
    bytes, 50 follow).  espvis must report the error, exit non-zero and
    still count and export the packets before it."""
    bad_base(c)
    c.error = 'truncated record'
    c.tail = struct.pack('<IIII', T_BASE + 10 * c.idx + 9, 0, 150, 150) + \
        c.rng.randbytes(50)


@case
def bad_huge_caplen(c):
    """A pcap whose last record header claims a caplen of 1 GiB (more than
    the snaplen and than libpcap accepts)."""
    bad_base(c)
    c.error = 'corrupt record header'
    c.tail = struct.pack('<IIII', T_BASE + 10 * c.idx + 9, 0, 1 << 30,
                         1 << 30) + c.rng.randbytes(64)


@case
def bad_empty(c):
    """An empty file (0 bytes)."""
    c.fmt = 'raw'
    c.error = 'empty file'


@case
def bad_not_pcap(c):
    """A text file named .pcap."""
    c.fmt = 'raw'
    c.error = 'not a capture'
    c.tail = b'This is not a packet capture.\nespvis must say so.\n' * 3


# --- self-check of the truth ---------------------------------------------------
# A reference for what the RFC 5879 checks can see: for every plain-ESP SA,
# the (IV, ICV) layouts consistent with every complete packet.  ESP-NULL
# SAs must leave exactly their own layout, encrypted and adversarial ones
# none; otherwise the truth would not be exact and generation fails.

def ipv4_ok(b):
    if len(b) < 20 or b[0] >> 4 != 4 or (b[0] & 15) < 5:
        return False
    hl = (b[0] & 15) * 4
    return len(b) >= hl and struct.unpack('!H', b[2:4])[0] == len(b) and \
        csum(b[:hl]) == 0


def ipv6_ok(b):
    return len(b) >= 40 and b[0] >> 4 == 6 and \
        struct.unpack('!H', b[4:6])[0] + 40 == len(b)


def l4_ok(nh, b, src, dst):
    if nh == 4:
        return ipv4_ok(b)
    if nh == 41:
        return ipv6_ok(b)
    if nh == 6:
        return len(b) >= 20 and 20 <= (b[12] >> 4) * 4 <= len(b) and \
            csum(pseudo(src, dst, 6, len(b)) + b) == 0
    if nh == 17:
        if len(b) < 8 or struct.unpack('!H', b[4:6])[0] != len(b):
            return False
        return (b[6:8] == b'\0\0' and ip_ver(src) == 4) or \
            csum(pseudo(src, dst, 17, len(b)) + b) == 0
    if nh == 1:
        return len(b) >= 8 and csum(b) == 0
    if nh == 58:
        return len(b) >= 8 and csum(pseudo(src, dst, 58, len(b)) + b) == 0
    if nh == 132:
        if len(b) < 16:
            return False
        z = b[:8] + b'\0\0\0\0' + b[12:]
        return struct.unpack('<I', b[8:12])[0] == crc32c(z)
    if nh == 89:
        return len(b) >= 16 and b[0] == 3 and \
            struct.unpack('!H', b[2:4])[0] == len(b) and \
            csum(pseudo(src, dst, 89, len(b)) + b) == 0
    if nh == 47:
        if len(b) < 4 or b[0] & 0x07 or b[1] & 0x07:
            return False
        proto = struct.unpack('!H', b[2:4])[0]
        return (proto == 0x0800 and ipv4_ok(b[4:])) or \
            (proto == 0x86dd and ipv6_ok(b[4:]))
    return False


def layouts(esp, src, dst):
    ok = set()
    for iv, icv in CANDIDATES:
        end = len(esp) - icv
        if end - 2 < 8 + iv:
            continue
        p, nh = esp[end - 2], esp[end - 1]
        start = end - 2 - p
        if start < 8 + iv or esp[start:end - 2] != bytes(range(1, p + 1)):
            continue
        if l4_ok(nh, esp[8 + iv:start], src, dst):
            ok.add((iv, icv))
    return ok


def self_check(c):
    for sa in c.sa_order:
        if sa.wesp or not c.full_esp[sa]:
            continue
        sets = [layouts(e, sa.src, sa.dst) for e in c.full_esp[sa]]
        common = set.intersection(*sets)
        want = {(sa.iv, sa.icv)} if sa.is_null else set()
        if common != want:
            raise SystemExit('%s: SA spi 0x%08x: layouts %s, expected %s' %
                             (c.name, sa.spi, sorted(common), sorted(want)))
        if sa.is_null:
            for s in sets:
                assert (sa.iv, sa.icv) in s


# --- main ---------------------------------------------------------------------

def main(argv):
    top = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    outdir = argv[1] if len(argv) > 1 else os.path.join(top, 'pcaps', 'gen')
    os.makedirs(outdir, exist_ok=True)
    total = 0
    for idx, fn in enumerate(CASES):
        c = Case(fn.__name__, idx, doc=fn.__doc__)
        fn(c)
        self_check(c)
        files = c.write(outdir)
        total += sum(len(d) for d in files.values())
    print('gen_captures: %d cases, %d bytes in %s' % (len(CASES), total,
                                                      outdir))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
