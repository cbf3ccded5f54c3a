import classes

f = classes.Factorial(4)
# 4! and 0!
print(f.calculate(), type(f).__name__, classes.Factorial(0).calculate())
try:
    classes.Factorial(-1)
except classes.FactorialError as e:
    print("FactorialError", e, isinstance(e, Exception))
c = classes.Counter(5)
# 5+1, 6+3, then the attribute view of the same count
print(c.incr(), c.incr(by=3), c.value, c.even, repr(c), str(c))
c.value = 4
print(c.value, c.LIMIT, classes.Counter.LIMIT, c.even)
try:
    c.value = -3
except ValueError as e:
    print("ValueError", e)
# no such attribute; `even` is read-only
try:
    c.nope
except AttributeError:
    print("AttributeError")
try:
    c.even = True
except AttributeError:
    print("AttributeError")
c.reset()
print(c, classes.Counter() == c, classes.Counter(1) == c, classes.Counter(1) != c, c == 0)
# a method of Counter refuses a Factorial
try:
    classes.Counter.incr(f)
except TypeError:
    print("TypeError")
print(classes.Counter, classes.Factorial)
# a declared class; ORIGIN was made in init, before the module stored Point
p = classes.Point(3, 4)
print(p.norm2(), classes.ORIGIN.norm2(), type(classes.ORIGIN) is classes.Point, type(p).__name__)
# one argument short; a Counter as `self`
for bad in (lambda: classes.Point(1), lambda: classes.Point.norm2(c)):
    try:
        bad()
    except TypeError:
        print("TypeError")
# declared classes whose constructors take keywords / optional positionals
print(classes.Span(3).len(), classes.Span(1, 5).len(), classes.Span(start=2, stop=9).len(), classes.Span(1, stop=4).len())
print(classes.Scale(4).scaled(), classes.Scale(4, 3).scaled())
# an unlisted declared class, built when `bounds` first made one
b = classes.Span(2, 7).bounds()
print(b.sum(), type(b).__name__, type(classes.Span(1).bounds()) is type(b), hasattr(classes, "Pair"))
# a declared constructor's argument errors name the class; an exception
# neither listed nor registered is built when first raised; the last three
# are the firmware's own argument check, as for a call of the function
for bad in (
    lambda: classes.Span(),
    lambda: classes.Span(5, 1),
    lambda: classes.Span(1, 2, 3),
    lambda: classes.Span(1, nope=2),
    lambda: classes.Span(1, start=2),
    lambda: classes.Scale(1, factor=2),
    lambda: classes.Scale(),
    lambda: classes.Scale(1, 2, 3),
):
    try:
        bad()
    except Exception as e:
        print(type(e).__name__, e)
