using Telemetry.Agent.Configuration;

namespace Telemetry.Agent.Tests.Power;

/// <summary>The Agent:Power keys added for issue 3: each bad value gives an error naming its key.</summary>
public sealed class PowerOptionsValidationTests
{
    [Fact]
    public void Defaults_are_valid_and_every_documented_source_name_is_known()
    {
        var options = new AgentOptions();
        options.Power.Sources.AddRange(["nvml", "amd-sysfs", "rapl", "dcgm-exporter", "simulated"]);

        Assert.Empty(AgentOptionsValidator.Validate(options));
    }

    [Theory]
    [InlineData("IntegrationHz", "Agent:Power:IntegrationHz must be between 10 and 1000")]
    [InlineData("SysfsRoot", "Agent:Power:SysfsRoot 'sys' must be an absolute path")]
    [InlineData("DcgmUrl", "Agent:Power:DcgmExporter:Url 'localhost:9400' is not an http(s) URL")]
    [InlineData("DcgmTimeout", "Agent:Power:DcgmExporter:TimeoutSeconds must be between 0 and 60")]
    [InlineData("HwmonEmpty", "Agent:Power:Hwmon:Sensors must list at least one sensor")]
    [InlineData("HwmonSensor", "Agent:Power:Hwmon:Sensors:0: set PowerPath, EnergyPath or both")]
    [InlineData("HwmonScale", "Agent:Power:Hwmon:Sensors:0:PowerScale must be a positive number")]
    public void Bad_values_name_their_key(string what, string expected)
    {
        var o = new AgentOptions();
        switch (what)
        {
            case "IntegrationHz": o.Power.IntegrationHz = 5; break;
            case "SysfsRoot": o.Power.SysfsRoot = "sys"; break;
            case "DcgmUrl": o.Power.DcgmExporter.Url = "localhost:9400"; break;
            case "DcgmTimeout": o.Power.DcgmExporter.TimeoutSeconds = 0; break;
            case "HwmonEmpty": o.Power.Sources.Add("hwmon"); break;
            case "HwmonSensor": o.Power.Hwmon.Sensors.Add(new HwmonSensorOptions { Name = "a" }); break;
            case "HwmonScale": o.Power.Hwmon.Sensors.Add(new HwmonSensorOptions { Name = "a", PowerPath = "x", PowerScale = 0 }); break;
        }

        var error = Assert.Single(AgentOptionsValidator.Validate(o));
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
    }
}
