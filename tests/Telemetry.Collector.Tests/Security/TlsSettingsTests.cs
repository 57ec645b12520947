using Telemetry.Collector.Security;

namespace Telemetry.Collector.Tests.Security;

public sealed class TlsSettingsTests
{
    [Fact]
    public void Plain_http_needs_no_certificate() =>
        Assert.Empty(TlsSettings.Validate("http://127.0.0.1:9464", null, null));

    [Fact]
    public void Https_without_a_certificate_names_the_kestrel_key()
    {
        var error = Assert.Single(TlsSettings.Validate("http://127.0.0.1:9465;https://0.0.0.0:9464", null, null));
        Assert.StartsWith("Collector:Listen 'http://127.0.0.1:9465;https://0.0.0.0:9464' is https but Kestrel:Certificates:Default:Path is not set", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_files_are_named()
    {
        var errors = TlsSettings.Validate("https://0.0.0.0:9464", "/nonexistent/server.pem", "/nonexistent/server.key");
        Assert.Equal(["Kestrel:Certificates:Default:Path '/nonexistent/server.pem' does not exist", "Kestrel:Certificates:Default:KeyPath '/nonexistent/server.key' does not exist"], errors);
    }

    [Fact]
    public void Existing_files_pass()
    {
        var file = Path.GetTempFileName();
        try
        {
            Assert.Empty(TlsSettings.Validate("HTTPS://collector:9464", file, file));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
