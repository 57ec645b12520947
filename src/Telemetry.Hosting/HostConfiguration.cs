using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Telemetry.Hosting;

/// <summary>
/// Configuration for both hosts, in the .NET order DESIGN §6 promises: a JSON file (<c>--config FILE</c>,
/// else an optional <c>appsettings.json</c> beside the binary), then environment variables
/// (<c>Section__Key</c>, arrays by index), then command-line <c>--Section:Key=value</c>; later wins.
/// </summary>
public static class HostConfiguration
{
    /// <summary>Builds the configuration; <paramref name="remainingArgs"/> are the arguments that are not configuration.</summary>
    public static IConfigurationRoot Build(string[] args, out string[] remainingArgs)
    {
        string? file = null;
        var rest = new List<string>();
        var settings = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--config")
            {
                if (i + 1 >= args.Length)
                {
                    throw new ConfigurationException("--config needs a file path");
                }

                file = args[++i];
            }
            else if (args[i].StartsWith("--config=", StringComparison.Ordinal))
            {
                file = args[i]["--config=".Length..];
            }
            else if (args[i].StartsWith("--", StringComparison.Ordinal) && args[i].Contains(':', StringComparison.Ordinal))
            {
                settings.Add(args[i]);
            }
            else
            {
                rest.Add(args[i]);
            }
        }

        if (file is not null && !File.Exists(file))
        {
            throw new ConfigurationException($"configuration file '{file}' does not exist");
        }

        var builder = new ConfigurationBuilder();
        builder.AddJsonFile(file is null ? Path.Combine(AppContext.BaseDirectory, "appsettings.json") : Path.GetFullPath(file), optional: file is null);
        builder.AddEnvironmentVariables();
        builder.AddCommandLine([.. settings]);
        remainingArgs = [.. rest];
        return builder.Build();
    }
}

/// <summary>Binding and checking a host's options section, with every problem logged by key.</summary>
public static class OptionsSection
{
    /// <summary>
    /// Runs <paramref name="bind"/> (the host's own binder call, which stays in the host because the
    /// reflection binder is not trim-safe) and <paramref name="validate"/>; logs each problem as a
    /// critical "configuration error" and returns false if there was any.
    /// </summary>
    public static bool TryBind(Action bind, Func<IReadOnlyList<string>> validate, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(bind);
        ArgumentNullException.ThrowIfNull(validate);
        IReadOnlyList<string> errors;
        try
        {
            bind();
            errors = validate();
        }
        catch (InvalidOperationException ex)
        {
            errors = [ex.Message]; // e.g. "Failed to convert configuration value at 'Agent:IntervalSeconds' to type 'System.Double'"
        }

        foreach (var e in errors)
        {
            log.LogCritical("configuration error: {Error}", e);
        }

        return errors.Count == 0;
    }
}

/// <summary>Configuration that cannot be used; the message names the key and what would be valid.</summary>
public sealed class ConfigurationException(string message) : Exception(message);
