"""Fixtures of the kernel path's tests: a pair of network namespaces joined
by a veth pair (harness.py), and the kernel path's driver (pcapd-kp-driver)
running in the capture namespace.
"""
import os

import pytest

import harness


class Driver(harness.Driver):
    """The driver in namespace `ns`; the test skips, saying why, where the
    kernel path cannot run."""

    def __init__(self, ns, *options):
        binary = os.environ.get("PCAPD_KP_DRIVER")
        if not binary:
            pytest.skip("PCAPD_KP_DRIVER is not set; run the tests through meson")
        try:
            super().__init__(binary, ns, *options)
        except harness.Unavailable as e:
            pytest.skip(f"the kernel path cannot run here: {e}")


@pytest.fixture
def netpair():
    if os.geteuid() != 0:
        pytest.skip("the kernel path's tests need root (network namespaces, nftables)")
    pair = harness.NetPair()
    yield pair
    pair.close()
