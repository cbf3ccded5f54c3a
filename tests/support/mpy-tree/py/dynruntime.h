/*
 * A stand-in for a MicroPython source tree, for tests and examples in CI:
 * point MPY_DIR (or `mpy-dir`) at tests/support/mpy-tree and
 * `#include "py/dynruntime.h"` resolves here, to the project's own
 * natmod.h, which provides the same native-module API.
 * With a real MicroPython checkout the real header is used instead.
 */
#ifndef CARGO_MPY_TEST_TREE_DYNRUNTIME_H
#define CARGO_MPY_TEST_TREE_DYNRUNTIME_H

#include "../../natmod/natmod.h"

/* Error messages are plain C strings in this header. */
#ifndef MP_ERROR_TEXT
#define MP_ERROR_TEXT(s) (s)
#endif

#endif
