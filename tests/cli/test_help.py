"""pcapctl's help, usage errors and settings: every command has --help;
bad command lines exit 2 with a message; settings come from flags, then
the environment, then the configuration file."""
import os
import re

import pytest

from conftest import ACCOUNT, Cli, clean_env, pcapctl_binary

COMMANDS = ["capture", "list", "show", "wait", "stop", "download", "analyze", "fields",
            "upload"]


def run_bare(tmp_path, *args):
    """pcapctl with no settings at all."""
    import subprocess
    return subprocess.run([pcapctl_binary(), *args], capture_output=True, text=True,
                          env=clean_env(tmp_path), timeout=60)


def test_overall_help_lists_commands_and_exit_codes(tmp_path):
    p = run_bare(tmp_path, "--help")
    assert p.returncode == 0, p.stderr
    for name in COMMANDS:
        assert re.search(rf"^  {name} ", p.stdout, re.M), name
    assert "Exit codes:" in p.stdout and "PCAPD_TOKEN" in p.stdout
    assert run_bare(tmp_path, "help").stdout == p.stdout
    assert run_bare(tmp_path, "--version").stdout.startswith("pcapctl ")


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help(tmp_path, name):
    p = run_bare(tmp_path, name, "--help")
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith(f"usage: pcapctl {name}"), p.stdout
    assert "--url URL" in p.stdout, "global options are listed too"
    assert run_bare(tmp_path, "help", name).stdout == p.stdout


def test_capture_help_lists_every_create_field(tmp_path):
    out = run_bare(tmp_path, "capture", "--help").stdout
    for flag in ["--type", "--time-limit", "--packet-limit", "--byte-limit", "--colo",
                 "--destination", "--offset-time", "--system", "--src", "--dst", "--sport",
                 "--dport", "--proto", "--wait", "--output"]:
        assert flag in out, flag


@pytest.mark.parametrize("args, words", [
    ([], "usage: pcapctl"),
    (["nosuch"], "unknown command 'nosuch'"),
    (["help", "nosuch"], "unknown command 'nosuch'"),
    (["list", "--bogus"], "unknown option --bogus"),
    (["show"], "expected one capture id"),
    (["show", "a", "b"], "expected one capture id"),
    (["list", "extra"], "unexpected argument 'extra'"),
    (["list", "--page", "0"], "--page: '0' is not an integer from 1"),
    (["list", "--per-page"], "--per-page needs a value"),
    (["capture", "--proto", "nosuchproto"], "--proto: 'nosuchproto' is not a protocol"),
    (["capture", "--dport", "nosuchservice"], "--dport: 'nosuchservice' is not a port"),
    (["capture", "--time-limit", "5 minutes"], "--time-limit: '5 minutes' is not a duration"),
    (["capture", "--byte-limit", "12X"], "--byte-limit: '12X' is not a size"),
    (["capture", "--packet-limit", "-1"], "--packet-limit: '-1' is not a whole number"),
    (["fields", "0" * 32], "give at least one -e FIELD"),
    (["fields", "0" * 32, "-e", "ip.src", "-E", "nonsense"], "-E nonsense: expected"),
    (["upload"], "expected one file"),
])
def test_usage_errors_exit_2(tmp_path, args, words):
    env = {"PCAPD_TOKEN": "t" * 40, "PCAPD_ACCOUNT": ACCOUNT, "PCAPD_URL": "http://127.0.0.1:9"}
    import subprocess
    p = subprocess.run([pcapctl_binary(), *args], capture_output=True, text=True,
                       env={**clean_env(tmp_path), **env}, timeout=60)
    assert p.returncode == 2, (p.stdout, p.stderr)
    assert words in p.stderr, p.stderr


def test_missing_settings_say_where_to_give_them(tmp_path):
    p = run_bare(tmp_path, "list")
    assert p.returncode == 2
    assert "no token: give --token, set PCAPD_TOKEN" in p.stderr
    p = run_bare(tmp_path, "--token", "x", "list")
    assert p.returncode == 2 and "no account: give --account, set PCAPD_ACCOUNT" in p.stderr
    p = run_bare(tmp_path, "--url", "ftp://x", "--token", "x", "upload", "f")
    assert p.returncode == 2 and "url: 'ftp://x' is not an http:// or https:// URL" in p.stderr


def test_unreachable_server_exits_3(tmp_path):
    p = run_bare(tmp_path, "--url", "http://127.0.0.1:9", "--token", "x", "--account", ACCOUNT,
                 "list")
    assert p.returncode == 3, p.stderr
    assert "127.0.0.1" in p.stderr


def write_config(path, mode=0o600, **settings):
    path.write_text("# pcapctl settings\n" + "".join(f"{k} = {v}\n" for k, v in settings.items()))
    os.chmod(path, mode)
    return path


def test_settings_from_config_file_env_and_flags(replay, tmp_path):
    d = replay
    cli = Cli(d, tmp_path)
    bare = {"PCAPD_URL": None, "PCAPD_TOKEN": None, "PCAPD_ACCOUNT": None}
    # The default file, ~/.config/pcapctl/config, alone.
    conf = tmp_path / ".config" / "pcapctl" / "config"
    conf.parent.mkdir(parents=True)
    write_config(conf, url=d.base_url, token=d.token, account=ACCOUNT)
    p = cli("list", env=bare)
    assert p.returncode == 0, p.stderr
    assert p.stderr == "", "a private file holding a token gives no warning"
    # The environment wins over the file: a wrong token there is used.
    p = cli("list", env={**bare, "PCAPD_TOKEN": "0" * 40})
    assert p.returncode == 4, p.stderr
    # A flag wins over the environment.
    p = cli("list", "--token", d.token, env={**bare, "PCAPD_TOKEN": "0" * 40})
    assert p.returncode == 0, p.stderr
    # --config and PCAPCTL_CONFIG name another file; it must exist.
    other = write_config(tmp_path / "other.conf", url=d.base_url, token="1" * 40,
                         account=ACCOUNT)
    assert cli("list", "--config", other, env=bare).returncode == 4
    assert cli("list", env={**bare, "PCAPCTL_CONFIG": str(other)}).returncode == 4
    p = cli("list", "--config", tmp_path / "missing.conf", env=bare)
    assert p.returncode == 2 and "missing.conf: No such file" in p.stderr


def test_config_file_errors_and_exposed_token(replay, tmp_path):
    cli = Cli(replay, tmp_path)
    bad = tmp_path / "bad.conf"
    bad.write_text("url = http://x\ncolour = blue\n")
    p = cli("list", "--config", bad)
    assert p.returncode == 2 and f"{bad}:2: unknown setting 'colour'" in p.stderr
    bad.write_text("just words\n")
    p = cli("list", "--config", bad)
    assert p.returncode == 2 and f"{bad}:1: expected 'key = value'" in p.stderr
    exposed = write_config(tmp_path / "exposed.conf", mode=0o644, token=replay.token)
    p = cli("list", "--config", exposed)
    assert p.returncode == 0
    assert "holds a token and others can read it; chmod 600 it" in p.stderr
