"""The spec-shaped counterparts (tests/counterparts/) for the wallet's interop tests."""

from __future__ import annotations

import sys
from pathlib import Path

COUNTERPARTS = Path(__file__).resolve().parents[2] / "counterparts"
if str(COUNTERPARTS) not in sys.path:
    sys.path.insert(0, str(COUNTERPARTS))
