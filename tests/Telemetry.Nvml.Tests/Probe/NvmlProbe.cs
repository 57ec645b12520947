using System.Globalization;

namespace Telemetry.Nvml.Tests.Probe;

/// <summary>
/// Entry point of this assembly when a test runs it as a child process ("dotnet exec Telemetry.Nvml.Tests.dll
/// open PATH|-"): opens NVML the way the agent does and prints key=value lines for the parent to assert on.
/// A child gets its own dlopen search (LD_LIBRARY_PATH), native environment and first-loaded library.
/// </summary>
public static class NvmlProbe
{
    public static int Main(string[] args)
    {
        if (args is not ["open", var path])
        {
            Console.Error.WriteLine("usage: open <library path | ->");
            return 64;
        }

        try
        {
            using var nvml = NvmlLibrary.Open(path == "-" ? null : path);
            Print("driver", nvml.DriverVersion);
            Print("count", nvml.DeviceCount);
            for (var i = 0; i < nvml.DeviceCount; i++)
            {
                var device = nvml.OpenDevice(i);
                var memory = device.ReadMemory();
                Print($"device{i}.name", device.Name);
                Print($"device{i}.uuid", device.Uuid);
                Print($"device{i}.power_w", device.ReadPowerWatts().Value);
                Print($"device{i}.energy_status", device.ReadEnergyJoules().Status);
                Print($"device{i}.memory_status", memory.Status);
                Print($"device{i}.memory_used", memory.Value.UsedBytes);
                Print($"device{i}.memory_v1", device.UsesMemoryInfoV1);
                Print($"device{i}.temperature", device.ReadTemperatureCelsius().Value);
                Print($"device{i}.temperature_deprecated", device.UsesDeprecatedTemperature);
                var processes = device.ReadComputeProcesses();
                Print($"device{i}.processes_status", processes.Status);
                Print($"device{i}.processes", string.Join(",", processes.Value.Select(p => $"{p.Pid}:{p.UsedMemoryBytes}")));
                Print($"device{i}.power_average_w", device.ReadPowerFields().Value.AverageWatts?.ToString(CultureInfo.InvariantCulture) ?? "none");
            }

            Print("loaded_from", Interop.NvmlLoader.LoadedFrom);
            Print("process_stride", nvml.ProcessStride);
            Print("processes_v1", nvml.ProcessesV1Only);
            return 0;
        }
        catch (NvmlException ex)
        {
            Print("error.code", (int)ex.Code);
            Print("error.message", ex.Message);
            return 2;
        }
    }

    private static void Print(string key, object? value) =>
        Console.WriteLine($"{key}={Convert.ToString(value, CultureInfo.InvariantCulture)}");
}
