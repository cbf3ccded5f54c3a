# Every integer type takes exactly the ints in its range and returns them
# unchanged (as a small or a big int); any other int raises OverflowError,
# never a wrapped or truncated value. The expected result is computed from
# the type's width, so each line below says "ok" or lists what was wrong.
import ints

VALUES = [0, 1, -1, 127, 128, -128, -129, 255, 256, 2**15, 2**16, 2**31 - 1, 2**31, -2**31,
    -2**31 - 1, 2**32 - 1, 2**32, 2**32 + 1, 2**62, 2**63 - 1, 2**63, -2**63, -2**63 - 1,
    2**64 - 1, 2**64, 2**64 + 1, -2**64, 2**100, -2**100]


def check(name, bits, signed):
    lo, hi = (-2**(bits - 1), 2**(bits - 1) - 1) if signed else (0, 2**bits - 1)
    bad = []
    for suffix in ("", "_list"):
        f = getattr(ints, name + suffix)
        for v in VALUES:
            try:
                got = f([v])[0] if suffix else f(v)
            except OverflowError:
                got = "OverflowError"
            want = v if lo <= v <= hi else "OverflowError"
            if got != want or type(got) != type(want):
                bad.append("%s%s(%d) = %s" % (name, suffix, v, got))
    print(name, bad or "ok")


# x64: isize and usize are 64 bits.
check('i8', 8, True)
check('i16', 16, True)
check('i32', 32, True)
check('i64', 64, True)
check('isize', 64, True)
check('u8', 8, False)
check('u16', 16, False)
check('u32', 32, False)
check('u64', 64, False)
check('usize', 64, False)

# Not an int at all: TypeError.
for bad in (1.5, "x", None):
    try:
        ints.i64(bad)
    except TypeError:
        print("TypeError")
