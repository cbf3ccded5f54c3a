//! Non-local returns (`py/nlr.h`) and the protected-call helper.
//!
//! MicroPython raises an exception by jumping back to the innermost handler registered with
//! `nlr_push`, restoring the callee-saved registers and stack pointer recorded there. That is
//! `setjmp`/`longjmp` under another name, with the same two hazards for Rust:
//!
//! 1. **Returning twice.** `nlr_push` returns 0 when called and 1 again later, when a raise
//!    lands. LLVM cannot be told that a call through a function pointer returns twice, so a
//!    Rust function that calls `nlr_push` itself may keep state in registers or stack slots
//!    that are stale on the second return. Calling the table's `nlr_push` from Rust is
//!    therefore not sound, whatever the code around it looks like.
//! 2. **Skipping frames.** The jump discards every frame between the raise and the handler
//!    without running destructors. Rust allows that only for frames that own nothing with a
//!    destructor ("plain old frames").
//!
//! [`mpy_nlr_protect`] solves (1): it is a naked function written per architecture in a few
//! lines of assembly, so the code that sees `nlr_push` return twice is code whose register
//! use we control. It registers the handler, calls `body(ctx)`, unregisters the handler and
//! returns 0, or returns 1 when a raise landed (the exception is then in
//! [`NlrBuf::ret_val`]). To its Rust caller it is an ordinary function that returns once.
//!
//! (2) is a rule for the callers, enforced by the `mpy` crate: the only frames a raise may
//! discard are `body` (a monomorphic trampoline over a `Copy` closure that makes one table
//! call with `Copy` arguments) and the firmware's own frames. A raise out of a module
//! function happens only in the generated trampoline, after every Rust value it owned has
//! been dropped.
//!
//! Both firmware flavours are handled: with native nlr (`setjmp_` entry null) `nlr_push`
//! itself records the registers; with `MICROPY_NLR_SETJMP` the table's `nlr_push` entry is
//! `nlr_push_tail` (links the buffer, returns 0) and the helper then calls the C library's
//! `setjmp` on the buffer's `jmpbuf` directly from its own frame.

use core::ffi::{c_int, c_uint, c_void};

/// Words reserved after `prev` and `ret_val` in [`NlrBuf`]: enough for the register save
/// area of every native nlr implementation (at most 17 words) and for the C library
/// `jmp_buf` of the ports that use `MICROPY_NLR_SETJMP` (glibc x86-64: 25 words, newlib ARM:
/// 46 words), plus the optional `pystack` word.
pub const NLR_BUF_SPACE_WORDS: usize = 62;

/// `nlr_buf_t`, over-allocated so that it fits every port configuration.
///
/// Only `prev` and `ret_val` have a fixed position; the rest belongs to the firmware.
#[repr(C, align(16))]
#[derive(Debug)]
pub struct NlrBuf {
    /// `prev`: the enclosing handler.
    pub prev: *mut NlrBuf,
    /// `ret_val`: the raised exception instance (null only for a VM abort).
    pub ret_val: *mut c_void,
    /// `regs` / `jmpbuf` / `pystack`: firmware-private.
    pub space: [usize; NLR_BUF_SPACE_WORDS],
}

impl NlrBuf {
    /// A zeroed buffer.
    pub const fn new() -> Self {
        NlrBuf {
            prev: core::ptr::null_mut(),
            ret_val: core::ptr::null_mut(),
            space: [0; NLR_BUF_SPACE_WORDS],
        }
    }
}

impl Default for NlrBuf {
    fn default() -> Self {
        Self::new()
    }
}

/// Arguments of [`mpy_nlr_protect`], passed by pointer so the assembly needs one register.
/// The field order is ABI for the assembly below (word offsets 0..=5).
#[repr(C)]
#[derive(Debug)]
pub struct ProtectFrame {
    /// The handler buffer; must stay valid for the whole call.
    pub buf: *mut NlrBuf,
    /// `mp_fun_table.nlr_push`.
    pub nlr_push: unsafe extern "C" fn(*mut NlrBuf) -> c_uint,
    /// `mp_fun_table.setjmp_` (null on native-nlr firmware).
    pub setjmp: Option<unsafe extern "C" fn(*mut c_void) -> c_int>,
    /// `mp_fun_table.nlr_pop`.
    pub nlr_pop: unsafe extern "C" fn(),
    /// The protected body; see the frame rule in the module documentation.
    pub body: unsafe extern "C" fn(*mut c_void),
    /// Argument for `body`.
    pub ctx: *mut c_void,
}

#[cfg(target_arch = "xtensa")]
unsafe extern "C" {
    /// Run `frame.body(frame.ctx)` under an nlr handler; see the other architectures'
    /// definition for the contract. rustc has no inline assembly for Xtensa, so on the
    /// ESP32 this is assembly in cargo-mpy's runtime helper library
    /// (`cargo-mpy/helpers/src/nlrprotect.c`), which every Xtensa module links.
    pub fn mpy_nlr_protect(frame: *mut ProtectFrame) -> usize;
}

/// Run `frame.body(frame.ctx)` under an nlr handler. Returns 0 when the body returned
/// normally (the handler has been popped), 1 when a raise landed (the handler is already
/// unlinked by the raise, and the exception is in `(*frame.buf).ret_val`).
///
/// # Safety
///
/// * `frame` and `frame.buf` must be valid for the whole call, and the function pointers
///   must be the ones from `mp_fun_table`.
/// * Every frame that a raise can discard (from `body` inwards) must own no value with a
///   destructor; `body` must not unwind.
#[cfg(any(
    target_arch = "x86_64",
    target_arch = "x86",
    target_arch = "arm",
    target_arch = "riscv32",
    target_arch = "riscv64"
))]
#[unsafe(naked)]
pub unsafe extern "C" fn mpy_nlr_protect(frame: *mut ProtectFrame) -> usize {
    // Register use: the frame pointer lives in one callee-saved register, set before the
    // handler is registered and never changed afterwards, so the values the firmware
    // restores on a raise are exactly the ones the code expects. Nothing else is live
    // across the calls. Labels are 2/3/4 (Intel syntax reads 0/1 labels as binary numbers).
    #[cfg(target_arch = "x86_64")]
    core::arch::naked_asm!(
        "push rbx", // also aligns the stack to 16 for the calls
        "mov rbx, rdi",
        "mov rdi, [rbx]",
        "call qword ptr [rbx + 8]", // nlr_push(buf) / nlr_push_tail(buf)
        "test eax, eax",
        "jnz 3f",
        "mov rax, [rbx + 16]", // setjmp, if the firmware uses it
        "test rax, rax",
        "jz 2f",
        "mov rdi, [rbx]",
        "add rdi, 16", // &buf->jmpbuf
        "call rax",
        "test eax, eax",
        "jnz 3f",
        "2:",
        "mov rdi, [rbx + 40]",
        "call qword ptr [rbx + 32]", // body(ctx)
        "call qword ptr [rbx + 24]", // nlr_pop()
        "xor eax, eax",
        "pop rbx",
        "ret",
        "3:",
        "mov eax, 1",
        "pop rbx",
        "ret",
    );
    #[cfg(target_arch = "x86")]
    core::arch::naked_asm!(
        "push ebx",
        "sub esp, 8", // 16-byte alignment at each call; [esp] is the argument slot
        "mov ebx, [esp + 16]", // frame (ret addr at +12, saved ebx at +8)
        "mov eax, [ebx]",
        "mov [esp], eax",
        "call dword ptr [ebx + 4]",
        "test eax, eax",
        "jnz 3f",
        "mov eax, [ebx + 8]",
        "test eax, eax",
        "jz 2f",
        "mov ecx, [ebx]",
        "add ecx, 8",
        "mov [esp], ecx",
        "call eax",
        "test eax, eax",
        "jnz 3f",
        "2:",
        "mov eax, [ebx + 20]",
        "mov [esp], eax",
        "call dword ptr [ebx + 16]",
        "call dword ptr [ebx + 12]",
        "xor eax, eax",
        "add esp, 8",
        "pop ebx",
        "ret",
        "3:",
        "mov eax, 1",
        "add esp, 8",
        "pop ebx",
        "ret",
    );
    // Thumb-1 instructions only, so the same code serves ARMv6-M and ARMv7-M.
    #[cfg(target_arch = "arm")]
    core::arch::naked_asm!(
        "push {{r4, lr}}",
        "mov r4, r0",
        "ldr r0, [r4, #0]",
        "ldr r1, [r4, #4]",
        "blx r1",
        "cmp r0, #0",
        "bne 3f",
        "ldr r1, [r4, #8]",
        "cmp r1, #0",
        "beq 2f",
        "ldr r0, [r4, #0]",
        "adds r0, #8",
        "blx r1",
        "cmp r0, #0",
        "bne 3f",
        "2:",
        "ldr r0, [r4, #20]",
        "ldr r1, [r4, #16]",
        "blx r1",
        "ldr r1, [r4, #12]",
        "blx r1",
        "movs r0, #0",
        "pop {{r4, pc}}",
        "3:",
        "movs r0, #1",
        "pop {{r4, pc}}",
    );
    #[cfg(target_arch = "riscv32")]
    core::arch::naked_asm!(
        "addi sp, sp, -16",
        "sw ra, 12(sp)",
        "sw s0, 8(sp)",
        "mv s0, a0",
        "lw a0, 0(s0)",
        "lw t0, 4(s0)",
        "jalr t0",
        "bnez a0, 3f",
        "lw t0, 8(s0)",
        "beqz t0, 2f",
        "lw a0, 0(s0)",
        "addi a0, a0, 8",
        "jalr t0",
        "bnez a0, 3f",
        "2:",
        "lw a0, 20(s0)",
        "lw t0, 16(s0)",
        "jalr t0",
        "lw t0, 12(s0)",
        "jalr t0",
        "li a0, 0",
        "j 4f",
        "3:",
        "li a0, 1",
        "4:",
        "lw ra, 12(sp)",
        "lw s0, 8(sp)",
        "addi sp, sp, 16",
        "ret",
    );
    #[cfg(target_arch = "riscv64")]
    core::arch::naked_asm!(
        "addi sp, sp, -16",
        "sd ra, 8(sp)",
        "sd s0, 0(sp)",
        "mv s0, a0",
        "ld a0, 0(s0)",
        "ld t0, 8(s0)",
        "jalr t0",
        "bnez a0, 3f",
        "ld t0, 16(s0)",
        "beqz t0, 2f",
        "ld a0, 0(s0)",
        "addi a0, a0, 16",
        "jalr t0",
        "bnez a0, 3f",
        "2:",
        "ld a0, 40(s0)",
        "ld t0, 32(s0)",
        "jalr t0",
        "ld t0, 24(s0)",
        "jalr t0",
        "li a0, 0",
        "j 4f",
        "3:",
        "li a0, 1",
        "4:",
        "ld ra, 8(sp)",
        "ld s0, 0(sp)",
        "addi sp, sp, 16",
        "ret",
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::offset_of;

    #[test]
    fn frame_layout_matches_assembly() {
        let w = size_of::<usize>();
        assert_eq!(offset_of!(ProtectFrame, buf), 0);
        assert_eq!(offset_of!(ProtectFrame, nlr_push), w);
        assert_eq!(offset_of!(ProtectFrame, setjmp), 2 * w);
        assert_eq!(offset_of!(ProtectFrame, nlr_pop), 3 * w);
        assert_eq!(offset_of!(ProtectFrame, body), 4 * w);
        assert_eq!(offset_of!(ProtectFrame, ctx), 5 * w);
        assert_eq!(offset_of!(NlrBuf, ret_val), w);
        assert_eq!(offset_of!(NlrBuf, space), 2 * w);
    }

    // Exercise the setjmp flavour with the host C library: `nlr_push` links nothing and
    // returns 0, `setjmp` is the real one and the body longjmps like a raise would.
    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    mod setjmp_flavour {
        use super::super::*;
        use core::sync::atomic::{AtomicUsize, Ordering};

        unsafe extern "C" {
            fn _setjmp(env: *mut c_void) -> c_int;
            fn longjmp(env: *mut c_void, val: c_int) -> !;
        }

        static POPS: AtomicUsize = AtomicUsize::new(0);

        unsafe extern "C" fn push_tail(_buf: *mut NlrBuf) -> c_uint {
            0
        }
        unsafe extern "C" fn pop() {
            POPS.fetch_add(1, Ordering::SeqCst);
        }
        unsafe extern "C" fn body_ok(ctx: *mut c_void) {
            // SAFETY: the test passes a pointer to a live usize.
            unsafe { *(ctx as *mut usize) += 1 };
        }
        unsafe extern "C" fn body_raise(ctx: *mut c_void) {
            // SAFETY: ctx is the NlrBuf registered by the helper; jmpbuf follows two words.
            unsafe {
                let buf = ctx as *mut NlrBuf;
                (*buf).ret_val = 0x1234 as *mut c_void;
                longjmp((*buf).space.as_mut_ptr().cast(), 1);
            }
        }

        fn run(
            body: unsafe extern "C" fn(*mut c_void),
            ctx: *mut c_void,
            buf: *mut NlrBuf,
        ) -> usize {
            let mut frame = ProtectFrame {
                buf,
                nlr_push: push_tail,
                setjmp: Some(_setjmp),
                nlr_pop: pop,
                body,
                ctx,
            };
            // SAFETY: all pointers live for the call; the bodies own nothing with a destructor.
            unsafe { mpy_nlr_protect(&mut frame) }
        }

        #[test]
        fn normal_return_pops() {
            let mut n = 41usize;
            let mut buf = NlrBuf::new();
            let before = POPS.load(Ordering::SeqCst);
            assert_eq!(run(body_ok, (&raw mut n).cast(), &raw mut buf), 0);
            assert_eq!(n, 42);
            assert_eq!(POPS.load(Ordering::SeqCst), before + 1);
        }

        #[test]
        fn raise_lands_once() {
            let mut buf = NlrBuf::new();
            let p = &raw mut buf;
            assert_eq!(run(body_raise, p.cast(), p), 1);
            assert_eq!(buf.ret_val as usize, 0x1234);
        }
    }
}
