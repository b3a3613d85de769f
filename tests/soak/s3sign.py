"""The tests' independent SigV4 helper (tests/integration/s3sig.py), imported from its one copy."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_path = Path(__file__).resolve().parents[1] / "integration" / "s3sig.py"
_spec = importlib.util.spec_from_file_location("soak_s3sig", _path)
s3sig = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(s3sig)
