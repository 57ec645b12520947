using System.Runtime.InteropServices;
using Telemetry.Nvml.Interop;

namespace Telemetry.Nvml.Tests.Fake;

/// <summary>
/// The in-process fake libnvidia-ml.so.1 built by tests/native/FakeNvml.targets, and its test-only control
/// functions. The fake's state is process-global: every test using it belongs to <see cref="SharedFakeNvml"/>.
/// .NET's Environment.SetEnvironmentVariable does not reach native getenv, so in-process tests configure it here.
/// </summary>
internal static unsafe partial class FakeNvml
{
    internal static readonly string MainPath = Path.Combine(AppContext.BaseDirectory, "fake-nvml", "libnvidia-ml.so.1");
    internal static readonly string OldDriverPath = Path.Combine(AppContext.BaseDirectory, "fake-nvml-old", "libnvidia-ml.so.1");

    private const string Library = "fake-nvml";

    static FakeNvml()
    {
        NativeLibrary.SetDllImportResolver(
            typeof(FakeNvml).Assembly,
            static (name, _, _) => name == Library ? NativeLibrary.Load(MainPath) : 0);
    }

    internal static string LastError => Marshal.PtrToStringUTF8(LastErrorNative()) ?? string.Empty;

    /// <summary>Replaces the fake's config, resets counters and returns to the real clock.</summary>
    internal static void Configure(string configText)
    {
        var badLine = TryConfigure(configText);
        if (badLine != 0)
        {
            throw new InvalidOperationException($"fake-nvml rejected the config: {LastError}");
        }
    }

    /// <returns>0, or the 1-based number of the first bad line.</returns>
    internal static int TryConfigure(string configText) => ConfigureNative(configText);

    internal static NvmlLibrary Open() => NvmlLibrary.Open(MainPath);

    [LibraryImport(Library, EntryPoint = "fakeNvmlConfigure", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int ConfigureNative(string configText);

    [LibraryImport(Library, EntryPoint = "fakeNvmlLastError")]
    private static partial nint LastErrorNative();

    /// <summary>Manual clock: energy and power are evaluated at this many seconds after the config load.</summary>
    [LibraryImport(Library, EntryPoint = "fakeNvmlSetTime")]
    internal static partial void SetTime(double seconds);

    /// <summary>Device <paramref name="index"/> answers GPU_IS_LOST to every call (true) or comes back (false).</summary>
    [LibraryImport(Library, EntryPoint = "fakeNvmlSetLost")]
    internal static partial void SetLost(int index, [MarshalAs(UnmanagedType.I4)] bool lost);

    /// <summary>A driver reload: every energy counter restarts from 0 now.</summary>
    [LibraryImport(Library, EntryPoint = "fakeNvmlReloadDriver")]
    internal static partial void ReloadDriver();

    [LibraryImport(Library, EntryPoint = "fakeNvmlUseRealClock")]
    internal static partial void UseRealClock();

    [LibraryImport(Library, EntryPoint = "nvmlShutdown")]
    internal static partial int Shutdown();

    /// <summary>Not bound by the product; the fake offers it for power-average work (field IDs 83/185/186/191).</summary>
    [LibraryImport(Library, EntryPoint = "nvmlDeviceGetFieldValues")]
    internal static partial int GetFieldValues(nint device, int valuesCount, NvmlFieldValue* values);
}
