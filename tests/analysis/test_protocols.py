"""Oracle test of the protocols the shared captures lack (GTP, L2TP, SCTP,
SNMP, SIP/SDP, NetBIOS, LLMNR, SSDP, Kerberos, LDAP, SMB over NetBIOS,
SMB pipes and DCE/RPC, RTP and RTCP set up by SDP): on protocols_gen's
synthetic captures, every analysis (status, hierarchy, endpoints and
conversations of every table) and frame.protocols must be tshark 4.0's,
and so must every registered field of the SMB pipe, DCE/RPC, RTP and
RTCP protocols.  tshark runs at test time; nothing is hard-coded."""
import json
import subprocess

import pytest

import core_fields_gen
import oracle
import protocols_gen


@pytest.fixture(scope="module")
def captures(tmp_path_factory):
    """Writes every scenario's capture once; returns name -> path."""
    tmp = tmp_path_factory.mktemp("protocols")
    out = {}
    for name, build in protocols_gen.SCENARIOS.items():
        out[name] = str(tmp / (name + ".pcap"))
        core_fields_gen.write(out[name], build())
    return out


@pytest.mark.parametrize("name", sorted(protocols_gen.SCENARIOS))
def test_analyses_equal_tshark(captures, name):
    """Every analysis of a scenario equals tshark's."""
    path = captures[name]
    ours = json.loads(subprocess.run([oracle.TOOL, "all", path], capture_output=True, text=True,
                                     check=True).stdout)["data"]
    got, want = oracle.actual(ours), oracle.expected(path)
    assert [a for a in oracle.ANALYSES if got[a] != want[a]] == []


@pytest.mark.parametrize("name", sorted(protocols_gen.SCENARIOS))
def test_frame_protocols_equal_tshark(captures, name):
    """frame.protocols lists, frame by frame, the dissectors tshark calls."""
    path = captures[name]
    got = oracle.ours_fields(path, ["frame.protocols"])
    want = oracle.tshark_fields(path, ["frame.protocols"])
    assert got == want


def _registered(protos):
    """The names of every field we register for these protocols."""
    described = subprocess.run([oracle.TOOL, "fields", "--describe"], capture_output=True,
                               text=True, check=True).stdout.splitlines()
    return [row.split("\t")[2] for row in described
            if row.startswith("F\t") and row.split("\t")[4] in protos]


def test_pipe_fields_equal_tshark(captures):
    """Every registered smb_pipe and dcerpc field, frame by frame."""
    names = _registered(("smb_pipe", "dcerpc"))
    assert len(names) > 20
    path = captures["smb_pipes"]
    assert oracle.ours_fields(path, names) == oracle.tshark_fields(path, names)


def test_rtp_fields_equal_tshark(captures):
    """Every registered rtp and rtcp field, frame by frame, on RTP and RTCP
    found through SIP's SDP (and RTCP by its heuristic)."""
    names = _registered(("rtp", "rtcp"))
    assert len(names) > 20
    path = captures["sip_rtp"]
    assert oracle.ours_fields(path, names) == oracle.tshark_fields(path, names)
