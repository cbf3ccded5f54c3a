# `cargo mpy test` runs every tests/*.py with the module: on this machine's
# MicroPython (x64), or on a board with `--port PORT`. A test passes when it
# raises nothing and, when a `.py.exp` file sits beside it, prints exactly
# what that file holds.
import {{name}}

print({{name}}.add(2, 40))
print({{name}}.add(-5, 5))
