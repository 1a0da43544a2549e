"""Fault 1: a second daemon on the same state_dir once marked the first
one's running capture failed and renamed its .part file while it was being
written.  Now the state directory has one owner: a second daemon stops at
once, naming the holder, and touches nothing; the token command keeps
working beside the daemon; state files are private."""
import os
import stat
import subprocess
import time

from chaos import SAMPLE, stored_captures
from pcapd_integration import create_token, pcapd_binary, write_config


def test_second_daemon_is_refused_and_changes_nothing(daemon_factory, tmp_path):
    d = daemon_factory([f"net_pcap0,rx_pcap={SAMPLE},infinite_rx=1"])
    r = d.create_full(time_limit=30, filter_v1={"protocol": 17})
    assert r.status == 200, r.body
    cid = r.json["result"]["id"]
    d.wait_status(cid, statuses=("running",))
    part = d.state_dir / "pcaps" / f"{cid}.pcap.part"
    assert part.exists()
    # The store learns of `running` just after the API shows it.
    deadline = time.monotonic() + 10
    while (before := stored_captures(d.state_dir))[0][1] != "running":
        assert time.monotonic() < deadline, before
        time.sleep(0.05)
    files_before = sorted(p.name for p in d.state_dir.rglob("*"))

    conf = tmp_path / "second.conf"
    write_config(conf, d.state_dir, [f"net_pcap1,rx_pcap={SAMPLE}"])
    t0 = time.monotonic()
    p = subprocess.run([pcapd_binary(), "-c", str(conf)], capture_output=True, text=True,
                       timeout=30, env=dict(os.environ, ASAN_OPTIONS="detect_leaks=0"))
    assert time.monotonic() - t0 < 5
    assert p.returncode != 0
    assert f"pid {d.proc.pid}" in p.stderr and str(d.state_dir) in p.stderr, p.stderr
    assert "listening" not in p.stdout
    # Nothing of the first daemon's changed: the capture still runs, its
    # file is still being written under its partial name.
    assert stored_captures(d.state_dir) == before
    assert sorted(p.name for p in d.state_dir.rglob("*")) == files_before
    live = d.request("GET", d.pcaps(f"/{cid}")).json["result"]
    assert live["status"] == "running" and part.exists()
    d.request("PUT", d.pcaps(f"/{cid}/stop"))
    done = d.wait_status(cid)
    assert done["status"] == "success", done


def test_token_command_works_beside_the_daemon(replay_daemon):
    d = replay_daemon
    token = create_token(d.conf, permission="read")
    r = d.request("GET", d.pcaps(), token=token)
    assert r.status == 200, r.body
    listed = subprocess.run([pcapd_binary(), "token", "list", "-c", str(d.conf)],
                            capture_output=True, text=True, timeout=30)
    assert listed.returncode == 0 and token[:16] in listed.stdout


def mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def test_state_files_are_private_and_wider_modes_are_narrowed(daemon_factory, tmp_path):
    d = daemon_factory([f"net_pcap0,rx_pcap={SAMPLE},infinite_rx=1"])
    r = d.create(time_limit=1, packet_limit=5)
    d.wait_status(r.json["result"]["id"])
    state = d.state_dir
    for p in [state, *state.rglob("*")]:
        if p.is_dir():
            assert mode(p) == 0o700, (p, oct(mode(p)))
        elif p.is_file():
            assert mode(p) & 0o077 == 0, (p, oct(mode(p)))
    for name in ("pcapd.db", "pcapd.db-wal", "pcapd.db-shm", "pcapd.lock"):
        assert (state / name).exists() and mode(state / name) == 0o600, name
    assert d.stop() == 0
    # An operator's copy left world-readable files; the next start narrows them.
    os.chmod(state / "pcapd.db", 0o644)
    os.chmod(state / "pcaps", 0o755)
    d2 = daemon_factory([f"net_pcap0,rx_pcap={SAMPLE},infinite_rx=1"], token=d.token)
    assert d2.state_dir == state
    assert mode(state / "pcapd.db") == 0o600 and mode(state / "pcaps") == 0o700
    log = d2.log()
    assert "event=state_dir_mode" in log and "pcapd.db" in log and "from=0644 to=0600" in log
