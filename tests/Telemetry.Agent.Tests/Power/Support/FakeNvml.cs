using System.Runtime.InteropServices;

namespace Telemetry.Agent.Tests.Power.Support;

/// <summary>
/// Control functions of the fake libnvidia-ml.so.1 (tests/native, docs/nvml.md) that this test project's build
/// compiles. The agent's real NvmlLibrary loads the same file, so both see one process-global fake.
/// </summary>
internal static partial class FakeNvml
{
    internal static readonly string MainPath = Path.Combine(AppContext.BaseDirectory, "fake-nvml", "libnvidia-ml.so.1");

    private const string Library = "fake-nvml-control";

    static FakeNvml()
    {
        NativeLibrary.SetDllImportResolver(
            typeof(FakeNvml).Assembly,
            static (name, _, _) => name == Library ? NativeLibrary.Load(MainPath) : 0);
    }

    /// <summary>Replaces the fake's config; resets counters, the energy origin and the clock.</summary>
    internal static void Configure(string configText)
    {
        if (ConfigureNative(configText) != 0)
        {
            throw new InvalidOperationException("fake-nvml rejected the config: " + Marshal.PtrToStringUTF8(LastErrorNative()));
        }
    }

    [LibraryImport(Library, EntryPoint = "fakeNvmlConfigure", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int ConfigureNative(string configText);

    [LibraryImport(Library, EntryPoint = "fakeNvmlLastError")]
    private static partial nint LastErrorNative();

    [LibraryImport(Library, EntryPoint = "fakeNvmlSetTime")]
    internal static partial void SetTime(double seconds);

    [LibraryImport(Library, EntryPoint = "fakeNvmlUseRealClock")]
    internal static partial void UseRealClock();

    [LibraryImport(Library, EntryPoint = "fakeNvmlSetLost")]
    internal static partial void SetLost(int index, [MarshalAs(UnmanagedType.I4)] bool lost);

    /// <summary>Calls device <paramref name="index"/> has answered since the last <see cref="Configure"/>.</summary>
    [LibraryImport(Library, EntryPoint = "fakeNvmlDeviceCalls")]
    internal static partial long DeviceCalls(int index);

    [LibraryImport(Library, EntryPoint = "fakeNvmlReloadDriver")]
    internal static partial void ReloadDriver();
}

/// <summary>Serialises every test that touches the process-global fake NVML state.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SharedFakeNvml
{
    public const string Name = "fake-nvml";
}
