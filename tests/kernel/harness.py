"""What the kernel path's tests and benchmark share: a capture namespace
and a peer namespace joined by a veth pair, with names unique to this
process, and the kernel path's driver (pcapd-kp-driver) run in one.

The capture side has no address of its own unless a caller adds one, and no
IPv6 link-local address, so its kernel sends nothing by itself (no router
solicitation, no MLD report) and the traffic sent is all there is.  The
peer side has IPv6 off and no address: it only sends frames through an
AF_PACKET socket.
"""
import itertools
import os
import pathlib
import struct
import subprocess
import time

CAPTURE_MAC = bytes.fromhex("020000007701")
PEER_MAC = bytes.fromhex("020000007702")
_counter = itertools.count()
HERE = pathlib.Path(__file__).resolve().parent


def sh(*args, check=True):
    """Runs a command; returns its standard output."""
    p = subprocess.run(list(args), capture_output=True, text=True, timeout=60)
    if check and p.returncode != 0:
        raise AssertionError(f"{' '.join(args)}: {p.stderr}")
    return p.stdout


class NetPair:
    """Two namespaces: `capture` (veth `cap_if`) and `peer` (veth `peer_if`)."""

    def __init__(self):
        n = f"{os.getpid() % 100000}x{next(_counter)}"
        self.capture, self.peer = f"kpcap{n}", f"kppeer{n}"
        self.cap_if, self.peer_if = f"kc{n}", f"kp{n}"
        sh("ip", "netns", "add", self.capture)
        sh("ip", "netns", "add", self.peer)
        sh("ip", "-n", self.capture, "link", "add", self.cap_if, "type", "veth", "peer", "name",
           self.peer_if, "netns", self.peer)
        sh("ip", "-n", self.capture, "link", "set", self.cap_if, "address",
           CAPTURE_MAC.hex(":"), "addrgenmode", "none")
        sh("ip", "-n", self.peer, "link", "set", self.peer_if, "address", PEER_MAC.hex(":"))
        sh("ip", "netns", "exec", self.peer, "sysctl", "-qw",
           f"net.ipv6.conf.{self.peer_if}.disable_ipv6=1")
        for ns, dev in ((self.capture, self.cap_if), (self.peer, self.peer_if)):
            sh("ip", "-n", ns, "link", "set", "lo", "up")
            sh("ip", "-n", ns, "link", "set", dev, "up")

    def run(self, ns, *args, check=True):
        """Runs a command in namespace `ns`."""
        return sh("ip", "netns", "exec", ns, *args, check=check)

    def tables(self):
        """The nftables tables of the capture namespace, as `nft list tables`
        prints them."""
        return self.run(self.capture, "nft", "list", "tables").split("\n")

    def send(self, pcap, rate=0):
        """Sends the frames of `pcap` from the peer to the capture side
        (traffic.py, AF_PACKET)."""
        self.run(self.peer, "python3", str(HERE / "traffic.py"), "send", str(pcap), self.peer_if,
                 str(rate))

    def close(self):
        sh("ip", "netns", "del", self.capture, check=False)
        sh("ip", "netns", "del", self.peer, check=False)


class Unavailable(Exception):
    """The kernel path cannot run here (the driver says why)."""


class Driver:
    """The kernel path's driver in a namespace, one command per line."""

    def __init__(self, binary, ns, *options):
        env = dict(os.environ)
        env.setdefault("ASAN_OPTIONS", "abort_on_error=0")
        self.proc = subprocess.Popen(["ip", "netns", "exec", ns, binary, *options],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=env)
        line = self.proc.stdout.readline()
        if line.startswith("unavailable"):
            self.proc.wait(10)
            raise Unavailable(line.strip())
        assert line.strip() == "ready", line + self.proc.stderr.read()

    def cmd(self, line):
        """Sends one command; returns the words of its answer."""
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline()
        assert answer, "the driver died:\n" + self.proc.stderr.read()
        return answer.split()

    def start(self, name, path, sample=1, snaplen=160, packet_limit=1_000_000, byte_limit=0,
              **fields):
        """Starts job `name` writing `path`; returns the answer's words."""
        args = " ".join(f"{k}={v}" for k, v in fields.items())
        return self.cmd(f"start {name} {path} {sample} {snaplen} {packet_limit} {byte_limit} {args}")

    def ended(self, name):
        """Waits for the end of `name`; returns a dict of its report."""
        w = self.cmd(f"ended {name}")
        assert w[0] == "ended", w
        report = {"reason": w[2], "error": int(w[3])}
        report.update({w[i]: int(w[i + 1]) for i in range(4, len(w), 2)})
        return report

    def path_stats(self):
        w = self.cmd("path")
        return {w[i]: int(w[i + 1]) for i in range(1, len(w), 2)}

    def quit(self):
        """Stops the path; returns the driver's remaining output."""
        out, err = self.proc.communicate("quit\n", timeout=60)
        assert self.proc.returncode == 0, err
        assert "runtime error" not in err and "AddressSanitizer" not in err, err
        return out


# --- the oracle and the checks of a capture file ---


def tshark_frames(path, display_filter):
    """0-based indexes of the frames of `path` that match `display_filter`,
    fragments not reassembled (the path sees each fragment alone)."""
    out = subprocess.run(["tshark", "-n", "-o", "ip.defragment:FALSE", "-o",
                          "ipv6.defragment:FALSE", "-r", str(path), "-Y", display_filter, "-T",
                          "fields", "-e", "frame.number"],
                         check=True, capture_output=True, text=True).stdout
    return [int(x) - 1 for x in out.split()]


def read_pcap(path):
    """(header fields, records) of a pcap; records are (ts_ns, caplen,
    wirelen, data)."""
    data = path.read_bytes()
    magic, _, _, _, _, snaplen, linktype = struct.unpack_from("<IHHiIII", data)
    recs, off = [], 24
    while off < len(data):
        sec, nsec, caplen, wirelen = struct.unpack_from("<IIII", data, off)
        recs.append((sec * 10**9 + nsec, caplen, wirelen, data[off + 16:off + 16 + caplen]))
        off += 16 + caplen
    return (magic, snaplen, linktype), recs


def frame_index(data):
    """The index traffic.marker() wrote into a captured frame."""
    at = data.find(b"KPTS")
    assert at >= 0, "every frame sent carries its index"
    return struct.unpack_from("!I", data, at + 4)[0]


def check_file(path, sent, expected, snaplen=160):
    """The capture file holds exactly the frames `expected` (indexes into
    `sent`), in order, byte for byte up to the snaplen, with their lengths
    on the wire and times in order."""
    (magic, file_snaplen, linktype), recs = read_pcap(path)
    assert (magic, file_snaplen, linktype) == (0xA1B23C4D, snaplen, 1)
    assert [frame_index(r[3]) for r in recs] == expected
    for (ts, caplen, wirelen, data), i in zip(recs, expected):
        assert wirelen == len(sent[i]), f"frame {i}: original length"
        assert caplen == min(snaplen, wirelen)
        assert data == sent[i][:caplen], f"frame {i}: bytes"
        assert abs(ts / 1e9 - time.time()) < 600
    times = [r[0] for r in recs]
    assert times == sorted(times), "the file is in time order"
