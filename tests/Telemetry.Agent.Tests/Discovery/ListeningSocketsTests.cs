using Telemetry.Agent.Discovery;

namespace Telemetry.Agent.Tests.Discovery;

public sealed class ListeningSocketsTests
{
    [Theory]
    [InlineData("   0: 0100007F:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 12345 1 0 100 0 0 10 0", 8000, "0A", 12345L)]
    [InlineData("   3: 00000000000000000000000001000000:7530 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 99 1", 30000, "0A", 99L)]
    public void Parses_port_state_and_inode(string line, int port, string state, long inode)
    {
        Assert.True(ListeningSockets.TryParse(line, out var p, out var s, out var i));
        Assert.Equal((port, state, inode), (p, s, i));
    }

    [Theory]
    [InlineData("")]
    [InlineData("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode")]
    [InlineData("   0: 0100007F:ZZZZ 00000000:0000 0A 0 0 0 0 0 12345")]
    [InlineData("   0: 0100007F:1F40 00000000:0000 0A 0 0 0 0 0 notanumber")]
    public void Rejects_malformed_lines(string line)
    {
        Assert.False(ListeningSockets.TryParse(line, out _, out _, out _));
    }
}
