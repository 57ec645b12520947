namespace Telemetry.EndToEnd.Tests;

/// <summary>Process tests run one at a time: on a 2-core machine parallel hosts would skew each other's timing.</summary>
[CollectionDefinition("processes", DisableParallelization = true)]
public sealed class SerialProcesses;
