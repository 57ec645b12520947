namespace Telemetry.Agent.Tests.Power.Support;

/// <summary>A throwaway sysfs-shaped tree in a temp directory (Agent:Power:SysfsRoot points at it).</summary>
internal sealed class FakeSysfs : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("fake-sysfs-");

    public string Root => _root.FullName;

    /// <summary>Writes <paramref name="text"/> (plus the newline sysfs prints) at a path relative to the root.</summary>
    public string Write(string relative, string text)
    {
        var path = Path.Combine(Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text + "\n");
        return path;
    }

    /// <summary>
    /// Makes a file unreadable. As root, mode bits do not stop reads (CAP_DAC_OVERRIDE), so the path becomes a
    /// directory instead, which reading as a file also refuses with UnauthorizedAccessException.
    /// </summary>
    public void MakeUnreadable(string relative)
    {
        var path = Path.Combine(Root, relative);
        if (Environment.IsPrivilegedProcess || OperatingSystem.IsWindows())
        {
            File.Delete(path);
            Directory.CreateDirectory(path);
        }
        else
        {
            File.SetUnixFileMode(path, UnixFileMode.None);
        }
    }

    public void Dispose() => _root.Delete(recursive: true);
}
