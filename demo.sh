#!/usr/bin/env bash
# Starts a collector and a clearly labelled SIMULATED node (simulated GPUs + simulated engine) on
# this machine, and prints live KPIs from http://127.0.0.1:9464/metrics. No GPU or inference server
# needed. Ctrl-C stops both. A real deployment differs only by configuration (docs/configuration.md).
#   ./demo.sh              run until Ctrl-C
#   ./demo.sh --seconds N  run for N seconds, then stop
set -euo pipefail
cd "$(dirname "$0")"
seconds=0
if [[ "${1:-}" == "--seconds" ]]; then seconds="${2:?--seconds needs a number}"; fi

echo "Building (first time takes a minute)..."
dotnet build Telemetry.sln -c Release -v quiet -nologo >/dev/null

out=artifacts/bin
collector_pid=""; agent_pid=""
cleanup() {
  [[ -n "$agent_pid" ]] && kill "$agent_pid" 2>/dev/null || true
  [[ -n "$collector_pid" ]] && kill "$collector_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  echo "stopped."
}
trap cleanup EXIT INT TERM

dotnet "$out/Telemetry.Collector.Host/release/telemetry-collector.dll" --config demo/collector.json &
collector_pid=$!
for _ in $(seq 1 50); do curl -fs http://127.0.0.1:9464/readyz >/dev/null 2>&1 && break; sleep 0.2; done
dotnet "$out/Telemetry.Agent.Host/release/telemetry-agent.dll" run --config demo/agent.json &
agent_pid=$!

echo
echo "SIMULATED node 'demo-node' is reporting. Metrics: http://127.0.0.1:9464/metrics   KPIs as JSON: http://127.0.0.1:9464/api/v1/kpis"
start=$(date +%s)
while true; do
  sleep 10
  echo "---- $(date +%T)  server demo-llm, window 1m, output tokens"
  metrics=$(curl -fs http://127.0.0.1:9464/metrics || true)
  for family in inference_kpi_tokens_per_joule inference_kpi_cost_per_million_tokens_usd; do
    echo "$metrics" | grep "^$family{scope=\"server\"" | grep 'window="1m"' | grep 'token_type="output"' | sed -E 's/\{.*(basis="[a-z]+").*\}/ \1/; s/\{.*\}//' || true
  done
  echo "$metrics" | grep '^inference_kpi_latency_seconds{scope="server"' | grep 'window="1m"' | grep 'metric="ttft"' | grep 'quantile="0.99"' | sed -E 's/\{.*\}/ ttft p99/' || echo "(waiting for the first whole slots of data)"
  if [[ "$seconds" != 0 && $(( $(date +%s) - start )) -ge "$seconds" ]]; then break; fi
done
