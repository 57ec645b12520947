using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Telemetry.Agent.Power.Integration;

namespace Telemetry.Agent.Tests.Power.Integration;

public sealed class PowerIntegratorTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10); // only so a hang cannot stall the run

    [Fact]
    public void Background_thread_integrates_a_constant_power_exactly_over_the_time_it_covered()
    {
        using var integrator = new PowerIntegrator(100, TimeProvider.System, NullLogger.Instance);
        var channel = integrator.Register("constant", () => 250.0);

        WaitFor(() => channel.Snapshot.Samples >= 20);
        var (joules, covered, samples) = channel.Snapshot;

        Assert.True(covered > 0.1, $"covered {covered} s");
        Assert.Equal(250.0, joules / covered, precision: 6);
        Assert.True(samples >= 20);
    }

    [Fact]
    public void Dispose_stops_sampling_and_readers_stay_readable()
    {
        var integrator = new PowerIntegrator(200, TimeProvider.System, NullLogger.Instance);
        var reads = 0;
        var channel = integrator.Register("counting", () =>
        {
            Interlocked.Increment(ref reads);
            return 10.0;
        });
        WaitFor(() => Volatile.Read(ref reads) >= 5);

        integrator.Dispose();
        var afterDispose = Volatile.Read(ref reads);
        Thread.Sleep(100);

        Assert.Equal(afterDispose, Volatile.Read(ref reads));
        Assert.True(channel.Joules > 0);
        Assert.Throws<ObjectDisposedException>(() => integrator.Register("late", () => 1.0));
    }

    [Fact]
    public void Concurrent_reads_while_integrating_see_a_non_decreasing_counter()
    {
        using var integrator = new PowerIntegrator(500, TimeProvider.System, NullLogger.Instance);
        var channels = Enumerable.Range(0, 8).Select(i => integrator.Register($"gpu{i}", () => 100.0 + i)).ToArray();
        var last = new double[channels.Length];
        var stopwatch = Stopwatch.StartNew();
        var decreases = 0;
        while (stopwatch.Elapsed < TimeSpan.FromMilliseconds(300))
        {
            for (var i = 0; i < channels.Length; i++)
            {
                var j = channels[i].Joules;
                decreases += j < last[i] ? 1 : 0;
                last[i] = j;
            }
        }

        Assert.Equal(0, decreases);
        Assert.All(last, j => Assert.True(j > 0));
        Assert.True(last[7] > last[0], "the 107 W reader should have integrated more than the 100 W one");
    }

    [Fact]
    public void A_reader_that_throws_breaks_the_chain_instead_of_the_thread()
    {
        using var integrator = new PowerIntegrator(200, TimeProvider.System, NullLogger.Instance);
        var calls = 0;
        var flaky = integrator.Register("flaky", () => Interlocked.Increment(ref calls) % 2 == 0 ? throw new IOException("sensor gone") : 50.0);
        var steady = integrator.Register("steady", () => 50.0);

        WaitFor(() => steady.Snapshot.Samples >= 10);

        Assert.True(steady.Joules > 0);
        Assert.Equal(0, flaky.Joules); // never two good samples in a row
    }

    [Theory]
    [InlineData(9.99)]
    [InlineData(1000.1)]
    public void Rates_outside_10_to_1000_hz_are_refused(double hz) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new PowerIntegrator(hz, TimeProvider.System, NullLogger.Instance));

    private static void WaitFor(Func<bool> condition)
    {
        var stopwatch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(stopwatch.Elapsed < Patience, "condition not reached in time");
            Thread.Sleep(10);
        }
    }
}
