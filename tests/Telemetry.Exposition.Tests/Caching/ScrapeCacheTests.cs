using System.Text;
using Telemetry.Exposition.Tests.Support;

namespace Telemetry.Exposition.Tests.Caching;

public sealed class ScrapeCacheTests : IDisposable
{
    private const int Readers = 32;

    /// <summary>Generous, only so a broken implementation cannot hang the run; timing is not asserted.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly TrackingArrayPool _pool = new();
    private readonly ManualResetEventSlim _releaseRender = new(initialState: true);
    private int _renders;

    [Fact]
    public async Task Concurrent_readers_share_one_render_per_wave_and_the_buffer_outlives_all_but_the_last_reader()
    {
        using var cache = CreateCache(TimeSpan.Zero);

        RenderedScrape[] wave1 = await RunWaveAsync(cache, ExpositionFormat.PrometheusText004);

        Assert.Equal(1, Volatile.Read(ref _renders));
        byte[] array1 = TrackingArrayPool.ArrayOf(wave1[0].Body);
        Assert.All(wave1, r => Assert.Same(array1, TrackingArrayPool.ArrayOf(r.Body)));
        Assert.All(wave1, r => Assert.Equal("# HELP renders Render number.\n# TYPE renders gauge\nrenders 1\n", Text(r)));

        for (int i = 0; i < Readers - 1; i++)
        {
            wave1[i].Dispose();
            Assert.True(_pool.IsOutstanding(array1), $"buffer returned while {Readers - 1 - i} reader(s) still held it");
        }

        Assert.Equal("# HELP renders Render number.\n# TYPE renders gauge\nrenders 1\n", Text(wave1[^1]));
        wave1[^1].Dispose();
        Assert.False(_pool.IsOutstanding(array1));

        RenderedScrape[] wave2 = await RunWaveAsync(cache, ExpositionFormat.PrometheusText004);

        Assert.Equal(2, Volatile.Read(ref _renders));
        Assert.All(wave2, r => Assert.EndsWith("renders 2\n", Text(r), StringComparison.Ordinal));
        DisposeAll(wave2);
        Assert.Equal(0, _pool.OutstandingCount);
    }

    [Fact]
    public async Task Each_variant_is_rendered_for_itself_and_readers_of_one_variant_share_its_render()
    {
        using var cache = new ScrapeCache((w, variant) =>
        {
            Interlocked.Increment(ref _renders);
            w.BeginFamily("variant", MetricType.Gauge, "Variant rendered.");
            w.WriteSample([], variant);
        }, TimeSpan.FromSeconds(10), new ManualTimeProvider(), _pool);

        using RenderedScrape whole = await cache.GetAsync(ExpositionFormat.PrometheusText004, CancellationToken.None);
        using RenderedScrape seven = await cache.GetAsync(ExpositionFormat.PrometheusText004, 7, CancellationToken.None);
        using RenderedScrape sevenAgain = await cache.GetAsync(ExpositionFormat.PrometheusText004, 7, CancellationToken.None);
        using RenderedScrape nine = await cache.GetAsync(ExpositionFormat.PrometheusText004, 9, CancellationToken.None);

        Assert.EndsWith("variant 0\n", Text(whole), StringComparison.Ordinal);
        Assert.EndsWith("variant 7\n", Text(seven), StringComparison.Ordinal);
        Assert.EndsWith("variant 9\n", Text(nine), StringComparison.Ordinal);
        Assert.Same(TrackingArrayPool.ArrayOf(seven.Body), TrackingArrayPool.ArrayOf(sevenAgain.Body)); // reused within max age
        Assert.Equal(3, Volatile.Read(ref _renders));
    }

    [Fact]
    public async Task Callers_naming_ever_new_variants_do_not_grow_the_cache_beyond_its_bound()
    {
        var cache = new ScrapeCache((w, variant) =>
        {
            w.BeginFamily("variant", MetricType.Gauge, "Variant rendered.");
            w.WriteSample([], variant);
        }, TimeSpan.FromSeconds(10), new ManualTimeProvider(), _pool);
        using (cache)
        {
            for (var v = 0; v < 3000; v++)
            {
                (await cache.GetAsync(ExpositionFormat.PrometheusText004, v, CancellationToken.None)).Dispose();
            }

            // Each kept render holds a buffer: idle slots beyond the bound were dropped and their buffers returned.
            Assert.InRange(_pool.OutstandingCount, 1, 1024);
        }

        Assert.Equal(0, _pool.OutstandingCount);
    }

    [Fact]
    public async Task Without_max_age_every_sequential_scrape_renders_and_a_held_buffer_survives_the_next_render()
    {
        using var cache = CreateCache(TimeSpan.Zero);

        RenderedScrape first = await cache.GetAsync(ExpositionFormat.PrometheusText004, CancellationToken.None);
        RenderedScrape second = await cache.GetAsync(ExpositionFormat.PrometheusText004, CancellationToken.None);

        Assert.Equal(2, Volatile.Read(ref _renders));
        Assert.NotSame(TrackingArrayPool.ArrayOf(first.Body), TrackingArrayPool.ArrayOf(second.Body));
        Assert.EndsWith("renders 1\n", Text(first), StringComparison.Ordinal);
        second.Dispose();
        Assert.EndsWith("renders 1\n", Text(first), StringComparison.Ordinal);
        first.Dispose();
        Assert.Equal(0, _pool.OutstandingCount);
    }

    [Fact]
    public async Task A_finished_render_is_reused_while_younger_than_max_age()
    {
        var clock = new ManualTimeProvider();
        using var cache = CreateCache(TimeSpan.FromSeconds(10), clock);

        RenderedScrape first = await cache.GetAsync(ExpositionFormat.OpenMetrics100, CancellationToken.None);
        byte[] array1 = TrackingArrayPool.ArrayOf(first.Body);
        first.Dispose();
        Assert.True(_pool.IsOutstanding(array1), "the cache itself keeps the reusable render");

        clock.Advance(TimeSpan.FromSeconds(9.999));
        RenderedScrape reused = await cache.GetAsync(ExpositionFormat.OpenMetrics100, CancellationToken.None);
        Assert.Equal(1, Volatile.Read(ref _renders));
        Assert.Same(array1, TrackingArrayPool.ArrayOf(reused.Body));

        clock.Advance(TimeSpan.FromMilliseconds(1));
        RenderedScrape fresh = await cache.GetAsync(ExpositionFormat.OpenMetrics100, CancellationToken.None);
        Assert.Equal(2, Volatile.Read(ref _renders));
        Assert.NotSame(array1, TrackingArrayPool.ArrayOf(fresh.Body));
        Assert.Equal("# TYPE renders gauge\n# HELP renders Render number.\nrenders 2.0\n# EOF\n", Text(fresh));

        Assert.True(_pool.IsOutstanding(array1), "replaced in the cache, but a reader still holds it");
        Assert.EndsWith("renders 1.0\n# EOF\n", Text(reused), StringComparison.Ordinal);
        reused.Dispose();
        Assert.False(_pool.IsOutstanding(array1));

        fresh.Dispose();
        cache.Dispose();
        Assert.Equal(0, _pool.OutstandingCount);
    }

    [Fact]
    public async Task Formats_are_cached_separately()
    {
        var clock = new ManualTimeProvider();
        using var cache = CreateCache(TimeSpan.FromMinutes(1), clock);

        using RenderedScrape text = await cache.GetAsync(ExpositionFormat.PrometheusText004, CancellationToken.None);
        using RenderedScrape openMetrics = await cache.GetAsync(ExpositionFormat.OpenMetrics100, CancellationToken.None);

        Assert.Equal(ExpositionFormat.PrometheusText004, text.Format);
        Assert.Equal(ExpositionFormat.OpenMetrics100, openMetrics.Format);
        Assert.DoesNotContain("# EOF", Text(text), StringComparison.Ordinal);
        Assert.EndsWith("# EOF\n", Text(openMetrics), StringComparison.Ordinal);
        Assert.Equal(2, Volatile.Read(ref _renders));
    }

    [Fact]
    public async Task A_cancelled_reader_gets_cancellation_and_its_reference_is_still_released()
    {
        using var cache = CreateCache(TimeSpan.Zero);
        _releaseRender.Reset();
        using var cts = new CancellationTokenSource();

        Task<RenderedScrape> cancelled = cache.GetAsync(ExpositionFormat.PrometheusText004, cts.Token);
        Task<RenderedScrape> patient = cache.GetAsync(ExpositionFormat.PrometheusText004, CancellationToken.None);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        _releaseRender.Set();
        using (RenderedScrape result = await patient.WaitAsync(Patience))
        {
            Assert.EndsWith("renders 1\n", Text(result), StringComparison.Ordinal);
        }

        Assert.Equal(1, Volatile.Read(ref _renders));
        Assert.True(SpinWait.SpinUntil(() => _pool.OutstandingCount == 0, Patience), "the cancelled reader's reference leaked");
    }

    [Fact]
    public async Task A_failed_render_reaches_every_reader_of_its_wave_and_is_not_cached()
    {
        int calls = 0;
        var clock = new ManualTimeProvider();
        using var cache = new ScrapeCache(
            writer =>
            {
                if (Interlocked.Increment(ref calls) == 1)
                {
                    _releaseRender.Wait(Patience);
                    writer.BeginFamily("partial", MetricType.Gauge, "h");
                    throw new InvalidOperationException("boom");
                }

                RenderCounter(writer);
            },
            TimeSpan.FromMinutes(1),
            clock,
            _pool);
        _releaseRender.Reset();

        Task<RenderedScrape>[] readers = Enumerable.Range(0, 4)
            .Select(_ => cache.GetAsync(ExpositionFormat.PrometheusText004, CancellationToken.None)).ToArray();
        _releaseRender.Set();

        foreach (Task<RenderedScrape> reader in readers)
        {
            InvalidOperationException error = await Assert.ThrowsAsync<InvalidOperationException>(() => reader.WaitAsync(Patience));
            Assert.Equal("boom", error.Message);
        }

        Assert.Equal(0, _pool.OutstandingCount);
        using RenderedScrape retry = await cache.GetAsync(ExpositionFormat.PrometheusText004, CancellationToken.None);
        Assert.Equal(2, Volatile.Read(ref calls));
        Assert.EndsWith("renders 1\n", Text(retry), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Disposing_the_cache_keeps_handed_out_bodies_valid_and_refuses_new_scrapes()
    {
        var clock = new ManualTimeProvider();
        var cache = CreateCache(TimeSpan.FromMinutes(1), clock);
        RenderedScrape held = await cache.GetAsync(ExpositionFormat.PrometheusText004, CancellationToken.None);
        byte[] array = TrackingArrayPool.ArrayOf(held.Body);

        cache.Dispose();

        Assert.True(_pool.IsOutstanding(array));
        Assert.EndsWith("renders 1\n", Text(held), StringComparison.Ordinal);
        Assert.Throws<ObjectDisposedException>(() => { _ = cache.GetAsync(ExpositionFormat.PrometheusText004, CancellationToken.None); });
        held.Dispose();
        held.Dispose();
        Assert.Equal(0, _pool.OutstandingCount);
        Assert.Throws<ObjectDisposedException>(() => held.Body);
    }

    public void Dispose() => _releaseRender.Dispose();

    private ScrapeCache CreateCache(TimeSpan maxAge, TimeProvider? clock = null) =>
        new(RenderCounter, maxAge, clock, _pool);

    private void RenderCounter(ExpositionWriter writer)
    {
        int render = Interlocked.Increment(ref _renders);
        if (!_releaseRender.Wait(Patience))
        {
            throw new TimeoutException("The test never released the render.");
        }

        writer.BeginFamily("renders", MetricType.Gauge, "Render number.");
        writer.WriteSample([], render);
    }

    /// <summary>Holds the render until all readers have joined the wave, then lets it finish.</summary>
    private async Task<RenderedScrape[]> RunWaveAsync(ScrapeCache cache, ExpositionFormat format)
    {
        _releaseRender.Reset();
        using var joined = new CountdownEvent(Readers);
        Task<RenderedScrape>[] readers = Enumerable.Range(0, Readers).Select(_ => Task.Run(async () =>
        {
            Task<RenderedScrape> pending = cache.GetAsync(format, CancellationToken.None);
            joined.Signal();
            return await pending;
        })).ToArray();

        Assert.True(joined.Wait(Patience), "not every reader joined");
        _releaseRender.Set();
        return await Task.WhenAll(readers).WaitAsync(Patience);
    }

    private static string Text(RenderedScrape scrape) => Encoding.UTF8.GetString(scrape.Body);

    private static void DisposeAll(RenderedScrape[] scrapes)
    {
        foreach (RenderedScrape scrape in scrapes)
        {
            scrape.Dispose();
        }
    }
}
