from __future__ import annotations

import pytest

from lims.core.storage import safe_filename


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system.ini", "system.ini"),
        ("03_Scanning Preview_1.ser", "03_Scanning Preview_1.ser"),
        ("Test SI 16x16 215 kx.emd", "Test SI 16x16 215 kx.emd"),
        ("a;rm -rf $HOME.dm3", "a_rm -rf _HOME.dm3"),
        ("..", "file"),
        ("", "file"),
        ("\x00evil\n.tif", "_evil_.tif"),
        ("Probe µm.dm4", "Probe µm.dm4"),
    ],
)
def test_safe_filename(given, expected):
    assert safe_filename(given) == expected


def test_long_names_keep_their_extension():
    name = safe_filename("x" * 500 + ".dm4")
    assert len(name) <= 200 and name.endswith(".dm4")
