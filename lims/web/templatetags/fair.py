"""A dataset page's FAIR parts: its schema.org JSON-LD for harvesters, its citation and what
its RO-Crate export holds."""

from __future__ import annotations

import json
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from lims.fair.describe import (
    citation,
    dataset_facts,
    dataset_jsonld,
    export_url,
    project_shown_to,
)

register = template.Library()


@register.simple_tag(takes_context=True)
def dataset_fair(context: dict[str, Any], dataset: Any) -> dict[str, Any]:
    """``{% dataset_fair dataset as fair %}``: ``fair.jsonld`` (a ``<script>`` element),
    ``fair.citation``, ``fair.export_url``, ``fair.files`` and ``fair.bytes`` (four
    queries, whatever the dataset's size)."""
    absolute = context["request"].build_absolute_uri
    facts = dataset_facts(dataset)
    shown = project_shown_to(context["request"].user, dataset)
    data = json.dumps(
        dataset_jsonld(dataset, absolute, facts, project_shown=shown), ensure_ascii=False
    )
    # "<" escaped, so that no text in the data can close the script element.
    script = '<script type="application/ld+json">' + data.replace("<", "\\u003c") + "</script>"
    return {
        "jsonld": SafeString(mark_safe(script)),
        "citation": citation(dataset, absolute),
        "export_url": export_url(dataset, absolute),
        "files": facts.n_files,
        "bytes": facts.n_bytes,
    }
