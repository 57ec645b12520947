using Telemetry.Nvml.Interop;

namespace Telemetry.Nvml;

/// <summary>
/// Clocks: the current one (<c>nvmlDeviceGetClockInfo</c>) and the device maximum (<c>nvmlDeviceGetMaxClockInfo</c>)
/// of a clock domain, converted once from NVML's MHz to hertz. NOT_SUPPORTED (3) where the GPU cannot report
/// the domain (and on MIG handles); the status is returned, never thrown.
/// </summary>
public sealed unsafe partial class NvmlDevice
{
    private const double HertzPerMegahertz = 1e6;

    /// <summary>Current clock of <paramref name="clock"/> in Hz.</summary>
    public NvmlResult<double> ReadClockHertz(NvmlClockType clock) => ReadClock(&NvmlNative.DeviceGetClockInfo, clock);

    /// <summary>Maximum clock of <paramref name="clock"/> in Hz: the ceiling "clocks vs limit" is judged against.</summary>
    public NvmlResult<double> ReadMaxClockHertz(NvmlClockType clock) => ReadClock(&NvmlNative.DeviceGetMaxClockInfo, clock);

    private NvmlResult<double> ReadClock(delegate*<nint, int, out uint, int> read, NvmlClockType clock)
    {
        if (_library.IsDisposed)
        {
            return new(0, NvmlReturn.Uninitialized);
        }

        try
        {
            var status = (NvmlReturn)read(_handle, (int)clock, out var megahertz);
            return new(status == NvmlReturn.Success ? megahertz * HertzPerMegahertz : 0, status);
        }
        catch (EntryPointNotFoundException)
        {
            return new(0, NvmlReturn.FunctionNotFound);
        }
    }
}

/// <summary><c>nvmlClockType_t</c> (nvml.h): the clock domains NVML reports, in MHz.</summary>
public enum NvmlClockType
{
    Graphics = 0,
    Sm = 1,
    Memory = 2,
    Video = 3,
}
