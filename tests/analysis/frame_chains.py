#!/usr/bin/env python3
"""Debugging aid: prints, per frame, tshark's top-level protocol chain (what
-qz io,phs counts) next to pcap-analyze's, and marks the frames that differ.

usage: frame_chains.py PCAP_ANALYZE FILE [--all]
"""
import subprocess
import sys
import xml.etree.ElementTree as ET

SKIP = {"geninfo", "frame"}


def tshark_chains(path):
    """Returns tshark's top-level protocol names per frame, from its PDML."""
    pdml = subprocess.run(["tshark", "-n", "-r", path, "-T", "pdml"], capture_output=True,
                          check=True).stdout
    chains = []
    for pkt in ET.fromstring(pdml).iter("packet"):
        chains.append([p.get("name") for p in pkt.findall("proto") if p.get("name") not in SKIP])
    return chains


def main():
    tool, path = sys.argv[1], sys.argv[2]
    ours = subprocess.run([tool, "frames", path], capture_output=True, text=True,
                          check=True).stdout.splitlines()
    theirs = tshark_chains(path)
    bad = 0
    for i, t in enumerate(theirs):
        o = ours[i] if i < len(ours) else "<missing>"
        ts = ":".join(t)
        if ts != o:
            bad += 1
        if ts != o or "--all" in sys.argv:
            print(f"{i + 1:5d} {'!=' if ts != o else '=='} tshark={ts}  ours={o}")
    print(f"{bad} frames differ of {len(theirs)}")


if __name__ == "__main__":
    main()
