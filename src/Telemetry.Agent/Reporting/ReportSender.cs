using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Telemetry.Wire;

namespace Telemetry.Agent.Reporting;

/// <summary>
/// Sends the backlog to the collector one report at a time, oldest first, so replay after an outage
/// keeps sample order. A report leaves the backlog only when the collector accepted it (202) or
/// refused it for good (400/413: retrying cannot help; logged as an error). Everything else —
/// connection failures, 5xx, 429 (honouring Retry-After; logged once per paced stretch), and 401/403 (the collector's
/// token list may be fixed) — is retried with capped exponential backoff and jitter (<see cref="RetryBackoff"/>)
/// while the backlog holds the data. Each attempt carries the send time and the agent's health.
/// </summary>
public sealed class ReportSender(HttpClient http, Uri collectorUrl, string token, ReportBacklog backlog, ILogger logger, TimeProvider time, Random? jitter = null)
{
    public static readonly TimeSpan MinBackoff = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(10);

    private readonly Uri _endpoint = new(collectorUrl, "/v1/reports");
    private string? _lastProblem;
    private bool _paced;
    private long _sent;
    private long _refused;

    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Reports the collector refused for good (400/413).</summary>
    public long Refused => Interlocked.Read(ref _refused);

    public async Task RunAsync(CancellationToken ct)
    {
        var backoff = new RetryBackoff(MinBackoff, MaxBackoff, jitter ?? Random.Shared);
        while (!ct.IsCancellationRequested)
        {
            QueuedReport report;
            try
            {
                report = await backlog.PeekOldestAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var (done, retryAfter) = await TrySendAsync(report, ct).ConfigureAwait(false);
            if (done)
            {
                backlog.Acknowledge(report);
                backoff.Reset();
                continue;
            }

            var wait = retryAfter ?? backoff.Next();
            try
            {
                await Task.Delay(wait, time, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One attempt. Returns whether the report is finished with, and a server-requested wait.</summary>
    private async Task<(bool Done, TimeSpan? RetryAfter)> TrySendAsync(QueuedReport report, CancellationToken ct)
    {
        using var content = new ByteArrayContent(WithAttemptFields(report));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = content };
        if (token.Length > 0)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        try
        {
            using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                Interlocked.Increment(ref _sent);
                Recovered();
                return (true, null);
            }

            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                // Back-pressure, not a fault (e.g. a backlog replay over the node's rate limit): one line per
                // paced stretch rather than a warning and a recovery per Retry-After.
                var retryAfter = RetryAfter(response);
                if (!_paced)
                {
                    _paced = true;
                    logger.LogInformation("collector at {Endpoint} is pacing this node (429, Retry-After {Seconds} s); keeping {Count} reports and sending them as it allows", _endpoint, retryAfter?.TotalSeconds ?? MinBackoff.TotalSeconds, backlog.Count);
                }

                return (false, retryAfter);
            }

            var body = await ReadErrorAsync(response, ct).ConfigureAwait(false);
            switch (response.StatusCode)
            {
                case HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.UnsupportedMediaType:
                    Interlocked.Increment(ref _refused);
                    logger.LogError("collector refused report {Sequence} for good ({Status}): {Reason}; dropped", report.Sequence, (int)response.StatusCode, body);
                    return (true, null);
                case HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden:
                    Problem($"collector at {_endpoint} refused this node's token ({(int)response.StatusCode}: {body}); check Agent:Collector:Token and the collector's Collector:Auth:Tokens. Keeping reports and retrying");
                    return (false, null);
                default:
                    Problem($"collector at {_endpoint} answered {(int)response.StatusCode} {body}; keeping reports and retrying");
                    return (false, RetryAfter(response));
            }
        }
        catch (HttpRequestException ex) when (ex.InnerException is System.Security.Authentication.AuthenticationException tls)
        {
            Problem($"TLS with collector at {_endpoint} failed: {tls.Message}. If the collector's certificate comes from a private CA, set Agent:Collector:CaCertificatePath to that CA's PEM file; keeping reports and retrying");
            return (false, null);
        }
        catch (HttpRequestException ex)
        {
            Problem($"collector at {_endpoint} unreachable ({ex.Message}); keeping up to {backlog.Capacity} reports / {backlog.MaxBytes} bytes in memory and retrying");
            return (false, null);
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            Problem($"collector at {_endpoint} did not answer in time; keeping reports and retrying");
            return (false, null);
        }
        catch (OperationCanceledException)
        {
            return (false, null);
        }
    }

    /// <summary>
    /// The queued bytes followed by this attempt's send time and agent health: protobuf parsers merge
    /// concatenated encodings (last scalar wins), so no decode and re-encode of the report is needed.
    /// </summary>
    private byte[] WithAttemptFields(QueuedReport report)
    {
        var tail = new NodeReport { SentTimeUnixMs = time.GetUtcNow().ToUnixTimeMilliseconds(), AgentHealth = backlog.Health() };
        var bytes = new byte[report.Payload.Length + tail.CalculateSize()];
        report.Payload.CopyTo(bytes, 0);
        tail.WriteTo(bytes.AsSpan(report.Payload.Length));
        return bytes;
    }

    private static async Task<string> ReadErrorAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        return text.Length > 500 ? text[..500] : text;
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        var wait = header?.Delta ?? (header?.Date is { } date ? date - DateTimeOffset.UtcNow : null);
        return wait is { } w && w > TimeSpan.Zero ? TimeSpan.FromTicks(Math.Min(w.Ticks, TimeSpan.FromMinutes(5).Ticks)) : null;
    }

    /// <summary>Logs a problem once, not once per retry.</summary>
    private void Problem(string message)
    {
        if (message != _lastProblem)
        {
            logger.LogWarning("{Problem}", message);
            _lastProblem = message;
        }
    }

    private void Recovered()
    {
        if (_paced && backlog.Count <= 1)
        {
            logger.LogInformation("collector at {Endpoint} no longer pacing: backlog sent", _endpoint);
            _paced = false;
        }

        if (_lastProblem is not null)
        {
            logger.LogInformation("collector at {Endpoint} accepting reports again; backlog {Count}", _endpoint, backlog.Count);
            _lastProblem = null;
        }
    }
}
