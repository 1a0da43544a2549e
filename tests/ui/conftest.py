"""Fixtures of the dashboard tests: the real daemon (tests/pcapd_fixtures.py)."""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from pcapd_fixtures import ACCOUNT, ROOT, SAMPLE, daemon_factory  # noqa: E402,F401
