using Telemetry.Scraping.Engines;

namespace Telemetry.Scraping.Tests.Engines;

public sealed class InspectJsonTests
{
    private const string Golden = "vllm-v1-dynamo-qwen3-0.6b.inspect.json";

    [Fact]
    public void Vllm_fixture_matches_the_golden_file()
    {
        var payload = Fixtures.Parse(Fixtures.Bytes(Fixtures.Vllm));
        var reading = new VllmProfile().Read(payload, "http://127.0.0.1:8000/metrics", modelOverride: null);
        var actual = InspectJson.Write(reading) + "\n";
        var goldenPath = Path.Combine(AppContext.BaseDirectory, "Golden", Golden);
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
        {
            // Regenerate deliberately: UPDATE_GOLDEN=1 dotnet test, then review the diff.
            File.WriteAllText(Path.Combine(SourceDirectory(), "Golden", Golden), actual);
        }

        Assert.Equal(File.ReadAllText(goldenPath), actual);
    }

    [Fact]
    public void Absent_values_are_omitted_and_non_finite_numbers_are_strings()
    {
        var reading = new EngineReading("vllm", "http://x/metrics",
        [
            new StreamReading
            {
                Model = "m",
                OutputTokens = 1.5e-7,
                Histograms = new Dictionary<string, HistogramReading>
                {
                    ["custom_seconds"] = new([0.5], [double.NaN], 2, double.PositiveInfinity),
                    [HistogramNames.Ttft] = new([], [], 0, 0),
                },
                Derived = ["input_tokens"],
            },
        ]);
        var json = InspectJson.Write(reading);
        Assert.Equal(
            """
            {
              "engine": "vllm",
              "url": "http://x/metrics",
              "streams": [
                {
                  "model": "m",
                  "output_tokens": 1.5E-07,
                  "histograms": {
                    "ttft_seconds": {
                      "count": 0,
                      "sum": 0,
                      "buckets": [["+Inf", 0]]
                    },
                    "custom_seconds": {
                      "count": 2,
                      "sum": "+Inf",
                      "buckets": [[0.5, "NaN"], ["+Inf", 2]]
                    }
                  },
                  "derived": [
                    "input_tokens"
                  ]
                }
              ]
            }
            """,
            json);
    }

    private static string SourceDirectory([System.Runtime.CompilerServices.CallerFilePath] string path = "") =>
        Path.GetDirectoryName(Path.GetDirectoryName(path))!;
}
