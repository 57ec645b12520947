using Telemetry.Scraping.Prometheus;

namespace Telemetry.Scraping.Tests.Prometheus;

/// <summary>
/// Mutates the real fixtures (fixed seed, so failures reproduce) and checks the parser always
/// returns — a result or an error with a line and a reason — and never throws or hangs.
/// </summary>
public sealed class ParserFuzzTests
{
    private const int Mutations = 20_000;
    private const int Seed = 20_260_117;
    private static readonly byte[] Interesting = "\"{}\\\n\r,=# \t:_.e+-"u8.ToArray();

    [Fact]
    public async Task Mutated_fixtures_never_crash_or_hang()
    {
        var fixtures = Fixtures.All().Select(Fixtures.Bytes).ToArray();
        var run = Task.Run(() => Fuzz(fixtures));
        // Generous: 20,000 parses of <= 31 KiB take a few seconds; the timeout only stops a hang.
        var finished = await Task.WhenAny(run, Task.Delay(TimeSpan.FromMinutes(3)));
        Assert.Same(run, finished);
        var (accepted, rejected) = await run;
        Assert.Equal(Mutations, accepted + rejected);
        Assert.True(rejected > 0, "mutations never produced an error: the fuzzer is not reaching the error paths");
        Assert.True(accepted > 0, "no mutation was accepted: the fuzzer is too destructive to test the success paths");
    }

    private static (int Accepted, int Rejected) Fuzz(byte[][] fixtures)
    {
        var random = new Random(Seed);
        int accepted = 0, rejected = 0;
        for (var i = 0; i < Mutations; i++)
        {
            var input = Mutate(fixtures[random.Next(fixtures.Length)], random);
            bool ok;
            ParsedPayload? payload;
            PrometheusParseError? error;
            try
            {
                ok = PrometheusTextParser.TryParse(input, out payload, out error);
            }
            catch (Exception ex)
            {
                throw new InvalidOperationException($"mutation {i} threw", ex);
            }

            if (ok)
            {
                Assert.NotNull(payload);
                Assert.Null(error);
                Assert.True(payload.SampleCount <= PrometheusTextParser.MaxSamples);
                accepted++;
            }
            else
            {
                Assert.Null(payload);
                Assert.NotNull(error);
                Assert.InRange(error.Line, 1, input.Count(b => b == (byte)'\n') + 1);
                Assert.False(string.IsNullOrWhiteSpace(error.Reason));
                rejected++;
            }
        }

        return (accepted, rejected);
    }

    private static byte[] Mutate(byte[] source, Random random)
    {
        var bytes = new List<byte>(source);
        var edits = random.Next(1, 6);
        for (var e = 0; e < edits && bytes.Count > 0; e++)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(7))
            {
                case 0: // flip a bit
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1: // random byte
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 2: // truncate
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 3: // insert a syntax character
                    bytes.Insert(at, Interesting[random.Next(Interesting.Length)]);
                    break;
                case 4: // delete a run
                    bytes.RemoveRange(at, Math.Min(bytes.Count - at, random.Next(1, 40)));
                    break;
                case 5: // duplicate a run elsewhere
                    var length = Math.Min(bytes.Count - at, random.Next(1, 200));
                    var run = bytes.GetRange(at, length);
                    bytes.InsertRange(random.Next(bytes.Count), run);
                    break;
                default: // replace a byte with a syntax character
                    bytes[at] = Interesting[random.Next(Interesting.Length)];
                    break;
            }
        }

        return [.. bytes];
    }
}
