#!/usr/bin/python3
"""The benchmark's bookkeeping.

    report.py machine OUTDIR PHASE   records the machine (PHASE: before|after)
    report.py write OUTDIR           prints RESULTS.md from OUTDIR's files
    report.py merge OUT.json PARTS   merges hyperfine exports of the same commands
    report.py rows EXPORT.json       prints one hyperfine export as a table
"""
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys

BENCH = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(BENCH)


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=30).stdout.strip()
    except Exception:  # noqa: BLE001 - a missing tool just leaves a blank
        return ""


def cgroup_layout():
    mounts = [line.split() for line in open("/proc/self/mounts")]
    v1 = sorted({m[1].rsplit("/", 1)[-1] for m in mounts if m[2] == "cgroup"})
    v2 = [m[1] for m in mounts if m[2] == "cgroup2"]
    if v1 and v2:
        kind = "hybrid"
    elif v2:
        kind = "unified (v2)"
    elif v1:
        kind = "legacy (v1)"
    else:
        kind = "none"
    return f"{kind}: v1 {', '.join(v1) or '-'}; v2 at {', '.join(v2) or '-'}"


def machine(out, phase):
    path = os.path.join(out, "machine.json")
    info = json.load(open(path)) if os.path.exists(path) else {}
    load = open("/proc/loadavg").read().split()[:3]
    info[f"load_{phase}"] = " ".join(load)
    if phase == "before":
        mem_kib = int(re.search(r"MemTotal:\s+(\d+)", open("/proc/meminfo").read()).group(1))
        cpu = re.search(r"model name\s*:\s*(.*)", open("/proc/cpuinfo").read())
        versions = {}
        for tool, cmd in [("hyperfine", "hyperfine --version"), ("runc", "runc --version | head -1"),
                          ("crun", "crun --version | head -1"), ("podman", "podman --version"),
                          ("bubblewrap", "bwrap --version"), ("skopeo", "skopeo --version"),
                          ("umoci", "umoci --version"), ("docker-registry", "docker-registry --version"),
                          ("tar", "tar --version | head -1"), ("gzip", "gzip --version | head -1")]:
            versions[tool] = sh(cmd)
        info.update({
            "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
            "cpu": cpu.group(1).strip() if cpu else platform.processor(),
            "cores": os.cpu_count(),
            "ram_gib": round(mem_kib / 1024 / 1024, 1),
            "kernel": platform.release(),
            "distro": sh(". /etc/os-release; echo $PRETTY_NAME"),
            "cgroups": cgroup_layout(),
            "store_fs": sh(f"df -T {os.environ.get('MINI_BENCH_CACHE', '/var/tmp/mini-bench')} | awk 'NR==2 {{print $2}}'"),
            "mini_commit": sh(f"git -C {SOURCE} rev-parse --short HEAD") +
                           (" (+ uncommitted changes)" if sh(f"git -C {SOURCE} status --porcelain --untracked-files=no -- . "
                                                                 "':!bench/RESULTS.md'") else ""),
            "mini_libs": sh(f"ldd {os.environ.get('MINI', '')} | wc -l"),
            "versions": versions,
        })
    json.dump(info, open(path, "w"), indent=1)


def load(out, name):
    path = os.path.join(out, name)
    if not os.path.exists(path):
        return None
    if name.endswith(".json"):
        return json.load(open(path))
    return open(path).read()


def ms(seconds):
    return f"{seconds * 1000:.1f} ms" if seconds < 10 else f"{seconds:.2f} s"


def sec(seconds):
    return f"{seconds:.2f} s"


def rss_table(text):
    out = {}
    for line in (text or "").splitlines():
        name, _, kib = line.rpartition("\t") if "\t" in line else line.rpartition(" ")
        if kib.strip().isdigit():
            out[name.strip()] = int(kib)
    return out


def hyperfine_rows(doc, fmt, rss=None, base=None):
    rows = ["| command | median | min – max | mean ± σ | runs | ratio to mini | peak RSS |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    results = doc["results"]
    ref = base if base is not None else results[0]["median"]
    for r in results:
        peak = (rss or {}).get(r["command"])
        rows.append(f"| {r['command']} | {fmt(r['median'])} | {fmt(r['min'])} – {fmt(r['max'])} | "
                    f"{fmt(r['mean'])} ± {fmt(r['stddev'])} | {len(r['times'])} | {r['median'] / ref:.2f} | "
                    f"{f'{peak / 1024:.1f} MiB' if peak else '-'} |")
    return "\n".join(rows)


def median_of(doc, name):
    for r in doc["results"]:
        if r["command"] == name:
            return r["median"]
    return None


def verdict(ok):
    return "**met**" if ok else "**missed**"


def merge(out, parts):
    merged = {}
    for part in parts:
        for r in json.load(open(part))["results"]:
            m = merged.setdefault(r["command"], {"command": r["command"], "times": [], "user": [], "system": []})
            m["times"] += r["times"]
            m["user"].append(r.get("user", 0))
            m["system"].append(r.get("system", 0))
    results = []
    for m in merged.values():
        t = m["times"]
        results.append({"command": m["command"], "mean": statistics.mean(t),
                        "stddev": statistics.stdev(t) if len(t) > 1 else 0.0, "median": statistics.median(t),
                        "min": min(t), "max": max(t), "user": statistics.mean(m["user"]),
                        "system": statistics.mean(m["system"]), "times": t, "rounds": len(parts)})
    json.dump({"results": results}, open(out, "w"), indent=1)


def write(out):
    m = load(out, "machine.json") or {}
    start, pull = load(out, "start.json"), load(out, "pull.json")
    many, disk = load(out, "many.json"), load(out, "disk.json")
    lines = ["# mini benchmarks", "",
             "Written by `bench/run.sh`; rerun it to reproduce (root, Debian 12; it installs what it needs).",
             "Ratios compare commands measured in the same run, in alternating rounds; they are what counts,",
             "absolute times move with the machine's load.", "",
             "## Machine", "",
             f"- date: {m.get('date')}",
             f"- CPU: {m.get('cpu')}, {m.get('cores')} cores; RAM {m.get('ram_gib')} GiB",
             f"- kernel {m.get('kernel')}, {m.get('distro')}; store on {m.get('store_fs')}",
             f"- cgroups: {m.get('cgroups')} (cases 1 and 3 run in a private mount namespace with "
             "/sys/fs/cgroup/unified unmounted, so crun 1.8.1 accepts the host and every runtime sees the same one)",
             f"- load average (1, 5, 15 min): {m.get('load_before')} at the start, {m.get('load_after')} at the end. "
             "The load counts the benchmark's own work too (case 3 keeps 100 containers running); a 1-minute load "
             "well above 1 at the start means other work shared the cores, and absolute times are noisier.",
             f"- mini {m.get('mini_commit')}, Release build; `ldd mini` lists {m.get('mini_libs')} objects",
             "- " + "; ".join(f"{k} {v.split()[-1] if v else 'n/a'}" for k, v in (m.get("versions") or {}).items()),
             ""]
    targets = []

    if start:
        rss = rss_table(load(out, "start.rss"))
        lines += ["## 1. Start to exit of `true` in busybox", "",
                  "Each runtime runs Debian's static busybox; runc and crun get an OCI bundle with the very "
                  "config.json mini executes (`mini run --dry-run`: same namespaces, mounts, capabilities, "
                  "seccomp profile), over a copy of the same rootfs. mini's image is already in its store and "
                  "it mounts an overlay per container; podman runs with `--network none` and the ulimits this "
                  "host needs. hyperfine `-N`, in rounds: every command runs a few times per round and the "
                  "rounds alternate, so a load change hits all columns alike. The tmpfs row is for reference: "
                  "mini with its store on a tmpfs, where crun keeps its state (/run/crun); the gap to the first row "
                  "is what the store's disk costs per container.", "",
                  hyperfine_rows(start, ms, rss), ""]
        mini, crun, podman = (median_of(start, n) for n in ("mini", "crun", "podman"))
        if mini and crun:
            targets.append(f"| `mini run --rm` / `crun run`, median | < 1.0 | {mini / crun:.2f} | {verdict(mini / crun < 1.0)} |")
        else:
            targets.append("| `mini run --rm` / `crun run`, median | < 1.0 | crun unavailable | - |")
        if mini and podman:
            targets.append(f"| `podman run --rm` / `mini run --rm`, median | ≥ 15 | {podman / mini:.1f} | {verdict(podman / mini >= 15)} |")
        else:
            targets.append("| `podman run --rm` / `mini run --rm`, median | ≥ 15 | podman unavailable | - |")

    if pull:
        rss = rss_table(load(out, "pull.rss"))
        unpacked = int((load(out, "unpacked.bytes") or "0").strip() or 0)
        files = int((load(out, "unpacked.files") or "0").strip() or 0)
        compressed = int((load(out, "compressed.bytes") or "0").strip() or 0)
        lines += ["## 2. Pull and unpack of a large image from a local registry", "",
                  f"The image: `debootstrap --variant=minbase bookworm`, then python3, then mixed data: 3 gzip "
                  f"layers, {compressed / 1e6:.0f} MB compressed, {unpacked / 1e6:.0f} MB and {files} files unpacked, "
                  "built at run time with umoci (cached in /var/tmp/mini-bench) and served by docker-registry on "
                  "127.0.0.1. Every run starts from an empty store (then `sync`), one run per command per round. The "
                  "unpack rows start from a store that has the blobs but no layers (mini; it still fetches the "
                  "manifest) or from the blob files (tar, which pipes through gzip).", "",
                  hyperfine_rows(pull, sec, rss), ""]
        mp, pp = median_of(pull, "mini pull"), median_of(pull, "podman pull")
        mu, tar = median_of(pull, "mini unpack (blobs present)"), median_of(pull, "tar -xzf, layer after layer")
        tarp = median_of(pull, "tar -xzf, 3 layers at once")
        if mu and unpacked:
            lines += [f"Unpack throughput: mini {unpacked / mu / 1e6:.0f} MB/s, tar -xzf layer after layer "
                      f"{unpacked / tar / 1e6:.0f} MB/s" + (f", tar -xzf 3 at once {unpacked / tarp / 1e6:.0f} MB/s" if tarp else "")
                      + " (unpacked bytes per second).", ""]
        if mp and pp:
            targets.append(f"| `mini pull` / `podman pull`, median time | ≤ 0.5 | {mp / pp:.2f} | {verdict(mp / pp <= 0.5)} |")
        peak = rss.get("mini pull")
        if peak:
            targets.append(f"| `mini pull` peak RSS | ≤ 32 MiB | {peak / 1024:.1f} MiB | {verdict(peak <= 32 * 1024)} |")
        if mu and tar:
            targets.append(f"| mini unpack time / `tar -xzf` (same 3 layers) | ≤ 1.3 | {mu / tar:.2f} | {verdict(mu / tar <= 1.3)} |")

    if many:
        count = max(r["started"] for r in many)
        lines += [f"## 3. {count} detached containers started at once, then removed", "",
                  f"`mini run -d --network none busybox sleep 600` {count} times in parallel, then one `mini rm -f` of all; "
                  "podman the same with `podman run -d` and `podman rm -f -a -t 0`. Memory is of the processes "
                  "left running per container (mini's monitors, podman's conmon), read from /proc while all "
                  "50 run: PSS splits shared pages between them.", "",
                  "| runtime | reps | start all, median (range) | remove all, median (range) | running | monitor RSS each | all monitors PSS | peak RSS of one `run -d` |",
                  "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for runtime in ("mini", "podman"):
            reps = [r for r in many if r["runtime"] == runtime]
            if not reps:
                continue
            st = [r["start_s"] for r in reps]
            rm = [r["remove_s"] for r in reps]
            mon = reps[-1]["monitors"]
            each = mon["rss_kib"] / mon["count"] / 1024 if mon["count"] else 0
            peak = max(r.get("run_d_peak_rss_kib", 0) for r in reps)
            lines.append(f"| {runtime} | {len(reps)} | {statistics.median(st):.2f} s ({min(st):.2f} – {max(st):.2f}) | "
                         f"{statistics.median(rm):.2f} s ({min(rm):.2f} – {max(rm):.2f}) | {reps[-1]['started']} | "
                         f"{each:.1f} MiB ({mon['count']} processes) | {mon['pss_kib'] / 1024:.1f} MiB | "
                         f"{f'{peak / 1024:.1f} MiB' if peak else '-'} |")
        lines.append("")

    if disk:
        lines += ["## 4. Disk use of two images sharing a base layer", "",
                  "`bench/large:1` (base + python3 + data) and `bench/small:1` (the same base + 8 MB of its own), "
                  "pulled into a fresh store each; `du -sb` (hard links counted once).", "",
                  "| tool | total | compressed blobs | unpacked layers |", "| --- | ---: | ---: | ---: |"]
        for row in disk:
            f = lambda k: f"{row[k] / 1e6:.0f} MB" if k in row else "-"  # noqa: E731
            lines.append(f"| {row['tool']} | {f('total')} | {f('compressed_blobs')} | {f('unpacked_layers')} |")
        lines += ["", "mini keeps each compressed blob beside its unpacked layer (to verify, re-export and "
                  "re-unpack); podman keeps unpacked layers only; umoci unpacks each image into a full bundle.", ""]

    if targets:
        lines[lines.index("## Machine"):lines.index("## Machine")] = [
            "## Targets", "", "| target | wanted | measured | |", "| --- | --- | ---: | --- |", *targets, ""]
    notes = os.path.join(BENCH, "PROFILE.md")
    if os.path.exists(notes):
        lines += [open(notes).read().strip(), ""]
    print("\n".join(lines))


if __name__ == "__main__":
    if sys.argv[1] == "machine":
        machine(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "merge":
        merge(sys.argv[2], sys.argv[3:])
    elif sys.argv[1] == "write":
        write(sys.argv[2])
    elif sys.argv[1] == "rows":
        print(hyperfine_rows(json.load(open(sys.argv[2])), ms))
    else:
        sys.exit(__doc__)
