# The convenient part of the hybrid module, in Python. `crc32` comes from
# crc.c, whose part of the module runs first.


def crc32_hex(data):
    return "%08x" % crc32(data)


def verify(data, expected):
    if crc32(data) != expected:
        raise ValueError("checksum mismatch")
    return True


def crc32_chunks(chunks):
    crc = 0
    for chunk in chunks:
        crc = crc32(chunk, crc)
    return crc
