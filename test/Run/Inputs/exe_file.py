#!/usr/bin/env python3
"""The executable file's header, written independently of the runtime.

    exe_file.py payload FILE.cherry > payload.pb   the serialized Executable,
                                                   header checked
    exe_file.py wrap < payload.pb > FILE.cherry    header added

An executable file is b"CHERRYX1", the payload's length (u64 LE), its
CRC-32 (u32 LE, zlib.crc32), then the payload (docs/Formats.md).
"""
import struct
import sys
import zlib

MAGIC = b"CHERRYX1"


def wrap(payload):
    return MAGIC + struct.pack("<QI", len(payload), zlib.crc32(payload)) + payload


def payload(data):
    if data[:8] != MAGIC:
        sys.exit("exe_file.py: no CHERRYX1 header")
    length, crc = struct.unpack("<QI", data[8:20])
    body = data[20:]
    if len(body) != length or zlib.crc32(body) != crc:
        sys.exit("exe_file.py: bad length or checksum")
    return body


if __name__ == "__main__":
    if sys.argv[1:2] == ["payload"]:
        sys.stdout.buffer.write(payload(open(sys.argv[2], "rb").read()))
    elif sys.argv[1:2] == ["wrap"]:
        sys.stdout.buffer.write(wrap(sys.stdin.buffer.read()))
    else:
        sys.exit(__doc__)
