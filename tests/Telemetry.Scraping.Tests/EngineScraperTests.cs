using System.Net;
using System.Net.Sockets;
using System.Text;
using Telemetry.Scraping.Prometheus;

namespace Telemetry.Scraping.Tests;

public sealed class EngineScraperTests
{
    private static readonly Uri Url = new("http://10.0.0.7:8000/metrics");

    [Fact]
    public async Task Scrapes_a_vllm_endpoint_and_asks_for_text_format()
    {
        var handler = StubHandler.Returning(() => Ok(new ByteArrayContent(Fixtures.Bytes(Fixtures.Vllm))));
        using var http = new HttpClient(handler);
        var result = await new EngineScraper(http).ScrapeAsync(Url, "auto", null, CancellationToken.None);

        Assert.Null(result.Error);
        Assert.True(result.Succeeded);
        Assert.Equal("vllm", result.Reading!.Engine);
        Assert.Equal(Url.ToString(), result.Reading.Url);
        Assert.Equal(600, Assert.Single(result.Reading.Streams).OutputTokens);
        var accept = Assert.Single(handler.Requests[0].Headers.Accept);
        Assert.Equal("text/plain", accept.MediaType);
        Assert.Equal("version=0.0.4", Assert.Single(accept.Parameters).ToString());
        Assert.Equal(HttpMethod.Get, handler.Requests[0].Method);
    }

    [Fact]
    public async Task Openmetrics_content_type_with_two_models_and_escaped_names_is_read()
    {
        var body = File.ReadAllBytes(Path.Combine(Fixtures.PayloadDirectory, "vllm-two-models-openmetrics.prom"));
        using var http = new HttpClient(StubHandler.Returning(() =>
        {
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("application/openmetrics-text; version=1.0.0; charset=utf-8");
            return Ok(content);
        }));
        var result = await new EngineScraper(http).ScrapeAsync(Url, "auto", null, CancellationToken.None);

        Assert.Null(result.Error);
        var streams = result.Reading!.Streams;
        Assert.Equal(3, streams.Count);
        Assert.Equal(("llama-3.1-8b", "0", 100.0, 1000.0), (streams[0].Model, streams[0].Labels["engine"], streams[0].InputTokens!.Value, streams[0].OutputTokens!.Value));
        Assert.Equal(("llama-3.1-8b", "1", 150.0), (streams[1].Model, streams[1].Labels["engine"], streams[1].InputTokens!.Value));
        Assert.Equal("lora \"fr\"\\v2\nbeta", streams[2].Model);
        Assert.Equal(70, streams[2].OutputTokens);
        Assert.Equal(3, streams[0].Histograms["ttft_seconds"].CumulativeCounts[1]); // the exemplar is ignored
        Assert.All(streams, s => Assert.Equal(1.7682640e+09, s.StartedAtSeconds)); // process_start_time_seconds wins over _created
    }

    [Fact]
    public async Task Json_quoted_payload_of_llama_cpp_b7010_gives_line_and_reason()
    {
        var quoted = "\"# HELP llamacpp:prompt_tokens_total Number of prompt tokens processed.\\n# TYPE llamacpp:prompt_tokens_total counter\\nllamacpp:prompt_tokens_total 3\\n\"";
        using var http = new HttpClient(StubHandler.Returning(() => Ok(new StringContent(quoted))));
        var result = await new EngineScraper(http).ScrapeAsync(Url, "auto", null, CancellationToken.None);
        Assert.Null(result.Reading);
        Assert.Contains("is not Prometheus text: line 1:", result.Error, StringComparison.Ordinal);
        Assert.Contains("expected a metric name", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Model_override_is_applied()
    {
        using var http = new HttpClient(StubHandler.Returning(() => Ok(new ByteArrayContent(Fixtures.Bytes(Fixtures.Vllm)))));
        var result = await new EngineScraper(http).ScrapeAsync(Url, "vllm", "qwen3", CancellationToken.None);
        Assert.Equal("qwen3", result.Reading!.Streams[0].Model);
    }

    [Fact]
    public async Task Http_error_status_is_reported()
    {
        using var http = new HttpClient(StubHandler.Returning(() => new HttpResponseMessage(HttpStatusCode.NotFound) { ReasonPhrase = "Not Found" }));
        var result = await new EngineScraper(http).ScrapeAsync(Url, "auto", null, CancellationToken.None);
        Assert.Null(result.Reading);
        Assert.Equal("HTTP 404 (Not Found) from http://10.0.0.7:8000/metrics", result.Error);
    }

    [Fact]
    public async Task Refused_connection_is_reported_in_plain_words()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // Nothing listens on this port now.
        using var http = new HttpClient();
        var url = new Uri($"http://127.0.0.1:{port}/metrics");
        var result = await new EngineScraper(http).ScrapeAsync(url, "auto", null, CancellationToken.None);
        Assert.Equal($"GET http://127.0.0.1:{port}/metrics failed: connection refused", result.Error);
    }

    [Fact]
    public async Task Non_prometheus_body_gives_the_line_and_reason()
    {
        using var http = new HttpClient(StubHandler.Returning(() => Ok(new StringContent("# TYPE x gauge\n<html><body>hello</body></html>\n"))));
        var result = await new EngineScraper(http).ScrapeAsync(Url, "auto", null, CancellationToken.None);
        Assert.Equal(
            "payload from http://10.0.0.7:8000/metrics is not Prometheus text: line 2: expected a metric name, found '<html><body>hello</body></html>'",
            result.Error);
    }

    [Fact]
    public async Task Payload_of_another_exporter_is_not_guessed_at()
    {
        using var http = new HttpClient(StubHandler.Returning(() => Ok(new ByteArrayContent(Fixtures.Bytes(Fixtures.Dcgm)))));
        var scraper = new EngineScraper(http);

        var auto = await scraper.ScrapeAsync(Url, "auto", null, CancellationToken.None);
        Assert.StartsWith("no known engine metrics found at http://10.0.0.7:8000/metrics", auto.Error, StringComparison.Ordinal);
        Assert.Contains("set Engine explicitly", auto.Error, StringComparison.Ordinal);

        var vllm = await scraper.ScrapeAsync(Url, "vllm", null, CancellationToken.None);
        Assert.Equal("no vllm metrics found at http://10.0.0.7:8000/metrics; is this a vllm server? set Engine explicitly", vllm.Error);
    }

    [Fact]
    public async Task Unsupported_engine_is_reported_without_a_request()
    {
        var handler = StubHandler.Returning(() => throw new InvalidOperationException("must not be called"));
        using var http = new HttpClient(handler);
        var result = await new EngineScraper(http).ScrapeAsync(Url, "ollama", null, CancellationToken.None);
        Assert.Equal("engine 'ollama' is not supported; use auto or one of: vllm, sglang, dynamo, trtllm, tgi, llamacpp, triton", result.Error);
        Assert.Empty(handler.Requests);
    }

    [Fact]
    public async Task Endless_body_is_cut_at_the_size_limit()
    {
        var body = new EndlessStream();
        using var http = new HttpClient(StubHandler.Returning(() => Ok(new StreamContent(body))));
        var result = await new EngineScraper(http).ScrapeAsync(Url, "auto", null, CancellationToken.None);
        Assert.Equal($"payload from http://10.0.0.7:8000/metrics is larger than the {PrometheusTextParser.MaxPayloadBytes}-byte limit", result.Error);
        Assert.InRange(body.BytesRead, PrometheusTextParser.MaxPayloadBytes + 1, PrometheusTextParser.MaxPayloadBytes + 1);
    }

    [Fact]
    public async Task Declared_oversized_body_is_refused_without_reading_it()
    {
        var body = new EndlessStream();
        var content = new StreamContent(body);
        content.Headers.ContentLength = PrometheusTextParser.MaxPayloadBytes + 1L;
        using var http = new HttpClient(StubHandler.Returning(() => Ok(content)));
        var result = await new EngineScraper(http).ScrapeAsync(Url, "auto", null, CancellationToken.None);
        Assert.Contains("larger than the 16777216-byte limit", result.Error, StringComparison.Ordinal);
        Assert.Equal(0, body.BytesRead);
    }

    [Fact]
    public async Task Body_at_the_size_limit_is_accepted()
    {
        var text = new byte[PrometheusTextParser.MaxPayloadBytes];
        text.AsSpan().Fill((byte)'\n');
        "vllm:num_requests_running{model_name=\"m\"} 3\n"u8.CopyTo(text);
        using var http = new HttpClient(StubHandler.Returning(() => Ok(new StreamContent(new MemoryStream(text)))));
        var result = await new EngineScraper(http).ScrapeAsync(Url, "vllm", null, CancellationToken.None);
        Assert.Null(result.Error);
        Assert.Equal(3, result.Reading!.Streams[0].Running);
    }

    [Fact]
    public async Task Slow_server_times_out_with_a_message()
    {
        using var http = new HttpClient(new StubHandler(async ct =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return Ok(new StringContent(""));
        }))
        { Timeout = TimeSpan.FromMilliseconds(200) };
        var result = await new EngineScraper(http).ScrapeAsync(Url, "auto", null, CancellationToken.None);
        Assert.Equal("GET http://10.0.0.7:8000/metrics failed: no complete answer within 0.2 s", result.Error);
    }

    [Fact]
    public async Task Caller_cancellation_propagates()
    {
        using var http = new HttpClient(new StubHandler(async ct =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return Ok(new StringContent(""));
        }));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => new EngineScraper(http).ScrapeAsync(Url, "auto", null, cts.Token));
    }

    private static HttpResponseMessage Ok(HttpContent content) => new(HttpStatusCode.OK) { Content = content };

    private sealed class StubHandler : HttpMessageHandler
    {
        private readonly Func<CancellationToken, Task<HttpResponseMessage>> _respond;

        public StubHandler(Func<CancellationToken, Task<HttpResponseMessage>> respond) => _respond = respond;

        public List<HttpRequestMessage> Requests { get; } = [];

        public static StubHandler Returning(Func<HttpResponseMessage> respond) => new(_ => Task.FromResult(respond()));

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add(request);
            return _respond(cancellationToken);
        }
    }

    /// <summary>A body that never ends, counting what the reader pulled.</summary>
    private sealed class EndlessStream : Stream
    {
        public long BytesRead { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            buffer.AsSpan(offset, count).Fill((byte)'\n');
            BytesRead += count;
            return count;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
