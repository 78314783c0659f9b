"""The accessibility engine (axe-core, from npm, pinned in tests/browser/axe/) and the checks
the browser journeys share: serious or critical WCAG 2.1 AA violations, visible focus."""

from __future__ import annotations

import shutil
import subprocess
from functools import cache
from pathlib import Path

from playwright.sync_api import Page

from tests.components import missing

AXE_DIR = Path(__file__).resolve().parent / "axe"
AXE_JS = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")
# Rules switched off, each with the reason. Keep this empty unless a rule cannot apply.
DISABLED: dict[str, str] = {}


@cache
def axe_source() -> str:
    """axe.min.js as npm installed it from the committed lock file; installed here (`npm ci`,
    the registry or npm's cache) when missing. Nothing is fetched by the pages under test."""
    if not AXE_JS.is_file():
        npm = shutil.which("npm")
        if npm is None:
            missing(
                "axe-core is not installed and npm is missing (run `npm ci` in tests/browser/axe)"
            )
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"], cwd=AXE_DIR, capture_output=True, text=True
        )
        if done.returncode != 0 or not AXE_JS.is_file():
            missing(f"`npm ci` in tests/browser/axe failed: {done.stderr.strip()[-500:]}")
    return AXE_JS.read_text()


def axe_violations(page: Page) -> list[dict]:
    """The WCAG 2.1 A/AA violations axe finds on the page as it is now (all impacts)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # The page's strict CSP forbids injected scripts; contexts for these checks are made
        # with bypass_csp=True, which lets this one (and only what the test adds) run.
        page.add_script_tag(content=axe_source())
    options = {
        "runOnly": {"type": "tag", "values": WCAG_21_AA},
        "resultTypes": ["violations"],
        "rules": {rule: {"enabled": False} for rule in DISABLED},
    }
    return page.evaluate("options => axe.run(document, options).then(r => r.violations)", options)


def blocking(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v.get("impact") in BLOCKING]


def describe(where: str, violations: list[dict]) -> str:
    lines = []
    for v in violations:
        targets = "; ".join(" ".join(n["target"]) for n in v["nodes"][:4])
        lines.append(f"{where}: {v['id']} ({v['impact']}) {v['help']} — {targets}")
    return "\n".join(lines)


FOCUS_STATE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  // A visually hidden file input shows its focus on the label that holds it.
  const shown = (el.offsetWidth <= 1 && el.closest('label')) || el;
  const style = getComputedStyle(shown);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
  const ring = style.boxShadow && style.boxShadow !== 'none';
  const label = el.labels && el.labels.length ? el.labels[0].textContent : '';
  return {
    tag: el.tagName.toLowerCase(),
    name: (el.getAttribute('aria-label') || label || el.textContent || el.value || '').trim(),
    visible: el.matches(':focus-visible') && (outline || ring),
  };
}"""


def focused(page: Page) -> dict | None:
    return page.evaluate(FOCUS_STATE)
