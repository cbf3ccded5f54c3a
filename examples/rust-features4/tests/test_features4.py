import features4

f = features4.Factorial(4)
print(f.calculate(), features4.Factorial(0).calculate(), type(f).__name__)
try:
    features4.Factorial(-1)
except features4.FactorialError as e:
    print("FactorialError", e, isinstance(e, Exception))
# too few and too many constructor arguments; a method called on a non-instance
for bad in (
    lambda: features4.Factorial(),
    lambda: features4.Factorial(1, 2),
    lambda: features4.Factorial.calculate(5),
):
    try:
        bad()
    except TypeError as e:
        print("TypeError")
