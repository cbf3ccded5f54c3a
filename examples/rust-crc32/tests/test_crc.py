import crc

# 0xcbf43926 is CRC-32's standard check value for b"123456789".
print(hex(crc.crc32(b"123456789")), crc.crc32(b"6789", crc.crc32(b"12345")) == 0xCBF43926)
print(crc.crc32(bytearray(b"123456789")) == crc.crc32(memoryview(b"0123456789")[1:]), crc.crc32(b""))
try:
    crc.crc32(5)
except TypeError:
    print("TypeError")
