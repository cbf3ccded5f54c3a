/*
 * cargo-mpy's stand-in for MicroPython's py/dynruntime.h: module sources
 * written for MicroPython's own native-module build include this name. It
 * brings in natmod.h, the complete native-module API, so they compile without
 * a MicroPython tree. Select the firmware generation with -DMPY_ABI (see
 * natmod.h).
 */
#ifndef CARGO_MPY_PY_DYNRUNTIME_H
#define CARGO_MPY_PY_DYNRUNTIME_H

#include "../natmod.h"

#endif
