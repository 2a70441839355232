"""timestamp.py LOG CMD...: runs CMD with stdout and stderr merged, writes
each line to LOG prefixed with the seconds since the start, prints the total
seconds, and exits with CMD's status. Used by bench/auto.sh to see where a
build's time goes."""
import subprocess
import sys
import time

log, cmd = sys.argv[1], sys.argv[2:]
t0 = time.monotonic()
with open(log, "w") as out:
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    for line in p.stdout:
        out.write(f"{time.monotonic() - t0:8.3f} {line.decode(errors='replace')}")
    rc = p.wait()
    total = time.monotonic() - t0
    out.write(f"{total:8.3f} == exit {rc}\n")
print(f"{total:.2f}")
sys.exit(rc)
