import features2 as f, array

# the merged Python half's own test: add, add_f, productf, add_d (x64 has it)
f.test()
print(f.round(2.5), f.round(-2.5), f.round(0.49999997), f.round(1e10), f.add(1, 2) == 3)
# an empty array: nothing to store the product in
a = array.array("f", [])
f.productf(a)
print(len(a))
try:
    f.productf(array.array("i", [1, 2]))
except ValueError as e:
    print("ValueError", e)
# bytes are not writable
try:
    f.productf(b"abcd")
except TypeError:
    print("TypeError")
