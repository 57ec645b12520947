using System.Globalization;

namespace Telemetry.Agent.Discovery;

/// <summary>
/// Socket inodes listening on a TCP port, from <c>net/tcp</c> and <c>net/tcp6</c> under a proc root
/// (format: proc(5) — "sl local_address rem_address st … uid timeout inode", addresses as hex
/// <c>ADDR:PORT</c>, state <c>0A</c> = LISTEN). Unreadable or malformed lines are skipped.
/// </summary>
public static class ListeningSockets
{
    /// <summary>A busy host has tens of thousands of sockets; beyond this many lines the table is not read further.</summary>
    public const int MaxLines = 1_000_000;

    private const string ListenState = "0A";

    public static IReadOnlyList<long> InodesListeningOn(string procRoot, int port)
    {
        var inodes = new List<long>();
        foreach (var table in (ReadOnlySpan<string>)["net/tcp", "net/tcp6"])
        {
            var path = Path.Combine(procRoot, table);
            if (!File.Exists(path))
            {
                continue;
            }

            try
            {
                var lines = 0;
                foreach (var line in File.ReadLines(path))
                {
                    if (++lines > MaxLines)
                    {
                        break;
                    }

                    if (lines > 1 && TryParse(line, out var linePort, out var state, out var inode)
                        && linePort == port && state == ListenState && inode > 0 && !inodes.Contains(inode))
                    {
                        inodes.Add(inode);
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A table that vanished or is not readable: the other one may still answer.
            }
        }

        return inodes;
    }

    /// <summary>Parses one table line: local port, state and inode.</summary>
    internal static bool TryParse(string line, out int port, out string state, out long inode)
    {
        port = 0;
        state = "";
        inode = 0;
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 10)
        {
            return false;
        }

        var local = fields[1];
        var colon = local.LastIndexOf(':');
        if (colon < 0
            || !int.TryParse(local.AsSpan(colon + 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out port)
            || !long.TryParse(fields[9], NumberStyles.None, CultureInfo.InvariantCulture, out inode))
        {
            return false;
        }

        state = fields[3];
        return true;
    }
}
