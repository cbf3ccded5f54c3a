/*
 * A stand-in for a MicroPython source tree, for tests and examples in CI:
 * point MPY_DIR (or `mpy-dir`) at tests/support/mpy-tree and
 * `#include "py/dynruntime.h"` resolves here, to cargo-mpy's own header
 * (cargo-mpy/include), which provides the native-module API.
 * With a real MicroPython checkout the real header is used instead.
 */
#include "../../../../cargo-mpy/include/py/dynruntime.h"
