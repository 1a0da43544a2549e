"""The registry against Wireshark's and against the documentation.

Every protocol and field pcap-analyze registers (`pcap-analyze fields
--describe`) must be Wireshark 4.0's: the same filter name, label and type,
bit mask and integer base as `tshark -G fields` lists them, so that a
filter or a column means here what it means in Wireshark.  And
docs/ANALYSIS.md must carry exactly the list `pcap-analyze fields
--markdown` prints (between its markers): the document is generated from
the registry and cannot drift (tools/gen-analysis-fields-doc.sh rewrites
it)."""
import functools
import os
import subprocess

import pytest

import oracle

TOOL = oracle.TOOL
DOC = os.path.join(os.path.dirname(__file__), "../../docs/ANALYSIS.md")
BEGIN, END = "<!-- fields: begin -->\n", "<!-- fields: end -->\n"

# Where our base for an integer field legitimately names tshark's
# differently: ports are printed in decimal either way.
SAME_BASE = {"BASE_PT_TCP": "BASE_DEC", "BASE_PT_UDP": "BASE_DEC", "BASE_PT_SCTP": "BASE_DEC"}

# Fields whose base we set to what `tshark -T fields` prints rather than to
# what `tshark -G fields` lists: name -> (our base, Wireshark's, reason).
BASE_AS_PRINTED = {
    "dns.rr.udp_payload_size": ("BASE_DEC", "BASE_HEX",
                                "tshark 4.0 prints it in decimal (4096) although -G lists hex"),
}


def run(*args):
    """Returns a command's standard output."""
    return subprocess.run(args, capture_output=True, text=True, check=True, env=oracle.ENV).stdout


@functools.lru_cache(maxsize=None)
def ours():
    """Our registry: [(kind, label, name, type, parent, base, mask)]."""
    return [tuple(line.split("\t")) for line in run(TOOL, "fields", "--describe").splitlines()]


@functools.lru_cache(maxsize=None)
def wiresharks():
    """tshark's protocols and fields by filter name (its first entry for a name)."""
    table = {}
    for line in run("tshark", "-G", "fields").splitlines():
        f = line.split("\t")
        table.setdefault(f[2], f)
    return table


def test_registry_is_not_vacuous():
    """The registry holds the protocols and fields the engine dissects."""
    kinds = [e[0] for e in ours()]
    assert kinds.count("P") >= 30 and kinds.count("F") >= 50


@pytest.mark.parametrize("entry", ours(), ids=lambda e: e[2])
def test_entry_is_wiresharks(entry):
    """A protocol or field has Wireshark's name, label, type, mask and base."""
    ws = wiresharks().get(entry[2])
    assert ws is not None, f"{entry[2]} is not a Wireshark 4.0 protocol or field"
    if entry[0] == "P":
        # A protocol may be a field in Wireshark (tcp.segments is an FT_NONE).
        assert ws[1] == entry[1], f"label {entry[1]!r}, Wireshark's {ws[1]!r}"
        return
    kind, label, name, ftype, parent, base, mask = entry
    assert ws[0] == "F" and ws[1] == label, f"label {label!r}, Wireshark's {ws[1]!r}"
    assert ws[3] == ftype
    assert int(ws[6], 16) == int(mask, 16)
    if name in BASE_AS_PRINTED:
        assert (base, ws[5]) == BASE_AS_PRINTED[name][:2], BASE_AS_PRINTED[name][2]
    elif ftype.startswith(("FT_UINT", "FT_INT")):
        assert SAME_BASE.get(base, base) == SAME_BASE.get(ws[5], ws[5])


def test_document_lists_the_registry():
    """docs/ANALYSIS.md carries exactly the generated list."""
    doc = open(DOC, encoding="utf-8").read()
    assert BEGIN in doc and END in doc, "the markers of the generated list are missing"
    got = doc[doc.index(BEGIN) + len(BEGIN):doc.index(END)]
    want = run(TOOL, "fields", "--markdown")
    assert got == want, "docs/ANALYSIS.md's field list is stale: run " \
        "tools/gen-analysis-fields-doc.sh BUILD/analysis/pcap-analyze"
