# Never finishes: the wall-clock limit stops the container and keeps what was printed before.
import time

print("working...", flush=True)
while True:
    time.sleep(1)
