namespace Telemetry.Exposition;

/// <summary>
/// Validates metric and label names against the legacy (ASCII) grammar of
/// prometheus/docs <c>docs/concepts/data_model.md</c>: metric names <c>[a-zA-Z_:][a-zA-Z0-9_:]*</c>,
/// label names <c>[a-zA-Z_][a-zA-Z0-9_]*</c>. An invalid name is a programmer error, so it throws
/// <see cref="ArgumentException"/>. Because valid names are ASCII, the writer copies them byte for byte.
/// </summary>
internal static class MetricNames
{
    public static void ValidateMetricName(string? name, string paramName)
    {
        ArgumentNullException.ThrowIfNull(name, paramName);
        if (!IsValid(name, allowColon: true))
        {
            throw new ArgumentException(
                $"'{name}' is not a valid metric name: it must match [a-zA-Z_:][a-zA-Z0-9_:]*.", paramName);
        }
    }

    public static void ValidateLabelName(string? name, string paramName)
    {
        ArgumentNullException.ThrowIfNull(name, paramName);
        if (!IsValid(name, allowColon: false))
        {
            throw new ArgumentException(
                $"'{name}' is not a valid label name: it must match [a-zA-Z_][a-zA-Z0-9_]*.", paramName);
        }
    }

    private static bool IsValid(string name, bool allowColon)
    {
        if (name.Length == 0 || char.IsAsciiDigit(name[0]))
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_' && !(allowColon && c == ':'))
            {
                return false;
            }
        }

        return true;
    }
}
