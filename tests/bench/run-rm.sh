#!/usr/bin/env bash
# Benchmark 3: container start and removal end to end. The same busybox image
# (installer/make-default-image.sh, imported into every engine) runs `true`
# with --rm, timed from the CLI's start to its exit, side by side in one run:
#
#   berth  run --rm IMAGE true           -> berthd (default bridge network)
#   berth  run --rm --network none ...   -> berthd
#   the same with BERTH_NO_FASTPATH=1    -> berthd  (berth-cli, the Qt path)
#   docker run --rm --network none ...   -> berthd  (the docker CLI, our engine)
#   docker run --rm --network none ...   -> dockerd (Debian's docker.io + containerd + runc)
#   podman run --rm --network none ...   -> podman  (runc, private store)
#
# then, unless BENCH_PHASES=0, where a berth run spends its time (see the end).
#
#   sudo bash tests/bench/run-rm.sh [-n RUNS] [-b BUILD_DIR]
#
# The private dockerd runs without a bridge (tests/bench/lib/peers.sh), so
# the cross-engine comparison uses --network none everywhere; Berth's default
# bridge network is measured on its own line. Prints median, mean and min per
# case and the ratios docker/berth and podman/berth (>1: Berth is faster).
# Checks first that every case really exits 0 and that no container is left.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
runs=${BENCH_RUNS:-30}
build=${BERTH_BUILD_DIR:-$src/build}
while getopts 'n:b:h' opt; do
    case $opt in
        n) runs=$OPTARG ;;
        b) build=$OPTARG ;;
        *) sed -n '2,22s/^# \{0,1\}//p' "$0"; exit 2 ;;
    esac
done
build=$(cd "$build" && pwd)
for b in berthd berth berth-cli berth-shim; do
    [[ -x $build/bin/$b ]] || { echo "$build/bin/$b is not built" >&2; exit 1; }
done

# shellcheck source=lib/peers.sh
. "$here/lib/peers.sh"
peers_init || exit 1

docker_cli=$(command -v docker) || { echo "no docker CLI on PATH" >&2; exit 1; }
export DOCKER_CONFIG=$PEERS_DIR/docker-config
mkdir -p "$DOCKER_CONFIG"
# podman reads DOCKER_CONFIG for credentials and wants the file to exist.
echo "{}" >"$DOCKER_CONFIG/config.json"
unset DOCKER_HOST DOCKER_CONTEXT BERTH_HOST

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

# podman as its own CLI (no API service): private store, runc (crun needs a
# pure cgroup v2 host), cgroupfs, file events.
pd=$PEERS_DIR/podman
mkdir -p "$pd"/{root,runroot,tmp,net}
podman="podman --root $pd/root --runroot $pd/runroot --tmpdir $pd/tmp --network-config-dir $pd/net"
podman+=" --cgroup-manager cgroupfs --events-backend file --runtime runc"

img=berth-bench/busybox:latest
say "importing $img from busybox-static into berthd, dockerd and podman"
bash "$src/installer/make-default-image.sh" "$w/rootfs.tar"
"$build/bin/berth" -H "unix://$B" import "$w/rootfs.tar" "$img" >/dev/null
"$docker_cli" -H "unix://$D" import "$w/rootfs.tar" "$img" >/dev/null
$podman import -q "$w/rootfs.tar" "$img" >/dev/null

bb="$build/bin/berth -H unix://$B"
dkb="$docker_cli -H unix://$B"
dk="$docker_cli -H unix://$D"
# podman's defaults here hit the cgroup v1 hybrid's limits without these.
pm="$podman run --ulimit nofile=1024:1024 --ulimit nproc=1024:1024"
names=() cmds=()
add() { names+=("$1"); cmds+=("$2"); }
add "berth->berthd bridge" "$bb run --rm $img true"
add "berth->berthd none" "$bb run --rm --network none $img true"
add "berth(Qt path) none" "env BERTH_NO_FASTPATH=1 $bb run --rm --network none $img true"
add "docker->berthd none" "$dkb run --rm --network none $img true"
add "docker->dockerd none" "$dk run --rm --network none $img true"
add "podman(runc) none" "$pm --rm --network none $img true"

for i in "${!cmds[@]}"; do
    if ! ${cmds[$i]} >"$w/check.out" 2>&1; then
        echo "error: '${names[$i]}' fails: ${cmds[$i]}" >&2
        cat "$w/check.out" >&2
        exit 1
    fi
done

declare -A med_ms=() mean_ms=() min_ms=()
if [[ -z ${BENCH_NO_HYPERFINE:-} ]] && command -v hyperfine >/dev/null; then
    for i in "${!cmds[@]}"; do
        hyperfine --warmup 3 --runs "$runs" --style basic -N --export-csv "$w/result-$i.csv" \
            -n "${names[$i]}" "${cmds[$i]}" >&2
        # command,mean,stddev,median,user,system,min,max (seconds)
        read -r med mean mn < <(awk -F, 'NR == 2 { printf "%.1f %.1f %.1f\n", $4 * 1000, $2 * 1000, $7 * 1000 }' \
            "$w/result-$i.csv")
        med_ms[${names[$i]}]=$med mean_ms[${names[$i]}]=$mean min_ms[${names[$i]}]=$mn
    done
    method="hyperfine -N, $runs runs + 3 warm-up each"
else
    for i in "${!cmds[@]}"; do
        samples=()
        for ((r = -3; r < runs; r++)); do
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
    method="date +%s%N loop, $runs runs + 3 warm-up each"
fi

# Nothing may be left behind by --rm.
left_b=$($bb ps -aq | wc -l)
left_d=$($dk ps -aq | wc -l)
left_p=$($podman ps -aq | wc -l)

printf '\nrun --rm IMAGE true (%s)\n' "$method"
printf '%-24s %10s %10s %10s\n' case median_ms mean_ms min_ms
for n in "${names[@]}"; do
    printf '%-24s %10s %10s %10s\n' "$n" "${med_ms[$n]}" "${mean_ms[$n]}" "${min_ms[$n]}"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
base=${med_ms["berth->berthd none"]}
printf '\nratios of medians (>1: Berth faster)\n'
printf '  docker->dockerd / berth->berthd (none):   %s\n' "$(ratio "${med_ms["docker->dockerd none"]}" "$base")"
printf '  podman / berth->berthd (none):            %s\n' "$(ratio "${med_ms["podman(runc) none"]}" "$base")"
printf '  docker->dockerd / docker->berthd (none):  %s\n' "$(ratio "${med_ms["docker->dockerd none"]}" "${med_ms["docker->berthd none"]}")"
printf '  berth bridge / berth none:                %s\n' "$(ratio "${med_ms["berth->berthd bridge"]}" "$base")"
printf 'containers left: berthd %s, dockerd %s, podman %s\n' "$left_b" "$left_d" "$left_p"

# Where a berth run goes (BENCH_PHASES=N traced runs, default 10; 0: off):
# the CLI's socket calls timed by strace --seccomp-bpf (only the traced calls
# stop the process), medians in ms from the exec of berth:
#   startup   exec -> connect()         CLI start-up (loader, QtCore, options)
#   create    create request -> 201     berthd: record, bundle dirs
#   attach    attach request -> 101
#   start     start request -> 204      berthd + berth-shim create + start
#   removed   attach EOF (exit) -> wait answer (removed)
#   total     exec -> exit_group
phases=${BENCH_PHASES:-10}
if ((phases > 0)) && command -v strace >/dev/null; then
    for mode in none bridge; do
        net=()
        [[ $mode == none ]] && net=(--network none)
        for ((r = 0; r < phases; r++)); do
            strace --seccomp-bpf -f -ttt -e trace=execve,connect,sendto,write,read,exit_group -s 128 \
                $bb run --rm "${net[@]}" "$img" true 2>&1 >/dev/null | awk '
                NR == 1 { t0 = $1 }
                /connect\(/ && !c { c = $1 }
                /containers\/create HTTP/ && !cq { cq = $1 }
                /201 Created/ && !cr { cr = $1 }
                /\/attach\?/ && !aq { aq = $1; afd = $2; sub(/^[a-z]+\(/, "", afd); sub(/,.*/, "", afd) }
                /101 UPGRADED/ && !ar { ar = $1 }
                /\/start HTTP/ && !sq { sq = $1 }
                /204 No Content/ && !sr { sr = $1 }
                aq && !ae && index($0, "read(" afd ", \"\", ") { ae = $1 }
                /StatusCode/ { w = $1 }
                /exit_group/ { e = $1 }
                END { printf "%.2f %.2f %.2f %.2f %.2f %.2f\n", (c - t0) * 1e3, (cr - cq) * 1e3, (ar - aq) * 1e3,
                             (sr - sq) * 1e3, (w - ae) * 1e3, (e - t0) * 1e3 }'
        done >"$w/phases-$mode.txt"
        printf '\nberth run --rm (%s) phases, median of %d traced runs (ms)\n' "$mode" "$phases"
        printf '%10s %10s %10s %10s %10s %10s\n' startup create attach start removed total
        for col in 1 2 3 4 5 6; do
            awk -v c=$col '{ print $c }' "$w/phases-$mode.txt" | sort -g | awk '
                { v[NR] = $1 } END { printf "%10.2f ", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
        done
        printf '\n'
    done
fi
printf 'load average: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
