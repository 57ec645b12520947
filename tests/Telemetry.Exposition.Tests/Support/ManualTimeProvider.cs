namespace Telemetry.Exposition.Tests.Support;

/// <summary>A clock that moves only when told to (Microsoft.Extensions.TimeProvider.Testing is not a dependency here).</summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private long _timestamp = 1_000_000;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref _timestamp);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _timestamp, by.Ticks);
}
