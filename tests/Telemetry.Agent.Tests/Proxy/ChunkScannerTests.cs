using System.Text;
using System.Text.Json;
using Telemetry.Agent.Proxy;
using Xunit;

namespace Telemetry.Agent.Tests.Proxy;

/// <summary>The allocation-free scanner against a simple DOM reading of the same fields (the meter's former code).</summary>
public sealed class ChunkScannerTests
{
    public static TheoryData<string, bool> Payloads => new()
    {
        { "{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\" Once\"},\"finish_reason\":null}],\"id\":\"x\",\"object\":\"chat.completion.chunk\"}", false },
        { "{\"choices\":[{\"delta\":{\"content\":\"a\\nb\\u00e9\\\"\"}}]}", false },
        { "{\"choices\":[{\"delta\":{\"content\":\"" + new string('x', 300) + "\\n\"}}]}", false },
        { "{\"choices\":[{\"delta\":{\"content\":\"héllo 🙂\"}}]}", false },
        { "{\"choices\":[{\"delta\":{}}],\"usage\":null}", false },
        { "{\"choices\":[{\"delta\":{\"content\":null}}]}", false },
        { "{\"choices\":[{\"delta\":\"oops\",\"message\":{\"content\":\"mm\"},\"text\":\"ttt\"}]}", false },
        { "{\"choices\":[{\"message\":{\"content\":\"whole answer\"}}],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2,\"total_tokens\":7}}", false },
        { "{\"choices\":[{\"text\":\"A\"},{\"text\":\"BB\"},{\"text\":\"\"},7]}", false },
        { "{\"choices\":[],\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":3}}", false },
        { "{\"usage\":{\"prompt_tokens\":-1,\"completion_tokens\":2.5}}", false },
        { "{\"choices\":{\"not\":\"an array\"},\"usage\":[1]}", false },
        { "[1,2]", false },
        { "\"text\"", false },
        { "{\"choices\":[{\"delta\":{\"content\":\"cut", false },
        { "not json", false },
        { "", false },
        { "{\"choices\":[]} trailing", false },
        { "{\"model\":\"llama3\",\"message\":{\"role\":\"assistant\",\"content\":\"Hi\"},\"done\":false}", true },
        { "{\"model\":\"llama3\",\"response\":\"there\",\"done\":false}", true },
        { "{\"done\":true,\"prompt_eval_count\":4,\"eval_count\":2,\"load_duration\":1000,\"prompt_eval_duration\":2000,\"eval_duration\":25000000,\"response\":\"\"}", true },
        { "{\"done\":true}", true },
        { "{\"message\":\"not an object\",\"response\":\"r\"}", true },
    };

    [Theory]
    [MemberData(nameof(Payloads))]
    public void Reads_the_same_fields_as_a_document_would(string payload, bool ollama)
    {
        var bytes = Encoding.UTF8.GetBytes(payload);
        var expected = Reference(bytes, ollama);
        var ok = ChunkScanner.TryScan(bytes, ollama, out var facts);

        Assert.Equal(expected is not null, ok);
        if (expected is { } e)
        {
            Assert.Equal(e, (facts.ContentPieces, facts.ContentChars, facts.EmptyChoices, facts.HasUsage, facts.PromptTokens, facts.CompletionTokens,
                facts.Done, facts.LoadNanoseconds, facts.PromptEvalNanoseconds, facts.EvalNanoseconds));
        }
    }

    /// <summary>The reading the meter did with <see cref="JsonDocument"/> before: the reference for the fast path.</summary>
    private static (int, long, bool, bool, long?, long?, bool, long?, long?, long?)? Reference(byte[] json, bool ollama)
    {
        JsonDocument doc;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!JsonDocument.TryParseValue(ref reader, out var parsed))
            {
                return null;
            }

            doc = parsed;
        }
        catch (JsonException)
        {
            return null;
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            int pieces = 0;
            long chars = 0;
            if (ollama)
            {
                var text = root.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.Object ? Text(message, "content") : Text(root, "response");
                var done = root.TryGetProperty("done", out var d) && d.ValueKind == JsonValueKind.True;
                return (text.Length > 0 ? 1 : 0, text.Length, false, false, Integer(root, "prompt_eval_count"), Integer(root, "eval_count"), done,
                    Integer(root, "load_duration"), Integer(root, "prompt_eval_duration"), Integer(root, "eval_duration"));
            }

            var empty = false;
            if (root.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array)
            {
                empty = choices.GetArrayLength() == 0;
                foreach (var choice in choices.EnumerateArray())
                {
                    var text = choice.ValueKind != JsonValueKind.Object ? ""
                        : choice.TryGetProperty("delta", out var delta) && delta.ValueKind == JsonValueKind.Object ? Text(delta, "content")
                        : choice.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.Object ? Text(message, "content")
                        : Text(choice, "text");
                    pieces += text.Length > 0 ? 1 : 0;
                    chars += text.Length;
                }
            }

            var hasUsage = root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object;
            return (pieces, chars, empty, hasUsage, hasUsage ? Integer(usage, "prompt_tokens") : null, hasUsage ? Integer(usage, "completion_tokens") : null,
                false, null, null, null);
        }
    }

    private static string Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() ?? "" : "";

    private static long? Integer(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) && n >= 0 ? n : null;
}
