"""The oracle comparison on captures generated from the shared ones in the
formats and link types those lack: big-endian and nanosecond pcap, raw IP,
IPv4, Linux cooked v2, NFLOG, a pcapng with two interfaces of different
link types and resolutions, and a snaplen-truncated capture."""
import json
import subprocess

import pytest

import capture_gen
import oracle
from oracle import PCAPS, TOOL

GENERATED = ["be-usec.pcap", "be-nsec.pcap", "rawip.pcap", "ipv4.pcap", "sll2.pcap",
             "nflog.pcap", "link-layers.pcap", "snaplen-64.pcap", "snaplen-200.pcap", "two-interfaces.pcapng",
             "two-interfaces-ns-first.pcapng"]


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """Generates the captures once for the module."""
    return capture_gen.generate(PCAPS, str(tmp_path_factory.mktemp("gen")))


@pytest.mark.parametrize("name", GENERATED)
def test_generated_equals_tshark(generated, name):
    """Every analysis of a generated capture equals tshark's."""
    path = generated[name]
    out = subprocess.run([TOOL, "all", path], capture_output=True, text=True, check=True).stdout
    got, want = oracle.actual(json.loads(out)["data"]), oracle.expected(path)
    for analysis in oracle.ANALYSES:
        assert got[analysis] == want[analysis], analysis
