using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Json;

namespace Telemetry.Hosting;

/// <summary>
/// Serilog to the console for both hosts: plain text by default, one JSON object per line with
/// <c>Logging:Format=json</c>; <c>Logging:Level</c> sets the minimum (Information by default).
/// </summary>
public static class Logging
{
    public static ILoggerFactory Create(IConfiguration configuration)
    {
        var level = Enum.TryParse<LogEventLevel>(configuration["Logging:Level"], ignoreCase: true, out var l) ? l : LogEventLevel.Information;
        var config = new LoggerConfiguration()
            .MinimumLevel.Is(level)
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .MinimumLevel.Override("System.Net.Http", LogEventLevel.Warning)
            .Enrich.FromLogContext();
        config = string.Equals(configuration["Logging:Format"], "json", StringComparison.OrdinalIgnoreCase)
            ? config.WriteTo.Console(new JsonFormatter(renderMessage: true), standardErrorFromLevel: LogEventLevel.Verbose)
            : config.WriteTo.Console(outputTemplate: "{Timestamp:HH:mm:ss} {Level:u3} {SourceContext}: {Message:lj}{NewLine}{Exception}", standardErrorFromLevel: LogEventLevel.Verbose);
        return LoggerFactory.Create(b => b.ClearProviders().AddSerilog(config.CreateLogger(), dispose: true));
    }
}
