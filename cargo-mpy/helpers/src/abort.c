/* abort: LLVM's Xtensa backend turns a trap (Rust's abort intrinsic,
 * C's __builtin_trap) into a call to abort. It stops on an illegal
 * instruction, which the firmware reports as a crash. */
void abort(void) __attribute__((noreturn));

void abort(void) {
    for (;;) {
        __asm__ volatile("ill");
    }
}
