import hybrid as h

# 3*3 - 2 = 7
print(h.isqrt(99), h.isqrt(100), h.poly_int([1, 0, -2], 3), h.is_square(49), h.is_square(50))
# 0.5*2 + 1; 1*3 + 2*4; 1.5*2; sqrt(9 + 16) via the Python half
print(h.poly([0.5, 1.0], 2.0), h.dot([1.0, 2.0], [3.0, 4.0]), h.scale32(1.5, 2), h.norm([3.0, 4.0]))
print(h.describe(), h.HAS_FLOAT)
for bad in (lambda: h.dot([1.0], []), lambda: h.isqrt(-1)):
    try:
        bad()
    except ValueError as e:
        print("ValueError", e)
