#!/usr/bin/env bash
# Installs every Debian package Berth needs to build, run and test, on
# Debian 12 (bookworm) and Debian 13 (trixie). Idempotent: when everything is
# already installed it only asks dpkg-query and returns (no apt-get update).
#
#   bash installer/install-deps.sh            build + run + test + benchmark peers
#   BERTH_DEPS_MINIMAL=1 bash installer/install-deps.sh
#                                             build + unit tests only (used inside
#                                             the Debian 13 check root)
#
# No service is started: docker.io's and others' maintainer scripts go through
# invoke-rc.d, which a policy-rc.d that exits 101 stops. If the machine has no
# policy-rc.d, one is installed for the duration of this script and removed
# again on exit. /usr/local/bin/docker (the 28.x CLI) is left untouched and
# stays first on PATH.
set -euo pipefail

log() { printf 'install-deps: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

if [[ ! -r /etc/os-release ]]; then
    die "/etc/os-release is missing; only Debian 12 and 13 are supported"
fi
# shellcheck disable=SC1091
. /etc/os-release
case "${ID:-}:${VERSION_ID:-}:${VERSION_CODENAME:-}" in
    debian:12:*|debian:*:bookworm) debian=12 ;;
    debian:13:*|debian:*:trixie)   debian=13 ;;
    debian:*:forky|debian::*)      debian=13 ;;  # testing/unstable: trixie's names
    *) die "unsupported system '${PRETTY_NAME:-unknown}'; Berth supports Debian 12 and 13" ;;
esac

# --- the package set --------------------------------------------------------
build=(build-essential cmake ninja-build pkg-config git ca-certificates ccache
       qt6-base-dev qt6-base-dev-tools qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools
       libhttp-parser-dev libarchive-dev libssl-dev libseccomp-dev libcap-dev zlib1g-dev libvterm-dev
       nlohmann-json3-dev libnl-3-dev libnl-route-3-dev libnftables-dev)
# fonts-nanum: Korean glyphs for the translated GUI (and its screenshots).
run=(busybox-static xvfb xauth debootstrap openssl uidmap curl fonts-nanum apache2-utils)
peers=(docker.io podman skopeo umoci docker-registry runc crun hyperfine
       catatonit fuse-overlayfs slirp4netns xz-utils)

if [[ $debian == 13 ]]; then
    build+=(libkf6syntaxhighlighting-dev)
    # policykit-1 was split in Debian 13: pkexec is its own package.
    run+=(pkexec polkitd)
else
    run+=(policykit-1)
fi

packages=("${build[@]}")
if [[ -z ${BERTH_DEPS_MINIMAL:-} ]]; then
    packages+=("${run[@]}" "${peers[@]}")
fi

# --- what is missing ----------------------------------------------------------
# One dpkg-query for the whole set keeps a rerun well under a second.
declare -A installed=()
while read -r name status; do
    [[ $status == ii* ]] && installed[$name]=1
done < <(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${packages[@]}" 2>/dev/null || true)
missing=()
for p in "${packages[@]}"; do
    [[ -n ${installed[$p]:-} ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
    log "all ${#packages[@]} packages present (Debian $debian)"
    exit 0
fi

if ((EUID != 0)); then
    die "missing packages: ${missing[*]}; run this script as root (sudo bash $0)"
fi

log "Debian $debian: installing ${#missing[@]} package(s): ${missing[*]}"

# --- keep services from starting ----------------------------------------------
policy=/usr/sbin/policy-rc.d
added_policy=
cleanup() {
    if [[ -n $added_policy ]]; then
        rm -f "$policy"
    fi
}
trap cleanup EXIT
if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\n# added by berth install-deps.sh for the duration of an install\nexit 101\n' >"$policy"
    chmod 0755 "$policy"
    added_policy=1
fi

export DEBIAN_FRONTEND=noninteractive
# needrestart (pulled in by docker.io's recommends elsewhere) would offer to
# restart services after the install: keep it out of the way.
export NEEDRESTART_SUSPEND=1 NEEDRESTART_MODE=l
apt_opts=(-y -q -o Dpkg::Use-Pty=0 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)

# Refresh the lists once, and only because something is missing. A package
# that the current lists do not know makes apt-get fail loudly below.
apt-get update -q
apt-get install "${apt_opts[@]}" --no-install-recommends "${missing[@]}"

# docker.io ships /usr/bin/docker (20.10); the newer CLI in /usr/local/bin
# must keep answering to `docker`.
if [[ -x /usr/local/bin/docker ]]; then
    first=$(PATH=${PATH:-/usr/local/bin:/usr/bin:/bin} command -v docker || true)
    if [[ $first != /usr/local/bin/docker ]]; then
        log "warning: 'docker' resolves to $first, not /usr/local/bin/docker; put /usr/local/bin first on PATH"
    fi
fi

log "done"
