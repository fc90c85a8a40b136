"""The caniemail report over the examples names a fallback for every flagged feature."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT


def test_every_flagged_feature_has_a_fallback():
    if not shutil.which("npm"):
        if os.environ.get("CI"):
            pytest.fail("npm is needed for the compatibility report in CI", pytrace=False)
        pytest.skip("npm is not installed, so doiuse-email cannot run")
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "compat_report.py")], capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    summary = result.stdout.strip().splitlines()[-1]
    flagged = int(summary.split()[0])
    assert flagged > 10 and summary.endswith("0 unhandled")
    assert "UNHANDLED" not in result.stdout
    # The report names the big three client families.
    for client in ("gmail.", "apple-mail.", "outlook."):
        assert client in result.stdout
