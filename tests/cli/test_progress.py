"""The progress bar of `pcapctl capture --wait`: drawn in place on a
terminal (a pseudo-terminal here), absent when output is piped; Ctrl-C
stops the capture."""
import fcntl
import json
import os
import pty
import re
import select
import signal
import struct
import subprocess
import termios
import time

from conftest import pcapctl_binary

BAR = re.compile(r"\r(running|pending|stopping|success) +\[[#.]+\] +\d+%  \d+/\d+ packets")


class PtyRun:
    """pcapctl on a pseudo-terminal 100 columns wide (stdout and stderr)."""

    def __init__(self, cli, *args):
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
        self.proc = subprocess.Popen([pcapctl_binary(), *args], stdin=slave, stdout=slave,
                                     stderr=slave, env=cli.env, start_new_session=True)
        os.close(slave)
        self.master = master
        self.output = b""

    def read_until(self, pattern, timeout=30):
        deadline = time.monotonic() + timeout
        while not re.search(pattern, self.output.decode(errors="replace")):
            assert time.monotonic() < deadline, self.output
            ready, _, _ = select.select([self.master], [], [], 0.2)
            if ready:
                try:
                    self.output += os.read(self.master, 4096)
                except OSError:
                    break

    def finish(self, timeout=60):
        rc = self.proc.wait(timeout)
        while True:
            try:
                chunk = os.read(self.master, 4096)
            except OSError:
                break
            if not chunk:
                break
            self.output += chunk
        os.close(self.master)
        return rc, self.output.decode(errors="replace")


def test_progress_bar_on_a_terminal(cli):
    # Nothing matches protocol 250: the capture runs its 3 s, and the bar
    # advances with the time left.
    run = PtyRun(cli, "capture", "--time-limit", "3", "--packet-limit", "100", "--proto", "250",
                 "--wait")
    rc, out = run.finish()
    assert rc == 0, out
    frames = BAR.findall(out)
    assert len(frames) >= 3, out
    assert "running" in frames and frames[-1] == "success"
    assert re.search(r"\rrunning +\[#*\.+\] +\d+%  0/100 packets  \ds left  0 dropped\x1b\[K",
                     out), out
    assert re.search(r"\rsuccess +\[#+\] 100%  0/100 packets  0 dropped\x1b\[K\r?\n", out), out
    lines = [line for line in re.split(r"[\r\n]+", out) if line.startswith("running")]
    assert all(len(line.replace("\x1b[K", "")) <= 100 for line in lines), "fits the terminal"


def test_no_progress_when_piped(cli):
    p = cli("capture", "--time-limit", "2", "--packet-limit", "100", "--proto", "250", "--wait")
    assert p.returncode == 0
    assert re.match(r"^[0-9a-f]{32}\n$", p.stdout)
    assert p.stderr == "" and "\r" not in p.stdout


def test_no_progress_flag_on_a_terminal(cli):
    run = PtyRun(cli, "capture", "--time-limit", "2", "--packet-limit", "100", "--proto", "250",
                 "--wait", "--no-progress")
    rc, out = run.finish()
    assert rc == 0 and "\r" not in out.replace("\r\n", "\n") and "[" not in out, out


def test_ctrl_c_stops_the_capture(cli):
    run = PtyRun(cli, "capture", "--time-limit", "5m", "--packet-limit", "100", "--proto", "250",
                 "--wait")
    run.read_until(r"\rrunning ")
    os.killpg(run.proc.pid, signal.SIGINT)
    rc, out = run.finish()
    assert rc == 0, out
    assert "stopping the capture (Ctrl-C again to leave it running)" in out
    cid = re.search(r"^([0-9a-f]{32})\r?$", out, re.M).group(1)
    c = json.loads(cli("show", cid, "--json").stdout)
    assert c["status"] == "success" and c["stop_requested"] is True
