import basics as b

# add_calls counts the two `add` calls (BSS starts at zero)
print(b.nothing(), b.add(2, 3), b.add3(1, 2, 3), b.add(1, 1), b.add_calls())
# .data starts at 7: 7+1, 8+10; 5*5; the first four squares
print(b.bump_state(1), b.bump_state(10), b.square(5), b.sum_list([1, 2, 3]), b.sum_list((4, 5)), b.squares(4))
# floor division rounds towards minus infinity
print(b.divide(7, 2), b.divide(-7, 2))
try:
    b.divide(1, 0)
except ZeroDivisionError as e:
    print("ZeroDivisionError", e)


def f(x):
    if x < 0:
        raise ValueError
    if x == 0:
        raise KeyError(x)
    return x * 2


print(b.guarded(f, 4), b.guarded(f, -1))
try:
    b.guarded(f, 0)
except KeyError as e:
    print("KeyError", e)
# even-length blocks of 1..=10 bytes: 2+4+6+8+10; 2**40
print(b.allocate(10), b.VERSION, b.TABLE_SIZE, b.BIG)
# truthiness: empty list, non-empty str, zero, True
print(b.choose([], 1, 2), b.choose("x", 1, 2), b.choose(0, 1, 2), b.choose(True, 1, 2))
for bad in (lambda: b.square(16), lambda: b.add(1 << 62, 1 << 62)):
    try:
        bad()
    except ValueError as e:
        print("ValueError", e)
# a panic (index out of bounds) raises and the module keeps working
try:
    b.entry(99)
except RuntimeError as e:
    print("RuntimeError", "panicked" in str(e))
print(b.entry(3))
# a lazily created error examined in Rust
print(b.classify(2), b.classify(16))
# a message-less static error: raised as the bare type, examined in Rust
print(b.even(4), b.parity(4), b.parity(5))
try:
    b.even(5)
except ValueError as e:
    print("ValueError", e.args)
