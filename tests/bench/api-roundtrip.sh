#!/usr/bin/env bash
# Benchmark 1: API round trip. Times one `version` call end to end, as a
# person types it, against private peers started for the run:
#
#   berth  version  -> berthd      vs  docker version -> dockerd   (CLI + engine)
#   docker version  -> berthd      vs  docker version -> dockerd   (same CLI, engine only differs)
#   docker version  -> podman API  vs  docker version -> dockerd
#   curl GET /version on each socket                                (server round trip + curl start)
#
#   sudo bash tests/bench/api-roundtrip.sh [-n RUNS] [-b BUILD_DIR]
#
# Uses hyperfine when present, else a loop timed with date +%s%N. Prints a
# table of mean times and ratios. Not part of ctest's pass/fail.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
runs=${BENCH_RUNS:-50}
build=${BERTH_BUILD_DIR:-$src/build}
while getopts 'n:b:h' opt; do
    case $opt in
        n) runs=$OPTARG ;;
        b) build=$OPTARG ;;
        *) sed -n '2,14s/^# \{0,1\}//p' "$0"; exit 2 ;;
    esac
done
build=$(cd "$build" && pwd)

# shellcheck source=lib/peers.sh
. "$here/lib/peers.sh"
peers_init || exit 1

# The real docker CLI (/usr/local/bin/docker first on PATH), with a private
# config so nothing of the user's leaks in or out.
docker_cli=$(command -v docker) || { echo "no docker CLI on PATH" >&2; exit 1; }
export DOCKER_CONFIG=$PEERS_DIR/docker-config
mkdir -p "$DOCKER_CONFIG"
unset DOCKER_HOST DOCKER_CONTEXT BERTH_HOST

peer_start_dockerd
have_podman=
if command -v podman >/dev/null && peer_start_podman; then have_podman=1; fi
have_berthd=
if [[ -x $build/bin/berthd ]] && peer_start_berthd "$build"; then have_berthd=1; fi

D=${PEER_SOCK[dockerd]}
B=${PEER_SOCK[berthd]:-}
P=${PEER_SOCK[podman]:-}

names=() cmds=()
add() { names+=("$1"); cmds+=("$2"); }
add "docker->dockerd" "$docker_cli -H unix://$D version"
if [[ -n $have_berthd ]]; then
    if [[ -x $build/bin/berth ]]; then
        add "berth->berthd" "$build/bin/berth -H unix://$B version"
    else
        echo "note: $build/bin/berth is not built; skipping berth->berthd" >&2
    fi
    add "docker->berthd" "$docker_cli -H unix://$B version"
else
    echo "note: $build/bin/berthd is not built or did not start; skipping the berthd rows" >&2
fi
[[ -n $have_podman ]] && add "docker->podman" "$docker_cli -H unix://$P version"
add "curl->dockerd" "curl -sf --unix-socket $D http://localhost/v1.41/version"
[[ -n $have_berthd ]] && add "curl->berthd" "curl -sf --unix-socket $B http://localhost/v1.41/version"
[[ -n $have_podman ]] && add "curl->podman" "curl -sf --unix-socket $P http://localhost/v1.41/version"

# Every command must work before it is timed.
for i in "${!cmds[@]}"; do
    if ! ${cmds[$i]} >"$PEERS_DIR/check.out" 2>&1; then
        echo "error: '${names[$i]}' fails: ${cmds[$i]}" >&2
        cat "$PEERS_DIR/check.out" >&2
        exit 1
    fi
done

declare -A mean_ms=() sd_ms=()
if command -v hyperfine >/dev/null; then
    args=()
    for i in "${!cmds[@]}"; do args+=(-n "${names[$i]}" "${cmds[$i]}"); done
    hyperfine -N --warmup 3 --runs "$runs" --style basic \
        --export-csv "$PEERS_DIR/result.csv" "${args[@]}" >&2
    # command,mean,stddev,median,user,system,min,max (seconds)
    while IFS=, read -r name mean sd _; do
        [[ $name == command ]] && continue
        mean_ms[$name]=$(awk -v v="$mean" 'BEGIN { printf "%.2f", v * 1000 }')
        sd_ms[$name]=$(awk -v v="$sd" 'BEGIN { printf "%.2f", v * 1000 }')
    done <"$PEERS_DIR/result.csv"
    method="hyperfine, $runs runs + 3 warm-up each"
else
    for i in "${!cmds[@]}"; do
        for ((w = 0; w < 3; w++)); do ${cmds[$i]} >/dev/null 2>&1; done
        samples=()
        for ((r = 0; r < runs; r++)); do
            t0=$(date +%s%N)
            ${cmds[$i]} >/dev/null 2>&1
            t1=$(date +%s%N)
            samples+=($((t1 - t0)))
        done
        read -r m s < <(printf '%s\n' "${samples[@]}" \
            | awk '{ x += $1; xx += $1 * $1; n++ } END { m = x / n; v = xx / n - m * m; if (v < 0) v = 0;
                     printf "%.2f %.2f\n", m / 1e6, sqrt(v) / 1e6 }')
        mean_ms[${names[$i]}]=$m
        sd_ms[${names[$i]}]=$s
    done
    method="date +%s%N loop, $runs runs + 3 warm-up each"
fi

ratio() {
    [[ -n ${mean_ms[$1]:-} && -n ${mean_ms[$2]:-} ]] || { echo "n/a"; return; }
    awk -v a="${mean_ms[$1]}" -v b="${mean_ms[$2]}" 'BEGIN { printf "%.2fx", a / b }'
}

echo
echo "API round trip: version ($method)"
echo "docker CLI $("$docker_cli" --version | awk '{print $3}' | tr -d ,), dockerd $(dockerd --version | awk '{print $3}' | tr -d ,)$([[ -n $have_podman ]] && echo ", podman $(podman --version | awk '{print $3}')")"
printf '%-18s %12s %10s   %s\n' "case" "mean (ms)" "sd (ms)" "ratio"
baseline_for() {
    case $1 in
        curl-\>*) echo "curl->dockerd" ;;
        *) echo "docker->dockerd" ;;
    esac
}
for name in "${names[@]}"; do
    base=$(baseline_for "$name")
    if [[ $name == "$base" ]]; then r="(baseline)"; else r="$(ratio "$name" "$base") of $base"; fi
    printf '%-18s %12s %10s   %s\n' "$name" "${mean_ms[$name]}" "${sd_ms[$name]}" "$r"
done
