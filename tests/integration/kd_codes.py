#!/usr/bin/python3
"""Unblock codes (docs/unblock-codes.md) written independently of keydesk, for the recovery tests.

  kd_codes.py hex KIND DIGITS             the block a code's digits stand for, as hex (20 digits: 8 bytes)
  kd_codes.py encode KIND HEX             "DIGITS CHECKSUM" of a block (digits grouped by five)
  kd_codes.py mistakes KIND DIGITS SUM    one line per single-digit error and adjacent swap, in the code and
                                          in its checksum: "DIGITS CHECKSUM"
KIND: challenge | response
"""
import sys

KINDS = {"challenge": 1, "response": 2}


def checksum(kind, digits):
    return "%04d" % ((2000 * KINDS[kind] + sum((i + 1) * int(d) for i, d in enumerate(digits))) % 9973)


def width(nbytes):
    return 20 if nbytes == 8 else 39


def grouped(digits):
    return " ".join(digits[i:i + 5] for i in range(0, len(digits), 5))


def main(argv):
    cmd, kind = argv[0], argv[1]
    if cmd == "hex":
        digits = argv[2].replace(" ", "")
        nbytes = 8 if len(digits) == 20 else 16
        print(int(digits).to_bytes(nbytes, "big").hex().upper())
    elif cmd == "encode":
        block = bytes.fromhex(argv[2])
        digits = str(int.from_bytes(block, "big")).zfill(width(len(block)))
        print(grouped(digits), checksum(kind, digits))
    elif cmd == "mistakes":
        digits, total = argv[2].replace(" ", ""), argv[3]
        out = []
        for i in range(len(digits)):
            for d in "0123456789":
                if d != digits[i]:
                    out.append((digits[:i] + d + digits[i + 1:], total))
        for i in range(len(digits) - 1):
            if digits[i] != digits[i + 1]:
                out.append((digits[:i] + digits[i + 1] + digits[i] + digits[i + 2:], total))
        for i in range(4):
            for d in "0123456789":
                if d != total[i]:
                    out.append((digits, total[:i] + d + total[i + 1:]))
            if i < 3 and total[i] != total[i + 1]:
                out.append((digits, total[:i] + total[i + 1] + total[i] + total[i + 2:]))
        for code, total_typed in out:
            print(grouped(code), total_typed)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
