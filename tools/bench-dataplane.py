#!/usr/bin/env python3
"""The dataplane benchmark: pcapd beside dpdk-testpmd, in one run.

For each vdev (net_null, and net_pcap replaying a generated traffic mix with
infinite_rx=1) and each job count (1, 100, 1000, 10000 jobs, 1-in-100
sampling), runs `dpdk-testpmd --forward-mode=rxonly` and pcapd's dataplane
(tools/pcapd-dataplane-bench, the daemon's own library) alternately, each
with one rx lcore on core 1, and prints the medians, the ratio and the drops
per stage.  Then: the table swap proof (a probe job's file has no gap while
other jobs change every few milliseconds), and the writer against
pcap_dump().  Output is Markdown, ready for docs/PERFORMANCE.md.

Usage: tools/bench-dataplane.py [--build DIR] [--reps N] [--seconds S]
                                [--jobs 1,100,1000,10000]
"""
import argparse
import json
import os
import pathlib
import re
import statistics
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


def testpmd_mpps(vdev, seconds, huge):
    """Median Rx-pps of testpmd rxonly over `seconds` (first sample dropped)."""
    mem = ["-m", "2048"] if huge else ["--no-huge", "-m", "2048"]
    cmd = ["timeout", "-s", "INT", str(seconds + 3), "dpdk-testpmd", *mem,
           "--no-pci", "--no-shconf", f"--file-prefix=bench-tp-{os.getpid()}",
           "--lcores=0@0,1@1", "--log-level=lib.eal:error", f"--vdev={vdev}", "--",
           "--forward-mode=rxonly", "--total-num-mbufs=32767", "--stats-period", "1"]
    out = subprocess.run(cmd, capture_output=True, text=True, errors="replace").stdout
    pps = [int(x) for x in re.findall(r"Rx-pps:\s+(\d+)", out)]
    if len(pps) < 3:
        raise RuntimeError("testpmd printed no stats:\n" + out[-2000:])
    return statistics.median(pps[1:-1] or pps[1:]) / 1e6


def pcapd_run(bench, vdev, jobs, seconds, huge, swap=False):
    cmd = [bench, "--vdev", vdev, "--jobs", str(jobs), "--seconds", str(seconds)]
    if swap:
        cmd.append("--swap")
    if huge:
        cmd.append("--huge")
    out = subprocess.run(cmd, capture_output=True, text=True)
    lines = [l for l in out.stdout.splitlines() if l.startswith("{")]
    if not lines:
        raise RuntimeError("bench printed nothing:\n" + out.stderr[-2000:])
    return json.loads(lines[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=str(ROOT / "build-bench"))
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=4)
    ap.add_argument("--jobs", default="1,100,1000,10000")
    ap.add_argument("--huge", action="store_true",
                    help="run testpmd and pcapd on hugepages (reserve them first)")
    args = ap.parse_args()
    build = pathlib.Path(args.build)
    if not (build / "build.ninja").exists():
        sh(["meson", "setup", str(build), "--buildtype=release", "-Dtests=false"], cwd=ROOT)
    sh(["ninja", "-C", str(build), "tools/pcapd-dataplane-bench", "tools/pcapd-writer-bench"])
    bench = str(build / "tools" / "pcapd-dataplane-bench")
    mix = "/tmp/pcapd-bench-mix.pcap"
    sh([sys.executable, str(ROOT / "tools" / "gen-traffic.py"), mix])
    vdevs = [("net_null", "net_null0"), ("net_pcap (mix)", f"net_pcap0,rx_pcap={mix},infinite_rx=1")]
    counts = [int(x) for x in args.jobs.split(",")]

    print(f"Machine: {os.cpu_count()} cores; memory: "
          f"{'2 MiB hugepages' if args.huge else '--no-huge (4 KiB pages)'}; {args.reps} "
          f"alternating runs of {args.seconds:g} s each; medians.\n")
    print("| vdev | jobs | testpmd Mpps | pcapd Mpps | ratio | ring full | writer backlog "
          "| rx missed | rx nombuf | writer late | table build ms | rte_acl KiB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, vdev in vdevs:
        for jobs in counts:
            tp, ours, last = [], [], None
            for _ in range(args.reps):
                tp.append(testpmd_mpps(vdev, int(args.seconds), args.huge))
                last = pcapd_run(bench, vdev, jobs, args.seconds, args.huge)
                ours.append(last["mpps"])
            t, o = statistics.median(tp), statistics.median(ours)
            print(f"| {name} | {jobs} | {t:.2f} | {o:.2f} | {o / t:.2f} | {last['ring_full']} "
                  f"| {last['writer_backlog_full']} | {last['rx_missed']} | {last['rx_nombuf']} "
                  f"| {last['writer_late']} | {last['table_build_ms']:.1f} "
                  f"| {last['table_mem_kib']} |", flush=True)

    gaps = 0
    for jobs in (100, 1000):
        swap = pcapd_run(bench, vdevs[1][1], jobs, max(args.seconds, 5), args.huge, swap=True)
        gaps += swap["probe_gaps"]
        print(f"\nTable swaps under load (net_pcap mix, {jobs} jobs, 32 more replaced "
              f"continuously): {swap['swaps']} job replacements in {swap['publications']} table "
              f"publications; the probe job (every packet of one flow) wrote "
              f"{swap['probe_packets']} packets with {swap['probe_gaps']} sequence gaps; "
              f"ring full {swap['ring_full']}, rx nombuf {swap['rx_nombuf']}.")

    wb = json.loads(sh([str(build / "tools" / "pcapd-writer-bench"), "/tmp/pcapd-writer-bench.pcap",
                        "2000000", str(max(args.reps, 5))]))
    print(f"\nWriter, 160-byte records to a file in /tmp: pcapd {wb['pcapd_ns_per_record']:.0f} ns "
          f"per record, pcap_dump {wb['pcap_dump_ns_per_record']:.0f} ns; "
          f"ratio {wb['ratio']:.2f}.")
    return 0 if gaps == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
