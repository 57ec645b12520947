using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Telemetry.Agent.Configuration;

namespace Telemetry.Agent.Proxy;

/// <summary>
/// The metering reverse proxy for one inference server (docs/proxy.md): Kestrel on the configured
/// address, forwarding everything to the upstream with the request unchanged — except that a streamed
/// OpenAI request without usage asks for it — and measuring each generation request into a
/// <see cref="ProxyLedger"/>. Non-goals: load balancing, retries, authentication.
/// </summary>
public sealed class MeteringProxy : IAsyncDisposable
{
    private readonly ServerOptions _server;
    private readonly ProxyOptions _options;
    private readonly string _upstream; // base URL without a trailing slash: request paths start with one
    private readonly HttpClient _http;

    /// <summary>Re-sends only, each with <c>Connection: close</c>: its pool stays empty, so a re-send always gets a fresh connection.</summary>
    private readonly HttpClient _fresh;
    private readonly TenantResolver _tenants;
    private readonly ILogger _logger;
    private WebApplication? _app;
    private long _upstreamRetries;

    /// <summary>
    /// Set once upstream has dropped a pooled connection under a request. llama-server (cpp-httplib) closes the
    /// connection after every streamed response although it answered <c>Keep-Alive</c>, so the pool keeps handing
    /// out connections that are already closing: the request fails and is sent again, a round trip on the tail.
    /// From then on streamed requests say <c>Connection: close</c> and their connection is never pooled (one
    /// loopback connect each instead); servers that keep streams alive never set it.
    /// </summary>
    private volatile bool _streamsCloseUpstream;

    public MeteringProxy(ServerOptions server, ILoggerFactory loggers)
    {
        _server = server;
        _options = server.Proxy;
        _upstream = _options.Upstream.TrimEnd('/');
        _logger = loggers.CreateLogger("proxy." + server.Name);
        _tenants = new TenantResolver(_options, server.Tier);
        Ledger = new ProxyLedger(_options.ActiveUserSeconds);
        _http = NewUpstreamClient();
        _fresh = NewUpstreamClient();
    }

    /// <summary>A client for the upstream. Generations stream for minutes: the header deadline is enforced per request instead.</summary>
    private static HttpClient NewUpstreamClient() => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        UseProxy = false,
        AutomaticDecompression = DecompressionMethods.None,
        // Below the 5-s keep-alive of cpp-httplib (llama-server) and similar: a connection is dropped here before the server drops it.
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(4),
        ConnectTimeout = TimeSpan.FromSeconds(10),
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public ProxyLedger Ledger { get; }

    /// <summary>Requests sent upstream a second time because a pooled connection was found closed (docs/proxy.md, "Upstream connections").</summary>
    public long UpstreamRetries => Interlocked.Read(ref _upstreamRetries);

    /// <summary>Raised with every measured request (after it is in the ledger): exact values for tests and debugging.</summary>
    public event Action<RequestRecord>? RequestMeasured;

    /// <summary>The address Kestrel bound (with the real port when the configured one was 0).</summary>
    public string ListenUrl { get; private set; } = "";

    public async Task StartAsync(CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(_options.Listen);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = _options.MaxRequestBodyBytes;
            k.AddServerHeader = false;
        });
        _app = builder.Build();
        _app.Run(HandleAsync);
        await _app.StartAsync(ct).ConfigureAwait(false);
        ListenUrl = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? _options.Listen;
        _logger.LogInformation("Metering proxy for {Server} listening on {Listen}, forwarding to {Upstream}", _server.Name, ListenUrl, _upstream);
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        var started = Stopwatch.GetTimestamp();
        var api = InferenceRoute.Classify(ctx.Request.Method, ctx.Request.Path.Value);
        byte[]? body = null;
        RequestInspection? request = null;
        if (api.IsMetered())
        {
            body = await ReadBodyAsync(ctx).ConfigureAwait(false);
            if (body is null)
            {
                return; // answered 413 already
            }

            request = RequestInspection.Of(body, api);
        }

        var injectUsage = request is { ValidJson: true, Stream: true, IncludeUsage: false } && !api.IsOllama();
        var upstreamBody = injectUsage ? RequestInspection.WithUsageRequested(body!) : body;
        HttpRequestMessage NewMessage()
        {
            var message = new HttpRequestMessage(HttpMethod.Parse(ctx.Request.Method), _upstream + ctx.Request.Path.Value + ctx.Request.QueryString.Value);
            if (upstreamBody is not null)
            {
                message.Content = new ByteArrayContent(upstreamBody);
            }
            else if (ctx.Request.ContentLength > 0 || ctx.Request.Headers.TransferEncoding.Count > 0)
            {
                message.Content = new StreamContent(ctx.Request.Body);
            }

            UpstreamHeaders.CopyToUpstream(ctx.Request.Headers, message, injectUsage);
            if (_streamsCloseUpstream && request is { Stream: true })
            {
                message.Headers.ConnectionClose = true;
            }

            return message;
        }

        // A buffered (or empty) body can be sent again: one retry covers a pooled connection the server closed meanwhile.
        var canRetry = upstreamBody is not null || !(ctx.Request.ContentLength > 0 || ctx.Request.Headers.TransferEncoding.Count > 0);
        var who = request is null ? default : _tenants.Resolve(ctx.Request.Headers, request.User);
        var model = _server.Model.Length > 0 ? _server.Model : request?.Model is { Length: > 0 } m ? m : "unknown";
        var meter = new ResponseMeter(api, started);
        var outcome = await ForwardAsync(ctx, NewMessage, canRetry, api, request, injectUsage, meter).ConfigureAwait(false);
        if (request is not null)
        {
            var record = meter.Finish(model, who, outcome, request.Stream, Stopwatch.GetTimestamp());
            Ledger.Record(record, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            RequestMeasured?.Invoke(record);
        }
    }

    /// <summary>Sends upstream and relays the answer; returns the outcome (RequestOutcomes).</summary>
    private async Task<string> ForwardAsync(HttpContext ctx, Func<HttpRequestMessage> newMessage, bool canRetry, InferenceApi api, RequestInspection? request, bool injectedUsage, ResponseMeter meter)
    {
        // Client gone → this token cancels the upstream request, which closes its connection: the engine stops generating.
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted);
        HttpResponseMessage response;
        try
        {
            cancel.CancelAfter(TimeSpan.FromSeconds(_options.UpstreamTimeoutSeconds));
            response = await SendAsync(newMessage, canRetry, cancel.Token).ConfigureAwait(false);
            cancel.CancelAfter(Timeout.InfiniteTimeSpan);
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
            return Scraping.Engines.RequestOutcomes.Aborted;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            var reason = ex is OperationCanceledException ? $"no response within {_options.UpstreamTimeoutSeconds} s" : ex.Message;
            _logger.LogWarning("Upstream {Upstream} failed for {Path}: {Reason}", _upstream, ctx.Request.Path.Value, reason);
            await ProxyErrors.WriteAsync(ctx, StatusCodes.Status502BadGateway, "upstream_unavailable",
                $"metering proxy: upstream {_upstream} did not answer: {reason}").ConfigureAwait(false);
            return Scraping.Engines.RequestOutcomes.Error;
        }

        using (response)
        {
            var failed = (int)response.StatusCode >= 400;
            var contentType = response.Content.Headers.ContentType?.MediaType ?? "";
            var encoded = response.Content.Headers.ContentEncoding.Count > 0; // compressed: relayed, not parsed
            var sse = contentType.Equals("text/event-stream", StringComparison.OrdinalIgnoreCase);
            var ndjson = api.IsOllama() && request is { Stream: true } && !sse;
            var dropUsage = injectedUsage && sse && !encoded;
            UpstreamHeaders.CopyToClient(response, ctx.Response, dropUsage);
            try
            {
                var upstream = await response.Content.ReadAsStreamAsync(cancel.Token).ConfigureAwait(false);
                if (request is not null && !encoded && !failed && (sse || ndjson))
                {
                    await StreamRelay.RelayAsync(upstream, ctx.Response.Body, meter, sse, dropUsage, cancel.Token).ConfigureAwait(false);
                }
                else if (request is not null && !encoded && !failed)
                {
                    await WholeBodyRelay.RelayAsync(upstream, ctx.Response.Body, meter, cancel.Token).ConfigureAwait(false);
                }
                else
                {
                    await upstream.CopyToAsync(ctx.Response.Body, cancel.Token).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or HttpRequestException)
            {
                if (ctx.RequestAborted.IsCancellationRequested || ex is OperationCanceledException)
                {
                    await cancel.CancelAsync().ConfigureAwait(false);
                    return Scraping.Engines.RequestOutcomes.Aborted;
                }

                // Upstream broke mid-body: the client's response is cut short the same way.
                _logger.LogWarning("Upstream {Upstream} broke off a response to {Path}: {Reason}", _upstream, ctx.Request.Path.Value, ex.Message);
                ctx.Abort();
                return Scraping.Engines.RequestOutcomes.Error;
            }

            return failed ? Scraping.Engines.RequestOutcomes.Error : Scraping.Engines.RequestOutcomes.Success;
        }
    }

    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> newMessage, bool canRetry, CancellationToken ct)
    {
        using (var first = newMessage())
        {
            try
            {
                return await _http.SendAsync(first, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
            }
            catch (HttpRequestException ex) when (canRetry && ex.HttpRequestError is HttpRequestError.ResponseEnded or HttpRequestError.ConnectionError)
            {
                Interlocked.Increment(ref _upstreamRetries);
                _streamsCloseUpstream = true;
                _logger.LogDebug("Upstream {Upstream} dropped the connection before answering ({Reason}); sending once more", _upstream, ex.Message);
            }
        }

        // Not through the pool: another connection there may be closing too (seen with 4 concurrent llama-server streams).
        using var second = newMessage();
        second.Headers.ConnectionClose = true;
        return await _fresh.SendAsync(second, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
    }

    /// <summary>Reads a generation request's body within Proxy:MaxRequestBodyBytes; null after answering 413.</summary>
    private async Task<byte[]?> ReadBodyAsync(HttpContext ctx)
    {
        var limit = _options.MaxRequestBodyBytes;
        if (ctx.Request.ContentLength > limit)
        {
            await DrainAsync(ctx).ConfigureAwait(false);
            await ProxyErrors.WriteAsync(ctx, StatusCodes.Status413PayloadTooLarge, "request_too_large",
                $"metering proxy: request body of {ctx.Request.ContentLength} bytes exceeds Proxy:MaxRequestBodyBytes = {limit}").ConfigureAwait(false);
            return null;
        }

        using var buffer = new MemoryStream(ctx.Request.ContentLength is { } n ? (int)n : 4096);
        try
        {
            await ctx.Request.Body.CopyToAsync(buffer, ctx.RequestAborted).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await ProxyErrors.WriteAsync(ctx, StatusCodes.Status413PayloadTooLarge, "request_too_large",
                $"metering proxy: request body exceeds Proxy:MaxRequestBodyBytes = {limit}").ConfigureAwait(false);
            return null;
        }

        return buffer.ToArray();
    }

    /// <summary>Bodies over the limit that are at most this large are read and discarded before the 413.</summary>
    private const long MaxDrainBytes = 1 << 20;

    /// <summary>
    /// Reads and discards a modestly oversized body, so the client's keep-alive connection stays usable and it
    /// reads the 413: closing a socket with unread data in it sends a TCP reset, which can destroy the answer
    /// before the client sees it ("response ended prematurely" instead of a reason).
    /// </summary>
    private static async Task DrainAsync(HttpContext ctx)
    {
        if (ctx.Request.ContentLength > MaxDrainBytes || ctx.Features.Get<IHttpMaxRequestBodySizeFeature>() is not { IsReadOnly: false } size)
        {
            return;
        }

        size.MaxRequestBodySize = MaxDrainBytes;
        try
        {
            await ctx.Request.Body.CopyToAsync(Stream.Null, ctx.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is BadHttpRequestException or IOException or OperationCanceledException)
        {
            // The 413 is answered either way; the connection may then close.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync().ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
        }

        _http.Dispose();
        _fresh.Dispose();
    }
}
