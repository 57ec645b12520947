using Telemetry.Agent.Configuration;
using Telemetry.Agent.Power.Dcgm;
using Telemetry.Agent.Tests.Power.Support;
using Telemetry.Wire;

namespace Telemetry.Agent.Tests.Power.Dcgm;

/// <summary>The dcgm-exporter source scraping a real Kestrel that serves the real L4 capture and variations of it.</summary>
public sealed class DcgmExporterPowerSourceTests : IAsyncLifetime
{
    private const string L4Uuid = "GPU-c2f76b33-7953-256e-8f33-1343419b1a1c";
    private static readonly string Fixture = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "dcgm-exporter-l4-580.prom"));
    private ExporterServer _server = null!;

    public async Task InitializeAsync() => _server = await ExporterServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private DcgmExporterPowerSource Source(string hostname = "", double timeoutSeconds = 5) =>
        new(new DcgmExporterOptions { Url = _server.MetricsUrl, Hostname = hostname, TimeoutSeconds = timeoutSeconds });

    [Fact]
    public void Real_l4_scrape_converts_units_once()
    {
        _server.Body = Fixture;
        using var source = Source();

        var reading = source.Read();

        Assert.Empty(reading.Errors);
        var gpu = Assert.Single(reading.Gpus);
        Assert.Equal((0u, L4Uuid, "NVIDIA L4", "dcgm-exporter"), (gpu.Index, gpu.Uuid, gpu.Name, gpu.Source));
        Assert.Equal((EnergyMethod.Counter, 4742.776), (gpu.Method, gpu.EnergyJoules));       // 4742776 mJ
        Assert.Equal(16.365, gpu.PowerWatts);
        Assert.Equal(0.0, gpu.UtilizationRatio);
        Assert.Equal(31.0, gpu.TemperatureCelsius);
        Assert.Equal((210e6, 405e6), (gpu.Clocks.SmHertz, gpu.Clocks.MemoryHertz)); // MHz in the scrape
        Assert.Equal(default, gpu.Clocks with { SmHertz = null, MemoryHertz = null }); // no max or graphics fields in the default CSV: absent, not 0
        Assert.Equal(0.0, gpu.MemoryUsedBytes);
        Assert.Equal((22563.0 + 470.0) * 1024 * 1024, gpu.MemoryTotalBytes); // free + used + reserved MiB
        Assert.Equal("00000000:31:00.0", gpu.PciBusId);
    }

    [Fact]
    public void Lowercase_uuid_and_hostname_labels_of_newer_exporters_are_read_and_filtered()
    {
        var newer = Fixture.Replace("UUID=", "uuid=", StringComparison.Ordinal).Replace("Hostname=", "hostname=", StringComparison.Ordinal);
        _server.Body = newer + newer.Replace("i-030791dc5a37cd257", "other-host", StringComparison.Ordinal)
            .Replace("GPU-c2f76b33", "GPU-00000000", StringComparison.Ordinal).Replace("# ", "#x ", StringComparison.Ordinal);
        using var mine = Source("i-030791dc5a37cd257");
        using var all = Source();

        Assert.Equal([L4Uuid], mine.Read().Gpus.Select(g => g.Uuid));
        Assert.Equal(2, all.Read().Gpus.Count);
    }

    [Fact]
    public void Blank_sentinels_are_dropped_and_a_missing_energy_field_is_explained()
    {
        _server.Body = Fixture
            .Replace("} 4742776", "} 9223372036854775794", StringComparison.Ordinal)  // DCGM_FT_INT64_NOT_SUPPORTED
            .Replace("} 16.365000", "} 9223372036854775792", StringComparison.Ordinal); // blank
        using var source = Source();

        var reading = source.Read();

        var gpu = Assert.Single(reading.Gpus);
        Assert.Null(gpu.EnergyJoules);
        Assert.Null(gpu.PowerWatts);
        Assert.Equal(EnergyMethod.Unspecified, gpu.Method);
        Assert.Equal(31.0, gpu.TemperatureCelsius);
        Assert.Contains("DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", Assert.Single(reading.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Http_error_garbage_and_timeout_are_plain_errors()
    {
        // Long enough that the first two answers beat it on a busy test machine; the third is far slower.
        using var source = Source(timeoutSeconds: 2);

        _server.Status = 503;
        var unavailable = source.Read();
        _server.Status = 200;
        _server.Body = "DCGM_FI_DEV_POWER_USAGE{gpu=\"0\" 12\n";
        var garbage = source.Read();
        _server.Body = Fixture;
        _server.Delay = TimeSpan.FromSeconds(6);
        var slow = source.Read();

        Assert.Equal($"dcgm-exporter: {_server.MetricsUrl} answered 503 Service Unavailable", Assert.Single(unavailable.Errors));
        Assert.StartsWith($"dcgm-exporter: {_server.MetricsUrl} is not Prometheus text: line 1:", Assert.Single(garbage.Errors), StringComparison.Ordinal);
        Assert.Equal($"dcgm-exporter: {_server.MetricsUrl} did not answer within 2 s", Assert.Single(slow.Errors));
        Assert.All([unavailable, garbage, slow], r => Assert.Empty(r.Gpus));
    }

    [Fact]
    public async Task Nothing_listening_is_a_plain_error()
    {
        var url = _server.MetricsUrl;
        await _server.DisposeAsync();
        using var source = new DcgmExporterPowerSource(new DcgmExporterOptions { Url = url });

        var reading = source.Read();

        Assert.StartsWith($"dcgm-exporter: cannot scrape {url}:", Assert.Single(reading.Errors), StringComparison.Ordinal);
    }
}
