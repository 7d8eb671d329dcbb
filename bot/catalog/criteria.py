"""The AICPA Trust Services Criteria ids (2017, points of focus revised 2022) by category."""

from __future__ import annotations

CATEGORIES = ("security", "availability", "processing_integrity", "confidentiality", "privacy")

_SERIES: dict[str, tuple[str, dict[str, int]]] = {
    "security": (
        "CC",
        {"CC1": 5, "CC2": 3, "CC3": 4, "CC4": 2, "CC5": 3, "CC6": 8, "CC7": 5, "CC8": 1, "CC9": 2},
    ),
    "availability": ("A", {"A1": 3}),
    "processing_integrity": ("PI", {"PI1": 5}),
    "confidentiality": ("C", {"C1": 2}),
    "privacy": (
        "P",
        {"P1": 1, "P2": 1, "P3": 2, "P4": 3, "P5": 2, "P6": 7, "P7": 1, "P8": 1},
    ),
}

CRITERION_CATEGORY: dict[str, str] = {
    f"{group}.{n}": category
    for category, (_, groups) in _SERIES.items()
    for group, count in groups.items()
    for n in range(1, count + 1)
}


def category_of(criterion: str) -> str | None:
    """The category (`security`, `privacy`…) of a criterion id, or None when unknown."""
    return CRITERION_CATEGORY.get(criterion.upper())


def criterion_group(criterion: str) -> str:
    """The series a criterion belongs to, e.g. `CC6` for `CC6.1`."""
    return criterion.upper().split(".", 1)[0]
