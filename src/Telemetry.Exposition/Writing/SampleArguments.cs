namespace Telemetry.Exposition;

/// <summary>
/// Checks a sample's labels and a histogram's bounds before the writer emits its first byte, so an
/// <see cref="ArgumentException"/> (a programmer error) never leaves a partial line in the exposition.
/// </summary>
internal static class SampleArguments
{
    /// <summary>Label names valid and unique; <c>le</c> reserved for the writer on histograms.</summary>
    public static void ValidateLabels(ReadOnlySpan<Label> labels, bool reserveLe)
    {
        for (int i = 0; i < labels.Length; i++)
        {
            string name = labels[i].Name;
            MetricNames.ValidateLabelName(name, nameof(labels));
            if (reserveLe && name == "le")
            {
                throw new ArgumentException("'le' is reserved for histogram buckets.", nameof(labels));
            }

            for (int j = 0; j < i; j++)
            {
                if (labels[j].Name == name)
                {
                    throw new ArgumentException($"The label '{name}' appears twice.", nameof(labels));
                }
            }
        }
    }

    public static void ValidateBounds(ReadOnlySpan<double> upperBounds, ReadOnlySpan<double> cumulativeCounts)
    {
        if (upperBounds.Length != cumulativeCounts.Length)
        {
            throw new ArgumentException(
                $"{upperBounds.Length} upper bounds but {cumulativeCounts.Length} bucket counts.", nameof(cumulativeCounts));
        }

        for (int i = 0; i < upperBounds.Length; i++)
        {
            // Buckets must be ascending (exposition_formats.md, "Histograms and summaries"); +Inf is written by the writer.
            if (!double.IsFinite(upperBounds[i]) || (i > 0 && !(upperBounds[i] > upperBounds[i - 1])))
            {
                throw new ArgumentException(
                    "Upper bounds must be finite and strictly ascending; the +Inf bucket is added by the writer.",
                    nameof(upperBounds));
            }
        }
    }
}
