using Telemetry.Nvml.Interop;

namespace Telemetry.Nvml;

/// <summary>Static-ish facts about a GPU: architecture, PCI bus id, MIG mode and MIG devices.</summary>
public sealed unsafe partial class NvmlDevice
{
    /// <summary><c>nvmlDeviceGetArchitecture</c>: Volta (5) and newer have the energy counter.</summary>
    public NvmlResult<NvmlArchitecture> ReadArchitecture()
    {
        var r = ReadUInt(&NvmlNative.DeviceGetArchitecture);
        return new((NvmlArchitecture)r.Value, r.Status);
    }

    /// <summary><c>nvmlDeviceGetPciInfo_v3</c> <c>busId</c>, e.g. "00000000:31:00.0".</summary>
    public NvmlResult<string> ReadPciBusId()
    {
        if (_library.IsDisposed)
        {
            return new("", NvmlReturn.Uninitialized);
        }

        try
        {
            NvmlPciInfo pci;
            var status = (NvmlReturn)NvmlNative.DeviceGetPciInfoV3(_handle, &pci);
            return new(status == NvmlReturn.Success ? NvmlLibrary.DecodeCString(new ReadOnlySpan<byte>(pci.BusId, 32)) : "", status);
        }
        catch (EntryPointNotFoundException)
        {
            return new("", NvmlReturn.FunctionNotFound);
        }
    }

    /// <summary>Current MIG mode (<c>nvmlDeviceGetMigMode</c>); NotSupported before Ampere.</summary>
    public NvmlResult<bool> ReadMigEnabled()
    {
        if (_library.IsDisposed)
        {
            return new(false, NvmlReturn.Uninitialized);
        }

        try
        {
            var status = (NvmlReturn)NvmlNative.DeviceGetMigMode(_handle, out var current, out _);
            return new(status == NvmlReturn.Success && current == 1, status);
        }
        catch (EntryPointNotFoundException)
        {
            return new(false, NvmlReturn.FunctionNotFound);
        }
    }

    /// <summary>
    /// The MIG devices of this (MIG-enabled) GPU, walked fresh each call because MIG handles are invalidated
    /// and reused when instances change. Energy and power stay on the physical GPU (reference 1.7).
    /// </summary>
    public NvmlResult<IReadOnlyList<NvmlMigDevice>> ReadMigDevices()
    {
        if (_library.IsDisposed)
        {
            return new([], NvmlReturn.Uninitialized);
        }

        try
        {
            var status = (NvmlReturn)NvmlNative.DeviceGetMaxMigDeviceCount(_handle, out var max);
            if (status != NvmlReturn.Success)
            {
                return new([], status);
            }

            var devices = new List<NvmlMigDevice>();
            for (uint slot = 0; slot < max; slot++)
            {
                status = (NvmlReturn)NvmlNative.DeviceGetMigDeviceHandleByIndex(_handle, slot, out var mig);
                if (status == NvmlReturn.NotFound)
                {
                    continue; // an empty slot
                }

                if (status != NvmlReturn.Success)
                {
                    return new(devices, status);
                }

                devices.Add(ReadMigDevice(mig, (int)slot));
            }

            return new(devices, NvmlReturn.Success);
        }
        catch (EntryPointNotFoundException)
        {
            return new([], NvmlReturn.FunctionNotFound);
        }
    }

    private static NvmlMigDevice ReadMigDevice(nint mig, int slot)
    {
        Span<byte> buffer = stackalloc byte[NvmlNative.DeviceStringBufferSize];
        var uuid = NvmlNative.DeviceGetUuid(mig, buffer, (uint)buffer.Length) == 0 ? NvmlLibrary.DecodeCString(buffer) : "";
        buffer.Clear();
        var name = NvmlNative.DeviceGetName(mig, buffer, (uint)buffer.Length) == 0 ? NvmlLibrary.DecodeCString(buffer) : "";
        var gi = NvmlNative.DeviceGetGpuInstanceId(mig, out var gpuInstance) == 0 ? gpuInstance : (uint?)null;
        var ci = NvmlNative.DeviceGetComputeInstanceId(mig, out var computeInstance) == 0 ? computeInstance : (uint?)null;
        NvmlMemory memory;
        var hasMemory = NvmlNative.DeviceGetMemoryInfo(mig, &memory) == 0;
        return new NvmlMigDevice(slot, uuid, name, gi, ci, hasMemory ? memory.Total : null, hasMemory ? memory.Used : null);
    }

    private NvmlResult<uint> ReadUInt(delegate*<nint, out uint, int> read)
    {
        if (_library.IsDisposed)
        {
            return new(0, NvmlReturn.Uninitialized);
        }

        try
        {
            var status = (NvmlReturn)read(_handle, out var raw);
            return new(status == NvmlReturn.Success ? raw : 0, status);
        }
        catch (EntryPointNotFoundException)
        {
            return new(0, NvmlReturn.FunctionNotFound);
        }
    }
}

/// <summary>
/// One MIG device: its slot on the parent, "MIG-..." UUID, GPU and compute instance ids, and memory in
/// bytes (the v1 call: "used" includes reserved). Values are null where the driver did not answer.
/// </summary>
public sealed record NvmlMigDevice(int Slot, string Uuid, string Name, uint? GpuInstanceId, uint? ComputeInstanceId,
    ulong? MemoryTotalBytes, ulong? MemoryUsedBytes);

/// <summary><c>nvmlDeviceArchitecture_t</c> (nvml.h 13.3).</summary>
public enum NvmlArchitecture : uint
{
    Kepler = 2,
    Maxwell = 3,
    Pascal = 4,
    Volta = 5,
    Turing = 6,
    Ampere = 7,
    Ada = 8,
    Hopper = 9,
    Blackwell = 10,
    Rubin = 13,
    Unknown = 0xffffffff,
}
