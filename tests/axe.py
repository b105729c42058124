"""axe-core in the browser tests: the accessibility checker run over a page Playwright has
open. It is the npm package `axe-core`, installed (never downloaded at run time) with

    npm install --prefix .axe axe-core@4

as .ci/run does; AXE_CORE names another copy of axe.min.js."""

import os
from pathlib import Path

import pytest

AXE = Path(
    os.environ.get("AXE_CORE")
    or Path(__file__).resolve().parent.parent / ".axe" / "node_modules" / "axe-core" / "axe.min.js"
)
# Violations we do not accept; axe's "moderate" and "minor" findings are reported only.
BLOCKING = {"serious", "critical"}

needs_axe = pytest.mark.skipif(
    not AXE.exists(), reason="axe-core is not installed: npm install --prefix .axe axe-core@4"
)


def serious_violations(page) -> list[str]:
    """The serious and critical violations axe finds on the page (WCAG 2.1 A and AA and
    best practices), one line each: rule, impact, the elements and what to fix."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """() => axe.run(document, {
            runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                            "best-practice"]},
            resultTypes: ["violations"],
        })"""
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        for v in result["violations"]
        if v["impact"] in BLOCKING
    ]
