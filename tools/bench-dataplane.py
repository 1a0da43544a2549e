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

With --writers N, pcapd runs N writer lcores (beside the main lcore on core
0) and jobs are spread over them.  With --baseline DIR (a build directory of
another revision, e.g. the previous commit), that build's benchmark driver
runs too, alternating with this one and testpmd, and each row adds its Mpps
and the ratio of this build to it: how a change moved the fast path.
--only-throughput skips the table-swap proof and the writer benchmark;
--no-testpmd leaves testpmd out (its columns read 0), so a comparison with a
baseline alternates more often in the same time.

On a shared machine other work takes turns with the rx lcore on its core,
and Mpps over wall-clock time follow the load.  So the script also samples
the rx lcore thread's own CPU time (/proc/PID/task/TID/schedstat, every 20
ms) and reports its CPU share over the measured window and the packets per
second of rx CPU time: what one packet costs, whatever else the core ran.
The comparison with a baseline uses that figure.

Usage: tools/bench-dataplane.py [--build DIR] [--reps N] [--seconds S]
                                [--jobs 1,100,1000,10000] [--writers N]
                                [--hw-timestamps off|auto|on] [--vdevs null,pcap]
                                [--baseline DIR] [--only-throughput] [--no-testpmd]
                                [--huge]
"""
import argparse
import json
import os
import pathlib
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


def testpmd_mpps(vdev, seconds, huge):
    """Median Rx-pps of testpmd rxonly over about `seconds` (first and last
    samples dropped).  Its window is `seconds` + 6: on a loaded machine,
    setting up 2 GiB without hugepages alone can take several seconds."""
    mem = ["-m", "2048"] if huge else ["--no-huge", "-m", "2048"]
    cmd = ["timeout", "-s", "INT", str(seconds + 6), "dpdk-testpmd", *mem,
           "--no-pci", "--no-shconf", f"--file-prefix=bench-tp-{os.getpid()}",
           "--lcores=0@0,1@1", "--log-level=lib.eal:error", f"--vdev={vdev}", "--",
           "--forward-mode=rxonly", "--total-num-mbufs=32767", "--stats-period", "1"]
    for _ in range(3):  # a start starved by other work on a shared machine is retried
        out = subprocess.run(cmd, capture_output=True, text=True, errors="replace").stdout
        pps = [int(x) for x in re.findall(r"Rx-pps:\s+(\d+)", out)]
        # At most `seconds` samples, the last ones before the end.
        pps = pps[1:-1][-seconds:]
        if len(pps) >= 2 and min(pps) > 0:
            return statistics.median(pps) / 1e6
    raise RuntimeError("testpmd printed no stats:\n" + out[-2000:])


def rx_thread_cpu_ns(pid):
    """On-CPU nanoseconds of the rx lcore thread (EAL names lcore 1
    `rte-worker-1`) of process `pid`, or None while it does not exist."""
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/comm") as f:
                if f.read().strip() != "rte-worker-1":
                    continue
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                return int(f.read().split()[0])
    except OSError:
        pass
    return None


def cpu_at(samples, t):
    """The rx thread's CPU time at monotonic time `t`, interpolated between
    the (time, cpu ns) samples around it."""
    for (t0, c0), (t1, c1) in zip(samples, samples[1:]):
        if t0 <= t <= t1:
            return c0 + (c1 - c0) * (t - t0) / (t1 - t0) if t1 > t0 else c0
    raise RuntimeError("no rx thread CPU samples around the measured window")


def pcapd_run(bench, vdev, jobs, seconds, huge, swap=False, writers=1, hw_timestamps="off"):
    """One run of a pcapd-dataplane-bench; the options it may not know (a
    baseline build's) are passed only when they differ from the defaults.
    Adds to its JSON `rx_cpu_share`, the rx lcore thread's share of a CPU
    over the last `seconds` before the figures were printed (the bench's
    measured window), and `mpps_cpu`, Mpps per second of rx CPU time."""
    cmd = [bench, "--vdev", vdev, "--jobs", str(jobs), "--seconds", str(seconds)]
    if swap:
        cmd.append("--swap")
    if huge:
        cmd.append("--huge")
    if writers != 1:
        cmd += ["--writers", str(writers)]
    if hw_timestamps != "off":
        cmd += ["--hw-timestamps", hw_timestamps]
    with tempfile.TemporaryFile(mode="w+") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, text=True)
        samples, done = [], threading.Event()

        def sample():
            while not done.is_set():
                cpu = rx_thread_cpu_ns(proc.pid)
                if cpu is not None:
                    samples.append((time.monotonic(), cpu))
                time.sleep(0.02)

        sampler = threading.Thread(target=sample)
        sampler.start()
        line, t_end = None, None
        for out in proc.stdout:
            if out.startswith("{"):
                line, t_end = out, time.monotonic()
                cpu_end = rx_thread_cpu_ns(proc.pid)
                if cpu_end is not None:
                    samples.append((t_end, cpu_end))
        proc.wait()
        done.set()
        sampler.join()
        if line is None:
            err.seek(0)
            raise RuntimeError("bench printed nothing:\n" + err.read()[-2000:])
    result = json.loads(line)
    t_start = t_end - min(seconds, 1.0 if swap else seconds)
    share = (cpu_at(samples, t_end) - cpu_at(samples, t_start)) / 1e9 / (t_end - t_start)
    result["rx_cpu_share"] = share
    result["mpps_cpu"] = result["mpps"] / share if share > 0 else 0.0
    return result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=str(ROOT / "build-bench"))
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=4)
    ap.add_argument("--jobs", default="1,100,1000,10000")
    ap.add_argument("--huge", action="store_true",
                    help="run testpmd and pcapd on hugepages (reserve them first)")
    ap.add_argument("--writers", type=int, default=1, help="writer lcores of pcapd")
    ap.add_argument("--hw-timestamps", default="off", choices=["off", "auto", "on"])
    ap.add_argument("--vdevs", default="null,pcap", help="which of null,pcap to run")
    ap.add_argument("--baseline", help="build directory of another revision to compare with")
    ap.add_argument("--only-throughput", action="store_true",
                    help="skip the table-swap proof and the writer benchmark")
    ap.add_argument("--no-testpmd", action="store_true", help="do not run testpmd")
    args = ap.parse_args()
    build = pathlib.Path(args.build)
    if not (build / "build.ninja").exists():
        sh(["meson", "setup", str(build), "--buildtype=release", "-Dtests=false"], cwd=ROOT)
    sh(["ninja", "-C", str(build), "tools/pcapd-dataplane-bench", "tools/pcapd-writer-bench"])
    bench = str(build / "tools" / "pcapd-dataplane-bench")
    base = None
    if args.baseline:
        sh(["ninja", "-C", args.baseline, "tools/pcapd-dataplane-bench"])
        base = str(pathlib.Path(args.baseline) / "tools" / "pcapd-dataplane-bench")
    mix = "/tmp/pcapd-bench-mix.pcap"
    sh([sys.executable, str(ROOT / "tools" / "gen-traffic.py"), mix])
    all_vdevs = {"null": ("net_null", "net_null0"),
                 "pcap": ("net_pcap (mix)", f"net_pcap0,rx_pcap={mix},infinite_rx=1")}
    vdevs = [all_vdevs[v] for v in args.vdevs.split(",")]
    counts = [int(x) for x in args.jobs.split(",")]
    opts = {"writers": args.writers, "hw_timestamps": args.hw_timestamps}

    print(f"Machine: {os.cpu_count()} cores; memory: "
          f"{'2 MiB hugepages' if args.huge else '--no-huge (4 KiB pages)'}; {args.reps} "
          f"alternating runs of {args.seconds:g} s each; medians; pcapd with "
          f"{args.writers} writer lcore(s), hw_timestamps {args.hw_timestamps}"
          f"{'; baseline: ' + args.baseline if base else ''}.\n")
    extra_head = (" baseline Mpps | baseline Mpps per rx CPU-s | pcapd / baseline (per rx CPU-s) |"
                  if base else "")
    print("| vdev | jobs | testpmd Mpps | pcapd Mpps | ratio | pcapd rx CPU share "
          "| pcapd Mpps per rx CPU-s |" + extra_head + " ring full "
          "| writer backlog | rx missed | rx nombuf | writer late | table build ms | table KiB |")
    print("|---|---:|---:|---:|---:|---:|---:|" + ("---:|---:|---:|" if base else "") +
          "---:|---:|---:|---:|---:|---:|---:|")
    for name, vdev in vdevs:
        for jobs in counts:
            tp, ours, ours_cpu, shares, theirs, theirs_cpu, last = [], [], [], [], [], [], None
            for rep in range(args.reps):
                if not args.no_testpmd:
                    tp.append(testpmd_mpps(vdev, int(args.seconds), args.huge))
                # The baseline goes first in even rounds, last in odd ones.
                def run_base():
                    r = pcapd_run(base, vdev, jobs, args.seconds, args.huge, **opts)
                    theirs.append(r["mpps"])
                    theirs_cpu.append(r["mpps_cpu"])

                if base and rep % 2 == 0:
                    run_base()
                last = pcapd_run(bench, vdev, jobs, args.seconds, args.huge, **opts)
                ours.append(last["mpps"])
                ours_cpu.append(last["mpps_cpu"])
                shares.append(last["rx_cpu_share"])
                if base and rep % 2 == 1:
                    run_base()
            t, o = statistics.median(tp or [0]), statistics.median(ours)
            oc = statistics.median(ours_cpu)
            extra = ""
            if base:
                b, bc = statistics.median(theirs), statistics.median(theirs_cpu)
                extra = f" {b:.2f} | {bc:.2f} | {oc / bc:.3f} |"
            ratio = f"{o / t:.2f}" if t else "-"
            print(f"| {name} | {jobs} | {t:.2f} | {o:.2f} | {ratio} "
                  f"| {statistics.median(shares):.2f} | {oc:.2f} |{extra} "
                  f"{last['ring_full']} "
                  f"| {last['writer_backlog_full']} | {last['rx_missed']} | {last['rx_nombuf']} "
                  f"| {last['writer_late']} | {last['table_build_ms']:.1f} "
                  f"| {last['table_mem_kib']} |", flush=True)
    if args.only_throughput:
        return 0

    gaps = 0
    for jobs in (100, 1000):
        swap = pcapd_run(bench, all_vdevs["pcap"][1], jobs, max(args.seconds, 5), args.huge,
                         swap=True, **opts)
        gaps += swap["probe_gaps"]
        print(f"\nTable swaps under load (net_pcap mix, {jobs} jobs, 32 more replaced "
              f"continuously): {swap['swaps']} job replacements in {swap['publications']} table "
              f"publications; the probe job (every packet of one flow) wrote "
              f"{swap['probe_packets']} packets with {swap['probe_gaps']} sequence gaps; "
              f"ring full {swap['ring_full']}, rx nombuf {swap['rx_nombuf']}.")

    # The writers' own cost (/dev/null: no page cache), then with the
    # kernel's copy into the page cache of a file in /tmp.
    for place, what in (("/dev/null", "to /dev/null"),
                        ("/tmp/pcapd-writer-bench.pcap", "to a file in /tmp")):
        wb = json.loads(sh([str(build / "tools" / "pcapd-writer-bench"), place, "2000000",
                            str(max(args.reps, 5))]))
        print(f"\nWriter, 160-byte records {what}: pcapd {wb['pcapd_ns_per_record']:.1f} ns "
              f"per record, pcap_dump {wb['pcap_dump_ns_per_record']:.1f} ns; "
              f"ratio {wb['ratio']:.2f}.")
    return 0 if gaps == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
