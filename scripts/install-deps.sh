#!/usr/bin/env bash
# Installs the Debian packages bootgate needs, only those that are missing.
#   install-deps.sh build|test|bench   (each set includes the one before it)
set -euo pipefail
set_name=${1:-build}

build=(build-essential cmake pkg-config clang llvm lld libclang-rt-14-dev
       libbpf-dev libxdp-dev xdp-tools bpftool libelf-dev zlib1g-dev
       libboost-dev libyaml-cpp-dev libspdlog-dev libfmt-dev libcli11-dev libsqlite3-dev
       libgtest-dev libgmock-dev)
# Real peers and kernel tools for the integration suite. dnsmasq-base has no service to start.
test=(python3 iproute2 ethtool tcpdump curl tftp-hpa atftp busybox isc-dhcp-client isc-dhcp-relay
      kea-admin kea-dhcp4-server dnsmasq-base qemu-system-x86 ipxe-qemu procps psmisc)
bench=(iperf3 atftpd bc python3)

pkgs=("${build[@]}")
case "$set_name" in
  build) ;;
  test) pkgs+=("${test[@]}") ;;
  bench) pkgs+=("${test[@]}" "${bench[@]}") ;;
  *) echo "usage: $0 build|test|bench" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "bootgate: missing packages: ${missing[*]}" >&2
  echo "bootgate: run 'sudo $0 $set_name' (or install them with apt-get) and try again" >&2
  exit 1
fi
echo "bootgate: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Never start package services (kea, atftpd) on install: tests start their own servers.
policy_created=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && policy_created=1
fi
trap 'if [ $policy_created -eq 1 ]; then rm -f /usr/sbin/policy-rc.d; fi' EXIT
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
