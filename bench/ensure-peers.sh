#!/usr/bin/env bash
# The benchmarks compare mc with the tools people would use instead, all run on this machine:
# the AWS CLI and Apache Libcloud (Debian's packages, against mc's sandbox), OpenSSH and
# monitoring-plugins' check_by_ssh (sshd instances on loopback), and GNU time for peak memory.
# Installs whichever are missing (as root, with apt-get), or says exactly what to install.
set -euo pipefail
packages=(time awscli python3-libcloud openssh-server openssh-client monitoring-plugins-basic
  iputils-ping findutils)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "The benchmarks need these Debian packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
echo "Installing Debian packages for the benchmarks: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
