namespace Telemetry.Exposition;

/// <summary>
/// One label pair of a sample. <see cref="Name"/> must match <c>[a-zA-Z_][a-zA-Z0-9_]*</c>;
/// <see cref="Value"/> is any text (escaped and UTF-8 encoded by the writer; <see langword="null"/> is written as empty).
/// </summary>
public readonly record struct Label(string Name, string Value);
