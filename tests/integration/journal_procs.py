"""journal_procs.py: a run's journal as the integration tests read it
(imported by their python3 snippets through PYTHONPATH).

read(path) gives the instance records by id and, per instance id, the
samples of its workload processes (each a dict of pidstat fields: cpu,
cpu_num, threads, dt, ...), in journal order."""
import json


def read(path):
    insts, procs = {}, {}
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            if r.get("type") == "instance":
                insts[r["id"]] = r
            elif r.get("type") == "sample":
                for p in r.get("procs", []):
                    if p.get("role") == "workload":
                        procs.setdefault(r["inst"], []).append(p)
    return insts, procs
