"""The kernel capture path on the real kernel: jobs driven through the
library's API (pcapd-kp-driver) in a network namespace, known traffic sent
from a peer namespace over a veth pair, tshark on what was sent as the
oracle of what each job must hold."""
import signal
import subprocess
import time

import traffic
from conftest import Driver
from harness import check_file, frame_index, read_pcap, tshark_frames

# Filters (as the driver takes them) and the display filters that select
# the same packets in what was sent: every filter_v1 field alone, prefixes
# of both families (0-length ones included), and combinations.  They
# overlap, so one packet is often captured by several jobs at once.
PORT = "({p}.{d}port=={n} || tcp.{d}port=={n} || sctp.{d}port=={n})"
FILTERS = [
    ({}, "frame"),
    ({"src": "10.1.0.0/16"}, "ip.src==10.1.0.0/16"),
    ({"src": "10.1.0.5"}, "ip.src==10.1.0.5"),
    ({"dst": "10.77.9.9"}, "ip.dst==10.77.9.9"),
    ({"src": "0.0.0.0/0"}, "ip"),
    ({"src": "2001:db8:1::/48"}, "ipv6.src==2001:db8:1::/48"),
    ({"dst": "fd77:9::9"}, "ipv6.dst==fd77:9::9"),
    ({"dst": "::/0"}, "ipv6"),
    ({"proto": 6}, "ip.proto==6 || ipv6.nxt==6"),
    ({"proto": 17}, "ip.proto==17 || ipv6.nxt==17 || ipv6.fraghdr.nxt==17"),
    ({"proto": 1}, "ip.proto==1"),
    ({"proto": 58}, "ipv6.nxt==58"),
    ({"proto": 132}, "ip.proto==132 || ipv6.nxt==132"),
    ({"sport": 53}, PORT.format(p="udp", d="src", n=53)),
    ({"dport": 80}, PORT.format(p="udp", d="dst", n=80)),
    ({"proto": 17, "dport": 53}, "udp.dstport==53"),
    ({"src": "10.0.0.0/8", "proto": 6, "dport": 80}, "ip.src==10.0.0.0/8 && tcp.dstport==80"),
    ({"src": "2001:db8::/32", "dst": "fd77::1", "proto": 17, "sport": 40001, "dport": 53},
     "ipv6.src==2001:db8::/32 && ipv6.dst==fd77::1 && udp.srcport==40001 && udp.dstport==53"),
]


def test_filters_and_overlapping_jobs_match_tshark(netpair, tmp_path):
    """Eighteen concurrent jobs with overlapping filters, one per filter_v1
    field and combinations; each file holds exactly what tshark selects in
    what was sent, and the kernel's count of matched packets is exactly
    what was captured plus what was dropped."""
    sent = traffic.build_frames()
    sent_pcap = tmp_path / "sent.pcap"
    traffic.write_frames(sent_pcap, sent)
    d = Driver(netpair.capture)
    for i, (fields, _) in enumerate(FILTERS):
        assert d.start(f"f{i}", tmp_path / f"f{i}.pcap", **fields) == ["started", f"f{i}"]
    for i in range(len(FILTERS)):
        assert d.cmd(f"published f{i}") == ["published", f"f{i}"]
    tables = netpair.tables()
    assert sum(1 for t in tables if t.startswith("table inet pcapd_f")) == len(FILTERS), tables
    netpair.send(sent_pcap)
    time.sleep(0.3)
    for i in range(len(FILTERS)):
        d.cmd(f"stop f{i}")
    for i, (fields, display_filter) in enumerate(FILTERS):
        end = d.ended(f"f{i}")
        expected = tshark_frames(sent_pcap, display_filter)
        assert len(expected) > 0, display_filter
        assert end["reason"] == "stopped" and end["dropped"] == 0, end
        assert end["written"] == len(expected), (fields, end)
        assert end["matched"] == end["written"] + end["dropped"]
        check_file(tmp_path / f"f{i}.pcap", sent, expected)
    assert not any("pcapd_" in t for t in netpair.tables()), "every table is gone"
    d.quit()


def test_packet_and_byte_limits_are_exact(netpair, tmp_path):
    """A packet limit keeps the first N matching packets; a byte limit keeps
    the packets that fit; both end the job and remove its table at once."""
    sent = traffic.build_frames()
    sent_pcap = tmp_path / "sent.pcap"
    traffic.write_frames(sent_pcap, sent)
    d = Driver(netpair.capture)
    d.start("plim", tmp_path / "plim.pcap", packet_limit=7, proto=17)
    d.start("blim", tmp_path / "blim.pcap", byte_limit=2000, src="10.0.0.0/8")
    d.start("full", tmp_path / "full.pcap", snaplen=65535, byte_limit=30000)
    for name in ("plim", "blim", "full"):
        assert d.cmd(f"published {name}")[0] == "published"
    netpair.send(sent_pcap)

    expected = tshark_frames(sent_pcap, FILTERS[9][1])[:7]
    end = d.ended("plim")
    assert end["reason"] == "packet_limit" and end["written"] == 7, end
    check_file(tmp_path / "plim.pcap", sent, expected)

    end = d.ended("blim")
    assert end["reason"] == "byte_limit", end
    size = 24
    expected = []
    for i in tshark_frames(sent_pcap, "ip.src==10.0.0.0/8"):
        if size + 16 + min(160, len(sent[i])) > 2000:
            break
        size += 16 + min(160, len(sent[i]))
        expected.append(i)
    check_file(tmp_path / "blim.pcap", sent, expected)
    assert end["bytes"] == size == (tmp_path / "blim.pcap").stat().st_size

    end = d.ended("full")
    assert end["reason"] == "byte_limit", end
    check_file(tmp_path / "full.pcap", sent, list(range(end["written"])), snaplen=65535)
    assert end["bytes"] <= 30000 and end["bytes"] == (tmp_path / "full.pcap").stat().st_size
    assert not any("pcapd_" in t for t in netpair.tables())
    d.quit()


def test_sampling_in_the_kernel(netpair, tmp_path):
    """1-in-N sampling happens in the kernel (numgen): the file holds about
    one matching packet in N, each byte for byte as sent, and the kernel
    counted every matching packet."""
    sent = traffic.build_frames() * 4
    sent_pcap = tmp_path / "sent.pcap"
    traffic.write_frames(sent_pcap, sent)
    d = Driver(netpair.capture)
    d.start("s4", tmp_path / "s4.pcap", sample=4)
    d.cmd("published s4")
    assert "numgen random mod 4" in netpair.run(netpair.capture, "nft", "list", "ruleset")
    netpair.send(sent_pcap)
    # The live count of matched packets is the kernel's, a few times a second.
    deadline = time.monotonic() + 5
    while int(d.cmd("stats s4")[3]) != len(sent) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert int(d.cmd("stats s4")[3]) == len(sent)
    d.cmd("stop s4")
    end = d.ended("s4")
    assert end["matched"] == len(sent) and end["dropped"] == 0, end
    n, p = len(sent), 0.25
    sigma = (n * p * (1 - p)) ** 0.5
    assert abs(end["written"] - n * p) < 5 * sigma, end
    _, recs = read_pcap(tmp_path / "s4.pcap")
    for _, caplen, wirelen, data in recs:
        assert data == sent[frame_index(data)][:caplen]
    d.quit()


def test_output_hook_frames_synthesized_ethernet(netpair, tmp_path):
    """Packets the host sends itself are captured on the output hook,
    framed with a synthesized Ethernet header, IPv4 and IPv6."""
    netpair.run(netpair.capture, "ip", "addr", "add", "10.78.0.1/24", "dev", netpair.cap_if)
    netpair.run(netpair.capture, "ip", "addr", "add", "fd78::1/64", "dev", netpair.cap_if,
                "nodad")
    netpair.run(netpair.capture, "ip", "neigh", "add", "10.78.0.2", "lladdr",
                traffic.PEER_MAC.hex(":"), "dev", netpair.cap_if)
    netpair.run(netpair.capture, "ip", "neigh", "add", "fd78::2", "lladdr",
                traffic.PEER_MAC.hex(":"), "dev", netpair.cap_if)
    d = Driver(netpair.capture)
    d.start("out", tmp_path / "out.pcap", proto=17, dport=9)
    d.cmd("published out")
    code = ("import socket\n"
            "for fam, dst in ((socket.AF_INET, '10.78.0.2'), (socket.AF_INET6, 'fd78::2')):\n"
            "    s = socket.socket(fam, socket.SOCK_DGRAM)\n"
            "    for i in range(5):\n"
            "        s.sendto(b'KPTS' + bytes([0, 0, 0, i]) + bytes(300), (dst, 9))\n")
    netpair.run(netpair.capture, "python3", "-c", code)
    time.sleep(0.3)
    d.cmd("stop out")
    end = d.ended("out")
    assert end["written"] == 10 and end["matched"] == 10, end
    _, recs = read_pcap(tmp_path / "out.pcap")
    for n, (ts, caplen, wirelen, data) in enumerate(recs):
        v6 = n >= 5
        assert data[:12] == bytes(12) and data[12:14] == (b"\x86\xdd" if v6 else b"\x08\x00")
        assert wirelen == 14 + (40 if v6 else 20) + 8 + 308 and caplen == 160
        assert data[14 + (40 if v6 else 20) + 8:][:8] == b"KPTS" + bytes([0, 0, 0, n % 5])
    times = [r[0] for r in recs]
    assert times == sorted(times)
    d.quit()


def test_ingress_hook_sees_vlan_tags(netpair, tmp_path):
    """On the netdev ingress hook the path sees frames before the IP stack,
    802.1Q tags included: they are put back in the file as they were sent."""
    sent = traffic.build_frames(vlan=100)
    sent_pcap = tmp_path / "sent.pcap"
    traffic.write_frames(sent_pcap, sent)
    d = Driver(netpair.capture, "--hooks", "ingress", "--ingress", netpair.cap_if)
    d.start("vl", tmp_path / "vl.pcap", proto=6)
    d.start("v6", tmp_path / "v6.pcap", src="2001:db8:1::/48", dport=80)
    d.cmd("published vl")
    d.cmd("published v6")
    assert "table netdev pcapd_vl" in netpair.tables()
    netpair.send(sent_pcap)
    time.sleep(0.3)
    for name, display_filter in (("vl", "ip.proto==6 || ipv6.nxt==6"),
                                 ("v6", "ipv6.src==2001:db8:1::/48 && "
                                  + PORT.format(p="udp", d="dst", n=80))):
        d.cmd(f"stop {name}")
        end = d.ended(name)
        expected = tshark_frames(sent_pcap, display_filter)
        assert end["written"] == len(expected) > 0 and end["matched"] == len(expected), end
        check_file(tmp_path / f"{name}.pcap", sent, expected)
    d.quit()


def test_loss_is_counted_exactly(netpair, tmp_path):
    """With a socket buffer far too small for the load, the kernel drops
    batches; the job reports every packet lost: the kernel's matched count
    is exactly what was captured plus what was dropped."""
    sent = traffic.build_frames() * 20
    sent_pcap = tmp_path / "sent.pcap"
    traffic.write_frames(sent_pcap, sent)
    d = Driver(netpair.capture, "--socket-buffer", "4096", "--queue-threshold", "8")
    d.start("loss", tmp_path / "loss.pcap", snaplen=65535)
    d.cmd("published loss")
    netpair.send(sent_pcap)
    time.sleep(0.3)
    d.cmd("stop loss")
    end = d.ended("loss")
    stats = d.path_stats()
    assert end["matched"] == len(sent), end
    assert end["dropped"] > 0 and stats["enobufs"] > 0, (end, stats)
    assert end["written"] + end["dropped"] == end["matched"], end
    _, recs = read_pcap(tmp_path / "loss.pcap")
    assert len(recs) == end["written"]
    for _, caplen, wirelen, data in recs:
        assert data == sent[frame_index(data)]
    d.quit()


def test_bad_specs_are_refused_at_start(netpair, tmp_path):
    """What the kernel path cannot carry is refused on start, with nothing
    installed: addresses of two families, a bad name, a duplicate name."""
    d = Driver(netpair.capture)
    assert d.start("mix", tmp_path / "m.pcap", src="10.0.0.0/8", dst="2001:db8::1") == \
        ["error", "mix", "22"]
    assert d.start("bad.name", tmp_path / "b.pcap") == ["error", "bad.name", "22"]
    assert d.start("twice", tmp_path / "t.pcap")[0] == "started"
    assert d.start("twice", tmp_path / "t2.pcap") == ["error", "twice", "17"]
    assert d.start("short", tmp_path / "s.pcap", snaplen=10) == ["error", "short", "22"]
    d.cmd("published twice")
    assert [t for t in netpair.tables() if "pcapd_" in t] == ["table inet pcapd_twice"]
    d.cmd("stop twice")
    assert d.ended("twice")["reason"] == "stopped"
    d.quit()


def test_group_taken_by_another_program_fails_the_job(netpair, tmp_path):
    """A job whose NFLOG group another program holds ends with a path error
    and its errno, and leaves no table."""
    holder = subprocess.Popen(["ip", "netns", "exec", netpair.capture, "python3", "-c",
                               HOLD_GROUP, str(0x7c00 + 1)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "bound"
        d = Driver(netpair.capture)
        d.start("a", tmp_path / "a.pcap")
        d.start("b", tmp_path / "b.pcap")
        w = d.cmd("published b")
        assert w[:3] == ["ended", "b", "path_error"] and int(w[3]) > 0, w
        assert d.cmd("published a") == ["published", "a"]
        assert [t for t in netpair.tables() if "pcapd_" in t] == ["table inet pcapd_a"]
        d.quit()
    finally:
        holder.kill()
        holder.wait()


# Binds NFLOG group argv[1] on a netlink socket of its own and holds it.
HOLD_GROUP = """
import socket, struct, sys, time
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)
s.bind((0, 0))
group = int(sys.argv[1])
cmd = struct.pack("HH", 5, 1) + b"\\x01\\x00\\x00\\x00"
body = struct.pack("BBH", 0, 0, socket.htons(group)) + cmd
s.send(struct.pack("IHHII", 16 + len(body), (4 << 8) | 1, 5, 1, 0) + body)
err = struct.unpack_from("i", s.recv(4096), 16)[0]
print("bound" if err == 0 else f"error {err}", flush=True)
time.sleep(300)
"""


def test_kill_9_leaves_no_table_and_leftovers_are_removed(netpair, tmp_path):
    """A driver killed with SIGKILL leaves no table behind (the owner flag);
    a table of ours that no process owns is removed at the next start."""
    d = Driver(netpair.capture)
    d.start("k1", tmp_path / "k1.pcap")
    d.start("k2", tmp_path / "k2.pcap", proto=6)
    d.cmd("published k1")
    d.cmd("published k2")
    assert sum(1 for t in netpair.tables() if "pcapd_" in t) == 2
    # `ip netns exec` execs the driver: this is its pid.
    d.proc.send_signal(signal.SIGKILL)
    d.proc.wait(10)
    deadline = time.monotonic() + 5
    while any("pcapd_" in t for t in netpair.tables()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any("pcapd_" in t for t in netpair.tables()), netpair.tables()

    netpair.run(netpair.capture, "nft", "add", "table", "inet", "pcapd_leftover")
    d = Driver(netpair.capture)
    assert not any("pcapd_" in t for t in netpair.tables())
    d.quit()


def test_stop_ends_an_idle_job_and_removes_its_table(netpair, tmp_path):
    d = Driver(netpair.capture)
    d.start("idle", tmp_path / "idle.pcap", src="192.0.2.0/24")
    d.cmd("published idle")
    assert "table inet pcapd_idle" in netpair.tables()
    ruleset = netpair.run(netpair.capture, "nft", "list", "ruleset")
    assert "hook prerouting priority -450" in ruleset and "hook output priority -450" in ruleset
    assert "flags owner" in ruleset
    d.cmd("stop idle")
    d.cmd("stop idle")
    end = d.ended("idle")
    assert end == {"reason": "stopped", "error": 0, "matched": 0, "written": 0, "bytes": 24,
                   "dropped": 0}
    assert not any("pcapd_" in t for t in netpair.tables())
    assert (tmp_path / "idle.pcap").stat().st_size == 24
    d.quit()

