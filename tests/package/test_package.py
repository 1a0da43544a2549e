"""The Debian package (debian/), built from this source tree with
`dpkg-buildpackage -us -uc -b` and checked as an operator receives it:
its contents (binaries, configuration, unit, users, man pages, every
dashboard file) and dependencies; lintian; an install into a clean root
with `dpkg --root` that runs the maintainer scripts (user, state
directory, service left disabled) and a purge; the unit's hardening
score; and the packaged daemon run as an unprivileged user, as the unit
runs it, under strace: pcapctl captures and analyses through it, and
every system call it makes is one the unit's filter allows."""
import os
import pathlib
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
ACCOUNT = "023e105f4ecef8ad9ca31a8372d0c353"
# The unit's exposure score (systemd-analyze security, 0 best, 10 worst)
# when this test was written; hardening may improve, not regress.
EXPOSURE_MAX = 2.5


def run(*args, check=True, **kwargs):
    p = subprocess.run([str(a) for a in args], capture_output=True, text=True, **kwargs)
    if check:
        assert p.returncode == 0, f"{args}: {p.returncode}\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}"
    return p


def copy_source(dst):
    """Copies the tree as git sees it (tracked and new files, not ignored
    ones), or, outside a checkout, everything but build output."""
    try:
        names = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others",
                                "--exclude-standard"], capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        shutil.copytree(ROOT, dst, dirs_exist_ok=True, ignore=shutil.ignore_patterns(
            "build*", "node_modules", ".git", "state"))
        return
    for name in filter(None, names.decode().split("\0")):
        src = ROOT / name
        if src.is_file():
            (dst / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst / name)


def open_dir():
    """A scratch directory others can enter (the daemon runs as nobody)."""
    path = pathlib.Path(tempfile.mkdtemp(prefix="pcapd-package-"))
    path.chmod(0o755)
    return path


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    """Builds the package; returns the .deb and .changes paths."""
    work = tmp_path_factory.mktemp("deb")
    src = work / "pcapd"
    src.mkdir()
    copy_source(src)
    env = dict(os.environ, DEB_BUILD_OPTIONS="parallel=2 nocheck")
    run("dpkg-buildpackage", "-us", "-uc", "-b", cwd=src, env=env, timeout=1100)
    debs = sorted(work.glob("pcapd_*.deb"))
    assert len(debs) == 1, debs
    return {"deb": debs[0], "changes": next(work.glob("pcapd_*.changes"))}


@pytest.fixture(scope="module")
def extracted(package):
    """The package's files unpacked under a directory of their own."""
    root = open_dir()
    run("dpkg-deb", "-x", package["deb"], root)
    yield root
    shutil.rmtree(root, ignore_errors=True)


def host_state():
    """What a --root install must leave alone on this machine."""
    enabled = pathlib.Path("/var/lib/systemd/deb-systemd-helper-enabled")
    return (pathlib.Path("/etc/passwd").read_text(), pathlib.Path("/etc/group").read_text(),
            sorted(p.name for p in enabled.glob("*")) if enabled.exists() else [])


@pytest.fixture(scope="module")
def installed(package):
    """The package installed by dpkg into an empty root, maintainer scripts
    run outside it against DPKG_ROOT (the libraries it depends on are not
    there: --force-depends)."""
    root = open_dir()
    for d in ["var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers", "etc"]:
        (root / d).mkdir(parents=True)
    (root / "var/lib/dpkg/status").touch()
    before = host_state()
    p = run("dpkg", f"--root={root}", "--force-depends", "--force-script-chrootless", "-i",
            package["deb"])
    assert host_state() == before, "the install touched this machine, not the root"
    yield {"root": root, "log": p.stdout + p.stderr}
    shutil.rmtree(root, ignore_errors=True)


def deb_files(deb):
    listing = run("dpkg-deb", "-c", deb).stdout.splitlines()
    return {line.split(None, 5)[5].lstrip(".").split(" -> ")[0] for line in listing}


def test_contents(package, extracted):
    files = deb_files(package["deb"])
    ui = {"/usr/share/pcapd/ui/" + str(p.relative_to(ROOT / "ui"))
          for p in (ROOT / "ui").rglob("*") if p.is_file()}
    expected = {
        "/usr/bin/pcapd", "/usr/bin/pcapctl", "/usr/bin/pcap-analyze",
        "/etc/pcapd/pcapd.conf", "/lib/systemd/system/pcapd.service",
        "/usr/lib/sysusers.d/pcapd.conf", "/usr/lib/tmpfiles.d/pcapd.conf",
        "/usr/share/man/man8/pcapd.8.gz", "/usr/share/man/man1/pcapctl.1.gz",
        "/usr/share/man/man1/pcap-analyze.1.gz", "/usr/share/pcapd/sample-traffic.pcap",
        "/usr/share/doc/pcapd/copyright",
    } | ui
    assert ui and expected <= files, sorted(expected - files)
    conffiles = run("dpkg-deb", "-I", package["deb"], "conffiles").stdout.split()
    assert conffiles == ["/etc/pcapd/pcapd.conf"]
    # The binaries are the release build, stripped, not the sanitizers'.
    for name in ["pcapd", "pcapctl", "pcap-analyze"]:
        info = run("file", "-b", extracted / "usr/bin" / name).stdout
        assert "stripped" in info and "not stripped" not in info, info
        assert "asan" not in run("ldd", extracted / "usr/bin" / name).stdout


def test_configuration_and_dependencies(package, extracted):
    conf = (extracted / "etc/pcapd/pcapd.conf").read_text()
    settings = re.findall(r"^(\w+) = (.*)$", conf, re.M)
    assert ("state_dir", "/var/lib/pcapd") in settings
    assert ("ui_dir", "/usr/share/pcapd/ui") in settings
    assert not [k for k, _ in settings if k == "account"], "no account is built in"
    ports = [v for k, v in settings if k == "port"]
    assert ports == ["net_pcap0,rx_pcap=/usr/share/pcapd/sample-traffic.pcap,infinite_rx=1"]
    # DPDK's drivers are plugins shlibs cannot see: every driver of the
    # packaged ports, the vdev bus and the ring mempool must be depended on.
    depends = run("dpkg-deb", "-f", package["deb"], "Depends").stdout
    drivers = {re.match(r"net_([a-z_]+?)\d*,", p).group(1).replace("_", "-") for p in ports}
    for pkg in ["librte-bus-vdev23", "librte-mempool-ring23"] + [
            f"librte-net-{d}23" for d in drivers]:
        assert re.search(rf"(^|, ){pkg}(,|$| )", depends), (pkg, depends)


def test_man_pages_render_without_warnings(extracted):
    for page in ["man8/pcapd.8.gz", "man1/pcapctl.1.gz", "man1/pcap-analyze.1.gz"]:
        path = extracted / "usr/share/man" / page
        p = subprocess.run(f"zcat {path} | groff -man -Tutf8 -ww", shell=True,
                           capture_output=True, text=True)
        assert p.returncode == 0 and p.stderr == "", (page, p.stderr)
        text = re.sub(r".\x08", "", p.stdout)
        assert "NAME" in text and "SEE ALSO" in text, text[:500]


def test_lintian(package):
    p = run("lintian", "--fail-on", "error,warning", "--pedantic", "--display-info",
            package["changes"], check=False)
    assert p.returncode == 0, p.stdout + p.stderr
    assert not re.search(r"^[EW]: ", p.stdout, re.M), p.stdout


def test_install_creates_user_and_state_dir(installed):
    root = installed["root"]
    users = dict(line.split(":", 1) for line in (root / "etc/passwd").read_text().splitlines())
    fields = users["pcapd"].split(":")
    uid, gid, home, shell = int(fields[1]), int(fields[2]), fields[4], fields[5]
    assert home == "/var/lib/pcapd" and shell in ("/usr/sbin/nologin", "/sbin/nologin")
    assert uid < 1000, "a system user"
    assert re.search(rf"^pcapd:x:{gid}:", (root / "etc/group").read_text(), re.M)
    state = (root / "var/lib/pcapd").stat()
    assert (state.st_mode & 0o7777, state.st_uid, state.st_gid) == (0o750, uid, gid)
    status = run("dpkg", f"--root={root}", "-s", "pcapd").stdout
    assert "Status: install ok installed" in status
    assert re.search(r"^Conffiles:\n /etc/pcapd/pcapd.conf [0-9a-f]{32}", status, re.M)
    assert not list(root.glob("etc/systemd/system/*.wants/pcapd.service")), \
        "the service is not enabled before the operator gives it its ports"


def test_unit_hardening(installed):
    root = installed["root"]
    unit = (root / "lib/systemd/system/pcapd.service").read_text()
    for line in ["User=pcapd", "StateDirectory=pcapd", "NoNewPrivileges=yes",
                 "ProtectSystem=strict", "SystemCallFilter=@system-service"]:
        assert re.search(rf"^{re.escape(line)}$", unit, re.M), line
    assert "CAP_SYS_ADMIN" not in unit
    p = run("systemd-analyze", "security", "--offline=true", f"--root={root}", "pcapd.service",
            check=False)
    m = re.search(r"Overall exposure level for pcapd.service: ([0-9.]+)", p.stdout)
    assert m, p.stdout + p.stderr
    assert float(m.group(1)) <= EXPOSURE_MAX, p.stdout


def expand_syscalls(names, cache={}):
    """The system calls a SystemCallFilter list allows (groups expanded by
    systemd-analyze)."""
    out = set()
    for name in names:
        if not name.startswith("@"):
            out.add(name)
            continue
        if name not in cache:
            text = run("systemd-analyze", "syscall-filter", name).stdout
            items = [t.strip() for t in text.splitlines()[1:]]
            cache[name] = expand_syscalls([t for t in items if t and not t.startswith("#")])
        out |= cache[name]
    return out


class TracedDaemon:
    """The packaged pcapd as the unit runs it (user nobody here,
    XDG_RUNTIME_DIR its own), under strace -f."""

    def __init__(self, root):
        self.root = root
        self.state = root / "state"
        self.run = root / "run"
        for d in (self.state, self.run):
            d.mkdir()
            shutil.chown(d, "nobody", "nogroup")
        packaged = (root / "etc/pcapd/pcapd.conf").read_text()
        conf = re.sub(r"^listen = .*$", "listen = 127.0.0.1:0", packaged, flags=re.M)
        conf = re.sub(r"^state_dir = .*$", f"state_dir = {self.state}", conf, flags=re.M)
        conf = re.sub(r"^ui_dir = .*$", f"ui_dir = {root}/usr/share/pcapd/ui", conf, flags=re.M)
        conf = re.sub(r"^simple_rate_window = .*$", "simple_rate_window = 0", conf, flags=re.M)
        conf = conf.replace("rx_pcap=/usr/share/pcapd/", f"rx_pcap={root}/usr/share/pcapd/")
        self.conf = root / "test.conf"
        self.conf.write_text(conf)
        self.conf.chmod(0o644)
        self.trace = root / "strace.txt"
        self.token = run("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                         root / "usr/bin/pcapd", "token", "create", "-c", self.conf,
                         "--account", ACCOUNT, "--permission", "write").stdout.strip()
        self.log = open(root / "pcapd.log", "w")
        self.proc = subprocess.Popen(
            ["strace", "-f", "-qq", "-u", "nobody", "-o", str(self.trace),
             str(root / "usr/bin/pcapd"), "-c", str(self.conf)],
            stdout=subprocess.PIPE, stderr=self.log, text=True, cwd=self.state,
            env=dict(os.environ, XDG_RUNTIME_DIR=str(self.run)))
        line = self.proc.stdout.readline()
        assert "listening on" in line, (root / "pcapd.log").read_text()
        self.url = line.split()[-1]

    def pcapctl(self, *args):
        env = dict(os.environ, PCAPD_URL=self.url, PCAPD_TOKEN=self.token, PCAPD_ACCOUNT=ACCOUNT,
                   HOME=str(self.root))
        return run(self.root / "usr/bin/pcapctl", *args, env=env, timeout=120)

    def stop(self):
        """SIGTERM to pcapd (strace's child); returns its exit status."""
        children = pathlib.Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        deadline = time.monotonic() + 10
        while not children.read_text().split() and time.monotonic() < deadline:
            time.sleep(0.1)
        os.kill(int(children.read_text().split()[0]), signal.SIGTERM)
        rc = self.proc.wait(60)
        self.log.close()
        return rc


def test_packaged_daemon_runs_unprivileged(extracted):
    d = TracedDaemon(extracted)
    try:
        out = extracted / "web.pcap"
        cid = d.pcapctl("capture", "--time-limit", "20", "--packet-limit", "50", "--proto",
                        "tcp", "-o", out).stdout.strip()
        count = run("capinfos", "-M", "-c", out).stdout.strip().splitlines()[-1].split()[-1]
        assert int(count) == 50
        assert f"Capture {cid}: 50 frames" in d.pcapctl("analyze", cid).stdout
        upload = d.pcapctl("upload", extracted / "usr/share/pcapd/sample-traffic.pcap")
        names = d.pcapctl("fields", upload.stdout.strip(), "-Y", "dns", "-e",
                          "dns.qry.name").stdout.split()
        assert "www.tcpdump.org" in names
        with urllib.request.urlopen(d.url + "/ui/", timeout=30) as r:
            assert r.read() == (extracted / "usr/share/pcapd/ui/index.html").read_bytes()
    finally:
        rc = d.stop()
    assert rc == 0, (extracted / "pcapd.log").read_text()

    # Every system call is one the unit's filter allows, but EAL's iopl(),
    # which fails unprivileged already (the unit's filter makes it EPERM).
    unit = (extracted / "lib/systemd/system/pcapd.service").read_text()
    allowed = expand_syscalls(sum((line.split("=", 1)[1].split() for line in unit.splitlines()
                                   if line.startswith("SystemCallFilter=")), []))
    trace = d.trace.read_text()
    used = set(re.findall(r"^\d+ +([a-z_0-9]+)\(", trace, re.M))
    assert {"epoll_wait", "openat", "write", "fdatasync"} <= used, sorted(used)
    assert used - allowed <= {"iopl"}, sorted(used - allowed)
    assert all(re.search(r"= -1 E[A-Z]+ ", line)
               for line in re.findall(r"^\d+ +iopl\(.*$", trace, re.M))
    # MemoryDenyWriteExecute=yes: no mapping is ever writable and executable.
    assert "MemoryDenyWriteExecute=yes" in unit
    wx = [line for line in trace.splitlines()
          if re.search(r"\b(mmap|mprotect|pkey_mprotect)\(", line)
          and "PROT_WRITE" in line and "PROT_EXEC" in line]
    assert wx == [], wx[:5]


def test_purge_removes_everything(installed):
    root = installed["root"]
    run("dpkg", f"--root={root}", "--force-script-chrootless", "--purge", "pcapd")
    left = [p for p in root.rglob("*") if p.is_file()
            and not str(p.relative_to(root)).startswith(("var/lib/dpkg", "etc/passwd",
                                                         "etc/group", "etc/shadow",
                                                         "etc/gshadow", "etc/.pwd.lock"))]
    assert left == [], left
    assert not (root / "usr/bin/pcapd").exists() and not (root / "etc/pcapd").exists()
