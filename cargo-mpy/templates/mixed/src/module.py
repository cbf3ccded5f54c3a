# The Python part of {{name}}. It runs after the native part's `mpy_init`,
# in the same module, so it can call `add` directly.


def add_all(*values):
    total = 0
    for v in values:
        total = add(total, v)
    return total
