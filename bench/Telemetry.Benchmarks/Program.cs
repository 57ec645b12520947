using BenchmarkDotNet.Running;
using Telemetry.Benchmarks;

// dotnet run -c Release --project bench/Telemetry.Benchmarks -- --filter '*'      (BenchmarkDotNet micro-benchmarks)
// dotnet run -c Release --project bench/Telemetry.Benchmarks -- scale [nodes]    (fleet-scale collector run)
if (args.Length > 0 && args[0] == "scale")
{
    ScaleRun.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 12_500);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(ScaleRun).Assembly).Run(args);
