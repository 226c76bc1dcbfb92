#!/usr/bin/env bash
# Writes the root file system of Berth's default image as a tar stream, made
# from Debian's busybox-static and nothing from the internet:
#
#   bash installer/make-default-image.sh OUT.tar      (or - for stdout)
#   bash installer/make-default-image.sh - | berth import - busybox:latest --change 'CMD ["sh"]'
#
# Contents: /bin/busybox, one symlink per applet in /bin (as the busybox image
# on Docker Hub has them), /etc/passwd, /etc/group, /tmp (1777), /root, /home,
# and the empty directories a container expects. No /etc/hostname, /etc/hosts
# or /etc/resolv.conf: the engine provides those per container.
# The tar is reproducible: fixed owner, order and mtime.
set -euo pipefail

out=${1:?usage: make-default-image.sh OUT.tar|-}
busybox=${BERTH_BUSYBOX:-/bin/busybox}

if [[ ! -x $busybox ]]; then
    echo "make-default-image: $busybox is missing; install busybox-static (installer/install-deps.sh)" >&2
    exit 1
fi
# The image must run with no shared libraries: insist on the static build.
if command -v ldd >/dev/null && ldd "$busybox" >/dev/null 2>&1; then
    echo "make-default-image: $busybox is dynamically linked; install busybox-static" >&2
    exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT
rootfs=$tmp/rootfs
mkdir -p "$rootfs"/{bin,sbin,usr/bin,usr/sbin,etc,root,home,dev,proc,sys,var/spool/mail,var/www}
install -m 0755 "$busybox" "$rootfs/bin/busybox"

count=0
while IFS= read -r applet; do
    [[ -n $applet && $applet != busybox && $applet != */* ]] || continue
    ln -s busybox "$rootfs/bin/$applet"
    count=$((count + 1))
done < <("$busybox" --list)
# Scripts written for a full system often use /usr/bin/env.
[[ -e $rootfs/bin/env ]] && ln -s ../../bin/env "$rootfs/usr/bin/env"

cat >"$rootfs/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
bin:x:2:2:bin:/bin:/bin/false
sys:x:3:3:sys:/dev:/bin/false
www-data:x:33:33:www-data:/var/www:/bin/false
nobody:x:65534:65534:nobody:/home:/bin/false
EOF
cat >"$rootfs/etc/group" <<'EOF'
root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
tty:x:5:
mail:x:8:
www-data:x:33:
users:x:100:
nogroup:x:65534:
EOF
cat >"$rootfs/etc/shadow" <<'EOF'
root:*:10933:0:99999:7:::
daemon:*:10933:0:99999:7:::
bin:*:10933:0:99999:7:::
sys:*:10933:0:99999:7:::
www-data:*:10933:0:99999:7:::
nobody:*:10933:0:99999:7:::
EOF
chmod 0644 "$rootfs/etc/passwd" "$rootfs/etc/group"
chmod 0640 "$rootfs/etc/shadow"
chmod 0755 "$rootfs"/{bin,sbin,usr,usr/bin,usr/sbin,etc,home,dev,proc,sys,var}
chmod 0700 "$rootfs/root"
mkdir -m 1777 "$rootfs/tmp"
chmod 1777 "$rootfs/tmp"   # mkdir -m honours the umask on some systems

# The date of the busybox binary keeps the tar identical between runs on one machine.
mtime=@$(stat -c %Y "$busybox")
tar_args=(--sort=name --owner=0 --group=0 --numeric-owner --mtime="$mtime" --format=posix
          --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime -C "$rootfs" -cf)
# Entries are named bin/..., etc/... (no ./ prefix), as docker export writes them.
mapfile -t top < <(cd "$rootfs" && ls -A)
if [[ $out == - ]]; then
    tar "${tar_args[@]}" - "${top[@]}"
else
    tar "${tar_args[@]}" "$out" "${top[@]}"
fi
echo "make-default-image: busybox $("$busybox" 2>&1 | head -n 1 | awk '{print $2}') with $count applets" >&2
