#!/usr/bin/env bash
# Wall time of `terraform apply` of examples/seed-stack, fargo vs moto_server,
# in one run, offline (provider from the filesystem mirror). Loopback only.
source "$(dirname "$0")/lib.sh"
MIRROR="${FARGO_TF_MIRROR:-/opt/tf-plugins}"
command -v terraform >/dev/null || { echo "bench: terraform is not installed" >&2; exit 1; }

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

apply_seconds() {  # endpoint dir -> seconds of `terraform apply`
  cp -r "$ROOT/examples/seed-stack" "$2"
  "$FARGO_BIN" terraform-override --endpoint "$1" >"$2/fargo_override.tf"
  (cd "$2" && terraform init -input=false -no-color >/dev/null)
  local t0 t1
  t0=$(date +%s.%N)
  (cd "$2" && terraform apply -auto-approve -input=false -no-color >"$2/apply.log" 2>&1) ||
    { echo "bench: apply against $1 failed:" >&2; tail -20 "$2/apply.log" >&2; return 1; }
  t1=$(date +%s.%N)
  python3 -c "print(f'{$t1-$t0:.2f}')"
}

start_fargo
start_moto
f=$(apply_seconds "http://127.0.0.1:$FARGO_PORT" "$WORK/tf-fargo")
m=$(apply_seconds "http://127.0.0.1:$MOTO_PORT" "$WORK/tf-moto")
printf "%-34s %10s %10s %8s\n" "benchmark" "fargo" "moto" "speedup"
printf "%-34s %9ss %9ss %7sx\n" "terraform apply (seed stack)" "$f" "$m" "$(ratio "$m" "$f")"
