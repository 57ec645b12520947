using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Telemetry.Agent.Proxy;

/// <summary>What one response payload says that the meter needs: content pieces and their length, usage, Ollama's totals.</summary>
internal struct ChunkFacts
{
    /// <summary>Choices (or Ollama messages) with non-empty text, and their total length in UTF-16 characters.</summary>
    public int ContentPieces;
    public long ContentChars;
    public bool EmptyChoices;
    public bool HasUsage;
    public long? PromptTokens;
    public long? CompletionTokens;
    public bool Done;
    public long? LoadNanoseconds;
    public long? PromptEvalNanoseconds;
    public long? EvalNanoseconds;
}

/// <summary>
/// Reads the few fields the meter needs from one JSON payload (an SSE <c>data:</c>, an NDJSON line, or a whole
/// body) in one forward pass of <see cref="Utf8JsonReader"/>: no document, no strings — this runs for every
/// streamed token. Same reading as a DOM would give: OpenAI <c>choices[].delta.content</c>, else
/// <c>message.content</c>, else <c>text</c>, and <c>usage</c>; Ollama <c>message.content</c> or <c>response</c>,
/// <c>done</c> and its counts. False for anything that is not one complete JSON object (then nothing is counted).
/// </summary>
internal static class ChunkScanner
{
    public static bool TryScan(ReadOnlySpan<byte> json, bool ollama, out ChunkFacts facts)
    {
        facts = default;
        var reader = new Utf8JsonReader(json);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            if (ollama)
            {
                ScanOllama(ref reader, ref facts);
            }
            else
            {
                ScanOpenAi(ref reader, ref facts);
            }

            return true;
        }
        catch (JsonException)
        {
            facts = default;
            return false; // not JSON: relayed as is, counted by nothing
        }
    }

    private static void ScanOpenAi(ref Utf8JsonReader reader, ref ChunkFacts facts)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("choices"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    reader.Skip();
                    continue;
                }

                var count = 0;
                facts.ContentPieces = 0;
                facts.ContentChars = 0;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    count++;
                    var chars = reader.TokenType == JsonTokenType.StartObject ? ChoiceChars(ref reader) : SkipValue(ref reader);
                    if (chars > 0)
                    {
                        facts.ContentPieces++;
                        facts.ContentChars += chars;
                    }
                }

                facts.EmptyChoices = count == 0;
            }
            else if (reader.ValueTextEquals("usage"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }

                facts.HasUsage = true;
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("prompt_tokens"u8))
                    {
                        reader.Read();
                        facts.PromptTokens = Integer(ref reader) ?? facts.PromptTokens;
                    }
                    else if (reader.ValueTextEquals("completion_tokens"u8))
                    {
                        reader.Read();
                        facts.CompletionTokens = Integer(ref reader) ?? facts.CompletionTokens;
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
            }
            else
            {
                reader.Skip();
            }
        }
    }

    /// <summary>A choice's text length: <c>delta.content</c> if delta is an object, else <c>message.content</c>, else <c>text</c>.</summary>
    private static long ChoiceChars(ref Utf8JsonReader reader)
    {
        long? delta = null, message = null;
        long text = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("delta"u8))
            {
                reader.Read();
                delta = reader.TokenType == JsonTokenType.StartObject ? ContentChars(ref reader) : delta;
                reader.Skip();
            }
            else if (reader.ValueTextEquals("message"u8))
            {
                reader.Read();
                message = reader.TokenType == JsonTokenType.StartObject ? ContentChars(ref reader) : message;
                reader.Skip();
            }
            else if (reader.ValueTextEquals("text"u8))
            {
                reader.Read();
                text = StringChars(ref reader);
                reader.Skip();
            }
            else
            {
                reader.Skip();
            }
        }

        return delta ?? message ?? text;
    }

    private static void ScanOllama(ref Utf8JsonReader reader, ref ChunkFacts facts)
    {
        long? message = null;
        long response = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var field = OllamaField(ref reader);
            reader.Read();
            switch (field)
            {
                case 1: message = reader.TokenType == JsonTokenType.StartObject ? ContentChars(ref reader) : message; break;
                case 2: response = StringChars(ref reader); break;
                case 3: facts.Done = reader.TokenType == JsonTokenType.True; break;
                case 4: facts.PromptTokens = Integer(ref reader); break;
                case 5: facts.CompletionTokens = Integer(ref reader); break;
                case 6: facts.LoadNanoseconds = Integer(ref reader); break;
                case 7: facts.PromptEvalNanoseconds = Integer(ref reader); break;
                case 8: facts.EvalNanoseconds = Integer(ref reader); break;
            }

            reader.Skip();
        }

        var chars = message ?? response;
        facts.ContentPieces = chars > 0 ? 1 : 0;
        facts.ContentChars = chars;
    }

    /// <summary>Which Ollama field the reader's property name is (0: one the meter does not read).</summary>
    private static int OllamaField(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("message"u8) ? 1
        : reader.ValueTextEquals("response"u8) ? 2
        : reader.ValueTextEquals("done"u8) ? 3
        : reader.ValueTextEquals("prompt_eval_count"u8) ? 4
        : reader.ValueTextEquals("eval_count"u8) ? 5
        : reader.ValueTextEquals("load_duration"u8) ? 6
        : reader.ValueTextEquals("prompt_eval_duration"u8) ? 7
        : reader.ValueTextEquals("eval_duration"u8) ? 8
        : 0;

    /// <summary>On an object's start: the length of its <c>content</c> string (0 if none); leaves the reader on the object's end.</summary>
    private static long ContentChars(ref Utf8JsonReader reader)
    {
        long chars = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var content = reader.ValueTextEquals("content"u8);
            reader.Read();
            if (content)
            {
                chars = StringChars(ref reader);
            }

            reader.Skip();
        }

        return chars;
    }

    private static long SkipValue(ref Utf8JsonReader reader)
    {
        reader.Skip();
        return 0;
    }

    /// <summary>A string token's length in UTF-16 characters, as <c>GetString().Length</c> but without the string; 0 for other tokens.</summary>
    private static long StringChars(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            return 0;
        }

        if (!reader.ValueIsEscaped)
        {
            return Encoding.UTF8.GetCharCount(reader.ValueSpan);
        }

        // Escapes (\n, \u00e9) only shorten: the raw length bounds the unescaped one.
        const int StackChars = 256;
        var length = reader.ValueSpan.Length;
        char[]? rented = null;
        var buffer = length <= StackChars ? stackalloc char[StackChars] : (rented = ArrayPool<char>.Shared.Rent(length));
        try
        {
            return reader.CopyString(buffer);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    private static long? Integer(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var n) && n >= 0 ? n : null;
}
