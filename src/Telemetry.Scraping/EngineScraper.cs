using System.Buffers;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Telemetry.Scraping.Engines;
using Telemetry.Scraping.Prometheus;

namespace Telemetry.Scraping;

/// <summary>
/// Scrapes one engine <c>/metrics</c> endpoint once: GET with a bounded body read, parse, map with
/// the engine's profile. Every failure becomes a <see cref="ScrapeResult"/> error in plain words;
/// only cancellation by <c>ct</c> throws. Timeouts are the <see cref="HttpClient"/>'s.
/// </summary>
public sealed class EngineScraper
{
    private const int InitialBufferBytes = 64 * 1024; // Typical payloads (30–300 KiB) need a few doublings at most.
    private static readonly MediaTypeWithQualityHeaderValue AcceptTextFormat = MediaTypeWithQualityHeaderValue.Parse("text/plain;version=0.0.4");

    private readonly HttpClient _http;

    public EngineScraper(HttpClient http)
    {
        ArgumentNullException.ThrowIfNull(http);
        _http = http;
    }

    public async Task<ScrapeResult> ScrapeAsync(Uri url, string engine, string? modelOverride, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(engine);
        if (!EngineProfiles.IsSupported(engine))
        {
            return ScrapeResult.Failed(
                $"engine '{engine}' is not supported; use {EngineProfiles.Auto} or one of: {string.Join(", ", EngineProfiles.All.Select(p => p.Engine))}");
        }

        byte[]? body = null;
        try
        {
            int length;
            using (var request = new HttpRequestMessage(HttpMethod.Get, url))
            {
                request.Headers.Accept.Add(AcceptTextFormat);
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                if (!response.IsSuccessStatusCode)
                {
                    return ScrapeResult.Failed(string.Create(
                        CultureInfo.InvariantCulture,
                        $"HTTP {(int)response.StatusCode} ({response.ReasonPhrase}) from {url}"));
                }

                if (response.Content.Headers.ContentLength > PrometheusTextParser.MaxPayloadBytes)
                {
                    return TooLarge(url);
                }

                var stream = await response.Content.ReadAsStreamAsync(ct);
                await using (stream)
                {
                    (body, length) = await ReadBoundedAsync(stream, ct);
                }
            }

            if (length > PrometheusTextParser.MaxPayloadBytes)
            {
                return TooLarge(url);
            }

            return Map(body.AsSpan(0, length), url, engine, modelOverride);
        }
        catch (HttpRequestException ex)
        {
            return ScrapeResult.Failed($"GET {url} failed: {Describe(ex)}");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return ScrapeResult.Failed(string.Create(
                CultureInfo.InvariantCulture,
                $"GET {url} failed: no complete answer within {_http.Timeout.TotalSeconds:0.###} s"));
        }
        catch (IOException ex)
        {
            return ScrapeResult.Failed($"GET {url} failed while reading the body: {ex.Message}");
        }
        finally
        {
            if (body is not null)
            {
                ArrayPool<byte>.Shared.Return(body);
            }
        }
    }

    private static ScrapeResult Map(ReadOnlySpan<byte> body, Uri url, string engine, string? modelOverride)
    {
        if (!PrometheusTextParser.TryParse(body, out var payload, out var error))
        {
            return ScrapeResult.Failed($"payload from {url} is not Prometheus text: {error}");
        }

        var profile = EngineProfiles.Find(engine, payload);
        if (profile is null)
        {
            return ScrapeResult.Failed(string.Equals(engine, EngineProfiles.Auto, StringComparison.OrdinalIgnoreCase)
                ? $"no known engine metrics found at {url} (looked for {string.Join(", ", EngineProfiles.All.Select(p => p.Engine))}); is this an inference server's /metrics? set Engine explicitly"
                : $"no {engine.ToLowerInvariant()} metrics found at {url}; is this a {engine} server? set Engine explicitly");
        }

        return new ScrapeResult(profile.Read(payload, url.ToString(), modelOverride), null);
    }

    /// <summary>
    /// Reads at most <see cref="PrometheusTextParser.MaxPayloadBytes"/> + 1 bytes into a pooled buffer
    /// (the extra byte detects an oversized body without reading the rest). Caller returns the buffer.
    /// </summary>
    private static async Task<(byte[] Buffer, int Length)> ReadBoundedAsync(Stream stream, CancellationToken ct)
    {
        const int Limit = PrometheusTextParser.MaxPayloadBytes + 1;
        var buffer = ArrayPool<byte>.Shared.Rent(InitialBufferBytes);
        var length = 0;
        try
        {
            while (length < Limit)
            {
                if (length == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(Limit, buffer.Length * 2));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await stream.ReadAsync(buffer.AsMemory(length, Math.Min(buffer.Length, Limit) - length), ct);
                if (read == 0)
                {
                    break;
                }

                length += read;
            }

            return (buffer, length);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    private static ScrapeResult TooLarge(Uri url) => ScrapeResult.Failed(string.Create(
        CultureInfo.InvariantCulture,
        $"payload from {url} is larger than the {PrometheusTextParser.MaxPayloadBytes}-byte limit"));

    /// <summary>The innermost cause, in the words an operator searches for.</summary>
    private static string Describe(HttpRequestException ex)
    {
        Exception inner = ex;
        while (inner.InnerException is not null)
        {
            inner = inner.InnerException;
            if (inner is SocketException socket)
            {
                return socket.SocketErrorCode switch
                {
                    SocketError.ConnectionRefused => "connection refused",
                    SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => "host not found",
                    SocketError.TimedOut => "connection timed out",
                    SocketError.NetworkUnreachable or SocketError.HostUnreachable => "host unreachable",
                    SocketError.ConnectionReset => "connection reset",
                    _ => socket.Message,
                };
            }
        }

        return inner.Message;
    }
}
