"""The real-daemon fixtures of tests/integration/conftest.py for the
suites beside it (tests/cli, tests/ui): that file is loaded here under its
own name, since each suite's conftest.py is a module named `conftest`
too.  A suite's conftest.py puts tests/ on sys.path and imports * from
here; pytest then finds the fixtures in it."""
import importlib.util
import pathlib
import time

_spec = importlib.util.spec_from_file_location(
    "pcapd_daemon", pathlib.Path(__file__).resolve().parent / "integration" / "conftest.py")
pcapd_daemon = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(pcapd_daemon)

ACCOUNT = pcapd_daemon.ACCOUNT
ROOT = pcapd_daemon.ROOT
SAMPLE = ROOT / "config" / "sample-traffic.pcap"
start_daemon = pcapd_daemon.start_daemon
daemon_factory = pcapd_daemon.daemon_factory



def wait_for(what, fn, timeout=30):
    """Polls fn() until it returns a true value; returns it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


__all__ = ["ACCOUNT", "ROOT", "SAMPLE", "start_daemon", "daemon_factory", "pcapd_daemon",
           "wait_for"]
