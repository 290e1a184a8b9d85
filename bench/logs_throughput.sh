#!/usr/bin/env bash
# CloudWatch Logs throughput, fargo vs moto_server, same load generator (wrk),
# same requests, one run: DescribeLogGroups (a read) and PutLogEvents with
# 1,000-event batches. Also fargo's resident memory when idle.
# Bounded: each load lasts DURATION seconds against loopback only.
source "$(dirname "$0")/lib.sh"
DURATION="${DURATION:-5}"
CONNS="${CONNS:-8}"
command -v wrk >/dev/null || { echo "bench: wrk is not installed (apt-get install wrk)" >&2; exit 1; }

start_fargo
sleep 1
IDLE_RSS=$(rss_kb "$FARGO_PID")
start_moto

call() {  # port target body
  curl -s -f -o /dev/null -X POST "http://127.0.0.1:$1/" -H "Content-Type: application/x-amz-json-1.1" \
    -H "X-Amz-Target: Logs_20140328.$2" \
    -H "Authorization: AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/logs/aws4_request, SignedHeaders=host, Signature=0" \
    -d "$3"
}

for port in "$FARGO_PORT" "$MOTO_PORT"; do
  for i in $(seq 1 20); do call "$port" CreateLogGroup "{\"logGroupName\":\"/bench/group-$i\"}"; done
  call "$port" CreateLogStream '{"logGroupName":"/bench/group-1","logStreamName":"s"}'
done

echo '{"limit": 50}' >"$WORK/describe.json"
python3 - "$WORK/put.json" <<'PY'
import json, sys, time
now = int(time.time() * 1000)
events = [{"timestamp": now - 1000 + i, "message": f"event {i} level=info msg=\"request served\" latency_ms={i % 97}"} for i in range(1000)]
json.dump({"logGroupName": "/bench/group-1", "logStreamName": "s", "logEvents": events}, open(sys.argv[1], "w"))
PY

run_wrk() {  # port target body-file -> requests/s
  TARGET="Logs_20140328.$2" BODY_FILE="$3" wrk -t2 -c"$CONNS" -d"${DURATION}s" \
    -s "$(dirname "$0")/wrk_json.lua" "http://127.0.0.1:$1/" | awk '/Requests\/sec/ {print $2}'
}

printf "%-34s %12s %12s %8s\n" "benchmark" "fargo" "moto" "ratio"
for spec in "DescribeLogGroups:describe.json:req/s" "PutLogEvents:put.json:batches/s"; do
  IFS=: read -r op body unit <<<"$spec"
  f=$(run_wrk "$FARGO_PORT" "$op" "$WORK/$body")
  m=$(run_wrk "$MOTO_PORT" "$op" "$WORK/$body")
  printf "%-34s %12s %12s %7sx\n" "$op ($unit)" "$f" "$m" "$(ratio "$f" "$m")"
done
printf "%-34s %12s\n" "fargo idle RSS (MB)" "$(python3 -c "print(round($IDLE_RSS/1024,1))")"
printf "%-34s %12s\n" "fargo RSS after load (MB)" "$(python3 -c "print(round($(rss_kb "$FARGO_PID")/1024,1))")"
