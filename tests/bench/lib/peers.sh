# shellcheck shell=bash
# Start and stop benchmark peers in private directories: dockerd (Debian's
# docker.io, with its own private containerd), podman's API service and a
# private berthd. Source this file, then:
#
#   peers_init                        private base dir + EXIT/INT/TERM trap
#   peer_start_dockerd                sets PEER_SOCK[dockerd]
#   peer_start_podman                 sets PEER_SOCK[podman]
#   peer_start_berthd BUILD_DIR       sets PEER_SOCK[berthd]
#   peer_stop NAME                    SIGTERM by PID, SIGKILL after 15 s
#   peers_stop_all                    (the trap calls it)
#
# Each peer listens only on a Unix socket inside the private base dir, keeps
# its state there, and is stopped by its own PID; nothing touches the host's
# /var/run/docker.sock, /var/lib/docker, /run/containerd or /var/lib/containers.
# Must run as root (dockerd, podman rootful, berthd).

declare -gA PEER_PID=() PEER_SOCK=() PEER_LOG=()
declare -ga PEER_EXTRA_PIDS=()
PEERS_DIR=${PEERS_DIR:-}

peers_log() { printf 'peers: %s\n' "$*" >&2; }

peers_init() {
    if ((EUID != 0)); then
        peers_log "the peers (dockerd, podman, berthd) need root; running as uid $EUID"
        return 1
    fi
    if [[ -z $PEERS_DIR ]]; then
        # Short path: containerd and podman put sockets under it (108-byte limit).
        PEERS_DIR=$(mktemp -d /tmp/berth-peers.XXXXXX)
        PEERS_OWN_DIR=1
    fi
    # dockerd makes "docker" and podman "libpod_parent" below every cgroup
    # root and never removes them: remember which exist, remove new ones.
    PEERS_CGROUPS_BEFORE=$(ls -d /sys/fs/cgroup/docker /sys/fs/cgroup/*/docker \
        /sys/fs/cgroup/libpod_parent /sys/fs/cgroup/*/libpod_parent 2>/dev/null || true)
    trap 'peers_stop_all' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    peers_log "private directory $PEERS_DIR"
}

# peers_wait_socket NAME SOCKET PID [SECONDS]: until GET /_ping answers OK.
peers_wait_socket() {
    local name=$1 sock=$2 pid=$3 limit=${4:-60} i
    for ((i = 0; i < limit * 10; i++)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            peers_log "$name (pid $pid) exited while starting; last lines of ${PEER_LOG[$name]:-its log}:"
            tail -n 20 "${PEER_LOG[$name]:-/dev/null}" >&2 || true
            return 1
        fi
        if [[ -S $sock ]] && [[ $(curl -s --max-time 2 --unix-socket "$sock" http://localhost/_ping 2>/dev/null) == OK ]]; then
            peers_log "$name answers on $sock (pid $pid)"
            return 0
        fi
        sleep 0.1
    done
    peers_log "$name did not answer on $sock within $limit s"
    return 1
}

# peers_stop_pid PID LABEL: SIGTERM, wait up to 15 s, then SIGKILL.
peers_stop_pid() {
    local pid=$1 label=$2 i
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 150; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        peers_log "$label (pid $pid) ignored SIGTERM for 15 s: SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

peer_stop() {
    local name=$1 pid=${PEER_PID[$1]:-}
    [[ -n $pid ]] || return 0
    peers_stop_pid "$pid" "$name"
    unset "PEER_PID[$name]"
    # dockerd's private containerd goes after dockerd.
    if [[ $name == dockerd && -n ${PEER_PID[containerd]:-} ]]; then
        peer_stop containerd
    fi
}

peers_stop_all() {
    local rc=$? name m
    trap - EXIT INT TERM
    for name in berthd podman dockerd containerd; do
        peer_stop "$name"
    done
    if [[ -n ${PEER_BERTH_BRIDGE:-} ]]; then
        ip link del "$PEER_BERTH_BRIDGE" 2>/dev/null || true
        for m in /sys/fs/cgroup/*/"$PEER_BERTH_CGROUP" /sys/fs/cgroup/"$PEER_BERTH_CGROUP"; do
            [[ -d $m ]] && rmdir "$m" 2>/dev/null || true
        done
    fi
    for m in /sys/fs/cgroup/docker /sys/fs/cgroup/*/docker /sys/fs/cgroup/libpod_parent /sys/fs/cgroup/*/libpod_parent; do
        [[ -d $m ]] || continue
        grep -qxF "$m" <<<"${PEERS_CGROUPS_BEFORE:-}" && continue
        find "$m" -depth -type d -exec rmdir {} + 2>/dev/null || peers_log "cgroup $m not empty: left in place"
    done
    # Mounts a peer left in its private directory (overlay, shm): unmount them.
    if [[ -n $PEERS_DIR ]]; then
        for m in $(awk -v r="$PEERS_DIR" 'index($5, r "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
            umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
        done
        if [[ -n ${PEERS_OWN_DIR:-} && -z ${PEERS_KEEP:-} ]]; then
            rm -rf --one-file-system "$PEERS_DIR"
        fi
    fi
    exit "$rc"
}

# --- dockerd (Debian's docker.io) with a private containerd -----------------------
# dockerd 20.10 started without --containerd uses the system containerd when
# /run/containerd/containerd.sock answers, else starts its own under
# --exec-root. Starting a private containerd ourselves and passing its address
# keeps both cases private and stoppable by PID.
peer_start_dockerd() {
    local d=$PEERS_DIR/dockerd
    mkdir -p "$d"/{data,exec,ctd-root,ctd-state}
    cat >"$d/containerd.toml" <<EOF
version = 2
root = "$d/ctd-root"
state = "$d/ctd-state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$d/containerd.sock"
[ttrpc]
  address = "$d/containerd.sock.ttrpc"
[debug]
  address = "$d/containerd-debug.sock"
[metrics]
  address = ""
EOF
    PEER_LOG[containerd]=$d/containerd.log
    containerd --config "$d/containerd.toml" >"$d/containerd.log" 2>&1 &
    PEER_PID[containerd]=$!
    local i
    for ((i = 0; i < 300; i++)); do
        [[ -S $d/containerd.sock ]] && break
        kill -0 "${PEER_PID[containerd]}" 2>/dev/null || { tail -n 20 "$d/containerd.log" >&2; return 1; }
        sleep 0.1
    done
    [[ -S $d/containerd.sock ]] || { peers_log "containerd did not create its socket"; return 1; }

    # dockerd 20.10 writes its trust key to /etc/docker/key.json unless told
    # otherwise; the key's path is a daemon.json setting only.
    printf '{ "deprecated-key-path": "%s/key.json" }\n' "$d" >"$d/daemon.json"
    PEER_SOCK[dockerd]=$d/docker.sock
    PEER_LOG[dockerd]=$d/dockerd.log
    dockerd --config-file "$d/daemon.json" \
        --data-root "$d/data" --exec-root "$d/exec" --pidfile "$d/dockerd.pid" \
        -H "unix://$d/docker.sock" \
        --containerd "$d/containerd.sock" --containerd-namespace berth-bench \
        --containerd-plugins-namespace berth-bench-plugins \
        --bridge=none --iptables=false --ip6tables=false --ip-masq=false --userland-proxy=false \
        >"$d/dockerd.log" 2>&1 &
    PEER_PID[dockerd]=$!
    peers_wait_socket dockerd "$d/docker.sock" "${PEER_PID[dockerd]}" 60
}

# --- podman's Docker-compatible API service -----------------------------------------
peer_start_podman() {
    local d=$PEERS_DIR/podman
    mkdir -p "$d"/{root,runroot,tmp,net}
    PEER_SOCK[podman]=$d/podman.sock
    PEER_LOG[podman]=$d/podman.log
    podman --root "$d/root" --runroot "$d/runroot" --tmpdir "$d/tmp" \
        --network-config-dir "$d/net" --cgroup-manager cgroupfs --events-backend file \
        system service --time=0 "unix://$d/podman.sock" >"$d/podman.log" 2>&1 &
    PEER_PID[podman]=$!
    peers_wait_socket podman "$d/podman.sock" "${PEER_PID[podman]}" 60
}

# --- a private berthd ------------------------------------------------------------
peer_start_berthd() {
    local build=${1:?peer_start_berthd BUILD_DIR} d=$PEERS_DIR/berthd
    [[ -x $build/bin/berthd ]] || { peers_log "$build/bin/berthd is not built"; return 1; }
    mkdir -p "$d/root"
    PEER_SOCK[berthd]=$d/berth.sock
    PEER_LOG[berthd]=$d/berthd.log
    # Its own bridge, subnet and cgroup parent, removed again by peers_stop_all.
    PEER_BERTH_BRIDGE=bb$(($$ % 100000))
    PEER_BERTH_CGROUP=berth-bench-$$
    "$build/bin/berthd" --root "$d/root" --socket "$d/berth.sock" \
        --bridge "$PEER_BERTH_BRIDGE" --bridge-subnet "10.252.$(($$ % 250)).0/24" \
        --cgroup-parent "$PEER_BERTH_CGROUP" >"$d/berthd.log" 2>&1 &
    PEER_PID[berthd]=$!
    peers_wait_socket berthd "$d/berth.sock" "${PEER_PID[berthd]}" 30
}
