using System.Runtime.InteropServices;
using System.Text;
using Telemetry.Nvml.Interop;

namespace Telemetry.Nvml;

/// <summary>
/// One NVML session: <see cref="Open"/> loads the library and calls <c>nvmlInit_v2</c>, <see cref="Dispose"/>
/// calls <c>nvmlShutdown</c> once. NVML ref-counts init, so several sessions may coexist, but all of them
/// use the library loaded first in the process. Not a device cache or a poller.
/// </summary>
public sealed class NvmlLibrary : IDisposable
{
    private int _disposed;
    private volatile int _processStride;
    private volatile bool _processesV1Only;

    private NvmlLibrary(string? driverVersion, int deviceCount)
    {
        DriverVersion = driverVersion;
        DeviceCount = deviceCount;
    }

    /// <summary>e.g. "580.105.08"; null when the driver does not report it.</summary>
    public string? DriverVersion { get; }

    /// <summary>All devices, including ones <see cref="OpenDevice"/> will refuse (NoPermission). Read once.</summary>
    public int DeviceCount { get; }

    internal bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Bytes per _v3 process record, probed on the first non-empty read; 0 until then.</summary>
    internal int ProcessStride
    {
        get => _processStride;
        set => _processStride = value;
    }

    /// <summary>True once <c>_v3</c> was found missing and the v1 call is used.</summary>
    internal bool ProcessesV1Only
    {
        get => _processesV1Only;
        set => _processesV1Only = value;
    }

    /// <param name="libraryPath">Explicit library file (setting <c>Agent:Power:Nvml:LibraryPath</c>); null
    /// searches <c>libnvidia-ml.so.1</c>, then <c>libnvidia-ml.so</c>.</param>
    /// <exception cref="NvmlException">The library is missing (12), a symbol is missing (13), or init failed.</exception>
    /// <exception cref="InvalidOperationException">A library from another path is already loaded.</exception>
    public static NvmlLibrary Open(string? libraryPath = null)
    {
        NvmlLoader.EnsureLoaded(libraryPath);
        var function = "nvmlInit_v2";
        try
        {
            var status = (NvmlReturn)NvmlNative.Init();
            if (status != NvmlReturn.Success)
            {
                // The CUDA toolkit's stubs/libnvidia-ml.so only has the unversioned name and fails init.
                var stubHint = NvmlLoader.LoadedFrom == "libnvidia-ml.so" ? " (loaded libnvidia-ml.so, not .so.1: is it the CUDA stub?)" : "";
                throw new NvmlException(function, status, ErrorString(status) + stubHint);
            }
        }
        catch (EntryPointNotFoundException ex)
        {
            throw MissingSymbol(function, ex);
        }

        try
        {
            function = "nvmlDeviceGetCount_v2";
            ThrowIfFailed(function, NvmlNative.DeviceGetCount(out var count));
            return new NvmlLibrary(ReadDriverVersion(), checked((int)count));
        }
        catch (EntryPointNotFoundException ex)
        {
            _ = NvmlNative.Shutdown();
            throw MissingSymbol(function, ex);
        }
        catch
        {
            _ = NvmlNative.Shutdown();
            throw;
        }
    }

    /// <summary>Gets the handle and reads name and UUID once.</summary>
    /// <exception cref="NvmlException">e.g. NoPermission, GpuIsLost, InvalidArgument for an index past the count.</exception>
    public NvmlDevice OpenDevice(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ObjectDisposedException.ThrowIf(IsDisposed, this);

        var function = "nvmlDeviceGetHandleByIndex_v2";
        try
        {
            ThrowIfFailed(function, NvmlNative.DeviceGetHandleByIndex((uint)index, out var handle));
            Span<byte> buffer = stackalloc byte[NvmlNative.DeviceStringBufferSize];
            function = "nvmlDeviceGetName";
            ThrowIfFailed(function, NvmlNative.DeviceGetName(handle, buffer, (uint)buffer.Length));
            var name = DecodeCString(buffer);
            buffer.Clear();
            function = "nvmlDeviceGetUUID";
            ThrowIfFailed(function, NvmlNative.DeviceGetUuid(handle, buffer, (uint)buffer.Length));
            return new NvmlDevice(this, handle, index, DecodeCString(buffer), name);
        }
        catch (EntryPointNotFoundException ex)
        {
            throw MissingSymbol(function, ex);
        }
    }

    /// <summary>
    /// Gets the handle of the GPU with this UUID again (<c>nvmlDeviceGetHandleByUUID</c>), e.g. after it was
    /// lost and came back: its index may have changed, its UUID has not.
    /// </summary>
    /// <exception cref="NvmlException">e.g. NotFound, GpuIsLost.</exception>
    public unsafe NvmlDevice OpenDeviceByUuid(string uuid, int index)
    {
        ArgumentException.ThrowIfNullOrEmpty(uuid);
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        const string function = "nvmlDeviceGetHandleByUUID";
        var bytes = Encoding.UTF8.GetBytes(uuid + "\0");
        try
        {
            nint handle;
            fixed (byte* p = bytes)
            {
                ThrowIfFailed(function, NvmlNative.DeviceGetHandleByUuid(p, out handle));
            }

            Span<byte> buffer = stackalloc byte[NvmlNative.DeviceStringBufferSize];
            var name = NvmlNative.DeviceGetName(handle, buffer, (uint)buffer.Length) == 0 ? DecodeCString(buffer) : "";
            return new NvmlDevice(this, handle, index, uuid, name);
        }
        catch (EntryPointNotFoundException ex)
        {
            throw MissingSymbol(function, ex);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _ = NvmlNative.Shutdown();
        }
    }

    /// <summary>The static text of <c>nvmlErrorString</c>; never freed (the marshaller would free a <c>string</c> return).</summary>
    internal static string ErrorString(NvmlReturn code)
    {
        try
        {
            return Marshal.PtrToStringUTF8(NvmlNative.ErrorString((int)code)) ?? string.Empty;
        }
        catch (EntryPointNotFoundException)
        {
            return string.Empty;
        }
    }

    internal static string DecodeCString(ReadOnlySpan<byte> buffer)
    {
        var length = buffer.IndexOf((byte)0);
        return Encoding.UTF8.GetString(length < 0 ? buffer : buffer[..length]);
    }

    private static string? ReadDriverVersion()
    {
        Span<byte> buffer = stackalloc byte[NvmlNative.DriverVersionBufferSize];
        try
        {
            return NvmlNative.SystemGetDriverVersion(buffer, (uint)buffer.Length) == 0 ? DecodeCString(buffer) : null;
        }
        catch (EntryPointNotFoundException)
        {
            return null;
        }
    }

    private static NvmlException MissingSymbol(string function, EntryPointNotFoundException ex) =>
        new(function, NvmlReturn.FunctionNotFound, $"the loaded library ({NvmlLoader.LoadedFrom}) does not export it", ex);

    private static void ThrowIfFailed(string function, int status)
    {
        if (status != 0)
        {
            var code = (NvmlReturn)status;
            throw new NvmlException(function, code, ErrorString(code));
        }
    }
}
