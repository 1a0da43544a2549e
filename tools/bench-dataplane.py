#!/usr/bin/env python3
"""The dataplane benchmark: pcapd's fast path beside a receive-only
reference in the same process, and beside dpdk-testpmd, in one run.

For each vdev (net_null, and net_pcap replaying a generated traffic mix
with infinite_rx=1) and each job count (1-in-100 sampling), three things
take turns on the rx core, one short window each, for many rounds:

  capture    pcapd's fast path (tools/pcapd-dataplane-bench --windows: the
             daemon's own dataplane library, without the HTTP layer);
  reference  the same process, memory, mbuf pool and port, receiving and
             freeing exactly as testpmd's rxonly forwarding does;
  testpmd    `dpdk-testpmd --forward-mode=rxonly`, driven interactively
             (start, two `show port stats`, stop), the outside reference.

Both processes stay up for the row (or, with --starts N, for its share of
the rounds, then start again) and pause between their windows (pcapd's rx
lcores sleep, testpmd's forwarding stops), so each window has the core to
itself as far as the rest of the machine allows; the order of the three
rotates every round.  The row prints the median and the interquartile
range (q1-q3) of every figure over the rounds.  Ratios are taken per round
(capture over the reference run next to it) before the median: the
capture/reference ratio is free of process-to-process placement, and is
the one the targets are read from; capture/testpmd is printed beside it.
Placement still moves the reference's own speed from one process start to
the next (on net_null, 124 against 169 Mpps in two rows of one run), and
not the capture's in proportion; --starts spreads a row over several
starts, so its quartiles show that too.

Each window also reads its rx threads' CPU time (/proc .../schedstat), so
a row gives Mpps per second of rx CPU as well: on a shared machine, what a
packet costs whatever else the core ran.  "own ns" is pcapd's own cost per
packet: its CPU ns per packet minus the reference's.

Memory: --memory auto (the default) runs both on 2 MiB hugepages when the
host can give them, reserving the pages (and mounting hugetlbfs) if
needed and giving them back at the end; --memory huge insists, --memory
no-huge uses 4 KiB pages (--no-huge).  EAL unlinks its hugepage files once
mapped, so a killed run leaks none.

--callgrind prints instead the instructions per packet of capture and
reference under valgrind's callgrind (short windows; the counts do not
depend on the machine's load), and the functions capture's go to.

--stages uses a second build with -Dstage_timing=true and prints, per row,
nanoseconds per packet of each stage of the rx lcore (receive, parse,
classify, sample and stage, ring enqueue, free), scaled to CPU time.
--rx-lcores 2 runs pcapd with two rx lcores on two queues (two replays of
the mix on net_pcap, two queues of net_null) against testpmd with
--rxq=2 --nb-cores=2, and prints per-lcore rates; it needs 3 CPUs (core 0
for the control thread and writer) and is skipped with fewer unless
--force-cores.  --baseline DIR adds the windows of another build's driver
(one with --windows), capture and reference, and the ratio of the two
builds' captures per rx CPU-second.  --history N adds the windows of a
second process of the same driver whose rx lcores also sample 1 packet in
N for the look-back history (written by writer 0 to a store in /tmp), and
the ratio of its capture to the one without history, in Mpps and per rx
CPU-second.  --floor adds windows of the same process's reference that
also reads each frame's EtherType (the least a capture does, which must
know whether a frame is IP), and prints what that read costs a packet and
its ratio to the reference: the ceiling of any capture's ratio.

Then, unless --only-throughput: the table-swap proof (a probe job's file
has no gap while other jobs change every few milliseconds) and the writer
against pcap_dump().  Output is Markdown, for docs/PERFORMANCE.md.

Usage: tools/bench-dataplane.py [--build DIR] [--rounds N] [--seconds S] [--starts N]
           [--jobs 1,1000,10000] [--vdevs null,pcap] [--memory auto|huge|no-huge]
           [--stages] [--rx-lcores N] [--force-cores] [--writers N]
           [--baseline DIR] [--history N] [--floor] [--no-testpmd] [--only-throughput]
           [--json FILE] [--callgrind]
"""
import argparse
import json
import os
import pathlib
import queue
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
HUGE_SYSFS = pathlib.Path("/sys/kernel/mm/hugepages/hugepages-2048kB")
# EAL memory of each DPDK process (-m, MiB): 2 MiB pages each.
EAL_MB = 1024


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


def quartiles(xs):
    """(q1, median, q3) of a non-empty list."""
    xs = sorted(xs)
    if len(xs) == 1:
        return xs[0], xs[0], xs[0]
    q = statistics.quantiles(xs, n=4, method="inclusive")
    return q[0], q[1], q[2]


def fmt(xs, digits=2):
    """`median (q1-q3)` of a list."""
    q1, m, q3 = quartiles(xs)
    return f"{m:.{digits}f} ({q1:.{digits}f}-{q3:.{digits}f})"


def thread_cpu_ns(pid, lcore):
    """On-CPU ns of EAL lcore `lcore`'s thread (rte-worker-N) of `pid`."""
    want = f"rte-worker-{lcore}"
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/comm") as f:
                if f.read().strip() != want:
                    continue
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                return int(f.read().split()[0])
        except OSError:
            continue
    raise RuntimeError(f"process {pid} has no thread {want}")


class Hugepages:
    """Makes `pages` free 2 MiB hugepages available (reserving more and
    mounting hugetlbfs when needed) and gives back what it took."""

    def __init__(self, mode, pages):
        self.mode, self.pages = mode, pages
        self.prev, self.mounted, self.note = None, None, ""

    def __enter__(self):
        if self.mode == "no-huge":
            self.note = "4 KiB pages (--no-huge), as asked"
            return False
        try:
            free = int((HUGE_SYSFS / "free_hugepages").read_text())
            total = int((HUGE_SYSFS / "nr_hugepages").read_text())
            if free < self.pages:
                self.prev = total
                (HUGE_SYSFS / "nr_hugepages").write_text(str(total + self.pages - free))
                free = int((HUGE_SYSFS / "free_hugepages").read_text())
            if not any(line.split()[2] == "hugetlbfs" for line in open("/proc/mounts")):
                self.mounted = f"/tmp/pcapd-bench-huge-{os.getpid()}"
                os.makedirs(self.mounted, exist_ok=True)
                sh(["mount", "-t", "hugetlbfs", "-o", "pagesize=2M", "nodev", self.mounted])
        except (OSError, subprocess.CalledProcessError) as e:
            free = 0
            self.note = f"no hugepages ({e}); 4 KiB pages (--no-huge)"
        if free >= self.pages:
            self.note = (f"2 MiB hugepages ({self.pages} needed"
                         f"{', reserved by the script' if self.prev is not None else ''})")
            return True
        self.__exit__(None, None, None)
        if self.mode == "huge":
            raise RuntimeError(f"only {free} free hugepages of {self.pages} needed")
        self.note = self.note or f"4 KiB pages (--no-huge): only {free} hugepages free"
        return False

    def __exit__(self, *exc):
        if self.mounted:
            subprocess.run(["umount", self.mounted], check=False)
            os.rmdir(self.mounted)
            self.mounted = None
        if self.prev is not None:
            (HUGE_SYSFS / "nr_hugepages").write_text(str(self.prev))
            self.prev = None


class Pcapd:
    """A pcapd-dataplane-bench --windows process."""

    def __init__(self, bench, vdev, jobs, huge, rx_lcores, writers, hw_timestamps, extra=()):
        cmd = [bench, "--windows", "--vdev", vdev, "--jobs", str(jobs), *extra]
        if huge:
            cmd.append("--huge")
        if rx_lcores != 1:
            cmd += ["--rx-lcores", str(rx_lcores)]
        if writers != 1:
            cmd += ["--writers", str(writers)]
        if hw_timestamps != "off":
            cmd += ["--hw-timestamps", hw_timestamps]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.setup = self._line()

    def _line(self):
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("pcapd bench ended:\n" + self.proc.stderr.read()[-2000:])
            if line.startswith("{"):
                return json.loads(line)

    def window(self, mode, seconds):
        self.proc.stdin.write(f"{mode} {seconds}\n")
        self.proc.stdin.flush()
        return self._line()

    def close(self):
        try:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        self.proc.wait(timeout=120)


class Testpmd:
    """An interactive dpdk-testpmd in rxonly mode, stopped between windows."""

    def __init__(self, vdev, huge, rx_lcores):
        mem = ["-m", str(EAL_MB), "--huge-unlink"] if huge else ["--no-huge", "-m", str(EAL_MB)]
        cores = max(os.cpu_count(), 2)  # fewer cores: the rx lcores share them in turn
        lcores = ",".join(["0@0"] + [f"{r}@{1 + (r - 1) % (cores - 1)}"
                                     for r in range(1, rx_lcores + 1)])
        # Line-buffered, so that what a command prints comes before the next
        # prompt (the prompt is written unbuffered).
        cmd = ["stdbuf", "-oL", "dpdk-testpmd", *mem, "--no-pci", "--no-shconf",
               f"--file-prefix=bench-tp-{os.getpid()}", f"--lcores={lcores}",
               "--log-level=lib.eal:error", f"--vdev={vdev}", "--", "-i",
               "--forward-mode=rxonly", "--total-num-mbufs=32767",
               f"--rxq={rx_lcores}", f"--nb-cores={rx_lcores}"]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self.rx_lcores = rx_lcores
        self.out = queue.Queue()
        self.buf = ""
        threading.Thread(target=self._read, daemon=True).start()
        self._until("testpmd> ")

    def _read(self):
        while True:
            data = os.read(self.proc.stdout.fileno(), 65536)
            if not data:
                self.out.put(None)
                return
            self.out.put(data.decode(errors="replace"))

    def _until(self, marker, timeout=120):
        """Reads output up to and including `marker`; returns it."""
        deadline = time.monotonic() + timeout
        while marker not in self.buf:
            chunk = self.out.get(timeout=max(0.1, deadline - time.monotonic()))
            if chunk is None:
                raise RuntimeError("testpmd ended:\n" + self.buf[-2000:])
            self.buf += chunk
        head, _, self.buf = self.buf.partition(marker)
        return head + marker

    def _cmd(self, line):
        self.proc.stdin.write((line + "\n").encode())
        self.proc.stdin.flush()
        return self._until("testpmd> ")

    def _cpu(self):
        return sum(thread_cpu_ns(self.proc.pid, r) for r in range(1, self.rx_lcores + 1))

    def window(self, seconds):
        """Rx Mpps (testpmd's own figure between two `show port stats`) and
        the forwarding threads' CPU share over about `seconds`."""
        self._cmd("start")
        time.sleep(0.05)
        self._cmd("show port stats 0")
        t0, c0 = time.monotonic(), self._cpu()
        time.sleep(seconds)
        out = self._cmd("show port stats 0")
        t1, c1 = time.monotonic(), self._cpu()
        self._cmd("stop")
        pps = int(re.findall(r"Rx-pps:\s+(\d+)", out)[-1])
        cpu = (c1 - c0) / 1e9
        return {"mpps": pps / 1e6, "cpu_share": cpu / (t1 - t0),
                "mpps_cpu": pps / 1e6 * (t1 - t0) / cpu if cpu > 0 else 0.0}

    def close(self):
        try:
            self.proc.stdin.write(b"quit\n")
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def run_row(args, bench, base, vdev, jobs, huge, rx_lcores):
    """The rounds of one row, over --starts pairs of processes (the rounds
    split between them); returns the set-up of the first and the lists of
    every figure."""
    steps = [("ours", "capture"), ("ours", "reference")]
    if base:
        steps += [("base", "capture"), ("base", "reference")]
    if args.history:
        steps.append(("hist", "capture"))
    if args.floor:
        steps.append(("ours", "ethertype"))
    if not args.no_testpmd:
        steps.append(("testpmd", None))
    got = {s: [] for s in steps}
    setup = None
    for start in range(args.starts):
        rounds = args.rounds // args.starts + (start < args.rounds % args.starts)
        procs = {"ours": Pcapd(bench, vdev, jobs, huge, rx_lcores, args.writers,
                               args.hw_timestamps)}
        setup = setup or procs["ours"].setup
        if base:
            procs["base"] = Pcapd(base, vdev, jobs, huge, rx_lcores, args.writers,
                                  args.hw_timestamps)
        if args.history:
            procs["hist"] = Pcapd(bench, vdev, jobs, huge, rx_lcores, args.writers,
                                  args.hw_timestamps, ["--history", str(args.history)])
        tp = None if args.no_testpmd else Testpmd(vdev, huge, rx_lcores)
        try:
            for r in range(rounds):
                k = r % len(steps)
                for step in steps[k:] + steps[:k]:
                    if step[0] == "testpmd":
                        got[step].append(tp.window(args.seconds))
                    else:
                        got[step].append(procs[step[0]].window(step[1], args.seconds))
        finally:
            for p in procs.values():
                p.close()
            if tp:
                tp.close()
    return setup, got


def row_figures(got, base):
    """Per-round figures of a row and their ratios.  A round in which some
    window received nothing (its thread never ran: a machine loaded past
    its cores) is left out of all of them."""
    kept = [r for r in range(len(got[("ours", "capture")]))
            if all(got[k][r]["mpps"] > 0 and got[k][r].get("mpps_cpu", 1) > 0 for k in got)]
    if not kept:
        raise RuntimeError("every round had a window that received nothing")
    got = {k: [v[r] for r in kept] for k, v in got.items()}
    cap, ref = got[("ours", "capture")], got[("ours", "reference")]
    f = {
        "rounds_kept": len(kept),
        "capture_mpps": [w["mpps"] for w in cap],
        "reference_mpps": [w["mpps"] for w in ref],
        "ratio": [c["mpps"] / r["mpps"] for c, r in zip(cap, ref)],
        "capture_mpps_cpu": [w["mpps_cpu"] for w in cap],
        "reference_mpps_cpu": [w["mpps_cpu"] for w in ref],
        "ratio_cpu": [c["mpps_cpu"] / r["mpps_cpu"] for c, r in zip(cap, ref)],
        "own_ns": [1e3 / c["mpps_cpu"] - 1e3 / r["mpps_cpu"] for c, r in zip(cap, ref)],
        "cpu_share": [w["rx_cpu_s"] / w["seconds"] for w in cap],
        "drops": sum(w["ring_full"] + w["writer_backlog_full"] + w["rx_missed"] + w["rx_nombuf"]
                     for w in cap),
        "writer_late": sum(w["writer_late"] for w in cap),
        "records": sum(w["writer_records"] for w in cap),
        "lcore_mpps": [[w["lcores"][i]["mpps"] for w in cap] for i in range(len(cap[0]["lcores"]))],
        "stage_ns": {k: [w["stage_ns"][k] * w["rx_cpu_s"] / w["seconds"] for w in cap]
                     for k in cap[0]["stage_ns"]},
    }
    tp = got.get(("testpmd", None))
    if tp:
        f["testpmd_mpps"] = [w["mpps"] for w in tp]
        f["testpmd_cpu_share"] = [w["cpu_share"] for w in tp]
        f["ratio_testpmd"] = [c["mpps"] / t["mpps"] for c, t in zip(cap, tp)]
    if base:
        bc = got[("base", "capture")]
        f["base_capture_mpps_cpu"] = [w["mpps_cpu"] for w in bc]
        f["ratio_base_cpu"] = [c["mpps_cpu"] / b["mpps_cpu"] for c, b in zip(cap, bc)]
    fc = got.get(("ours", "ethertype"))
    if fc:
        f["floor_ns"] = [1e3 / e["mpps_cpu"] - 1e3 / r["mpps_cpu"] for e, r in zip(fc, ref)]
        f["floor_ratio_cpu"] = [e["mpps_cpu"] / r["mpps_cpu"] for e, r in zip(fc, ref)]
    hc = got.get(("hist", "capture"))
    if hc:
        f["hist_mpps"] = [w["mpps"] for w in hc]
        f["ratio_hist"] = [h["mpps"] / c["mpps"] for h, c in zip(hc, cap)]
        f["ratio_hist_cpu"] = [h["mpps_cpu"] / c["mpps_cpu"] for h, c in zip(hc, cap)]
        f["hist_sampled"] = sum(w["history_sampled"] for w in hc)
        # ring_full counts the history's refused samples (history_ring_full)
        # with the jobs' records: adding both counted the history's twice.
        f["hist_drops"] = sum(w["ring_full"] + w["rx_missed"] + w["rx_nombuf"] for w in hc)
    return f


def machine_line():
    model = "?"
    for line in sh(["lscpu"]).splitlines():
        if line.startswith("Model name:"):
            model = line.split(":", 1)[1].strip()
    load = open("/proc/loadavg").read().split()[:3]
    return model, " ".join(load)


def throughput(args, build, base, vdevs, counts, huge, rx_lcores, results):
    bench = str(build / "tools" / "pcapd-dataplane-bench")
    multi = rx_lcores > 1
    head = ["vdev", "jobs", "rounds", "capture Mpps", "reference Mpps", "**ratio**", "testpmd Mpps",
            "capture / testpmd", "ratio per rx CPU-s", "own ns per packet", "rx CPU share",
            "testpmd CPU share"]
    if base:
        head += ["baseline capture Mpps per rx CPU-s", "this / baseline per rx CPU-s"]
    if args.history:
        head += [f"history 1/{args.history} Mpps", "**history on / off**",
                 "on / off per rx CPU-s", "history samples", "history drops"]
    if args.floor:
        head += ["EtherType read: ns per packet over the reference",
                 "EtherType read / reference per rx CPU-s"]
    if multi:
        head += [f"lcore {i + 1} Mpps" for i in range(rx_lcores)]
    head += ["drops (all stages)", "writer late", "table build ms", "table KiB"]
    print("| " + " | ".join(head) + " |")
    print("|---|" + "---:|" * (len(head) - 1))
    for name, vdev in vdevs:
        for jobs in counts:
            setup, got = run_row(args, bench, base, vdev, jobs, huge, rx_lcores)
            f = row_figures(got, base)
            results.append({"vdev": name, "jobs": jobs, "rx_lcores": rx_lcores, "setup": setup,
                            "figures": f, "windows": {f"{k[0]}:{k[1]}": v for k, v in got.items()}})
            cells = [name, str(jobs), str(f["rounds_kept"]), fmt(f["capture_mpps"]),
                     fmt(f["reference_mpps"]),
                     "**" + fmt(f["ratio"]) + "**",
                     fmt(f["testpmd_mpps"]) if "testpmd_mpps" in f else "-",
                     fmt(f["ratio_testpmd"]) if "ratio_testpmd" in f else "-",
                     fmt(f["ratio_cpu"]), fmt(f["own_ns"], 1), fmt(f["cpu_share"]),
                     fmt(f["testpmd_cpu_share"]) if "testpmd_mpps" in f else "-"]
            if base:
                cells += [fmt(f["base_capture_mpps_cpu"]), fmt(f["ratio_base_cpu"], 3)]
            if args.history:
                cells += [fmt(f["hist_mpps"]), "**" + fmt(f["ratio_hist"], 3) + "**",
                          fmt(f["ratio_hist_cpu"], 3), str(f["hist_sampled"]),
                          str(f["hist_drops"])]
            if args.floor:
                cells += [fmt(f["floor_ns"], 1), fmt(f["floor_ratio_cpu"])]
            if multi:
                cells += [fmt(x) for x in f["lcore_mpps"]]
            cells += [str(f["drops"]), str(f["writer_late"]), f"{setup['table_build_ms']:.1f}",
                      str(setup["table_mem_kib"])]
            print("| " + " | ".join(cells) + " |", flush=True)


def stages(args, vdevs, counts, huge, results):
    build = pathlib.Path(str(args.build) + "-stages")
    if not (build / "build.ninja").exists():
        sh(["meson", "setup", str(build), "--buildtype=release", "-Dtests=false",
            "-Dstage_timing=true"], cwd=ROOT)
    sh(["ninja", "-C", str(build), "tools/pcapd-dataplane-bench"])
    bench = str(build / "tools" / "pcapd-dataplane-bench")
    print("\nStages (build with -Dstage_timing=true; ns per packet of rx CPU, medians):\n")
    names = ["receive", "parse", "classify", "sample", "enqueue", "free"]
    print("| vdev | jobs | " + " | ".join(names) + " | reference (receive + free) |")
    print("|---|---:|" + "---:|" * (len(names) + 1))
    saved = args.no_testpmd
    args.no_testpmd = True
    try:
        for name, vdev in vdevs:
            for jobs in counts:
                setup, got = run_row(args, bench, None, vdev, jobs, huge, 1)
                f = row_figures(got, None)
                results.append({"vdev": name, "jobs": jobs, "stages": f["stage_ns"]})
                ref_ns = statistics.median(1e3 / x for x in f["reference_mpps_cpu"])
                print(f"| {name} | {jobs} | " +
                      " | ".join(f"{statistics.median(f['stage_ns'][k]):.1f}" for k in names) +
                      f" | {ref_ns:.1f} |", flush=True)
    finally:
        args.no_testpmd = saved


def callgrind_ipp(bench, vdev, jobs, mode, seconds):
    """Instructions per packet of the rx lcore in `mode` (valgrind's
    callgrind, collecting in dp_rx_lcore_main only): the same whatever the
    machine's load.  Returns (total, {function: instructions per packet})."""
    with tempfile.TemporaryDirectory(prefix="pcapd-bench-cg-") as tmp:
        out = os.path.join(tmp, "callgrind.out")
        r = subprocess.run(["valgrind", "--tool=callgrind", "--toggle-collect=dp_rx_lcore_main",
                            f"--callgrind-out-file={out}", bench, "--windows", "--vdev", vdev,
                            "--jobs", str(jobs)],
                           input=f"{mode} {seconds}\nquit\n", capture_output=True, text=True)
        lines = [json.loads(x) for x in r.stdout.splitlines() if x.startswith("{")]
        if not lines or "rx_packets_total" not in lines[-1]:
            raise RuntimeError("callgrind run printed nothing:\n" + r.stderr[-2000:])
        packets = lines[-1]["rx_packets_total"]
        ann = sh(["callgrind_annotate", "--inclusive=no", out])
    total = int(re.search(r"([\d,]+) \(100.0%\)\s+PROGRAM TOTALS", ann)[1].replace(",", ""))
    funcs = {}
    for line in ann.split("file:function", 1)[1].splitlines()[2:]:
        m = re.match(r"\s*([\d,]+) \(\s*[\d.]+%\)\s+(\S+)", line)
        if not m:
            break
        name = m[2].rsplit(":", 1)[-1]
        if "librte_net_" in line:
            name = "PMD receive (" + re.search(r"librte_(net_\w+)", line)[1] + ")"
        funcs[name] = funcs.get(name, 0) + int(m[1].replace(",", "")) / packets
    return total / packets, funcs


def callgrind(args, build, vdevs, counts):
    """The --callgrind table: instructions per packet of capture and
    reference, and where capture's go."""
    bench = str(build / "tools" / "pcapd-dataplane-bench")
    print("\nInstructions per packet on the rx lcore (valgrind --tool=callgrind, "
          "--no-huge; capture, reference, pcapd's own, and the functions that run "
          "more than 1 a packet):\n")
    print("| vdev | jobs | capture | reference | own | capture by function |")
    print("|---|---:|---:|---:|---:|---|")
    for name, vdev in vdevs:
        ref, _ = callgrind_ipp(bench, vdev, 1, "reference", args.seconds)
        for jobs in counts:
            cap, funcs = callgrind_ipp(bench, vdev, jobs, "capture", args.seconds)
            top = ", ".join(f"{f} {v:.1f}" for f, v in
                            sorted(funcs.items(), key=lambda x: -x[1]) if v >= 1)
            print(f"| {name} | {jobs} | {cap:.1f} | {ref:.1f} | {cap - ref:.1f} | {top} |",
                  flush=True)


def swap_proof(build, huge, writers):
    gaps = 0
    mix = f"net_pcap0,rx_pcap={MIX},infinite_rx=1"
    for jobs in (100, 1000):
        cmd = [str(build / "tools" / "pcapd-dataplane-bench"), "--vdev", mix, "--jobs", str(jobs),
               "--seconds", "5", "--swap", "--writers", str(writers)] + (["--huge"] if huge else [])
        r = subprocess.run(cmd, capture_output=True, text=True)
        lines = [x for x in r.stdout.splitlines() if x.startswith("{")]
        if not lines:
            raise RuntimeError("swap run printed nothing:\n" + r.stderr[-2000:])
        swap = json.loads(lines[-1])
        gaps += swap["probe_gaps"]
        print(f"\nTable swaps under load (net_pcap mix, {jobs} jobs, 32 more replaced "
              f"continuously): {swap['swaps']} job replacements in {swap['publications']} table "
              f"publications; the probe job (every packet of one flow) wrote "
              f"{swap['probe_packets']} packets with {swap['probe_gaps']} sequence gaps, "
              f"its own samples lost to a full ring {swap['probe_dropped']}; "
              f"ring full {swap['ring_full']}, rx nombuf {swap['rx_nombuf']}.")
    return gaps


def writer_bench(build, runs):
    # The writers' own cost (/dev/null: no page cache), then with the
    # kernel's copy into the page cache of a file in /tmp.
    for place, what in (("/dev/null", "to /dev/null"),
                        (f"/tmp/pcapd-writer-bench-{os.getpid()}.pcap", "to a file in /tmp")):
        wb = json.loads(sh([str(build / "tools" / "pcapd-writer-bench"), place, "2000000",
                            str(runs)]))
        if place != "/dev/null" and os.path.exists(place):
            os.unlink(place)
        print(f"\nWriter, 160-byte records {what}: pcapd {wb['pcapd_ns_per_record']:.1f} ns "
              f"per record, pcap_dump {wb['pcap_dump_ns_per_record']:.1f} ns; "
              f"ratio {wb['ratio']:.2f}.")


MIX = f"/tmp/pcapd-bench-mix-{os.getpid()}.pcap"
MIX2 = f"/tmp/pcapd-bench-mix2-{os.getpid()}.pcap"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=str(ROOT / "build-bench"))
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=1.0)
    ap.add_argument("--starts", type=int, default=1,
                    help="process starts per row, the rounds split between them (placement "
                         "varies from one start to the next)")
    ap.add_argument("--jobs", default="1,1000,10000")
    ap.add_argument("--vdevs", default="null,pcap", help="which of null,pcap to run")
    ap.add_argument("--memory", default="auto", choices=["auto", "huge", "no-huge"])
    ap.add_argument("--stages", action="store_true",
                    help="also time the rx lcore's stages (a -Dstage_timing=true build)")
    ap.add_argument("--rx-lcores", type=int, default=1)
    ap.add_argument("--force-cores", action="store_true",
                    help="run --rx-lcores N even when the host has fewer than N + 1 CPUs")
    ap.add_argument("--writers", type=int, default=1, help="writer lcores of pcapd")
    ap.add_argument("--hw-timestamps", default="off", choices=["off", "auto", "on"])
    ap.add_argument("--baseline", help="build directory of another revision to compare with")
    ap.add_argument("--history", type=int, default=0,
                    help="also run the fast path sampling 1 in N for the history")
    ap.add_argument("--floor", action="store_true",
                    help="add windows of the reference reading each frame's EtherType")
    ap.add_argument("--no-testpmd", action="store_true", help="do not run testpmd")
    ap.add_argument("--only-throughput", action="store_true",
                    help="skip the table-swap proof and the writer benchmark")
    ap.add_argument("--json", help="write every window's figures to this file")
    ap.add_argument("--callgrind", action="store_true",
                    help="only instructions per packet under valgrind's callgrind (any load)")
    args = ap.parse_args()
    build = pathlib.Path(args.build)
    if not (build / "build.ninja").exists():
        sh(["meson", "setup", str(build), "--buildtype=release", "-Dtests=false"], cwd=ROOT)
    sh(["ninja", "-C", str(build), "tools/pcapd-dataplane-bench", "tools/pcapd-writer-bench"])
    base = None
    if args.baseline:
        sh(["ninja", "-C", args.baseline, "tools/pcapd-dataplane-bench"])
        base = str(pathlib.Path(args.baseline) / "tools" / "pcapd-dataplane-bench")
    sh([sys.executable, str(ROOT / "tools" / "gen-traffic.py"), MIX])
    rx = args.rx_lcores
    if rx > 1 and os.cpu_count() < rx + 1 and not args.force_cores:
        print(f"--rx-lcores {rx} needs {rx + 1} CPUs (core 0 for the control thread and the "
              f"writer, one per rx lcore); this host has {os.cpu_count()}: skipped "
              f"(--force-cores runs it anyway, the lcores then share cores).")
        return 0
    if rx > 1:  # the second queue of net_pcap replays its own copy of the mix
        sh([sys.executable, str(ROOT / "tools" / "gen-traffic.py"), MIX2, "--seed", "2"])
    pcap_vdev = (f"net_pcap0,rx_pcap={MIX}" + (f",rx_pcap={MIX2}" if rx > 1 else "") +
                 ",infinite_rx=1")
    all_vdevs = {"null": ("net_null", "net_null0"), "pcap": ("net_pcap (mix)", pcap_vdev)}
    vdevs = [all_vdevs[v] for v in args.vdevs.split(",")]
    counts = [int(x) for x in args.jobs.split(",")]
    results = []
    if args.callgrind:
        try:
            callgrind(args, build, vdevs, counts)
        finally:
            for path in (MIX, MIX2):
                if os.path.exists(path):
                    os.unlink(path)
        return 0
    n_procs = (1 if args.no_testpmd else 2) + (1 if base else 0) + (1 if args.history else 0)
    hp = Hugepages(args.memory, n_procs * EAL_MB // 2 + 16)
    try:
        huge = hp.__enter__()
        model, load = machine_line()
        print(f"Machine: {model}, {os.cpu_count()} CPUs; load average at start {load}; memory: "
              f"{hp.note}; {args.rounds} rounds of {args.seconds:g} s windows over "
              f"{args.starts} process start(s) per row (capture, "
              f"reference{', baseline' if base else ''}"
              f"{f', history 1/{args.history}' if args.history else ''}"
              f"{'' if args.no_testpmd else ', testpmd'}, "
              f"rotating); medians (q1-q3); pcapd with {rx} rx lcore(s), {args.writers} "
              f"writer lcore(s), hw_timestamps {args.hw_timestamps}, 1-in-100 sampling"
              f"{'; baseline: ' + args.baseline if base else ''}.\n")
        throughput(args, build, base, vdevs, counts, huge, rx, results)
        if args.stages:
            stages(args, vdevs, counts, huge, results)
        gaps = 0
        if not args.only_throughput:
            gaps = swap_proof(build, huge, args.writers)
            writer_bench(build, max(5, min(args.rounds, 9)))
        print(f"\nLoad average at the end: {machine_line()[1]}.")
    finally:
        hp.__exit__(None, None, None)
        for path in (MIX, MIX2):
            if os.path.exists(path):
                os.unlink(path)
        if args.json:  # what was measured, even when a later part failed
            with open(args.json, "w") as f:
                json.dump(results, f)
    return 0 if gaps == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
