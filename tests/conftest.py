"""Shared test settings: where the data contract's example files are, and the fixtures folder.

The contract (``docs/spec/``) is a copy kept in this repository, so a fresh clone tests on its own.
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"
SPEC = REPO / "docs" / "spec"
SPEC_EXAMPLES = SPEC / "examples"
