"""A non-editable install carries the theme: the built wheel renders on its own."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from conftest import ROOT


def test_wheel_contains_the_templates_and_renders_without_the_source_tree(tmp_path: Path):
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(ROOT)],
        check=True,
    )
    [wheel] = dist.glob("composer-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for template in (ROOT / "templates").rglob("*.j2"):
        assert f"composer/templates/{template.relative_to(ROOT / 'templates')}" in names

    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    issue = ROOT / "tests" / "fixtures" / "good" / "minimal.yaml"
    out = tmp_path / "out"
    # Run from an empty folder with only the unpacked wheel on the path, so the
    # source checkout's templates/ cannot be what makes this work.
    result = subprocess.run(
        [sys.executable, "-I", "-c",
         f"import sys; sys.path.insert(0, {str(site)!r}); "
         "import composer.theme as t; print(t.default_theme_dir()); "
         "from composer.cli import main; sys.argv = ['composer', 'build', "
         f"{str(issue)!r}, '-o', {str(out)!r}]; main()"],
        cwd=tmp_path, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == str(site / "composer" / "templates")
    assert (out / "minimal.html").read_text().count("Diplomacy Watch: Talks about talks") >= 1
