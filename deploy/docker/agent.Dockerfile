# Inference Telemetry agent image (docs/install-containers.md). Build from the repository root:
#   docker build -f deploy/docker/agent.Dockerfile -t inference-telemetry-agent:0.1.0 .
# Run on a GPU node (NVIDIA container toolkit; the agent reads NVML, it does not need a GPU allocated):
#   docker run -d --name telemetry-agent --gpus all --network host \
#     -e Agent__Node=$(hostname) -e Agent__Collector__Url=http://collector:9464 -e Agent__Collector__Token=... \
#     -e Agent__Servers__0__Url=http://127.0.0.1:8000/metrics inference-telemetry-agent:0.1.0
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
# One self-contained, ReadyToRun single file (agent/Telemetry.Agent.Host.csproj sets the publish properties).
RUN dotnet publish agent/Telemetry.Agent.Host.csproj -c Release -r linux-x64 -o /out

# runtime-deps: only the native libraries .NET needs (libc, OpenSSL, ICU not even that: invariant globalization).
FROM mcr.microsoft.com/dotnet/runtime-deps:10.0
COPY --from=build /out/telemetry-agent /usr/local/bin/telemetry-agent
# NVML comes from the host driver, injected by the NVIDIA container toolkit for the 'utility' capability.
ENV NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=utility
# The image's non-root 'app' user (UID 1654).
USER app
ENTRYPOINT ["/usr/local/bin/telemetry-agent"]
CMD ["run"]
