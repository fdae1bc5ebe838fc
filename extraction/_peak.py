"""Child side of the memory benchmark: ``python -m extraction._peak MODE PATH READER [DIR]``.

Runs one read in a fresh interpreter and prints one JSON line: the peak resident memory of
the process (``VmHWM``, imports included), the seconds the read took and whether it worked.
``MODE`` is ``hyperspy`` (HyperSpy's eager ``hs.load`` with the given reader) or
``extraction`` (:func:`extraction.extract` with previews written to ``DIR``). Not a public
entry point.
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from pathlib import Path


def peak_mb() -> float:
    """Peak resident memory of this process in MB (``VmHWM``)."""
    with Path("/proc/self/status").open(encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main(argv: list[str]) -> int:
    """Run the read named by ``argv`` and print its figures."""
    mode, path, reader = argv[:3]
    warnings.simplefilter("ignore")
    ok, error = True, None
    start = time.perf_counter()
    if mode == "hyperspy":
        import hyperspy.api as hs

        try:
            hs.load(path, reader=reader or None)
        except Exception as exc:  # the figure is still worth printing
            ok, error = False, f"{type(exc).__name__}: {exc}"[:200]
    else:
        from extraction import extract
        from extraction.grouping import group_for_path

        result = extract(group_for_path(Path(path)), previews_dir=Path(argv[3]), full=True)
        ok, error = result.ok, result.error
    seconds = time.perf_counter() - start
    print(json.dumps({"peak_mb": peak_mb(), "seconds": seconds, "ok": ok, "error": error}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
