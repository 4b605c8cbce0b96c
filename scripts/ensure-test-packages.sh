#!/usr/bin/env bash
# The integration tests use real programs: OpenSSH's sshd, monitoring-plugins, mtr, nftables, and
# libcloud / the AWS CLI as independent clients of the sandbox, chromium for the HTML report (driven by
# playwright-core, which never downloads a browser) and nagios4-core for "nagios4 -v" on the
# generated Nagios configuration. Install whichever are missing
# (as root, with apt-get), or say exactly what to install.
set -euo pipefail
packages=(openssh-server iproute2 iputils-ping mtr-tiny nftables monitoring-plugins-basic
  monitoring-plugins-standard liburiparser1 bind9-dnsutils curl openssl prometheus-pushgateway
  python3-prometheus-client python3-libcloud awscli chromium nagios4-core)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "The tests need these Debian packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
echo "Installing Debian packages for the tests: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
