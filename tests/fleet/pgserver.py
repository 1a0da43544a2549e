"""A throwaway PostgreSQL server for the fleet's tests and benchmark:
Debian's postgresql, initdb into a temporary directory, run as the
unprivileged user `nobody` (the server refuses root), reachable only
through a Unix socket in that directory, so every network namespace of
this host reaches it and no TCP port is taken."""
import os
import pathlib
import pwd
import shutil
import subprocess
import tempfile

PG_BIN = pathlib.Path(os.environ.get("PCAPD_PG_BIN", "/usr/lib/postgresql/15/bin"))
PG_USER = "nobody"


class Postgres:
    """A PostgreSQL server of this test session, on a Unix socket in a
    directory of its own (the port only names the socket)."""

    def __init__(self, max_connections=200):
        self.max_connections = max_connections
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="pcapd-fleet-pg-"))
        self.data, self.sock = self.dir / "data", self.dir / "sock"
        self.port = 20000 + os.getpid() % 20000
        self.sock.mkdir()
        uid = pwd.getpwnam(PG_USER).pw_uid
        for p in (self.dir, self.sock):
            os.chown(p, uid, -1)
        self._as_pg(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "pcapd",
                    "--no-sync")
        self.n_dbs = 0
        self.start()

    def _as_pg(self, *args):
        pw = pwd.getpwnam(PG_USER)
        p = subprocess.run(["setpriv", f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}",
                            "--clear-groups", *args], capture_output=True, text=True,
                           timeout=120, cwd=self.dir)
        assert p.returncode == 0, p.stdout + p.stderr
        return p.stdout

    def start(self):
        self._as_pg(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-w", "-l",
                    str(self.dir / "server.log"), "-o",
                    f"-k {self.sock} -p {self.port} -c listen_addresses= -c fsync=off "
                    f"-c max_connections={self.max_connections}", "start")

    def stop(self, mode="fast"):
        self._as_pg(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-w", "-m", mode, "stop")

    def dsn(self, db):
        return f"host={self.sock} port={self.port} user=pcapd dbname={db} connect_timeout=3"

    def psql(self, db, sql):
        """Runs `sql`; returns its rows as lists of strings."""
        out = subprocess.run(["psql", "-X", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1",
                              self.dsn(db), "-c", sql], capture_output=True, text=True,
                             timeout=60, check=True).stdout
        return [line.split("\t") for line in out.splitlines() if line]

    def new_db(self):
        self.n_dbs += 1
        name = f"fleet{self.n_dbs}"
        self.psql("postgres", f"CREATE DATABASE {name}")
        return name

    def close(self):
        try:
            self.stop("immediate")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
