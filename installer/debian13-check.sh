#!/usr/bin/env bash
# Debian 13 build check: builds Berth with Qt 6.8 and KF6 SyntaxHighlighting
# inside a Debian 13 ("trixie") root and runs the unit tests there, so the
# KF6 path is never untested on the Debian 12 machines.
#
#   bash installer/debian13-check.sh [SOURCE_DIR]
#
# Needs root (debootstrap, chroot, mounts). Not root: prints why and exits 77,
# which CTest reports as skipped (style.md C24).
#
# The root is made once with `debootstrap --variant=minbase trixie` and kept
# under /var/cache/berth-ci/trixie-root (BERTH_TRIXIE_ROOT overrides it); later
# runs reuse it when it is healthy. Every run builds a fresh copy of the
# sources inside it. All mounts and processes live in a private mount and PID
# namespace (unshare), so nothing survives the run, whatever happens; the exit
# trap still unmounts and kills explicitly, by PID, and checks.
set -euo pipefail

src=$(cd "${1:-$(dirname "${BASH_SOURCE[0]}")/..}" && pwd)
root=${BERTH_TRIXIE_ROOT:-/var/cache/berth-ci/trixie-root}
jobs=${BERTH_JOBS:-$(nproc)}

log() { printf 'debian13-check: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

if ((EUID != 0)); then
    log "SKIP: needs root for debootstrap, chroot and mounts (running as uid $EUID)"
    exit 77
fi
for tool in debootstrap unshare setpriv chroot flock tar; do
    command -v "$tool" >/dev/null || die "'$tool' is missing; run installer/install-deps.sh first"
done

started=$(date +%s)
mkdir -p "$(dirname "$root")"

# One run at a time per cache (two build dirs may run the suite together).
exec {lockfd}>"$root.lock"
if ! flock -n "$lockfd"; then
    log "waiting for another Debian 13 check using $root"
    flock "$lockfd"
fi

# --- cleanup: no mount, no process left behind ------------------------------------
ns_pid=
mounts_under() {
    # Mount points at or below $1, deepest first. mountinfo escapes spaces as \040.
    awk -v r="$1" '$5 == r || index($5, r "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r
}
procs_in_root() {
    local p link
    for p in /proc/[0-9]*; do
        link=$(readlink "$p/root" 2>/dev/null) || continue
        if [[ $link == "$1" || $link == "$1"/* ]]; then
            printf '%s\n' "${p#/proc/}"
        fi
    done
}
cleanup() {
    local rc=$? pid m
    trap - EXIT INT TERM
    if [[ -n $ns_pid ]] && kill -0 "$ns_pid" 2>/dev/null; then
        # Killing the namespace's first process kills every process in it.
        kill -TERM "$ns_pid" 2>/dev/null || true
        sleep 1
        kill -KILL "$ns_pid" 2>/dev/null || true
        wait "$ns_pid" 2>/dev/null || true
    fi
    # Should the namespace not have held them, these are still the run's own.
    for dir in "$root" "$root.new"; do
        for pid in $(procs_in_root "$dir"); do
            log "killing leftover process $pid in $dir"
            kill -KILL "$pid" 2>/dev/null || true
        done
        for m in $(mounts_under "$dir"); do
            log "unmounting leftover $m"
            umount "$m" 2>/dev/null || umount -l "$m" || true
        done
    done
    if [[ -n $(mounts_under "$root") ]]; then
        log "error: mounts remain under $root"
        rc=1
    fi
    log "finished in $(( $(date +%s) - started )) s (exit $rc)"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Runs "$@" in a private mount + PID namespace; the namespace ends with it.
# pdeathsig: should this script be SIGKILLed (ctest's timeout), unshare gets
# SIGKILL, and --kill-child then takes the namespace's first process, and with
# it every process inside, down too.
in_ns() {
    setpriv --pdeathsig KILL -- unshare --mount --pid --fork --kill-child --propagation private -- "$@" &
    ns_pid=$!
    local rc=0
    wait "$ns_pid" || rc=$?
    ns_pid=
    return "$rc"
}

# --- the mirror: the host's own Debian archive ------------------------------------
mirror=${BERTH_DEBIAN_MIRROR:-}
if [[ -z $mirror ]]; then
    mirror=$( { grep -hsE '^[[:space:]]*URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}'
                grep -hsE '^[[:space:]]*deb[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
                    | sed -E 's/\[[^]]*\]//' | awk '{print $2}'; } \
              | grep -E '/debian/?$' | head -n 1 || true)
    mirror=${mirror%/}
    mirror=${mirror:-http://deb.debian.org/debian}
fi
case $mirror in
    http://*|https://*) ;;
    *) die "mirror '$mirror' is not an http(s) URL" ;;
esac

# --- the cached root ------------------------------------------------------------
healthy() {
    [[ -f $root/.berth-root-ok ]] || return 1
    [[ -x $root/usr/bin/apt-get && -x $root/usr/bin/dpkg && -x $root/bin/bash ]] || return 1
    local audit
    audit=$(chroot "$root" /usr/bin/dpkg --audit 2>&1) || return 1
    [[ -z $audit ]]
}

# Keep apt inside the root from ever starting a service.
write_policy() {
    printf '#!/bin/sh\n# Berth CI root: never start services\nexit 101\n' >"$1/usr/sbin/policy-rc.d"
    chmod 0755 "$1/usr/sbin/policy-rc.d"
}

if healthy; then
    log "reusing cached Debian 13 root $root"
else
    [[ -e $root ]] && log "cached root $root is missing or unhealthy: recreating it"
    [[ -z $(mounts_under "$root") ]] || die "something is mounted under $root; not removing it"
    rm -rf --one-file-system "$root" "$root.new"
    log "debootstrap --variant=minbase trixie from $mirror"
    t0=$(date +%s)
    in_ns debootstrap --variant=minbase trixie "$root.new" "$mirror" >"$root.debootstrap.log" 2>&1 \
        || { tail -n 30 "$root.debootstrap.log" >&2; die "debootstrap failed (log: $root.debootstrap.log)"; }
    write_policy "$root.new"
    touch "$root.new/.berth-root-ok"
    mv "$root.new" "$root"
    log "debootstrap took $(( $(date +%s) - t0 )) s"
fi
write_policy "$root"
rm -f "$root/etc/resolv.conf"
cp -L /etc/resolv.conf "$root/etc/resolv.conf"

# --- a fresh copy of the sources --------------------------------------------------
work=$root/berth-work
rm -rf --one-file-system "$work"
mkdir -p "$work/src"
if git -C "$src" rev-parse --show-toplevel >/dev/null 2>&1 \
        && [[ $(git -C "$src" rev-parse --show-toplevel) == "$src" ]]; then
    # Tracked files plus new files that are not ignored: the working tree as a
    # person sees it, without build directories.
    (cd "$src" && git ls-files -z --cached --others --exclude-standard \
        | while IFS= read -r -d '' f; do [[ -e $f || -L $f ]] && printf '%s\0' "$f"; done \
        | tar --null -T - -cf -) | tar -xf - -C "$work/src"
else
    tar -C "$src" --exclude-vcs --exclude='./build*' --exclude='./tests/artifacts' -cf - . \
        | tar -xf - -C "$work/src"
fi
log "copied $(find "$work/src" -type f | wc -l) source files from $src"

# --- inside the root: deps, configure, build, unit tests --------------------------
cat >"$work/run.sh" <<'EOF'
#!/bin/bash
set -euo pipefail
jobs=$1
export DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 LC_ALL=C.UTF-8 HOME=/root
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
t0=$(date +%s)
BERTH_DEPS_MINIMAL=1 bash /berth-work/src/installer/install-deps.sh
echo "debian13-check: dependencies ready in $(( $(date +%s) - t0 )) s" >&2
t0=$(date +%s)
# No optimisation and no debug info: this checks that the code builds and its
# unit tests pass with Qt 6.8 and KF6, as fast as the 2 cores allow. ccache's
# store lives in the cached root, and the sources always sit at the same path,
# so a rerun recompiles only what changed.
export CCACHE_DIR=/var/cache/berth-ccache CCACHE_MAXSIZE=2G CCACHE_NOHASHDIR=1
cmake -S /berth-work/src -B /berth-work/build -G Ninja -DCMAKE_BUILD_TYPE=None \
    -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
    | tee /berth-work/configure.log
grep -q 'building with KF6 SyntaxHighlighting' /berth-work/configure.log \
    || { echo "debian13-check: error: CMake did not find KF6SyntaxHighlighting" >&2; exit 1; }
cmake --build /berth-work/build -j "$jobs"
echo "debian13-check: build took $(( $(date +%s) - t0 )) s" >&2
qt=$(dpkg-query -W -f='${Version}' qt6-base-dev)
kf=$(dpkg-query -W -f='${Version}' libkf6syntaxhighlighting-dev)
echo "debian13-check: built with Qt $qt (qt6-base-dev) and KF6 SyntaxHighlighting $kf on Debian $(cat /etc/debian_version)"
ccache --show-stats 2>/dev/null | grep -iE 'hits|misses' | head -n 3 || true
ctest --test-dir /berth-work/build -L unit --output-on-failure -j "$jobs"
EOF
chmod +x "$work/run.sh"

# Private namespace: /proc and /dev are mounted for the chroot only, and go
# away with the namespace; the explicit unmounts keep it tidy all the same.
# Only the build's user-visible environment is passed (env -i).
in_ns bash -c '
    set -e
    r=$1; jobs=$2
    mount -t proc proc "$r/proc"
    mount --bind /dev "$r/dev"
    mount -t sysfs sysfs "$r/sys"
    rc=0
    chroot "$r" /usr/bin/env -i /bin/bash /berth-work/run.sh "$jobs" || rc=$?
    umount "$r/dev" || umount -l "$r/dev"
    umount "$r/proc" || umount -l "$r/proc"
    exit "$rc"
' debian13-ns "$root" "$jobs"
log "PASS: Debian 13 build and unit tests"
