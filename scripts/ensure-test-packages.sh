#!/usr/bin/env bash
# The integration tests use real programs: OpenSSH's sshd, monitoring-plugins, mtr, nftables, and
# libcloud / the AWS CLI / the openstack CLI / boto3 as independent clients of the sandbox, chromium for the HTML report (driven by
# playwright-core, which never downloads a browser) and nagios4-core for "nagios4 -v" on the
# generated Nagios configuration; prometheus (and promtool) scrape and check what "mc exporter" serves and
# generates; tinyproxy is the forward proxy every provider's requests must pass; sudo gives the network lab's
# non-root probe user its passwordless sudo (test/lab).
set -euo pipefail
exec bash "$(dirname "$0")/ensure-debian-packages.sh" "The tests" \
  openssh-server iproute2 iputils-ping mtr-tiny nftables monitoring-plugins-basic \
  monitoring-plugins-standard liburiparser1 bind9-dnsutils curl openssl prometheus prometheus-pushgateway \
  python3-prometheus-client python3-libcloud awscli python3-openstackclient python3-boto3 chromium nagios4-core \
  tinyproxy sudo
