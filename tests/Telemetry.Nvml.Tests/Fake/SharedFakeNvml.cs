namespace Telemetry.Nvml.Tests.Fake;

/// <summary>Serialises every test that touches the process-global fake NVML state.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SharedFakeNvml
{
    public const string Name = "fake-nvml";
}
