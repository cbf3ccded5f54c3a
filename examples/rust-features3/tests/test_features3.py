import features3 as f

print(f.get_types())
print(f.get_const_objects())
# an odd last argument is ignored
d = f.make_dict(1, "a", "b", 2.5)
print(f.make_dict(), len(d), d[1], d["b"], f.make_dict(1, 2, 3))
print(f.get_types()[3] is int, f.get_types()[5] is bytes, f.get_types()[6] is tuple)
