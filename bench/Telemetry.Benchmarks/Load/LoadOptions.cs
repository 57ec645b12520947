using System.Globalization;

namespace Telemetry.Benchmarks.Load;

/// <summary>
/// <c>load [nodes] [seconds] [--workers W] [--connections C] [--closed-seconds S] [--gc server|workstation] [--skip-ceiling] [--parts N] [--warm-up S]</c>.
/// Defaults are the issue 8 targets: 10,000 nodes (80,000 GPUs) at 1 Hz for 5 minutes, measured after <c>S</c> (60) s of
/// the same load that are reported apart (0: none). <c>--parts N</c> scrapes
/// /metrics as N targets (<c>?part=k&amp;parts=N</c>) spread over the interval instead of one whole body.
/// </summary>
internal sealed record LoadOptions(int Nodes, int Seconds, int Workers, int Connections, int ClosedSeconds, string? Gc, bool SkipCeiling, int Parts = 1, int WarmUpSeconds = 60)
{
    public static LoadOptions Parse(string[] args)
    {
        var positional = new List<int>();
        int workers = 32, connections = 64, closedSeconds = 15;
        string? gc = null;
        var skipCeiling = false;
        var parts = 1;
        var warmUp = 60;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--workers": workers = Int(args[++i]); break;
                case "--connections": connections = Int(args[++i]); break;
                case "--closed-seconds": closedSeconds = Int(args[++i]); break;
                case "--gc": gc = args[++i] is "server" or "workstation" ? args[i] : throw new ArgumentException("--gc takes server or workstation"); break;
                case "--skip-ceiling": skipCeiling = true; break;
                case "--parts": parts = Int(args[++i]); break;
                case "--warm-up": warmUp = Int(args[++i]); break;
                default: positional.Add(Int(args[i])); break;
            }
        }

        var nodes = positional.Count > 0 ? positional[0] : 10_000;
        var seconds = positional.Count > 1 ? positional[1] : 300;
        if (nodes < 1 || seconds < 1 || workers < 1 || connections < 1 || closedSeconds < 1 || parts is < 1 or > Telemetry.Collector.Metrics.MetricsPart.MaxCount)
        {
            throw new ArgumentException($"nodes, seconds, workers, connections and closed-seconds must be positive, parts from 1 to {Telemetry.Collector.Metrics.MetricsPart.MaxCount}");
        }

        return new LoadOptions(nodes, seconds, Math.Min(workers, nodes), connections, closedSeconds, gc, skipCeiling, parts, warmUp);
    }

    private static int Int(string s) => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v)
        ? v
        : throw new ArgumentException($"'{s}' is not a whole number (usage: load [nodes] [seconds] [--workers W] [--connections C] [--closed-seconds S] [--gc server|workstation] [--skip-ceiling] [--parts N] [--warm-up S])");
}
