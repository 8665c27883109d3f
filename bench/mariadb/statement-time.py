#!/usr/bin/python3
"""statement-time.py RUNS FILE...: apply each SQL file with mariadb (interleaved) on a server started with
--performance-schema=ON (PS_PORT, PS_PIDFILE); median statement time, time in db_manage_history statements, mariadbd CPU."""
import subprocess, sys, statistics, os
M = ['mariadb', '--no-defaults', '-h', '127.0.0.1', '-P', os.environ.get('PS_PORT', '53345'), '-u', 'bench']
pid = open(os.environ['PS_PIDFILE']).read().strip()
tick = os.sysconf('SC_CLK_TCK')
def cpu():
    f = open(f'/proc/{pid}/stat').read().rsplit(')', 1)[1].split(); return (int(f[11]) + int(f[12])) / tick
files = sys.argv[2:]; runs = int(sys.argv[1])
res = {f: [] for f in files}
for r in range(runs):
    for f in (files if r % 2 == 0 else files[::-1]):
        subprocess.run(M + ['-e', 'DROP DATABASE IF EXISTS dg; CREATE DATABASE dg; TRUNCATE performance_schema.events_statements_summary_by_digest'], check=True)
        c0 = cpu()
        with open(f) as fh: subprocess.run(M + ['dg'], stdin=fh, check=True)
        c1 = cpu()
        out = subprocess.run(M + ['-N', '-e', "SELECT ROUND(SUM(SUM_TIMER_WAIT)/1e9), ROUND(SUM(IF(DIGEST_TEXT LIKE '%db_manage_history%' AND DIGEST_TEXT NOT LIKE 'CREATE%', SUM_TIMER_WAIT, 0))/1e9), ROUND(SUM(SUM_LOCK_TIME)/1e9) FROM performance_schema.events_statements_summary_by_digest WHERE SCHEMA_NAME='dg'"], capture_output=True, text=True, check=True).stdout.split()
        res[f].append((float(out[0]), float(out[1]), c1 - c0))
for f in files:
    t = [x[0] for x in res[f]]; h = [x[1] for x in res[f]]; c = [x[2] for x in res[f]]
    print(f'{f:16s} statement time median {statistics.median(t):.0f} ms (min {min(t):.0f}), history statements {statistics.median(h):.0f} ms (min {min(h):.0f}), server CPU {statistics.median(c):.2f} s (min {min(c):.2f})')
