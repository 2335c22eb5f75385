#!/usr/bin/env bash
# The service images (docs/CONTAINERS.md): nanotrace-chaincode (CCaaS), nanotrace-verifier,
# nanotrace-console, nanotrace-notify. Each is built FROM scratch, without any registry, by
# buildah from its Containerfile in deploy/containers and a root filesystem made here: the
# service's binary, the health check (nanotrace-healthcheck), the shared libraries `ldd`
# names for both, the CA roots, a non-root user (10001) and its state folder.
#
#   scripts/images.sh [--profile release|dev] [--out DIR] [SERVICE...]
#
# Reproducible: every timestamp is 0 (--timestamp 0), so the same binaries give the same
# image digest. Checked after each build: no private key or password in the image's
# files (the image is exported and searched). Each image is saved as an OCI archive,
# DIR/nanotrace-SERVICE.oci.tar (default DIR: <target>/images), and DIR/images.tsv lists
# name, tag, size in bytes, image ID and manifest digest. Prints image=, size= and
# digest= per image.
#
# Needs buildah, podman and skopeo (Debian: apt-get install podman buildah skopeo runc).
# The binaries: `cargo build --release` (dev: the debug build, for the tests).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The one build environment (ccache, the C++ compiler): without it a machine that has
# built the workspace compiles RocksDB's C++ again before it makes an image.
. "$ROOT/scripts/env.sh"
log() { echo "[images] $*" >&2; }
die() { echo "[images] ERROR: $*" >&2; exit 1; }

profile=release out="" services=()
while (($#)); do
    case "$1" in
    --profile) profile=${2:-}; shift 2 ;;
    --out) out=${2:-}; shift 2 ;;
    -h | --help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option '$1' (scripts/images.sh --help)" ;;
    *) services+=("$1"); shift ;;
    esac
done
[[ $profile == release || $profile == dev ]] || die "--profile is release or dev (got '$profile')"
((${#services[@]})) || services=(chaincode verifier console notify)
for svc in "${services[@]}"; do
    [[ -f "$ROOT/deploy/containers/$svc.Containerfile" ]] ||
        die "no image '$svc' (one of: chaincode verifier console notify)"
done
for tool in buildah podman skopeo ldd; do
    command -v "$tool" >/dev/null || die "$tool is missing (Debian: apt-get install podman buildah skopeo runc)"
done
command -v strip >/dev/null || die "strip is missing (Debian: apt-get install binutils)"

target="${CARGO_TARGET_DIR:-$ROOT/target}"
bin_dir="$target/$([[ $profile == release ]] && echo release || echo debug)"
out="${out:-$target/images}"
mkdir -p "$out"
# The binaries: the workspace's, in one cargo call (building a few packages alone would
# resolve features differently and build their dependencies a second time).
log "building the binaries (cargo build --profile $profile --workspace --bins)"
(cd "$ROOT" && cargo build --locked --profile "$profile" --workspace --bins) >&2

version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/Cargo.toml" | head -n 1)
revision=$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)
[[ -z "$(git -C "$ROOT" status --porcelain 2>/dev/null)" ]] || revision="$revision-dirty"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# secrets_in DIR : lists (on stderr) and succeeds for the files under DIR that hold a PEM
# private key (the BEGIN line followed by its base64: a program that merely names the
# marker, as the console's page script does, is no secret) or, under etc/, a password
# assignment.
secrets_in() {
    local dir=$1 found=1
    grep -rlazP -- '-----BEGIN ([A-Z]+ )?PRIVATE KEY-----\r?\n[A-Za-z0-9+/=]{40}' "$dir" >&2 && found=0
    [[ ! -d "$dir/etc" ]] || ! grep -rlaiE -- '(^|[^a-z])(password|passwd|secret)=[^[:space:]]+' "$dir/etc" >&2 || found=0
    return "$found"
}

# copy_with_libraries FILE ROOTFS : FILE under ROOTFS's /usr/local/bin without its debug
# information (strip --strip-debug: the symbols stay, so a backtrace names its functions,
# and so does the build ID that matches the unstripped binary in the target folder), with
# every shared library ldd names for it (the dynamic loader included), dereferenced.
copy_with_libraries() {
    local file=$1 rootfs=$2 lib
    install -D -m 0755 "$file" "$rootfs/usr/local/bin/$(basename "$file")"
    strip --strip-debug "$rootfs/usr/local/bin/$(basename "$file")" || die "strip --strip-debug $file failed"
    while read -r lib; do
        [[ -n "$lib" ]] || continue
        # 0755: the dynamic loader among them is executed by the kernel.
        [[ -e "$rootfs$lib" ]] || install -D -m 0755 "$(readlink -f "$lib")" "$rootfs$lib"
    done < <(ldd "$file" | awk '/=> \// { print $3 } /^\t\// { print $1 }')
}

: >"$out/images.tsv"
for svc in "${services[@]}"; do
    name="nanotrace-$svc"
    binary="$bin_dir/$name"
    [[ -x "$binary" ]] || die "$binary was not built"
    ctx="$work/$svc"
    rootfs="$ctx/rootfs"
    # /var/lib root's; only its nanotrace folder (the state) the service user's.
    mkdir -p "$rootfs/etc/ssl/certs" "$rootfs/var/lib" "$ctx/state"
    copy_with_libraries "$binary" "$rootfs"
    copy_with_libraries "$bin_dir/nanotrace-healthcheck" "$rootfs"
    # The library paths ldd printed are absolute; the loader's is in the binary.
    echo "nanotrace:x:10001:10001:NanoTrace service:/var/lib/nanotrace:/sbin/nologin" >"$rootfs/etc/passwd"
    echo "nanotrace:x:10001:" >"$rootfs/etc/group"
    # CA roots: the notifier's webhooks and SMTP, the console's mail, outgoing TLS.
    [[ -f /etc/ssl/certs/ca-certificates.crt ]] && install -m 0644 /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/"
    # A file that would be a secret never goes in (checked again on the built image).
    ! secrets_in "$rootfs" || die "$name: a secret in its root filesystem (the files above)"
    tag="$name:$version"
    log "building $tag (FROM scratch, revision $revision)"
    buildah bud --quiet --format docker --timestamp 0 --layers=false \
        --build-arg "VERSION=$version" --build-arg "REVISION=$revision" \
        -f "$ROOT/deploy/containers/$svc.Containerfile" -t "$tag" "$ctx" >"$work/$svc.build.log" 2>&1 ||
        { cat "$work/$svc.build.log" >&2; die "buildah bud of $tag failed"; }
    # What is in the image, searched: no private key, no password assignment.
    cid=$(podman create --pull=never --no-healthcheck "$tag")
    mkdir -p "$work/$svc-export"
    podman export "$cid" | tar -x -C "$work/$svc-export"
    podman rm -f --volumes "$cid" >/dev/null
    ! secrets_in "$work/$svc-export" || die "$tag holds a secret (the files above)"
    archive="$out/$name.oci.tar"
    rm -f "$archive"
    podman save --quiet --format oci-archive -o "$archive" "$tag"
    digest=$(skopeo inspect --format '{{.Digest}}' "oci-archive:$archive")
    size=$(podman image inspect --format '{{.Size}}' "$tag")
    id=$(podman image inspect --format '{{.Id}}' "$tag")
    printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$tag" "$size" "$id" "$digest" >>"$out/images.tsv"
    log "$tag: $((size / 1024 / 1024)) MiB, $digest ($archive)"
    echo "image=$tag"
    echo "size=$size"
    echo "digest=$digest"
done
# The images these tags named before (now untagged) go: only ours, by their source label.
podman image prune --force --filter "label=org.opencontainers.image.source=https://github.com/nanotrace/nanotrace" >/dev/null ||
    log "could not remove the previous untagged images (podman image prune)"
