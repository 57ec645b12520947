namespace Telemetry.EndToEnd.Tests;

/// <summary>Bounded polling: the only waiting the process tests do, with a generous limit and the logs on failure.</summary>
internal static class Poll
{
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan limit, Func<string> diagnostics)
    {
        var deadline = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(250);
        }

        throw new Xunit.Sdk.XunitException($"condition not met within {limit.TotalSeconds} s\n{diagnostics()}");
    }
}
