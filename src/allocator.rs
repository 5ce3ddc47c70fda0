//! The global allocator: mimalloc, asked for plain blocks whenever the alignment allows.
//!
//! Every message through the gateway allocates and frees a few small buffers (frames, their
//! extensions, encoded packets) on the worker that handles it; mimalloc's per-thread free
//! lists serve those in a fraction of the instructions the system allocator takes.
//!
//! The `mimalloc` crate's own allocator asks for an aligned block on every call. When the
//! free list of the size asked for is empty, mimalloc's aligned path then over-allocates
//! into a larger size class unless the size is a power of two, and most sizes are not; plain
//! `mi_malloc` refills the list instead. Every block mimalloc hands out is aligned to a
//! pointer's size, so any alignment up to that is met by a plain block.

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

use libmimalloc_sys::{
    mi_free, mi_malloc, mi_malloc_aligned, mi_realloc, mi_realloc_aligned, mi_zalloc,
    mi_zalloc_aligned,
};

/// Alignment every mimalloc block has (its smallest block granularity).
const PLAIN_ALIGNMENT: usize = std::mem::size_of::<usize>();

pub struct Allocator;

fn plain(layout: &Layout) -> bool {
    layout.align() <= PLAIN_ALIGNMENT
}

// SAFETY: each call hands the layout's size (and its alignment, where a plain block might not
// meet it) to the mimalloc function that allocates, zeroes, resizes or frees accordingly, and
// mimalloc returns null on failure, as `GlobalAlloc` requires. Blocks from any of them may be
// freed or resized by any other, as mimalloc documents.
unsafe impl GlobalAlloc for Allocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if plain(&layout) {
            mi_malloc(layout.size()).cast()
        } else {
            mi_malloc_aligned(layout.size(), layout.align()).cast()
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if plain(&layout) {
            mi_zalloc(layout.size()).cast()
        } else {
            mi_zalloc_aligned(layout.size(), layout.align()).cast()
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        mi_free(ptr.cast::<c_void>());
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if plain(&layout) {
            mi_realloc(ptr.cast::<c_void>(), new_size).cast()
        } else {
            mi_realloc_aligned(ptr.cast::<c_void>(), new_size, layout.align()).cast()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_meet_their_alignment_and_keep_their_contents_when_resized() {
        for align in [1, 2, 4, 8, 16, 32, 64, 4096] {
            for size in [1, 7, 8, 24, 40, 100, 1000, 5000, 70_000] {
                let layout = Layout::from_size_align(size, align).expect("layout");
                // SAFETY: a non-zero size; each block is written within its size and freed
                // once, with the layout it was allocated with.
                unsafe {
                    let block = Allocator.alloc(layout);
                    assert!(!block.is_null());
                    assert_eq!(block as usize % align, 0, "size {size} align {align}");
                    block.write_bytes(0xA5, size);
                    let grown = Allocator.realloc(block, layout, size * 3);
                    assert_eq!(grown as usize % align, 0, "grown {size} align {align}");
                    assert!((0..size).all(|i| *grown.add(i) == 0xA5));
                    let grown_layout = Layout::from_size_align(size * 3, align).expect("layout");
                    Allocator.dealloc(grown, grown_layout);

                    let zeroed = Allocator.alloc_zeroed(layout);
                    assert_eq!(zeroed as usize % align, 0);
                    assert!((0..size).all(|i| *zeroed.add(i) == 0));
                    Allocator.dealloc(zeroed, layout);
                }
            }
        }
    }
}
