namespace Telemetry.Agent.Discovery;

/// <summary>
/// Finds the processes serving a local TCP port: listening socket inode (<c>net/tcp</c>, <c>net/tcp6</c>)
/// → the PIDs holding it (<c>PID/fd</c>) → those PIDs and their descendants. Works on any proc root,
/// so tests use a fake tree. Only this host's (network and PID namespace's) processes are visible.
/// </summary>
public sealed class ServerProcessFinder
{
    public ServerProcessFinder(string procRoot) => ProcRoot = procRoot;

    public string ProcRoot { get; }

    /// <summary>The processes behind <paramref name="port"/>: the listeners first, then their descendants; empty when none is found.</summary>
    public ServerProcesses Find(int port)
    {
        var inodes = ListeningSockets.InodesListeningOn(ProcRoot, port);
        if (inodes.Count == 0)
        {
            return new ServerProcesses([], new HashSet<int>());
        }

        var table = new ProcessTable(ProcRoot);
        var listeners = table.OwnersOf(inodes);
        return new ServerProcesses(listeners, listeners.Count == 0 ? new HashSet<int>() : table.WithDescendants(listeners));
    }
}

/// <summary>The PIDs listening on a server's port and the whole process tree under them.</summary>
public sealed record ServerProcesses(IReadOnlyList<int> Listeners, IReadOnlySet<int> Tree);
