"""DNS, HTTP and DHCP fields on synthetic captures, against tshark.

app_fields_gen builds the cases the shared captures lack (DNS matching
with retransmissions and duplicates, odd and malformed names and records,
cut frames, DNS over TCP split and joined across segments, HTTP request
lines and Host headers with odd bytes, DHCP host names with overloaded
fields).  For each scenario and field, pcap-analyze fields must print,
frame by frame, what `tshark -n -2 -T fields -E occurrence=a` prints;
tshark's answers are computed here, at test time.

Each field is asked alone (a single pass when it needs no matching) and
all together (the two-pass run matching needs), since both must agree."""

import pytest

import app_fields_gen
import oracle

PROTOCOLS = ("dns.", "http.", "dhcp.")
FIELDS = [f for f in oracle.registered_fields() if f.startswith(PROTOCOLS)]


@pytest.fixture(scope="module")
def captures(tmp_path_factory):
    """Writes every scenario's capture once and runs tshark on it once for
    every field (a field's column does not depend on the others asked);
    returns name -> (path, tshark's columns by field, ours with every field asked)."""
    tmp = tmp_path_factory.mktemp("app_fields")
    out = {}
    for name, build in app_fields_gen.SCENARIOS.items():
        path = str(tmp / (name + ".pcap"))
        app_fields_gen.write(path, build())
        out[name] = (path, oracle.columns(oracle.tshark_fields(path, FIELDS), FIELDS),
                     oracle.columns(oracle.ours_fields(path, FIELDS), FIELDS))
    return out


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("name", sorted(app_fields_gen.SCENARIOS))
def test_field_equals_tshark(captures, name, field):
    """One field of one scenario, asked alone, frame by frame."""
    path, theirs, together = captures[name]
    if not any(theirs[field]) and not any(together[field]):
        return  # Never present here, asked with all the others: nothing to compare.
    ours = oracle.columns(oracle.ours_fields(path, [field]), [field])[field]
    diff = oracle.first_difference(ours, theirs[field])
    assert diff is None, diff


@pytest.mark.parametrize("name", sorted(app_fields_gen.SCENARIOS))
def test_all_fields_together(captures, name):
    """Every field at once (two passes, for matching), frame by frame."""
    path, theirs, ours = captures[name]
    for field in FIELDS:
        diff = oracle.first_difference(ours[field], theirs[field])
        assert diff is None, f"{field}: {diff}"


@pytest.mark.parametrize("field", FIELDS)
def test_field_is_exercised(captures, field):
    """Some scenario gives the field a value (else its cases test nothing)."""
    assert any(v for _, theirs, _ in captures.values() for v in theirs[field])
