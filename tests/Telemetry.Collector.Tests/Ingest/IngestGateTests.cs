using Telemetry.Collector.Ingest;

namespace Telemetry.Collector.Tests.Ingest;

public sealed class IngestGateTests
{
    [Fact]
    public void At_most_max_in_flight_enter_and_leaving_frees_a_place()
    {
        var gate = new IngestGate(2);
        Assert.True(gate.TryEnter());
        Assert.True(gate.TryEnter());
        Assert.False(gate.TryEnter());
        Assert.Equal(2, gate.InFlight);
        gate.Exit();
        Assert.True(gate.TryEnter());
    }

    [Fact]
    public void Zero_means_no_limit()
    {
        var gate = new IngestGate(0);
        for (var i = 0; i < 5000; i++)
        {
            Assert.True(gate.TryEnter());
        }
    }
}
