using System.Buffers;

namespace Telemetry.Exposition;

/// <summary>
/// One reader's hold on a rendered exposition. <see cref="Body"/> stays valid until this handle is disposed; dispose it
/// after the response body is written. Disposing releases only this reader's reference and is idempotent. The body is one
/// block, or two when the exposition was written on two threads (<see cref="ExpositionWriter.WriteConcurrently"/>).
/// </summary>
public sealed class RenderedScrape : IDisposable
{
    private SharedRender? _render;

    internal RenderedScrape(SharedRender render)
    {
        _render = render;
        Format = render.Format;
    }

    public ReadOnlySequence<byte> Body
    {
        get
        {
            SharedRender? render = Volatile.Read(ref _render);
            ObjectDisposedException.ThrowIf(render is null, this);
            return render.Body;
        }
    }

    public ExpositionFormat Format { get; }

    public void Dispose() => Interlocked.Exchange(ref _render, null)?.Release();
}
