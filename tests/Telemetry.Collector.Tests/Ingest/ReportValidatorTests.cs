using Telemetry.Collector.Ingest;
using Telemetry.Wire;

namespace Telemetry.Collector.Tests.Ingest;

public sealed class ReportValidatorTests
{
    private static NodeReport Valid() => new Reports().Next(1_700_000_000_000, 0, 0, 0);

    [Fact]
    public void A_well_formed_report_passes() => Assert.Null(ReportValidator.Validate(Valid()));

    public static TheoryData<string, Action<NodeReport>> Broken => new()
    {
        { "agent_instance_id is empty", r => r.AgentInstanceId = "" },
        { "sequence must start at 1", r => r.Sequence = 0 },
        { "node is empty", r => r.Node = "" },
        { "gpus[0].energy_joules is not finite", r => r.Gpus[0].EnergyJoules.Total = double.NaN },
        { "gpus[0].energy_joules is negative", r => r.Gpus[0].EnergyJoules.Delta = -1 },
        { "servers[0].streams[0].output_tokens is not finite", r => r.Servers[0].Streams[0].OutputTokens.Delta = double.PositiveInfinity },
        { "servers[0].energy_joules is negative", r => r.Servers[0].EnergyJoules.Total = -5 },
        { "gpus[1].uuid 'GPU-0' appears twice", r => r.Gpus.Add(r.Gpus[0].Clone()) },
        { "servers[0].name is empty", r => r.Servers[0].Name = "" },
        { "node is longer than 256 characters", r => r.Node = new string('x', 300) },
        { "previous_sample_time_unix_ms is after sample_time_unix_ms", r => r.PreviousSampleTimeUnixMs = r.SampleTimeUnixMs + 1 },
        { "servers[0].streams[0].histograms[ttft_seconds].count is missing", r => r.Servers[0].Streams[0].Histograms.Add(Histogram(h => h.Count = null)) },
        { "servers[0].streams[0].histograms[ttft_seconds].bucket_deltas must be finite and non-negative", r => r.Servers[0].Streams[0].Histograms.Add(Histogram(h => h.BucketDeltas[1] = double.NaN)) },
        { "servers[0].proxy_streams[0].output_tokens is not finite", r => r.Servers[0].ProxyStreams.Add(new ProxyStreamSample { Model = "m", OutputTokens = new Counter { Total = double.NaN } }) },
        { "servers[0].proxy_streams[0].user_seconds is negative", r => r.Servers[0].ProxyStreams.Add(new ProxyStreamSample { Model = "m", UserSeconds = new Counter { Total = 5, Delta = -1 } }) },
        { "servers[0].proxy_streams[0].requests[success] is negative", r => r.Servers[0].ProxyStreams.Add(Proxy(p => p.Requests.Add(new OutcomeCounter { Outcome = "success", Count = new Counter { Total = -3 } }))) },
        { "servers[0].streams[0].input_tokens is over 2^53", r => r.Servers[0].Streams[0].InputTokens.Total = 1e300 },
        { "servers[0].streams[0].histograms[ttft_seconds].sum is over 2^53", r => r.Servers[0].Streams[0].Histograms.Add(Histogram(h => h.Sum.Delta = 1e17)) },
        { "servers[0].proxy_streams[0].tenant is longer than 256 characters", r => r.Servers[0].ProxyStreams.Add(new ProxyStreamSample { Model = "m", Tenant = new string('t', 257) }) },
    };

    private static HistogramSample Histogram(Action<HistogramSample> change)
    {
        var h = new HistogramSample { Metric = "ttft_seconds", Count = new Counter { Total = 10 }, Sum = new Counter { Total = 1 } };
        h.UpperBounds.AddRange([0.1, 1]);
        h.BucketCounts.AddRange([4, 9]);
        h.BucketDeltas.AddRange([1, 2]);
        change(h);
        return h;
    }

    private static ProxyStreamSample Proxy(Action<ProxyStreamSample> change)
    {
        var p = new ProxyStreamSample { Model = "m", Tenant = "t" };
        change(p);
        return p;
    }

    [Theory]
    [MemberData(nameof(Broken))]
    public void A_broken_report_is_refused_with_a_reason_naming_the_field(string reason, Action<NodeReport> breakIt)
    {
        var r = Valid();
        breakIt(r);
        Assert.Equal(reason, ReportValidator.Validate(r));
    }

    [Fact]
    public void A_histogram_whose_buckets_go_down_is_refused()
    {
        var r = Valid();
        var h = new HistogramSample { Metric = "ttft_seconds", Count = new Counter { Total = 10 }, Sum = new Counter { Total = 1 } };
        h.UpperBounds.AddRange([0.1, 1]);
        h.BucketCounts.AddRange([5, 4]);
        r.Servers[0].Streams[0].Histograms.Add(h);
        Assert.Contains("non-decreasing", ReportValidator.Validate(r));
    }

    [Fact]
    public void Gauges_that_are_not_finite_do_not_refuse_the_report()
    {
        var r = Valid();
        r.Gpus[0].PowerWatts = double.NaN;
        Assert.Null(ReportValidator.Validate(r));
    }

    [Fact]
    public void Impossible_clocks_are_cleared_and_plausible_ones_kept()
    {
        var r = Valid();
        var g = r.Gpus[0];
        g.SmClockHertz = 1410e6;
        g.MemoryClockHertz = 0; // a clock-gated domain can read 0 Hz: possible, kept
        g.GraphicsClockHertz = double.NaN;
        g.SmClockMaxHertz = -1980e6;
        g.MemoryClockMaxHertz = 2619e12; // MHz converted twice: absurd
        g.GraphicsClockMaxHertz = double.PositiveInfinity;

        Assert.Null(ReportValidator.Validate(r)); // gauges never refuse a report
        Assert.Equal(4, ReportValidator.ClearImpossibleGauges(r));
        Assert.Equal((1410e6, 0.0), (g.SmClockHertz, g.MemoryClockHertz));
        Assert.False(g.HasGraphicsClockHertz || g.HasSmClockMaxHertz || g.HasMemoryClockMaxHertz || g.HasGraphicsClockMaxHertz);
    }

    [Fact]
    public void The_clock_bound_is_inclusive()
    {
        var r = Valid();
        r.Gpus[0].SmClockMaxHertz = ReportValidator.MaxPlausibleClockHertz;
        r.Gpus[0].SmClockHertz = Math.BitIncrement(ReportValidator.MaxPlausibleClockHertz);

        Assert.Equal(1, ReportValidator.ClearImpossibleGauges(r));
        Assert.True(r.Gpus[0].HasSmClockMaxHertz);
        Assert.False(r.Gpus[0].HasSmClockHertz);
    }

    [Fact]
    public void Impossible_gauges_are_cleared_to_unknown_and_possible_ones_kept()
    {
        var r = Valid();
        var g = r.Gpus[0];
        g.PowerWatts = -4;
        g.UtilizationRatio = 1.5;
        g.MemoryUsedBytes = double.NaN;
        g.TemperatureCelsius = -2; // below freezing is possible; only a non-finite temperature is not
        var st = r.Servers[0].Streams[0];
        st.KvCacheUsageRatio = -4e-54;
        st.RunningRequests = double.PositiveInfinity;
        st.WaitingRequests = 3;
        r.Gpus.Add(new GpuSample { Uuid = "GPU-1", TemperatureCelsius = -6e79 }); // below absolute zero: found by bench fuzz seed 1
        Assert.Null(ReportValidator.Validate(r));
        Assert.Equal(6, ReportValidator.ClearImpossibleGauges(r));
        Assert.False(r.Gpus[1].HasTemperatureCelsius);
        Assert.False(g.HasPowerWatts);
        Assert.False(g.HasUtilizationRatio);
        Assert.False(g.HasMemoryUsedBytes);
        Assert.Equal(-2, g.TemperatureCelsius);
        Assert.False(st.HasKvCacheUsageRatio);
        Assert.False(st.HasRunningRequests);
        Assert.Equal(3, st.WaitingRequests);
    }

    [Theory]
    [InlineData(3, 2)] // compared pairwise
    [InlineData(40, 37)] // through a set of keys
    public void A_repeated_stream_is_found_however_many_streams_a_server_has(int streams, int repeat)
    {
        var r = Valid();
        var server = r.Servers[0];
        server.Streams.Clear();
        for (var i = 0; i < streams; i++)
        {
            var st = new StreamSample { Model = "m" };
            st.Labels.Add("engine", (i == repeat ? 1 : i).ToString(System.Globalization.CultureInfo.InvariantCulture));
            st.Labels.Add("rank", "0");
            server.Streams.Add(st);
        }

        Assert.Equal($"servers[0].streams[{repeat}] repeats model 'm' with the same labels", ReportValidator.Validate(r));
    }

    [Fact]
    public void Streams_with_the_same_labels_in_another_order_are_the_same_stream_and_other_values_are_not()
    {
        var r = Valid();
        var server = r.Servers[0];
        server.Streams.Clear();
        var a = new StreamSample { Model = "m" };
        a.Labels.Add("engine", "0");
        a.Labels.Add("rank", "1");
        var b = new StreamSample { Model = "m" };
        b.Labels.Add("rank", "1");
        b.Labels.Add("engine", "1");
        server.Streams.Add(a);
        server.Streams.Add(b);
        Assert.Null(ReportValidator.Validate(r));

        b.Labels["engine"] = "0";
        Assert.Equal("servers[0].streams[1] repeats model 'm' with the same labels", ReportValidator.Validate(r));
    }

    [Fact]
    public void A_repeated_gpu_among_many_is_found()
    {
        var r = Valid();
        for (var i = 1; i < 40; i++)
        {
            r.Gpus.Add(new GpuSample { Uuid = i == 33 ? "GPU-7" : $"GPU-{i}" });
        }

        Assert.Equal("gpus[33].uuid 'GPU-7' appears twice", ReportValidator.Validate(r));
    }
}
