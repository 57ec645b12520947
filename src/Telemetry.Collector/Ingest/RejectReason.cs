namespace Telemetry.Collector.Ingest;

/// <summary>Why a report was refused; the <c>reason</c> label of <c>inference_collector_reports_rejected_total</c>.</summary>
public enum RejectReason
{
    Malformed,
    Invalid,
    Unauthorized,
    Forbidden,
    TooLarge,
    UnsupportedMediaType,

    /// <summary>The node sent faster than its token bucket allows (429).</summary>
    RateLimited,

    /// <summary>Too many ingest requests in flight at once (429).</summary>
    Overloaded,
}

public static class RejectReasonNames
{
    public static string LabelOf(RejectReason reason) => reason switch
    {
        RejectReason.Malformed => "malformed",
        RejectReason.Invalid => "invalid",
        RejectReason.Unauthorized => "unauthorized",
        RejectReason.Forbidden => "forbidden",
        RejectReason.TooLarge => "too_large",
        RejectReason.UnsupportedMediaType => "unsupported_media_type",
        RejectReason.RateLimited => "rate_limited",
        RejectReason.Overloaded => "overloaded",
        _ => "other",
    };
}
