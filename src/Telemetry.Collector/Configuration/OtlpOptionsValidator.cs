namespace Telemetry.Collector.Configuration;

/// <summary>Checks <c>Collector:Otlp</c>; every message names its key. Header values are never echoed (they hold secrets).</summary>
public static class OtlpOptionsValidator
{
    /// <summary>Faster than once a second turns a KPI feed into load on the receiver; slower than an hour is not live.</summary>
    public const double MinIntervalSeconds = 1;
    public const double MaxIntervalSeconds = 3600;

    /// <summary>A push slower than 5 minutes has certainly failed; the SDK needs a positive timeout.</summary>
    public const double MaxTimeoutSeconds = 300;

    /// <summary>The SDK's own default; less would truncate even a small fleet.</summary>
    public const int MinSeriesPerMetric = 2000;

    /// <summary>Past ten million series per instrument the SDK's up-front reservation alone runs to gigabytes.</summary>
    public const int MaxSeriesPerMetricLimit = 10_000_000;

    public static void Validate(OtlpOptions o, List<string> errors)
    {
        if (!o.Enabled)
        {
            return;
        }

        if (!Uri.TryCreate(o.Endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
        {
            errors.Add($"Collector:Otlp:Endpoint '{o.Endpoint}' is not an http(s) URL, e.g. http://otel-collector:4318");
        }

        if (o.Protocol is not (OtlpOptions.HttpProtobuf or OtlpOptions.Grpc))
        {
            errors.Add($"Collector:Otlp:Protocol '{o.Protocol}' is not supported: use {OtlpOptions.HttpProtobuf} or {OtlpOptions.Grpc}");
        }

        if (!(o.IntervalSeconds >= MinIntervalSeconds && o.IntervalSeconds <= MaxIntervalSeconds))
        {
            errors.Add($"Collector:Otlp:IntervalSeconds must be between {MinIntervalSeconds} and {MaxIntervalSeconds} (got {o.IntervalSeconds})");
        }

        if (!(o.Timeout > 0 && o.Timeout <= MaxTimeoutSeconds))
        {
            errors.Add($"Collector:Otlp:Timeout must be more than 0 and at most {MaxTimeoutSeconds} seconds (got {o.Timeout})");
        }

        if (o.MaxSeriesPerMetric is < MinSeriesPerMetric or > MaxSeriesPerMetricLimit)
        {
            errors.Add($"Collector:Otlp:MaxSeriesPerMetric must be between {MinSeriesPerMetric} and {MaxSeriesPerMetricLimit} (got {o.MaxSeriesPerMetric})");
        }

        var pairs = o.Headers.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        for (var i = 0; i < pairs.Length; i++)
        {
            var eq = pairs[i].IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || !IsToken(pairs[i].AsSpan(0, eq).Trim()))
            {
                // Only the position is named: the text may be a secret.
                errors.Add($"Collector:Otlp:Headers: entry {i + 1} is not key=value with an HTTP header name as key (e.g. Authorization=Bearer <token>)");
            }
        }
    }

    /// <summary>RFC 9110 token characters: what an HTTP header name may contain.</summary>
    private static bool IsToken(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal)))
            {
                return false;
            }
        }

        return true;
    }
}
