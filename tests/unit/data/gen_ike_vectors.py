#!/usr/bin/env python3
"""Writes ike_vectors.h (stdout) from strongSwan runs made by
make_ike_vectors.sh: for each case NAME IKE_PROPOSAL ESP_PROPOSAL PCAP LOG,

- from the capture: SPIi, SPIr, Ni, Nr (the IKE_SA_INIT nonces) and the
  four messages IKE_SA_INIT request/response, IKE_AUTH request/response,
  as sent (without the 4-byte non-ESP marker on port 4500);
- from charon A's log (filelog ike = 4, chd = 4; A is the initiator): the
  DH secret g^ir, SKEYSEED, SK_d, SK_ai/ar, SK_ei/er, SK_pi/pr and the
  Child SA keys it printed.

usage: gen_ike_vectors.py --psk PSK [NAME IKE ESP PCAP LOG]...
"""
import argparse
import re
import struct
import sys

# strongSwan proposal keyword -> (transform type, id, key bits)
ENCR = {"aes128": (12, 128), "aes192": (12, 192), "aes256": (12, 256),
        "aes128gcm16": (20, 128), "aes256gcm16": (20, 256),
        "aes128gcm12": (19, 128), "aes128gcm8": (18, 128), "null": (11, 0)}
INTEG = {"sha1": 2, "sha256": 12, "sha384": 13, "sha512": 14}
PRF = {"prfsha1": 2, "prfsha256": 5, "prfsha384": 6, "prfsha512": 7}
DH = {"modp2048": 14, "ecp256": 19, "ecp384": 20, "curve25519": 31,
      "x25519": 31}
# IKE: the PRF of a CBC proposal is the integrity algorithm's hash.
PRF_OF_INTEG = {2: 2, 12: 5, 13: 6, 14: 7}


def suite(proposal, ike):
    encr = keybits = prf = integ = dh = 0
    for word in proposal.split("-"):
        if word in ENCR:
            encr, keybits = ENCR[word]
        elif word in INTEG:
            integ = INTEG[word]
        elif word in PRF:
            prf = PRF[word]
        elif word in DH:
            dh = DH[word]
        else:
            sys.exit(f"gen_ike_vectors.py: unknown keyword {word}")
    if ike and prf == 0:
        prf = PRF_OF_INTEG[integ]
    return dict(encr=encr, keybits=keybits, prf=prf, integ=integ, dh=dh)


def udp_payloads(path):
    """(sport, dport, payload) of each UDP datagram of an Ethernet pcap."""
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    if struct.unpack(endian + "I", data[20:24])[0] != 1:
        sys.exit("gen_ike_vectors.py: not an Ethernet capture")
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack(endian + "IIII", data[off:off + 16])[2]
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if frame[12:14] != b"\x08\x00" or frame[23] != 17:
            continue
        ihl = (frame[14] & 0x0f) * 4
        udp = frame[14 + ihl:]
        sport, dport, ulen = struct.unpack(">HHH", udp[:6])
        yield sport, dport, udp[8:ulen]


def ike_messages(path):
    for sport, dport, pl in udp_payloads(path):
        if 4500 in (sport, dport):
            if pl[:4] != b"\0\0\0\0":
                continue            # ESP in UDP
            pl = pl[4:]
        elif 500 not in (sport, dport):
            continue
        if len(pl) >= 28 and pl[17] == 0x20:
            yield pl


def first_message(msgs, spi, exchange, response):
    """The first message of that exchange and direction, as sent: one
    datagram, or its RFC 7383 fragments (Message ID of the first, one
    copy of each fragment number) concatenated."""
    want = [m for m in msgs if m[18] == exchange and m[:16] == spi and
            bool(m[19] & 0x20) == response]
    first = want[0]
    if first[16] != 53:         # not an SKF payload
        return first
    frags = {}
    for m in want:
        if m[20:24] == first[20:24] and m[16] == 53:
            frags.setdefault(struct.unpack(">H", m[32:34])[0], m)
    total = struct.unpack(">H", first[34:36])[0]
    if sorted(frags) != list(range(1, total + 1)):
        sys.exit("gen_ike_vectors.py: fragments missing")
    return b"".join(frags[n] for n in range(1, total + 1))


def payloads(msg, want):
    """Bodies of the cleartext payloads of type `want`."""
    nxt, off = msg[16], 28
    while nxt != 0 and off + 4 <= len(msg):
        plen = struct.unpack(">H", msg[off + 2:off + 4])[0]
        if nxt == want:
            yield msg[off + 4:off + plen]
        if nxt == 46:
            break
        nxt, off = msg[off], off + plen


def log_values(path):
    """name -> [bytes of each `NAME => N bytes @ ...` dump, in order]."""
    vals, cur, need, buf = {}, None, 0, b""
    head = re.compile(r"\] (.+?) => (\d+) bytes @")
    row = re.compile(r"\]\s+\d+: ((?:[0-9A-F]{2} )+)")
    for line in open(path, errors="replace"):
        if cur is not None:
            m = row.search(line)
            if m:
                buf += bytes.fromhex(m.group(1).strip())
                if len(buf) >= need:
                    vals.setdefault(cur, []).append(buf[:need])
                    cur = None
                continue
            cur = None
        m = head.search(line)
        if m:
            cur, need, buf = m.group(1), int(m.group(2)), b""
            if need == 0:
                vals.setdefault(cur, []).append(b"")
                cur = None
    return vals


def carray(name, b):
    out = [f"static const uint8_t {name}[{max(len(b), 1)}] = {{"]
    for i in range(0, len(b), 12):
        out.append("\t" + " ".join(f"0x{x:02x}," for x in b[i:i + 12]))
    if not b:
        out.append("\t0x00,")
    out.append("};")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--psk", required=True)
    ap.add_argument("cases", nargs="+")
    a = ap.parse_args()
    if len(a.cases) % 5:
        sys.exit("gen_ike_vectors.py: cases come in fives")
    print("/*\n * ike_vectors.h - IKEv2 key derivation, SK payload, AUTH and "
          "Child SA\n * vectors from real strongSwan 5.9.8 runs.  "
          "GENERATED by\n * tests/unit/data/make_ike_vectors.sh "
          "(gen_ike_vectors.py): do not edit.\n */")
    print("#ifndef ESPVIS_IKE_VECTORS_H\n#define ESPVIS_IKE_VECTORS_H\n")
    print("#include <stddef.h>\n#include <stdint.h>\n")
    print("/* Not every test uses every table. */")
    print("#define IKE_VEC_UNUSED\t__attribute__((unused))\n")
    print(f"static const char ike_vec_psk[] IKE_VEC_UNUSED = \"{a.psk}\";\n")
    names, rekeys = [], []
    for i in range(0, len(a.cases), 5):
        name, ikep, espp, pcap, log = a.cases[i:i + 5]
        ike, esp = suite(ikep, True), suite(espp, False)
        msgs = list(ike_messages(pcap))
        init_req = [m for m in msgs if m[18] == 34 and not m[19] & 0x20][-1]
        init_resp = [m for m in msgs if m[18] == 34 and m[19] & 0x20 and
                     m[:8] == init_req[:8]][-1]
        spi = init_resp[:16]
        auth_req = first_message(msgs, spi, 35, False)
        auth_resp = first_message(msgs, spi, 35, True)
        ni = next(payloads(init_req, 40))
        nr = next(payloads(init_resp, 40))
        logged = log_values(log)
        v = {k: x[0] for k, x in logged.items()}
        fields = {
            "g_ir": v["shared Diffie Hellman secret"],
            "ni": ni, "nr": nr,
            "skeyseed": v["SKEYSEED"],
            "sk_d": v["Sk_d secret"],
            "sk_ai": v.get("Sk_ai secret", b""),
            "sk_ar": v.get("Sk_ar secret", b""),
            "sk_ei": v["Sk_ei secret"], "sk_er": v["Sk_er secret"],
            "sk_pi": v["Sk_pi secret"], "sk_pr": v["Sk_pr secret"],
            "init_req": init_req, "init_resp": init_resp,
            "auth_req": auth_req, "auth_resp": auth_resp,
            "child_ei": v.get("encryption initiator key", b""),
            "child_ai": v.get("integrity initiator key", b""),
            "child_er": v.get("encryption responder key", b""),
            "child_ar": v.get("integrity responder key", b""),
        }
        print(f"/* {name}: IKE {ikep}, ESP {espp} */")
        for f, b in fields.items():
            print(carray(f"{name}_{f}", b))
        names.append((name, ikep, espp, ike, esp, fields, spi))
        print()
        ccs = [m for m in msgs if m[18] == 36 and m[:16] == spi]
        if ccs:     # an IKE SA rekey (2.18): charon's second key set
            rk = {
                "ccs_req": [m for m in ccs if not m[19] & 0x20][0],
                "ccs_resp": [m for m in ccs if m[19] & 0x20][0],
                "g_ir": logged["shared Diffie Hellman secret"][1],
            }
            for k in ("d", "ai", "ar", "ei", "er", "pi", "pr"):
                rk["sk_" + k] = logged[f"Sk_{k} secret"][1]
            print(f"/* {name}: the IKE SA rekeyed by A (CREATE_CHILD_SA) */")
            for f, b in rk.items():
                print(carray(f"{name}_rk_{f}", b))
            print()
            rekeys.append((len(names) - 1, name, rk))
    print("struct ike_vec_bytes {\n\tconst uint8_t\t*p;\n\tsize_t\t\t len;"
          "\n};\n")
    print("struct ike_vector {\n\tconst char\t*name;\n\tconst char\t*ike_proposal;"
          "\n\tconst char\t*esp_proposal;")
    print("\tuint16_t\t ike_encr, ike_keybits, ike_prf, ike_integ, ike_dh;")
    print("\tuint16_t\t esp_encr, esp_keybits, esp_integ;")
    print("\tuint64_t\t spi_i, spi_r;")
    fl = list(names[0][5].keys())
    print("\tstruct ike_vec_bytes\t " + ", ".join(fl) + ";\n};\n")
    print("#define IKE_VEC_B(a, n)\t{ (a), (n) }\n")
    print("static const struct ike_vector ike_vectors[] IKE_VEC_UNUSED = {")
    for name, ikep, espp, ike, esp, fields, spi in names:
        spi_i, spi_r = struct.unpack(">QQ", spi)
        print(f"\t{{ \"{name}\", \"{ikep}\", \"{espp}\",")
        print(f"\t  {ike['encr']}, {ike['keybits']}, {ike['prf']}, "
              f"{ike['integ']}, {ike['dh']},")
        print(f"\t  {esp['encr']}, {esp['keybits']}, {esp['integ']},")
        print(f"\t  0x{spi_i:016x}ULL, 0x{spi_r:016x}ULL,")
        print("\t  " + ",\n\t  ".join(
            f"IKE_VEC_B({name}_{f}, {len(b)})" for f, b in fields.items())
            + " },")
    print("};\n")
    if rekeys:
        print("struct ike_rekey_vector {\n\tsize_t\t\t\t base;\t/* "
              "index in ike_vectors */")
        print("\tstruct ike_vec_bytes\t " + ", ".join(rekeys[0][2].keys()) +
              ";\n};\n")
        print("static const struct ike_rekey_vector ike_rekey_vectors[] "
              "IKE_VEC_UNUSED = {")
        for base, name, rk in rekeys:
            print(f"\t{{ {base},\n\t  " + ",\n\t  ".join(
                f"IKE_VEC_B({name}_rk_{f}, {len(b)})" for f, b in rk.items())
                + " },")
        print("};\n")
    print("#endif /* ESPVIS_IKE_VECTORS_H */")


if __name__ == "__main__":
    main()
