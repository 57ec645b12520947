using Telemetry.Agent.Proxy;
using Telemetry.Wire;

namespace Telemetry.Agent.Reporting;

/// <summary>
/// Wire form of the proxy's streams. The proxy's counts start at 0 with this agent instance, so —
/// unlike a scraped counter, whose history before the agent is unknown — a stream's first report
/// carries its whole value as the increase; the epoch is the agent's start. Not thread-safe.
/// </summary>
public sealed class ProxyStreamSamples(long agentStartMs)
{
    private readonly Dictionary<string, double> _last = new(StringComparer.Ordinal);

    public void AddTo(ServerSample server, IReadOnlyList<ProxyStreamReading> streams)
    {
        foreach (var p in streams)
        {
            var key = server.Name + "\u0000" + p.Model + "\u0000" + p.Tenant + "\u0000" + p.Tier;
            var sample = new ProxyStreamSample
            {
                Model = p.Model,
                Tenant = p.Tenant,
                Tier = p.Tier,
                InputTokens = CounterOf(key + "\u0000in", p.InputTokens),
                OutputTokens = CounterOf(key + "\u0000out", p.OutputTokens),
                EstimatedRequests = CounterOf(key + "\u0000est", p.EstimatedRequests),
                UserSeconds = CounterOf(key + "\u0000users", p.UserSeconds),
            };
            foreach (var (outcome, count) in p.Requests.OrderBy(r => r.Key, StringComparer.Ordinal))
            {
                sample.Requests.Add(new OutcomeCounter { Outcome = outcome, Count = CounterOf(key + "\u0000req\u0000" + outcome, count) });
            }

            foreach (var sketch in p.Sketches)
            {
                if (sketch.Count > 0)
                {
                    sample.Sketches.Add(sketch);
                }
            }

            server.ProxyStreams.Add(sample);
        }
    }

    private Counter CounterOf(string key, double total)
    {
        var delta = total - _last.GetValueOrDefault(key);
        _last[key] = total;
        return new Counter { Total = total, Delta = delta, Epoch = agentStartMs };
    }
}
