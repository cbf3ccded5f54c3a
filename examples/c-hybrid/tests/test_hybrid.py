import hybrid

# 0xcbf43926 is CRC-32's standard check value for b"123456789".
print(hybrid.crc32_hex(b"123456789"), hybrid.crc32(bytearray(b"123456789")) == 0xCBF43926)
print(hybrid.crc32_chunks([b"1234", b"56789"]) == 0xCBF43926, hybrid.verify(b"123456789", 0xCBF43926))
try:
    hybrid.verify(b"x", 1)
except ValueError as e:
    print("ValueError:", e)
try:
    hybrid.crc32(12)
except TypeError:
    print("TypeError")
