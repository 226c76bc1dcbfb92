#!/usr/bin/env bash
# Benchmark: berth-shim alone, without berthd. One bundle with the default
# busybox image (installer/make-default-image.sh) runs `true`; each round is
#
#   berth-shim create --bundle B   (until its one-line reply)
#   {"op":"watch"} + {"op":"start"} on shim.sock, until the "exited" line
#
# timed with CLOCK_MONOTONIC by a small Python driver (its own start-up is
# outside the timings), then the driver waits for the shim to be gone.
# Prints median, mean and min of create, start-to-exit and the sum, for the
# networks none and host (bridge networking is measured by run-rm.sh), and
# "none+pool": none with a network namespace made before the round (lo up,
# as berthd's pool makes them, core/daemon/netnspool.h) and handed to the
# shim with --netns-fd.
#
#   sudo bash tests/bench/shim-create.sh [-n RUNS] [-b BUILD_DIR]
#
# BERTH_SHIM_LOG=debug also prints the last round's create phases from the
# shim's log (CLOCK_MONOTONIC offsets).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
runs=${BENCH_RUNS:-30}
build=${BERTH_BUILD_DIR:-$src/build}
while getopts 'n:b:h' opt; do
    case $opt in
        n) runs=$OPTARG ;;
        b) build=$OPTARG ;;
        *) sed -n '2,16s/^# \{0,1\}//p' "$0"; exit 2 ;;
    esac
done
shim=$build/bin/berth-shim
[[ -x $shim ]] || { echo "shim-create: $shim is missing (build the berth-shim target)" >&2; exit 1; }
[[ $(id -u) == 0 ]] || { echo "shim-create: needs root" >&2; exit 1; }

work=$(mktemp -d /tmp/berth-shimbench-XXXXXX)
cgparent=berth-shimbench-$$
cleanup() {
    for d in /sys/fs/cgroup/*/"$cgparent" /sys/fs/cgroup/"$cgparent"; do
        [[ -d $d ]] && rmdir "$d" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/layers/base"
bash "$src/installer/make-default-image.sh" - | tar -x -C "$work/layers/base"

python3 - "$shim" "$work" "$cgparent" "$runs" <<'EOF'
import ctypes, fcntl, json, os, socket, statistics, struct, subprocess, sys, threading, time
shim, work, cgparent, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])

libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNET = 0x40000000

def make_netns():
    # What berthd's pool thread does: unshare, keep an fd, lo up, back home.
    out = {}
    def work():
        home = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
        if libc.unshare(CLONE_NEWNET) != 0:
            out["err"] = os.strerror(ctypes.get_errno())
            return
        try:
            out["fd"] = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                flags = struct.unpack("16sH14x", fcntl.ioctl(s.fileno(), 0x8913, struct.pack("16sH14x", b"lo", 0)))[1]
                fcntl.ioctl(s.fileno(), 0x8914, struct.pack("16sH14x", b"lo", flags | 1))  # SIOCSIFFLAGS IFF_UP
        finally:
            libc.setns(home, CLONE_NEWNET)
            os.close(home)
    t = threading.Thread(target=work)
    t.start()
    t.join()
    if "fd" not in out:
        raise RuntimeError("make a network namespace: " + out.get("err", "failed"))
    return out["fd"]

def bundle(mode):
    netmode = mode.split("+")[0]
    cid = (mode.encode().hex() + "ab" * 32)[:64]
    b = os.path.join(work, "c", mode)
    os.makedirs(os.path.join(b, "exec"), exist_ok=True)
    for name, text in (("hostname", "bench\n"), ("hosts", "127.0.0.1\tlocalhost\n"), ("resolv.conf", "nameserver 127.0.0.53\n")):
        with open(os.path.join(b, name), "w") as f:
            f.write(text)
    caps = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
            "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"]
    spec = {"id": cid,
            "rootfs": {"layersDir": os.path.join(work, "layers"), "lower": ["base"], "upper": "upper", "work": "work", "mountPoint": "rootfs"},
            "process": {"args": ["true"], "env": ["PATH=/bin"], "cwd": "/", "user": "", "capabilities": caps,
                        "noNewPrivileges": False, "seccomp": "default"},
            "hostname": "bench",
            "etcFiles": {"hostname": "hostname", "hosts": "hosts", "resolv.conf": "resolv.conf"},
            "network": {"mode": netmode}, "cgroup": {"parent": cgparent},
            "log": {"path": "container.log", "maxSize": 0, "maxFiles": 1}}
    with open(os.path.join(b, "shim.json"), "w") as f:
        json.dump(spec, f)
    return b

def request(path, line):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.sendall((json.dumps(line) + "\n").encode())
    return s

def read_line(s, buf):
    while b"\n" not in buf[0]:
        chunk = s.recv(4096)
        if not chunk:
            raise RuntimeError("shim closed the socket")
        buf[0] += chunk
    line, _, buf[0] = buf[0].partition(b"\n")
    return json.loads(line)

def wait_gone(b):
    try:
        pid = int(open(os.path.join(b, "shim.pid")).read().split()[0])
    except (OSError, ValueError, IndexError):
        return
    for _ in range(2000):
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] in "ZX":
                    return
        except OSError:
            return
        time.sleep(0.001)

def one(b, pooled):
    netns = make_netns() if pooled else None
    extra = ["--netns-fd", str(netns)] if pooled else []
    t0 = time.monotonic_ns()
    r = subprocess.run([shim, "create", "--bundle", b] + extra, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       pass_fds=(netns,) if pooled else ())
    t1 = time.monotonic_ns()
    if pooled:
        os.close(netns)
    if r.returncode != 0:
        raise RuntimeError("create failed: " + r.stdout.decode() + r.stderr.decode())
    sock = os.path.join(b, "shim.sock")
    w = request(sock, {"op": "watch"})
    wb = [b""]
    read_line(w, wb)
    st = request(sock, {"op": "start"})
    reply = read_line(st, [b""])
    if not reply.get("ok"):
        raise RuntimeError("start failed: %r" % reply)
    while read_line(w, wb).get("status") != "exited":
        pass
    t2 = time.monotonic_ns()
    w.close(); st.close()
    code = json.load(open(os.path.join(b, "exit.json")))["exitCode"]
    if code != 0:
        raise RuntimeError("true exited %d" % code)
    wait_gone(b)
    return (t1 - t0) / 1e6, (t2 - t1) / 1e6

for mode in ("none", "none+pool", "host"):
    b = bundle(mode)
    pooled = mode.endswith("+pool")
    one(b, pooled)  # warm-up: page cache, seccomp cache
    rows = [one(b, pooled) for _ in range(runs)]
    for label, vals in (("create", [r[0] for r in rows]), ("start..exit", [r[1] for r in rows]), ("total", [r[0] + r[1] for r in rows])):
        print(f"network {mode:9} {label:12} median {statistics.median(vals):7.2f} ms  mean {statistics.mean(vals):7.2f}  min {min(vals):7.2f}  (n={runs})")
    if os.environ.get("BERTH_SHIM_LOG") == "debug":
        # The last round's phases from shim.log, as offsets on CLOCK_MONOTONIC.
        lines = open(os.path.join(b, "shim.log")).read().splitlines()
        starts = [i for i, l in enumerate(lines) if "preparing the process" in l]
        last = lines[starts[-1]:] if starts else []
        t0 = None
        for l in last:
            mono = next((f for f in l.split() if f.startswith("mono=")), None)
            if mono is None:
                continue
            t = float(mono[5:]) * 1000
            t0 = t if t0 is None else t0
            print(f"    +{t - t0:7.2f} ms  {l.split(': ', 1)[-1]}", file=sys.stderr)
EOF
