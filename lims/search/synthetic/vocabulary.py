"""What the synthetic facility has: its microscopes (with their beam energies, techniques,
detectors and file formats), the signal kinds of each technique, and the words, tags and people
its records are made of."""

from __future__ import annotations

from dataclasses import dataclass

#: The rare vendor key (as flattened from the DigitalMicrograph-like tree): in about one file in
#: a thousand.
RARE_KEY = "ImageTags.Experiment.Holder.Tomography Tilt Step"
#: How often the rare key occurs.
RARE_SHARE = 0.001


@dataclass(frozen=True)
class Scope:
    """A microscope of the synthetic facility and what it is used for."""

    name: str
    vendor: str
    kvs: tuple[int, ...]
    techniques: tuple[str, ...]
    detectors: tuple[str, ...]
    formats: tuple[tuple[str, str], ...]  # (extension, format label)


SCOPES = (
    Scope(
        "FEI Titan G2",
        "FEI",
        (80, 200, 300),
        ("STEM", "TEM", "EELS", "EDS"),
        ("HAADF", "BF", "DF4", "Super-X", "GIF Quantum"),
        (("emd", "velox/emd"), ("dm4", "digitalmicrograph/dm4")),
    ),
    Scope(
        "Thermo Fisher Spectra 300",
        "Thermo Fisher",
        (60, 200, 300),
        ("STEM", "EDS", "EELS"),
        ("HAADF", "iDPC", "Super-X", "Continuum"),
        (("emd", "velox/emd"),),
    ),
    Scope(
        "Talos F200X",
        "Thermo Fisher",
        (80, 200),
        ("TEM", "STEM", "EDS"),
        ("Ceta", "HAADF", "Super-X"),
        (("emd", "velox/emd"), ("ser", "tia/emi")),
    ),
    Scope(
        "JEM-ARM200F",
        "JEOL",
        (80, 200),
        ("STEM", "TEM", "EELS"),
        ("ADF", "ABF", "OneView", "GIF"),
        (("dm3", "digitalmicrograph/dm3"), ("dm4", "digitalmicrograph/dm4")),
    ),
    Scope(
        "JEM-2100",
        "JEOL",
        (120, 200),
        ("TEM",),
        ("Orius", "US1000"),
        (("dm3", "digitalmicrograph/dm3"),),
    ),
    Scope(
        "FEI Tecnai F20",
        "FEI",
        (120, 200),
        ("TEM", "STEM", "EDS"),
        ("BM-UltraScan", "HAADF", "EDAX"),
        (("dm3", "digitalmicrograph/dm3"), ("emi", "tia/emi")),
    ),
    Scope(
        "Titan Krios",
        "Thermo Fisher",
        (300,),
        ("TEM",),
        ("Falcon 4", "K3"),
        (("mrc", "mrc/mrc"), ("tif", "tiff/tif")),
    ),
    Scope(
        "Helios 5 UX",
        "Thermo Fisher",
        (2, 5, 30),
        ("SEM", "FIB", "EDS"),
        ("ETD", "TLD", "ICE"),
        (("tif", "tiff/tif"),),
    ),
    Scope(
        "Quanta 650",
        "FEI",
        (5, 10, 20, 30),
        ("SEM", "EDS"),
        ("ETD", "CBS", "Octane"),
        (("tif", "tiff/tif"),),
    ),
    Scope(
        "Zeiss Gemini 500",
        "Zeiss",
        (1, 3, 5, 15),
        ("SEM", "CL"),
        ("InLens", "SE2", "Monarc"),
        (("tif", "tiff/tif"),),
    ),
    Scope(
        "Nion UltraSTEM 100",
        "Nion",
        (60, 100),
        ("STEM", "EELS"),
        ("HAADF", "MAADF", "Iris"),
        (("h5", "nion/h5"),),
    ),
    Scope(
        "Hitachi HF5000",
        "Hitachi",
        (200,),
        ("STEM", "TEM", "EDS"),
        ("BF", "DF", "Ultim"),
        (("tif", "tiff/tif"),),
    ),
)
KIND_OF = {
    "TEM": ("image", "image", "diffraction", "image_stack"),
    "STEM": ("image", "image", "image", "4d_stem", "image_stack"),
    "SEM": ("image",),
    "FIB": ("image", "image_stack"),
    "EELS": ("spectrum", "spectrum_image", "line_scan"),
    "EDS": ("spectrum", "spectrum_image"),
    "CL": ("spectrum", "spectrum_image", "image"),
}
WORDS = (
    "graphene", "perovskite", "catalyst", "zeolite", "battery", "cathode", "anode", "nanowire",
    "quantum dot", "MoS2", "hBN", "steel", "alloy", "oxide", "interface", "grain boundary",
    "dislocation", "lamella", "biofilm", "virus", "ribosome", "membrane", "polymer", "ceramic",
    "thin film", "heterostructure", "precipitate", "twin", "superlattice", "nanoparticle",
)  # fmt: skip
TAGS = (
    "in situ", "heating", "cryo", "tomography", "4D-STEM", "EELS mapping", "EDS mapping",
    "high resolution", "low dose", "calibration", "beam damage", "publication", "thesis",
    "collaboration", "training", "service", "industry", "operando", "liquid cell", "holography",
)  # fmt: skip
FIRST = (
    "Ana",
    "Ben",
    "Chen",
    "Dara",
    "Eli",
    "Fatima",
    "Goran",
    "Hiro",
    "Ines",
    "Jonas",
    "Kofi",
    "Lea",
)
LAST = ("Meyer", "Novak", "Okafor", "Petrov", "Quinn", "Rossi", "Sato", "Tanaka", "Usman", "Varga")


def _check_plain() -> None:
    """Every text of the vocabulary goes into COPY text and JSON as it is: plain ASCII, no
    quotes, backslashes, tabs or line ends (:class:`~lims.search.synthetic.rows.LineFormat`
    does not escape)."""
    texts = [*WORDS, *TAGS, *FIRST, *LAST, RARE_KEY, *KIND_OF]
    texts += [kind for kinds in KIND_OF.values() for kind in kinds]
    for scope in SCOPES:
        texts += [scope.name, scope.vendor, *scope.techniques, *scope.detectors]
        texts += [part for pair in scope.formats for part in pair]
    for text in texts:
        if not text.isascii() or any(c in text for c in '"\\\t\n\r{}'):
            raise ValueError(f"{text!r}: the synthetic vocabulary must be plain text")


_check_plain()
