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
    public double? TpotSeconds { get; init; }
    public double E2eSeconds { get; init; }
}
