namespace Telemetry.Nvml;

/// <summary>
/// An NVML call (or loading the library) failed while opening the library or a device. The message has
/// the form "nvmlInit_v2 failed: NVML_ERROR_DRIVER_NOT_LOADED (9): Driver Not Loaded". Readings never throw it.
/// </summary>
public sealed class NvmlException : Exception
{
    /// <summary>The configuration key the agent reads the library path from.</summary>
    internal const string LibraryPathSetting = "Agent:Power:Nvml:LibraryPath";

    internal const string LibraryNotFoundHint =
        "libnvidia-ml.so.1 not found: install the NVIDIA driver or set " + LibraryPathSetting;

    public NvmlException()
        : this("(unknown)", NvmlReturn.Unknown, null)
    {
    }

    public NvmlException(string message)
        : this(message, null)
    {
    }

    public NvmlException(string message, Exception? innerException)
        : base(message, innerException)
    {
        Function = "(unknown)";
        Code = NvmlReturn.Unknown;
    }

    /// <param name="function">The NVML entry point (or loader step) that failed.</param>
    /// <param name="code">Its status.</param>
    /// <param name="detail">The <c>nvmlErrorString</c> text, or the loader's explanation.</param>
    /// <param name="innerException">The interop exception behind a loader code (12, 13), if any.</param>
    public NvmlException(string function, NvmlReturn code, string? detail, Exception? innerException = null)
        : base(FormatMessage(function, code, detail), innerException)
    {
        Function = function;
        Code = code;
    }

    public NvmlReturn Code { get; }

    public string Function { get; }

    private static string FormatMessage(string function, NvmlReturn code, string? detail)
    {
        var message = $"{function} failed: {code.ToNvmlName()} ({(int)code})";
        if (!string.IsNullOrEmpty(detail))
        {
            message += ": " + detail;
        }

        return code == NvmlReturn.LibraryNotFound ? message + "; " + LibraryNotFoundHint : message;
    }
}
