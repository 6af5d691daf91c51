from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(autouse=True, scope="session")
def isolated_cache(tmp_path_factory):
    """Token-id caches of the text corpora go to a per-session folder, not ~/.cache/vaezoo."""
    import os

    previous = os.environ.get("VAEZOO_CACHE")
    os.environ["VAEZOO_CACHE"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if previous is None:
        os.environ.pop("VAEZOO_CACHE", None)
    else:
        os.environ["VAEZOO_CACHE"] = previous
