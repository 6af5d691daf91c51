"""results.json: the record of one finished run that the reproduction report reads.

Schema (README, "Run outputs"):
    {"experiment", "paper_rows", "scale", "seed", "git_sha", "wall_time_s",
     "metrics": {"test/ll": ..., ...}, "estimators": {"test/ll": {"method", "samples"}}}
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

SCHEMA_KEYS = ("experiment", "paper_rows", "scale", "seed", "git_sha", "wall_time_s", "metrics", "estimators")


def git_sha() -> str | None:
    """Commit of the code that ran, or None outside a git checkout."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10,
                             cwd=Path(__file__).resolve().parent)
    except OSError:
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def write_results(path: Path, record: dict) -> None:
    """Write atomically (temporary file, then rename) so a crash never leaves half a record."""
    missing = [k for k in SCHEMA_KEYS if k not in record]
    if missing:
        raise ValueError(f"results record lacks {missing}")
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(record, indent=2, sort_keys=False) + "\n")
    tmp.replace(path)
