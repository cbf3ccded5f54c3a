//! [`MpHeap`]: a global allocator over MicroPython's garbage-collected heap.

use core::alloc::{GlobalAlloc, Layout};

use crate::ffi;

/// Allocates from MicroPython's GC heap through the table's `realloc_` (`gc_realloc`).
///
/// `#[mpy::module]` installs it as the `#[global_allocator]` (opt out with
/// `#[mpy::module(no_allocator)]`), so `alloc` types (`Vec`, `String`, `Box`) work.
///
/// * Blocks are aligned to the GC block size (16 bytes on 32-bit, 32 on 64-bit ports with
///   the default configuration); larger alignments fail (the allocation returns null).
/// * Memory is reclaimed by `dealloc` as usual; memory that is leaked is reclaimed by the GC
///   once unreachable. Memory reachable only from a `static` is *not* seen by the GC: do not
///   keep heap pointers in statics.
/// * Allocation failure returns null, which `alloc` turns into a panic (see the panic
///   handler).
#[derive(Debug, Default, Clone, Copy)]
pub struct MpHeap;

/// Alignment every GC block has (four machine words).
pub const HEAP_ALIGN: usize = 4 * core::mem::size_of::<usize>();

// SAFETY: blocks come from `gc_realloc`, are at least `size` bytes, aligned to HEAP_ALIGN
// (larger alignments are refused), and freed/resized only through the same heap.
unsafe impl GlobalAlloc for MpHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.align() > HEAP_ALIGN {
            return core::ptr::null_mut();
        }
        // A zero-size request would mean "free"; `GlobalAlloc` never makes one.
        // SAFETY: a null pointer asks for a fresh block.
        unsafe { ffi::heap_realloc(core::ptr::null_mut(), layout.size(), false) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // The GC heap zeroes fresh blocks only when configured to; zero explicitly.
        // SAFETY: forwarded to `alloc`; the block is `layout.size()` bytes.
        unsafe {
            let p = self.alloc(layout);
            if !p.is_null() {
                core::ptr::write_bytes(p, 0, layout.size());
            }
            p
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        // SAFETY: `ptr` came from this allocator; size 0 frees it.
        unsafe { ffi::heap_realloc(ptr, 0, false) };
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if layout.align() > HEAP_ALIGN {
            return core::ptr::null_mut();
        }
        // SAFETY: `ptr` came from this allocator and `new_size` is non-zero.
        unsafe { ffi::heap_realloc(ptr, new_size, true) }
    }
}
