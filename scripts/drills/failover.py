"""Failover drill against `make cluster` (docs/cluster.md): concurrent edits through nginx, the
primary's node killed outright (its pg_autoctl keeper and PostgreSQL, SIGKILL) after a few seconds;
then every edit answered 201 is looked up on the new primary.

    .venv/bin/python scripts/drills/failover.py --token gpt_... [--layer parks] [--seconds 40]

Prints the seconds during which edits failed and the count of acknowledged edits found/lost.
"""
import argparse
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import psycopg
import requests

DIR = Path(os.environ.get("CLUSTER_DIR", "/var/tmp/geoportal-cluster"))
MONITOR = "host=127.0.0.1 port=5435 user=autoctl_node dbname=pg_auto_failover"


def primary() -> tuple[str, int] | None:
    with psycopg.connect(MONITOR, autocommit=True) as conn:
        row = conn.execute("SELECT nodename, nodeport FROM pgautofailover.node WHERE reportedstate IN "
                           "('primary','wait_primary','single') AND goalstate IN ('primary','wait_primary','single')"
                           ).fetchone()
    return (row[0], row[1]) if row else None


def kill_node(name: str) -> None:
    pgid = int((DIR / f"{name.replace('node', 'node')}.pid").read_text())
    postmaster = int((DIR / name / "postmaster.pid").read_text().split()[0])
    os.killpg(pgid, signal.SIGKILL)
    os.kill(postmaster, signal.SIGKILL)
    subprocess.run(["pkill", "-KILL", "-P", str(postmaster)], check=False)  # its backends, by parent pid


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--token", required=True)
    parser.add_argument("--layer", default="parks")
    parser.add_argument("--url", default="http://127.0.0.1:8081")
    parser.add_argument("--seconds", type=float, default=40)
    parser.add_argument("--kill-after", type=float, default=8)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    headers = {"Authorization": f"Bearer {args.token}"}
    sample = requests.get(f"{args.url}/api/layers/{args.layer}/features/?limit=1", timeout=10).json()["features"][0]
    acknowledged: list[int] = []
    failures: list[float] = []
    lock = threading.Lock()
    start = time.monotonic()

    def edit(worker: int) -> None:
        n = 0
        while time.monotonic() - start < args.seconds:
            n += 1
            body = {"type": "Feature", "geometry": sample["geometry"],
                    "properties": {**{k: v for k, v in sample["properties"].items() if not k.startswith("_")},
                                   "name": f"drill {worker}-{n}"}}
            try:
                response = requests.post(f"{args.url}/api/layers/{args.layer}/features/", json=body,
                                         headers=headers, timeout=15)
                ok = response.status_code == 201
            except requests.RequestException:
                ok = False
            with lock:
                if ok:
                    acknowledged.append(response.json()["id"])
                else:
                    failures.append(time.monotonic() - start)
            if not ok:
                time.sleep(0.2)

    threads = [threading.Thread(target=edit, args=(i,)) for i in range(args.threads)]
    for thread in threads:
        thread.start()
    time.sleep(args.kill_after)
    old = primary()
    print(f"killing {old[0]} (port {old[1]}) at {time.monotonic() - start:.1f} s")
    kill_node(old[0])
    for thread in threads:
        thread.join()
    new = primary()
    print(f"new primary: {new}")
    with psycopg.connect(host="127.0.0.1", port=new[1], user="geoportal", dbname="geoportal_cluster") as conn:
        found = conn.execute("SELECT count(*) FROM layers_feature WHERE id = ANY(%s)", [acknowledged]).fetchone()[0]
    window = (max(failures) - min(failures)) if failures else 0.0
    print(f"edits acknowledged {len(acknowledged)}, found on the new primary {found}, lost {len(acknowledged) - found}")
    print(f"failed requests {len(failures)}, between {min(failures, default=0):.1f} s and "
          f"{max(failures, default=0):.1f} s: {window:.1f} s of errors")


if __name__ == "__main__":
    main()
