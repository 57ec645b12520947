using Telemetry.Collector.Configuration;

namespace Telemetry.Collector.Tests.Configuration;

public sealed class CollectorOptionsTests
{
    [Theory]
    [InlineData("30s", 30)]
    [InlineData("1m", 60)]
    [InlineData("15m", 900)]
    [InlineData("1h", 3600)]
    public void Windows_parse_to_seconds(string text, int seconds) => Assert.Equal(seconds, WindowDuration.TryParse(text, out _)!.Value.Seconds);

    [Theory]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("5d")]
    [InlineData("-1m")]
    [InlineData("0s")]
    [InlineData("25h")]
    public void Bad_windows_are_refused_with_a_reason(string text)
    {
        Assert.Null(WindowDuration.TryParse(text, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void Defaults_are_valid_and_use_the_contract_windows()
    {
        var o = new CollectorOptions();
        Assert.Empty(CollectorOptionsValidator.Validate(o));
        Assert.Equal(["1m", "5m", "15m", "1h"], CollectorOptionsValidator.ResolveWindows(o).Select(w => w.Label));
    }

    [Fact]
    public void Each_problem_names_its_key()
    {
        var o = new CollectorOptions
        {
            Listen = "localhost",
            Windows = ["1m", "1x"],
            Auth = new AuthOptions { Tokens = [new IngestTokenOptions { Token = "short", Nodes = [] }] },
        };
        var errors = CollectorOptionsValidator.Validate(o);
        Assert.Contains(errors, e => e.StartsWith("Collector:Listen", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Collector:Windows:1", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Collector:Auth:Tokens:0:Token", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Collector:Auth:Tokens:0:Nodes", StringComparison.Ordinal));
        Assert.Equal(4, errors.Count);
    }

    [Fact]
    public void Cost_and_tier_problems_name_their_keys()
    {
        var o = new CollectorOptions
        {
            Cost = new CostOptions
            {
                Sites = [new SiteCostOptions { Name = "fra", PricePerKwhUsd = -0.1, Pue = 0.8 }],
                Gpus = [new GpuCostOptions { Match = "", HourlyUsd = double.NaN }],
                DefaultSite = "ams",
            },
            Tiers = [new TierOptions { Name = "premium", PricePerMillionTokensUsd = -1 }, new TierOptions { Name = "premium" }],
        };
        var errors = CollectorOptionsValidator.Validate(o);
        Assert.Contains(errors, e => e.StartsWith("Collector:Cost:Sites:0:PricePerKwhUsd must be a non-negative price", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Collector:Cost:Sites:0:Pue must be between 1 and 5", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Collector:Cost:DefaultSite 'ams' is not a site", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Collector:Cost:Gpus:0:Match", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Collector:Cost:Gpus:0:HourlyUsd", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Collector:Tiers:0:PricePerMillionTokensUsd", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Collector:Tiers:1:Name must be set and unique", StringComparison.Ordinal));
        Assert.Equal(7, errors.Count);
    }
}

public sealed class SecurityOptionsTests
{
    [Fact]
    public void Rate_limit_and_read_token_problems_name_their_keys()
    {
        var o = new CollectorOptions
        {
            Auth = new AuthOptions { ReadTokens = ["read-token-long-enough-01", "short"] },
            RateLimit = new RateLimitOptions { ReportsPerSecond = -1, Burst = 0.5, MaxInFlight = -2 },
        };
        var errors = CollectorOptionsValidator.Validate(o);
        Assert.Contains(errors, e => e.StartsWith("Collector:Auth:ReadTokens:1 must be at least 16", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Collector:RateLimit:ReportsPerSecond", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Collector:RateLimit:Burst", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Collector:RateLimit:MaxInFlight", StringComparison.Ordinal));
        Assert.Equal(4, errors.Count);
    }

    [Fact]
    public void The_defaults_validate() => Assert.Empty(CollectorOptionsValidator.Validate(new CollectorOptions()));
}
