using System.Text.Json;
using System.Text.Json.Nodes;

namespace Telemetry.Agent.Proxy;

/// <summary>What the proxy needs from a generation request's JSON body; the body itself is not changed here.</summary>
public sealed record RequestInspection(string Model, bool Stream, bool IncludeUsage, string User, bool ValidJson)
{
    /// <summary>Reads model, stream, stream_options.include_usage and user. Ollama streams unless told not to;
    /// OpenAI only when asked. A body that is not a JSON object is still forwarded, unmeasured in detail.</summary>
    public static RequestInspection Of(ReadOnlySpan<byte> body, InferenceApi api)
    {
        var defaultStream = api.IsOllama();
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return new RequestInspection("", defaultStream, false, "", false);
            }

            string model = "", user = "";
            var stream = defaultStream;
            var includeUsage = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("model"u8) && reader.Read())
                {
                    model = reader.TokenType == JsonTokenType.String ? reader.GetString() ?? "" : "";
                }
                else if (reader.ValueTextEquals("user"u8) && reader.Read())
                {
                    user = reader.TokenType == JsonTokenType.String ? reader.GetString() ?? "" : "";
                }
                else if (reader.ValueTextEquals("stream"u8) && reader.Read())
                {
                    stream = reader.TokenType switch { JsonTokenType.True => true, JsonTokenType.False => false, _ => stream };
                }
                else if (reader.ValueTextEquals("stream_options"u8) && reader.Read())
                {
                    includeUsage = ReadIncludeUsage(ref reader);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            return new RequestInspection(model, stream, includeUsage, user, true);
        }
        catch (JsonException)
        {
            return new RequestInspection("", defaultStream, false, "", false);
        }
    }

    private static bool ReadIncludeUsage(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return false;
        }

        var include = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("include_usage"u8) && reader.Read())
            {
                include = reader.TokenType == JsonTokenType.True;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return include;
    }

    /// <summary>
    /// The one change the proxy makes to a request: a streamed OpenAI request that did not ask for usage
    /// gets <c>stream_options.include_usage = true</c>, so upstream counts the tokens; the extra usage
    /// chunk is removed from the response again (<see cref="StreamRelay"/>).
    /// </summary>
    public static byte[] WithUsageRequested(byte[] body)
    {
        var root = JsonNode.Parse(body)!.AsObject();
        if (root["stream_options"] is JsonObject options)
        {
            options["include_usage"] = true;
        }
        else
        {
            root["stream_options"] = new JsonObject { ["include_usage"] = true };
        }

        return JsonSerializer.SerializeToUtf8Bytes(root, ProxyJsonContext.Default.JsonObject);
    }
}
