using Telemetry.Wire;

namespace Telemetry.Collector.Tests;

/// <summary>Builds NodeReports the way an agent would: cumulative counters with deltas, one per second.</summary>
internal sealed class Reports(string node = "n1", string instance = "i1")
{
    private ulong _sequence;
    private long _previousMs;
    private double _energy;
    private double _input;
    private double _output;
    private double _serverEnergy;

    public NodeReport Next(long sampleMs, double energyDelta, double inputDelta, double outputDelta, long? sentMs = null)
    {
        var first = _sequence == 0;
        _energy += energyDelta;
        _input += inputDelta;
        _output += outputDelta;
        _serverEnergy += energyDelta;
        var r = new NodeReport
        {
            AgentInstanceId = instance,
            Sequence = ++_sequence,
            SampleTimeUnixMs = sampleMs,
            PreviousSampleTimeUnixMs = _previousMs,
            SentTimeUnixMs = sentMs ?? sampleMs,
            Node = node,
            Site = "s1",
            Pool = "p1",
            IntervalSeconds = 1,
        };
        _previousMs = sampleMs;
        r.Gpus.Add(new GpuSample
        {
            Index = 0,
            Uuid = "GPU-0",
            Name = "H100",
            Source = "nvml",
            EnergyMethod = EnergyMethod.Counter,
            EnergyJoules = new Counter { Total = 1_000_000 + _energy, Delta = first ? 0 : energyDelta, Epoch = 1 },
            PowerWatts = 300,
        });
        var server = new ServerSample
        {
            Name = "srv",
            Engine = "vllm",
            Role = "unified",
            Up = true,
            EnergyJoules = new Counter { Total = _serverEnergy, Delta = first ? 0 : energyDelta, Epoch = 1 },
        };
        server.GpuUuids.Add("GPU-0");
        var stream = new StreamSample
        {
            Model = "m",
            InputTokens = new Counter { Total = 5000 + _input, Delta = first ? 0 : inputDelta, Epoch = 1 },
            OutputTokens = new Counter { Total = 9000 + _output, Delta = first ? 0 : outputDelta, Epoch = 1 },
        };
        stream.Labels.Add("engine", "0");
        server.Streams.Add(stream);
        r.Servers.Add(server);
        return r;
    }
}
