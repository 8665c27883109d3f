#!/usr/bin/python3
"""pair.py N RUNS: upgrade head of CHAINS/dN (gen.py --tool db-manage), BEFORE_BIN vs AFTER_BIN vs the floor (mariadb < CHAINS/aN.sql,
Alembic's upgrade head --sql), interleaved, a fresh database each run; wall, the process's CPU, mariadbd's CPU (/proc).
Env: MDB_PORT, MDB_PIDFILE (a server of ../shared/alembic-bench/lib/start-mariadb.sh, user bench), SIDES."""
import os, subprocess, sys, time, statistics, resource
n, runs = sys.argv[1], int(sys.argv[2])
port = os.environ.get('MDB_PORT', '53344')
M = ['mariadb', '--no-defaults', '-h', '127.0.0.1', '-P', port, '-u', 'bench']
pid = open(os.environ.get('MDB_PIDFILE', '/tmp/maria-bench-mariadb/server.pid')).read().strip()
tick = os.sysconf('SC_CLK_TCK')
def srv():
    f = open(f'/proc/{pid}/stat').read().rsplit(')', 1)[1].split()
    return (int(f[11]) + int(f[12])) / tick
sides = {
  'base': ['node', os.path.abspath(os.environ.get('BEFORE_BIN', '/tmp/maria-base/bin/run.js')), 'upgrade', 'head'],
  'new': ['node', os.path.abspath(os.environ.get('AFTER_BIN', 'bin/run.js')), 'upgrade', 'head'],
  'floor': None,
}
only = os.environ.get('SIDES', 'base new floor').split()
res = {k: [] for k in only}
for r in range(runs + 1):
    order = only if r % 2 == 0 else list(reversed(only))
    for k in order:
        db = f'p{n}_{k}'
        subprocess.run(M + ['-e', f'DROP DATABASE IF EXISTS {db}; CREATE DATABASE {db}'], check=True)
        time.sleep(0.3)
        env = dict(os.environ, DATABASE_URL=f'mysql://bench@127.0.0.1:{port}/{db}')
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN); s0 = srv(); t0 = time.perf_counter()
        if sides.get(k):
            subprocess.run(sides[k], cwd=os.path.join(os.environ.get('CHAINS', '/tmp/maria-w'), f'd{n}'), env=env, check=True, stdout=subprocess.DEVNULL)
        else:
            with open(os.path.join(os.environ.get('CHAINS', '/tmp/maria-w'), f'a{n}.sql')) as fh: subprocess.run(M + [db], stdin=fh, check=True)
        t = time.perf_counter() - t0; s1 = srv(); r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        if r > 0: res[k].append((t, r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime, s1 - s0))
med = lambda xs: statistics.median(xs)
for k in only:
    w = [x[0] for x in res[k]]; c = [x[1] for x in res[k]]; s = [x[2] for x in res[k]]
    line = f'{k:6s} wall {med(w):.3f} s (min {min(w):.3f})  client CPU {med(c):.3f} s  server CPU {med(s):.3f} s'
    if 'floor' in res and k != 'floor':
        ratios = [a[0] / b[0] for a, b in zip(res[k], res['floor'])]
        line += f'  wall/floor paired median {med(ratios):.2f}'
    print(line)
