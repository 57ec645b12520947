namespace Telemetry.Nvml.Tests;

public sealed class NvmlExceptionTests
{
    /// <summary>Every code of nvml.h's nvmlReturn_t (reference gpu-energy.md 1.1).</summary>
    public static TheoryData<int, NvmlReturn, string> Codes => new()
    {
        { 0, NvmlReturn.Success, "NVML_SUCCESS" },
        { 1, NvmlReturn.Uninitialized, "NVML_ERROR_UNINITIALIZED" },
        { 2, NvmlReturn.InvalidArgument, "NVML_ERROR_INVALID_ARGUMENT" },
        { 3, NvmlReturn.NotSupported, "NVML_ERROR_NOT_SUPPORTED" },
        { 4, NvmlReturn.NoPermission, "NVML_ERROR_NO_PERMISSION" },
        { 5, NvmlReturn.AlreadyInitialized, "NVML_ERROR_ALREADY_INITIALIZED" },
        { 6, NvmlReturn.NotFound, "NVML_ERROR_NOT_FOUND" },
        { 7, NvmlReturn.InsufficientSize, "NVML_ERROR_INSUFFICIENT_SIZE" },
        { 8, NvmlReturn.InsufficientPower, "NVML_ERROR_INSUFFICIENT_POWER" },
        { 9, NvmlReturn.DriverNotLoaded, "NVML_ERROR_DRIVER_NOT_LOADED" },
        { 10, NvmlReturn.Timeout, "NVML_ERROR_TIMEOUT" },
        { 11, NvmlReturn.IrqIssue, "NVML_ERROR_IRQ_ISSUE" },
        { 12, NvmlReturn.LibraryNotFound, "NVML_ERROR_LIBRARY_NOT_FOUND" },
        { 13, NvmlReturn.FunctionNotFound, "NVML_ERROR_FUNCTION_NOT_FOUND" },
        { 14, NvmlReturn.CorruptedInforom, "NVML_ERROR_CORRUPTED_INFOROM" },
        { 15, NvmlReturn.GpuIsLost, "NVML_ERROR_GPU_IS_LOST" },
        { 16, NvmlReturn.ResetRequired, "NVML_ERROR_RESET_REQUIRED" },
        { 17, NvmlReturn.OperatingSystem, "NVML_ERROR_OPERATING_SYSTEM" },
        { 18, NvmlReturn.LibRmVersionMismatch, "NVML_ERROR_LIB_RM_VERSION_MISMATCH" },
        { 19, NvmlReturn.InUse, "NVML_ERROR_IN_USE" },
        { 20, NvmlReturn.Memory, "NVML_ERROR_MEMORY" },
        { 21, NvmlReturn.NoData, "NVML_ERROR_NO_DATA" },
        { 22, NvmlReturn.VgpuEccNotSupported, "NVML_ERROR_VGPU_ECC_NOT_SUPPORTED" },
        { 23, NvmlReturn.InsufficientResources, "NVML_ERROR_INSUFFICIENT_RESOURCES" },
        { 24, NvmlReturn.FreqNotSupported, "NVML_ERROR_FREQ_NOT_SUPPORTED" },
        { 25, NvmlReturn.ArgumentVersionMismatch, "NVML_ERROR_ARGUMENT_VERSION_MISMATCH" },
        { 26, NvmlReturn.Deprecated, "NVML_ERROR_DEPRECATED" },
        { 27, NvmlReturn.NotReady, "NVML_ERROR_NOT_READY" },
        { 28, NvmlReturn.GpuNotFound, "NVML_ERROR_GPU_NOT_FOUND" },
        { 29, NvmlReturn.InvalidState, "NVML_ERROR_INVALID_STATE" },
        { 30, NvmlReturn.ResetTypeNotSupported, "NVML_ERROR_RESET_TYPE_NOT_SUPPORTED" },
        { 999, NvmlReturn.Unknown, "NVML_ERROR_UNKNOWN" },
    };

    [Theory]
    [MemberData(nameof(Codes))]
    public void Codes_match_the_header(int code, NvmlReturn value, string name)
    {
        Assert.Equal(code, (int)value);
        Assert.Equal(name, value.ToNvmlName());
    }

    [Fact]
    public void Enum_has_exactly_the_header_codes()
    {
        Assert.Equal(Codes.Count, Enum.GetValues<NvmlReturn>().Length);
    }

    [Fact]
    public void Message_names_function_code_and_error_string()
    {
        var ex = new NvmlException("nvmlInit_v2", NvmlReturn.DriverNotLoaded, "Driver Not Loaded");

        Assert.Equal("nvmlInit_v2 failed: NVML_ERROR_DRIVER_NOT_LOADED (9): Driver Not Loaded", ex.Message);
        Assert.Equal(NvmlReturn.DriverNotLoaded, ex.Code);
        Assert.Equal("nvmlInit_v2", ex.Function);
    }

    [Fact]
    public void Library_not_found_carries_the_install_hint()
    {
        var ex = new NvmlException("NativeLibrary.Load", NvmlReturn.LibraryNotFound, "could not load libnvidia-ml.so.1");

        Assert.EndsWith(
            "; libnvidia-ml.so.1 not found: install the NVIDIA driver or set Agent:Power:Nvml:LibraryPath",
            ex.Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Other_codes_have_no_install_hint()
    {
        var ex = new NvmlException("nvmlDeviceGetHandleByIndex_v2", NvmlReturn.NoPermission, "Insufficient Permissions");

        Assert.DoesNotContain("install the NVIDIA driver", ex.Message, StringComparison.Ordinal);
    }
}
