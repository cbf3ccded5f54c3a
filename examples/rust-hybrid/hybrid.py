# The Python half of the hybrid module: it runs after the Rust half has
# initialised, so the Rust functions are globals here.


def is_square(n):
    r = isqrt(n)
    return r * r == n


def norm(v):
    if HAS_FLOAT:
        return dot(v, v) ** 0.5
    return isqrt(sum(x * x for x in v))


def describe():
    return "hybrid: Rust ints" + (" and floats" if HAS_FLOAT else "") + " + Python"
