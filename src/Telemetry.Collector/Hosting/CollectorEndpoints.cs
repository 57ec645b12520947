using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Telemetry.Collector.Ingest;
using Telemetry.Collector.Kpi;
using Telemetry.Collector.Metrics;
using Telemetry.Collector.State;
using Telemetry.Collector.Status;
using Telemetry.Exposition;

namespace Telemetry.Collector.Hosting;

/// <summary>The collector's HTTP surface (DESIGN §6): ingest, /metrics, /api/v1/kpis, health.</summary>
public static class CollectorEndpoints
{
    public static IEndpointRouteBuilder MapCollector(this IEndpointRouteBuilder app, CollectorService service, ILogger logger)
    {
        // RequestDelegate overloads: no reflection over handler signatures (trim- and AOT-safe).
        app.MapPost("/v1/reports", ctx => IngestAsync(ctx, service, logger));
        // Reads need a read token when Collector:Auth:ReadTokens is set; /, /healthz, /readyz stay open (no data).
        app.MapGet("/metrics", ctx => MayRead(ctx, service) ? MetricsAsync(ctx, service) : ReadRefusedAsync(ctx));
        app.MapGet("/api/v1/kpis", ctx => MayRead(ctx, service) ? KpisAsync(ctx, service) : ReadRefusedAsync(ctx));
        app.MapGet("/api/v1/nodes", ctx => MayRead(ctx, service) ? NodesAsync(ctx, service) : ReadRefusedAsync(ctx));
        app.MapGet("/v1/auth/check", ctx => AuthCheckAsync(ctx, service));
        app.MapGet("/", StatusPageAsync);
        app.MapGet("/healthz", ctx => ctx.Response.WriteAsync("ok\n"));
        app.MapGet("/readyz", ctx => ctx.Response.WriteAsync("ready\n"));
        return app;
    }

    private static bool MayRead(HttpContext ctx, CollectorService service) =>
        service.ReadAuthorizer.IsOpen || service.ReadAuthorizer.Allows(ctx.Request.Headers.Authorization.ToString() is { Length: > 0 } h ? h : null);

    private static Task ReadRefusedAsync(HttpContext ctx)
    {
        ctx.Response.Headers.WWWAuthenticate = "Bearer realm=\"inference-telemetry\"";
        return WriteErrorAsync(ctx, StatusCodes.Status401Unauthorized, "this collector requires a read token: send Authorization: Bearer <token> with one of Collector:Auth:ReadTokens");
    }

    private static async Task IngestAsync(HttpContext ctx, CollectorService service, ILogger logger)
    {
        var started = Stopwatch.GetTimestamp();
        service.Stats.CountReceived();

        // Overload guard first: a refused request costs no body read, no decode.
        if (!service.Gate.TryEnter())
        {
            ctx.Response.Headers.RetryAfter = "1";
            await RejectAsync(ctx, service, logger, RejectReason.Overloaded, $"collector overloaded: over {service.Options.RateLimit.MaxInFlight} reports in flight; retry later").ConfigureAwait(false);
            return;
        }

        try
        {
            await IngestAdmittedAsync(ctx, service, logger, started).ConfigureAwait(false);
        }
        finally
        {
            service.Gate.Exit();
        }
    }

    private static async Task IngestAdmittedAsync(HttpContext ctx, CollectorService service, ILogger logger, long started)
    {
        var request = ctx.Request;
        var encoding = request.Headers.ContentEncoding.ToString();
        if (encoding.Length > 0 && !encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase) && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            await RejectAsync(ctx, service, logger, RejectReason.UnsupportedMediaType, $"Content-Encoding '{encoding}' is not supported: send identity or gzip").ConfigureAwait(false);
            return;
        }

        // Who is calling is settled before the body is read: strangers cost no decoding.
        var (grant, refusal) = service.Authorizer.Authenticate(request.Headers.Authorization.ToString() is { Length: > 0 } h ? h : null, ctx.Connection.RemoteIpAddress);
        if (refusal is { } r)
        {
            await RejectAsync(ctx, service, logger, r.Reason, r.Message).ConfigureAwait(false);
            return;
        }

        var (report, reason, error) = await ReportDecoder.DecodeAsync(
            request.Body, request.ContentLength, encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase), service.Options.MaxReportBytes, ctx.RequestAborted).ConfigureAwait(false);
        if (report is null)
        {
            await RejectAsync(ctx, service, logger, reason, error!).ConfigureAwait(false);
            return;
        }

        if (grant!.Check(report.Node) is { } denied)
        {
            await RejectAsync(ctx, service, logger, denied.Reason, denied.Message).ConfigureAwait(false);
            return;
        }

        // The node id is in the body, so the per-node bucket is checked after the (size-bounded) decode and the
        // token's node check — only a holder of this node's token can spend its budget — and before the apply,
        // which is the costly part (window and KPI state).
        if (service.RateLimiter.TryAcquire(report.Node) is > 0 and var wait)
        {
            ctx.Response.Headers.RetryAfter = wait.ToString(CultureInfo.InvariantCulture);
            await RejectAsync(ctx, service, logger, RejectReason.RateLimited, $"node '{report.Node}' is over its rate limit (Collector:RateLimit); retry after {wait} s").ConfigureAwait(false);
            return;
        }

        var (_, invalid) = service.Ingest(report);
        if (invalid is not null)
        {
            logger.LogWarning("Rejected report from node {Node}: {Reason}", report.Node, invalid);
            await WriteErrorAsync(ctx, StatusCodes.Status400BadRequest, invalid).ConfigureAwait(false);
            return;
        }

        service.Stats.ObserveLatency(Stopwatch.GetElapsedTime(started));
        ctx.Response.StatusCode = StatusCodes.Status202Accepted;
    }

    private static Task RejectAsync(HttpContext ctx, CollectorService service, ILogger logger, RejectReason reason, string message)
    {
        service.Stats.CountRejected(reason);
        if (reason is RejectReason.RateLimited or RejectReason.Overloaded)
        {
            // Expected back-pressure, counted in inference_collector_reports_rejected_total; a warning per 429 would
            // turn a flood into a log flood.
            logger.LogDebug("Throttled report from {Remote}: {Reason}", ctx.Connection.RemoteIpAddress, message);
        }
        else
        {
            logger.LogWarning("Rejected report from {Remote}: {Reason}", ctx.Connection.RemoteIpAddress, message);
        }

        var status = reason switch
        {
            RejectReason.Unauthorized => StatusCodes.Status401Unauthorized,
            RejectReason.Forbidden => StatusCodes.Status403Forbidden,
            RejectReason.TooLarge => StatusCodes.Status413PayloadTooLarge,
            RejectReason.UnsupportedMediaType => StatusCodes.Status415UnsupportedMediaType,
            RejectReason.RateLimited or RejectReason.Overloaded => StatusCodes.Status429TooManyRequests,
            _ => StatusCodes.Status400BadRequest,
        };
        if (status == StatusCodes.Status401Unauthorized)
        {
            ctx.Response.Headers.WWWAuthenticate = "Bearer";
        }

        return WriteErrorAsync(ctx, status, message);
    }

    private static async Task WriteErrorAsync(HttpContext ctx, int status, string message)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        var writer = new Utf8JsonWriter(ctx.Response.BodyWriter);
        await using (writer.ConfigureAwait(false))
        {
            writer.WriteStartObject();
            writer.WriteString("error", message);
            writer.WriteEndObject();
        }
    }

    private static async Task MetricsAsync(HttpContext ctx, CollectorService service)
    {
        if (!MetricsPart.TryParse(ctx.Request.Query["part"], ctx.Request.Query["parts"], out var part, out var invalid))
        {
            await WriteErrorAsync(ctx, StatusCodes.Status400BadRequest, invalid!).ConfigureAwait(false);
            return;
        }

        var format = ContentNegotiation.Choose(ctx.Request.Headers.Accept.ToString());
        using var scrape = await service.RenderMetricsAsync(format, part, ctx.RequestAborted).ConfigureAwait(false);
        ctx.Response.ContentType = ContentNegotiation.ContentType(format);
        ctx.Response.ContentLength = scrape.Body.Length;
        foreach (var block in scrape.Body)
        {
            await ctx.Response.Body.WriteAsync(block, ctx.RequestAborted).ConfigureAwait(false);
        }
    }

    private static Task NodesAsync(HttpContext ctx, CollectorService service)
    {
        ctx.Response.ContentType = "application/json; charset=utf-8";
        return JsonSerializer.SerializeAsync(ctx.Response.Body, NodeStatusDocument.From(service.Snapshot()), NodeStatusJsonContext.Default.NodeStatusDocument, ctx.RequestAborted);
    }

    /// <summary>
    /// Ingest authorization without a report (for <c>agent doctor</c>): 204 when this bearer token may report for
    /// <c>?node=</c>, else the 401/403 ingest would give, with the same reason. Not counted as a rejected report.
    /// </summary>
    private static Task AuthCheckAsync(HttpContext ctx, CollectorService service)
    {
        var node = ctx.Request.Query["node"].ToString();
        if (node.Length == 0)
        {
            return WriteErrorAsync(ctx, StatusCodes.Status400BadRequest, "missing ?node=<node id>");
        }

        var header = ctx.Request.Headers.Authorization.ToString();
        if (service.Authorizer.Authorize(header.Length > 0 ? header : null, node, ctx.Connection.RemoteIpAddress) is { } refusal)
        {
            var status = refusal.Reason == RejectReason.Unauthorized ? StatusCodes.Status401Unauthorized : StatusCodes.Status403Forbidden;
            return WriteErrorAsync(ctx, status, refusal.Message);
        }

        ctx.Response.StatusCode = StatusCodes.Status204NoContent;
        return Task.CompletedTask;
    }

    private static Task StatusPageAsync(HttpContext ctx)
    {
        ctx.Response.ContentType = "text/html; charset=utf-8";
        ctx.Response.Headers.CacheControl = "no-cache";
        // The page runs only its own inline script and talks only to this origin.
        ctx.Response.Headers.ContentSecurityPolicy = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'";
        ctx.Response.ContentLength = StatusPage.Html.Length;
        return ctx.Response.Body.WriteAsync(StatusPage.Html, ctx.RequestAborted).AsTask();
    }

    private static Task KpisAsync(HttpContext ctx, CollectorService service)
    {
        var scope = ctx.Request.Query["scope"].ToString();
        var window = ctx.Request.Query["window"].ToString();
        if (window.Length > 0 && !service.Windows.Any(w => w.Label == window))
        {
            return WriteErrorAsync(ctx, StatusCodes.Status400BadRequest, $"unknown window '{window}': configured are {string.Join(", ", service.Windows.Select(w => w.Label))}");
        }

        if (scope.Length > 0 && !Enum.GetValues<ScopeKind>().Any(k => ScopeKinds.LabelOf(k) == scope) && !Proxy.ProxyScopes.All.Contains(scope))
        {
            return WriteErrorAsync(ctx, StatusCodes.Status400BadRequest, $"unknown scope '{scope}': use {string.Join(", ", Enum.GetValues<ScopeKind>().Select(ScopeKinds.LabelOf).Concat(Proxy.ProxyScopes.All))}");
        }

        var document = service.Kpis(scope.Length > 0 ? scope : null, window.Length > 0 ? window : null);
        ctx.Response.ContentType = "application/json; charset=utf-8";
        return JsonSerializer.SerializeAsync(ctx.Response.Body, document, KpiJsonContext.Default.KpiDocument, ctx.RequestAborted);
    }
}
