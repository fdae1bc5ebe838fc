"""The templates hold no inline script, event handler or style attribute: the pages'
Content-Security-Policy allows none (behaviour lives in static/js, looks in static/css)."""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
#: an attribute such as onclick="…" or style="…" inside a tag
INLINE = re.compile(r"<[^>]*\s(on[a-z]+|style)\s*=", re.IGNORECASE)
#: a <script> element with a body (a src= script is an empty element)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>\s*\S", re.IGNORECASE)


def test_no_inline_handlers_styles_or_scripts() -> None:
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for pattern in (INLINE, INLINE_SCRIPT):
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(TEMPLATES)}:{line}: {match.group(0)[:80]}")
    assert found == []
