"""The C heap of a web process, set so that streaming an upload does not fault in new memory
for every chunk.

An upload arrives a chunk (1 MiB) at a time, and each layer that reads it (the WSGI server's
reads, Django's multipart parser) makes new byte strings of about that size. glibc serves an
allocation at or above its ``mmap`` threshold with a fresh mapping, and that threshold only
rises to the size of a block once such a block is freed: blocks of one size over and over
were each mapped, touched page by page and unmapped again, and blocks freed at the top of the
heap were given back (trimmed) and faulted in again at the next one. Measured on a 1 GB
multipart upload: 74,000-98,000 page faults, about half its time on a virtual machine where
a fault costs microseconds. With the thresholds set here, blocks of up to
:data:`MMAP_THRESHOLD` come from the heap and up to :data:`TRIM_THRESHOLD` of free heap is
kept between chunks: a few hundred faults per GB, and the memory an upload holds stays what
it was (a few chunks). Setting them also stops glibc's own adjustment, so the values are
fixed for the process.
"""

from __future__ import annotations

import ctypes

#: Blocks up to this size come from the heap, not from a mapping of their own.
MMAP_THRESHOLD = 8 * 1024 * 1024
#: Free memory at the top of the heap kept for the next chunks instead of given back.
TRIM_THRESHOLD = 32 * 1024 * 1024
#: mallopt's parameter numbers (<malloc.h>).
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


def malloc_tune_for_uploads() -> bool:
    """Set the C heap's thresholds for streaming (see the module); False where the C
    library is not glibc (musl, macOS) and nothing was changed."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (AttributeError, OSError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(
        mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )
