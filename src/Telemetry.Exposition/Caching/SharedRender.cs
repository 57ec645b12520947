using System.Buffers;
using System.Diagnostics;

namespace Telemetry.Exposition;

/// <summary>
/// One finished render, shared by reference count: one reference per <see cref="RenderedScrape"/> handed out and one
/// while <see cref="ScrapeCache"/> keeps it for reuse. The last release disposes the writer, returning its buffer to
/// the pool — so a buffer is never recycled while a response is still being written from it.
/// </summary>
internal sealed class SharedRender
{
    private readonly ExpositionWriter _writer;
    private int _references;

    public SharedRender(ExpositionWriter writer, ExpositionFormat format)
    {
        _writer = writer;
        Format = format;
        Body = writer.Written;
    }

    public ReadOnlySequence<byte> Body { get; }

    public ExpositionFormat Format { get; }

    /// <summary>Set once, under the cache lock, before the render is published to any reader.</summary>
    public void SetInitialReferences(int references)
    {
        Debug.Assert(references > 0 && Volatile.Read(ref _references) == 0);
        Volatile.Write(ref _references, references);
    }

    /// <summary>Only called while the caller already holds (or the cache holds) a reference, so the count is ≥ 1.</summary>
    public void AddReference()
    {
        int after = Interlocked.Increment(ref _references);
        Debug.Assert(after > 1, "a released render was resurrected");
    }

    public void Release()
    {
        int after = Interlocked.Decrement(ref _references);
        Debug.Assert(after >= 0, "released more often than referenced");
        if (after == 0)
        {
            _writer.Dispose();
        }
    }
}
