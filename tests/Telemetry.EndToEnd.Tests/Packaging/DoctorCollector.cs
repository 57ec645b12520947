namespace Telemetry.EndToEnd.Tests.Packaging;

/// <summary>One real collector for the doctor tests, whose only token may report for node <see cref="Node"/>.</summary>
public sealed class DoctorCollector : IDisposable
{
    public const string Token = "doctor-test-token-0123456789";
    public const string Node = "gpu-doctor";

    private readonly HostProcess _process;

    public DoctorCollector()
    {
        Url = $"http://127.0.0.1:{RepoPaths.FreePort()}";
        _process = HostProcess.Start("Telemetry.Collector.Host", "telemetry-collector", [], new Dictionary<string, string>
        {
            ["Collector__Listen"] = Url,
            ["Collector__Auth__Tokens__0__Token"] = Token,
            ["Collector__Auth__Tokens__0__Nodes__0"] = Node,
        });
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        Poll.UntilAsync(async () =>
        {
            try
            {
                return (await http.GetAsync(Url + "/healthz")).IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(60), () => _process.Output).GetAwaiter().GetResult();
    }

    public string Url { get; }

    public void Dispose() => _process.Dispose();
}
