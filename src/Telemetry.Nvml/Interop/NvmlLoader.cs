using System.Reflection;
using System.Runtime.InteropServices;

namespace Telemetry.Nvml.Interop;

/// <summary>
/// Loads NVML once per process and maps <see cref="NvmlNative.LibraryName"/> to that handle through a
/// DllImport resolver registered once for this assembly. Order: the configured path, else
/// <c>libnvidia-ml.so.1</c> (the driver's file), else <c>libnvidia-ml.so</c>. Never switches libraries:
/// P/Invoke targets stay bound to the first handle, so a different explicit path later is an error.
/// </summary>
internal static class NvmlLoader
{
    internal const string LoadFunction = "NativeLibrary.Load";

    private static readonly Lock Gate = new();
    private static bool _resolverRegistered;
    private static nint _handle;
    private static string? _loadedFrom;

    /// <summary>The path or file name the library was loaded from; null before the first load.</summary>
    internal static string? LoadedFrom
    {
        get
        {
            lock (Gate)
            {
                return _loadedFrom;
            }
        }
    }

    /// <exception cref="NvmlException">Code 12 when no candidate loads.</exception>
    /// <exception cref="InvalidOperationException">Another explicit path is already loaded.</exception>
    internal static void EnsureLoaded(string? libraryPath)
    {
        string? explicitPath = null;
        if (!string.IsNullOrWhiteSpace(libraryPath))
        {
            explicitPath = Path.GetFullPath(libraryPath);
            if (!File.Exists(explicitPath))
            {
                throw new NvmlException(LoadFunction, NvmlReturn.LibraryNotFound, $"configured library '{explicitPath}' does not exist");
            }
        }

        lock (Gate)
        {
            if (_handle != 0)
            {
                if (explicitPath is not null && explicitPath != _loadedFrom)
                {
                    throw new InvalidOperationException(
                        $"NVML is already loaded from '{_loadedFrom}' in this process; cannot also load '{explicitPath}'. " +
                        "One process binds one NVML library.");
                }

                return;
            }

            if (!_resolverRegistered)
            {
                NativeLibrary.SetDllImportResolver(typeof(NvmlLoader).Assembly, Resolve);
                _resolverRegistered = true;
            }

            string[] candidates = explicitPath is not null ? [explicitPath] : DefaultCandidates();
            foreach (var candidate in candidates)
            {
                if (NativeLibrary.TryLoad(candidate, out var handle))
                {
                    _handle = handle;
                    _loadedFrom = candidate;
                    return;
                }
            }

            throw new NvmlException(LoadFunction, NvmlReturn.LibraryNotFound, $"could not load {string.Join(" or ", candidates)}");
        }
    }

    /// <summary>
    /// The bare names go through the platform loader (LD_LIBRARY_PATH, ld.so.cache), like go-nvml's
    /// dlopen("libnvidia-ml.so.1"). The CUDA toolkit's stubs/libnvidia-ml.so is never probed here: its
    /// nvmlInit fails, and it only ships the unversioned name (reference gpu-energy.md 5).
    /// </summary>
    private static string[] DefaultCandidates() => OperatingSystem.IsWindows()
        ? ["nvml.dll", Path.Combine(Environment.GetEnvironmentVariable("ProgramW6432") ?? "C:\\Program Files", "NVIDIA Corporation", "NVSMI", "nvml.dll")]
        : ["libnvidia-ml.so.1", "libnvidia-ml.so"];

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != NvmlNative.LibraryName)
        {
            return 0;
        }

        lock (Gate)
        {
            return _handle;
        }
    }
}
