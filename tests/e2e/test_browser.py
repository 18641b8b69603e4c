"""The verifier's onboarding page in a real browser: Debian's headless Chromium driven by
Playwright (``/usr/bin/chromium``, installed by ``./run setup``; never a downloaded build),
against anvil, ``issuer serve`` and ``verifier serve`` on 127.0.0.1 and the ``wallet`` CLI
as subprocesses.

For each language (en, zh-TW) and each outcome: the browser opens the start page and starts
a session; the page shows the QR code; the test screenshots the page and decodes the QR from
the screenshot with zxing-cpp (an ``openid4vp://`` link); ``wallet present`` answers it; the
page's poll shows the decision in the same document (a marker set on ``window`` before is
still there, no navigation happened); a rejection names its reason in plain words. Without
JavaScript the page refreshes itself to the decision. The browser requests nothing but
127.0.0.1.

Screenshots of each state go to ``$SCREENSHOT_DIR`` (default: the test's tmp dir);
``./run screenshots`` regenerates ``docs/screenshots/``.
"""

from __future__ import annotations

import io
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from processes import CliWallet, IssuerProcess, VerifierProcess, wait_for

from passport_cli.demo.narration import POLICY

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
RICH, POOR = "TW-0001", "TW-0007"  # about 150,000 and 25,000 USD; the policy asks 50,000
INSTALL_HINT = (
    "run `./run setup` (as root it installs Debian's chromium and fonts-wqy-microhei with "
    "apt-get), or `apt-get install --no-install-recommends chromium fonts-wqy-microhei`"
)

# What the page says, in each language (verifier_service/i18n.py is the page's source; these
# are the words a person reads, written out so a change of wording is seen here).
WORDS = {
    "en": {
        "start": "Start",
        "scan": "Scan this code with your passport wallet",
        "approved": "Approved",
        "welcome": "Welcome! Your identity and proof of funds were verified.",
        "rejected": "Not approved",
        "why": "Why",
        "too_poor": "The proof of funds does not show the minimum balance.",
    },
    "zh-TW": {
        "start": "開始",
        "scan": "請用您的護照錢包掃描此條碼",
        "approved": "已核准",
        "welcome": "歡迎！您的身分與資金證明已通過驗證。",
        "rejected": "未核准",
        "why": "原因",
        "too_poor": "資金證明未達最低餘額要求。",
    },
}


@dataclass
class World:
    verifier: VerifierProcess
    wallets: dict[str, CliWallet]
    shots: Path


@pytest.fixture(scope="module")
def world(
    module_dir: Path,
    module_deployment: Path,
    module_issuer: IssuerProcess,
    module_start_verifier: Any,
) -> World:
    policy = module_dir / "sg-premium.toml"
    policy.write_text(POLICY)
    verifier = module_start_verifier(policy=policy)
    wallets = {
        "approved": CliWallet(module_dir / "rich", module_deployment),
        "rejected": CliWallet(module_dir / "poor", module_deployment),
    }
    wallets["approved"].onboard(module_issuer, RICH)
    wallets["rejected"].onboard(module_issuer, POOR)
    wait_for("the issuer's status lists on chain", module_issuer.drained)
    shots = Path(os.environ.get("SCREENSHOT_DIR") or module_dir / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    return World(verifier, wallets, shots)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Headless Debian chromium through Playwright; missing, the test fails (never skips)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: the browser test needs it; {INSTALL_HINT}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - requirements.lock pins playwright
        pytest.fail(f"playwright is not installed ({exc}): run `./run setup`")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield browser
        finally:
            browser.close()


class Page:
    """One browser tab with every URL it requested."""

    def __init__(self, browser: Any, *, javascript: bool = True) -> None:
        self.context = browser.new_context(
            viewport={"width": 760, "height": 480}, java_script_enabled=javascript
        )
        self.page = self.context.new_page()
        self.requested: list[str] = []
        self.navigations = 0
        self.page.on("request", lambda r: self.requested.append(r.url))
        self.page.on(
            "framenavigated",
            lambda f: setattr(self, "navigations", self.navigations + 1)
            if f == self.page.main_frame
            else None,
        )

    def close(self) -> None:
        self.context.close()

    def external(self) -> list[str]:
        return [
            url for url in self.requested
            if urlsplit(url).scheme != "data" and urlsplit(url).hostname != "127.0.0.1"
        ]  # fmt: skip

    def shot(self, world: World, name: str) -> bytes:
        png: bytes = self.page.screenshot(full_page=True)
        _save_small(png, world.shots / f"{name}.png")
        return png


def _save_small(png: bytes, path: Path) -> None:
    """The screenshot as a palette PNG (a few dozen KB, fit to commit under docs/)."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    image.quantize(colors=64).save(path, optimize=True)


def _decode_qr(png: bytes) -> list[str]:
    import zxingcpp
    from PIL import Image

    found = zxingcpp.read_barcodes(
        Image.open(io.BytesIO(png)), formats=zxingcpp.BarcodeFormat.QRCode
    )
    return [r.text for r in found]


def _start_session(tab: Page, world: World, lang: str) -> None:
    """The start page in ``lang``, then its Start button: the session page with the QR."""
    words = WORDS[lang]
    tab.page.goto(f"{world.verifier.base_url}/?lang={lang}")
    assert tab.page.get_attribute("html", "lang") == lang
    start = tab.page.locator("#start")
    assert start.inner_text() == words["start"]
    start.click()
    tab.page.wait_for_url("**/onboarding/*")
    tab.page.locator("#qr").wait_for(state="visible")
    assert words["scan"] in tab.page.locator("#request").inner_text()


@pytest.mark.parametrize("lang", ["en", "zh-TW"])
@pytest.mark.parametrize("outcome", ["approved", "rejected"])
def test_page_shows_qr_then_decision_without_reload(
    chromium: Any, world: World, lang: str, outcome: str
) -> None:
    words = WORDS[lang]
    tab = Page(chromium)
    try:
        _start_session(tab, world, lang)
        session_url = tab.page.url
        marker = secrets.token_hex(8)
        tab.page.evaluate("m => { window.__marker = m; }", marker)
        navigations = tab.navigations

        # the QR as a person's phone sees it: decoded from the screenshot
        links = _decode_qr(tab.shot(world, f"{lang}-1-qr"))
        assert len(links) == 1, links
        link = links[0]
        assert link.startswith("openid4vp://"), link
        assert tab.page.get_attribute("#same-device", "href") == link
        assert tab.page.get_attribute("#status", "data-final") == "false"

        sent = world.wallets[outcome].json("present", link, "--yes")
        assert sent["outcome"] == "sent", sent

        tab.page.wait_for_selector('#status[data-final="true"]', timeout=60_000)
        tab.page.locator("#decision").wait_for(state="visible")
        # the same document: no reload, no navigation, the marker still set
        assert tab.page.evaluate("() => window.__marker") == marker
        assert tab.navigations == navigations
        assert tab.page.url == session_url
        assert tab.page.locator("#qr").count() == 0

        label = tab.page.locator("#status-label")
        reasons = tab.page.locator("#reasons li")
        if outcome == "approved":
            assert label.inner_text() == words["approved"]
            assert "status-approved" in (label.get_attribute("class") or "")
            assert tab.page.locator("#decision-text").inner_text() == words["welcome"]
            assert reasons.count() == 0
            assert not tab.page.locator("#reasons-title").is_visible()
        else:
            assert label.inner_text() == words["rejected"]
            assert "status-rejected" in (label.get_attribute("class") or "")
            assert tab.page.locator("#reasons-title").inner_text() == words["why"]
            codes = [reasons.nth(i).get_attribute("data-code") for i in range(reasons.count())]
            assert "balance_below_minimum" in codes, codes
            reason = tab.page.locator('#reasons li[data-code="balance_below_minimum"]')
            assert words["too_poor"] in reason.inner_text()
        assert tab.page.locator("#again button").is_visible()
        tab.shot(world, f"{lang}-2-{outcome}")

        # what the server renders for the same session (a reload) says the same
        tab.page.reload()
        assert tab.page.locator("#status-label").inner_text() == words[outcome]
        assert tab.external() == [], tab.external()
    finally:
        tab.close()


def test_page_without_javascript_refreshes_to_the_decision(chromium: Any, world: World) -> None:
    """The no-JavaScript fallback: the page refreshes itself (``<noscript>`` meta refresh)
    and the server renders the decision."""
    tab = Page(chromium, javascript=False)
    try:
        _start_session(tab, world, "en")
        links = _decode_qr(tab.page.screenshot(full_page=True))
        assert len(links) == 1 and links[0].startswith("openid4vp://"), links
        sent = world.wallets["approved"].json("present", links[0], "--yes")
        assert sent["outcome"] == "sent", sent
        tab.page.wait_for_selector('#status[data-final="true"]', timeout=60_000)
        assert tab.page.locator("#status-label").inner_text() == WORDS["en"]["approved"]
        assert tab.page.locator("#decision").is_visible()
        assert tab.external() == [], tab.external()
    finally:
        tab.close()
