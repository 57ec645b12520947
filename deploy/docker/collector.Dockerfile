# Inference Telemetry collector image (docs/install-containers.md). Build from the repository root:
#   docker build -f deploy/docker/collector.Dockerfile -t inference-telemetry-collector:0.1.0 .
# Run:
#   docker run -d --name telemetry-collector -p 9464:9464 \
#     -e Collector__Auth__Tokens__0__Token=... -e Collector__Auth__Tokens__0__Nodes__0=gpu-01 \
#     inference-telemetry-collector:0.1.0
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
# Framework-dependent: the aspnet base image carries the runtime.
RUN dotnet publish collector/Telemetry.Collector.Host.csproj -c Release -o /out

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /out/ ./
# Inside a container the collector must listen beyond loopback; publish the port to choose who reaches it.
ENV Collector__Listen=http://0.0.0.0:9464
EXPOSE 9464
USER app
HEALTHCHECK --interval=30s --timeout=5s CMD ["dotnet", "/app/telemetry-collector.dll", "healthcheck"]
ENTRYPOINT ["dotnet", "/app/telemetry-collector.dll"]
