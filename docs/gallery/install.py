"""Install what the gallery needs when it is missing: Debian's Chromium and fonts, npm packages."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
NODE_MODULES = HERE / "node_modules"
CHROMIUM = Path(os.environ.get("SOC2BOT_CHROMIUM", "/usr/bin/chromium"))
# Open Sans stands in for Segoe UI (not free to install): a humanist sans a little wider than
# Segoe UI, so heights err on the tall side, as on Teams for macOS (San Francisco).
FONT_FILE = Path("/usr/share/fonts/truetype/open-sans/OpenSans-Regular.ttf")
APT_PACKAGES = ("chromium", "fonts-open-sans", "fonts-dejavu-core")
# The modules render.mjs imports; their absence means `npm ci` has not run here.
NPM_MODULES = ("adaptivecards", "markdown-it", "puppeteer-core")


def missing() -> list[str]:
    """What is not installed yet, in words (empty when the renderer can run)."""
    gaps = []
    if not CHROMIUM.exists():
        gaps.append(f"{CHROMIUM} (Debian package chromium)")
    if not FONT_FILE.exists():
        gaps.append("Open Sans (Debian package fonts-open-sans)")
    if shutil.which("node") is None:
        gaps.append("node")
    gaps += [f"npm package {m}" for m in NPM_MODULES if not (NODE_MODULES / m).is_dir()]
    return gaps


def _run(*command: str) -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(command, check=True, env=env, cwd=HERE)


def ensure_installed() -> dict[str, float]:
    """Install the missing parts; return the seconds each install step took (none: {})."""
    took: dict[str, float] = {}
    wanted = [*APT_PACKAGES, *(() if shutil.which("npm") else ("nodejs", "npm"))]
    if not CHROMIUM.exists() or not FONT_FILE.exists() or len(wanted) > len(APT_PACKAGES):
        if shutil.which("apt-get") is None:
            raise SystemExit("No apt-get: install Chromium, Open Sans and Node.js by hand.")
        start = time.monotonic()
        _run("apt-get", "update", "-q")
        _run("apt-get", "install", "-y", "-q", "--no-install-recommends", *wanted)
        took["apt-get install " + " ".join(wanted)] = time.monotonic() - start
    if any(not (NODE_MODULES / m).is_dir() for m in NPM_MODULES):
        start = time.monotonic()
        # The lock pins every version; puppeteer-core downloads no browser (it drives ours).
        _run("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
        took["npm ci"] = time.monotonic() - start
    gaps = missing()
    if gaps:
        raise SystemExit("Still missing after installing: " + ", ".join(gaps))
    return took
