# Compares the Rust crc32 with the same table-driven algorithm in pure
# MicroPython, checking its result against it: `cargo mpy test bench` (this
# machine's MicroPython) or `cargo mpy run --port PORT tests/bench.py` (a
# board). The Rust CRC must beat pure MicroPython clearly.
import time

import crc


def make_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (0xEDB88320 ^ (c >> 1)) if c & 1 else c >> 1
        table.append(c)
    return table


TABLE = make_table()


def crc32_py(data, crc=0):
    crc ^= 0xFFFFFFFF
    for b in data:
        crc = TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


data = bytes(range(256)) * 64  # 16 KiB
assert crc.crc32(data) == crc32_py(data)


def timed(f, n):
    t = time.ticks_us()
    for _ in range(n):
        f(data)
    return time.ticks_diff(time.ticks_us(), t) / n


native = timed(crc.crc32, 200)
python = timed(crc32_py, 5)
print("16 KiB: rust %.1f us, python %.1f us, speedup %.0fx" % (native, python, python / native))
assert python / native > 3.0, "the Rust CRC should beat pure MicroPython clearly"
