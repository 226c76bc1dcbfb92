#!/usr/bin/env bash
# Benchmark 3: registry pull and push (issue 6). A ~200 MB image of six
# layers of incompressible data is built offline by a private dockerd and
# pushed to Debian's docker-registry on a loopback port (private storage),
# then timed side by side in the same run:
#
#   pull (into an empty store):  docker pull -> dockerd   vs  docker pull -> berthd
#                                vs berth pull -> berthd  vs  podman pull
#                                vs skopeo copy to a dir (no unpacking: the floor)
#   push (into an empty registry): docker push from dockerd vs docker push -> berthd
#                                vs berth push -> berthd  vs  skopeo copy from a dir
#
#   sudo bash tests/bench/registry-pull-push.sh [-n RUNS] [-b BUILD_DIR] [-s MB] [-l LAYERS]
#
# Uses hyperfine when present. Prints mean and min per case and the ratio
# docker/berth (>1: Berth is faster). Not part of ctest's pass/fail. The
# registry listens on 127.0.0.1 only; nothing goes to the internet.
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
        *) sed -n '2,18s/^# \{0,1\}//p' "$0"; exit 2 ;;
    esac
done
build=$(cd "$build" && pwd)
[[ -x $build/bin/berthd ]] || { echo "$build/bin/berthd is not built" >&2; exit 1; }
[[ -x $build/bin/berth ]] || { echo "$build/bin/berth is not built" >&2; exit 1; }
for tool in docker-registry skopeo podman docker; do
    command -v "$tool" >/dev/null || { echo "$tool is not installed (installer/install-deps.sh)" >&2; exit 1; }
done

# shellcheck source=lib/peers.sh
. "$here/lib/peers.sh"
peers_init || exit 1

docker_cli=$(command -v docker)
export DOCKER_CONFIG=$PEERS_DIR/docker-config
export BERTH_CONFIG=$PEERS_DIR/berth-config
mkdir -p "$DOCKER_CONFIG" "$BERTH_CONFIG"
echo "{}" >"$DOCKER_CONFIG/config.json"   # podman reads it for credentials
unset DOCKER_HOST DOCKER_CONTEXT BERTH_HOST

mkdir -p "$PEERS_DIR/build/bin"
cp "$build/bin/berthd" "$build/bin/berth" "$build/bin/berth-cli" "$PEERS_DIR/build/bin/"
build=$PEERS_DIR/build

# --- the registry: loopback only, private storage --------------------------------
reg=$PEERS_DIR/registry
mkdir -p "$reg/data"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$reg/config.yml" <<YAML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $reg/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
YAML
docker-registry serve "$reg/config.yml" >"$reg/registry.log" 2>&1 &
reg_pid=$!
trap 'rc=$?; peers_stop_pid "$reg_pid" registry; (exit $rc); peers_stop_all' EXIT
for ((i = 0; i < 100; i++)); do
    curl -s "http://127.0.0.1:$port/v2/" >/dev/null && break
    sleep 0.1
done
R=127.0.0.1:$port

peer_start_dockerd
peer_start_berthd "$build"
D=${PEER_SOCK[dockerd]}
B=${PEER_SOCK[berthd]}
berth=$build/bin/berth
pd=$PEERS_DIR/podman-cli
mkdir -p "$pd"/{root,runroot,tmp}
podman="podman --root $pd/root --runroot $pd/runroot --tmpdir $pd/tmp --cgroup-manager cgroupfs --events-backend file"
img=$R/berth-bench/pull:latest
w=$PEERS_DIR/work
mkdir -p "$w/ctx"
say() { printf 'bench: %s\n' "$*" >&2; }

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
"$docker_cli" -H "unix://$D" push "$img" >"$w/push.log" 2>&1 || { cat "$w/push.log" >&2; exit 1; }
# the registry copy, kept aside so each push run can start from an empty registry
cp -a "$reg/data" "$w/registry-seed"
skopeo copy --src-tls-verify=false "docker://$img" "dir:$w/skopeo-src" >/dev/null
"$docker_cli" -H "unix://$D" pull -q "$img" >/dev/null
"$berth" -H "unix://$B" pull -q "$img" >/dev/null
blob_bytes=$(du -sb "$w/skopeo-src" | awk '{ print $1 }')
say "image in the registry: $((blob_bytes / 1048576)) MiB of blobs"

dk="$docker_cli -H unix://$D"
dkb="$docker_cli -H unix://$B"
bb="$berth -H unix://$B"
empty_registry="rm -rf $reg/data/docker; sync"
seed_registry="rm -rf $reg/data/docker; cp -a $w/registry-seed/docker $reg/data/; sync"
names=() cmds=() preps=()
add() { names+=("$1"); cmds+=("$2"); preps+=("$3"); }
add "pull docker->dockerd" "$dk pull -q $img" "$seed_registry; $dk rmi -f $img >/dev/null 2>&1; $dk image prune -af >/dev/null 2>&1; sync"
add "pull docker->berthd" "$dkb pull -q $img" "$seed_registry; $bb rmi -f $img >/dev/null 2>&1; sync"
add "pull berth->berthd" "$bb pull -q $img" "$seed_registry; $bb rmi -f $img >/dev/null 2>&1; sync"
add "pull podman" "$podman pull -q --tls-verify=false $img" "$seed_registry; $podman rmi -af >/dev/null 2>&1; sync"
add "pull skopeo->dir" "skopeo copy -q --src-tls-verify=false docker://$img dir:$w/skopeo-out" "$seed_registry; rm -rf $w/skopeo-out; sync"
add "push docker->dockerd" "$dk push -q $img" "$empty_registry"
add "push docker->berthd" "$dkb push -q $img" "$empty_registry"
add "push berth->berthd" "$bb push -q $img" "$empty_registry"
add "push skopeo<-dir" "skopeo copy -q --dest-tls-verify=false dir:$w/skopeo-src docker://$img" "$empty_registry"

for i in "${!cmds[@]}"; do
    if ! bash -c "${preps[$i]}; ${cmds[$i]}" >"$w/check.out" 2>&1; then
        echo "error: '${names[$i]}' fails: ${cmds[$i]}" >&2
        cat "$w/check.out" >&2
        exit 1
    fi
done

declare -A mean_ms=() min_ms=()
if [[ -z ${BENCH_NO_HYPERFINE:-} ]] && command -v hyperfine >/dev/null; then
    for i in "${!cmds[@]}"; do
        hyperfine --warmup 1 --runs "$runs" --style basic \
            --prepare "${preps[$i]}" --export-csv "$w/result-$i.csv" \
            -n "${names[$i]}" "${cmds[$i]}" >&2
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

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "n/a" }'; }
echo
echo "Registry pull/push: $img, $layers layers of $((layer_kb / 1024)) MiB random data, $((blob_bytes / 1048576)) MiB of blobs ($method)"
echo "docker CLI $("$docker_cli" --version | awk '{print $3}' | tr -d ,), dockerd $(dockerd --version | awk '{print $3}' | tr -d ,), podman $(podman --version | awk '{print $3}'), docker-registry on 127.0.0.1"
printf '%-22s %10s %10s   %-16s %s\n' "case" "mean (ms)" "min (ms)" "docker/this" "(mean, min)"
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
echo "target (registry issue): docker/berth >= 2.00x for pull and push"
