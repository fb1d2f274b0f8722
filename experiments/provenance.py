"""Provenance of results: the package versions and git commit that produced them."""

from __future__ import annotations

import importlib.metadata
import subprocess
from collections.abc import Iterable
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bigwhoosh", "mesa", "numpy", "scipy", "pandas", "pyarrow", "pydantic", "SALib", "dask", "distributed")


def package_versions(names: Iterable[str]) -> dict[str, str]:
    """Installed versions of ``names`` (packages not installed are left out)."""
    versions = {}
    for name in names:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions


def git_commit() -> str | None:
    """HEAD of the git repository holding this package (suffixed ``-dirty`` with uncommitted changes), or None."""
    try:
        result = subprocess.run(
            ["git", "rev-parse", "--show-toplevel", "HEAD"],
            cwd=PACKAGE_ROOT, capture_output=True, text=True, timeout=10, check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    lines = result.stdout.splitlines()
    if len(lines) != 2 or Path(lines[0]).resolve() != PACKAGE_ROOT:
        return None
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=PACKAGE_ROOT,
                            capture_output=True, text=True, timeout=10)
    return lines[1] + ("-dirty" if status.stdout.strip() else "")
