"""FAIR: datasets described for harvesters and exported whole.

* :mod:`lims.fair.describe`: schema.org ``Dataset`` JSON-LD, licenses and "how to cite";
* :mod:`lims.fair.crate`: the RO-Crate 1.1 metadata of an export;
* :mod:`lims.fair.export`: the export itself, a zip streamed at constant memory;
* :mod:`lims.fair.oai`: the OAI-PMH 2.0 repository of public datasets (Dublin Core, DataCite).

Reads only, except the OAI-PMH repository's own record of what it has offered (its
``Publication`` rows): every caller finds the datasets and files through the permission seam
first.
"""

from __future__ import annotations

__all__: list[str] = []
