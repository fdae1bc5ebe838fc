"""Companion files: TIA .emi + _N.ser, Ripple .rpl + .raw (case-insensitive extensions)."""

from __future__ import annotations

from pathlib import Path

from extraction import FileGroup, group_files, is_companion_of, primary_name_for
from extraction.grouping import companion_patterns, find_companions, group_for_path


def test_primary_name_for() -> None:
    assert primary_name_for("x_2.ser") == "x.emi"
    assert primary_name_for("X - Au NP EELS_2.SER") == "X - Au NP EELS.emi"
    assert primary_name_for("a.raw") == "a.rpl"
    assert primary_name_for("a.RAW") == "a.rpl"
    assert primary_name_for("x.emi") is None
    assert primary_name_for("image.dm4") is None


def test_is_companion_of() -> None:
    assert is_companion_of("x_1.ser", "x.emi")
    assert is_companion_of("x_12.SER", "x.EMI")
    assert not is_companion_of("y_1.ser", "x.emi")
    assert not is_companion_of("x.ser", "x.emi")
    assert is_companion_of("a.raw", "a.rpl")
    assert companion_patterns("x.emi") == ["x_*.ser", "x_*.SER"]


def test_group_files_keeps_every_path_once_in_order() -> None:
    d = Path("/data")
    paths = [
        d / "b_2.ser",
        d / "a.dm3",
        d / "b.emi",
        d / "b_1.ser",
        d / "lone_1.ser",
        d / "s.raw",
        d / "s.RPL",
    ]
    groups = group_files(paths)
    assert groups == [
        FileGroup(d / "b.emi", (d / "b_1.ser", d / "b_2.ser")),
        FileGroup(d / "a.dm3", ()),
        FileGroup(d / "lone_1.ser", ()),
        FileGroup(d / "s.RPL", (d / "s.raw",)),
    ]
    members = [p for g in groups for p in g.paths]
    assert sorted(members) == sorted(paths)


def test_group_for_path_finds_companions_on_disk(samples: Path) -> None:
    emi = samples / "tia" / "old" / "16x16_STEM_BF_DF_acquire.emi"
    assert [p.name for p in find_companions(emi)] == [
        "16x16_STEM_BF_DF_acquire_1.ser",
        "16x16_STEM_BF_DF_acquire_2.ser",
    ]
    from_ser = group_for_path(samples / "tia" / "old" / "16x16_STEM_BF_DF_acquire_2.ser")
    assert from_ser.primary == emi
    lone = group_for_path(samples / "tia" / "old" / "X - Au NP EELS_2.ser")
    assert lone.companions == ()
