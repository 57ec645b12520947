using Telemetry.Nvml.Interop;
using Telemetry.Nvml.Tests.Fake;

namespace Telemetry.Nvml.Tests;

/// <summary>Library resolution and init failures in this process (child-process cases: ProcessIsolatedTests).</summary>
[Collection(SharedFakeNvml.Name)]
public sealed class LoaderTests
{
    [Fact]
    public void Explicit_path_loads_the_fake_and_initialises()
    {
        FakeNvml.Configure("devices=2\ndriver_version=580.105.08");

        using var nvml = FakeNvml.Open();

        Assert.Equal(FakeNvml.MainPath, NvmlLoader.LoadedFrom);
        Assert.Equal("580.105.08", nvml.DriverVersion);
        Assert.Equal(2, nvml.DeviceCount);
    }

    [Fact]
    public void Fake_directory_has_only_the_versioned_soname()
    {
        var directory = Path.GetDirectoryName(FakeNvml.MainPath)!;

        Assert.Equal(["libnvidia-ml.so.1"], Directory.GetFiles(directory).Select(Path.GetFileName));
    }

    [Fact]
    public void Missing_explicit_path_fails_with_library_not_found_and_the_hint()
    {
        var missing = Path.Combine(AppContext.BaseDirectory, "no-such-dir", "libnvidia-ml.so.1");

        var ex = Assert.Throws<NvmlException>(() => NvmlLibrary.Open(missing));

        Assert.Equal(NvmlReturn.LibraryNotFound, ex.Code);
        Assert.Equal(12, (int)ex.Code);
        Assert.Contains(missing, ex.Message, StringComparison.Ordinal);
        Assert.Contains(
            "libnvidia-ml.so.1 not found: install the NVIDIA driver or set Agent:Power:Nvml:LibraryPath",
            ex.Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void A_second_explicit_path_in_the_same_process_is_refused()
    {
        FakeNvml.Configure("devices=1");
        using (FakeNvml.Open())
        {
        }

        var ex = Assert.Throws<InvalidOperationException>(() => NvmlLibrary.Open(FakeNvml.OldDriverPath));

        Assert.Contains(FakeNvml.MainPath, ex.Message, StringComparison.Ordinal);
        Assert.Contains(FakeNvml.OldDriverPath, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Init_error_surfaces_with_the_nvml_error_string()
    {
        FakeNvml.Configure("init_error=9");

        var ex = Assert.Throws<NvmlException>(FakeNvml.Open);

        Assert.Equal(NvmlReturn.DriverNotLoaded, ex.Code);
        Assert.Equal("nvmlInit_v2", ex.Function);
        Assert.Equal("nvmlInit_v2 failed: NVML_ERROR_DRIVER_NOT_LOADED (9): Driver Not Loaded", ex.Message);
    }

    [Fact]
    public void Failed_init_leaves_no_session_to_shut_down()
    {
        FakeNvml.Configure("init_error=18");
        Assert.Throws<NvmlException>(FakeNvml.Open);

        Assert.Equal((int)NvmlReturn.Uninitialized, FakeNvml.Shutdown());
    }

    [Fact]
    public void Sessions_are_ref_counted_and_dispose_shuts_down_once()
    {
        FakeNvml.Configure("devices=1");
        var first = FakeNvml.Open();
        using var second = FakeNvml.Open();
        var device = second.OpenDevice(0);

        first.Dispose();
        first.Dispose();

        Assert.True(device.ReadPowerWatts().IsSuccess);
        second.Dispose();
        Assert.Equal((int)NvmlReturn.Uninitialized, FakeNvml.Shutdown());
    }
}
