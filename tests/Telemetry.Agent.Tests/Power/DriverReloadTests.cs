using Microsoft.Extensions.Logging.Abstractions;
using Telemetry.Agent.Configuration;
using Telemetry.Agent.Power;
using Telemetry.Agent.Reporting;
using Telemetry.Agent.Tests.Power.Support;

namespace Telemetry.Agent.Tests.Power;

/// <summary>A driver reload end to end: fake counter drops → NvmlPowerSource → ReportBuilder's wire counters.</summary>
[Collection(SharedFakeNvml.Name)]
public sealed class DriverReloadTests
{
    [Fact]
    public void Counter_going_down_starts_a_new_epoch_and_no_delta_is_negative()
    {
        FakeNvml.Configure("energy_update_ms=0\ndevice0.power_w=200");
        using var source = new NvmlPowerSource(FakeNvml.MainPath, NullLogger.Instance, new ManualClock());
        var builder = new ReportBuilder(new AgentOptions { Node = "n1" }, startMs: 1_000);

        FakeNvml.SetTime(10);
        var r1 = builder.Build(10_000, source.Read(), []).Gpus[0].EnergyJoules;
        FakeNvml.SetTime(11);
        var r2 = builder.Build(11_000, source.Read(), []).Gpus[0].EnergyJoules;
        FakeNvml.ReloadDriver();                  // at t = 11 s the counter restarts from 0
        FakeNvml.SetTime(12);
        var r3 = builder.Build(12_000, source.Read(), []).Gpus[0].EnergyJoules;
        FakeNvml.SetTime(13);
        var r4 = builder.Build(13_000, source.Read(), []).Gpus[0].EnergyJoules;

        Assert.Equal((2000.0, 0.0, 10_000L), (r1.Total, r1.Delta, r1.Epoch));
        Assert.Equal((2200.0, 200.0, 10_000L), (r2.Total, r2.Delta, r2.Epoch));
        Assert.Equal((200.0, 200.0, 12_000L), (r3.Total, r3.Delta, r3.Epoch)); // new epoch, the whole new value
        Assert.Equal((400.0, 200.0, 12_000L), (r4.Total, r4.Delta, r4.Epoch));
    }
}
