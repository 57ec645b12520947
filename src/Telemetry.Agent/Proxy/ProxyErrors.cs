using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Telemetry.Agent.Proxy;

/// <summary>Errors the proxy itself answers, in the OpenAI error shape clients already parse.</summary>
public static class ProxyErrors
{
    public static async Task WriteAsync(HttpContext ctx, int status, string type, string message)
    {
        if (ctx.Response.HasStarted)
        {
            ctx.Abort();
            return;
        }

        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartObject("error");
            w.WriteString("message", message);
            w.WriteString("type", type);
            w.WriteNumber("code", status);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        await ctx.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), ctx.RequestAborted).ConfigureAwait(false);
    }
}
