#!/usr/bin/env python3
# make_seeds.py: writes the hand-made seeds of the virtq and ptwalk harnesses
# (tests/fuzz/corpus/{virtq,ptwalk}/). The loader, snapfile and control seeds
# are real files (tiny.elf, a snapshot of the kernel, request lines).
# Input layouts are described at the top of fuzz_virtq.c and fuzz_ptwalk.c.
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
P, RW, US, PS, NX = 1, 2, 4, 0x80, 1 << 63


def write(harness, name, data):
    d = os.path.join(HERE, 'corpus', harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


def ram(size, pokes):
    b = bytearray(size)
    for off, fmt, val in pokes:
        struct.pack_into(fmt, b, off, *val)
    return bytes(b).rstrip(b'\0')   # the harness zeroes what is missing


def virtq(name, num, chains, direction=2, avail_extra=0, loop=False):
    """chains: lists of (addr, len, flags); descriptors laid out in order."""
    desc, avail, used = 0x1000, 0x2000, 0x3000
    pokes, heads, i = [], [], 0
    for chain in chains:
        heads.append(i)
        for k, (addr, ln, fl) in enumerate(chain):
            last = k + 1 == len(chain)
            nxt = heads[-1] if last else i + 1
            fl |= 1 if not last or loop else 0
            pokes.append((desc + 16 * i, '<QIHH', (addr, ln, fl, nxt)))
            i += 1
    pokes.append((avail, '<HH', (0, len(heads) + avail_extra)))
    for k, h in enumerate(heads):
        pokes.append((avail + 4 + 2 * k, '<H', (h,)))
    hdr = struct.pack('<HIIIB', num, desc, avail, used, direction)
    write('virtq', name, hdr + ram(0x5000, pokes))


def ptwalk(name, root, pokes, va, la57=0):
    hdr = struct.pack('<QBQ', root, la57, va)
    write('ptwalk', name, hdr + ram(0x8000, pokes))


def main():
    virtq('two-chains', 4, [[(0x4000, 16, 0), (0x4100, 512, 2)], [(0x4800, 1, 2)]])
    virtq('loop', 4, [[(0x4000, 16, 0), (0x4100, 16, 0)]], loop=True)
    virtq('ahead', 8, [[(0x4000, 16, 0)]], avail_extra=20)
    # 4-level: PML4 0x1000 -> PDPT 0x2000 -> PD 0x3000 -> PT 0x4000;
    # a 4K page, a 2M page, a 1G page, and a PD that points back at itself.
    t = P | RW | US
    ptwalk('four-level', 0x1000, [
        (0x1000, '<Q', (0x2000 | t,)),
        (0x1000 + 8 * 511, '<Q', (0x1000 | t,)),          # recursive slot
        (0x2000, '<Q', (0x3000 | t,)),
        (0x2008, '<Q', (0x40000000 | t | PS,)),           # 1 GiB
        (0x3000, '<Q', (0x4000 | t,)),
        (0x3008, '<Q', (0x200000 | t | PS | NX,)),        # 2 MiB
        (0x3010, '<Q', (0x3000 | t,)),                    # loop
        (0x4000, '<Q', (0x5000 | P | 0x60,)),             # 4K, A and D
        (0x4008, '<Q', (0x7fff000 | t,)),                 # outside RAM
    ], va=0x201234)
    ptwalk('five-level', 0x1000, [
        (0x1000, '<Q', (0x2000 | t,)),
        (0x2000, '<Q', (0x3000 | t,)),
        (0x3000, '<Q', (0x4000 | t | PS,)),
        (0x3008, '<Q', (0x5000 | t,)),
        (0x5000, '<Q', (0x6000 | t,)),
        (0x6000, '<Q', (0x7000 | P,)),
    ], va=0x40000000, la57=1)


if __name__ == '__main__':
    main()
