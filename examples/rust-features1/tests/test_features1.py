import features1

print("init done")
print(features1.add(2, 3))
# fibonacci: from the rodata table, then by recursion (fib(20) = 6765)
print(features1.fibonacci(7))
print(features1.fibonacci(20))
try:
    features1.fibonacci(-1)
except ValueError as e:
    print("ValueError:", e)
# BSS starts zeroed; a store goes through the relocated pointer table
print(features1.access())
print(features1.access(5, 1234))
print(features1.access(1))
print(features1.access())
# 0x1000 and 0x2000 as native-endian half-words (every target is little-endian)
print(features1.make_array())
print(features1.VAL, features1.MSG)
