#!/usr/bin/env bash
# Sets Berth up on a Debian 12 or 13 machine, from a checkout of the sources.
#
#   bash installer/berth-setup.sh run    install dependencies, build in ./build,
#                                        start berthd (root, /var/lib/berth,
#                                        /run/berth/berth.sock) unless one answers,
#                                        import busybox:latest into an empty store,
#                                        open berth-desktop
#   bash installer/berth-setup.sh test   install dependencies, build in ./build,
#                                        run the whole CTest suite; exits with
#                                        ctest's exit code
#
# Environment: BERTH_BUILD_DIR (default ./build), BERTH_ROOT (/var/lib/berth),
# BERTH_SOCKET (/run/berth/berth.sock), BERTH_LOG (/var/log/berth/berthd.log),
# BERTH_NO_GUI=1 (run: stop before opening the window), BERTH_BUILD_TARGETS
# (build only these targets; default all).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/.." && pwd)
build=${BERTH_BUILD_DIR:-$src/build}
state_root=${BERTH_ROOT:-/var/lib/berth}
socket=${BERTH_SOCKET:-/run/berth/berth.sock}
daemon_log=${BERTH_LOG:-/var/log/berth/berthd.log}

log() { printf 'berth-setup: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
usage() {
    sed -n '2,13s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
    exit 2
}

# Root work (apt, berthd) runs directly as root, else through sudo.
as_root() {
    if ((EUID == 0)); then
        "$@"
    elif command -v sudo >/dev/null; then
        sudo -- "$@"
    else
        die "'$*' needs root: run this script as root or install sudo"
    fi
}

install_deps() {
    log "checking dependencies"
    as_root bash "$here/install-deps.sh"
}

configure_and_build() {
    # ccache (installed by install-deps.sh) with paths relative to the source
    # tree, so a fresh clone elsewhere reuses what an earlier build compiled.
    local launcher=()
    if command -v ccache >/dev/null; then
        export CCACHE_BASEDIR=$src CCACHE_NOHASHDIR=true
        launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    fi
    if [[ ! -f $build/build.ninja ]]; then
        log "configuring $build (Ninja)"
        cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}"
    fi
    # BERTH_BUILD_TARGETS="berthd berth" builds only those (default: everything).
    local targets=()
    [[ -n ${BERTH_BUILD_TARGETS:-} ]] && read -r -a targets <<<"$BERTH_BUILD_TARGETS"
    log "building in $build${targets:+ (targets: ${targets[*]})}"
    cmake --build "$build" ${targets:+--target "${targets[@]}"}
}

berth_cli() { "$build/bin/berth" -H "unix://$socket" "$@"; }

helper_answers() { berth_cli version >/dev/null 2>&1; }

start_helper() {
    if helper_answers; then
        log "berthd already answers on $socket"
        return
    fi
    log "starting berthd (root $state_root, socket $socket, log $daemon_log)"
    # Detached from this shell: its own session, no terminal, output to the log
    # (opened by the root shell, so the log may live where only root writes).
    as_root sh -c 'mkdir -p "$2" "$(dirname "$3")" "$(dirname "$4")" &&
        exec setsid --fork "$1" --root "$2" --socket "$3" </dev/null >>"$4" 2>&1' \
        berth-setup "$build/bin/berthd" "$state_root" "$socket" "$daemon_log"
    local i
    for ((i = 0; i < 100; i++)); do
        if helper_answers; then
            log "berthd answers on $socket"
            return
        fi
        sleep 0.1
    done
    tail -n 20 "$daemon_log" >&2 || true
    die "berthd did not answer on $socket within 10 s (log: $daemon_log)"
}

import_default_image() {
    local images
    if ! images=$(berth_cli images -q 2>&1); then
        log "warning: could not list images ($images); not importing the default image"
        return
    fi
    if [[ -n $images ]]; then
        log "the image store already holds images; not importing the default image"
        return
    fi
    log "importing busybox:latest (from Debian's busybox-static) into the empty store"
    bash "$here/make-default-image.sh" - | berth_cli import - busybox:latest --change 'CMD ["sh"]'
}

open_desktop() {
    if [[ -n ${BERTH_NO_GUI:-} ]]; then
        log "BERTH_NO_GUI is set: not opening berth-desktop"
        return
    fi
    if [[ -z ${DISPLAY:-} && -z ${WAYLAND_DISPLAY:-} ]]; then
        log "no display (DISPLAY and WAYLAND_DISPLAY unset): start $build/bin/berth-desktop from your desktop session"
        return
    fi
    log "opening berth-desktop"
    exec "$build/bin/berth-desktop"
}

run_tests() {
    log "running the test suite"
    local rc=0
    (cd "$build" && ctest --output-on-failure) || rc=$?
    log "ctest exited with $rc"
    return "$rc"
}

case ${1:-} in
    run)
        install_deps
        configure_and_build
        start_helper
        import_default_image
        open_desktop
        ;;
    test)
        install_deps
        configure_and_build
        run_tests
        ;;
    *) usage ;;
esac
