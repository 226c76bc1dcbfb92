#!/usr/bin/env bash
# Benchmark 2: image save and load. A ~200 MB image of six layers of
# incompressible data is built offline by a private dockerd, saved once to a
# tar (the common input), then timed side by side in the same run:
#
#   load:  docker load -i TAR -> dockerd  vs  docker load -i TAR -> berthd
#                                         vs  berth load -i TAR  -> berthd
#          (the image is removed before every run: each load starts empty)
#   save:  docker save -o OUT -> dockerd  vs  docker save -o OUT -> berthd
#                                         vs  berth save -o OUT  -> berthd
#
#   sudo bash tests/bench/image-save-load.sh [-n RUNS] [-b BUILD_DIR] [-s MB] [-l LAYERS]
#
# Uses hyperfine when present (BENCH_NO_HYPERFINE=1: not), else a loop timed
# with date +%s%N. Prints mean and min per case, the ratio docker/berth (>1:
# Berth is faster) and the store size each engine used for the image. Not part
# of ctest's pass/fail.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
runs=${BENCH_RUNS:-5}
build=${BERTH_BUILD_DIR:-$src/build}
size_mb=200
layers=6
while getopts 'n:b:s:l:h' opt; do
    case $opt in
        n) runs=$OPTARG ;;
        b) build=$OPTARG ;;
        s) size_mb=$OPTARG ;;
        l) layers=$OPTARG ;;
        *) sed -n '2,17s/^# \{0,1\}//p' "$0"; exit 2 ;;
    esac
done
build=$(cd "$build" && pwd)
[[ -x $build/bin/berthd ]] || { echo "$build/bin/berthd is not built" >&2; exit 1; }
[[ -x $build/bin/berth ]] || { echo "$build/bin/berth is not built" >&2; exit 1; }

# shellcheck source=lib/peers.sh
. "$here/lib/peers.sh"
peers_init || exit 1

docker_cli=$(command -v docker) || { echo "no docker CLI on PATH" >&2; exit 1; }
export DOCKER_CONFIG=$PEERS_DIR/docker-config
mkdir -p "$DOCKER_CONFIG"
unset DOCKER_HOST DOCKER_CONTEXT BERTH_HOST

# Run private copies of berthd and berth: a rebuild of BUILD_DIR during the
# run must not swap the binaries under the benchmark.
mkdir -p "$PEERS_DIR/build/bin"
cp "$build/bin/berthd" "$build/bin/berth" "$build/bin/berth-cli" "$PEERS_DIR/build/bin/"
build=$PEERS_DIR/build

peer_start_dockerd
peer_start_berthd "$build"
D=${PEER_SOCK[dockerd]}
B=${PEER_SOCK[berthd]}
berth=$build/bin/berth
img=berth-bench/save-load:latest
w=$PEERS_DIR/work
mkdir -p "$w/ctx"
say() { printf 'bench: %s\n' "$*" >&2; }

# --- the image: FROM scratch + one COPY per layer of random bytes -------------------
layer_kb=$((size_mb * 1024 / layers))
say "building $img: $layers layers of $layer_kb KiB of /dev/urandom on dockerd"
{
    echo "FROM scratch"
    for ((i = 1; i <= layers; i++)); do
        head -c "$((layer_kb * 1024))" /dev/urandom >"$w/ctx/layer$i.bin"
        echo "COPY layer$i.bin /data/layer$i.bin"
    done
} >"$w/ctx/Dockerfile"
DOCKER_BUILDKIT=0 "$docker_cli" -H "unix://$D" build -q -t "$img" "$w/ctx" >"$w/build.log" 2>&1 \
    || { cat "$w/build.log" >&2; exit 1; }
rm -rf "$w/ctx"
tar=$w/image.tar
"$docker_cli" -H "unix://$D" save -o "$tar" "$img"
tar_bytes=$(stat -c %s "$tar")
nlayers=$("$docker_cli" -H "unix://$D" image inspect -f '{{len .RootFS.Layers}}' "$img")
say "common input: $tar ($((tar_bytes / 1048576)) MiB, $nlayers layers)"

# Empty dockerd: drop the built image and its intermediate (parent) images.
"$docker_cli" -H "unix://$D" rmi -f "$img" >/dev/null
"$docker_cli" -H "unix://$D" image prune -af >/dev/null
left=$("$docker_cli" -H "unix://$D" images -aq | wc -l)
((left == 0)) || { echo "dockerd still has $left images after rmi/prune" >&2; exit 1; }

# The tar is read from the page cache by every engine alike (it was just
# written); nothing is dropped system-wide. `sync` before each run flushes the
# previous run's writes so they are not charged to the next one.
cat "$tar" >/dev/null

dk="$docker_cli -H unix://$D"
dkb="$docker_cli -H unix://$B"
bb="$berth -H unix://$B"
names=() cmds=() preps=()
add() { names+=("$1"); cmds+=("$2"); preps+=("$3"); }
add "load docker->dockerd" "$dk load -q -i $tar" "$dk rmi -f $img >/dev/null 2>&1; sync"
add "load docker->berthd" "$dkb load -q -i $tar" "$dkb rmi -f $img >/dev/null 2>&1; sync"
add "load berth->berthd" "$bb load -q -i $tar" "$bb rmi -f $img >/dev/null 2>&1; sync"
add "save docker->dockerd" "$dk save -o $w/out-dockerd.tar $img" "rm -f $w/out-dockerd.tar; sync"
add "save docker->berthd" "$dkb save -o $w/out-dkb.tar $img" "rm -f $w/out-dkb.tar; sync"
add "save berth->berthd" "$bb save -o $w/out-berth.tar $img" "rm -f $w/out-berth.tar; sync"

# Every command must work once before it is timed (the loads leave the image
# in both engines for the saves).
for i in "${!cmds[@]}"; do
    if ! bash -c "${preps[$i]}; ${cmds[$i]}" >"$w/check.out" 2>&1; then
        echo "error: '${names[$i]}' fails: ${cmds[$i]}" >&2
        cat "$w/check.out" >&2
        exit 1
    fi
done
for f in out-dockerd out-dkb out-berth; do
    n=$(tar -xOf "$w/$f.tar" manifest.json | grep -o '"Layers":\[[^]]*\]' | tr ',' '\n' | wc -l) || n=0
    ((n == nlayers)) || { echo "error: $f.tar's manifest lists $n layers, expected $nlayers" >&2; exit 1; }
done

declare -A mean_ms=() min_ms=()
if [[ -z ${BENCH_NO_HYPERFINE:-} ]] && command -v hyperfine >/dev/null; then
    for i in "${!cmds[@]}"; do
        hyperfine --warmup 1 --runs "$runs" --style basic \
            --prepare "${preps[$i]}" --export-csv "$w/result-$i.csv" \
            -n "${names[$i]}" "${cmds[$i]}" >&2
        # command,mean,stddev,median,user,system,min,max (seconds)
        while IFS=, read -r name mean _ _ _ _ min _; do
            [[ $name == command ]] && continue
            mean_ms[${names[$i]}]=$(awk -v v="$mean" 'BEGIN { printf "%.0f", v * 1000 }')
            min_ms[${names[$i]}]=$(awk -v v="$min" 'BEGIN { printf "%.0f", v * 1000 }')
        done <"$w/result-$i.csv"
    done
    method="hyperfine, $runs runs + 1 warm-up each"
else
    for i in "${!cmds[@]}"; do
        samples=()
        for ((r = -1; r < runs; r++)); do
            bash -c "${preps[$i]}"
            t0=$(date +%s%N)
            bash -c "${cmds[$i]}" >/dev/null 2>&1
            t1=$(date +%s%N)
            ((r < 0)) || samples+=($((t1 - t0)))
        done
        read -r m mn < <(printf '%s\n' "${samples[@]}" \
            | awk 'NR == 1 || $1 < mn { mn = $1 } { x += $1; n++ } END { printf "%.0f %.0f\n", x / n / 1e6, mn / 1e6 }')
        mean_ms[${names[$i]}]=$m
        min_ms[${names[$i]}]=$mn
    done
    method="date +%s%N loop, $runs runs + 1 warm-up each"
fi

# Store sizes with the image loaded once in each (the saves leave it there).
# dockerd: its data root plus its private containerd's root.
sync
kb_dockerd=$(du -sk "$PEERS_DIR/dockerd/data" "$PEERS_DIR/dockerd/ctd-root" | awk '{ s += $1 } END { print s }')
kb_berthd=$(du -sk "$PEERS_DIR/berthd/root" | awk '{ print $1 }')

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "n/a" }'; }

echo
echo "Image save/load: $img, $nlayers layers of $((layer_kb / 1024)) MiB random data, tar $((tar_bytes / 1048576)) MiB ($method)"
echo "docker CLI $("$docker_cli" --version | awk '{print $3}' | tr -d ,), dockerd $(dockerd --version | awk '{print $3}' | tr -d ,), berthd $("$build/bin/berthd" --version 2>/dev/null | awk '{print $NF}')"
printf '%-22s %10s %10s   %-16s %s\n' "case" "mean (ms)" "min (ms)" "docker/berth" "(mean, min)"
for name in "${names[@]}"; do
    op=${name%% *}
    base="$op docker->dockerd"
    if [[ $name == "$base" ]]; then
        r="(baseline)"
    else
        r="$(ratio "${mean_ms[$base]}" "${mean_ms[$name]}"), $(ratio "${min_ms[$base]}" "${min_ms[$name]}")"
    fi
    printf '%-22s %10s %10s   %s\n' "$name" "${mean_ms[$name]}" "${min_ms[$name]}" "$r"
done
echo "store used: dockerd $((kb_dockerd / 1024)) MiB (data-root + containerd root), berthd $((kb_berthd / 1024)) MiB (--root)"
echo "target (image issue): ratio >= 2.00x for load and save"
