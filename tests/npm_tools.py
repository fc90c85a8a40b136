"""npm packages the tests run (axe-core; vnu-jar, the Nu HTML Checker; official MJML), installed on first use.

Like the compatibility report's doiuse-email they go into benchmarks/.node, a
project-local folder, so a fresh CI machine fetches them from the npm registry
and nothing is installed globally. Without npm the tests that need them skip,
except under CI=true, where they fail.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

NODE_DIR = Path(__file__).resolve().parent.parent / "benchmarks" / ".node"
AXE_CORE = "4.14.1"
VNU_JAR = "26.9.27"
MJML = "4.18.0"  # the version benchmarks/build_speed.py compares with


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must install it (see .ci/system-packages)", pytrace=False)
    pytest.skip(reason)


def package(name: str, version: str) -> Path:
    """The folder of npm package `name` at exactly `version`, installing it if needed."""
    folder = NODE_DIR / "node_modules" / name
    manifest = folder / "package.json"
    if manifest.exists() and json.loads(manifest.read_text()).get("version") == version:
        return folder
    if not shutil.which("npm"):
        _unavailable(f"npm is not installed, so {name} cannot be installed")
    NODE_DIR.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(NODE_DIR), f"{name}@{version}"],
        check=True, timeout=600,
    )
    return folder


def vnu() -> list[str]:
    """The command that runs the Nu HTML Checker: Java and npm's vnu-jar."""
    java = shutil.which("java")
    if not java:
        _unavailable("java is not installed, so the Nu HTML Checker cannot run (apt-get install default-jre-headless)")
    return [java, "-jar", str(package("vnu-jar", VNU_JAR) / "build" / "dist" / "vnu.jar")]


def axe_source() -> str:
    return (package("axe-core", AXE_CORE) / "axe.min.js").read_text()


def official_mjml(source: str) -> str:
    """The HTML that official MJML (the Node CLI) writes for `source`, in strict validation."""
    cli = package("mjml", MJML) / "bin" / "mjml"
    result = subprocess.run(["node", str(cli), "-i", "-s", "--config.validationLevel", "strict"], input=source,
                            capture_output=True, text=True, timeout=120, check=True)
    return result.stdout
