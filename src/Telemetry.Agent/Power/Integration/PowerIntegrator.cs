using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Telemetry.Agent.Power.Integration;

/// <summary>
/// The fallback for devices without an energy counter (pre-Volta GPUs, some vGPU/MIG setups, AMD hwmon):
/// one background thread samples every registered power reader at <c>Agent:Power:IntegrationHz</c> and
/// integrates it (trapezoid) into a synthetic cumulative counter (DESIGN §3). Bounded (at most
/// <see cref="MaxChannels"/> readers, no queues), stoppable (<see cref="Dispose"/> joins the thread), and
/// safe to read from the sampling loop while it runs. Not a scheduler for anything else.
/// </summary>
public sealed class PowerIntegrator : IDisposable
{
    /// <summary>Minimum rate: slower sampling misses the 50–200 ms bursts inference produces (DESIGN §3).</summary>
    public const double MinHz = 10;

    /// <summary>Maximum rate: NVML and sysfs reads cost tens of µs; beyond 1 kHz the agent would burn a core.</summary>
    public const double MaxHz = 1000;

    /// <summary>A node with more power sensors than this is not a node; bounds the per-tick work.</summary>
    public const int MaxChannels = 256;

    /// <summary>A sampling gap longer than this (a stalled thread, a device that stopped answering) is not bridged.</summary>
    public const double MaxGapSeconds = 2;

    private readonly Lock _gate = new();
    private readonly List<Channel> _channels = [];
    private readonly TimeSpan _period;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ManualResetEventSlim _stop = new();
    private readonly long _origin;
    private Thread? _thread;
    private bool _disposed;

    public PowerIntegrator(double hz, TimeProvider time, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(hz, MinHz);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(hz, MaxHz);
        _period = TimeSpan.FromSeconds(1 / hz);
        _time = time;
        _logger = logger;
        _origin = time.GetTimestamp();
    }

    public double Hz => 1 / _period.TotalSeconds;

    /// <summary>Adds a reader (watts, or null when the device did not answer) and starts the thread on first use.</summary>
    /// <exception cref="InvalidOperationException">More than <see cref="MaxChannels"/> readers.</exception>
    public Channel Register(string name, Func<double?> readWatts)
    {
        var channel = new Channel(name, readWatts, this);
        var first = (Now(), channel.ReadWatts()); // the first point, so the first interval counts
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_channels.Count >= MaxChannels)
            {
                throw new InvalidOperationException($"more than {MaxChannels} integrated power readers");
            }

            _channels.Add(channel);
            channel.AddLocked(first.Item1, first.Item2);
            if (_thread is null)
            {
                _thread = new Thread(Run) { IsBackground = true, Name = "power-integrator" };
                _thread.Start();
            }
        }

        return channel;
    }

    /// <summary>
    /// One tick: reads every reader, each stamped with its own read time, outside the lock (a read can block
    /// in the driver), then adds the samples under it. Called only by the integrator thread.
    /// </summary>
    private void SampleAll()
    {
        Channel[] channels;
        lock (_gate)
        {
            channels = [.. _channels];
        }

        var samples = new (double Seconds, double? Watts)[channels.Length];
        for (var i = 0; i < channels.Length; i++)
        {
            samples[i] = (Now(), channels[i].ReadWatts());
        }

        lock (_gate)
        {
            for (var i = 0; i < channels.Length; i++)
            {
                channels[i].AddLocked(samples[i].Seconds, samples[i].Watts);
            }
        }
    }

    private double Now() => _time.GetElapsedTime(_origin).TotalSeconds;

    private void Run()
    {
        var next = Stopwatch.GetTimestamp();
        var periodTicks = (long)(_period.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            next += periodTicks;
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
            if (wait < TimeSpan.Zero)
            {
                next = Stopwatch.GetTimestamp(); // fell behind (slow reads): skip, do not burst to catch up
                wait = TimeSpan.Zero;
            }

            if (_stop.Wait(wait))
            {
                return;
            }

            try
            {
                SampleAll();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                _logger.LogError(ex, "power integrator tick failed; continuing");
            }
        }
    }

    public void Dispose()
    {
        Thread? thread;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            thread = _thread;
        }

        _stop.Set();
        thread?.Join(TimeSpan.FromSeconds(5)); // a read blocked in the driver cannot be interrupted; don't hang shutdown on it
        _stop.Dispose();
    }

    /// <summary>One integrated reader: its cumulative joules are safe to read from any thread.</summary>
    public sealed class Channel
    {
        private readonly Func<double?> _read;
        private readonly PowerIntegrator _owner;
        private readonly TrapezoidIntegrator _integrator = new(MaxGapSeconds);

        internal Channel(string name, Func<double?> read, PowerIntegrator owner)
        {
            Name = name;
            _read = read;
            _owner = owner;
        }

        public string Name { get; }

        public double Joules
        {
            get
            {
                lock (_owner._gate)
                {
                    return _integrator.Joules;
                }
            }
        }

        public (double Joules, double CoveredSeconds, long Samples) Snapshot
        {
            get
            {
                lock (_owner._gate)
                {
                    return (_integrator.Joules, _integrator.CoveredSeconds, _integrator.Samples);
                }
            }
        }

        internal double? ReadWatts()
        {
            try
            {
                return _read();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or InvalidOperationException)
            {
                return null; // a failed read breaks the chain; the next good one restarts it
            }
        }

        internal void AddLocked(double seconds, double? watts) => _integrator.Add(seconds, watts);
    }
}
