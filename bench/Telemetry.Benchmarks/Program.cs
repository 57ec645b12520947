using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Telemetry.Benchmarks -- --filter '*'
// dotnet run -c Release --project bench/Telemetry.Benchmarks -- energy-accuracy   (docs/BENCHMARKS.md, issue 3)
if (args is ["energy-accuracy", ..])
{
    return Telemetry.Benchmarks.EnergyAccuracy.Run(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
