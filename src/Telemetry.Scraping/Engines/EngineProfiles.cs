using Telemetry.Scraping.Prometheus;

namespace Telemetry.Scraping.Engines;

/// <summary>
/// The registry of engine profiles. To add an engine, implement <see cref="IEngineProfile"/> and
/// append it to <see cref="All"/>; <c>auto</c> tries profiles in this order: engines whose names
/// other servers pass through (a Dynamo worker or Triton's vLLM backend shows <c>vllm:</c> names) come
/// first, so the most specific reading wins; Triton's generic <c>nv_</c> names come last.
/// </summary>
public static class EngineProfiles
{
    public const string Auto = "auto";

    public static IReadOnlyList<IEngineProfile> All { get; } =
    [
        new VllmProfile(), new SglangProfile(), new DynamoFrontendProfile(), new TrtllmServeProfile(),
        new TgiProfile(), new LlamaCppProfile(), new TritonProfile(),
    ];

    /// <summary>True for <c>auto</c> and for every engine name a profile exists for (case-insensitive).</summary>
    public static bool IsSupported(string engine) =>
        string.Equals(engine, Auto, StringComparison.OrdinalIgnoreCase) || ByName(engine) is not null;

    /// <summary>
    /// For <c>auto</c>, the first profile that recognizes <paramref name="payload"/>; for a name, that
    /// profile if it recognizes the payload. Null when nothing fits.
    /// </summary>
    public static IEngineProfile? Find(string engine, ParsedPayload payload)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(payload);
        if (string.Equals(engine, Auto, StringComparison.OrdinalIgnoreCase))
        {
            foreach (var profile in All)
            {
                if (profile.Recognizes(payload))
                {
                    return profile;
                }
            }

            return null;
        }

        var named = ByName(engine);
        return named is not null && named.Recognizes(payload) ? named : null;
    }

    /// <summary>The profile for an engine name, whether or not a payload matches it.</summary>
    public static IEngineProfile? ByName(string engine)
    {
        foreach (var profile in All)
        {
            if (string.Equals(profile.Engine, engine, StringComparison.OrdinalIgnoreCase))
            {
                return profile;
            }
        }

        return null;
    }
}
