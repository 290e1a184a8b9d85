#!/usr/bin/env bash
# Wall time of `terraform apply` of examples/vpc-module-stack (a VPC written
# as the community VPC module writes it: 3 zones, public and private subnets,
# one NAT gateway per zone) against fargo and against moto_server, in one
# run, offline; and the floor of the provider's own fixed waits on the
# stack's critical path, which no server can beat. Loopback only.
source "$(dirname "$0")/lib.sh"
MIRROR="${FARGO_TF_MIRROR:-/opt/tf-plugins}"
command -v terraform >/dev/null || { echo "bench: terraform is not installed" >&2; exit 1; }

# The provider (5.100.0) sleeps before its first check, whatever the server
# answers: 10 s for enable_dns_hostnames (ModifyVpcAttribute); with IPv6, 10 s
# more for the VPC's IPv6 block association, then 10 s for each subnet's
# assign_ipv6_address_on_creation (ModifySubnetAttribute; the subnets wait in
# parallel). Everything else hangs off the VPC and subnets and has no fixed
# wait (NAT gateways, routes and associations poll from 0 s).
FLOOR_V4=10
FLOOR_V6=30
# moto does not answer the subnets' IPv6 block association as associated (the
# provider times out after 3 min), so moto is compared on the IPv4 stack.

cat >"$WORK/terraformrc" <<RC
provider_installation {
  filesystem_mirror {
    path    = "$MIRROR"
    include = ["registry.terraform.io/*/*"]
  }
  direct { exclude = ["registry.terraform.io/*/*"] }
}
RC
export TF_CLI_CONFIG_FILE="$WORK/terraformrc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1 TF_INPUT=0
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test

apply_seconds() {  # endpoint dir enable_ipv6 -> seconds of `terraform apply`
  cp -r "$ROOT/examples/vpc-module-stack" "$2"
  "$FARGO_BIN" terraform-override --endpoint "$1" >"$2/fargo_override.tf"
  (cd "$2" && terraform init -input=false -no-color >/dev/null)
  local t0 t1
  t0=$(date +%s.%N)
  (cd "$2" && terraform apply -auto-approve -input=false -no-color -var "enable_ipv6=$3" >"$2/apply.log" 2>&1) ||
    { echo "bench: apply against $1 failed:" >&2; tail -20 "$2/apply.log" >&2; echo "failed"; return 0; }
  t1=$(date +%s.%N)
  python3 -c "print(f'{$t1-$t0:.2f}')"
}

# No task runs here: fargo starts without the task endpoints (whose shared
# address would tie this run to the machine's other fargo instances).
FARGO_PORT=$(free_port)
"$FARGO_BIN" serve --port "$FARGO_PORT" --data-dir "$WORK/fargo" --task-endpoints "" >"$WORK/fargo.log" 2>&1 &
PIDS+=("$!")
wait_http "http://127.0.0.1:$FARGO_PORT/_fargo/health"
start_moto
f4=$(apply_seconds "http://127.0.0.1:$FARGO_PORT" "$WORK/tf-fargo-v4" false)
m4=$(apply_seconds "http://127.0.0.1:$MOTO_PORT" "$WORK/tf-moto-v4" false)
f6=$(apply_seconds "http://127.0.0.1:$FARGO_PORT" "$WORK/tf-fargo-v6" true)
printf "%-44s %9s %9s %9s %12s %12s\n" "terraform apply, VPC module stack" "fargo" "moto" "floor" "moto/fargo" "fargo/floor"
printf "%-44s %8ss %8ss %8ss %11sx %11sx\n" "IPv4 (44 resources)" "$f4" "$m4" "$FLOOR_V4" \
  "$( [[ $m4 == failed ]] && echo - || ratio "$m4" "$f4")" "$(ratio "$f4" "$FLOOR_V4")"
printf "%-44s %8ss %9s %8ss %12s %11sx\n" "IPv6 too (48 resources)" "$f6" "-" "$FLOOR_V6" "-" "$(ratio "$f6" "$FLOOR_V6")"
