"""What every page of the browser journeys is checked for: axe-core finds no serious or critical
violation, and nothing is wider than the screen, at 1280 and 390 px, with and without
JavaScript. Main pages also leave a screenshot at each width in tests/e2e/screenshots/."""

from __future__ import annotations

from pathlib import Path

from axe_playwright_python.sync_playwright import Axe

SHOTS = Path(__file__).parent / "screenshots"
WIDTHS = (390, 1280)
BLOCKING = ("serious", "critical")
AXE_SOURCE = Axe().axe_script  # axe-core as axe-playwright-python ships it
# Every rule runs at the phone's width; at the desktop's, the rules whose answer depends on the
# layout (what overflows, what overlaps what, how big a target is): a full second run would
# double the suite's slowest tests for rules that read the same markup.
LAYOUT_RULES = ["scrollable-region-focusable", "color-contrast", "target-size"]


def violations(page, rules: list[str] | None = None) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now, one line each."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE)
    options = {"resultTypes": ["violations"]}
    if rules:
        options["runOnly"] = {"type": "rule", "values": rules}
    found = page.evaluate("options => axe.run(document, options)", options)["violations"]
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
            for v in found if v["impact"] in BLOCKING]


def overflow(page, width: int) -> list[str]:
    """The page is wider than the screen: say by how much."""
    scroll = page.evaluate("document.documentElement.scrollWidth")
    return [f"{scroll} px wide"] if scroll > width + 1 else []


def examine(page, what: str, shot: str | None = None) -> list[str]:
    """Each width's problems with the page open in ``page``, as '<what> at <width>: …' lines."""
    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        rules = None if width == WIDTHS[0] else LAYOUT_RULES
        problems += [f"{what} at {width}: {p}"
                     for p in violations(page, rules) + overflow(page, width)]
        if shot:
            SHOTS.mkdir(exist_ok=True)
            # "journey-": test_screenshots.py's shots of the same pages keep their own names
            # (the README's three), whichever test a run happens to finish last.
            page.screenshot(path=str(SHOTS / f"journey-{shot}-{width}.png"),
                            full_page=width == 390)
    return problems


class Screens:
    """Looks at each page a journey reaches, as it is and again without its scripts.

    Without JavaScript means the page's own scripts never load (every .js request is refused);
    axe-core itself is injected by Playwright, which a browser with scripts switched off would
    not run. The same cookies, so the same person."""

    def __init__(self, page):
        self.page = page
        self.problems: list[str] = []

    def check(self, what: str, shot: str | None = None) -> None:
        page = self.page
        page.wait_for_selector("html.js-htmx", state="attached")  # the scripts are deferred
        self.problems += examine(page, f"{what} ({page.url})", shot)
        context = page.context.browser.new_context(storage_state=page.context.storage_state())
        try:
            context.route("**/*.js", lambda route: route.abort())
            plain = context.new_page()
            plain.goto(page.url)
            self.problems += examine(plain, f"{what} without JavaScript ({page.url})")
        finally:
            context.close()
        page.set_viewport_size({"width": 390, "height": 844})
