using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Telemetry.Agent.Configuration;
using Telemetry.Agent.Host;
using Telemetry.Agent.Reporting;
using Telemetry.Agent.Sampling;
using Telemetry.Hosting;

// telemetry-agent run | inspect --url URL [--engine E] | gpus [--json] | doctor   [--config FILE] [--Agent:Key=value ...]
IConfigurationRoot configuration;
string[] rest;
try
{
    configuration = HostConfiguration.Build(args, out rest);
}
catch (Exception ex) when (ex is ConfigurationException or InvalidDataException or FormatException)
{
    Console.Error.WriteLine("configuration error: " + ex.Message);
    return 2;
}

var command = rest.Length > 0 ? rest[0] : "";
switch (command)
{
    case "--version":
        Console.WriteLine("telemetry-agent " + ReportBuilder.AgentVersion);
        return 0;
    case "" or "--help" or "-h" or "help":
        Console.WriteLine(Usage.Text);
        return command.Length == 0 ? 2 : 0;
    case "inspect":
        return await Commands.InspectAsync(rest[1..]).ConfigureAwait(false);
}

if (command is not ("run" or "gpus" or "doctor"))
{
    Console.Error.WriteLine($"unknown command '{command}'\n\n{Usage.Text}");
    return 2;
}

using var loggers = Logging.Create(configuration);
if (command == "doctor")
{
    return await DoctorCommand.RunAsync(configuration, loggers).ConfigureAwait(false);
}

var log = loggers.CreateLogger("agent");
var options = new AgentOptions();
if (!OptionsSection.TryBind(() => configuration.GetSection(AgentOptions.SectionName).Bind(options), () => AgentOptionsValidator.Validate(options), log))
{
    return 2;
}

if (command == "gpus")
{
    return GpusCommand.Run(options, loggers, rest.Contains("--json"));
}

using var runtime = new AgentRuntime(options, loggers, TimeProvider.System);

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
// SIGTERM (systemd, kubernetes) stops like Ctrl+C: cancelling the default exit lets the backlog reach the spool.
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, ctx =>
{
    ctx.Cancel = true;
    stop.Cancel();
});
await runtime.RunAsync(stop.Token).ConfigureAwait(false);
var spooled = runtime.Backlog.FlushToSpool();
log.LogInformation("Agent stopped; {Count} report(s) unsent ({Spooled} moved to the spool)", runtime.Backlog.Count, spooled);
return 0;
