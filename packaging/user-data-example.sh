#!/bin/bash
# ebbflow compute node: mount the shared folder, then run `ebbflow compute-node` as a transient
# systemd unit (so cloud-init's final stage finishes while the daemon keeps running).
set -eu
echo "EBBFLOW_CLUSTER=CLUSTER" > /etc/default/ebbflow
mountpoint -q /shared || mount /shared
systemd-run --unit=ebbflow-compute-node --property=Restart=on-failure \
  /usr/local/bin/ebbflow compute-node --cluster-dir /shared/ebbflow/clusters/CLUSTER
