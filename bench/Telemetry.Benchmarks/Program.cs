using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Telemetry.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
