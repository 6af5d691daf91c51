import functools
import http.server
import threading
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


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        """No request lines in the test output."""


@pytest.fixture(scope="session")
def fixtures_url():
    """The test fixtures served over HTTP on localhost, for the download code paths."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(FIXTURES)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
