#!/usr/bin/python3
"""mkcorpus.py OUTDIR - seed corpora for the fuzz targets (tests/fuzz).

Reads the project's captures (pcaps/, tests/unit/data, and
../shared/pcaps-public when present), the frames and packets of the unit
tests' data headers (tests/unit/data/*.h), rules and configuration files, and
writes one directory per target under OUTDIR in that target's input
format (see each fuzz_*.c).  Pure Python (pcap and pcapng parsed here),
deterministic: the same files give the same seeds.
"""
import glob
import hashlib
import os
import re
import struct
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The file link type -> index in fuzz_decode.c's and fuzz_pipeline.c's table.
LINKTYPE_INDEX = {1: 0, 113: 1, 276: 2, 12: 3, 101: 4, 228: 5, 229: 6,
                  0: 7, 108: 8, 105: 9}
MAX_FRAMES = 48
MAX_SEED = 48 * 1024


def read_pcap(data):
    """(linktype, [(ts, frame)]) of a pcap, or None."""
    magic = data[:4]
    if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
        e = '<'
    elif magic in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
        e = '>'
    else:
        return None
    nano = magic in (b'\x4d\x3c\xb2\xa1', b'\xa1\xb2\x3c\x4d')
    if len(data) < 24:
        return None
    lt = struct.unpack(e + 'I', data[20:24])[0] & 0xffff
    off, out = 24, []
    while off + 16 <= len(data):
        sec, frac, cap, _ = struct.unpack(e + 'IIII', data[off:off + 16])
        off += 16
        if cap > len(data) - off:
            break
        out.append((sec + frac / (1e9 if nano else 1e6), data[off:off + cap]))
        off += cap
    return lt, out


def read_pcapng(data):
    """(linktype of the first interface, [(ts, frame)]) of a pcapng."""
    if data[:4] != b'\x0a\x0d\x0d\x0a' or len(data) < 12:
        return None
    e = '<' if data[8:12] == b'\x4d\x3c\x2b\x1a' else '>'
    off, lts, out = 0, [], []
    while off + 12 <= len(data):
        btype, blen = struct.unpack(e + 'II', data[off:off + 8])
        if blen < 12 or off + blen > len(data):
            break
        body = data[off + 8:off + blen - 4]
        if btype == 0x0a0d0d0a and len(body) >= 4:
            e = '<' if body[:4] == b'\x4d\x3c\x2b\x1a' else '>'
        elif btype == 1 and len(body) >= 2:
            lts.append(struct.unpack(e + 'H', body[:2])[0])
        elif btype == 6 and len(body) >= 20:
            ifid, hi, lo, cap, _ = struct.unpack(e + 'IIIII', body[:20])
            if ifid < len(lts) and lts[ifid] == lts[0]:
                out.append((((hi << 32) | lo) / 1e6, body[20:20 + cap]))
        elif btype == 3 and len(body) >= 4:
            out.append((0.0, body[4:]))
        off += blen
    return (lts[0], out) if lts else None


def captures():
    pats = [TOP + '/pcaps/**/*.pcap*', TOP + '/tests/unit/data/**/*.pcap*',
            TOP + '/../shared/pcaps-public/**/*.pcap*']
    files = set()
    for p in pats:
        files.update(glob.glob(p, recursive=True))
    for f in sorted(files):
        if f.endswith(('.tsv', '.json', '.txt')):
            continue
        with open(f, 'rb') as fh:
            data = fh.read()
        r = read_pcap(data) or read_pcapng(data)
        if r:
            yield f, data, r[0], r[1]


def write(outdir, target, name, blob):
    d = os.path.join(outdir, target)
    os.makedirs(d, exist_ok=True)
    h = hashlib.sha1(blob).hexdigest()[:16]
    with open(os.path.join(d, name + '-' + h), 'wb') as fh:
        fh.write(blob)


def frames_seed(lt, frames, pipeline):
    """fuzz_decode / fuzz_pipeline: link type byte, then length + frame."""
    out = bytearray([LINKTYPE_INDEX[lt]])
    last = frames[0][0] if frames else 0
    for ts, fr in frames:
        fr = fr[:0x3fff]
        hi = len(fr) >> 8
        if pipeline and ts - last >= 1.0:
            hi |= 0x40
        last = ts
        out += bytes([hi, len(fr) & 0xff]) + fr
        if len(out) > MAX_SEED:
            break
    return bytes(out)


def ip_layer(lt, fr):
    """Offset of the IP header for the link types the seeds use."""
    if lt == 1:
        off, et = 14, fr[12:14]
        while et in (b'\x81\x00', b'\x88\xa8') and len(fr) >= off + 4:
            et, off = fr[off + 2:off + 4], off + 4
        return off if et in (b'\x08\x00', b'\x86\xdd') else None
    if lt in (12, 101, 228, 229):
        return 0
    if lt == 113:
        return 16
    if lt == 276:
        return 20
    if lt in (0, 108):
        return 4
    return None


def esp_record(lt, fr):
    """fuzz_detect record (flags, length, ESP bytes) of a frame, or None."""
    off = ip_layer(lt, fr)
    if off is None or len(fr) < off + 20:
        return None
    v = fr[off] >> 4
    if v == 4:
        ihl = (fr[off] & 15) * 4
        proto, flags, l4 = fr[off + 9], 0, off + ihl
    elif v == 6:
        proto, flags, l4 = fr[off + 6], 0x02, off + 40
    else:
        return None
    if proto == 17 and len(fr) >= l4 + 12 and 4500 in struct.unpack(
            '>HH', fr[l4:l4 + 4]):
        payload = fr[l4 + 8:]
        if payload[:4] == b'\0\0\0\0':
            return None                     # IKE
        flags |= 0x04
        if payload[:1] == b'\x02':          # RFC 5840 2.1: WESP in UDP
            flags |= 0x01
            payload = payload[1:]
    elif proto in (50, 141):
        payload = fr[l4:]
        if proto == 141:
            flags |= 0x01
    else:
        return None
    flags |= (payload[:4][-1:] or b'\0')[0] << 5 & 0xe0
    payload = payload[:0xffff]
    return bytes([flags]) + struct.pack('>H', len(payload)) + payload


def flow_record(lt, fr):
    off = ip_layer(lt, fr)
    if off is None or len(fr) <= off:
        return None
    ip = fr[off:off + 255]
    flags = 0x02 if ip[0] >> 4 == 6 else 0
    return bytes([flags, len(ip)]) + ip


ARRAY = re.compile(r'static const (?:unsigned char|uint8_t) (\w+)\[\d*\] = \{([^}]*)\}')


def unit_data_arrays():
    """(header, name, bytes) of the byte arrays of tests/unit/data/*.h."""
    for h in sorted(glob.glob(TOP + '/tests/unit/data/*.h')):
        with open(h) as fh:
            text = fh.read()
        for name, body in ARRAY.findall(text):
            data = bytes(int(x, 16) for x in re.findall(r'0x([0-9a-fA-F]{2})', body))
            if data:
                yield os.path.basename(h), name, data


def unit_data_seeds(outdir):
    """public_frames.h: whole frames (Ethernet when they look it);
    wireshark_esp.h: ESP bytes; inner_vectors.h: inner IP packets."""
    n = 0
    for header, name, data in unit_data_arrays():
        base = 'unit_' + name
        if header == 'wireshark_esp.h':
            rec = bytes([0]) + struct.pack('>H', len(data)) + data
            write(outdir, 'detect', base, b'\x21' + rec + rec)
        elif header == 'inner_vectors.h':
            ip = data[:255]
            write(outdir, 'flow', base,
                  bytes([0x02 if ip[0] >> 4 == 6 else 0, len(ip)]) + ip)
            lt = 229 if ip[0] >> 4 == 6 else 228
            write(outdir, 'pipeline', base, frames_seed(lt, [(0, data)], True))
        else:
            lt = 1 if data[12:14] in (b'\x08\x00', b'\x86\xdd', b'\x81\x00',
                                      b'\x88\x64') else 113
            for t in ('decode', 'pipeline'):
                write(outdir, t, base, frames_seed(lt, [(0, data)], t == 'pipeline'))
        n += 1
    return n


def ike_messages(data):
    """The IKE messages of a byte array: one, or RFC 7383 fragments
    back to back (each header's Length says where the next begins)."""
    off = 0
    while off + 28 <= len(data):
        n = struct.unpack('>I', data[off + 24:off + 28])[0]
        if n < 28 or n > len(data) - off:
            n = len(data) - off
        yield data[off:off + n]
        off += n


def ike_seeds(outdir):
    """fuzz_ike_msg (mode 0, a whole message): the strongSwan and
    Wireshark messages of ike_msg_frames.h and ike_vectors.h, fragmented
    IKE_AUTH (SKF, payload 53) split into its fragments."""
    n = 0
    for header, name, data in unit_data_arrays():
        if header not in ('ike_msg_frames.h', 'ike_vectors.h'):
            continue
        if len(data) < 28 or data[17] != 0x20:
            continue    # keys and nonces, not messages (IKEv2: 0x20)
        for i, m in enumerate(ike_messages(data)):
            write(outdir, 'ike_msg', 'unit_%s_%d' % (name, i), b'\x00' + m)
            n += 1
    return n


def main():
    outdir = sys.argv[1]
    n = unit_data_seeds(outdir)
    n += ike_seeds(outdir)
    for path, data, lt, frames in captures():
        base = os.path.basename(path).replace('.', '_')
        if path.endswith('.pcapng'):
            write(outdir, 'pcapng', base, data[:256 * 1024])
        if lt not in LINKTYPE_INDEX or not frames:
            continue
        for i in range(0, min(len(frames), 4 * MAX_FRAMES), MAX_FRAMES):
            chunk = frames[i:i + MAX_FRAMES]
            write(outdir, 'decode', base, frames_seed(lt, chunk, False))
            write(outdir, 'pipeline', base, frames_seed(lt, chunk, True))
            if '.inner.' in path:
                recs = [flow_record(lt, fr) for _, fr in chunk]
                write(outdir, 'flow', base,
                      b''.join(r for r in recs if r))
            recs = [esp_record(lt, fr) for _, fr in chunk]
            recs = [r for r in recs if r]
            if recs:
                write(outdir, 'detect', base, b'\x21' + b''.join(recs))
            n += 1
    yamls = sorted(glob.glob(TOP + '/rules/*.yaml') +
                   glob.glob(TOP + '/docs/*.yaml'))
    for y in yamls:
        with open(y, 'rb') as fh:
            data = fh.read()
        base = os.path.basename(y).replace('.', '_')
        write(outdir, 'yaml', base, data)
        write(outdir, 'rules' if '/rules/' in y else 'config', base, data)
    print('mkcorpus: %d capture chunks and unit-test arrays, %d YAML files -> %s' %
          (n, len(yamls), outdir))


if __name__ == '__main__':
    main()
