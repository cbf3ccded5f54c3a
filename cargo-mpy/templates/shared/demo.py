# Try the module on a board: `cargo mpy run --port PORT demo.py` builds it for
# the board's architecture, serves it to the board and runs this script there.
import {{name}}

print("{{name}}.add(2, 40) =", {{name}}.add(2, 40))
