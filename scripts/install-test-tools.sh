#!/usr/bin/env bash
# Installs the real programs the interop and browser tests talk to (Debian bookworm packages);
# chromium is the browser test/web drives through playwright-core, with the fonts it recommends
# (so pages lay out, and screenshots look, as on a desktop).
# rsyslog and syslog-ng-core conflict as Debian packages (both "Provide: system-log-daemon"),
# so rsyslog is installed normally and syslog-ng-core is unpacked under .tools/syslog-ng
# with its shared-library dependencies installed by apt; tests find it there.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export DEBIAN_FRONTEND=noninteractive

apt-get update -qq
apt-get install -y -qq --no-install-recommends \
  rsyslog rsyslog-openssl rsyslog-relp openssl tinyproxy chromium fonts-liberation \
  libivykis0 libnet1 libjson-c5 libwrap0 libglib2.0-0 libpcre3 libcap2 libssl3 >/dev/null

dest="$root/.tools/syslog-ng"
if [ ! -x "$dest/usr/sbin/syslog-ng" ]; then
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download -qq syslog-ng-core)
  rm -rf "$dest" && mkdir -p "$dest"
  dpkg -x "$tmp"/syslog-ng-core_*.deb "$dest"
  rm -rf "$tmp"
fi
LD_LIBRARY_PATH="$dest/usr/lib/syslog-ng" "$dest/usr/sbin/syslog-ng" --version | head -n 1
rsyslogd -v | head -n 1
# The binary itself: the /usr/bin/chromium launcher's /dev/shm check can print a shell warning.
/usr/lib/chromium/chromium --version
