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
          gpus [--json]                  list the power sources found and one reading of each
          --version                      print the version

        Configuration: a JSON file (--config), then environment variables (Agent__Collector__Url=...),
        then command-line --Agent:Key=value. Keys: Agent:Node, Agent:Site, Agent:Pool,
        Agent:IntervalSeconds, Agent:Collector:Url, Agent:Collector:Token, Agent:Power:Sources (nvml, simulated),
        Agent:Power:Nvml:LibraryPath, Agent:Servers:N:Name/Url/Engine/Model/Role/Gpus. See docs/configuration.md.
        """;
}
