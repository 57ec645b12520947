using System.Globalization;

namespace Telemetry.Agent.Tests.Discovery;

/// <summary>A throw-away proc tree on disk: net/tcp(6) tables, PID/stat files and PID/fd socket links.</summary>
internal sealed class FakeProc : IDisposable
{
    private const string TcpHeader = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";
    private readonly List<string> _tcp = [TcpHeader];
    private readonly List<string> _tcp6 = [TcpHeader];

    public FakeProc()
    {
        Root = Path.Combine(Path.GetTempPath(), "fake-proc-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(Root, "net"));
        Flush();
    }

    public string Root { get; }

    /// <summary>A socket in the table: state 0A listens, 01 is an established connection.</summary>
    public FakeProc Socket(int port, long inode, string state = "0A", bool ipv6 = false)
    {
        var address = ipv6 ? "00000000000000000000000000000000" : "0100007F";
        var line = string.Create(CultureInfo.InvariantCulture,
            $"   {(ipv6 ? _tcp6 : _tcp).Count - 1}: {address}:{port:X4} 00000000:0000 {state} 00000000:00000000 00:00000000 00000000  1000        0 {inode} 1 0000000000000000 100 0 0 10 0");
        (ipv6 ? _tcp6 : _tcp).Add(line);
        Flush();
        return this;
    }

    /// <summary>A process with a parent, a command name (which may hold spaces and parentheses) and open sockets.</summary>
    public FakeProc Process(int pid, int parent, string comm = "python3", params long[] socketInodes)
    {
        var dir = Path.Combine(Root, pid.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(Path.Combine(dir, "fd"));
        File.WriteAllText(Path.Combine(dir, "stat"), string.Create(CultureInfo.InvariantCulture,
            $"{pid} ({comm}) S {parent} {pid} {pid} 0 -1 4194560 100 0 0 0 1 1 0 0 20 0 4 0 100 1000000 100\n"));
        File.CreateSymbolicLink(Path.Combine(dir, "fd", "0"), "/dev/null");
        for (var i = 0; i < socketInodes.Length; i++)
        {
            File.CreateSymbolicLink(Path.Combine(dir, "fd", (i + 3).ToString(CultureInfo.InvariantCulture)), $"socket:[{socketInodes[i]}]");
        }

        return this;
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);

    private void Flush()
    {
        File.WriteAllLines(Path.Combine(Root, "net", "tcp"), _tcp);
        File.WriteAllLines(Path.Combine(Root, "net", "tcp6"), _tcp6);
    }
}
