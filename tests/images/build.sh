#!/bin/sh
# Builds the images the tests and the story use, under the story's names, from
# Debian's packages (no registry is reachable in CI):
#   docker.io/library/debian:buster-20230411-slim  Debian 12 minbase, plus a
#       test-tools layer (wget, iproute2, nslookup) that the tests run inside tasks
#   docker.io/library/nginx:1.24.0   Debian's nginx-light, laid out and started
#       as the official image (conf.d, html, logs to stdout/stderr, user nginx)
#   docker.io/amazon/aws-cli:2.11.13  Debian's AWS CLI v2 (2.9), plus a
#       test-tools layer (python3-boto3: the tests run an unmodified boto3
#       inside tasks)
# The tags name the story's versions; the contents are Debian 12's (nginx
# 1.22, AWS CLI 2.9), which `nginx -v` and `aws --version` say.
#
#   tests/images/build.sh [--force] [--docker SOCKET]
#
# Built once and cached: a `debootstrap --variant=minbase bookworm` rootfs and
# each image's rootfs are tarballs under $FARGO_IMAGES_CACHE
# (/var/cache/fargo-images), keyed by this script's hash and the versions of
# the packages they hold; an image in Podman whose label fargo.build carries
# the key is left alone (--force rebuilds everything). Needs podman and
# debootstrap (scripts/setup.sh --test installs it), root (or sudo) for
# debootstrap and chroot, and Debian's mirror (the one apt uses here, or
# $FARGO_IMAGES_MIRROR). --docker also copies each image into the Docker Engine
# at SOCKET (podman save | docker load), unless that engine has this very build.
#
set -eu

FORCE=0
DOCKER_SOCK=""
while [ $# -gt 0 ]; do
  case "$1" in
    --force) FORCE=1 ;;
    --real-awscli) ;;  # the only kind there is now
    --docker) DOCKER_SOCK=$2; shift ;;
    *) echo "usage: $0 [--force] [--docker SOCKET]" >&2; exit 2 ;;
  esac
  shift
done

SUITE=bookworm
CACHE=${FARGO_IMAGES_CACHE:-/var/cache/fargo-images}
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo

for tool in podman debootstrap chroot; do
  if ! command -v $tool >/dev/null 2>&1 && ! [ -x /usr/sbin/$tool ]; then
    echo "build.sh: $tool not found (scripts/setup.sh --test installs it)" >&2; exit 1
  fi
done
PATH=$PATH:/usr/sbin:/sbin

# The Debian mirror apt uses on this machine: the first `URIs:` of a deb822
# stanza whose Suites has $SUITE, or the first `deb URI $SUITE` line.
mirror() {
  [ -n "${FARGO_IMAGES_MIRROR:-}" ] && { echo "$FARGO_IMAGES_MIRROR"; return; }
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v s="$SUITE" '
      /^[[:space:]]*$/ { if (u != "" && ok) { print u; exit } u = ""; ok = 0; next }
      /^URIs:/ { u = $2 }
      /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == s) ok = 1 }
      END { if (u != "" && ok) print u }' "$f"
  done | head -n1 | grep . && return
  cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
    awk -v s="$SUITE" '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/) { if ($(i+1) == s) { print $i; exit } else break } }' |
    grep . || echo http://deb.debian.org/debian
}
MIRROR=$(mirror)

# What each image adds to the base (Debian package names).
TEST_TOOLS="wget iproute2 bind9-dnsutils"
NGINX_PKGS="nginx-light curl"
AWSCLI_PKGS="awscli"
AWSCLI_TEST_TOOLS="python3-boto3"

# Keys: an image's by this script's hash, the mirror and the versions of its
# packages; the base's by its recipe (the function base_tar below), the mirror
# and debootstrap's version, so that editing the images' recipes reuses it.
SCRIPT_HASH=$(sha256sum "$0" | cut -c1-16)
DEBOOTSTRAP_VERSION=$(dpkg-query -W -f='${Version}' debootstrap 2>/dev/null || true)
key() { printf '%s %s %s\n' "$SCRIPT_HASH" "$MIRROR" "$*" | sha256sum | cut -c1-16; }
BASE_KEY=$(printf '%s %s %s %s\n' "$(sed -n '/^base_tar() {/,/^}/p' "$0")" "$SUITE" "$MIRROR" "$DEBOOTSTRAP_VERSION" |
           sha256sum | cut -c1-16)
# apt's indexes on this machine: while they are those an image was built
# with, its packages' versions are too, and the (slow) version look-up is
# skipped.
INDEX_ID=$(cat /var/lib/apt/lists/*Release 2>/dev/null | sha256sum | cut -c1-16)

work=$(mktemp -d)

# versions PKG...: "pkg=candidate ..." as apt on this machine would install
# them (empty when apt knows nothing yet: the key changes once it does); one
# apt-cache call for every package, on first use.
versions() {
  [ -f "$work/versions" ] ||
    apt-cache policy $TEST_TOOLS $NGINX_PKGS $AWSCLI_PKGS $AWSCLI_TEST_TOOLS 2>/dev/null |
      awk '/^[^ ].*:$/ { p = substr($1, 1, length($1) - 1) } /^  Candidate:/ { print p "=" $2 }' > "$work/versions"
  for p in "$@"; do grep "^$p=" "$work/versions" || echo "$p="; done | tr '\n' ' '
}

cleanup() {
  # Nothing stays mounted under $work (and rm stays on this file system).
  for m in $(awk -v w="$work/" 'index($2, w) == 1 { print $2 }' /proc/mounts); do $SUDO umount "$m" || true; done
  $SUDO rm -rf --one-file-system "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
$SUDO mkdir -p "$CACHE"

# base: the minbase rootfs with apt's lists, as a tarball in the cache.
base_tar() {
  t="$CACHE/base-$SUITE-$BASE_KEY.tar"
  if [ "$FORCE" = 1 ] || ! [ -s "$t" ]; then
    echo "build.sh: debootstrap --variant=minbase $SUITE from $MIRROR" >&2
    d="$work/base"
    $SUDO debootstrap --variant=minbase "$SUITE" "$d" "$MIRROR" >"$work/debootstrap.log" 2>&1 ||
      { cat "$work/debootstrap.log" >&2; echo "build.sh: debootstrap failed" >&2; exit 1; }
    # The machine's apt sources (updates and security too, as the official
    # images have them) when they are deb822 for this suite, else the mirror's.
    if grep -qs "^Suites:.*\b$SUITE\b" /etc/apt/sources.list.d/debian.sources; then
      $SUDO cp /etc/apt/sources.list.d/debian.sources "$d/etc/apt/sources.list.d/debian.sources"
      $SUDO rm -f "$d/etc/apt/sources.list"
    fi
    $SUDO cp /etc/resolv.conf "$d/etc/resolv.conf"
    $SUDO chroot "$d" apt-get update -qq >&2
    $SUDO chroot "$d" apt-get clean >&2
    $SUDO sh -c "rm -rf '$d'/var/cache/apt/*.bin '$d'/var/log/*.log '$d'/dev/* '$d'/tmp/* '$d'/root/.??* 2>/dev/null; : > '$d/etc/hostname'; : > '$d/etc/resolv.conf'"
    $SUDO tar -C "$d" --numeric-owner -cf "$t.tmp" . && $SUDO mv "$t.tmp" "$t"
    $SUDO rm -rf "$d"
  fi
  echo "$t"
}

# rootfs NAME KEY SETUP PKG...: the cached tarball of the base (or of the
# tarball $FROM) plus PKGs, then the shell function SETUP run with the rootfs's
# directory; built when missing.
rootfs() {
  name=$1; k=$2; setup=$3; shift 3
  t="$CACHE/$name-$k.tar"
  if [ "$FORCE" = 1 ] || ! [ -s "$t" ]; then
    b=${FROM:-}
    [ -n "$b" ] || b=$(base_tar)
    d="$work/$name"
    $SUDO mkdir -p "$d"
    $SUDO tar -C "$d" --numeric-owner -xf "$b"
    # What packages' scripts and programs need in the chroot (not kept).
    for n in "null 1 3" "zero 1 5" "full 1 7" "random 1 8" "urandom 1 9" "tty 5 0"; do
      # shellcheck disable=SC2086
      $SUDO mknod -m 666 "$d/dev/${n%% *}" c ${n#* }
    done
    $SUDO mount -t proc proc "$d/proc"
    # Slim, as Debian's -slim images: no documentation, manuals nor
    # translations, now or from the packages installed later.
    $SUDO sh -c "cat > '$d/etc/dpkg/dpkg.cfg.d/docker'" <<'X'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/overrides/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/all_languages
path-exclude /usr/share/man/*
X
    $SUDO sh -c "find '$d/usr/share/doc' -mindepth 1 ! -type d ! -name copyright -delete
                 find '$d/usr/share/doc' -mindepth 1 -type d -empty -delete
                 rm -rf '$d'/usr/share/groff/* '$d'/usr/share/info/* '$d'/usr/share/linda/* '$d'/usr/share/lintian/overrides/* '$d'/usr/share/man/*
                 find '$d/usr/share/locale' -mindepth 1 -maxdepth 1 ! -name all_languages -exec rm -rf {} +"
    if [ $# -gt 0 ]; then
      echo "build.sh: $name: apt-get install $*" >&2
      $SUDO cp /etc/resolv.conf "$d/etc/resolv.conf"
      # No service starts in the chroot; dpkg need not sync a throwaway tree.
      $SUDO sh -c "printf '#!/bin/sh\nexit 101\n' > '$d/usr/sbin/policy-rc.d'; chmod 755 '$d/usr/sbin/policy-rc.d'
                   echo force-unsafe-io > '$d/etc/dpkg/dpkg.cfg.d/fargo-build'"
      apt_install() { $SUDO chroot "$d" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"; }
      # The base's lists, refreshed when the mirror has moved on since.
      { apt_install "$@" || { $SUDO chroot "$d" apt-get update -qq && apt_install "$@"; }; } \
        >"$work/$name.log" 2>&1 || { cat "$work/$name.log" >&2; echo "build.sh: $name: apt-get failed" >&2; exit 1; }
      $SUDO chroot "$d" apt-get clean >&2
      $SUDO sh -c "rm -rf '$d'/usr/sbin/policy-rc.d '$d'/etc/dpkg/dpkg.cfg.d/fargo-build '$d'/var/log/apt/* '$d'/var/log/dpkg.log '$d'/var/cache/debconf/*-old '$d'/tmp/*; : > '$d/etc/resolv.conf'"
    fi
    # Images carry no apt lists (as Debian's official images).
    $SUDO rm -rf "$d"/var/lib/apt/lists/*
    $setup "$d" >&2
    $SUDO umount "$d/proc"
    $SUDO sh -c "rm -rf '$d'/dev/* '$d'/tmp/* '$d'/root/.??* 2>/dev/null" || true
    $SUDO tar -C "$d" --numeric-owner -cf "$t.tmp" . && $SUDO mv "$t.tmp" "$t"
    $SUDO rm -rf "$d"
    # Older builds of NAME go.
    for o in "$CACHE/$name"-????????????????.tar; do [ "$o" = "$t" ] || $SUDO rm -f "$o"; done
  fi
  echo "$t"
}

# image TAG KEY TARBALL CHANGE...: TARBALL into Podman as TAG with the
# Dockerfile instructions CHANGE... and the labels of this build (recipe $name,
# key, script, apt's indexes); the image
# TAG named before is removed (unless a container uses it).
image() {
  tag=$1; k=$2; t=$3; shift 3
  old=$(podman image inspect --format '{{.Id}}' "$tag" 2>/dev/null || true)
  n=$#
  while [ "$n" -gt 0 ]; do c=$1; shift; set -- "$@" --change "$c"; n=$((n - 1)); done
  new=$(podman import -q "$@" --change "LABEL fargo.build=$k" --change "LABEL fargo.recipe=$name" \
    --change "LABEL fargo.script=$SCRIPT_HASH" --change "LABEL fargo.index=$INDEX_ID" "$t" "$tag")
  case "$new" in "$old"|sha256:"$old"|"") ;; *) podman image rm "$old" >/dev/null 2>&1 || true ;; esac
  echo "build.sh: built $tag"
}

# make_image TAG NAME SETUP "PKG..." CHANGE...: TAG in Podman (and Docker with
# --docker) from the rootfs NAME (see rootfs), unless it is this very build.
# Sets K to its key.
make_image() {
  tag=$1; name=$2; setup=$3; pkgs=$4; shift 4
  labels=$(podman image inspect --format '{{index .Labels "fargo.recipe"}} {{index .Labels "fargo.script"}} {{index .Labels "fargo.index"}} {{index .Labels "fargo.build"}}' \
    "$tag" 2>/dev/null || true)
  if [ "$FORCE" = 0 ] && [ "${labels% *}" = "$name $SCRIPT_HASH $INDEX_ID" ]; then
    K=${labels##* }
  else
    # shellcheck disable=SC2086
    K=$(key "$name" "$(versions $pkgs)" "${KEY_EXTRA:-}")
    if [ "$FORCE" = 1 ] || [ "${labels##* }" != "$K" ]; then
      # shellcheck disable=SC2086
      t=$(rootfs "$name" "$K" "$setup" $pkgs)
      image "$tag" "$K" "$t" "$@"
      copy_to_docker "$tag" "$K"
      return 0
    fi
  fi
  echo "build.sh: $tag is up to date"
  copy_to_docker "$tag" "$K"
}

# copy_to_docker TAG KEY: the podman image TAG into the Docker Engine at $DOCKER_SOCK.
copy_to_docker() {
  [ -n "$DOCKER_SOCK" ] || return 0
  if [ "$(DOCKER_HOST=unix://$DOCKER_SOCK docker image inspect --format '{{index .Config.Labels "fargo.build"}}' "$1" 2>/dev/null)" = "$2" ]; then
    return 0
  fi
  podman save --format docker-archive "$1" | DOCKER_HOST=unix://$DOCKER_SOCK docker load -q >/dev/null
  echo "build.sh: copied $1 into the engine at $DOCKER_SOCK"
}

PATH_ENV="ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# debian: the base with a shell, plus the test-tools layer. Not an image under
# test: the tests run these tools inside tasks (`wget` for the task endpoints
# and to reach other tasks, `ip` to show a task's interfaces and routes,
# `nslookup` to ask the VPC's resolver).
setup_debian() { :; }
DEBIAN=docker.io/library/debian:buster-20230411-slim
make_image "$DEBIAN" debian setup_debian "$TEST_TOOLS" "$PATH_ENV" 'CMD ["bash"]' \
  "LABEL fargo.test-tools=$(echo $TEST_TOOLS | tr ' ' ,)"
DEBIAN_KEY=$K

# nginx: Debian's nginx-light with the official image's layout: its
# nginx.conf (user nginx, conf.d/*.conf), conf.d/default.conf (port 80,
# /usr/share/nginx/html), pages, logs to the container's stdout and stderr,
# the nginx user (101), curl; started as `nginx -g 'daemon off;'`. (The
# official entrypoint's /docker-entrypoint.d scripts are not reproduced.)
setup_nginx() {
  d=$1
  $SUDO chroot "$d" sh -eu <<'SETUP'
getent group nginx >/dev/null || groupadd --system --gid 101 nginx
id nginx >/dev/null 2>&1 || useradd --system --gid nginx --no-create-home --home /nonexistent \
  --comment "nginx user" --shell /bin/false --uid 101 nginx
rm -f /etc/nginx/sites-enabled/default /etc/nginx/modules-enabled/*
rm -rf /var/www/html
mkdir -p /etc/nginx/conf.d /usr/share/nginx/html /var/cache/nginx /var/log/nginx
chown nginx:nginx /var/cache/nginx
cat > /etc/nginx/nginx.conf <<'CONF'

user  nginx;
worker_processes  auto;

error_log  /var/log/nginx/error.log notice;
pid        /var/run/nginx.pid;


events {
    worker_connections  1024;
}


http {
    include       /etc/nginx/mime.types;
    default_type  application/octet-stream;

    log_format  main  '$remote_addr - $remote_user [$time_local] "$request" '
                      '$status $body_bytes_sent "$http_referer" '
                      '"$http_user_agent" "$http_x_forwarded_for"';

    access_log  /var/log/nginx/access.log  main;

    sendfile        on;
    #tcp_nopush     on;

    keepalive_timeout  65;

    #gzip  on;

    include /etc/nginx/conf.d/*.conf;
}
CONF
cat > /etc/nginx/conf.d/default.conf <<'CONF'
server {
    listen       80;
    server_name  localhost;

    #access_log  /var/log/nginx/host.access.log  main;

    location / {
        root   /usr/share/nginx/html;
        index  index.html index.htm;
    }

    #error_page  404              /404.html;

    # redirect server error pages to the static page /50x.html
    #
    error_page   500 502 503 504  /50x.html;
    location = /50x.html {
        root   /usr/share/nginx/html;
    }
}
CONF
cat > /usr/share/nginx/html/index.html <<'HTML'
<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>For online documentation and support please refer to
<a href="http://nginx.org/">nginx.org</a>.<br/>
Commercial support is available at
<a href="http://nginx.com/">nginx.com</a>.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
HTML
cat > /usr/share/nginx/html/50x.html <<'HTML'
<!DOCTYPE html>
<html>
<head>
<title>Error</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
<h1>An error occurred.</h1>
<p>Sorry, the page you are looking for is currently unavailable.<br/>
Please try again later.</p>
<p>If you are the system administrator of this resource then you should check
the error log for details.</p>
<p><em>Faithfully yours, nginx.</em></p>
</body>
</html>
HTML
ln -sf /dev/stdout /var/log/nginx/access.log
ln -sf /dev/stderr /var/log/nginx/error.log
nginx -t -q
SETUP
}
NGINX=docker.io/library/nginx:1.24.0
make_image "$NGINX" nginx setup_nginx "$NGINX_PKGS" "$PATH_ENV" 'EXPOSE 80' 'STOPSIGNAL SIGQUIT' \
  'CMD ["nginx", "-g", "daemon off;"]'

# aws-cli: Debian's awscli (AWS CLI v2), entrypoint /usr/local/bin/aws and
# workdir /aws as in the official image; plus its test-tools layer, Debian's
# boto3 (1.26, which ignores AWS_ENDPOINT_URL too) for `python3` in tasks. It ignores AWS_ENDPOINT_URL (the CLI
# honours it from 2.13): in a task it calls AWS's own names over HTTPS, which
# the VPC's resolver and fargo's TLS answer.
setup_awscli() {
  $SUDO mkdir -p "$1/aws" "$1/usr/local/bin"
  $SUDO ln -sf /usr/bin/aws "$1/usr/local/bin/aws"
}
AWSCLI=docker.io/amazon/aws-cli:2.11.13

make_image "$AWSCLI" awscli setup_awscli "$AWSCLI_PKGS $AWSCLI_TEST_TOOLS" "$PATH_ENV" 'WORKDIR /aws' \
  'ENTRYPOINT ["/usr/local/bin/aws"]' "LABEL fargo.test-tools=$(echo $AWSCLI_TEST_TOOLS | tr ' ' ,)"
