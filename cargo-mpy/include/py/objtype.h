/* Part of natmod.h in a native module built with cargo-mpy's headers. */
#include "../natmod.h"
