using Telemetry.Scraping.Engines;

namespace Telemetry.Scraping.Tests.Engines;

/// <summary>
/// <c>inspect</c> JSON (DESIGN §6) of every engine's payload, auto-detected, against reviewed golden
/// files. Regenerate deliberately with UPDATE_GOLDEN=1 and review the diff.
/// </summary>
public sealed class InspectGoldenTests
{
    public static TheoryData<string> Payloads => new(Directory.EnumerateFiles(Fixtures.PayloadDirectory, "*.prom")
        .Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)
        .Concat([Fixtures.Sglang, Fixtures.Triton]));

    [Theory]
    [MemberData(nameof(Payloads))]
    public void Inspect_json_matches_the_golden_file(string name)
    {
        var path = File.Exists(Path.Combine(Fixtures.PayloadDirectory, name))
            ? Path.Combine(Fixtures.PayloadDirectory, name)
            : Path.Combine(Fixtures.Directory, name);
        var payload = Fixtures.Parse(File.ReadAllBytes(path));
        var profile = EngineProfiles.Find("auto", payload);
        Assert.NotNull(profile);
        var actual = InspectJson.Write(profile.Read(payload, "http://127.0.0.1:8000/metrics", null)) + "\n";
        var golden = Path.ChangeExtension(name, ".inspect.json");
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(Path.Combine(SourceDirectory(), "Golden", golden), actual);
        }

        var goldenPath = Path.Combine(AppContext.BaseDirectory, "Golden", golden);
        Assert.True(File.Exists(goldenPath), $"no golden file {golden}; run with UPDATE_GOLDEN=1 and review it");
        Assert.Equal(File.ReadAllText(goldenPath), actual);
    }

    private static string SourceDirectory([System.Runtime.CompilerServices.CallerFilePath] string path = "") =>
        Path.GetDirectoryName(Path.GetDirectoryName(path))!;
}
