#!/bin/bash
# A throwaway qmaster-only SGE 8.1.9 cell for sge_live_test.cpp. Run as root under
# `unshare --net --uts --mount`: the qmaster gets its own loopback, host name (sgemaster) and
# /etc/hosts (a file in ROOT, bind-mounted in this mount namespace only). Everything lives in
# ROOT; nothing outside is touched. Client wrappers in ROOT/bin enter these namespaces with
# nsenter. The cell stays up until ROOT/stop appears (or 300 s pass), then the qmaster is killed
# by its PID and the script exits (the namespaces go with it).
set -u
ROOT=$1
exec >"$ROOT/setup.log" 2>&1
B=/usr/lib/gridengine
export SGE_ROOT=$ROOT SGE_CELL=c SGE_ARCH=lx-amd64
C=$ROOT/c/common; SP=$ROOT/spool
mkdir -p $C $SP/qmaster $SP/execd $ROOT/conf
ip link set lo up
hostname sgemaster
printf '127.0.0.1 sgemaster localhost\n10.99.0.2 sgenode1\n10.99.0.3 sgenode2\n10.99.0.4 sgenode3\n' > $ROOT/hosts
mount --bind $ROOT/hosts /etc/hosts
cat > $C/bootstrap <<B2
admin_user              none
default_domain          none
ignore_fqdn             true
spooling_method         classic
spooling_lib            libspoolc
spooling_params         $C;$SP/qmaster
binary_path             /usr/sbin
qmaster_spool_dir       $SP/qmaster
security_mode           none
listener_threads        2
worker_threads          2
scheduler_threads       1
B2
echo sgemaster > $C/act_qmaster
LD_LIBRARY_PATH=$B $B/spoolinit classic libspoolc "$C;$SP/qmaster" init >/dev/null || { touch $ROOT/failed; exit 1; }
sed -e "s|^execd_spool_dir.*|execd_spool_dir $SP/execd|" -e 's|^min_uid.*|min_uid 0|' -e 's|^min_gid.*|min_gid 0|' \
  /usr/share/gridengine/default-configuration > $ROOT/conf/global
for a in "configuration $ROOT/conf/global" "complexes /usr/share/gridengine/util/resources/centry" \
         "usersets /usr/share/gridengine/util/resources/usersets" "managers root"; do
  LD_LIBRARY_PATH=$B $B/spooldefaults.bin $a >/dev/null || { echo "spooldefaults $a failed"; touch $ROOT/failed; exit 1; }
done
SGE_ND=1 $B/sge_qmaster > $ROOT/qmaster.out 2>&1 &
QM=$!
# SIGKILL: a controlled shutdown takes ~10 s and the cell is thrown away anyway.
trap 'kill -9 $QM 2>/dev/null; wait $QM 2>/dev/null' EXIT
for i in $(seq 1 60); do $B/qconf -sh >/dev/null 2>&1 && break; sleep 0.5; done
$B/qconf -sh >/dev/null 2>&1 || { echo "sge_qmaster did not answer"; touch $ROOT/failed; exit 1; }
printf 'group_name @allhosts\nhostlist NONE\n' > $ROOT/conf/allhosts
$B/qconf -Ahgrp $ROOT/conf/allhosts >/dev/null
cat > $ROOT/conf/allq <<Q
qname all.q
hostlist @allhosts
seq_no 0
load_thresholds NONE
suspend_thresholds NONE
nsuspend 1
suspend_interval 00:05:00
priority 0
min_cpu_interval 00:05:00
processors UNDEFINED
qtype BATCH INTERACTIVE
ckpt_list NONE
pe_list NONE
rerun FALSE
slots 1
tmpdir /tmp
shell /bin/sh
prolog NONE
epilog NONE
shell_start_mode posix_compliant
starter_method NONE
suspend_method NONE
resume_method NONE
terminate_method NONE
notify 00:00:60
owner_list NONE
user_lists NONE
xuser_lists NONE
subordinate_list NONE
complex_values NONE
projects NONE
xprojects NONE
calendar NONE
initial_state default
s_rt INFINITY
h_rt INFINITY
s_cpu INFINITY
h_cpu INFINITY
s_fsize INFINITY
h_fsize INFINITY
s_data INFINITY
h_data INFINITY
s_stack INFINITY
h_stack INFINITY
s_core INFINITY
h_core INFINITY
s_rss INFINITY
h_rss INFINITY
s_vmem INFINITY
h_vmem INFINITY
Q
$B/qconf -Aq $ROOT/conf/allq >/dev/null
$B/qconf -as sgemaster >/dev/null
mkdir -p $ROOT/bin
for p in qstat qconf qmod qsub qhold; do
  printf '#!/bin/sh\nexec nsenter -t %s -n -u -m env SGE_ROOT=%s SGE_CELL=c SGE_ARCH=lx-amd64 %s/%s "$@"\n' \
    $$ "$ROOT" "$B" "$p" > $ROOT/bin/$p
  chmod 755 $ROOT/bin/$p
done
date +%s.%N > $ROOT/ready
for i in $(seq 1 3000); do [ -e $ROOT/stop ] && break; sleep 0.1; done
