/*
 * The test suite's modules and loader use cargo-mpy's own native-module
 * header, the one an installed cargo-mpy ships (cargo-mpy/include/natmod.h).
 * This file only forwards to it for paths that still name this directory.
 */
#include "../../../cargo-mpy/include/natmod.h"
