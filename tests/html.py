"""Reading rendered pages in tests: the exact text of an element, not a substring of the page
(``"200" in html`` also passes on a page that shows "2000" or a price)."""

from __future__ import annotations

import re
from typing import Any

from bs4 import BeautifulSoup, Tag


def page(response_or_html: Any) -> BeautifulSoup:
    """The parsed page of a response (asserting it is a 200) or of HTML text."""
    if isinstance(response_or_html, str):
        return BeautifulSoup(response_or_html, "html.parser")
    assert response_or_html.status_code == 200, response_or_html.status_code
    return BeautifulSoup(response_or_html.content.decode(), "html.parser")


def text(node: Tag | None) -> str:
    """An element's text as a person reads it: runs of spaces and line breaks as one space (a
    no-break or narrow space, part of how a number is written, stays)."""
    assert node is not None, "no such element"
    return re.sub(r"[ \t\n\r\f\v]+", " ", node.get_text(" ")).strip()


def one(soup: BeautifulSoup | Tag, selector: str) -> Tag:
    """The one element ``selector`` finds (fails when there are none or several)."""
    found = soup.select(selector)
    assert len(found) == 1, f"{selector!r} found {len(found)} elements"
    return found[0]


def texts(soup: BeautifulSoup | Tag, selector: str) -> list[str]:
    """The text of every element ``selector`` finds, in page order."""
    return [text(node) for node in soup.select(selector)]


def facts(soup: BeautifulSoup | Tag, selector: str = "dl.facts") -> dict[str, str]:
    """A definition list as ``{term: description}``."""
    listing = one(soup, selector)
    return {
        text(dt): text(dt.find_next_sibling("dd")) for dt in listing.find_all("dt", recursive=False)
    }
