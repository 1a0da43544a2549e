"""Fixtures of the pcapctl tests: the real daemon, started by the
integration suite's own fixtures (tests/integration/conftest.py, loaded
here under another name), and a runner of the pcapctl binary under test
with the daemon's URL, token and account in its environment."""
import os
import pathlib
import subprocess
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from pcapd_fixtures import ACCOUNT, ROOT, SAMPLE, daemon_factory, start_daemon  # noqa: E402,F401


def pcapctl_binary():
    path = os.environ.get("PCAPCTL_BIN")
    if not path:
        pytest.skip("PCAPCTL_BIN is not set; run the tests through meson")
    return path


def clean_env(home):
    """The environment pcapctl runs in: none of the caller's PCAPD_*
    settings, and a HOME of its own so no user configuration applies."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PCAPD_") and k not in ("PCAPCTL_CONFIG", "XDG_CONFIG_HOME")}
    env["HOME"] = str(home)
    return env


class Cli:
    """Runs pcapctl against one daemon."""

    def __init__(self, daemon, home):
        self.daemon = daemon
        self.home = home
        self.env = clean_env(home)
        self.env.update(PCAPD_URL=daemon.base_url, PCAPD_TOKEN=daemon.token,
                        PCAPD_ACCOUNT=ACCOUNT)

    def __call__(self, *args, env=None, timeout=120, **kwargs):
        """Runs `pcapctl ARGS`; returns the completed process (text)."""
        full_env = dict(self.env)
        full_env.update(env or {})
        full_env = {k: v for k, v in full_env.items() if v is not None}
        return subprocess.run([pcapctl_binary(), *map(str, args)], capture_output=True,
                              text=kwargs.pop("text", True), env=full_env, timeout=timeout,
                              **kwargs)


def stop_checked(d):
    rc = d.stop()
    log = d.log()
    assert rc == 0, log
    assert "runtime error" not in log and "AddressSanitizer" not in log, log


@pytest.fixture(scope="module")
def replay(tmp_path_factory):
    """A daemon replaying the sample traffic forever (sample rate 1)."""
    tmp = tmp_path_factory.mktemp("cli")
    d = start_daemon(tmp, [f"net_pcap0,rx_pcap={SAMPLE},infinite_rx=1"])
    yield d
    stop_checked(d)


@pytest.fixture
def cli(replay, tmp_path):
    """pcapctl against the replay daemon."""
    return Cli(replay, tmp_path)
