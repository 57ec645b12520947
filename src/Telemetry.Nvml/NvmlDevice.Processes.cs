using System.Runtime.InteropServices;
using Telemetry.Nvml.Interop;

namespace Telemetry.Nvml;

/// <summary>
/// Running compute processes, for mapping inference servers to GPUs by PID. Uses
/// <c>nvmlDeviceGetComputeRunningProcesses_v3</c> with a probed record stride (R535 wrote 32-byte records where
/// the header says 24; reference gpu-energy.md 1.6), and the 16-byte v1 call on drivers without <c>_v3</c>.
/// </summary>
public sealed unsafe partial class NvmlDevice
{
    /// <summary>sizeof(nvmlProcessInfo_v2_t), the header's layout for _v3.</summary>
    internal const int ProcessStrideHeader = 24;

    /// <summary>sizeof(nvmlProcessDetail_v1_t), what the R535 driver wrote.</summary>
    internal const int ProcessStrideR535 = 32;

    /// <summary>Extra records beyond the probed count: processes may start between the two calls.</summary>
    private const int ProcessHeadroom = 8;

    /// <summary>Attempts when the count keeps growing between the probe and the read.</summary>
    private const int ProcessAttempts = 3;

    /// <summary>Fill pattern for the stride probe: bytes the driver did not write keep it.</summary>
    private const byte ProbeFill = 0xAA;

    /// <summary>NVML_VALUE_NOT_AVAILABLE as an unsigned long long (e.g. usedGpuMemory under WDDM).</summary>
    private const ulong NotAvailable = ulong.MaxValue;

    /// <summary>PIDs and used memory of the compute processes on this GPU; empty when there are none.</summary>
    public NvmlResult<IReadOnlyList<NvmlProcess>> ReadComputeProcesses()
    {
        if (_library.IsDisposed)
        {
            return new([], NvmlReturn.Uninitialized);
        }

        try
        {
            return _library.ProcessesV1Only ? ReadProcessesV1() : ReadProcessesV3();
        }
        catch (EntryPointNotFoundException)
        {
            if (_library.ProcessesV1Only)
            {
                return new([], NvmlReturn.FunctionNotFound);
            }

            _library.ProcessesV1Only = true;
            return ReadComputeProcesses();
        }
    }

    private NvmlResult<IReadOnlyList<NvmlProcess>> ReadProcessesV3()
    {
        uint count = 0;
        var status = (NvmlReturn)NvmlNative.DeviceGetComputeRunningProcessesV3(_handle, ref count, null);
        for (var attempt = 0; attempt < ProcessAttempts && status == NvmlReturn.InsufficientSize; attempt++)
        {
            // Room for the largest stride, so a 32-byte driver cannot write past the buffer.
            var capacity = count + ProcessHeadroom;
            var buffer = new byte[capacity * ProcessStrideR535];
            buffer.AsSpan().Fill(ProbeFill);
            count = capacity;
            fixed (byte* p = buffer)
            {
                status = (NvmlReturn)NvmlNative.DeviceGetComputeRunningProcessesV3(_handle, ref count, p);
            }

            if (status == NvmlReturn.Success)
            {
                return new(Decode(buffer, (int)count, StrideOf(buffer, (int)count)), status);
            }
        }

        return new([], status);
    }

    /// <summary>
    /// The stride the driver used, probed once per library from how far it wrote into a buffer filled with
    /// <see cref="ProbeFill"/>: past 24 bytes per record means 32-byte records. A 24-byte record never
    /// reaches further, and a 32-byte one ends with <c>usedGpuCcProtectedMemory</c>, which is not 0xAA… in practice.
    /// </summary>
    private int StrideOf(byte[] buffer, int count)
    {
        var known = _library.ProcessStride;
        if (known > 0 || count == 0)
        {
            return known > 0 ? known : ProcessStrideHeader;
        }

        var written = buffer.AsSpan().LastIndexOfAnyExcept(ProbeFill) + 1;
        var stride = written > count * ProcessStrideHeader ? ProcessStrideR535 : ProcessStrideHeader;
        _library.ProcessStride = stride;
        return stride;
    }

    private static NvmlProcess[] Decode(byte[] buffer, int count, int stride)
    {
        var processes = new NvmlProcess[count];
        for (var i = 0; i < count; i++)
        {
            var record = MemoryMarshal.Read<NvmlProcessInfo>(buffer.AsSpan(i * stride, ProcessStrideHeader));
            processes[i] = new NvmlProcess((int)record.Pid, record.UsedGpuMemory == NotAvailable ? null : record.UsedGpuMemory);
        }

        return processes;
    }

    private NvmlResult<IReadOnlyList<NvmlProcess>> ReadProcessesV1()
    {
        uint count = 0;
        var status = (NvmlReturn)NvmlNative.DeviceGetComputeRunningProcessesV1(_handle, ref count, null);
        for (var attempt = 0; attempt < ProcessAttempts && status == NvmlReturn.InsufficientSize; attempt++)
        {
            var records = new NvmlProcessInfoV1[count + ProcessHeadroom];
            count = (uint)records.Length;
            fixed (NvmlProcessInfoV1* p = records)
            {
                status = (NvmlReturn)NvmlNative.DeviceGetComputeRunningProcessesV1(_handle, ref count, p);
            }

            if (status == NvmlReturn.Success)
            {
                return new(records.Take((int)count).Select(r => new NvmlProcess((int)r.Pid, r.UsedGpuMemory == NotAvailable ? null : r.UsedGpuMemory)).ToArray(), status);
            }
        }

        return new([], status);
    }
}

/// <summary>A compute process on a GPU: its PID and framebuffer bytes (null when NVML cannot tell).</summary>
public readonly record struct NvmlProcess(int Pid, ulong? UsedMemoryBytes);
