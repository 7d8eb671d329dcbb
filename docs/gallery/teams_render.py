"""Adaptive Cards drawn as Teams shows them (render.mjs in headless Chromium): PNG and height.

    from docs.gallery.teams_render import render_cards, unavailable
    if (reason := unavailable()) is not None: pytest.skip(reason)
    shots = render_cards({"help": card})  # {"help": (png_bytes, height_px)}

One browser serves every card of a call, so measuring many cards costs one start-up
(about a second). Nothing is installed here: `make gallery` installs Chromium and the npm
packages (docs/gallery/install.py).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docs.gallery.install import HERE, missing

WIDTH = 450  # px: a card in a Teams chat on a laptop-sized window
RENDERER = HERE / "render.mjs"


@dataclass(frozen=True)
class Problem:
    """What the adaptivecards library said about a card: when, which event, its words."""

    phase: str
    event: str
    message: str

    def __str__(self) -> str:
        return f"{self.phase} {self.event}: {self.message}"


@dataclass(frozen=True)
class Rendered:
    """One card as Teams would show it, with the library's errors and warnings about it.

    `height` includes the pictures sent with the card (`images`), `card_height` is the card's.
    """

    png: bytes
    height: int
    card_height: int
    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...]


def unavailable() -> str | None:
    """Why cards cannot be rendered here (a reason to skip a test), or None when they can."""
    gaps = missing()
    return f"Teams rendering needs {', '.join(gaps)}: run `make gallery` once" if gaps else None


def render(
    cards: Mapping[str, Mapping[str, Any]],
    *,
    images: Mapping[str, Sequence[str]] | None = None,
    width: int = WIDTH,
    scale: int = 1,
) -> dict[str, Rendered]:
    """Draw each card (by name; names become file names) with one browser.

    `images`: `data:` URLs of pictures sent with a card, shown under it as Teams does.
    `scale`: device pixels per CSS pixel of the PNGs (heights are in CSS pixels).
    """
    reason = unavailable()
    if reason is not None:
        raise RuntimeError(reason)
    pictures = images or {}
    job = {
        "width": width,
        "scale": scale,
        "cards": {n: {"card": c, "images": list(pictures.get(n, ()))} for n, c in cards.items()},
    }
    with tempfile.TemporaryDirectory(prefix="soc2bot-cards-") as tmp:
        folder = Path(tmp)
        (folder / "job.json").write_text(json.dumps(job), "utf-8")
        node = shutil.which("node") or "node"
        done = subprocess.run(
            [node, str(RENDERER), str(folder / "job.json"), str(folder)],
            capture_output=True,
            text=True,
            timeout=60 + 5 * len(cards),
        )
        if done.returncode != 0:
            raise RuntimeError(f"render.mjs failed ({done.returncode}):\n{done.stderr[-4000:]}")
        results = json.loads(done.stdout)
        return {name: _rendered(folder / f"{name}.png", results[name]) for name in cards}


def render_cards(cards: Mapping[str, Mapping[str, Any]]) -> dict[str, tuple[bytes, int]]:
    """Each card's PNG and height in px, 450 px wide, as Teams' light theme shows it."""
    return {name: (r.png, r.height) for name, r in render(cards).items()}


def _rendered(png: Path, result: dict[str, Any]) -> Rendered:
    def problems(key: str) -> tuple[Problem, ...]:
        return tuple(Problem(p["phase"], p["event"], p["message"]) for p in result[key])

    return Rendered(
        png=png.read_bytes(),
        height=int(result["height"]),
        card_height=int(result["cardHeight"]),
        errors=problems("errors"),
        warnings=problems("warnings"),
    )
