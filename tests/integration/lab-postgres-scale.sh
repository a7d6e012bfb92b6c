#!/bin/bash
# lab-postgres-scale.sh — lab-postgres-scale's container half at the lab's
# own N = 1, 2, 4, 8 PostgreSQL servers in runc, with 3 s windows:
#  - each step has its N instances' rows and its aggregate;
#  - all eight ran together ("8 of 8"), over the step's common window;
#  - the rule on the aggregate (eight together against one) reaches a
#    verdict, judged on the sum, not the per-instance mean.
# The VM half runs at N = 1, 2 (eight emulated VMs each starting
# PostgreSQL take four minutes under TCG): the same lab with qemu and
# max_instances 2, its rule on the aggregate of two VMs against one. Both
# VMs ran together, every instance ended ok, and the rule says "cannot
# tell: emulated" under TCG, a verdict with KVM (lab-lib.sh).
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/vm-lib.sh"
. "$top_srcdir/tests/integration/lab-lib.sh"
need_pkgs postgresql postgresql-client || skip "cannot install postgresql and postgresql-client"
need_runtime runc
out=$test_state/out

isolab lab run lab-postgres-scale -r runc -t 3 -q >"$out" 2>&1
[ $? -le 1 ] || fail "lab-postgres-scale exited badly: $(cat "$out")"
rule="eight containers together keep at least 70% of the total throughput of one"
lab_verdict "$rule"
for n in 1 2 4 8; do
	grep -Eq "^runc +N=$n +postgresql +rate +tps +$n +[0-9.]+ .* [0-9.]+ +- " "$out" ||
		fail "no N=$n rate row with its aggregate: $(grep -E '^runc +N=' "$out" | head -8)"
done
grep -q "^fit: runc/postgresql: 8 of 8 instances ran together$" "$out" || fail "the eight did not run together: $(grep '^fit' "$out")"
# The rule judged the aggregates: N=8's sum over N=1's, as the rows give them.
agg() { awk -v n="N=$1" '$1 == "runc" && $2 == n && $4 == "rate" { print $(NF-2) }' "$out"; }
a1=$(agg 1) a8=$(agg 8)
grep -A2 -E "^  \[[a-z ]+\] $rule" "$out" | tr -s ' \n' ' ' |
	grep -q "runc/N=8 postgresql aggregate.rate = [0-9.,]* tps, runc/N=1 = [0-9.,]*: ratio" ||
	fail "the verdict is not on the aggregates ($a8 against $a1): $(grep -A3 -E "^  \[[a-z ]+\] $rule" "$out")"
lab_ends_ok 15
ok "lab-postgres-scale, runc: aggregate $a1 tps at N=1, $a8 at N=8: $(lab_outcomes)"

# The VM half, small: qemu only, N up to 2, the rule on two against one.
cat >"$test_state/vm-scale.conf" <<'EOF'
experiments = {
  lab-postgres-scale-vm = {
    kind = "scale";
    title = "PostgreSQL at scale, in VMs, small";
    question = "Do two VMs together keep the total throughput of one?";
    runtimes = [ "qemu" ];
    workloads = [ "postgresql" ];
    repetitions = 1;
    duration = 2.0;
    grace = 90.0;
    max_instances = 2;
    params = { clients = 2; scale = 1; };
    expect = (
      { runtime = "qemu"; variant = "N=2"; vs = "qemu"; vs_variant = "N=1"; workload = "postgresql";
        metric = "aggregate.rate"; ratio_max = 0.7; needs_kvm = true;
        text = "two VMs together fall below 70% of the total throughput of one"; }
    );
  };
};
EOF
isolab -c "$test_state/vm-scale.conf" lab run lab-postgres-scale-vm -q >"$out" 2>&1
[ $? -le 1 ] || fail "the VM half exited badly: $(cat "$out")"
for n in 1 2; do
	grep -Eq "^qemu +N=$n +postgresql +rate +tps +$n +[0-9.]+ .* [0-9.]+ +- " "$out" ||
		fail "no qemu N=$n rate row with its aggregate: $(grep -E '^qemu +N=' "$out" | head -4)"
done
grep -q "^fit: qemu/postgresql: 2 of 2 instances ran together$" "$out" || fail "the two VMs did not run together: $(grep '^fit' "$out")"
lab_vm_verdict "two VMs together fall below 70% of the total throughput of one"
lab_ends_ok 3
ok "lab-postgres-scale, qemu at N = 1, 2: $(lab_outcomes)"
