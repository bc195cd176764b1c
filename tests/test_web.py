"""The web page in a real Chromium (Debian's /usr/bin/chromium driven by Playwright).

Starts ``safetynet serve`` on a free port, loads the page, moves a lever (rural standard
+20 %), waits for the new result and checks that the county table changed and the map has
every county; screenshots go to tests/artifacts/ (gitignored). Under CI=true a missing browser
fails the test (``make test`` installs it: scripts/ensure_browser.sh); elsewhere it skips.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from safetynet.rules.checks import CHECKS

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 240_000

if not CHROMIUM.exists():
    if os.environ.get("CI") == "true":
        pytest.fail(f"{CHROMIUM} missing under CI (make test installs it)", pytrace=False)
    pytest.skip(
        f"{CHROMIUM} missing (run scripts/ensure_browser.sh as root)", allow_module_level=True
    )

from playwright.sync_api import Page, sync_playwright  # noqa: E402
from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402
from safetynet.scenario import load_scenario  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    port = _free_port()
    env = dict(
        os.environ,
        SAFETYNET_THREADS="1",
        SAFETYNET_WEB_YEAR="2020",  # short horizon keeps the test quick (2019-05..2020-12)
        SAFETYNET_WEB_SAMPLE_PCT="0.1",
    )
    exe = Path(sys.executable).with_name("safetynet")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = (ARTIFACTS / "serve.log").open("w")
    proc = subprocess.Popen(
        [str(exe), "serve", "--port", str(port)], cwd=ROOT, env=env, stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"serve did not start (rc {proc.poll()})") from None
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


KEY_CHANGED = (
    "k => { const s = document.querySelector('.run-status'); return s && s.dataset.key !== k; }"
)


def _until(page: Page, act: Callable[[], None], done: str, arg: object = None) -> None:
    """Do ``act`` until the page satisfies ``done`` (a JS predicate of ``arg``).

    A re-render of the page (a run finishing) can replace an input between a fill and its Enter,
    or close a menu under a click, and the action is lost (seen under load in CI): each try waits
    up to 60 s, then acts again; four tries in all.
    """
    for _attempt in range(4):
        act()
        try:
            page.wait_for_function(done, arg=arg, timeout=60_000)
            return
        except PlaywrightTimeout:
            continue
    raise AssertionError(f"the page never reached {done!r}")


def _download(page: Page, folder: Path) -> Path:
    """Click the scenario download and save the file in ``folder``; a re-render while the
    click lands (a run finishing) can swallow it under load, so up to four tries of 60 s."""
    folder.mkdir(parents=True, exist_ok=True)
    for _attempt in range(4):
        try:
            with page.expect_download(timeout=60_000) as download:
                page.locator(".solara-file-download-container").first.click()
        except PlaywrightTimeout:
            continue
        saved = folder / download.value.suggested_filename
        download.value.save_as(saved)
        return saved
    raise AssertionError("the scenario download never started")


def _table(page: Page) -> list[str]:
    return page.locator(".county-table tbody tr").all_inner_texts()


def test_lever_updates_table_and_map(server: str) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1100}, accept_downloads=True)
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(server)
        page.wait_for_selector(".run-status")
        first_key = page.locator(".run-status").get_attribute("data-key")
        before = _table(page)
        assert len(before) == 20  # first page of 129 counties
        assert page.locator("svg.county-map path.county").count() == 129
        assert "云南省社会救助兜底保障测算" in page.inner_text("body")

        def rural_20() -> None:
            box = page.locator(".lever-rural input")
            box.fill("20")
            box.press("Enter")

        _until(page, rural_20, KEY_CHANGED, first_key)
        after = _table(page)
        assert after != before
        # sorted by the change in need, largest first: a +20 % rural standard costs more
        change = page.locator(".county-table tbody tr").first.locator("td").nth(5).inner_text()
        assert float(change.replace(",", "")) > 0
        fills = page.eval_on_selector_all(
            "svg.county-map path.county", "els => els.map(e => getComputedStyle(e).fill)"
        )
        assert len(fills) == 129 and len(set(fills)) > 3  # coloured by county
        # the planners' checks arrive a moment after the rest of the result
        now_key = page.locator(".run-status").get_attribute("data-key")
        page.wait_for_selector(f".checks-done[data-key='{now_key}']", state="attached")
        assert page.locator("table.checks tr").count() == 1 + len(CHECKS)  # header + checks
        dibao = page.locator("table.programmes tr[data-line='dibao'] td").nth(3).inner_text()
        assert dibao.startswith("+")
        page.screenshot(path=str(ARTIFACTS / "web_zh.png"), full_page=True)

        # the scenario TOML of what is on screen: the CLI's loader accepts it as it is
        sc = load_scenario(_download(page, ARTIFACTS))
        assert sc.name.startswith("web_") and sc.overrides[-1].relative == pytest.approx(0.2)

        # several prefectures with their own rise: Dali +10 %, Kunming +0 % rural
        # pick each prefecture until its own row is on the page: a re-render after the first
        # pick can swallow a click in the open menu
        for name, code in (("大理白族自治州", "532900"), ("昆明市", "530100")):
            for _attempt in range(3):
                if page.locator(f".pref-{code}").count():
                    break
                page.locator(".lever-prefectures").click()
                page.get_by_role("option", name=name).click()
                page.keyboard.press("Escape")
                try:
                    page.wait_for_selector(f".pref-{code}", timeout=10_000)
                except PlaywrightTimeout:
                    continue
            assert page.locator(f".pref-{code}").count() == 1, f"{name} not picked"
        # a re-render (the Kunming pick's re-run finishing) can replace Dali's input between
        # the fill and the Enter, and the value is lost (seen under load in CI): set it, then
        # download until the scenario on screen carries Dali's rise, setting it again if not
        deadline = time.monotonic() + 120
        by_area: dict[str, float] = {}
        while "5329" not in by_area and time.monotonic() < deadline:
            key = page.locator(".run-status").get_attribute("data-key")
            dali = page.locator(".pref-532900 .pref-rural input")
            dali.fill("10")
            dali.press("Enter")
            # no change within 30 s: already applied (the same value again) or slow; look
            with contextlib.suppress(PlaywrightTimeout):
                page.wait_for_function(KEY_CHANGED, arg=key, timeout=30_000)
            several = load_scenario(_download(page, ARTIFACTS / "several"))
            by_area = {o.counties[0][:4]: o.relative for o in several.overrides if o.counties}
        assert by_area["5329"] == pytest.approx(0.1)  # Dali's own rise
        assert by_area["5303"] == pytest.approx(0.2)  # the province-wide rise elsewhere
        assert not any(c.startswith("5301") for o in several.overrides for c in o.counties or ())

        # filter by prefecture: only Dali's 12 counties
        def filter_dali() -> None:
            page.locator(".prefecture-filter").click()
            page.get_by_role("option", name="大理白族自治州").click()
            page.keyboard.press("Escape")

        _until(
            page,
            filter_dali,
            "() => document.querySelectorAll('.county-table tbody tr').length === 12",
        )
        assert all("大理白族自治州" in row for row in _table(page))

        def english() -> None:  # the switch toggles: click only while the page is in Chinese
            if "云南省社会救助兜底保障测算" in page.inner_text("body"):
                page.locator(".lang-switch").click()

        _until(
            page,
            english,
            "() => document.body.innerText.includes('Budget year 2020 against the baseline')",
        )
        page.wait_for_selector("text=Rural dibao standard rise (%)")  # the lever panel too
        now_key = page.locator(".run-status").get_attribute("data-key")
        assert now_key != first_key
        page.wait_for_selector(f".checks-done[data-key='{now_key}']", state="attached")
        assert "Checks failed" in page.inner_text(".county-table")
        page.screenshot(path=str(ARTIFACTS / "web_en.png"), full_page=True)
        browser.close()
