namespace Telemetry.Agent.Reporting;

/// <summary>
/// One report waiting to be sent, kept encoded: bytes are what the backlog's memory bound counts and
/// what the spool writes, and an encoded report takes a fraction of its object graph's memory. The
/// sender appends the per-attempt fields (send time, agent health) to <see cref="Payload"/>; protobuf
/// merges concatenated messages, so the copy on the wire is the report with those fields set.
/// </summary>
public sealed class QueuedReport(byte[] payload, ulong sequence, long sampleTimeUnixMs)
{
    public byte[] Payload { get; } = payload;
    public ulong Sequence { get; } = sequence;
    public long SampleTimeUnixMs { get; } = sampleTimeUnixMs;
}
