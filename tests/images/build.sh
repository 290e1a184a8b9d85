#!/bin/sh
# Builds the busybox-based stand-in images the tests and the story use, once:
# an image built by this very script (its hash is in the image's labels) is left
# alone (pass --force to rebuild).
# Needs podman and a static busybox (/bin/busybox from Debian's busybox-static).
#   tests/images/build.sh [--force] [--docker SOCKET]
# --docker also copies each image into the Docker Engine at SOCKET (podman
# save | docker load), unless that engine has this very build already.
set -eu

BUSYBOX=${BUSYBOX:-/bin/busybox}
FORCE=0
DOCKER_SOCK=""
while [ $# -gt 0 ]; do
  case "$1" in
    --force) FORCE=1 ;;
    --docker) DOCKER_SOCK=$2; shift ;;
    *) echo "usage: $0 [--force] [--docker SOCKET]" >&2; exit 2 ;;
  esac
  shift
done

if ! command -v podman >/dev/null 2>&1; then
  echo "build.sh: podman not found" >&2; exit 1
fi
if ! "$BUSYBOX" --list >/dev/null 2>&1; then
  echo "build.sh: $BUSYBOX is not a busybox binary" >&2; exit 1
fi

# Images carry the hash of this script: a changed script rebuilds them.
BUILD_ID=$(sha256sum "$0" | cut -c1-16)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# base_rootfs DIR: busybox with every applet linked into /bin, plus the files
# programs expect in /etc.
base_rootfs() {
  d=$1
  mkdir -p "$d/bin" "$d/sbin" "$d/usr/bin" "$d/usr/sbin" "$d/usr/local/bin" "$d/etc" \
           "$d/tmp" "$d/root" "$d/var/log" "$d/dev" "$d/proc" "$d/sys"
  chmod 1777 "$d/tmp"
  cp "$BUSYBOX" "$d/bin/busybox"
  for applet in $("$BUSYBOX" --list); do
    [ -e "$d/bin/$applet" ] || ln -s busybox "$d/bin/$applet"
  done
  ln -sf /bin/busybox "$d/bin/bash"
  cat > "$d/etc/passwd" <<'P'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
www-data:x:33:33:www-data:/var/www:/bin/false
nginx:x:101:101:nginx:/nonexistent:/bin/false
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
P
  cat > "$d/etc/group" <<'G'
root:x:0:
daemon:x:1:
www-data:x:33:
nginx:x:101:
nogroup:x:65534:
G
  cat > "$d/etc/os-release" <<'O'
PRETTY_NAME="Debian GNU/Linux 10 (buster)"
NAME="Debian GNU/Linux"
VERSION_ID="10"
VERSION="10 (buster)"
VERSION_CODENAME=buster
ID=debian
O
}

# build TAG DIR: imports DIR as TAG with the Dockerfile instructions in $CHANGES.
build() {
  tag=$1; dir=$2
  if [ "$FORCE" = 0 ] && podman image exists "$tag" &&
     [ "$(podman image inspect --format '{{index .Labels "fargo.build"}}' "$tag" 2>/dev/null)" = "$BUILD_ID" ]; then
    echo "build.sh: $tag is up to date"; copy_to_docker "$tag"; return 0
  fi
  tar -C "$dir" -cf "$work/rootfs.tar" .
  eval "podman import -q $CHANGES --change 'LABEL fargo.build=$BUILD_ID' \"$work/rootfs.tar\" \"$tag\"" >/dev/null
  echo "build.sh: built $tag"
  copy_to_docker "$tag"
}

# copy_to_docker TAG: the podman image TAG into the Docker Engine at $DOCKER_SOCK.
copy_to_docker() {
  [ -n "$DOCKER_SOCK" ] || return 0
  if [ "$(DOCKER_HOST=unix://$DOCKER_SOCK docker image inspect --format '{{index .Config.Labels "fargo.build"}}' "$1" 2>/dev/null)" = "$BUILD_ID" ]; then
    return 0
  fi
  podman save --format docker-archive "$1" | DOCKER_HOST=unix://$DOCKER_SOCK docker load -q >/dev/null
  echo "build.sh: copied $1 into the engine at $DOCKER_SOCK"
}

# debian: a shell.
d="$work/debian"; base_rootfs "$d"
CHANGES="--change 'CMD [\"bash\"]' --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'"
build docker.io/library/debian:buster-20230411-slim "$d"

# nginx: busybox httpd serving /usr/share/nginx/html on port 80; an `nginx`
# stand-in accepts nginx's usual arguments and runs the same server.
d="$work/nginx"; base_rootfs "$d"
mkdir -p "$d/usr/share/nginx/html" "$d/etc/nginx"
cat > "$d/usr/share/nginx/html/index.html" <<'H'
<!DOCTYPE html>
<html>
<head><title>Welcome to nginx!</title></head>
<body><h1>Welcome to nginx!</h1></body>
</html>
H
cat > "$d/usr/sbin/nginx" <<'N'
#!/bin/sh
# Stand-in for nginx: `nginx -v` prints the version, anything else serves
# /usr/share/nginx/html on port 80 in the foreground.
case "${1:-}" in
  -v|-V) echo "nginx version: nginx/1.24.0" >&2; exit 0 ;;
  -t) echo "nginx: configuration file /etc/nginx/nginx.conf test is successful" >&2; exit 0 ;;
esac
exec httpd -f -v -p 80 -h /usr/share/nginx/html
N
chmod 755 "$d/usr/sbin/nginx"
CHANGES="--change 'CMD [\"httpd\", \"-f\", \"-p\", \"80\", \"-h\", \"/usr/share/nginx/html\"]' --change 'EXPOSE 80' --change 'STOPSIGNAL SIGQUIT' --change 'ENV NGINX_VERSION=1.24.0'"
build docker.io/library/nginx:1.24.0 "$d"

# aws-cli: an `aws` stand-in that answers --version and does `s3 cp` (one
# object, or a prefix with --recursive) against $AWS_ENDPOINT_URL, which fargo
# sets in every task; anything else is echoed.
d="$work/awscli"; base_rootfs "$d"
cat > "$d/usr/local/bin/aws" <<'A'
#!/bin/sh
# Stand-in for the AWS CLI v2 (no registry, no Python in tests).
ep="${AWS_ENDPOINT_URL:-https://s3.amazonaws.com}"
case "${1:-}" in
  --version) echo "aws-cli/2.11.13 Python/3.11.2 Linux/5.10 exe/x86_64.amzn.2 prompt/off"; exit 0 ;;
  "") echo "usage: aws [options] <command> <subcommand> [parameters]" >&2; exit 252 ;;
  s3) ;;
  *) echo "aws $*"; exit 0 ;;
esac
[ "${2:-}" = cp ] || { echo "aws $*"; exit 0; }
src=$3; dst=$4; recursive=0
for a in "$@"; do [ "$a" = --recursive ] && recursive=1; done
path=${src#s3://}; bucket=${path%%/*}; key=${path#"$bucket"}; key=${key#/}
fetch() {  # key destination
  mkdir -p "$(dirname "$2")"
  if wget -q -O "$2" "$ep/$bucket/$1"; then
    echo "download: s3://$bucket/$1 to $2"
  else
    echo "download failed: s3://$bucket/$1 to $2" >&2; return 1
  fi
}
if [ "$recursive" = 1 ]; then
  keys=$(wget -q -O- "$ep/$bucket?list-type=2&prefix=$key") || { echo "fatal error: cannot list s3://$bucket/$key" >&2; exit 1; }
  status=0
  for k in $(echo "$keys" | tr '<' '\n' | sed -n 's/^Key>//p'); do
    fetch "$k" "${dst%/}/${k#"$key"}" || status=1
  done
  exit $status
fi
case "$dst" in */) dst="$dst${key##*/}" ;; esac
fetch "$key" "$dst"
A
chmod 755 "$d/usr/local/bin/aws"
CHANGES="--change 'ENTRYPOINT [\"/usr/local/bin/aws\"]' --change 'WORKDIR /aws'"
mkdir -p "$d/aws"
build docker.io/amazon/aws-cli:2.11.13 "$d"
