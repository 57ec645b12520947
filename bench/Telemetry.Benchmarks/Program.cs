using BenchmarkDotNet.Running;
using Telemetry.Benchmarks;

// dotnet run -c Release --project bench/Telemetry.Benchmarks -- --filter '*'         (BenchmarkDotNet micro-benchmarks)
// dotnet run -c Release --project bench/Telemetry.Benchmarks -- scale [nodes [body-file|- [renders]]] (fleet-scale collector run, issue 5)
// dotnet run -c Release --project bench/Telemetry.Benchmarks -- otlp [nodes]        (cost of one OTLP push, docs/otlp.md)
// dotnet run -c Release --project bench/Telemetry.Benchmarks -- energy-accuracy     (docs/BENCHMARKS.md, issue 3)
// dotnet run -c Release --project bench/Telemetry.Benchmarks -- proxy-overhead [llama-server] [requests]  (issue 6)
// dotnet run -c Release --project bench/Telemetry.Benchmarks -- agent-budget [seconds [warm-up]]  (agent CPU/RSS, issue 8)
// dotnet run -c Release --project bench/Telemetry.Benchmarks -- fuzz [count] [seed] (mutated inputs per target, issue 8)
if (args is ["fuzz", ..])
{
    return await FuzzRun.RunAsync(args[1..]);
}

// dotnet run -c Release --project bench/Telemetry.Benchmarks -- load [nodes [seconds]] (one collector's capacity over HTTP, issue 8)
// dotnet run -c Release --project bench/Telemetry.Benchmarks -- ingest-cost [nodes [rounds]] (decode + apply: µs and KB per report)
if (args is ["load", ..])
{
    return await Telemetry.Benchmarks.Load.LoadRun.RunAsync(args[1..]);
}

if (args is ["ingest-cost", ..])
{
    return Telemetry.Benchmarks.Load.IngestCost.Run(args[1..]); // decode + apply, CPU and allocation per report
}

if (args is ["empty-endpoint", var listen])
{
    return await Telemetry.Benchmarks.Load.EmptyEndpoint.RunAsync(listen); // the load run's ceiling, in its own process
}

if (args is ["scale", ..])
{
    ScaleRun.Run(
        args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 12_500,
        args.Length > 2 && args[2] != "-" ? args[2] : null,
        args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 3);
    return 0;
}

if (args is ["proxy-overhead", ..])
{
    return await ProxyOverhead.RunAsync(args[1..]);
}

if (args is ["agent-budget", ..])
{
    return await AgentBudget.RunAsync(args[1..]);
}

if (args is ["otlp", ..])
{
    OtlpPushRun.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1_000);
    return 0;
}

if (args is ["energy-accuracy", ..])
{
    return Telemetry.Benchmarks.EnergyAccuracy.Run(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(ScaleRun).Assembly).Run(args);
return 0;
