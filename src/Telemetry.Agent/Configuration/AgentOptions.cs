namespace Telemetry.Agent.Configuration;

/// <summary>
/// The <c>Agent</c> configuration section (DESIGN §6): identity, interval, collector, power sources
/// and inference servers. Checked by <see cref="AgentOptionsValidator"/> at start.
/// </summary>
public sealed class AgentOptions
{
    public const string SectionName = "Agent";

    /// <summary>Node id; the host name when not set.</summary>
    public string Node { get; set; } = "";
    public string Site { get; set; } = "default";
    public string Pool { get; set; } = "default";

    /// <summary>Sampling and report interval in seconds; fractions allowed.</summary>
    public double IntervalSeconds { get; set; } = 1;

    public CollectorClientOptions Collector { get; set; } = new();
    public PowerOptions Power { get; set; } = new();
    public List<ServerOptions> Servers { get; set; } = [];
    public DiscoveryOptions Discovery { get; set; } = new();

    public string ResolvedNode => Node.Length > 0 ? Node : Environment.MachineName;
}

public sealed class CollectorClientOptions
{
    /// <summary>Where reports go when neither <see cref="Url"/> nor <see cref="Urls"/> is set: a first run on one machine.</summary>
    public const string DefaultUrl = "http://127.0.0.1:9464";

    /// <summary>The one collector this node reports to (a per-node assignment); empty = <see cref="DefaultUrl"/>,
    /// unless <see cref="Urls"/> is set.</summary>
    public string Url { get; set; } = "";

    /// <summary>Collector shards: each node reports to one of them, chosen by rendezvous hash of its node id
    /// (docs/scale-out.md). Every agent must list the same URLs; order does not matter.</summary>
    public List<string> Urls { get; set; } = [];

    /// <summary>This node's bearer token; never logged.</summary>
    public string Token { get; set; } = "";

    /// <summary>Reports kept while the collector is unreachable: one hour at the default 1-s interval.
    /// Beyond it the oldest are dropped; the collector recovers their increments from the next
    /// report's cumulative values, so only their placement in time is lost.</summary>
    public int BacklogMaxReports { get; set; } = 3600;

    /// <summary>Encoded bytes the in-memory backlog may hold (16 MiB default: an hour of 8-GPU, 2-server
    /// reports, within the agent's 60 MB budget). Past it, as past the count, the oldest report moves to
    /// the spool or is dropped.</summary>
    public long BacklogMaxBytes { get; set; } = Reporting.ReportBacklog.DefaultMaxBytes;

    /// <summary>Directory of the optional disk spool for edge nodes with intermittent links; empty = no spool.</summary>
    public string SpoolDirectory { get; set; } = "";

    /// <summary>Bytes the spool may take on disk (256 MiB: about 20 hours of such reports); past it the oldest segment is dropped.</summary>
    public long SpoolMaxBytes { get; set; } = 256L << 20;

    /// <summary>Less than one report's worth of memory would drop every report during a short blip.</summary>
    public const long MinBacklogBytes = 64 << 10;

    /// <summary>The spool rolls segments at an eighth of its bound, no smaller than 4 KiB.</summary>
    public const long MinSpoolBytes = 64 << 10;

    public double TimeoutSeconds { get; set; } = 5;

    /// <summary>PEM file of the CA(s) that signed the collector's TLS certificate, for an https Url with a private
    /// CA; empty = the system trust store. Validation is never turned off (docs/security.md).</summary>
    public string CaCertificatePath { get; set; } = "";
}

public sealed class PowerOptions
{
    /// <summary>Any of <see cref="KnownSources"/> (DESIGN §6); default <c>nvml</c>.</summary>
    public List<string> Sources { get; set; } = [];

    /// <summary>Sampling rate of the background integrator for devices without an energy counter (10–1000 Hz).</summary>
    public double IntegrationHz { get; set; } = 10;

    /// <summary>Where sysfs is mounted (amd-sysfs, rapl, relative hwmon paths); tests point it at a fake tree.</summary>
    public string SysfsRoot { get; set; } = "/sys";

    public NvmlOptions Nvml { get; set; } = new();
    public SimulatedPowerOptions Simulated { get; set; } = new();
    public HwmonOptions Hwmon { get; set; } = new();
    public DcgmExporterOptions DcgmExporter { get; set; } = new();

    public static readonly IReadOnlyList<string> DefaultSources = ["nvml"];
    public static readonly IReadOnlyList<string> KnownSources = ["nvml", "amd-sysfs", "rapl", "hwmon", "dcgm-exporter", "simulated"];
}

public sealed class HwmonOptions
{
    public List<HwmonSensorOptions> Sensors { get; set; } = [];
}

/// <summary>One generic power sensor: a power file and/or a cumulative energy file, each with its scale to W / J.</summary>
public sealed class HwmonSensorOptions
{
    public string Name { get; set; } = "";
    public string PowerPath { get; set; } = "";

    /// <summary>Multiplier from the file's unit to watts: hwmon power is µW.</summary>
    public double PowerScale { get; set; } = 1e-6;

    public string EnergyPath { get; set; } = "";

    /// <summary>Multiplier from the file's unit to joules: hwmon energy is µJ.</summary>
    public double EnergyScale { get; set; } = 1e-6;
}

public sealed class DcgmExporterOptions
{
    /// <summary>dcgm-exporter's metrics URL (its default port is 9400).</summary>
    public string Url { get; set; } = "http://127.0.0.1:9400/metrics";

    /// <summary>Per-scrape timeout; the scrape runs inside the sampling interval.</summary>
    public double TimeoutSeconds { get; set; } = 2;

    /// <summary>Only series whose Hostname/hostname label equals this; empty keeps all.</summary>
    public string Hostname { get; set; } = "";
}

public sealed class NvmlOptions
{
    /// <summary>Explicit path of libnvidia-ml; empty = search <c>libnvidia-ml.so.1</c>.</summary>
    public string LibraryPath { get; set; } = "";
}

public sealed class SimulatedPowerOptions
{
    public int Gpus { get; set; } = 2;
    public string Model { get; set; } = "Simulated H100 80GB HBM3";
}

public sealed class ServerOptions
{
    public string Name { get; set; } = "";

    /// <summary>The server's Prometheus <c>/metrics</c> URL (not needed for the simulated engine, nor behind a metering proxy).</summary>
    public string Url { get; set; } = "";

    /// <summary><c>auto</c>, an engine (<c>vllm</c>, <c>sglang</c>, <c>tgi</c>, <c>llamacpp</c>, <c>triton</c>, <c>trtllm</c>, <c>dynamo</c>), or <c>simulated</c>.</summary>
    public string Engine { get; set; } = "auto";

    /// <summary>Replaces the model name the engine reports.</summary>
    public string Model { get; set; } = "";

    /// <summary><c>unified</c>, <c>prefill</c> or <c>decode</c>.</summary>
    public string Role { get; set; } = "unified";

    /// <summary>Price tier of this server's tokens (a name from the collector's Collector:Tiers), or empty.</summary>
    public string Tier { get; set; } = "";

    /// <summary>GPU indices or UUIDs the server runs on. Empty: discovered from the URL's port and NVML's
    /// process list, else all GPUs when this is the only server.</summary>
    public List<string> Gpus { get; set; } = [];

    /// <summary>The metering proxy in front of this server (docs/proxy.md); off unless Listen is set.</summary>
    public ProxyOptions Proxy { get; set; } = new();
}

/// <summary>Server ↔ GPU discovery for servers without configured <c>Gpus</c> (docs/engines.md).</summary>
public sealed class DiscoveryOptions
{
    /// <summary>Where procfs is mounted (a host's /proc seen from a container, e.g. /host/proc); empty disables discovery.</summary>
    public string ProcRoot { get; set; } = "/proc";

    /// <summary>How long a server's process tree is trusted before /proc is scanned again (also rescanned when NVML's process lists change).</summary>
    public double RefreshSeconds { get; set; } = 60;
}
