#!/usr/bin/python3
"""Generate pcaps/gen/apps_*: ESP-NULL SAs carrying application sessions.

    tests/gen/gen_apps.py [OUTDIR]        (default: pcaps/gen of this tree)

The cases of gen_captures.py carry TCP, UDP and ICMP with filler payloads:
enough for the ESP-NULL heuristics, not for an application classifier.
These cases carry whole sessions of protocols nDPI names - HTTP, DNS,
TLS (ClientHello with SNI, a certificate), SSH (banners, KEXINIT, key
exchange), SMB2, NTP, FTP, POP3, IMAP, SMTP and Telnet - each TCP session
with its handshake, sequence numbers and close, over tunnel and transport
SAs, IPv4 and IPv6, and one UDP-encapsulated pair.

The files are those of every pcaps/gen case (capture, .inner.pcap,
.truth.json; tests/gen/README.md), built with gen_captures.py's SA and
capture code, so test_golden.py checks them like the others.  The truth
has one more key, "flows": every inner flow with its client (the source
of its first packet) and the app nDPI 4.2 names for what was written
into it (tests/integration/test_ndpi_reader.py checks espvis against it).

Deterministic like gen_captures.py: these cases continue its numbering
(case k starts at 2026-11-26T12:00:00Z + 10 k s and uses the addresses of
case k), and every SPI is unique over both scripts: gen_captures.py's
cases are built in memory first, to learn theirs.
"""
import datetime
import ipaddress
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_captures as g  # noqa: E402

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import \
        Ed25519PrivateKey
    from cryptography.x509.oid import NameOID
    from scapy.layers.dns import DNS, DNSQR, DNSRR
    from scapy.layers.inet import TCP, UDP
    from scapy.packet import Raw
except ImportError as e:       # pragma: no cover
    sys.stderr.write("gen_apps.py needs python3-scapy and "
                     "python3-cryptography: %s\n" % e)
    sys.exit(2)

MSS = 1360


# --- TCP and UDP sessions -------------------------------------------------------
# A session is a list of (direction, scapy layer); direction 0 is client to
# server, as in gen_captures.py's conversations.

def tcp_session(rng, dport, exchanges, sport=None):
    """Handshake, the exchanges (direction, payload) cut at the MSS and
    each answered by the peer's ACK when the next segment is not its own,
    then FIN, FIN, ACK (RFC 9293 sections 3.5 and 3.6)."""
    sport = sport or rng.randrange(32768, 61000)
    seq = [rng.getrandbits(32), rng.getrandbits(32)]
    port = [sport, dport]
    win = [64240, 65160]

    def seg(d, flags, payload=b'', **kw):
        t = TCP(sport=port[d], dport=port[1 - d], flags=flags,
                seq=seq[d] & 0xffffffff, window=win[d], **kw)
        if 'A' in flags:
            t.ack = seq[1 - d] & 0xffffffff
        seq[d] += len(payload) + (1 if 'S' in flags or 'F' in flags else 0)
        return (d, t / Raw(payload) if payload else t)

    out = [seg(0, 'S', options=[('MSS', MSS), ('SAckOK', b''),
                                ('WScale', 7)]),
           seg(1, 'SA', options=[('MSS', MSS), ('SAckOK', b''),
                                 ('WScale', 7)]),
           seg(0, 'A')]
    for i, (d, payload) in enumerate(exchanges):
        for off in range(0, len(payload), MSS):
            out.append(seg(d, 'PA', payload[off:off + MSS]))
        nxt = exchanges[i + 1][0] if i + 1 < len(exchanges) else None
        if nxt != 1 - d:
            out.append(seg(1 - d, 'A'))
    out.append(seg(0, 'FA'))
    out.append(seg(1, 'FA'))
    out.append(seg(0, 'A'))
    return out


def udp_session(rng, dport, exchanges):
    sport = rng.randrange(32768, 61000)
    return [(d, UDP(sport=sport if d == 0 else dport,
                    dport=dport if d == 0 else sport) / Raw(p))
            for d, p in exchanges]


def lines(*xs):
    return [(d, s.encode() if isinstance(s, str) else s) for d, s in xs]


# --- application payloads -------------------------------------------------------

def http(rng, host='www.example.org'):
    body = b'<!doctype html><html><head><title>espvis</title></head>' \
        b'<body><p>' + g.text(rng, 300) + b'</p></body></html>\n'
    return lines(
        (0, 'GET /index.html HTTP/1.1\r\nHost: %s\r\n'
            'User-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n' % host),
        (1, b'HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\n'
            b'Date: Thu, 26 Nov 2026 12:00:00 GMT\r\n'
            b'Content-Type: text/html\r\nContent-Length: %d\r\n'
            b'Connection: close\r\n\r\n' % len(body) + body))


def dns(rng, name='www.example.org', v6=False):
    ident = rng.randrange(65536)
    qtype = 'AAAA' if v6 else 'A'
    rdata = '2001:db8:ff::80' if v6 else '192.0.2.80'
    q = DNS(id=ident, rd=1, qd=DNSQR(qname=name, qtype=qtype))
    r = DNS(id=ident, qr=1, rd=1, ra=1, qd=DNSQR(qname=name, qtype=qtype),
            an=DNSRR(rrname=name, type=qtype, ttl=300, rdata=rdata))
    return [(0, bytes(q)), (1, bytes(r))]


def ntp(rng):
    """NTPv4 client request and server reply (RFC 5905 section 7.3)."""
    t = rng.getrandbits(64)
    req = struct.pack('!BBbbII4sQQQQ', 0x23, 0, 6, -20, 0, 0, b'\0' * 4,
                      0, 0, 0, t)
    rep = struct.pack('!BBbbII4sQQQQ', 0x24, 2, 6, -23, 0x20, 0x40,
                      bytes([192, 0, 2, 123]), t - (1 << 32), t, t + 5,
                      t + 9)
    return [(0, req), (1, rep)]


def tls_ext(typ, body):
    return struct.pack('!HH', typ, len(body)) + body


def tls_record(ctype, body):
    return struct.pack('!BHH', ctype, 0x0303, len(body)) + body


def tls_handshake(htype, body):
    return bytes([htype]) + len(body).to_bytes(3, 'big') + body


def tls_client_hello(rng, sni):
    """RFC 8446 section 4.1.2 ClientHello offering TLS 1.3 and 1.2."""
    name = sni.encode()
    alpn = b'\x02h2\x08http/1.1'
    sigs = (0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601)
    exts = (tls_ext(0, struct.pack('!HBH', len(name) + 3, 0, len(name)) +
                    name) +
            tls_ext(10, struct.pack('!HHHH', 6, 29, 23, 24)) +
            tls_ext(11, b'\x01\x00') +
            tls_ext(13, struct.pack('!H', 2 * len(sigs)) +
                    b''.join(struct.pack('!H', s) for s in sigs)) +
            tls_ext(16, struct.pack('!H', len(alpn)) + alpn) +
            tls_ext(43, b'\x04\x03\x04\x03\x03') +
            tls_ext(51, struct.pack('!HHH', 36, 29, 32) + rng.randbytes(32)))
    suites = (0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030,
              0xcca9, 0xcca8)
    body = (b'\x03\x03' + rng.randbytes(32) + b'\x20' + rng.randbytes(32) +
            struct.pack('!H', 2 * len(suites)) +
            b''.join(struct.pack('!H', s) for s in suites) + b'\x01\x00' +
            struct.pack('!H', len(exts)) + exts)
    return struct.pack('!BHH', 22, 0x0301, 4 + len(body)) + \
        tls_handshake(1, body)


def certificate(rng, cn):
    """A self-signed Ed25519 certificate: Ed25519 signatures are
    deterministic, so the DER is the same on every run."""
    key = Ed25519PrivateKey.from_private_bytes(rng.randbytes(32))
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME,
                                            'espvis test')])
    cert = (x509.CertificateBuilder().subject_name(subject)
            .issuer_name(subject).public_key(key.public_key())
            .serial_number(rng.getrandbits(63) + 1)
            .not_valid_before(datetime.datetime(2026, 1, 1))
            .not_valid_after(datetime.datetime(2027, 1, 1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(cn)]),
                           critical=False)
            .sign(key, None))
    return cert.public_bytes(serialization.Encoding.DER)


def tls(rng, sni='www.example.org'):
    """A TLS 1.2 handshake (RFC 5246 section 7.3) with the certificate in
    clear, then application data."""
    der = certificate(rng, sni)
    sh_exts = tls_ext(0xff01, b'\x00') + tls_ext(11, b'\x01\x00')
    sh = (b'\x03\x03' + rng.randbytes(32) + b'\x20' + rng.randbytes(32) +
          b'\xc0\x2f\x00' + struct.pack('!H', len(sh_exts)) + sh_exts)
    certs = len(der).to_bytes(3, 'big') + der
    server = tls_record(22, tls_handshake(2, sh) +
                        tls_handshake(11, len(certs).to_bytes(3, 'big') +
                                      certs) +
                        tls_handshake(12, b'\x03\x00\x1d\x20' +
                                      rng.randbytes(32) + b'\x08\x07' +
                                      struct.pack('!H', 64) +
                                      rng.randbytes(64)) +
                        tls_handshake(14, b''))
    client = (tls_record(22, tls_handshake(16, b'\x20' + rng.randbytes(32))) +
              tls_record(20, b'\x01') + tls_record(22, rng.randbytes(40)))
    return [(0, tls_client_hello(rng, sni)), (1, server), (0, client),
            (1, tls_record(20, b'\x01') + tls_record(22, rng.randbytes(40))),
            (0, tls_record(23, rng.randbytes(120))),
            (1, tls_record(23, rng.randbytes(900))),
            (0, tls_record(21, rng.randbytes(26)))]


def tls13(rng, sni):
    """A TLS 1.3 handshake (RFC 8446 section 2): after the ServerHello
    everything is encrypted, so nDPI never sees a certificate and keeps
    asking for packets until the flow ends."""
    sh_exts = tls_ext(43, b'\x03\x04') + \
        tls_ext(51, struct.pack('!HH', 29, 32) + rng.randbytes(32))
    sh = (b'\x03\x03' + rng.randbytes(32) + b'\x20' + rng.randbytes(32) +
          b'\x13\x01\x00' + struct.pack('!H', len(sh_exts)) + sh_exts)
    return [(0, tls_client_hello(rng, sni)),
            (1, tls_record(22, tls_handshake(2, sh)) +
             tls_record(20, b'\x01') + tls_record(23, rng.randbytes(1100))),
            (0, tls_record(20, b'\x01') + tls_record(23, rng.randbytes(74))),
            (0, tls_record(23, rng.randbytes(310))),
            (1, tls_record(23, rng.randbytes(1250))),
            (1, tls_record(23, rng.randbytes(640))),
            (0, tls_record(23, rng.randbytes(24)))]


def chatter(rng, n, size):
    """n random messages each way: a protocol nobody names, long enough
    to hit ndpiReader's packet caps (80 TCP, 24 UDP)."""
    out = []
    for _ in range(n):
        out.append((0, rng.randbytes(rng.randrange(size // 2, size))))
        out.append((1, rng.randbytes(rng.randrange(size // 2, size))))
    return out


def ssh_string(b):
    return struct.pack('!I', len(b)) + b


def ssh_packet(rng, payload):
    """RFC 4253 section 6: length, padding length, payload, padding to a
    multiple of 8 (at least 4 bytes), before any MAC is negotiated."""
    pad = 8 - (5 + len(payload)) % 8
    if pad < 4:
        pad += 8
    return struct.pack('!IB', 1 + len(payload) + pad, pad) + payload + \
        rng.randbytes(pad)


def ssh_kexinit(rng, client):
    kex = b'curve25519-sha256,curve25519-sha256@libssh.org,' \
        b'ecdh-sha2-nistp256,diffie-hellman-group14-sha256' + \
        (b',ext-info-c' if client else b',kex-strict-s-v00@openssh.com')
    hostkey = b'ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-512,rsa-sha2-256'
    ciphers = b'chacha20-poly1305@openssh.com,aes128-ctr,aes256-ctr,' \
        b'aes128-gcm@openssh.com,aes256-gcm@openssh.com'
    macs = b'umac-64-etm@openssh.com,hmac-sha2-256-etm@openssh.com,' \
        b'hmac-sha2-512-etm@openssh.com,hmac-sha1'
    comp = b'none,zlib@openssh.com'
    payload = (b'\x14' + rng.randbytes(16) +
               b''.join(ssh_string(x) for x in (
                   kex, hostkey, ciphers, ciphers, macs, macs, comp, comp,
                   b'', b'')) + b'\x00' + b'\0\0\0\0')
    return ssh_packet(rng, payload)


def ssh(rng):
    """Banners (RFC 4253 section 4.2; the server speaks first), KEXINIT
    each way, curve25519 key exchange, NEWKEYS, encrypted packets."""
    hostkey = ssh_string(b'ssh-ed25519') + ssh_string(rng.randbytes(32))
    sig = ssh_string(b'ssh-ed25519') + ssh_string(rng.randbytes(64))
    reply = ssh_packet(rng, b'\x1f' + ssh_string(hostkey) +
                       ssh_string(rng.randbytes(32)) + ssh_string(sig))
    return lines(
        (1, 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n'),
        (0, 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n'),
        (1, ssh_kexinit(rng, False)),
        (0, ssh_kexinit(rng, True)),
        (0, ssh_packet(rng, b'\x1e' + ssh_string(rng.randbytes(32)))),
        (1, reply + ssh_packet(rng, b'\x15')),
        (0, ssh_packet(rng, b'\x15')),
        (0, rng.randbytes(68)),
        (1, rng.randbytes(68)),
        (0, rng.randbytes(132)),
        (1, rng.randbytes(420)))


def smb2_header(cmd, msg_id, response):
    """[MS-SMB2] 2.2.1.2: the 64-byte sync header, little-endian."""
    return (b'\xfeSMB' + struct.pack('<HHIHHIIQII', 64, 0, 0, cmd, 1,
                                     1 if response else 0, 0, msg_id,
                                     0xfeff, 0) +
            struct.pack('<Q', 0) + b'\0' * 16)


def netbios(b):
    """RFC 1002 section 4.3.1 session message: type 0, 24-bit length."""
    return b'\x00' + len(b).to_bytes(3, 'big') + b


def smb2(rng):
    """NEGOTIATE request and response ([MS-SMB2] 2.2.3, 2.2.4)."""
    dialects = (0x0202, 0x0210, 0x0300, 0x0302)
    req = (smb2_header(0, 0, False) +
           struct.pack('<HHHHI', 36, len(dialects), 1, 0, 0x7f) +
           rng.randbytes(16) + b'\0' * 8 +
           b''.join(struct.pack('<H', d) for d in dialects))
    blob = bytes.fromhex('604806062b0601050502a03e303ca00e300c060a2b06010401'
                         '82370202')
    blob += b'\xa3\x2a\x30\x28\xa0\x26\x1b\x24' + b'not_defined_in_RFC4178' \
        b'@please_ignore'
    rsp = (smb2_header(0, 0, True) +
           struct.pack('<HHHH', 65, 1, 0x0302, 0) + rng.randbytes(16) +
           struct.pack('<IIII', 0x2f, 8388608, 8388608, 8388608) +
           struct.pack('<QQ', 0x01dd5f0c3a000000, 0) +
           struct.pack('<HHI', 128, len(blob), 0) + blob)
    return [(0, netbios(req)), (1, netbios(rsp))]


def ftp():
    return lines(
        (1, '220 (vsFTPd 3.0.3)\r\n'), (0, 'USER anonymous\r\n'),
        (1, '331 Please specify the password.\r\n'),
        (0, 'PASS guest@example.org\r\n'), (1, '230 Login successful.\r\n'),
        (0, 'SYST\r\n'), (1, '215 UNIX Type: L8\r\n'), (0, 'PWD\r\n'),
        (1, '257 "/" is the current directory\r\n'), (0, 'QUIT\r\n'),
        (1, '221 Goodbye.\r\n'))


def pop3():
    return lines(
        (1, '+OK Dovecot (Debian) ready.\r\n'), (0, 'CAPA\r\n'),
        (1, '+OK\r\nCAPA\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nUSER\r\n.\r\n'),
        (0, 'USER alice\r\n'), (1, '+OK\r\n'), (0, 'PASS wonderland\r\n'),
        (1, '+OK Logged in.\r\n'), (0, 'STAT\r\n'), (1, '+OK 2 3120\r\n'),
        (0, 'QUIT\r\n'), (1, '+OK Logging out.\r\n'))


def imap():
    return lines(
        (1, '* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE '
            'IDLE LITERAL+ STARTTLS AUTH=PLAIN] Dovecot (Debian) ready.\r\n'),
        (0, 'a001 CAPABILITY\r\n'),
        (1, '* CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE '
            'LITERAL+ STARTTLS AUTH=PLAIN\r\na001 OK Pre-login capabilities '
            'listed, post-login capabilities have more.\r\n'),
        (0, 'a002 LOGIN alice wonderland\r\n'),
        (1, 'a002 OK Logged in\r\n'), (0, 'a003 SELECT INBOX\r\n'),
        (1, '* 2 EXISTS\r\n* 0 RECENT\r\na003 OK [READ-WRITE] Select '
            'completed.\r\n'),
        (0, 'a004 LOGOUT\r\n'),
        (1, '* BYE Logging out\r\na004 OK Logout completed.\r\n'))


def smtp(rng):
    return lines(
        (1, '220 mail.example.org ESMTP Postfix (Debian/GNU)\r\n'),
        (0, 'EHLO client.example.org\r\n'),
        (1, '250-mail.example.org\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n'
            '250-8BITMIME\r\n250 SMTPUTF8\r\n'),
        (0, 'MAIL FROM:<alice@example.org>\r\n'), (1, '250 2.1.0 Ok\r\n'),
        (0, 'RCPT TO:<bob@example.org>\r\n'), (1, '250 2.1.5 Ok\r\n'),
        (0, 'DATA\r\n'), (1, '354 End data with <CR><LF>.<CR><LF>\r\n'),
        (0, b'From: alice@example.org\r\nTo: bob@example.org\r\n'
            b'Subject: espvis\r\n\r\n' + g.text(rng, 200) + b'\r\n.\r\n'),
        (1, '250 2.0.0 Ok: queued as 4F1A2B3C4D\r\n'), (0, 'QUIT\r\n'),
        (1, '221 2.0.0 Bye\r\n'))


def telnet():
    """Option negotiation (RFC 854, 1091, 1073), then a login."""
    return lines(
        (1, b'\xff\xfd\x18\xff\xfd\x20\xff\xfd\x23\xff\xfd\x27'),
        (0, b'\xff\xfb\x18\xff\xfb\x20\xff\xfb\x23\xff\xfb\x27'),
        (1, b'\xff\xfa\x18\x01\xff\xf0'),
        (0, b'\xff\xfa\x18\x00xterm-256color\xff\xf0'),
        (1, b'\xff\xfb\x03\xff\xfd\x01\xff\xfb\x05\xff\xfd\x21'),
        (0, b'\xff\xfd\x03\xff\xfc\x01\xff\xfe\x05\xff\xfc\x21'),
        (1, 'Debian GNU/Linux 12\r\nrouter login: '),
        (0, 'a'), (0, 'l'), (0, 'i'), (0, 'c'), (0, 'e'), (0, '\r\n'),
        (1, 'Password: '), (0, 'w'), (0, 'o'), (0, 'n'), (0, 'd'),
        (0, '\r\n'), (1, '\r\nLinux router 6.1.0-27-amd64\r\n$ '),
        (0, 'exit\r\n'), (1, 'logout\r\n'))


# --- the cases ------------------------------------------------------------------

class AppCase(g.Case):
    """A gen_captures case whose truth also lists the inner flows."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.flows = []

    def flow(self, app, proto, client, sport, server, dport):
        self.flows.append(dict(
            proto=proto, src_ip=ipaddress.ip_address(client).compressed,
            src_port=sport, dest_ip=ipaddress.ip_address(server).compressed,
            dest_port=dport, app=app))

    def truth(self):
        t = super().truth()
        t['flows'] = self.flows
        return t


def first_layer(session):
    layer = session[0][1]
    return layer.sport, layer.dport, 6 if isinstance(layer, TCP) else 17


def tunnel_flows(c, sa_fwd, sa_rev, tun, sessions):
    """Sessions through a tunnel pair: the client is tun.a."""
    out = []
    for app, session in sessions:
        sp, dp, proto = first_layer(session)
        c.flow(app, proto, tun.a, sp, tun.b, dp)
        out.append(g.conv_thunks(session, sa_fwd, sa_rev, tun))
    return out


def transport_flows(c, sa_fwd, sa_rev, sessions):
    out = []
    for app, session in sessions:
        sp, dp, proto = first_layer(session)
        c.flow(app, proto, sa_fwd.src, sp, sa_fwd.dst, dp)
        out.append(g.conv_thunks(session, sa_fwd, sa_rev, None))
    return out


CASES = []


def case(fn):
    CASES.append(fn)
    return fn


@case
def apps_tunnel(c):
    """Tunnel mode. IPv4 HMAC-SHA256-128 pair, inner IPv4: HTTP, TLS 1.2
    (SNI, Ed25519 certificate), SSH, SMB2, DNS and NTP; and an SSH session
    the other way (the client behind the responder).  IPv6 HMAC-SHA1-96
    pair, inner IPv6: HTTP, TLS and DNS (AAAA).  A UDP-encapsulated (RFC
    3948) SHA512-256 pair, inner IPv4: IMAP."""
    r = c.rng
    a1 = c.sa(c.L(0), c.R(0), icv=16)
    a2 = c.sa(c.R(0), c.L(0), icv=16)
    ta = g.Tunnel(c.inner_addr(0, 1), c.inner_addr(0, 2))
    ta_rev = g.Tunnel(c.inner_addr(0, 2), c.inner_addr(0, 1))
    b1 = c.sa(c.L(1, 6), c.R(1, 6), icv=12, flow=0x2a2a2)
    b2 = c.sa(c.R(1, 6), c.L(1, 6), icv=12, flow=0x3b3b3)
    tb = g.Tunnel(c.inner_addr(1, 1, 6), c.inner_addr(1, 2, 6))
    n1 = c.sa(c.L(2), c.R(2), icv=32, ports=(4500, 4500))
    n2 = c.sa(c.R(2), c.L(2), icv=32, ports=(4500, 4500))
    tn = g.Tunnel(c.inner_addr(2, 1), c.inner_addr(2, 2))
    streams = tunnel_flows(c, a1, a2, ta, [
        ('HTTP', tcp_session(r, 80, http(r))),
        ('TLS', tcp_session(r, 443, tls(r))),
        ('SSH', tcp_session(r, 22, ssh(r))),
        ('NetBIOS.SMBv23', tcp_session(r, 445, smb2(r))),
        ('DNS', udp_session(r, 53, dns(r))),
        ('NTP', udp_session(r, 123, ntp(r)))])
    streams += tunnel_flows(c, a2, a1, ta_rev, [
        ('SSH', tcp_session(r, 22, ssh(r))),
        ('TLS.Google', tcp_session(r, 443, tls13(r, 'www.google.com'))),
        ('DNS.YouTube', udp_session(r, 53, dns(r, 'www.youtube.com'))),
        ('Unknown', tcp_session(r, 5555, chatter(r, 45, 60))),
        ('Unknown', udp_session(r, 40001, chatter(r, 15, 80)))])
    streams += tunnel_flows(c, b1, b2, tb, [
        ('HTTP', tcp_session(r, 80, http(r, 'docs.example.org'))),
        ('TLS', tcp_session(r, 443, tls(r, 'mail.example.org'))),
        ('DNS', udp_session(r, 53, dns(r, 'docs.example.org', v6=True)))])
    streams += tunnel_flows(c, n1, n2, tn, [
        ('IMAP', tcp_session(r, 143, imap()))])
    g.interleave(r, *streams)


@case
def apps_transport(c):
    """Transport mode. IPv4 HMAC-SHA1-96 pair: FTP, POP3, SMTP, Telnet and
    DNS.  IPv6 HMAC-SHA256-128 pair: IMAP, HTTP and DNS."""
    r = c.rng
    a1 = c.sa(c.L(0), c.R(0), icv=12, mode='transport')
    a2 = c.sa(c.R(0), c.L(0), icv=12, mode='transport')
    b1 = c.sa(c.L(1, 6), c.R(1, 6), icv=16, mode='transport', flow=0x4c4c4)
    b2 = c.sa(c.R(1, 6), c.L(1, 6), icv=16, mode='transport', flow=0x5d5d5)
    streams = transport_flows(c, a1, a2, [
        ('FTP_CONTROL', tcp_session(r, 21, ftp())),
        ('POP3', tcp_session(r, 110, pop3())),
        ('SMTP', tcp_session(r, 25, smtp(r))),
        ('Telnet', tcp_session(r, 23, telnet())),
        ('DNS', udp_session(r, 53, dns(r, 'ftp.example.org')))])
    streams += transport_flows(c, b1, b2, [
        ('IMAP', tcp_session(r, 143, imap())),
        ('HTTP', tcp_session(r, 80, http(r, 'www6.example.org'))),
        ('DNS', udp_session(r, 53, dns(r, 'www6.example.org', v6=True)))])
    g.interleave(r, *streams)


def main(argv):
    top = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    outdir = argv[1] if len(argv) > 1 else os.path.join(top, 'pcaps', 'gen')
    os.makedirs(outdir, exist_ok=True)
    # gen_captures.py's cases, in memory only: their SPIs must stay unique.
    for idx, fn in enumerate(g.CASES):
        fn(g.Case(fn.__name__, idx))
    total = 0
    for i, fn in enumerate(CASES):
        c = AppCase(fn.__name__, len(g.CASES) + i, doc=fn.__doc__)
        fn(c)
        g.self_check(c)
        files = c.write(outdir)
        total += sum(len(d) for d in files.values())
    print('gen_apps: %d cases, %d bytes in %s' % (len(CASES), total, outdir))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
