import minimal

# 20! = 2432902008176640000 still fits a 64-bit word.
print(minimal.factorial(0), minimal.factorial(5), minimal.factorial(20))
try:
    minimal.factorial("x")
except TypeError:
    print("TypeError")
