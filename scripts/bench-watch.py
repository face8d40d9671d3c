#!/usr/bin/env python3
"""Watch fan-out: N Server-Sent Events watchers of one path on one member, one change.

    scripts/bench-watch.py [WATCHERS] [ROUNDS]     # default 10000 watchers, 5 changes

Builds nothing: runs the release binary (swift build -c release --product paddock first).
Starts a single-node member on a free loopback port with data in a temporary directory
(stopped by PID at the end), opens WATCHERS streams on /v1/watch/fan, then sets /fan
ROUNDS times, one at a time, and reports for each change the delivery latency over all
watchers (p50, p99, max: from sending the write to each watcher's event), plus the
member's resident memory per watcher (RSS with the watchers open minus RSS before, over
WATCHERS). Needs `ulimit -n` above WATCHERS + 100.
"""
import asyncio, os, resource, shutil, socket, statistics, subprocess, sys, tempfile, time, urllib.request

watchers = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
binary = subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=root,
                        capture_output=True, text=True, check=True).stdout.strip() + "/paddock"
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, watchers + 1_000)), hard))

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0

def request(port, method, path, body=b""):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body or None, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status, r.read()

async def watcher(port, ready, arrivals, index):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /v1/watch/fan HTTP/1.1\r\nHost: x\r\n\r\n")
    await writer.drain()
    await reader.readuntil(b"\r\n\r\n")
    ready.append(index)
    buffer = b""
    while True:
        chunk = await reader.read(65536)
        if not chunk:
            return
        buffer += chunk
        while b"\n\n" in buffer:
            block, buffer = buffer.split(b"\n\n", 1)
            if b"event: changed" in block:
                arrivals.append((index, time.monotonic()))

async def main():
    work = tempfile.mkdtemp(prefix="paddock-watch-bench.")
    port = free_port()
    server = subprocess.Popen([binary, "serve", "--listen", f"127.0.0.1:{port}", "--data-dir", work + "/data",
                               "--connections-max", str(watchers + 100)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                if request(port, "GET", "/readyz")[0] == 200:
                    break
            except Exception:
                time.sleep(0.1)
        request(port, "POST", "/v1/nodes/fan", b'{"data":"0"}')
        before = rss_kib(server.pid)
        ready, arrivals = [], []
        tasks = []
        for i in range(watchers):
            tasks.append(asyncio.create_task(watcher(port, ready, arrivals, i)))
            if i % 200 == 199:
                await asyncio.sleep(0.01)
        while len(ready) < watchers:
            await asyncio.sleep(0.05)
        await asyncio.sleep(1)
        with_watchers = rss_kib(server.pid)
        print(f"{watchers} watchers open; member RSS {before} KiB before, {with_watchers} KiB with them: "
              f"{(with_watchers - before) * 1024 / watchers:.0f} bytes per watcher")
        loop = asyncio.get_running_loop()
        for r in range(rounds):
            arrivals.clear()
            sent = time.monotonic()
            status, _ = await loop.run_in_executor(None, request, port, "PUT", "/v1/nodes/fan", f'{{"data":"{r + 1}"}}'.encode())
            answered = time.monotonic()
            deadline = answered + 60
            while len(arrivals) < watchers and time.monotonic() < deadline:
                await asyncio.sleep(0.005)
            latencies = sorted((t - sent) * 1000 for _, t in arrivals)
            if not latencies:
                print(f"change {r + 1}: no event arrived")
                continue
            p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]
            print(f"change {r + 1}: {len(latencies)}/{watchers} delivered; from the write sent "
                  f"(answered after {(answered - sent) * 1000:.1f} ms): "
                  f"p50 {p(0.50):.1f} ms, p99 {p(0.99):.1f} ms, max {latencies[-1]:.1f} ms")
            await asyncio.sleep(0.5)
        for task in tasks:
            task.cancel()
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(work, ignore_errors=True)

asyncio.run(main())
