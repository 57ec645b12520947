using System.Buffers;

namespace Telemetry.Exposition;

/// <summary>
/// Renders the exposition once per scrape and shares it: callers arriving while a render of their format is in
/// flight await that same render; a finished render is reused while it is younger than <c>maxAge</c>
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

    private readonly Action<ExpositionWriter> _render;
    private readonly TimeSpan _maxAge;
    private readonly TimeProvider _time;
    private readonly ArrayPool<byte> _pool;
    private readonly Lock _gate = new();
    private readonly Lock _renderGate = new();
    private readonly FormatSlot[] _slots = [new(), new()];
    private bool _disposed;

    public ScrapeCache(Action<ExpositionWriter> render, TimeSpan maxAge = default, TimeProvider? time = null)
        : this(render, maxAge, time, new RenderBufferPool())
    {
    }

    internal ScrapeCache(Action<ExpositionWriter> render, TimeSpan maxAge, TimeProvider? time, ArrayPool<byte> pool)
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
    public Task<RenderedScrape> GetAsync(ExpositionFormat format, CancellationToken ct)
    {
        if (format is not (ExpositionFormat.PrometheusText004 or ExpositionFormat.OpenMetrics100))
        {
            throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown exposition format.");
        }

        FormatSlot slot = _slots[(int)format];
        RenderWave wave;
        bool startRender = false;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
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
            _ = Task.Run(() => RunWave(format, slot, wave), CancellationToken.None);
        }

        return AwaitWaveAsync(wave, ct);
    }

    /// <summary>Drops the cached renders; handles already given out stay valid until disposed.</summary>
    public void Dispose()
    {
        SharedRender?[] released = new SharedRender?[_slots.Length];
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            for (int i = 0; i < _slots.Length; i++)
            {
                released[i] = _slots[i].Latest;
                _slots[i].Latest = null;
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

    private void RunWave(ExpositionFormat format, FormatSlot slot, RenderWave wave)
    {
        SharedRender? render = null;
        Exception? failure = null;
        try
        {
            render = Render(format, slot);
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

    private SharedRender Render(ExpositionFormat format, FormatSlot slot)
    {
        var writer = new ExpositionWriter(format, Math.Max(InitialCapacityBytes, Volatile.Read(ref slot.LastLength)), _pool)
        {
            ContinuationCapacity = Math.Max(InitialCapacityBytes, Volatile.Read(ref slot.LastContinuationLength)),
        };
        try
        {
            lock (_renderGate)
            {
                _render(writer);
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
