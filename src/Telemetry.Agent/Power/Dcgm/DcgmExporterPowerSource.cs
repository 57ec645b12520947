using Telemetry.Agent.Configuration;
using Telemetry.Scraping.Prometheus;

namespace Telemetry.Agent.Power.Dcgm;

/// <summary>
/// GPUs as an existing NVIDIA dcgm-exporter reports them: one synchronous scrape of its <c>/metrics</c> per
/// read, bounded by <c>Agent:Power:DcgmExporter:TimeoutSeconds</c> and the parser's payload limit. DCGM's
/// energy counter (field 156, mJ) is the energy; dcgm-exporter refreshes it every collect interval
/// (30 s by default, <c>-c</c>), so set that near the agent's interval. A failed scrape is an error in
/// plain words, never an exception.
/// </summary>
public sealed class DcgmExporterPowerSource : IPowerSource
{
    private readonly HttpClient _http;
    private readonly Uri _url;
    private readonly string _hostname;

    public DcgmExporterPowerSource(DcgmExporterOptions options)
    {
        _url = new Uri(options.Url);
        _hostname = options.Hostname;
        _http = new HttpClient
        {
            Timeout = TimeSpan.FromSeconds(options.TimeoutSeconds),
            MaxResponseContentBufferSize = PrometheusTextParser.MaxPayloadBytes,
        };
    }

    public string Name => "dcgm-exporter";

    public PowerReading Read()
    {
        byte[] body;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, _url);
            using var response = _http.Send(request, HttpCompletionOption.ResponseContentRead);
            if (!response.IsSuccessStatusCode)
            {
                return PowerReading.Failed($"dcgm-exporter: {_url} answered {(int)response.StatusCode} {response.ReasonPhrase}");
            }

            using var stream = response.Content.ReadAsStream();
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            body = copy.ToArray();
        }
        catch (TaskCanceledException)
        {
            return PowerReading.Failed($"dcgm-exporter: {_url} did not answer within {_http.Timeout.TotalSeconds} s");
        }
        catch (HttpRequestException ex)
        {
            return PowerReading.Failed($"dcgm-exporter: cannot scrape {_url}: {ex.Message}");
        }

        if (!PrometheusTextParser.TryParse(body, out var payload, out var error))
        {
            return PowerReading.Failed($"dcgm-exporter: {_url} is not Prometheus text: line {error.Line}: {error.Reason}");
        }

        return DcgmExporterParser.Parse(payload, _hostname);
    }

    public void Dispose() => _http.Dispose();
}
