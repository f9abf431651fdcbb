#!/usr/bin/python3
"""ESP keys in the inspector (docs/keys.md): a capture built here with
known keys (scapy's SecurityAssociation, an implementation that shares no
code with espvis), read with an `esp_keys:` configuration, part of the
keys inline and part in a key_file:

- ESP-NULL (null-sha256, IP 50, both directions, DNS inside): decided by
  the key on its first packet (method keys, the suite's exact ICV and IV
  lengths), `icv: verified`, icv_ok = the SA's packets;
- ESP-NULL (null-sha1) with one packet's payload altered on the way:
  `icv: failed`, icv_failed 1, and that packet's payload not passed on
  (inner_pkts and the -w stream one short);
- AES-GCM-16 in UDP 4500 (both directions, an HTTP exchange inside):
  verdict encrypted, `decrypted: true`, decrypted_pkts = its packets; the
  inner HTTP flow named by nDPI and its GET in the -w stream;
- AES-256-CBC + HMAC-SHA2-256 (IP 50, ICMP inside): decrypted;
- WESP (IP 141) over ESP-NULL, and UDP-encapsulated WESP (E=1) over
  AES-GCM: verified, and decrypted;
- the stats event's keys section adds up; accounting exact; the same
  with --workers 2;
- without the configuration the same capture gives what it gave before:
  heuristic verdicts, no icv field, no HTTP flow;
- a real capture with published keys (Wireshark's esp-bug-12671, AES-CBC
  + HMAC-SHA-1-96, keys from its esp_sa.tmpl), when /work/shared has it:
  every ICV verified, the ICMP inside decrypted;
- keys are refused with their place, never their value.
"""
import gzip
import os
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import evelib  # noqa: E402
import test_eve_doc  # noqa: E402

try:
    from scapy.layers.dns import DNS, DNSQR, DNSRR
    from scapy.layers.inet import ICMP, IP, TCP, UDP
    from scapy.layers.ipsec import ESP, SecurityAssociation
    from scapy.layers.l2 import Ether
    from scapy.packet import Raw
    from scapy.utils import wrpcap
except ImportError:
    # Debian's python3-scapy lives in the system interpreter; another
    # python3 first on PATH (pyenv) lacks it.
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    print("test_keys: scapy missing, skipped")
    sys.exit(77)

A, B = "192.0.2.1", "198.51.100.7"
HA, HB = "10.1.0.1", "10.2.0.1"
K_SHA256_AB = bytes(range(0x10, 0x30))
K_SHA256_BA = bytes(range(0x30, 0x50))
K_SHA1 = bytes(range(0x50, 0x64))
K_GCM_AB = bytes(range(0x70, 0x84))          # AES-128 key + salt
K_GCM_BA = bytes(range(0x90, 0xa4))
K_CBC = bytes(range(0xa0, 0xc0))             # AES-256
K_CBC_I = bytes(range(0xc0, 0xe0))
K_WESP = bytes(range(0x01, 0x21))
K_WGCM = bytes(range(0xe0, 0xf4))
SECRET_MARK = "7071727374"                    # in K_GCM_AB's hex


def sa(spi, suite, key, ikey=None, src=A, dst=B):
    """scapy's SA; UDP encapsulation is added by udp() (scapy 2.5's
    nat_t_header leaves the UDP length at 8)."""
    th = IP(src=src, dst=dst)
    if suite == "gcm":
        return SecurityAssociation(ESP, spi=spi, crypt_algo="AES-GCM", crypt_key=key,
                                   auth_algo="NULL", auth_key=None,
                                   tunnel_header=th)
    if suite == "cbc":
        return SecurityAssociation(ESP, spi=spi, crypt_algo="AES-CBC", crypt_key=key,
                                   auth_algo="SHA2-256-128", auth_key=ikey,
                                   tunnel_header=th)
    return SecurityAssociation(ESP, spi=spi, crypt_algo="NULL", crypt_key=b"",
                               auth_algo=suite, auth_key=key,
                               tunnel_header=th)


def eth(pkt):
    return Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / pkt


def esp_bytes(enc):
    """The ESP bytes of an encapsulated packet (after IP, or UDP)."""
    raw = bytes(enc)
    off = (raw[0] & 0x0f) * 4
    return raw[off + 8:] if raw[9] == 17 else raw[off:]


def udp(enc, payload=None):
    """The ESP of enc in UDP 4500 (RFC 3948), or payload instead."""
    return IP(src=enc[IP].src, dst=enc[IP].dst) / UDP(sport=4500, dport=4500) / \
        Raw(esp_bytes(enc) if payload is None else payload)


def wesp(esp, nh, hdr_len, trailer_len, encrypted):
    flags = 0x20 if encrypted else 0
    return struct.pack("!BBBB", nh, hdr_len, trailer_len, flags) + esp


def dns_pair(i):
    q = IP(src=HA, dst=HB) / UDP(sport=40000 + i, dport=53) / \
        DNS(id=i, rd=1, qd=DNSQR(qname="host%d.example.com" % i))
    r = IP(src=HB, dst=HA) / UDP(sport=53, dport=40000 + i) / \
        DNS(id=i, qr=1, qd=DNSQR(qname="host%d.example.com" % i),
            an=DNSRR(rrname="host%d.example.com" % i, rdata="10.9.9.%d" % i))
    return q, r


def http_flow():
    c, s = dict(src=HA, dst=HB), dict(src=HB, dst=HA)
    get = b"GET /index.html HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: curl/7.88\r\nAccept: */*\r\n\r\n"
    body = b"<html>hello</html>\n"
    resp = (b"HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body)) + body
    return get, [
        (True, IP(**c) / TCP(sport=51000, dport=80, flags="S", seq=1000)),
        (False, IP(**s) / TCP(sport=80, dport=51000, flags="SA", seq=5000, ack=1001)),
        (True, IP(**c) / TCP(sport=51000, dport=80, flags="A", seq=1001, ack=5001)),
        (True, IP(**c) / TCP(sport=51000, dport=80, flags="PA", seq=1001, ack=5001) / Raw(get)),
        (False, IP(**s) / TCP(sport=80, dport=51000, flags="PA", seq=5001,
                              ack=1001 + len(get)) / Raw(resp)),
        (True, IP(**c) / TCP(sport=51000, dport=80, flags="A", seq=1001 + len(get),
                             ack=5001 + len(resp))),
        (True, IP(**c) / TCP(sport=51000, dport=80, flags="FA", seq=1001 + len(get),
                             ack=5001 + len(resp))),
        (False, IP(**s) / TCP(sport=80, dport=51000, flags="FA", seq=5001 + len(resp),
                              ack=1002 + len(get))),
    ]


def build(path):
    """The capture; returns (packets per SPI, the GET line)."""
    pkts, n = [], {}

    def add(spi, frame):
        n[spi] = n.get(spi, 0) + 1
        pkts.append(eth(frame))

    null_ab = sa(0x1001, "SHA2-256-128", K_SHA256_AB)
    null_ba = sa(0x1002, "SHA2-256-128", K_SHA256_BA, src=B, dst=A)
    for i in range(1, 6):
        q, r = dns_pair(i)
        add(0x1001, null_ab.encrypt(q))
        add(0x1002, null_ba.encrypt(r))
    # null-sha1: the third packet's payload altered after sealing
    bad = sa(0x3001, "HMAC-SHA1-96", K_SHA1)
    for i in range(1, 5):
        enc = bad.encrypt(dns_pair(10 + i)[0])
        if i == 3:
            raw = bytearray(bytes(enc))
            raw[60] ^= 0x01
            enc = IP(bytes(raw))
        add(0x3001, enc)
    get, flow = http_flow()
    gcm_ab = sa(0x2001, "gcm", K_GCM_AB)
    gcm_ba = sa(0x2002, "gcm", K_GCM_BA, src=B, dst=A)
    for ab, p in flow:
        add(0x2001 if ab else 0x2002, udp((gcm_ab if ab else gcm_ba).encrypt(p)))
    cbc = sa(0x5001, "cbc", K_CBC, K_CBC_I)
    for i in range(1, 5):
        add(0x5001, cbc.encrypt(IP(src=HA, dst=HB) / ICMP(id=7, seq=i) /
                                Raw(b"ping %d" % i * 8)))
    # WESP over IP 141: ESP-NULL, HdrLen = WESP 4 + ESP 8 (no IV)
    w = sa(0x4001, "SHA2-256-128", K_WESP)
    for i in range(1, 4):
        esp = esp_bytes(w.encrypt(dns_pair(20 + i)[0]))
        add(0x4001, IP(src=A, dst=B, proto=141) / Raw(wesp(esp, 4, 12, 16, False)))
    # WESP in UDP 4500 (RFC 5840 2.1: the 0x00000002 marker first), E=1
    wg = sa(0x4002, "gcm", K_WGCM)
    for i in range(1, 4):
        enc = wg.encrypt(dns_pair(30 + i)[0])
        add(0x4002, udp(enc, b"\x00\x00\x00\x02" +
                        wesp(esp_bytes(enc), 0, 0, 0, True)))
    for i, p in enumerate(pkts):
        p.time = 1700000000 + i * 0.01
    wrpcap(path, pkts)
    return n, get


INLINE = """\
esp_keys:
  key_file: {key_file}
  keys:
    - spi: 0x1001
      dst: {b}
      suite: null-sha256
      integ_key: 0x{k1}
    - spi: 0x1002
      suite: null-sha256
      integ_key: "{k2}"
    - spi: 0x3001
      suite: null-sha1
      integ_key: {k3}
"""
KEY_FILE = """\
- {{spi: 0x2001, dst: {b}, suite: aes128gcm16, encr_key: {g1}}}
- {{spi: 0x2002, suite: aes128gcm16, encr_key: {g2}}}
- {{spi: 0x5001, suite: aes256-sha256, encr_key: {c}, integ_key: {ci}}}
- {{spi: 0x4001, suite: null-sha256, integ_key: {w}}}
- {{spi: 0x4002, suite: aes128gcm16, encr_key: {wg}}}
"""


def colon_hex(b):
    return ":".join("%02x" % x for x in b)


def write_config(tmp):
    kf = os.path.join(tmp, "esp_keys.yaml")
    with open(kf, "w") as f:
        f.write(KEY_FILE.format(b=B, g1=K_GCM_AB.hex(), g2=K_GCM_BA.hex(),
                                c=K_CBC.hex(), ci=K_CBC_I.hex(), w=K_WESP.hex(),
                                wg=K_WGCM.hex()))
    os.chmod(kf, 0o600)
    conf = os.path.join(tmp, "espvis.yaml")
    with open(conf, "w") as f:
        f.write(INLINE.format(key_file=kf, b=B, k1=K_SHA256_AB.hex(),
                              k2=colon_hex(K_SHA256_BA), k3=K_SHA1.hex()))
    return conf


def run(tmp, name, pcap, extra):
    eve = os.path.join(tmp, name + ".json")
    inner = os.path.join(tmp, name + ".inner.pcap")
    proc = evelib.run_espvis(["-r", pcap, "--eve", eve, "-w", inner] + extra)
    if SECRET_MARK in proc.stderr or SECRET_MARK in proc.stdout:
        raise SystemExit("%s: a key was written out" % name)
    return evelib.read_eve(eve), inner


def by_spi(events):
    return {k[2]: e["esp"] for k, e in evelib.end_events(events).items()}


def expect(cond, what):
    if not cond:
        raise SystemExit("test_keys: " + what)


def check_keyed(events, inner, n, get, label):
    sas = by_spi(events)
    for spi in (0x1001, 0x1002):
        e = sas[spi]
        expect(e["verdict"] == "null" and e["method"] == "keys" and
               e["decided_after"] == 1 and e["icv_len"] == 16 and e["iv_len"] == 0,
               "%s: SA %#x %r" % (label, spi, e))
        expect(e["icv"] == "verified" and e["icv_ok"] == n[spi] == e["pkts"] and
               e["icv_failed"] == 0 and "decrypted" not in e,
               "%s: SA %#x icv %r" % (label, spi, e))
    e = sas[0x3001]
    expect(e["icv"] == "failed" and e["icv_failed"] == 1 and e["icv_ok"] == 3 and
           e["icv_len"] == 12 and e["inner_pkts"] == 3, "%s: altered SA %r" % (label, e))
    for spi in (0x2001, 0x2002, 0x5001, 0x4002):
        e = sas[spi]
        expect(e["verdict"] == "encrypted" and e["icv"] == "verified" and
               e["decrypted"] is True and e["decrypted_pkts"] == n[spi] and
               e["inner_pkts"] == n[spi], "%s: SA %#x %r" % (label, spi, e))
    expect(sas[0x2001]["method"] == "keys", "%s: gcm method" % label)
    e = sas[0x4001]
    expect(e["wesp"] and e["method"] == "wesp" and e["icv"] == "verified" and
           e["icv_ok"] == n[0x4001], "%s: WESP %r" % (label, e))
    expect(sas[0x4002]["wesp"] and sas[0x4002]["encap"] == "udp",
           "%s: UDP WESP %r" % (label, sas[0x4002]))
    flows = [f for f in events if f["event_type"] == "flow"]
    http = [f for f in flows if f.get("dest_port") == 80]
    expect(len(http) == 1 and http[0]["app_proto"].startswith("HTTP") and
           http[0]["esp"]["spi"] in (0x2001, 0x2002),
           "%s: HTTP flow %r" % (label, http))
    dns = [f for f in flows if f.get("dest_port") == 53 and
           f["esp"]["spi"] in (0x1001, 0x1002)]
    expect(len(dns) == 5 and all(f["app_proto"] == "DNS" for f in dns),
           "%s: DNS flows %r" % (label, dns))
    _, recs = evelib.read_pcap(inner)
    expect(any(get in r[2] for r in recs), "%s: the GET is not in -w" % label)
    total = sum(n.values())
    expect(len(recs) == total - 1, "%s: -w has %d records, want %d"
           % (label, len(recs), total - 1))
    ks = evelib.final_stats(events)["keys"]
    expect(ks["icv_ok"] == total - 1 and ks["icv_failed"] == 1 and
           ks["decrypted"] == n[0x2001] + n[0x2002] + n[0x5001] + n[0x4002] and
           ks["unchecked"] == 0 and ks["unusable"] == 0, "%s: stats %r" % (label, ks))


def check_unkeyed(events, n):
    sas = by_spi(events)
    for spi, e in sas.items():
        expect("icv" not in e and e["method"] != "keys", "no keys: %#x %r" % (spi, e))
    expect(sas[0x1001]["verdict"] == "null" and sas[0x1001]["method"] == "heuristic",
           "no keys: null SA %r" % sas[0x1001])
    expect(sas[0x2001]["verdict"] == "encrypted", "no keys: gcm %r" % sas[0x2001])
    expect(not [f for f in events if f["event_type"] == "flow" and
                f.get("dest_port") == 80], "no keys: an HTTP flow")
    expect("keys" not in evelib.final_stats(events), "no keys: stats.keys")


def check_refusals(tmp, pcap):
    bad = [
        ("esp_keys:\n  - {spi: 0x1001, suite: null-sha256, integ_key: 0x0102}\n",
         "integ_key: 2 bytes, the suite needs 32"),
        ("esp_keys:\n  - {spi: 0x1001, suite: null-sha256-esn, integ_key: %s}\n"
         % K_SHA256_AB.hex(), "extended sequence numbers"),
        ("esp_keys:\n  - {spi: 0x1001, suite: aes128gcm16, encr_key: %szz}\n"
         % K_GCM_AB.hex(), "hexadecimal"),
        ("esp_keys:\n  - {spi: 0x1001, suite: aes999, encr_key: 00}\n", "suite"),
    ]
    for text, msg in bad:
        conf = os.path.join(tmp, "bad.yaml")
        with open(conf, "w") as f:
            f.write(text)
        proc = evelib.run_espvis(["-c", conf, "-r", pcap, "--eve", "-"], check=False)
        expect(proc.returncode != 0 and msg in proc.stderr and "bad.yaml:2" in proc.stderr,
               "refusal %r: %d %r" % (msg, proc.returncode, proc.stderr))
        expect(SECRET_MARK not in proc.stderr and "5051525354" not in proc.stderr,
               "refusal %r echoed a key" % msg)


def check_wireshark(tmp):
    """Wireshark's esp-bug-12671: AES-CBC + HMAC-SHA-1-96, keys published."""
    src = os.path.join(evelib.SHARED, "pcaps-public/wireshark/esp-bug-12671.pcapng.gz")
    tmpl = os.path.join(evelib.SHARED, "pcaps-public/wireshark/esp_sa.tmpl")
    if not (os.path.exists(src) and os.path.exists(tmpl)):
        print("test_keys: esp-bug-12671 not here, that part skipped")
        return
    pcap = os.path.join(tmp, "esp-bug-12671.pcapng")
    with gzip.open(src) as f, open(pcap, "wb") as g:
        g.write(f.read())
    lines = []
    for row in open(tmpl):
        cols = [c.strip('"') for c in row.strip().split('","')]
        lines.append("  - {spi: %s, dst: %s, suite: aes128-sha1, encr_key: %s, "
                     "integ_key: %s}" % (cols[3], cols[2], cols[5], cols[7]))
    conf = os.path.join(tmp, "ws.yaml")
    with open(conf, "w") as f:
        f.write("esp_keys:\n" + "\n".join(lines) + "\n")
    events, inner = run(tmp, "ws", pcap, ["-c", conf])
    sas = by_spi(events)
    expect(len(sas) == 2, "wireshark: SAs %r" % sas)
    for spi, e in sas.items():
        expect(e["icv"] == "verified" and e["decrypted_pkts"] == e["pkts"] > 0,
               "wireshark: %#x %r" % (spi, e))
    _, recs = evelib.read_pcap(inner)
    expect(len(recs) == 6 and any(bytes.fromhex("08090a0b0c0d0e0f1011121314151617") in r[2]
                                  for r in recs), "wireshark: inner %d records" % len(recs))


def main():
    tmp = tempfile.mkdtemp(prefix="espvis-keys-")
    try:
        pcap = os.path.join(tmp, "keys.pcap")
        n, get = build(pcap)
        conf = write_config(tmp)
        events, inner = run(tmp, "keyed", pcap, ["-c", conf])
        check_keyed(events, inner, n, get, "keyed")
        missing = test_eve_doc.undocumented(events)
        expect(not missing, "not described in docs/eve.md: %r" % missing)
        events, inner = run(tmp, "workers", pcap, ["-c", conf, "--workers", "2"])
        check_keyed(events, inner, n, get, "--workers 2")
        events, _ = run(tmp, "plain", pcap, [])
        check_unkeyed(events, n)
        check_refusals(tmp, pcap)
        check_wireshark(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("test_keys: ok")


if __name__ == "__main__":
    main()
