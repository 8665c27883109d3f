#!/usr/bin/env python3
"""Cold and warm `upgrade head` of builds side by side, pair by pair (issue 32 goal 5).

    python3 bench/cold-pairs.py --project DIR --db-url URL --recreate 'SHELL' --runs N NAME=PACKAGE_DIR ...

Each round runs, for each build (in an order that rotates), a cold run (its cache folder, DB_MANAGE_SCRIPT_CACHE,
emptied before it) and a warm one, cold first in even rounds and last in odd ones; `--recreate` (a shell command)
makes the database fresh before every run, untimed. Per run: wall time, CPU of the main thread (its schedstat, read
from the finished process before it is reaped, so that the exit handlers' cache writes count), CPU of all threads and
peak RSS (wait4), and the `--debug` phase line's phases. Prints each run, then medians per build and temperature.
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time


def run_once(node, bin_, project, env):
    start = time.perf_counter()
    err = open(os.path.join(project, ".cold-pairs.err"), "w+")
    pid = os.fork()
    if pid == 0:
        os.chdir(project)
        fd = os.open("/dev/null", os.O_WRONLY)
        os.dup2(fd, 1)
        os.dup2(err.fileno(), 2)
        os.execve(node, [node, bin_, "upgrade", "head", "--debug"], env)
    os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
    wall = time.perf_counter() - start
    try:
        with open(f"/proc/{pid}/task/{pid}/schedstat") as f:
            main_ns = int(f.read().split()[0])
    except OSError:
        main_ns = -1
    _, status, ru = os.wait4(pid, 0)
    err.seek(0)
    stderr = err.read()
    err.close()
    if status != 0:
        sys.exit(f"run failed ({status}): {stderr[-2000:]}")
    line = next((l for l in stderr.splitlines() if l.startswith("db-manage: phases:")), "")
    phases = {m.group(1).strip(): int(m.group(2)) for m in re.finditer(r"(?:phases: |, )([a-z -]+?) (\d+) ms", line)}
    return dict(wall=wall, main=main_ns / 1e9, cpu=ru.ru_utime + ru.ru_stime, rss=ru.ru_maxrss / 1024,
                imp=phases.get("script import", -1), hdr=phases.get("headers", -1),
                start=phases.get("start-up", -1), line=line)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--project", required=True)
    ap.add_argument("--db-url", required=True)
    ap.add_argument("--recreate", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--node", default=shutil.which("node"))
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--hook", help="a module for node --import that writes a figure to $COLD2_HOOK_OUT at exit")
    ap.add_argument("builds", nargs="+")
    a = ap.parse_args()
    builds = [b.split("=", 1) for b in a.builds]
    results = {(name, t): [] for name, _ in builds for t in ("cold", "warm")}
    for r in range(-1, a.runs):
        order = builds[r % len(builds):] + builds[:r % len(builds)] if r >= 0 else builds
        for name, dir_ in order:
            cache = f"/tmp/cold-pairs-cache-{name}"
            env = dict(os.environ, DATABASE_URL=a.db_url, DB_MANAGE_SCRIPT_CACHE=cache)
            hook_out = f"/tmp/cold-pairs-hook-{os.getpid()}"
            if a.hook:
                env.update(NODE_OPTIONS=f"--import {a.hook}", COLD2_HOOK_OUT=hook_out)
            for t in (("cold", "warm") if r % 2 == 0 else ("warm", "cold")):
                subprocess.run(a.recreate, shell=True, check=True)
                if t == "cold":
                    shutil.rmtree(cache, ignore_errors=True)
                res = run_once(a.node, os.path.join(dir_, "bin", "run.js"), a.project, env)
                if t == "warm" and "code cache refused" in res["line"]:
                    # A build whose cold run leaves a bundle code cache the next run refuses: warm is the run after.
                    print(f"{r} {name:8} warm: code cache refused, run again", flush=True)
                    subprocess.run(a.recreate, shell=True, check=True)
                    res = run_once(a.node, os.path.join(dir_, "bin", "run.js"), a.project, env)
                if r < 0:
                    continue
                if a.hook:
                    with open(hook_out) as f:
                        res["hook"] = int(f.read().split()[0]) / 1024
                results[(name, t)].append(res)
                print(f"{r} {name:8} {t}: wall {res['wall']:.3f} main {res['main']:.3f} cpu {res['cpu']:.3f} "
                      f"rss {res['rss']:.1f}{' pre-exit %.1f' % res['hook'] if a.hook else ''} import {res['imp']} headers {res['hdr']} start-up {res['start']}"
                      + (f"\n   {res['line']}" if a.verbose else ""), flush=True)
    med = lambda xs: statistics.median(xs)
    print(f"\nmedians of {a.runs} rounds (load now {os.getloadavg()[0]:.1f})")
    print("build     temp  wall    main    cpu     rssMB  import headers start-up")
    for name, _ in builds:
        for t in ("cold", "warm"):
            rs = results[(name, t)]
            print(f"{name:9} {t:5} {med([x['wall'] for x in rs]):.3f}  {med([x['main'] for x in rs]):.3f}  "
                  f"{med([x['cpu'] for x in rs]):.3f}  {med([x['rss'] for x in rs]):6.1f} {med([x['imp'] for x in rs]):6} "
                  f"{med([x['hdr'] for x in rs]):7} {med([x['start'] for x in rs]):8}")
        c, w = results[(name, "cold")], results[(name, "warm")]
        ratio = lambda k: med([ci[k] / wi[k] for ci, wi in zip(c, w)])
        print(f"{name:9} cold/warm pairs: wall {ratio('wall'):.2f}x main {ratio('main'):.2f}x cpu {ratio('cpu'):.2f}x "
              f"rss {ratio('rss'):.2f}x")


if __name__ == "__main__":
    main()
