"""Fixtures of the dashboard tests: the real daemon, started by the
integration suite's own fixtures (tests/integration/conftest.py, loaded
here under another name)."""
import importlib.util
import pathlib

_spec = importlib.util.spec_from_file_location(
    "pcapd_daemon", pathlib.Path(__file__).resolve().parents[1] / "integration" / "conftest.py")
pcapd_daemon = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(pcapd_daemon)

ACCOUNT = pcapd_daemon.ACCOUNT
ROOT = pcapd_daemon.ROOT
daemon_factory = pcapd_daemon.daemon_factory
