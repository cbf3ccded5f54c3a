import factorial as f

print(f.factorial(10), f.factorial(20), f.divmod_u(17, 5), f.MAX_N)
print(f.label(42), f.label(-7, "x"), f.label(n=5, prefix="k"), f.label(prefix="p", n=1))
try:
    f.label(prefix="p")
except TypeError as e:
    print("TypeError:", e)
for a in (-1, 21):
    try:
        f.factorial(a)
    except ValueError as e:
        print("ValueError:", e)
