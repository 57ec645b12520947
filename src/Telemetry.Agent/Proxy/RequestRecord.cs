namespace Telemetry.Agent.Proxy;

/// <summary>One finished request as the proxy measured it (seconds; tokens as upstream reported, or counted).</summary>
public sealed record RequestRecord
{
    public required string Model { get; init; }
    public required Attribution Who { get; init; }

    /// <summary><c>success</c>, <c>error</c> or <c>aborted</c> (RequestOutcomes).</summary>
    public required string Outcome { get; init; }

    public long InputTokens { get; init; }
    public long OutputTokens { get; init; }

    /// <summary>Upstream gave no usage: output tokens are the content chunks (or characters / 4) the proxy counted.</summary>
    public bool Estimated { get; init; }

    public double? TtftSeconds { get; init; }
    /// <summary>Per request: (last content − first content) / (n − 1), the mean decode gap the client saw.</summary>
    public double? TpotSeconds { get; init; }

    /// <summary>
    /// Gaps between consecutive streamed content chunks, when each chunk carried one token (chunks = output tokens);
    /// null otherwise. These, not <see cref="TpotSeconds"/>, fill the TPOT sketch then: one value per token gap, as
    /// vLLM's inter-token-latency histogram. Chunks that arrived in one socket read have a gap of 0 (so did the client's).
    /// </summary>
    public IReadOnlyList<double>? ChunkGapsSeconds { get; init; }

    public double E2eSeconds { get; init; }
}
