"""The auditor's evidence bundle: build it (streamed, deterministic) and verify it offline."""

from bot.export.bundle import build_bundle, export_to_folder
from bot.export.facts import BundleSummary
from bot.export.verify import Report, verify_bundle

__all__ = ["BundleSummary", "Report", "build_bundle", "export_to_folder", "verify_bundle"]
