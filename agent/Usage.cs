namespace Telemetry.Agent.Host;

internal static class Usage
{
    public const string Text = """
        telemetry-agent <command> [--config FILE] [--Agent:Key=value ...]

        Commands:
          run                            sample GPUs and inference servers and report to the collector
          inspect --url URL [--engine E] [--model NAME]
                                         scrape one server's /metrics once and print the normalized reading (JSON)
                                         E: auto (default), vllm, sglang, tgi, llamacpp, triton, trtllm or dynamo;
                                         NAME replaces the model name (TGI and llama.cpp report none)
          gpus [--json]                  list every power source, one reading of each device, or why a source is unavailable
          doctor                         check configuration, power sources, every server and the collector; print each
                                         problem in plain words with its fix (exit 1 when something failed)
          --version                      print the version

        Configuration: a JSON file (--config), then environment variables (Agent__Collector__Url=...),
        then command-line --Agent:Key=value. Keys: Agent:Node, Agent:Site, Agent:Pool,
        Agent:IntervalSeconds, Agent:Collector:Url (or Agent:Collector:Urls:N, shards), Agent:Collector:Token, Agent:Power:Sources (nvml, amd-sysfs, rapl,
        hwmon, dcgm-exporter, simulated), Agent:Power:Nvml:LibraryPath, Agent:Power:IntegrationHz, Agent:Power:SysfsRoot,
        Agent:Power:Hwmon:Sensors:N:Name/PowerPath/PowerScale/EnergyPath/EnergyScale, Agent:Power:DcgmExporter:Url, Agent:Servers:N:Name/Url/Engine/Model/Role/Gpus. See docs/configuration.md.
        """;
}
