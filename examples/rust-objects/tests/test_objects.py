import objects as o

print(o.type_name(1), o.type_name("a"), o.type_name([]), o.type_name(o))
# 1 << 70 is a big int, 1.5 a float: neither is classified
print(o.kind(None), o.kind(3), o.kind(1 << 70), o.kind("x"), o.kind((1,)), o.kind({}), o.kind(1.5))
print(o.constants())
print(o.squares_dict(4))
print(sorted(o.invert({"a": 1, "b": 2}).items()))
print(o.lookup({1: "x"}, 1, None), o.lookup({1: "x"}, 2, "dflt"))
print(sorted(o.tally(["a", "b", "a"]).items()), sorted(o.CONFIG.items()))
# list index by str; str value where an int is needed; a list is not a dict
for bad in (lambda: o.lookup([], "k", 0), lambda: o.invert({"a": "b"}), lambda: o.invert([1])):
    try:
        bad()
    except TypeError as e:
        print("TypeError")
