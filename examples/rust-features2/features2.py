# The Python half of features2: it runs after the Rust half has initialised,
# so the Rust functions are globals here.

import array


def close(a, b):
    return abs(a - b) < 1e-3


def test():
    results = [close(add(0.1, 0.2), 0.3), close(add_f(0.1, 0.2), 0.3)]
    values = array.array("f", [1, 2, 3.5])
    productf(values)
    results.append(close(values[0], 7))
    if "add_d" in globals():
        results.append(close(add_d(0.1, 0.2), 0.3))
    print(results)
    if not all(results):
        raise SystemExit(1)
