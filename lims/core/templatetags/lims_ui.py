"""Filters and tags shared by the LIMS's pages: badges, sizes, safe Markdown, metadata trees."""

from __future__ import annotations

import datetime as dt
from typing import Any

import markdown
import nh3
from django import template
from django.http import HttpRequest
from django.utils.dateparse import parse_datetime
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from extraction.display import format_number as number_text
from lims.core.permissions import Action, can

register = template.Library()

#: HTML that survives in a rendered comment; everything else is stripped by nh3.
COMMENT_TAGS = {
    "p", "br", "strong", "em", "b", "i", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td", "del",
}  # fmt: skip
COMMENT_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}


@register.filter
def render_markdown(text: str) -> SafeString:
    """A comment's text as safe HTML: Markdown rendered, then sanitized (no scripts, no styles).

    Headings are shifted down so a comment cannot shout over the page's own headings.
    """
    html = markdown.markdown(
        text or "",
        extensions=["fenced_code", "tables", "sane_lists", "nl2br"],
        output_format="html",
    )
    html = html.replace("<h1>", "<h3>").replace("</h1>", "</h3>")
    html = html.replace("<h2>", "<h4>").replace("</h2>", "</h4>")
    clean = nh3.clean(
        html,
        tags=COMMENT_TAGS,
        attributes=COMMENT_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(clean)


@register.filter
def status_badge(status: str | None, label: str | None = None) -> SafeString:
    """A coloured badge for an extraction or run status."""
    status = status or "pending"
    text = label or status.replace("_", " ").capitalize()
    if status == "unsupported" and not label:
        text = "Unsupported"
    return format_html('<span class="badge badge-{}">{}</span>', status, text)


@register.filter
def visibility_badge(level: str | None) -> SafeString:
    """A badge for public / internal / private."""
    level = level or "private"
    return format_html('<span class="badge plain badge-{}">{}</span>', level, level.capitalize())


@register.filter
def role_badge(role: str | None) -> SafeString:
    if not role:
        return format_html("{}", "")
    return format_html('<span class="badge plain badge-{}">{}</span>', role, role.capitalize())


@register.filter
def isodatetime(value: Any) -> dt.datetime | None:
    """An ISO string (as stored in extracted metadata) as a datetime for the ``date`` filter."""
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return parse_datetime(value)
        except ValueError:
            return None
    return None


@register.filter
def duration(seconds: float | None) -> str:
    """``0.42 s``, ``12.3 s``, ``3 min 05 s``."""
    if seconds is None:
        return "—"
    if seconds < 10:
        return f"{seconds:.2f} s"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs:02d} s"


#: significant digits of a vendor tree's numbers (the tree shows what the file says)
TREE_DIGITS = 10


def format_number(value: Any, digits: int | None = None) -> str:
    """Numbers in the one style of every page (:func:`extraction.display.format_number`:
    grouped by thousands with a narrow space, a power of ten only below 0.001, never
    ``1.3000e+06`` beside ``225000``); other values as text."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return number_text(value, digits=max(len(str(abs(value))), 4))
    if isinstance(value, float):
        return number_text(value) if digits is None else number_text(value, digits=digits)
    return str(value)


register.filter("number", format_number)


@register.simple_tag(takes_context=True)
def allowed(context: dict[str, Any], action: str, obj: Any) -> bool:
    """``{% allowed "edit" dataset as can_edit %}``: asks the permission seam."""
    request: HttpRequest | None = context.get("request")
    user = getattr(request, "user", None)
    return can(user, Action(action), obj)


@register.simple_tag(takes_context=True)
def sort_header(
    context: dict[str, Any], key: str, label: str, numeric: bool = False, css: str = ""
) -> SafeString:
    """A sortable ``<th>``: a link sorting by ``key`` (toggling the direction), with aria-sort."""
    request: HttpRequest = context["request"]
    current = request.GET.get("sort", context.get("default_sort", ""))
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("partial", None)
    descending = current == f"-{key}"
    ascending = current == key
    params["sort"] = f"-{key}" if ascending else key
    aria = ""
    if ascending:
        aria = ' aria-sort="ascending"'
    elif descending:
        aria = ' aria-sort="descending"'
    classes = " ".join(c for c in ("num" if numeric else "", css) if c)
    css = f' class="{escape(classes)}"' if classes else ""
    return format_html(
        '<th scope="col"{}{}><a href="?{}">{}</a></th>',
        mark_safe(css),
        mark_safe(aria),
        params.urlencode(),
        label,
    )


@register.simple_tag(takes_context=True)
def page_url(context: dict[str, Any], page: int) -> str:
    """The current URL's query string with another page number."""
    params = context["request"].GET.copy()
    params.pop("partial", None)
    params["page"] = page
    return "?" + params.urlencode()


@register.simple_tag(takes_context=True)
def query_with(context: dict[str, Any], **changes: Any) -> str:
    """The current URL's query string with some parameters changed (``None`` or "" removes
    one), from the first page."""
    params = context["request"].GET.copy()
    for key in ("partial", "page"):
        params.pop(key, None)
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    return "?" + params.urlencode()


# --- Metadata trees --------------------------------------------------------------------------

MAX_TREE_NODES = 20_000


def _leaf(value: Any) -> SafeString:
    if isinstance(value, str):
        return format_html('<span class="v str">{}</span>', value)
    if value is None:
        return format_html('<span class="v">{}</span>', "null")
    if isinstance(value, int) and not isinstance(value, bool):
        return format_html('<span class="v">{}</span>', value)  # ids and counts, as written
    return format_html('<span class="v">{}</span>', format_number(value, TREE_DIGITS))


INLINE_LIST_ITEMS = 32


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, dict | list)


def _inline_list(values: list[Any]) -> SafeString:
    """A list of plain values on one line: ``[0, 0, 768, 1596]`` (long ones shortened)."""
    shown = ", ".join(
        format_number(v) if not isinstance(v, str) else repr(v) for v in values[:INLINE_LIST_ITEMS]
    )
    more = len(values) - INLINE_LIST_ITEMS
    suffix = f", … {more} more" if more > 0 else ""
    return format_html('<span class="v">[{}{}]</span>', shown, suffix)


def _render_tree(node: Any, out: list[str], budget: list[int], depth: int) -> None:
    items = list(node.items()) if isinstance(node, dict) else list(enumerate(node))
    out.append("<ul>")
    for key, value in items:
        budget[0] -= 1
        if budget[0] < 0:
            out.append('<li class="muted">… (tree truncated)</li>')
            break
        key_html = escape(str(key) if isinstance(node, dict) else f"[{key}]")
        if isinstance(value, list) and value and all(_is_scalar(v) for v in value):
            out.append(f'<li><span class="k">{key_html}</span>: {_inline_list(value)}</li>')
        elif isinstance(value, dict | list) and value:
            open_attr = " open" if depth < 1 else ""
            count = len(value)
            noun = "entries" if isinstance(value, dict) else "items"
            out.append(
                f'<li><details{open_attr}><summary><span class="k">{key_html}</span> '
                f'<span class="count">{count} {noun}</span></summary>'
            )
            _render_tree(value, out, budget, depth + 1)
            out.append("</details></li>")
        elif isinstance(value, dict | list):
            continue  # an empty group says nothing ("root: {}" at the top of a TIA tree)
        else:
            out.append(f'<li><span class="k">{key_html}</span>: {_leaf(value)}</li>')
    out.append("</ul>")


@register.filter
def metadata_tree(node: Any) -> SafeString:
    """A nested dict/list as collapsible ``<details>`` lists; every key and value escaped."""
    if not node:
        return format_html('<p class="muted">{}</p>', "No metadata.")
    out: list[str] = []
    _render_tree(
        node if isinstance(node, dict | list) else {"value": node}, out, [MAX_TREE_NODES], 0
    )
    return mark_safe("".join(out))
