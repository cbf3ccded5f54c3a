# Compares the Rust crc32 with the same table-driven algorithm in pure
# MicroPython. Run from a directory holding crc.mpy:  micropython bench.py
import sys
import time

sys.path.insert(0, ".")  # crc.mpy in the current directory
import crc  # noqa: E402


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
