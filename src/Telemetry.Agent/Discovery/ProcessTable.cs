using System.Globalization;

namespace Telemetry.Agent.Discovery;

/// <summary>
/// The processes under a proc root: which one holds a socket inode open (<c>PID/fd/*</c> links read
/// <c>socket:[INODE]</c>) and each one's parent (<c>PID/stat</c>, field 4). Processes that vanish or
/// deny access while being read are skipped: the table is a best-effort snapshot, bounded in size.
/// </summary>
public sealed class ProcessTable
{
    /// <summary>Linux's default pid_max is 4,194,304 on 64-bit, but real hosts run thousands; bounds one scan.</summary>
    public const int MaxProcesses = 100_000;

    /// <summary>Open files read per process: a vLLM API server holds a few hundred; bounds one process's cost.</summary>
    public const int MaxFdsPerProcess = 100_000;

    private readonly string _procRoot;

    public ProcessTable(string procRoot) => _procRoot = procRoot;

    /// <summary>PIDs whose open files include one of the socket <paramref name="inodes"/>.</summary>
    public IReadOnlyList<int> OwnersOf(IReadOnlyCollection<long> inodes)
    {
        var wanted = new HashSet<string>(inodes.Select(i => string.Create(CultureInfo.InvariantCulture, $"socket:[{i}]")), StringComparer.Ordinal);
        var owners = new List<int>();
        if (wanted.Count == 0)
        {
            return owners;
        }

        foreach (var pid in Pids())
        {
            if (HoldsAny(pid, wanted))
            {
                owners.Add(pid);
            }
        }

        return owners;
    }

    /// <summary><paramref name="roots"/> and all their descendants (vLLM and SGLang run GPU work in child processes).</summary>
    public IReadOnlySet<int> WithDescendants(IEnumerable<int> roots)
    {
        var children = new Dictionary<int, List<int>>();
        foreach (var pid in Pids())
        {
            if (ParentOf(pid) is { } parent)
            {
                if (!children.TryGetValue(parent, out var list))
                {
                    list = [];
                    children.Add(parent, list);
                }

                list.Add(pid);
            }
        }

        var tree = new HashSet<int>();
        var pending = new Queue<int>(roots);
        while (pending.Count > 0 && tree.Count < MaxProcesses)
        {
            var pid = pending.Dequeue();
            if (tree.Add(pid) && children.TryGetValue(pid, out var kids))
            {
                foreach (var kid in kids)
                {
                    pending.Enqueue(kid); // tree.Add stops cycles a corrupt table might contain
                }
            }
        }

        return tree;
    }

    private IEnumerable<int> Pids()
    {
        IEnumerable<string> entries;
        try
        {
            entries = Directory.EnumerateDirectories(_procRoot);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            yield break;
        }

        var count = 0;
        foreach (var dir in entries)
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0)
            {
                if (++count > MaxProcesses)
                {
                    yield break;
                }

                yield return pid;
            }
        }
    }

    private bool HoldsAny(int pid, HashSet<string> wanted)
    {
        try
        {
            var read = 0;
            foreach (var fd in Directory.EnumerateFileSystemEntries(Path.Combine(_procRoot, pid.ToString(CultureInfo.InvariantCulture), "fd")))
            {
                if (++read > MaxFdsPerProcess)
                {
                    return false;
                }

                if (new FileInfo(fd).LinkTarget is { } target && wanted.Contains(target))
                {
                    return true;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Gone, or another user's process: not ours to see.
        }

        return false;
    }

    /// <summary>Field 4 of <c>stat</c>, read after the last ')' since the command name may hold spaces and parentheses.</summary>
    private int? ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText(Path.Combine(_procRoot, pid.ToString(CultureInfo.InvariantCulture), "stat"));
            var close = stat.LastIndexOf(')');
            if (close < 0)
            {
                return null;
            }

            var fields = stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return fields.Length > 1 && int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var parent) ? parent : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
