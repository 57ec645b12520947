using Microsoft.Extensions.Logging;

namespace Telemetry.Agent.Power.Integration;

/// <summary>A <see cref="PowerIntegrator"/> created on first need (most hosts never need one) and disposed with its source.</summary>
internal sealed class LazyIntegrator(double hz, TimeProvider time, ILogger logger) : IDisposable
{
    private readonly Lock _gate = new();
    private PowerIntegrator? _integrator;
    private bool _disposed;

    public PowerIntegrator.Channel Register(string name, Func<double?> readWatts)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _integrator ??= new PowerIntegrator(hz, time, logger);
            return _integrator.Register(name, readWatts);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _integrator?.Dispose();
        }
    }
}
