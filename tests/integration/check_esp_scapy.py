#!/usr/bin/python3
"""Checks the ESP that espvis's data plane built, with implementations
that share no code with it: scapy's SecurityAssociation (RFC 4303 ESP,
HMAC-SHA1-96 / SHA2, AES-GCM with its salt, AES-CBC) and, for
ENCR_NULL_AUTH_AES_GMAC, which scapy lacks, python3-cryptography's
AES-GCM with everything as AAD (RFC 4543 3.3).

usage: check_esp_scapy.py DIR/ours.json     (written by `esp_peer vectors`)
Prints one line per suite; exit 1 on the first mismatch.
"""
import json
import sys

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from scapy.layers.inet import IP
from scapy.layers.ipsec import ESP, SecurityAssociation

INTEG = {2: "HMAC-SHA1-96", 12: "SHA2-256-128", 13: "SHA2-384-192", 14: "SHA2-512-256"}


def scapy_sa(v):
    ek, ak = bytes.fromhex(v["ek"]), bytes.fromhex(v["ak"])
    if v["encr"] == 11:
        return SecurityAssociation(ESP, spi=v["spi"], crypt_algo="NULL", crypt_key=b"",
                                   auth_algo=INTEG[v["integ"]], auth_key=ak,
                                   tunnel_header=IP(src="192.0.2.1", dst="192.0.2.2"))
    if v["encr"] == 20:
        return SecurityAssociation(ESP, spi=v["spi"], crypt_algo="AES-GCM", crypt_key=ek,
                                   auth_algo="NULL", auth_key=None,
                                   tunnel_header=IP(src="192.0.2.1", dst="192.0.2.2"))
    return SecurityAssociation(ESP, spi=v["spi"], crypt_algo="AES-CBC", crypt_key=ek,
                               auth_algo=INTEG[v["integ"]], auth_key=ak,
                               tunnel_header=IP(src="192.0.2.1", dst="192.0.2.2"))


def gmac_open(v, wire):
    ek = bytes.fromhex(v["ek"])
    key, salt = ek[:-4], ek[-4:]
    iv, body, tag = wire[8:16], wire[:-16], wire[-16:]
    # GMAC: GCM over an empty plaintext, AAD = SPI .. Next Header
    want = AESGCM(key).encrypt(salt + iv, b"", body)
    assert want == tag, "GMAC tag"
    plain = wire[16:-16]
    pl = plain[-2]
    assert plain[-2 - pl:-2] == bytes(range(1, pl + 1)), "padding"
    assert plain[-1] == 4, "next header"
    return plain[:-2 - pl]


def main(path):
    vecs = json.load(open(path))
    for v in vecs:
        sa = None if v["encr"] == 21 else scapy_sa(v)
        for i, p in enumerate(v["pkts"]):
            wire, inner = bytes.fromhex(p["wire"]), bytes.fromhex(p["inner"])
            if sa is None:
                got = gmac_open(v, wire)
            else:
                outer = IP(bytes(IP(src="192.0.2.1", dst="192.0.2.2", proto=50) / wire))
                got = bytes(sa.decrypt(outer))
            if got != inner:
                print("FAIL %s packet %d: inner differs" % (v["suite"], i))
                return 1
            seq = int.from_bytes(wire[4:8], "big")
            if seq != i + 1:
                print("FAIL %s packet %d: seq %d" % (v["suite"], i, seq))
                return 1
        # and the check can fail: one bit of the ICV flipped must not pass
        bad = bytearray(bytes.fromhex(v["pkts"][0]["wire"]))
        bad[-1] ^= 1
        try:
            if sa is None:
                gmac_open(v, bytes(bad))
            else:
                sa.decrypt(IP(bytes(IP(src="192.0.2.1", dst="192.0.2.2", proto=50) / bytes(bad))))
            print("FAIL %s: a corrupted ICV passed the checker" % v["suite"])
            return 1
        except Exception:
            pass
        print("ok %-14s %d packets verified by %s" % (v["suite"], len(v["pkts"]),
              "cryptography AES-GMAC" if sa is None else "scapy ESP"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
