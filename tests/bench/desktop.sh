#!/usr/bin/env bash
# Benchmark: berth-desktop against a private berthd holding 200 containers
# (created; some running, some exited) and 50 images:
#
#   cold start      process start -> the containers table painted with rows
#   RSS             resident memory once containers and images are loaded
#   startup stall   longest UI-thread block while loading (5 ms heartbeat)
#   live logs       a container printing 1,000,000 lines followed in the
#                   Logs tab: lines received, the longest UI-thread block,
#                   RSS at the end (anonymous vs file-backed, malloc's
#                   figures, the log model's own bytes) and the load average
#
#   sudo bash tests/bench/desktop.sh [-n RUNS] [-b BUILD_DIR] [-e ENGINE_BUILD_DIR]
#                                    [-c CONTAINERS] [-i IMAGES] [-l LOG_LINES]
#
# BUILD_DIR has bin/berth-desktop; ENGINE_BUILD_DIR (default: the same) has
# bin/berthd, bin/berth and bin/berth-shim. The desktop runs under xvfb-run
# when it is installed, else with -platform offscreen. The figures come from
# the desktop's own measuring hook (BERTH_DESKTOP_BENCH=1, gui/app/benchprobe.h).
# Targets: first paint < 300 ms, RSS < 100 MB, no UI-thread stall > 50 ms.
# Not part of ctest's pass/fail.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
runs=${BENCH_RUNS:-5}
build=${BERTH_BUILD_DIR:-$src/build}
engine=
containers=200
images=50
loglines=1000000
while getopts 'n:b:e:c:i:l:h' opt; do
    case $opt in
        n) runs=$OPTARG ;;
        b) build=$OPTARG ;;
        e) engine=$OPTARG ;;
        c) containers=$OPTARG ;;
        i) images=$OPTARG ;;
        l) loglines=$OPTARG ;;
        *) sed -n '2,21s/^# \{0,1\}//p' "$0"; exit 2 ;;
    esac
done
build=$(cd "$build" && pwd)
engine=$(cd "${engine:-$build}" && pwd)
[[ -x $build/bin/berth-desktop ]] || { echo "$build/bin/berth-desktop is not built" >&2; exit 1; }
[[ -x $engine/bin/berth ]] || { echo "$engine/bin/berth is not built" >&2; exit 1; }

# shellcheck source=lib/peers.sh
. "$here/lib/peers.sh"
peers_init || exit 1
say() { printf 'bench: %s\n' "$*" >&2; }

peer_start_berthd "$engine"
B=${PEER_SOCK[berthd]}
berth() { "$engine/bin/berth" -H "unix://$B" "$@"; }
prefix=deskbench$$

# Containers go before berthd does (their shims outlive a stopped berthd).
cleanup() {
    local ids
    ids=$(berth ps -aq --filter "name=$prefix" 2>/dev/null || true)
    if [[ -n $ids ]]; then
        # shellcheck disable=SC2086
        berth rm -f $ids >/dev/null 2>&1 || true
    fi
    peers_stop_all
}
trap cleanup EXIT

w=$PEERS_DIR/work
mkdir -p "$w" "$w/home"
bash "$src/installer/make-default-image.sh" "$w/rootfs.tar" >/dev/null
img=$prefix/busybox:latest
say "importing $images images"
berth import "$w/rootfs.tar" "$img" >/dev/null
for ((i = 1; i < images; i++)); do
    berth import -c "LABEL bench.index=$i" "$w/rootfs.tar" "$prefix/image$i:v$i" >/dev/null
done

say "creating $containers containers (every 10th running, every 10th exited)"
for ((i = 0; i < containers; i++)); do
    name=${prefix}-c$i
    case $((i % 10)) in
        0) berth run -d --network none --name "$name" "$img" sleep 3600 >/dev/null ;;
        1) berth run --network none --name "$name" "$img" true >/dev/null ;;
        *) berth create --network none --name "$name" "$img" sleep 3600 >/dev/null ;;
    esac
done

if command -v xvfb-run >/dev/null; then
    display=(xvfb-run -a -s "-screen 0 1600x1000x24")
    platform=()
    where="Xvfb"
else
    display=()
    platform=(-platform offscreen)
    where="offscreen"
fi

# desktop SECONDS [LOG_CONTAINER]: one run; prints its bench: lines.
desktop() {
    local seconds=$1 logs=${2:-}
    HOME=$w/home XDG_CONFIG_HOME=$w/home/.config BERTH_DESKTOP_BENCH=1 BERTH_DESKTOP_BENCH_SECONDS=$seconds \
        BERTH_DESKTOP_BENCH_LOGS=$logs LC_ALL=C.UTF-8 \
        timeout $((seconds + 60)) "${display[@]}" "$build/bin/berth-desktop" "${platform[@]}" \
        -H "unix://$B" --no-start-helper 2>&1 >/dev/null | grep '^bench: ' || true
}

value() { sed -n "s/^bench: $1 //p" | tail -n 1; }

say "cold starts ($runs runs, $where)"
paints=() rss=() stalls=()
for ((r = 0; r < runs; r++)); do
    out=$(desktop 1)
    paints+=("$(value first-paint-ms <<<"$out")")
    rss+=("$(value rss-kb <<<"$out")")
    stalls+=("$(value startup-max-stall-ms <<<"$out")")
done

say "following $loglines log lines live"
berth run -d --network none --name "${prefix}-logs" "$img" \
    sh -c "i=0; while [ \$i -lt $loglines ]; do echo \"line \$i of the desktop log benchmark, some padding to look like a real log line\"; i=\$((i+1)); done; sleep 3600" >/dev/null
start=$(date +%s)
out=$(desktop 40 "${prefix}-logs")
log_lines=$(value log-lines <<<"$out")
log_stall=$(value max-stall-ms <<<"$out")
log_rss=$(value rss-end-kb <<<"$out")
log_kept=$(value log-rows-kept <<<"$out")
log_kb=$(value log-line-kb <<<"$out")
log_alloc=$(value log-allocated-kb <<<"$out")
anon=$(value smaps-anonymous-kb <<<"$out")
shared_clean=$(value smaps-shared-clean-kb <<<"$out")
private_clean=$(value smaps-private-clean-kb <<<"$out")
private_dirty=$(value smaps-private-dirty-kb <<<"$out")
heap_in_use=$(value malloc-in-use-kb <<<"$out")
heap_free=$(value malloc-free-kb <<<"$out")
load_during=$(cut -d' ' -f1-3 /proc/loadavg)
produced=$(berth logs "${prefix}-logs" 2>/dev/null | wc -l)

stats() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {if (NR == 0) {print "n/a"; exit} printf "median %s, min %s, max %s", a[int((NR+1)/2)], a[1], a[NR]}'; }
echo
echo "berth-desktop ($where), $containers containers, $images images, $runs cold starts"
echo "  first paint of the containers view (ms):  $(stats "${paints[@]}")   target < 300"
echo "  RSS after loading (kB):                   $(stats "${rss[@]}")   target < 102400"
echo "  longest UI-thread stall while loading (ms): $(stats "${stalls[@]}")"
echo "  live logs: ${log_lines:-n/a} of $loglines lines received in 40 s (the container had written $produced by the end)"
echo "  longest UI-thread stall while following (ms): ${log_stall:-n/a}   target < 50"
echo "  RSS after following (kB): ${log_rss:-n/a}   target < 102400"
echo "    of which anonymous ${anon:-n/a}, file-backed shared ${shared_clean:-n/a} + private clean ${private_clean:-n/a}; private dirty ${private_dirty:-n/a}"
echo "    malloc in use ${heap_in_use:-n/a}, free in the heap ${heap_free:-n/a}"
echo "    log view: ${log_kept:-n/a} lines kept in ${log_kb:-n/a} kB (${log_alloc:-n/a} kB allocated)"
echo "  load average at the end of the follow run: $load_during"
echo "  (started $(date -d "@$start" -u +%H:%M:%S) UTC)"
