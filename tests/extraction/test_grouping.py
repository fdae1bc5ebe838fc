"""Companion files: TIA .emi + _N.ser, Ripple .rpl + .raw and the other formats' sidecars, JEOL
projects, Zarr folders (case-insensitive extensions)."""

from __future__ import annotations

from pathlib import Path

from extraction import FileGroup, group_files, is_companion_of, primary_name_for
from extraction.grouping import companion_patterns, find_companions, group_for_path, walk


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


def test_sidecars_of_other_formats_are_companions() -> None:
    d = Path("/data")
    paths = [
        d / "20241021_00405_info.txt",
        d / "20241021_00405_movie.mrc",
        d / "scan.mib",
        d / "scan.hdr",
        d / "map.spd",
        d / "map.ipr",
        d / "map.spc",
        d / "lone.spc",
        d / "stream_001.tvips",
        d / "stream_000.tvips",
        d / "stream_002.tvips",
        d / "run_Synchronized data.csv",
        d / "run_Metadata.log",
        d / "orphan.hdr",
    ]
    assert group_files(paths) == [
        FileGroup(d / "20241021_00405_movie.mrc", (d / "20241021_00405_info.txt",)),
        FileGroup(d / "scan.mib", (d / "scan.hdr",)),
        FileGroup(d / "map.spd", (d / "map.ipr", d / "map.spc")),
        FileGroup(d / "lone.spc", ()),
        FileGroup(d / "stream_000.tvips", (d / "stream_001.tvips", d / "stream_002.tvips")),
        FileGroup(d / "run_Synchronized data.csv", (d / "run_Metadata.log",)),
        FileGroup(d / "orphan.hdr", ()),
    ]
    assert primary_name_for("20241021_00405_info.txt") == "20241021_00405_movie.mrc"
    assert primary_name_for("scan.hdr") == "scan.mib"
    assert primary_name_for("stream_003.tvips") == "stream_000.tvips"
    assert primary_name_for("stream_000.tvips") is None
    assert primary_name_for("run_Metadata.log") is None  # the .csv's name is not fixed
    assert is_companion_of("20241021_00405_2_info.txt", "20241021_00405_2_movie.mrc")
    assert not is_companion_of("20241021_00406_info.txt", "20241021_00405_movie.mrc")
    assert companion_patterns("scan.mib") == ["scan.hdr", "scan.HDR"]


def test_series_are_in_natural_order() -> None:
    d = Path("/data")
    groups = group_files([d / "x_10.ser", d / "x_2.ser", d / "x.emi", d / "x_1.ser"])
    assert groups == [FileGroup(d / "x.emi", (d / "x_1.ser", d / "x_2.ser", d / "x_10.ser"))]


def test_jeol_project_and_zarr_folder_are_one_file_each() -> None:
    d = Path("/data")
    view = d / "Sample" / "00_View000"
    paths = [
        view / "View000_0000001.img",
        d / "Sample.ASW",
        view / "View000_0000006.pts",
        d / "image.zspy" / ".zgroup",
        d / "image.zspy" / "Experiments" / "s" / "data" / "0.0",
        d / "other" / "View000_0000002.map",  # not in the project's folder
    ]
    assert group_files(paths) == [
        FileGroup(d / "Sample.ASW", (view / "View000_0000001.img", view / "View000_0000006.pts")),
        FileGroup(d / "image.zspy", ()),
        FileGroup(d / "other" / "View000_0000002.map", ()),
    ]


def test_walk_lists_zarr_files_and_folders_once(tmp_path: Path) -> None:
    (tmp_path / "folder.zspy" / "Experiments").mkdir(parents=True)
    (tmp_path / "folder.zspy" / ".zgroup").write_text("{}")
    (tmp_path / "folder.zspy" / "Experiments" / ".zgroup").write_text("{}")
    (tmp_path / "zipped.zspy").write_bytes(b"PK\x03\x04")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.dm3").write_bytes(b"\x00\x00\x00\x03")
    assert list(walk([tmp_path])) == [
        tmp_path / "folder.zspy",
        tmp_path / "sub" / "a.dm3",
        tmp_path / "zipped.zspy",
    ]


def test_group_for_path_of_a_sidecar_and_of_a_project_file(tmp_path: Path) -> None:
    movie = tmp_path / "20241021_00405_movie.mrc"
    sidecar = tmp_path / "20241021_00405_info.txt"
    movie.write_bytes(b"m")
    sidecar.write_text("Timestamp = 0")
    assert group_for_path(sidecar) == FileGroup(movie, (sidecar,))
    project = tmp_path / "Sample.ASW"
    project.write_bytes(b"\x00\x00\x00\x00")
    data = tmp_path / "Sample" / "00_View000" / "View000_0000006.pts"
    data.parent.mkdir(parents=True)
    data.write_bytes(b"p")
    assert group_for_path(data) == FileGroup(project, (data,))
    assert group_for_path(project) == FileGroup(project, (data,))
