using Microsoft.Extensions.Logging;
using Telemetry.Agent.Configuration;
using Telemetry.Agent.Power;
using Telemetry.Agent.Proxy;
using Telemetry.Agent.Reporting;
using Telemetry.Agent.Reporting.Spool;
using Telemetry.Agent.Servers;
using Telemetry.Agent.Sharding;
using Telemetry.Agent.Simulation;
using Telemetry.Scraping;

namespace Telemetry.Agent.Sampling;

/// <summary>
/// The agent daemon: every <c>Agent:IntervalSeconds</c> it reads all power sources and scrapes all
/// servers, builds one report, and queues it; a sender drains the queue to the collector. Sampling
/// never waits for the collector, so an outage only grows the (bounded) backlog.
/// </summary>
public sealed class AgentRuntime : IDisposable
{
    /// <summary>A scrape that takes longer than this is abandoned for the interval (the engine is
    /// overloaded or hung); the next interval tries again.</summary>
    private static readonly TimeSpan MaxScrapeTime = TimeSpan.FromSeconds(5);

    private readonly AgentOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly IReadOnlyList<IPowerSource> _power;
    private readonly IReadOnlyList<IServerSource> _servers;
    private readonly ReportBuilder _builder;
    private readonly ReportSender _sender;
    private readonly HttpClient _scrapeHttp;
    private readonly HttpClient _collectorHttp;
    private readonly List<MeteringProxy> _proxies = [];

    public AgentRuntime(AgentOptions options, ILoggerFactory loggers, TimeProvider time)
    {
        _options = options;
        _time = time;
        _logger = loggers.CreateLogger("agent");
        var start = time.GetUtcNow();
        var workload = new SimulatedWorkload(start);
        var sources = options.Power.Sources.Count > 0 ? options.Power.Sources : PowerOptions.DefaultSources;
        _power = [.. sources.Distinct().Select(s => CreatePowerSource(s, options, workload, loggers, time))];

        _scrapeHttp = new HttpClient { Timeout = MaxScrapeTime };
        var scraper = new EngineScraper(_scrapeHttp);
        _servers = [.. options.Servers.Select(s =>
        {
            IServerSource? engine = s.Engine == "simulated" ? new SimulatedServerSource(s, workload, time)
                : s.Url.Length > 0 ? new ScrapedServerSource(s, scraper) : null;
            if (!s.Proxy.Enabled)
            {
                return engine!;
            }

            var proxy = new MeteringProxy(s, loggers);
            _proxies.Add(proxy);
            return new MeteredServerSource(s, engine, proxy.Ledger, time);
        })];

        _builder = new ReportBuilder(options, start.ToUnixTimeMilliseconds(), loggers.CreateLogger("attribution"));
        Backlog = CreateBacklog(options.Collector, loggers);
        _collectorHttp = CollectorHttp.Create(options.Collector, TimeSpan.FromSeconds(options.Collector.TimeoutSeconds));
        Collector = CollectorAssignment.For(options.Collector, options.ResolvedNode);
        _sender = new ReportSender(_collectorHttp, new Uri(Collector.Url), options.Collector.Token, Backlog, loggers.CreateLogger("sender"), time);

        if (options.Servers.Count > 1 && options.Servers.Any(s => s.Gpus.Count == 0))
        {
            _logger.LogWarning("Several servers and some without Agent:Servers:N:Gpus: unless discovery matches their port to NVML's GPU processes, their energy cannot be attributed and their tokens per joule is not computed. List each server's GPU indices or UUIDs");
        }
    }

    public ReportBacklog Backlog { get; }

    public ReportSender Sender => _sender;

    /// <summary>The collector this node reports to and why (sharded by node id when several are configured).</summary>
    public CollectorAssignment Collector { get; }

    public string InstanceId => _builder.InstanceId;

    public async Task RunAsync(CancellationToken ct)
    {
        _logger.LogInformation("Agent {Instance} for node {Node} (site {Site}, pool {Pool}) sampling every {Interval} s; power: {Power}; servers: {Servers}; collector {Collector}: {Why}",
            InstanceId, _options.ResolvedNode, _options.Site, _options.Pool, _options.IntervalSeconds,
            string.Join(",", _power.Select(p => p.Name)), string.Join(",", _options.Servers.Select(s => $"{s.Name}({s.Engine})")), Collector.Url, Collector.Reason);
        foreach (var proxy in _proxies)
        {
            await proxy.StartAsync(ct).ConfigureAwait(false);
        }

        await WarmUpAsync(ct).ConfigureAwait(false);
        var sending = _sender.RunAsync(ct);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(_options.IntervalSeconds), _time);
        try
        {
            do
            {
                Backlog.Add(await SampleAsync(ct).ConfigureAwait(false)); // logs its own drops, once per episode
            }
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }

        await sending.ConfigureAwait(false);
        foreach (var proxy in _proxies)
        {
            await proxy.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The memory backlog, over the disk spool when one is configured.</summary>
    private static ReportBacklog CreateBacklog(CollectorClientOptions o, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger("backlog");
        var spool = o.SpoolDirectory.Length > 0 ? new ReportSpool(o.SpoolDirectory, o.SpoolMaxBytes, logger) : null;
        return new ReportBacklog(o.BacklogMaxReports, o.BacklogMaxBytes, spool, logger);
    }

    /// <summary>
    /// Reads every source once and discards the result. The first read of a source pays for
    /// library loading, JIT and connection setup; if it set the baselines, the readings' time
    /// stamps would be off by that cost and the first window would be biased.
    /// </summary>
    private async Task WarmUpAsync(CancellationToken ct)
    {
        ReadPowerOnce();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(MaxScrapeTime);
        await Task.WhenAll(_servers.Select(s => ReadServerAsync(s, _time, timeout.Token))).ConfigureAwait(false);
    }

    /// <summary>Reads every source once and builds the report for this instant.</summary>
    public async Task<Wire.NodeReport> SampleAsync(CancellationToken ct)
    {
        var before = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var power = ReadPowerOnce();
        var sampleMs = before + ((_time.GetUtcNow().ToUnixTimeMilliseconds() - before) / 2);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(Math.Clamp(_options.IntervalSeconds * 0.9, 0.1, MaxScrapeTime.TotalSeconds)));
        var readings = await Task.WhenAll(_servers.Select(s => ReadServerAsync(s, _time, timeout.Token))).ConfigureAwait(false);
        return _builder.Build(sampleMs, power, [.. _servers.Zip(readings, (s, r) => (s.Options, r))]);
    }

    /// <summary>
    /// Reads one server and stamps the reading with the midpoint of the request: an engine renders its
    /// counters somewhere inside that span, and a scrape can take far longer than a power read.
    /// </summary>
    private static async Task<ServerReading> ReadServerAsync(IServerSource server, TimeProvider time, CancellationToken ct)
    {
        try
        {
            var started = time.GetUtcNow().ToUnixTimeMilliseconds();
            var reading = await server.ReadAsync(ct).ConfigureAwait(false);
            var finished = time.GetUtcNow().ToUnixTimeMilliseconds();
            return reading with { ReadMs = started + ((finished - started) / 2) };
        }
        catch (OperationCanceledException)
        {
            return new ServerReading(null, "scrape timed out");
        }
    }

    /// <summary>Sources that integrate power start their background sampler on first need and stop it on Dispose.</summary>
    private static IPowerSource CreatePowerSource(string name, AgentOptions options, SimulatedWorkload workload, ILoggerFactory loggers, TimeProvider time) =>
        PowerSourceFactory.Create(name, options.Power, workload, loggers, time);

    /// <summary>Reads every power source once (each sample, and the <c>gpus</c> command).</summary>
    public PowerReading ReadPowerOnce()
    {
        var gpus = new List<GpuReading>();
        var errors = new List<string>();
        foreach (var source in _power)
        {
            var r = source.Read();
            gpus.AddRange(r.Gpus);
            errors.AddRange(r.Errors);
        }

        return new PowerReading(gpus, errors);
    }

    public void Dispose()
    {
        foreach (var p in _power)
        {
            p.Dispose();
        }

        _scrapeHttp.Dispose();
        _collectorHttp.Dispose();
        Backlog.Dispose();
    }
}
