using System.Net;
using System.Net.Http.Headers;

namespace Telemetry.Benchmarks.Load;

/// <summary>
/// POSTs encoded reports over HTTP/1.1 keep-alive with a bounded connection pool, as an agent fleet
/// behind one load balancer would look to the collector: many requests, few connections.
/// </summary>
internal sealed class IngestClient : IDisposable
{
    private static readonly MediaTypeHeaderValue Protobuf = new("application/x-protobuf");
    private readonly HttpClient _http;
    private readonly Uri _ingest;

    public IngestClient(string baseUrl, int maxConnections)
    {
        _http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = maxConnections,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        })
        {
            Timeout = TimeSpan.FromSeconds(30),
        };
        _ingest = new Uri(baseUrl.TrimEnd('/') + "/v1/reports");
    }

    /// <summary>The response status, or 0 when the request failed (connection error, timeout).</summary>
    public async Task<int> PostAsync(byte[] body, int length, CancellationToken ct)
    {
        using var content = new ByteArrayContent(body, 0, length);
        content.Headers.ContentType = Protobuf;
        try
        {
            using var response = await _http.PostAsync(_ingest, content, ct).ConfigureAwait(false);
            return (int)response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return 0;
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return 0; // HttpClient timeout
        }
    }

    public void Dispose() => _http.Dispose();
}
