"""Crafted instrument files that crash, blow up or hang the reader (for the isolation tests).

Each is a real HyperSpy ``.hspy`` file (HDF5) whose image goes through an HDF5 filter: the
filter plugin below, compiled here, behaves on reading as its parameter says. It stands for
the C code that really does this with damaged files (compression filters, vendor decoders):

* ``segfault``: writes through a null pointer (the child dies of SIGSEGV);
* ``memory``: allocates and touches memory until an allocation fails (the file's memory
  limit), then reports a filter failure;
* ``hang``: never returns.

HDF5 finds the plugin through ``HDF5_PLUGIN_PATH`` (give it to the worker's environment); the
filter id is one HDF5 reserves for testing.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

FILTER_ID = 300  # 256-511: reserved by the HDF Group for testing
BEHAVIOURS = {"segfault": 1, "memory": 2, "hang": 3}

_PLUGIN_C = r"""
typedef unsigned long size_t;
void *malloc(size_t);
void *memset(void *, int, size_t);
int usleep(unsigned int);
typedef struct {
    int version; int id; unsigned encoder_present; unsigned decoder_present;
    const char *name; void *can_apply; void *set_local;
    size_t (*filter)(unsigned int, size_t, const unsigned int *, size_t, size_t *, void **);
} H5Z_class2_t;
static size_t crafted(unsigned int flags, size_t n, const unsigned int *cd, size_t nbytes,
                      size_t *buf_size, void **buf) {
    if (!(flags & 0x0100)) return nbytes;             /* writing: unchanged */
    unsigned int how = n > 0 ? cd[0] : 0;
    if (how == 1) { volatile int *nowhere = 0; *nowhere = 1; }
    if (how == 2) {
        for (;;) {
            char *block = malloc(8u << 20);
            if (!block) return 0;
            memset(block, 1, 8u << 20);
            usleep(1000);
        }
    }
    if (how == 3) { for (;;) usleep(100000); }
    return nbytes;
}
static const H5Z_class2_t info = {1, FILTER_ID, 1, 1, "lims-test-crafted", 0, 0, crafted};
int H5PLget_plugin_type(void) { return 0; }
const void *H5PLget_plugin_info(void) { return &info; }
"""


def build_plugin(folder: Path) -> Path:
    """Compile the filter plugin into ``folder`` (the value for ``HDF5_PLUGIN_PATH``)."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("a C compiler (gcc) is needed to build the crafted HDF5 filter")
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / "crafted_filter.c"
    source.write_text(_PLUGIN_C)
    subprocess.run(
        [
            compiler,
            "-shared",
            "-fPIC",
            "-nostdlib",
            "-O1",
            f"-DFILTER_ID={FILTER_ID}",
            "-o",
            str(folder / "libcrafted_filter.so"),
            str(source),
        ],
        check=True,
        capture_output=True,
    )
    source.unlink()
    return folder


def crafted_hspy(path: Path, behaviour: str) -> Path:
    """A 64 x 64 image saved by HyperSpy, its data rewritten to go through the crafted filter."""
    import h5py
    import hyperspy.api as hs
    import numpy as np

    image = np.arange(64 * 64, dtype=np.uint16).reshape(64, 64)
    hs.signals.Signal2D(image).save(path, overwrite=True)
    with h5py.File(path, "r+") as handle:
        names: list[str] = []
        handle.visit(names.append)
        data_path = next(name for name in names if name.endswith("/data"))
        attributes = dict(handle[data_path].attrs)
        del handle[data_path]
        dataset = handle.create_dataset(
            data_path,
            shape=image.shape,
            dtype=image.dtype,
            chunks=image.shape,
            compression=FILTER_ID,
            compression_opts=(BEHAVIOURS[behaviour],),
            allow_unknown_filter=True,
        )
        for key, value in attributes.items():
            dataset.attrs[key] = value
        # the chunk is stored as it is: the filter only ever runs when the file is read
        dataset.id.write_direct_chunk((0, 0), image.tobytes(), filter_mask=0)
    return path
