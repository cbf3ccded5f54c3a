//! Test support: cross compilers, the qemu test loader and MicroPython.
