#!/usr/bin/env bash
# The benchmarks compare mc with the tools people would use instead, all run on this machine:
# the AWS CLI and Apache Libcloud (Debian's packages, against mc's sandbox), OpenSSH and
# monitoring-plugins' check_by_ssh (sshd instances on loopback), GNU time for peak memory, and
# Prometheus scraping mc exporter.
set -euo pipefail
exec bash "$(dirname "$0")/../scripts/ensure-debian-packages.sh" "The benchmarks" \
  time awscli python3-libcloud openssh-server openssh-client monitoring-plugins-basic \
  iputils-ping findutils prometheus
