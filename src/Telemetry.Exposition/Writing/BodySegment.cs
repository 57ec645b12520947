using System.Buffers;

namespace Telemetry.Exposition;

/// <summary>A block of an exposition written in parts (<see cref="ExpositionWriter.WriteConcurrently"/>), chained in order.</summary>
internal sealed class BodySegment : ReadOnlySequenceSegment<byte>
{
    private BodySegment(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    /// <summary>The two blocks as one sequence, without copying either.</summary>
    public static ReadOnlySequence<byte> Join(ReadOnlyMemory<byte> first, ReadOnlyMemory<byte> second)
    {
        var head = new BodySegment(first, 0);
        var tail = new BodySegment(second, first.Length);
        head.Next = tail;
        return new ReadOnlySequence<byte>(head, 0, tail, second.Length);
    }
}
