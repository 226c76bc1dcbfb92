#!/usr/bin/env bash
# Benchmark 4: image builds with the classic builder, side by side in one run.
# The issue's seven-instruction Dockerfile on the same busybox image
# (installer/make-default-image.sh, imported into both engines):
#
#   FROM busybox / WORKDIR /app / COPY tree /app (40 small files in 4 dirs) /
#   RUN (writes a file from the copied tree) / ENV / EXPOSE / CMD
#
#   first build (--no-cache) and fully cached rebuild, each with
#     docker CLI (DOCKER_BUILDKIT=0) -> dockerd (Debian's docker.io, containerd + runc)
#     docker CLI (DOCKER_BUILDKIT=0) -> berthd
#     berth                          -> berthd
#
#   sudo bash tests/bench/build.sh [-n RUNS] [-b BUILD_DIR]
#
# The private dockerd has no bridge (tests/bench/lib/peers.sh), so its builds
# get --network none; berthd runs RUN steps on its default bridge whatever
# the flag says (it ignores networkmode), which costs it a veth pair per RUN.
# Prints median, mean and min per case and the ratios of medians
# dockerd/berthd (>1: Berth faster). Checks first that every case builds and
# that the built image runs and prints what it was built to print.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
runs=${BENCH_RUNS:-10}
build=${BERTH_BUILD_DIR:-$src/build}
while getopts 'n:b:h' opt; do
    case $opt in
        n) runs=$OPTARG ;;
        b) build=$OPTARG ;;
        *) sed -n '2,21s/^# \{0,1\}//p' "$0"; exit 2 ;;
    esac
done
build=$(cd "$build" && pwd)
for b in berthd berth berth-shim; do
    [[ -x $build/bin/$b ]] || { echo "$build/bin/$b is not built" >&2; exit 1; }
done

# shellcheck source=lib/peers.sh
. "$here/lib/peers.sh"
peers_init || exit 1

docker_cli=$(command -v docker) || { echo "no docker CLI on PATH" >&2; exit 1; }
export DOCKER_CONFIG=$PEERS_DIR/docker-config
mkdir -p "$DOCKER_CONFIG"
echo "{}" >"$DOCKER_CONFIG/config.json"
unset DOCKER_HOST DOCKER_CONTEXT BERTH_HOST
export DOCKER_BUILDKIT=0

# Private copies of the binaries: a rebuild during the run must not swap them.
mkdir -p "$PEERS_DIR/build/bin"
cp "$build"/bin/{berthd,berth,berth-cli,berth-shim} "$PEERS_DIR/build/bin/"
[[ -x $build/bin/berth-init ]] && cp "$build/bin/berth-init" "$PEERS_DIR/build/bin/"
build=$PEERS_DIR/build

peer_start_dockerd
peer_start_berthd "$build"
D=${PEER_SOCK[dockerd]}
B=${PEER_SOCK[berthd]}
w=$PEERS_DIR/work
mkdir -p "$w"
say() { printf 'bench: %s\n' "$*" >&2; }

img=berth-bench/busybox:latest
say "importing $img from busybox-static into berthd and dockerd"
bash "$src/installer/make-default-image.sh" "$w/rootfs.tar"
"$build/bin/berth" -H "unix://$B" import -c 'CMD ["sh"]' "$w/rootfs.tar" "$img" >/dev/null
"$docker_cli" -H "unix://$D" import -c 'CMD ["sh"]' "$w/rootfs.tar" "$img" >/dev/null

# The context: the Dockerfile and a small tree.
ctx=$w/context
mkdir -p "$ctx/tree"
for d in a b c d; do
    mkdir -p "$ctx/tree/$d"
    for f in $(seq 1 10); do
        printf 'file %s/%s\n' "$d" "$f" >"$ctx/tree/$d/$f.txt"
    done
done
cat >"$ctx/Dockerfile" <<EOF
FROM $img
WORKDIR /app
COPY tree /app
RUN cat /app/a/1.txt /app/d/10.txt > /app/summary.txt
ENV APP_MODE=bench
EXPOSE 8080
CMD ["cat", "/app/summary.txt"]
EOF
expected=$(printf 'file a/1\nfile d/10\n')

bb="$build/bin/berth -H unix://$B"
dkb="$docker_cli -H unix://$B"
dk="$docker_cli -H unix://$D"
names=() cmds=()
add() { names+=("$1"); cmds+=("$2"); }
add "first: docker->dockerd" "$dk build -q --no-cache --network none -t bench-d $ctx"
add "first: docker->berthd" "$dkb build -q --no-cache --network none -t bench-db $ctx"
add "first: berth->berthd" "$bb build -q --no-cache -t bench-b $ctx"
add "cached: docker->dockerd" "$dk build -q --network none -t bench-d $ctx"
add "cached: docker->berthd" "$dkb build -q --network none -t bench-db $ctx"
add "cached: berth->berthd" "$bb build -q -t bench-b $ctx"

for i in "${!cmds[@]}"; do
    if ! ${cmds[$i]} >"$w/check.out" 2>&1; then
        echo "error: '${names[$i]}' fails: ${cmds[$i]}" >&2
        cat "$w/check.out" >&2
        exit 1
    fi
done
# The images print what they were built to print.
for check in "$dk run --rm --network none bench-d" "$bb run --rm --network none bench-b" \
    "$bb run --rm --network none bench-db"; do
    got=$($check)
    [[ $got == "$expected" ]] || { echo "error: '$check' printed '$got', not '$expected'" >&2; exit 1; }
done
# A cached rebuild really is one: every step after FROM from the cache.
cached=$($bb build -t bench-b "$ctx" | grep -c 'Using cache' || true)
((cached == 6)) || { echo "error: the cached rebuild used the cache for $cached of 6 steps" >&2; exit 1; }

declare -A med_ms=() mean_ms=() min_ms=()
if [[ -z ${BENCH_NO_HYPERFINE:-} ]] && command -v hyperfine >/dev/null; then
    for i in "${!cmds[@]}"; do
        hyperfine --warmup 2 --runs "$runs" --style basic -N --export-csv "$w/result-$i.csv" \
            -n "${names[$i]}" "${cmds[$i]}" >&2
        read -r med mean mn < <(awk -F, 'NR == 2 { printf "%.1f %.1f %.1f\n", $4 * 1000, $2 * 1000, $7 * 1000 }' \
            "$w/result-$i.csv")
        med_ms[${names[$i]}]=$med mean_ms[${names[$i]}]=$mean min_ms[${names[$i]}]=$mn
    done
    method="hyperfine -N, $runs runs + 2 warm-up each"
else
    for i in "${!cmds[@]}"; do
        samples=()
        for ((r = -2; r < runs; r++)); do
            t0=$(date +%s%N)
            ${cmds[$i]} >/dev/null 2>&1
            t1=$(date +%s%N)
            ((r < 0)) || samples+=($((t1 - t0)))
        done
        read -r med m mn < <(printf '%s\n' "${samples[@]}" | sort -n | awk '
            { v[NR] = $1; x += $1 } END {
                med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
                printf "%.1f %.1f %.1f\n", med / 1e6, x / NR / 1e6, v[1] / 1e6 }')
        med_ms[${names[$i]}]=$med mean_ms[${names[$i]}]=$m min_ms[${names[$i]}]=$mn
    done
    method="date +%s%N loop, $runs runs + 2 warm-up each"
fi

left_b=$($bb ps -aq | wc -l)
left_d=$($dk ps -aq | wc -l)

printf '\nbuild of the seven-instruction Dockerfile (%s)\n' "$method"
printf '%-26s %10s %10s %10s\n' case median_ms mean_ms min_ms
for n in "${names[@]}"; do
    printf '%-26s %10s %10s %10s\n' "$n" "${med_ms[$n]}" "${mean_ms[$n]}" "${min_ms[$n]}"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
printf '\nratios of medians (>1: Berth faster)\n'
for phase in first cached; do
    printf '  %-6s docker->dockerd / berth->berthd:   %s\n' "$phase" \
        "$(ratio "${med_ms["$phase: docker->dockerd"]}" "${med_ms["$phase: berth->berthd"]}")"
    printf '  %-6s docker->dockerd / docker->berthd:  %s\n' "$phase" \
        "$(ratio "${med_ms["$phase: docker->dockerd"]}" "${med_ms["$phase: docker->berthd"]}")"
done
printf 'containers left after the builds: berthd %s, dockerd %s\n' "$left_b" "$left_d"
