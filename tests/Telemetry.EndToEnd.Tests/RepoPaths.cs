using System.Net;
using System.Net.Sockets;

namespace Telemetry.EndToEnd.Tests;

/// <summary>Where things are: the repository, host build outputs, the fake NVML, a free loopback port.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>The fake libnvidia-ml.so.1 this test project's build compiled.</summary>
    public static string FakeNvml => Path.Combine(AppContext.BaseDirectory, "fake-nvml", "libnvidia-ml.so.1");

    /// <summary>Build output of a host project, same configuration as this test assembly (artifacts layout).</summary>
    public static string HostOutput(string project)
    {
        // artifacts/bin/Telemetry.EndToEnd.Tests/<config>/ → artifacts/bin/<project>/<config>/
        var own = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        return Path.Combine(own.Parent!.Parent!.FullName, project, own.Name);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Telemetry.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Telemetry.sln not found above " + AppContext.BaseDirectory);
    }
}
