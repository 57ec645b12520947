namespace Telemetry.Scraping.Prometheus;

/// <summary>One label of a sample, with its value already unescaped.</summary>
public readonly record struct Label(string Name, string Value);
