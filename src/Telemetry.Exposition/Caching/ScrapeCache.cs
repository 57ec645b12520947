using System.Buffers;

namespace Telemetry.Exposition;

/// <summary>
/// Renders the exposition once per scrape and shares it: callers arriving while a render of their format (and
/// variant: a caller-defined selection of the exposition, such as one part of it; 0 is everything) is in flight await
/// that same render; a finished render is reused while it is younger than <c>maxAge</c>
/// (<see cref="TimeSpan.Zero"/>, the default, means in-flight sharing only). Buffers go back to the pool only when the
/// cache and every <see cref="RenderedScrape"/> holding them have let go (reference counted). Thread-safe.
/// </summary>
/// <remarks>
/// The render callback is never invoked concurrently with itself (renders of the two formats are serialised), runs on
/// the thread pool, and is not cancelled by a caller's token, because other callers share its result. If it throws,
/// every caller of that wave sees the exception and nothing is cached. The OpenTelemetry Prometheus exporter's
/// <c>PrometheusCollectionManager</c> is the model.
/// </remarks>
public sealed class ScrapeCache : IDisposable
{
    /// <summary>Default first buffer; later renders start at the previous size of their format so they rarely regrow.</summary>
    private const int InitialCapacityBytes = 64 * 1024;

    /// <summary>Beyond this many format/variant slots, idle ones are dropped (each keeps only a size hint).</summary>
    private const int MaxSlots = 1024;

    private readonly Action<ExpositionWriter, int> _render;
    private readonly TimeSpan _maxAge;
    private readonly TimeProvider _time;
    private readonly ArrayPool<byte> _pool;
    private readonly Lock _gate = new();
    private readonly Lock _renderGate = new();
    private readonly Dictionary<(ExpositionFormat Format, int Variant), FormatSlot> _slots = [];
    private bool _disposed;

    public ScrapeCache(Action<ExpositionWriter> render, TimeSpan maxAge = default, TimeProvider? time = null)
        : this(Everything(render), maxAge, time, new RenderBufferPool())
    {
    }

    /// <summary>A cache whose renders take the variant asked for (<see cref="GetAsync(ExpositionFormat, int, CancellationToken)"/>).</summary>
    public ScrapeCache(Action<ExpositionWriter, int> render, TimeSpan maxAge = default, TimeProvider? time = null)
        : this(render, maxAge, time, new RenderBufferPool())
    {
    }

    internal ScrapeCache(Action<ExpositionWriter> render, TimeSpan maxAge, TimeProvider? time, ArrayPool<byte> pool)
        : this(Everything(render), maxAge, time, pool)
    {
    }

    internal ScrapeCache(Action<ExpositionWriter, int> render, TimeSpan maxAge, TimeProvider? time, ArrayPool<byte> pool)
    {
        ArgumentNullException.ThrowIfNull(render);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAge, TimeSpan.Zero);
        _render = render;
        _maxAge = maxAge;
        _time = time ?? TimeProvider.System;
        _pool = pool;
    }

    /// <summary>
    /// Returns a handle on a render of <paramref name="format"/>; dispose it once the body is written.
    /// <paramref name="ct"/> cancels only this caller's wait, never the shared render.
    /// </summary>
    public Task<RenderedScrape> GetAsync(ExpositionFormat format, CancellationToken ct) => GetAsync(format, 0, ct);

    /// <summary>As <see cref="GetAsync(ExpositionFormat, CancellationToken)"/>, for one variant of the exposition.</summary>
    public Task<RenderedScrape> GetAsync(ExpositionFormat format, int variant, CancellationToken ct)
    {
        if (format is not (ExpositionFormat.PrometheusText004 or ExpositionFormat.OpenMetrics100))
        {
            throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown exposition format.");
        }

        FormatSlot slot;
        RenderWave wave;
        bool startRender = false;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            slot = SlotOf(format, variant);
            if (slot.Latest is { } latest && _time.GetElapsedTime(slot.LatestTimestamp) < _maxAge)
            {
                latest.AddReference();
                return Task.FromResult(new RenderedScrape(latest));
            }

            if (slot.InFlight is null)
            {
                slot.InFlight = new RenderWave();
                startRender = true;
            }

            wave = slot.InFlight;
            wave.Readers++; // This reader's reference is reserved now and handed over when the render completes.
        }

        if (startRender)
        {
            _ = Task.Run(() => RunWave(format, variant, slot, wave), CancellationToken.None);
        }

        return AwaitWaveAsync(wave, ct);
    }

    /// <summary>Drops the cached renders; handles already given out stay valid until disposed.</summary>
    public void Dispose()
    {
        List<SharedRender?> released = [];
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (FormatSlot slot in _slots.Values)
            {
                released.Add(slot.Latest);
                slot.Latest = null;
            }
        }

        foreach (SharedRender? render in released)
        {
            render?.Release();
        }
    }

    private static async Task<RenderedScrape> AwaitWaveAsync(RenderWave wave, CancellationToken ct)
    {
        try
        {
            return new RenderedScrape(await wave.Completion.Task.WaitAsync(ct));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The reference reserved for this reader is still owed; give it back whenever the render lands.
            _ = wave.Completion.Task.ContinueWith(
                static t => t.Result.Release(),
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
            throw;
        }
    }

    private static Action<ExpositionWriter, int> Everything(Action<ExpositionWriter> render)
    {
        ArgumentNullException.ThrowIfNull(render);
        return (w, _) => render(w);
    }

    /// <summary>The slot of a format and variant, made on first use; called under <c>_gate</c>.</summary>
    private FormatSlot SlotOf(ExpositionFormat format, int variant)
    {
        if (_slots.TryGetValue((format, variant), out FormatSlot? slot))
        {
            return slot;
        }

        if (_slots.Count >= MaxSlots)
        {
            // Callers naming ever new variants must not grow the cache: drop the idle slots (their renders released).
            foreach (var (key, idle) in _slots.Where(s => s.Value.InFlight is null).ToList())
            {
                _slots.Remove(key);
                idle.Latest?.Release();
            }
        }

        slot = new FormatSlot();
        _slots.Add((format, variant), slot);
        return slot;
    }

    private void RunWave(ExpositionFormat format, int variant, FormatSlot slot, RenderWave wave)
    {
        SharedRender? render = null;
        Exception? failure = null;
        try
        {
            render = Render(format, variant, slot);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            failure = exception;
        }

        SharedRender? replaced = null;
        lock (_gate)
        {
            slot.InFlight = null; // Callers from now on start a new wave or reuse the render below.
            if (render is not null)
            {
                bool keep = !_disposed && _maxAge > TimeSpan.Zero;
                render.SetInitialReferences(wave.Readers + (keep ? 1 : 0));
                if (keep)
                {
                    replaced = slot.Latest;
                    slot.Latest = render;
                    slot.LatestTimestamp = _time.GetTimestamp();
                }
            }
        }

        replaced?.Release();
        if (render is not null)
        {
            wave.Completion.SetResult(render);
        }
        else
        {
            wave.Completion.SetException(failure!);
        }
    }

    private SharedRender Render(ExpositionFormat format, int variant, FormatSlot slot)
    {
        var writer = new ExpositionWriter(format, Math.Max(InitialCapacityBytes, Volatile.Read(ref slot.LastLength)), _pool)
        {
            ContinuationCapacity = Math.Max(InitialCapacityBytes, Volatile.Read(ref slot.LastContinuationLength)),
        };
        try
        {
            lock (_renderGate)
            {
                _render(writer, variant);
            }

            writer.Finish();
            Volatile.Write(ref slot.LastLength, writer.OwnLength);
            Volatile.Write(ref slot.LastContinuationLength, writer.ContinuationLength);
            return new SharedRender(writer, format);
        }
        catch
        {
            writer.Dispose();
            throw;
        }
    }

    /// <summary>Per-format state; fields other than the two lengths (buffer size hints) are guarded by <c>_gate</c>.</summary>
    private sealed class FormatSlot
    {
        public RenderWave? InFlight;
        public SharedRender? Latest;
        public long LatestTimestamp;
        public int LastLength;
        public int LastContinuationLength;
    }

    /// <summary>The callers sharing one in-flight render; <see cref="Readers"/> is guarded by <c>_gate</c>.</summary>
    private sealed class RenderWave
    {
        public readonly TaskCompletionSource<SharedRender> Completion =
            new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Readers;
    }
}
