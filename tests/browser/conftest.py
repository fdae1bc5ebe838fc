"""Playwright driving Debian's Chromium against the live test server; screenshots as artifacts."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.factories import PASSWORD

CHROMIUM = os.environ.get("LIMS_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(
    os.environ.get("LIMS_SCREENSHOT_DIR", REPO_ROOT / "test-artifacts" / "screenshots")
)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Playwright's sync API runs an event loop; Django refuses synchronous ORM calls inside one
# unless told that this is deliberate (the test thread itself is synchronous).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server) -> Iterator[object]:
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1366, "height": 900}, accept_downloads=True
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # Chromium reports what the Content-Security-Policy blocked on the console.
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
    assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)


@pytest.fixture
def screenshot(request):
    """``screenshot(page, "dataset")`` saves test-artifacts/screenshots/<test>-dataset.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    prefix = re.sub(r"[^\w-]+", "_", request.node.name)

    def take(page, name: str, full_page: bool = True) -> Path:
        path = SCREENSHOTS / f"{prefix}-{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take


def sign_in(page, username: str, password: str = PASSWORD) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/$"))


#: axe-core's rules are run on every page; these impacts fail a test.
AXE_FAILING_IMPACTS = {"serious", "critical"}


def audit(page) -> None:
    """Run axe-core (the copy packaged in ``axe-playwright-python``, injected from disk: no
    network) on the page as it is, and fail on any serious or critical violation, saying
    which rule and where."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    found = [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        for v in results.response["violations"]
        if v.get("impact") in AXE_FAILING_IMPACTS
    ]
    assert not found, f"Accessibility violations on {page.url}:\n" + "\n".join(found)
