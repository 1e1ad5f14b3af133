#!/usr/bin/env bash
# Builds the local base image the compose test uses instead of registry images, which cannot be pulled here:
# Debian (debootstrap, from the apt mirror this machine uses) with a JRE 17, jemalloc and curl, imported with
# `docker import`. Skips the work when the image is already present.
#
#   deploy/base-image.sh [IMAGE]        # default distill-ci/debian-jre17:bookworm
set -euo pipefail

image="${1:-distill-ci/debian-jre17:bookworm}"
suite=bookworm
if docker image inspect "$image" >/dev/null 2>&1; then
  echo "base image $image present, not rebuilt"
  exit 0
fi

mirror="${DEBIAN_MIRROR:-}"
if [[ -z "$mirror" ]]; then
  # The first Debian mirror among the machine's apt sources (deb822 or one-line format).
  mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
    | grep -E '^(URIs:|deb) ' | grep -oE 'https?://[^ ]+/debian/?( |$)' | head -n 1 | tr -d ' ' || true)
  mirror="${mirror:-http://deb.debian.org/debian}"
fi
command -v debootstrap >/dev/null || { echo "debootstrap is not installed" >&2; exit 1; }

rootfs=$(mktemp -d /var/tmp/distill-rootfs.XXXXXX)
trap 'rm -rf "$rootfs"' EXIT
echo "debootstrap $suite from $mirror into $rootfs (a few minutes, once)"
started=$SECONDS
debootstrap --variant=minbase \
  --include=openjdk-17-jre-headless,libjemalloc2,curl,ca-certificates \
  "$suite" "$rootfs" "$mirror" >"$rootfs.log" 2>&1 || { tail -n 30 "$rootfs.log" >&2; exit 1; }
rm -f "$rootfs.log"
chroot "$rootfs" apt-get clean
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin
tar -C "$rootfs" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'CMD ["/bin/bash"]' \
  - "$image" >/dev/null
echo "base image $image built in $((SECONDS - started))s"
