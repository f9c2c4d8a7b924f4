"""Shared test settings: where the spec's example files are, and the fixtures folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"
# The data contract lives beside the checkout (../shared), in CI as on a developer's machine.
SHARED = Path(os.environ.get("FLEXBLOCK_SHARED", REPO.parent / "shared"))
SPEC_EXAMPLES = SHARED / "spec" / "examples"


def require_spec_examples() -> Path:
    """The spec's examples folder; outside CI a missing folder skips, inside CI it fails."""
    if not SPEC_EXAMPLES.is_dir():
        message = f"spec examples not found at {SPEC_EXAMPLES} (set FLEXBLOCK_SHARED)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return SPEC_EXAMPLES
